"""The subtitle trap: "Title: Something" against the library's "Title" is often another book
of the same world. Real titles, as trackers and shops spell them.

book_score(release title, release authors, book title, book authors, book subtitle) is what
the jobs link and download by (BookIndex.find, best_match, release_score).
"""

import pytest

from catalog.matching import MATCH_THRESHOLD, best_match, book_score, match_score

HERBERTS_HEIRS = ["Brian Herbert", "Kevin J. Anderson"]
FRANK = ["Frank Herbert"]
SANDERSON = ["Brandon Sanderson"]
GOOD_OMENS = ["Terry Pratchett", "Neil Gaiman"]

ANOTHER_BOOK = [
    pytest.param(
        "Dune: House Atreides",
        HERBERTS_HEIRS,
        "Dune",
        FRANK,
        "",
        id="a prequel by co-authors is not the original",
    ),
    pytest.param(
        "Dune: House Atreides (Prelude to Dune, Book 1) [Unabridged]",
        [],
        "Dune",
        [],
        "",
        id="an unknown subtitle is another book even when no author is known",
    ),
    pytest.param(
        "Dune: The Duke of Caladan",
        HERBERTS_HEIRS,
        "Dune",
        FRANK,
        "",
        id="a later prequel by the heirs is not the original",
    ),
    pytest.param(
        "Dune: The Graphic Novel, Book 1",
        ["Frank Herbert", *HERBERTS_HEIRS],
        "Dune",
        FRANK,
        "",
        id="a graphic adaptation is not the novel",
    ),
    pytest.param(
        "Mistborn: Secret History",
        SANDERSON,
        "Mistborn",
        SANDERSON,
        "",
        id="a novella by the same author is not the first book",
    ),
    pytest.param(
        "Mistborn",
        SANDERSON,
        "Mistborn: Secret History",
        SANDERSON,
        "",
        id="a release without the wanted book's subtitle is not that book",
    ),
    pytest.param(
        "Mistborn: The Final Empire",
        SANDERSON,
        "Mistborn: Secret History",
        SANDERSON,
        "",
        id="two subtitles of one series name are two books",
    ),
    pytest.param(
        "The Way of Kings: Prologue",
        SANDERSON,
        "The Way of Kings",
        SANDERSON,
        "",
        id="an excerpt is not the book",
    ),
    pytest.param(
        "Thrawn: Alliances",
        ["Timothy Zahn"],
        "Thrawn",
        ["Timothy Zahn"],
        "",
        id="a sequel named after the first book is not it",
    ),
    pytest.param(
        "Star Wars: Thrawn: Alliances",
        ["Timothy Zahn"],
        "Thrawn",
        ["Timothy Zahn"],
        "",
        id="a franchise prefix does not hide the sequel's subtitle",
    ),
    pytest.param(
        "The Hunger Games: Sunrise on the Reaping",
        ["Suzanne Collins"],
        "The Hunger Games",
        ["Suzanne Collins"],
        "",
        id="a prequel under the first book's title is not the first book",
    ),
    pytest.param(
        "Red Rising: Sons of Ares",
        ["Pierce Brown", "Rik Hoskin"],
        "Red Rising",
        ["Pierce Brown"],
        "",
        id="a spin-off with an added author is not the book",
    ),
    pytest.param(
        "The Sandman: Act II",
        ["Neil Gaiman", "Dirk Maggs"],
        "The Sandman",
        ["Neil Gaiman"],
        "",
        id="a part of an audio drama with its adapter is not the book",
    ),
    pytest.param(
        "Alien: Out of the Shadows",
        ["Tim Lebbon", "Dirk Maggs"],
        "Alien",
        ["Alan Dean Foster"],
        "",
        id="a tie-in by other authors is not the novelization",
    ),
    pytest.param(
        "The Dark Tower: The Gunslinger Born",
        ["Peter David", "Robin Furth"],
        "The Gunslinger",
        ["Stephen King"],
        "",
        id="a comic of the world by other authors is not the novel",
    ),
    pytest.param(
        "Good Omens (BBC Radio 4 Dramatisation)",
        GOOD_OMENS,
        "Good Omens",
        GOOD_OMENS,
        "",
        id="a BBC radio dramatisation is not the book",
    ),
    pytest.param(
        "Neverwhere: BBC Radio 4 Full-Cast Dramatisation",
        ["Neil Gaiman"],
        "Neverwhere",
        ["Neil Gaiman"],
        "",
        id="a full-cast radio drama is not the book",
    ),
    pytest.param(
        "The Hobbit: Full Cast",
        ["J.R.R. Tolkien"],
        "The Hobbit",
        ["J. R. R. Tolkien"],
        "",
        id="a full cast recording is not the book",
    ),
    pytest.param(
        "The Hitchhiker's Guide to the Galaxy: The Complete Radio Series",
        ["Douglas Adams"],
        "The Hitchhiker's Guide to the Galaxy",
        ["Douglas Adams"],
        "",
        id="the complete radio series is not the novel",
    ),
    pytest.param(
        "The Hitchhiker's Guide to the Galaxy: Primary Phase",
        ["Douglas Adams"],
        "The Hitchhiker's Guide to the Galaxy",
        ["Douglas Adams"],
        "",
        id="a phase of the radio series is not the novel",
    ),
    pytest.param(
        "The Lord of the Rings (BBC Radio Collection)",
        ["J.R.R. Tolkien"],
        "The Lord of the Rings",
        ["J.R.R. Tolkien"],
        "",
        id="a BBC radio collection is not the book",
    ),
    pytest.param(
        "Sapiens: A Graphic History",
        ["Yuval Noah Harari", "David Vandermeulen"],
        "Sapiens",
        ["Yuval Noah Harari"],
        "A Brief History of Humankind",
        id="a subtitle other than the one metadata knows is another book",
    ),
]

THE_BOOK = [
    pytest.param(
        "The Witcher: Blood of Elves",
        ["Andrzej Sapkowski"],
        "Blood of Elves",
        ["Andrzej Sapkowski"],
        "",
        id="a series prefix by the same author is dropped",
    ),
    pytest.param(
        "Star Wars: Thrawn",
        ["Timothy Zahn"],
        "Thrawn",
        ["Timothy Zahn"],
        "",
        id="a franchise prefix by the same author is dropped",
    ),
    pytest.param(
        "Thrawn (Star Wars) [Unabridged]",
        ["Timothy Zahn"],
        "Star Wars: Thrawn",
        ["Timothy Zahn"],
        "",
        id="the library's title may carry the franchise prefix",
    ),
    pytest.param(
        "Dune: House Atreides",
        HERBERTS_HEIRS,
        "House Atreides",
        HERBERTS_HEIRS,
        "",
        id="a prequel's series prefix is dropped when its authors are the book's",
    ),
    pytest.param(
        "Mistborn: The Final Empire",
        SANDERSON,
        "The Final Empire",
        SANDERSON,
        "",
        id="the first book's series prefix is dropped",
    ),
    pytest.param(
        "Sapiens: A Brief History of Humankind",
        ["Yuval Noah Harari"],
        "Sapiens",
        ["Yuval Noah Harari"],
        "A Brief History of Humankind",
        id="the subtitle metadata knows is dropped",
    ),
    pytest.param(
        "Mistborn: The Final Empire [M4B]",
        SANDERSON,
        "Mistborn",
        SANDERSON,
        "The Final Empire",
        id="a series title whose subtitle metadata knows names the first book",
    ),
    pytest.param(
        "Good Omens: The Nice and Accurate Prophecies of Agnes Nutter, Witch",
        GOOD_OMENS,
        "Good Omens",
        ["Neil Gaiman", "Terry Pratchett"],
        "The Nice and Accurate Prophecies of Agnes Nutter, Witch",
        id="a long subtitle metadata knows is dropped",
    ),
    pytest.param(
        "Dune: Book One in the Dune Chronicles",
        FRANK,
        "Dune",
        FRANK,
        "",
        id="a series descriptor is not a subtitle",
    ),
    pytest.param(
        "Leviathan Wakes: The Expanse, Book 1 (Unabridged)",
        ["James S.A. Corey"],
        "Leviathan Wakes",
        ["James S. A. Corey"],
        "",
        id="a numbered series subtitle is not a subtitle",
    ),
    pytest.param(
        "Project Hail Mary: A Novel",
        ["Andy Weir"],
        "Project Hail Mary",
        ["Andy Weir"],
        "",
        id="a novel is a descriptor",
    ),
    pytest.param(
        "The Hobbit, or There and Back Again",
        ["J.R.R. Tolkien"],
        "The Hobbit",
        ["Tolkien, J.R.R."],
        "",
        id="an alternative title is the same book",
    ),
    pytest.param(
        "Frankenstein; or, The Modern Prometheus",
        ["Mary Shelley"],
        "Frankenstein",
        ["Mary Shelley"],
        "",
        id="an alternative title after a semicolon is the same book",
    ),
    pytest.param(
        "Good Omens (BBC Radio 4 Dramatisation)",
        GOOD_OMENS,
        "Good Omens: BBC Radio 4 Full-Cast Dramatisation",
        GOOD_OMENS,
        "",
        id="one dramatisation written two ways is one product",
    ),
]


@pytest.mark.parametrize(
    ("release", "release_authors", "book", "book_authors", "subtitle"), ANOTHER_BOOK
)
def test_a_release_of_another_book_of_the_world_is_not_the_book(
    release, release_authors, book, book_authors, subtitle
):
    score = book_score.__wrapped__(release, release_authors, book, book_authors, subtitle)
    assert score < MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("release", "release_authors", "book", "book_authors", "subtitle"), THE_BOOK
)
def test_a_release_of_the_book_is_the_book(release, release_authors, book, book_authors, subtitle):
    score = book_score.__wrapped__(release, release_authors, book, book_authors, subtitle)
    assert score >= MATCH_THRESHOLD


def test_two_titles_alone_still_allow_a_dropped_subtitle():
    # match_score compares two titles as text; book_score decides what the jobs link.
    assert match_score("Mistborn: Secret History", SANDERSON, "Mistborn", SANDERSON) >= 85
    assert book_score("Mistborn: Secret History", SANDERSON, "Mistborn", SANDERSON) < 85


def test_best_match_takes_the_prequels_own_book_not_the_original():
    library = [("Dune", FRANK), ("House Atreides", HERBERTS_HEIRS)]
    found = best_match("Dune: House Atreides (Unabridged)", HERBERTS_HEIRS, library)
    assert found[0] == library[1]


def test_best_match_finds_nothing_for_a_spin_off_of_a_library_book():
    library = [("Mistborn", SANDERSON), ("The Well of Ascension", SANDERSON)]
    assert best_match("Mistborn: Secret History", SANDERSON, library) is None


def test_best_match_uses_the_subtitle_a_candidate_carries():
    library = [("Sapiens", ["Yuval Noah Harari"], "A Brief History of Humankind")]
    found = best_match("Sapiens: A Brief History of Humankind", ["Yuval Noah Harari"], library)
    assert found == (library[0], 100)
