"""The matcher on real-world title shapes: trackers, Goodreads, Google Books."""

import pytest

from catalog import matching
from catalog.matching import (
    MATCH_THRESHOLD,
    MAX_LENGTH,
    author_score,
    best_match,
    book_score,
    clean_author,
    clean_title,
    display_title,
    is_non_book,
    match_score,
    same_isbn,
    title_score,
    titles,
)
from catalog.matching.guard import never_raises

SAME_BOOK = [
    pytest.param(
        "Leviathan Wakes (The Expanse, #1)",
        "Leviathan Wakes: The Expanse, Book 1 (Unabridged)",
        id="a Goodreads series suffix matches a series subtitle with an unabridged tag",
    ),
    pytest.param(
        "Leviathan Wakes (Expanse 1)",
        "Leviathan Wakes",
        id="a bracketed series without a hash sign is dropped",
    ),
    pytest.param(
        "The Expanse 01 - Leviathan Wakes",
        "Leviathan Wakes (The Expanse, #1)",
        id="a numbered series prefix is dropped",
    ),
    pytest.param(
        "Leviathan Wakes, Book 1 of the Expanse",
        "Leviathan Wakes",
        id="a trailing book of series phrase is dropped",
    ),
    pytest.param(
        "The Way of Kings", "Way of Kings, The", id="a trailing article counts as a leading one"
    ),
    pytest.param(
        "The Way of Kings (The Stormlight Archive, #1)",
        "The Way of Kings: Book One of the Stormlight Archive",
        id="book one in words is the same position as number one",
    ),
    pytest.param(
        "Mistborn: The Final Empire",
        "The Final Empire",
        id="a series name before the colon is optional",
    ),
    pytest.param(
        "Sapiens: A Brief History of Humankind",
        "Sapiens",
        id="a subtitle is optional",
    ),
    pytest.param(
        "Good Omens: The Nice and Accurate Prophecies of Agnes Nutter, Witch",
        "Good Omens",
        id="a long subtitle is optional",
    ),
    pytest.param(
        "The Hobbit, or There and Back Again",
        "The Hobbit",
        id="an alternative title after or is optional",
    ),
    pytest.param("Les Misérables", "Les Miserables", id="accents do not count"),
    pytest.param("Project Hail Mary: A Novel", "Project Hail Mary", id="a novel is noise"),
    pytest.param("Recursion: A Thriller", "Recursion", id="a thriller is noise"),
    pytest.param(
        "The Martian: A Novel [Unabridged]",
        "The Martian",
        id="a novel and unabridged together are noise",
    ),
    pytest.param("Red Rising [Unabridged] [M4B]", "Red Rising", id="tracker tags are noise"),
    pytest.param("Dune [MP3] {64kbps}", "DUNE", id="format and bitrate tags and case are noise"),
    pytest.param("Ender's Game (Audiobook)", "Enders Game", id="audiobook tag is noise"),
    pytest.param(
        "Ender&#039;s Game",
        "Ender’s Game",
        id="an HTML entity from the tracker equals a curly apostrophe",
    ),
    pytest.param("'Salem's Lot", "Salem's Lot", id="a leading apostrophe does not count"),
    pytest.param("Dune (40th Anniversary Edition)", "Dune", id="an anniversary edition is noise"),
    pytest.param(
        "Ready Player One (Movie Tie-In)", "Ready Player One", id="a movie tie-in is noise"
    ),
    pytest.param(
        "Der Schwarm (Ungekürzte Lesung)",
        "Der Schwarm",
        id="any bracketed annotation is not the title",
    ),
    pytest.param("The Hobbit", "Hobbit", id="a leading article does not count"),
    pytest.param(
        "Harry Potter and the Philosopher's Stone",
        "Harry Potter and the Sorcerer's Stone",
        id="the UK and US titles of the first Harry Potter are one book",
    ),
    pytest.param(
        "Mort (Discworld, #4; Death, #1)",
        "Mort (Death, #1)",
        id="positions in two different series do not clash",
    ),
    pytest.param(
        "The Girl with the Dragon Tattoo (Millennium, #1)",
        "Girl with the Dragon Tattoo",
        id="a series suffix and an article together do not count",
    ),
    pytest.param(
        "A Court of Thorns and Roses (A Court of Thorns and Roses, #1)",
        "A Court of Thorns and Roses",
        id="a series named after its first book is still dropped",
    ),
    pytest.param("Pride & Prejudice", "Pride and Prejudice", id="an ampersand is and"),
    pytest.param(
        "Cien años de soledad", "Cien Anos De Soledad", id="a Spanish title folds its tilde"
    ),
    pytest.param(
        "The Fellowship of the Ring - The Lord of the Rings, Book 1",
        "The Fellowship of the Ring",
        id="a series after a dash is dropped",
    ),
    pytest.param("Book Three", "Book 3", id="a volume number in words is a digit"),
    pytest.param("Mistborn Volume II", "Mistborn Vol. 2", id="roman and arabic volumes are equal"),
    pytest.param(
        "The Dark Tower I: The Gunslinger",
        "The Gunslinger (The Dark Tower, #1)",
        id="a roman numbered series prefix is dropped",
    ),
    pytest.param(
        "Dune: Book One in the Dune Chronicles", "Dune", id="a series subtitle is dropped"
    ),
    pytest.param("The Colour of Magic", "The Color of Magic", id="British spelling is a typo"),
    pytest.param("Fifty Shades of Grey", "Fifty Shades of Gray", id="grey and gray are a typo"),
    pytest.param(
        "Spider-Man: Forever Young", "Spiderman: Forever Young", id="a hyphenated word is one"
    ),
    pytest.param(
        "The Hobbit (Dramatized Adaptation)",
        "The Hobbit: BBC Radio 4 Full-Cast Dramatisation",
        id="two dramatizations of one book match each other",
    ),
]

DIFFERENT_BOOKS = [
    pytest.param("Dune", "Dune Messiah", id="a sequel containing the first title is another book"),
    pytest.param(
        "Foundation", "Foundation and Empire", id="a sequel extending the title is another book"
    ),
    pytest.param("It", "It Ends with Us", id="a short title is not a prefix match"),
    pytest.param("The Expanse Book 1", "The Expanse Book 2", id="book 1 is not book 2"),
    pytest.param(
        "Leviathan Wakes (The Expanse, #1)",
        "Caliban's War (The Expanse, #2)",
        id="two books of one series differ",
    ),
    pytest.param(
        "The Expanse 01 - Leviathan Wakes",
        "The Expanse 02 - Caliban's War",
        id="two numbered series prefixes do not make a match",
    ),
    pytest.param("Mistborn Volume 2", "Mistborn Volume III", id="volume 2 is not volume III"),
    pytest.param("Book Three", "Book Four", id="book three is not book four"),
    pytest.param(
        "The Dark Tower I: The Gunslinger",
        "The Dark Tower II: The Drawing of the Three",
        id="roman numbered parts of a series differ",
    ),
    pytest.param("The Stand (Part 1 of 2)", "The Stand (Part 2 of 2)", id="part 1 is not part 2"),
    pytest.param(
        "The Expanse Books 1-3",
        "Leviathan Wakes (The Expanse, #1)",
        id="an omnibus is not its first book",
    ),
    pytest.param(
        "Mistborn: The Final Empire",
        "Mistborn: The Well of Ascension",
        id="two subtitles under one series name are two books",
    ),
    pytest.param(
        "The Hunger Games: Catching Fire",
        "The Hunger Games: Mockingjay",
        id="two subtitles under one main title are two books",
    ),
    pytest.param(
        "Harry Potter and the Philosopher's Stone (Harry Potter, #1)",
        "Harry Potter and the Chamber of Secrets (Harry Potter, #2)",
        id="two Harry Potter books differ",
    ),
    pytest.param(
        "Harry Potter and the Chamber of Secrets",
        "Harry Potter and the Goblet of Fire",
        id="a shared long prefix is not enough",
    ),
    pytest.param("A Game of Thrones", "A Clash of Kings", id="two ASOIAF books differ"),
    pytest.param("The Lord of the Rings", "The Lord of the Flies", id="one differing word"),
    pytest.param("Children of Time", "Children of Ruin", id="one differing last word"),
    pytest.param("The Stand", "The Standard", id="a longer word is not a typo"),
    pytest.param("Magic Bites", "Magic Binds", id="two letters in a short word are not a typo"),
    pytest.param("Dead Beat", "Dead Heat", id="a different first letter is not a typo"),
    pytest.param("2001: A Space Odyssey", "2010: Odyssey Two", id="different years differ"),
    pytest.param("Fantasy Hit 1", "Fantasy Hit 2", id="different trailing numbers differ"),
    pytest.param("Catch-22", "Catch", id="a number in the title is part of it"),
    pytest.param(
        "The Hobbit (Dramatized Adaptation)",
        "The Hobbit [Unabridged]",
        id="a dramatization is not the book read in full",
    ),
    pytest.param(
        "The Hitchhiker's Guide to the Galaxy [Full Cast]",
        "The Hitchhiker's Guide to the Galaxy",
        id="a full cast recording is not the book read in full",
    ),
    pytest.param(
        "The Girl Who Played with Fire",
        "The Girl Who Kicked the Hornet's Nest",
        id="two Millennium books differ",
    ),
    pytest.param("Words of Radiance", "The Way of Kings", id="unrelated titles differ"),
    pytest.param("Wool", "Shift", id="short unrelated titles differ"),
]


@pytest.mark.parametrize(("a", "b"), SAME_BOOK)
def test_titles_of_the_same_book_match(a, b):
    assert match_score(a, [], b, []) >= MATCH_THRESHOLD
    assert match_score(b, [], a, []) >= MATCH_THRESHOLD


@pytest.mark.parametrize(("a", "b"), DIFFERENT_BOOKS)
def test_titles_of_different_books_do_not_match(a, b):
    assert match_score(a, [], b, []) < MATCH_THRESHOLD
    assert match_score(b, [], a, []) < MATCH_THRESHOLD


AUTHORS_SAME_BOOK = [
    pytest.param(
        "Leviathan Wakes",
        ["James S. A. Corey"],
        "Leviathan Wakes (The Expanse, #1)",
        ["Corey, James S.A."],
        id="surname first with joined initials is the same author",
    ),
    pytest.param(
        "The Left Hand of Darkness",
        ["Le Guin, Ursula K."],
        "The Left Hand of Darkness",
        ["Ursula K. Le Guin"],
        id="a surname with a particle written first is the same author",
    ),
    pytest.param(
        "The Hobbit",
        ["J.R.R. Tolkien"],
        "The Hobbit [Unabridged]",
        ["JRR Tolkien"],
        id="initials with and without dots are the same author",
    ),
    pytest.param(
        "Cien años de soledad",
        ["Gabriel García Márquez"],
        "Cien Anos de Soledad",
        ["Garcia Marquez, Gabriel"],
        id="a double surname first without accents is the same author",
    ),
    pytest.param(
        "Leviathan Wakes",
        "Daniel Abraham & Ty Franck",
        "Leviathan Wakes",
        ["Ty Franck"],
        id="one author of two in a string is enough",
    ),
    pytest.param(
        "The Snowman",
        ["Jo Nesbø"],
        "The Snowman",
        ["Jo Nesbo"],
        id="a Norwegian letter folds to its plain letter",
    ),
    pytest.param(
        "Pride and Prejudice",
        ["Rosamund Pike (Narrator)", "Jane Austen"],
        "Pride and Prejudice",
        ["Austen, Jane"],
        id="a narrator among the authors does not hurt",
    ),
    pytest.param(
        "Dune", [], "Dune", ["Frank Herbert"], id="an unknown author neither helps nor hurts"
    ),
    pytest.param(
        "Dune", ["Various"], "Dune", ["Frank Herbert"], id="a placeholder author is unknown"
    ),
]

AUTHORS_DIFFERENT_BOOK = [
    pytest.param(
        "Leviathan Wakes",
        ["James S. A. Corey"],
        "Leviathan Wakes",
        ["Ann Other"],
        id="a different author stops an exact title match",
    ),
    pytest.param(
        "The Snowman",
        ["Jo Nesbø"],
        "The Snowman",
        ["Raymond Briggs"],
        id="two authors' books with one title differ",
    ),
    pytest.param(
        "Harry Potter and the Goblet of Fire",
        ["J.K. Rowling"],
        "Harry Potter and the Order of the Phoenix",
        ["J. K. Rowling"],
        id="the same author does not make similar titles match",
    ),
]


@pytest.mark.parametrize(("title_a", "authors_a", "title_b", "authors_b"), AUTHORS_SAME_BOOK)
def test_books_by_the_same_author_written_differently_match(title_a, authors_a, title_b, authors_b):
    assert match_score(title_a, authors_a, title_b, authors_b) >= MATCH_THRESHOLD


@pytest.mark.parametrize(("title_a", "authors_a", "title_b", "authors_b"), AUTHORS_DIFFERENT_BOOK)
def test_authors_keep_different_books_apart(title_a, authors_a, title_b, authors_b):
    assert match_score(title_a, authors_a, title_b, authors_b) < MATCH_THRESHOLD


def test_unknown_authors_leave_the_title_score_unchanged():
    assert match_score("Leviathan Wakes", [], "Leviathan Wakes", ["James S. A. Corey"]) == 100


def test_author_score_is_unknown_when_either_side_has_no_author():
    assert author_score([], ["Frank Herbert"]) is None
    assert author_score(["Anonymous"], ["Frank Herbert"]) is None


def test_author_score_takes_the_best_pair():
    assert author_score(["Ann Other", "Frank Herbert"], ["Herbert, Frank"]) == 100


# -- clean_title, display_title ------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("The Way of Kings (The Stormlight Archive, #1) [Unabridged]", "way of kings"),
        ("The Expanse 01 - Leviathan Wakes", "leviathan wakes"),
        ("Mistborn Volume II", "mistborn 2"),
        ("Mistborn: The Final Empire", "mistborn final empire"),
        ("The Hobbit (Dramatized Adaptation)", "hobbit dramatized"),
    ],
)
def test_clean_title_keeps_only_what_names_the_book(title, key):
    assert clean_title(title) == key


def test_display_titles_drop_tracker_noise_but_keep_case():
    assert display_title("Red Rising [Unabridged] [M4B]") == "Red Rising"


def test_display_titles_drop_descriptions_one_after_another():
    assert display_title("Gone Girl: A Thriller: A Novel") == "Gone Girl"


def test_display_titles_drop_a_series_descriptor():
    assert display_title("Leviathan Wakes: The Expanse, Book 1 (Unabridged)") == "Leviathan Wakes"


def test_display_titles_drop_a_numbered_series_prefix():
    assert display_title("The Expanse 01 - Leviathan Wakes [M4B]") == "Leviathan Wakes"


def test_display_titles_keep_a_dramatization_apart_from_the_book():
    shown = display_title("The Hobbit: BBC Radio 4 Full-Cast Dramatisation")
    assert shown == "The Hobbit (Dramatized)"
    assert title_score(shown, "The Hobbit") < MATCH_THRESHOLD


def test_an_empty_title_matches_nothing_not_even_itself():
    assert title_score("", "") == 0
    assert title_score("!!!", "!!!") == 0


# -- clean_author --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Le Guin, Ursula K.", "Ursula K. Le Guin", "Ursula K Le Guin", "URSULA K. LE GUIN"],
)
def test_author_names_in_any_order_and_case_give_one_key(name):
    assert clean_author(name) == "ursula k le guin"


@pytest.mark.parametrize(
    "name", ["J.R.R. Tolkien", "J. R. R. Tolkien", "JRR Tolkien", "Tolkien, J.R.R."]
)
def test_initials_with_or_without_dots_and_spaces_are_one_author(name):
    assert clean_author(name) == "jrr tolkien"


@pytest.mark.parametrize(
    "name",
    [
        "Stephen Fry (Narrator)",
        "Stephen Fry [narrator]",
        "Stephen Fry - narrator",
        "Stephen Fry, Translator",
        "by Stephen Fry",
    ],
)
def test_role_noise_is_dropped_from_author_names(name):
    assert clean_author(name) == "stephen fry"


def test_accented_author_names_match_unaccented():
    assert clean_author("Gabriel García Márquez") == clean_author("Gabriel Garcia Marquez")


def test_a_generational_suffix_does_not_split_one_author():
    assert clean_author("King, Martin Luther, Jr.") == clean_author("Martin Luther King Jr.")


# -- same_isbn -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("0-306-40615-2", "9780306406157"),
        ("ISBN 978-0-306-40615-7", "0306406152"),
        ("080442957X", "978-0-8044-2957-3"),
        (9780306406157, "0306406152"),
    ],
    ids=[
        "ISBN-10 with hyphens equals its ISBN-13",
        "an ISBN prefix is ignored",
        "an X check digit is fine",
        "a number is read as text",
    ],
)
def test_isbn_10_and_13_of_one_edition_are_the_same(a, b):
    assert same_isbn(a, b)


def test_two_different_isbns_are_not_the_same():
    assert not same_isbn("9780306406157", "9780441013593")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("123", "123"),
        ("", ""),
        (None, "9780306406157"),
        ("9780306406158", "9780306406158"),
        ("978030640615", "978030640615"),
        ("not an isbn", "not an isbn"),
        (object(), object()),
    ],
)
def test_malformed_isbns_never_match(a, b):
    assert not same_isbn(a, b)


# -- is_non_book ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Summary of Atomic Habits by James Clear",
        "Summary: Sapiens",
        "Atomic Habits: Summary and Analysis",
        "Study Guide: The Great Gatsby",
        "SparkNotes: 1984",
        "CliffsNotes on Hamlet",
        "Analysis of Dune",
        "Workbook for Atomic Habits",
        "The Harry Potter Quiz Book",
        "Conversation Starters for Where the Crawdads Sing",
        "The Expanse Books 1-3",
        "Discworld Boxed Set",
        "The Hunger Games Trilogy Box Set",
        "The Witcher Complete Collection",
        "Mistborn Omnibus",
    ],
)
def test_summaries_guides_and_box_sets_are_not_books(title):
    assert is_non_book(title)


@pytest.mark.parametrize(
    "title",
    [
        "Dune",
        "The Summary Man",
        "Guide to the Galaxy",
        "The Hitchhiker's Guide to the Galaxy",
        "Collected Stories of Roald Dahl",
        "The Collector",
        "The Book Thief",
    ],
)
def test_ordinary_titles_are_books(title):
    assert not is_non_book(title)


# -- best_match ----------------------------------------------------------------------------


def test_best_match_picks_the_right_book_among_a_series():
    books = ["Leviathan Wakes", "Caliban's War", "Abaddon's Gate"]
    found = best_match(
        "Caliban's War (The Expanse, #2) [Unabridged]", [], books, key=lambda t: (t, [])
    )
    assert found == ("Caliban's War", 100)


def test_best_match_takes_titles_or_title_author_pairs_by_default():
    candidates = [("Dune", ["Frank Herbert"]), ("Dune", ["Someone Else"])]
    assert best_match("Dune", ["Frank Herbert"], candidates)[0] == candidates[0]
    assert best_match("Dune", [], ["Emma", "Dune"]) == ("Dune", 100)


def test_best_match_refuses_when_nothing_is_close():
    assert best_match("Project Hail Mary", [], ["Dune", "Emma"]) is None


def test_best_match_refuses_a_near_tie_between_different_books():
    candidates = ["Mistborn: The Final Empire", "Mistborn: The Well of Ascension"]
    assert best_match("Mistborn", [], candidates) is None


def test_best_match_prefers_the_book_a_subtitle_names_over_the_series_name():
    candidates = ["The Hunger Games", "Catching Fire"]
    found = best_match("The Hunger Games: Catching Fire", [], candidates)
    assert found[0] == "Catching Fire"


def test_best_match_takes_either_of_two_candidates_that_are_one_book():
    candidates = [
        "Harry Potter and the Philosopher's Stone",
        "Harry Potter and the Sorcerer's Stone",
    ]
    found = best_match("Harry Potter and the Philosophers Stone", [], candidates)
    assert found == (candidates[0], 100)


def test_best_match_without_candidates_is_none():
    assert best_match("Dune", [], []) is None
    assert best_match("Dune", [], None) is None


# -- any input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "junk",
    [None, "", "   ", "!!!", "ü" * 100_000, "(Unabridged)", "#1", 42, b"Dune", ["Dune"], "((((("],
)
def test_odd_input_never_raises(junk):
    # The unguarded functions (__wrapped__): the guard would turn an error into an answer.
    assert isinstance(clean_title.__wrapped__(junk), str)
    assert isinstance(clean_author.__wrapped__(junk), str)
    assert isinstance(display_title.__wrapped__(junk), str)
    assert isinstance(is_non_book.__wrapped__(junk), bool)
    assert 0 <= match_score.__wrapped__(junk, junk, "Dune", ["Frank Herbert"]) <= 100
    assert 0 <= book_score.__wrapped__(junk, junk, "Dune", ["Frank Herbert"], junk) <= 100
    assert same_isbn.__wrapped__(junk, junk) is False


def test_ten_megabyte_titles_are_cut_to_max_length_before_any_work():
    huge = "Leviathan Wakes (The Expanse, #1) " * 300_000
    assert title_score.__wrapped__(huge, "Leviathan Wakes") >= 0
    assert len(clean_title.__wrapped__(huge)) <= MAX_LENGTH
    assert clean_author.__wrapped__(huge) is not None
    assert isinstance(is_non_book.__wrapped__(huge), bool)


def test_the_guard_answers_its_default_and_logs_when_the_function_raises(caplog):
    @never_raises(0.0)
    def broken_score(a, b):
        raise ZeroDivisionError("a matcher bug")

    assert broken_score("Dune", "Dune") == 0.0
    assert "broken_score failed; answering 0.0" in caplog.text
    assert "ZeroDivisionError: a matcher bug" in caplog.text


def test_the_guard_passes_an_answer_through_unchanged():
    assert never_raises(0.0)(lambda a, b: 42.5)("Dune", "Dune") == 42.5


@pytest.mark.parametrize(
    ("name", "args", "default"),
    [
        ("clean_title", ("Dune",), ""),
        ("display_title", ("Dune",), ""),
        ("title_score", ("Dune", "Dune"), 0.0),
        ("match_score", ("Dune", [], "Dune", []), 0.0),
        ("book_score", ("Dune", [], "Dune", []), 0.0),
    ],
)
def test_a_bug_in_reading_titles_costs_one_answer_not_the_job(monkeypatch, name, args, default):
    def bug(text):
        raise IndexError("a title the parser did not expect")

    monkeypatch.setattr(titles, "anatomy", bug)
    assert getattr(matching, name)(*args) == default


def test_the_titles_taken_apart_are_kept_up_to_a_bound_the_least_recently_used_dropped_first(
    monkeypatch,
):
    monkeypatch.setattr(titles, "ANATOMY_CACHE", 2)
    monkeypatch.setattr(titles, "_anatomies", titles.OrderedDict())
    titles.anatomy("Dune")
    titles.anatomy("Emma")
    titles.anatomy("Dune")  # used again: Emma is now the least recently used
    titles.remember(titles.worked_out(["Persuasion"]))
    assert list(titles._anatomies) == ["Dune", "Persuasion"]


def test_forgetting_the_caches_leaves_none_of_the_titles_and_names_taken_apart():
    book_score("Dune", ["Frank Herbert"], "Dune Messiah", ["Frank Herbert"], "A Novel")
    matching.forget_caches()
    assert not titles._anatomies
    assert matching._book_titles.cache_info().currsize == 0
    assert matching.people._cached_author.cache_info().currsize == 0
    assert matching.people._cached_keys.cache_info().currsize == 0
