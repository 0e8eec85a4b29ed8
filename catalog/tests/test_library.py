"""BookIndex: finding the library's book for a title, at any library size."""

import pytest

from catalog.library import BookIndex
from catalog.models import Author, Book

pytestmark = pytest.mark.django_db


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
