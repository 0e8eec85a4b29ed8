"""BookIndex: finding the library's book for a title, at any library size."""

from types import SimpleNamespace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from catalog import matching
from catalog.clients.mam import MamTorrent
from catalog.downloads import choose_release
from catalog.library import BookIndex
from catalog.models import Author, Book

pytestmark = pytest.mark.django_db
NO_IDS = {"isbn_13": "", "isbn_10": "", "asin": "", "goodreads_id": "", "subtitle": ""}


def shelve(*titles, author="Brandon Sanderson"):
    writer, _ = Author.objects.get_or_create(name=author)
    for title in titles:
        Book.objects.create(title=title).authors.add(writer)
    return BookIndex.load()


def filler(count):
    """Titles that share only common words ("the", "of") with the ones looked up."""
    return [f"The Chronicle of Zone {number}" for number in range(count)]


def test_a_title_with_tracker_noise_finds_its_book_among_many_sharing_common_words():
    index = shelve(*filler(3 * 50), "The Way of Kings")
    found = index.find("The Way of Kings (Unabridged)", ["Brandon Sanderson"])
    assert found.title == "The Way of Kings"


def test_a_title_of_common_words_only_still_finds_its_book():
    index = shelve(*filler(3 * 50), "The Chronicle")
    found = index.find("The Chronicle: A Novel", ["Brandon Sanderson"])
    assert found is not None and found.title == "The Chronicle"


def test_the_answer_does_not_depend_on_how_big_the_library_is():
    small = shelve("Mistborn: The Final Empire", "The Well of Ascension")
    wanted = ("The Well of Ascension [Unabridged]", ["Brandon Sanderson"])
    before = small.find(*wanted)
    large = shelve(*filler(5 * 50))
    assert before.title == large.find(*wanted).title == "The Well of Ascension"


def test_a_title_sharing_only_common_words_finds_nothing():
    index = shelve(*filler(3 * 50), "The Way of Kings")
    assert index.find("Words of Radiance", ["Brandon Sanderson"]) is None


# -- the subtitle trap, where releases are linked and chosen ---------------------------------


def test_a_prequel_by_other_authors_is_not_linked_to_the_original():
    index = shelve("Dune", author="Frank Herbert")
    found = index.find("Dune: House Atreides [Unabridged]", ["Brian Herbert", "Kevin J. Anderson"])
    assert found is None


def test_a_novella_of_the_same_author_is_not_linked_to_the_first_book():
    index = shelve("Mistborn", "The Well of Ascension")
    assert index.find("Mistborn: Secret History", ["Brandon Sanderson"]) is None


def test_a_release_carrying_the_subtitle_metadata_knows_is_linked_to_its_book():
    index = shelve("Mistborn")
    Book.objects.filter(title="Mistborn").update(subtitle="The Final Empire")
    found = BookIndex.load().find("Mistborn: The Final Empire [M4B]", ["Brandon Sanderson"])
    assert found is not None and found.title == "Mistborn"
    assert index.find("Mistborn: The Final Empire [M4B]", ["Brandon Sanderson"]) is None


def test_the_release_chosen_for_a_wanted_book_is_never_a_prequel_of_its_world():
    book = Book.objects.create(title="Dune", status=Book.WANTED)
    book.authors.add(Author.objects.create(name="Frank Herbert"))
    prequel = MamTorrent(1, "Dune: House Atreides", ["Brian Herbert", "Kevin J. Anderson"])
    adaptation = MamTorrent(2, "Dune: The Graphic Novel, Book 1", ["Frank Herbert"])
    original = MamTorrent(3, "Dune [Unabridged]", ["Frank Herbert"], filetype="mp3")
    for torrent in (prequel, adaptation, original):
        torrent.seeders, torrent.filetype = 50, torrent.filetype or "m4b"
    assert choose_release(book, [prequel, adaptation]) is None
    assert choose_release(book, [prequel, adaptation, original]) is original


def test_a_title_misspelt_in_two_of_its_words_still_finds_its_book():
    index = shelve(*filler(3 * 50), "Shadow of Rememberance")
    found = index.find("Shadows of Remembrance", ["Brandon Sanderson"])
    assert found is not None and found.title == "Shadow of Rememberance"


# Words, some a typo apart, and one that is two others written together.
vocabulary = st.sampled_from(
    "ash bone crown dust ember glass river rivers salt stone stones tide moss iron ironwolf "
    "wolf reed oak fern of the".split()
)
word_lists = st.lists(vocabulary, min_size=1, max_size=16)


# What a word may become in a title near another: a typo, a little word added, two words
# written as one (or one as two), or nothing (the word dropped).
LOOK_ALIKES = {
    "river": ["rivers"], "rivers": ["river"], "stone": ["stones"], "stones": ["stone"],
    "ironwolf": ["iron wolf"], "iron": ["ironwolf"], "wolf": [""],
}  # fmt: skip


@st.composite
def titles_near_each_other(draw):
    """(shelf, title): a shelf of titles, some of them variants of the title."""
    title = draw(word_lists)
    near = [
        [
            draw(st.sampled_from([word, f"{word} of", "", *LOOK_ALIKES.get(word, [])]))
            for word in title
        ]
        for _ in range(draw(st.integers(0, 6)))
    ]
    others = draw(st.lists(word_lists, max_size=30))
    shelf = [" ".join(word for word in words if word) or "ash" for words in near + others]
    return draw(st.permutations(shelf)), " ".join(title)


@settings(max_examples=300, deadline=None)
@given(titles_near_each_other())
def test_the_candidates_are_every_title_the_filter_passes_however_few_words_they_share(
    shelf_and_title,
):
    shelf, title = shelf_and_title
    index = BookIndex([])
    for other in shelf:
        index.add(SimpleNamespace(title=other, **NO_IDS), author_names=[])
    assume(not index.by_title.get(matching.clean_title(title)))  # its own title: found as is
    keys = matching.match_keys(title)
    passed = {group for group in index.order if matching.might_match(keys, index.keys[group])}
    found = {matching.clean_title(book.title) for book in index.candidates(title)}
    assert found == passed
