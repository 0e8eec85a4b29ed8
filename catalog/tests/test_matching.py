"""The matcher on real-world title shapes: trackers, Goodreads, Google Books."""

import pytest

from catalog.matching import (
    MATCH_THRESHOLD,
    best_match,
    clean_author,
    clean_title,
    display_title,
    is_non_book,
    match_score,
    same_isbn,
)

SAME_BOOK = [
    ("Leviathan Wakes (The Expanse, #1)", "Leviathan Wakes: The Expanse, Book 1 (Unabridged)"),
    ("Leviathan Wakes", "Leviathan Wakes (The Expanse, #1)"),
    ("The Way of Kings", "Way of Kings, The"),
    (
        "The Way of Kings (The Stormlight Archive, #1)",
        "The Way of Kings: Book One of the Stormlight Archive",
    ),
    ("Mistborn: The Final Empire", "The Final Empire"),
    ("Les Misérables", "Les Miserables"),
    ("Project Hail Mary: A Novel", "Project Hail Mary"),
    ("Red Rising [Unabridged] [M4B]", "Red Rising"),
    ("The Hobbit", "Hobbit"),
    ("Mort (Discworld, #4)", "Mort"),
    ("'Salem's Lot", "Salem's Lot"),
    ("Harry Potter and the Philosopher's Stone", "Harry Potter and the Sorcerer's Stone"),
    ("The Name of the Wind (The Kingkiller Chronicle, #1)", "The Name of the Wind"),
    ("Good Omens: The Nice and Accurate Prophecies of Agnes Nutter, Witch", "Good Omens"),
    ("Gone Girl: A Novel", "Gone Girl"),
    ("The Girl with the Dragon Tattoo (Millennium, #1)", "Girl with the Dragon Tattoo"),
    ("Pride & Prejudice", "Pride and Prejudice"),
    ("Der Schwarm", "Der Schwarm (Unabridged)"),
    ("Cien años de soledad", "Cien Anos De Soledad"),
    ("The Fellowship of the Ring - The Lord of the Rings, Book 1", "The Fellowship of the Ring"),
    ("Dune [MP3] {64kbps}", "DUNE"),
    ("Ender's Game (Audiobook)", "Enders Game"),
    ("The Martian: A Novel [Unabridged]", "The Martian"),
    ("Recursion: A Thriller", "Recursion"),
    ("Sapiens: A Brief History of Humankind", "Sapiens"),
]

DIFFERENT_BOOKS = [
    ("Dune", "Dune Messiah"),
    ("The Expanse Book 1", "The Expanse Book 2"),
    ("Leviathan Wakes", "Caliban's War"),
    ("A Game of Thrones", "A Clash of Kings"),
    ("Red Rising", "Golden Son"),
    ("The Lord of the Rings", "The Lord of the Flies"),
    ("Harry Potter and the Chamber of Secrets", "Harry Potter and the Goblet of Fire"),
    ("Children of Time", "Children of Ruin"),
    ("Words of Radiance", "The Way of Kings"),
    ("It", "It Ends with Us"),
    ("The Dark Tower I: The Gunslinger", "The Dark Tower II: The Drawing of the Three"),
    ("Foundation", "Foundation and Empire"),
    ("Wool", "Shift"),
    ("The Stand", "The Standard"),
    ("Mistborn Volume 2", "Mistborn Volume 3"),
    ("Book Three", "Book Four"),
    ("Fantasy Hit 1", "Fantasy Hit 2"),
    ("2001: A Space Odyssey", "2010: Odyssey Two"),
]


@pytest.mark.parametrize(("a", "b"), SAME_BOOK, ids=[f"{a} is {b}" for a, b in SAME_BOOK])
def test_titles_of_the_same_book_match(a, b):
    assert match_score(a, [], b, []) >= MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"), DIFFERENT_BOOKS, ids=[f"{a} is not {b}" for a, b in DIFFERENT_BOOKS]
)
def test_titles_of_different_books_do_not_match(a, b):
    assert match_score(a, [], b, []) < MATCH_THRESHOLD


def test_the_same_author_does_not_make_similar_titles_match():
    author = ["J.K. Rowling"]
    score = match_score(
        "Harry Potter and the Goblet of Fire",
        author,
        "Harry Potter and the Order of the Phoenix",
        author,
    )
    assert score < MATCH_THRESHOLD


def test_a_different_author_stops_a_title_match():
    assert (
        match_score("Leviathan Wakes", ["James S. A. Corey"], "Leviathan Wakes", ["Ann Other"])
        < MATCH_THRESHOLD
    )


def test_unknown_authors_neither_help_nor_hurt():
    assert match_score("Leviathan Wakes", [], "Leviathan Wakes", ["James S. A. Corey"]) == 100


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


def test_narrator_noise_is_dropped_from_author_names():
    assert clean_author("Stephen Fry (Narrator)") == "stephen fry"


def test_accented_author_names_match_unaccented():
    assert clean_author("Gabriel García Márquez") == clean_author("Gabriel Garcia Marquez")


def test_isbn_10_and_13_of_one_edition_are_the_same():
    assert same_isbn("0-306-40615-2", "9780306406157")


@pytest.mark.parametrize(
    ("a", "b"),
    [("123", "123"), ("", ""), (None, "9780306406157"), ("9780306406158", "9780306406158")],
)
def test_malformed_isbns_never_match(a, b):
    assert not same_isbn(a, b)


@pytest.mark.parametrize(
    "title",
    [
        "Summary of Atomic Habits by James Clear",
        "Study Guide: The Great Gatsby",
        "SparkNotes: 1984",
        "Workbook for Atomic Habits",
        "The Expanse Books 1-3",
        "Discworld Boxed Set",
        "Analysis of Dune",
    ],
)
def test_summaries_guides_and_box_sets_are_not_books(title):
    assert is_non_book(title)


@pytest.mark.parametrize(
    "title", ["Dune", "The Summary Man", "Guide to the Galaxy", "Collected Stories of Roald Dahl"]
)
def test_ordinary_titles_are_books(title):
    assert not is_non_book(title)


def test_display_titles_drop_tracker_noise_but_keep_case():
    assert display_title("Red Rising [Unabridged] [M4B]") == "Red Rising"


def test_best_match_picks_the_right_book_among_a_series():
    books = ["Leviathan Wakes", "Caliban's War", "Abaddon's Gate"]
    found = best_match(
        "Caliban's War (The Expanse, #2) [Unabridged]", [], books, key=lambda t: (t, [])
    )
    assert found[0] == "Caliban's War"


def test_best_match_refuses_when_nothing_is_close():
    assert best_match("Project Hail Mary", [], ["Dune", "Emma"], key=lambda t: (t, [])) is None


def test_best_match_refuses_a_near_tie_between_different_titles():
    # Two editions' titles that score the same for different books: no guess.
    candidates = [
        "Harry Potter and the Philosopher's Stone",
        "Harry Potter and the Sorcerer's Stone",
    ]
    found = best_match(
        "Harry Potter and the Philosophers Stone", [], candidates, key=lambda t: (t, [])
    )
    assert found is None or found[0] == candidates[0]


@pytest.mark.parametrize("junk", [None, "", "   ", "!!!", "ü" * 100_000, "(Unabridged)", "#1", 42])
def test_odd_input_never_raises(junk):
    clean_title(junk)
    clean_author(junk)
    display_title(junk)
    is_non_book(junk)
    assert 0 <= match_score(junk, junk, "Dune", ["Frank Herbert"]) <= 100
