"""BookIndex: finding the library's book for a title, at any library size."""

from types import SimpleNamespace
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


vocabulary = st.sampled_from(
    "ash bone crown dust ember glass river salt stone tide moss iron wolf reed oak fern".split()
)
word_lists = st.lists(vocabulary, min_size=1, max_size=16)


@settings(max_examples=300, deadline=None)
@given(st.lists(word_lists, max_size=40), word_lists, st.sampled_from([12, 2]))
def test_near_titles_are_those_sharing_half_the_shorter_titles_words(shelf, looked_up, long):
    index = BookIndex([])
    for words in shelf:
        index.add(SimpleNamespace(title=" ".join(words), **NO_IDS), author_names=[])
    query = set(" ".join(looked_up).split())

    def shares_half(key):
        theirs = set(key.split())
        return 2 * len(query & theirs) >= min(len(query), len(theirs))

    expected = {key for key in index.order if shares_half(key)}
    with mock.patch("catalog.library.LONG_TITLE", long):  # 2: every title counted
        assert index._near(" ".join(sorted(query))) == expected
