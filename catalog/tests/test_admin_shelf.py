"""The shelf in the admin: where each owned book lives and its runtime, and the review list
where staff settle the copies the scan was not sure of."""

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Author, Book, BookLocation, ShelfReview

pytestmark = pytest.mark.django_db


def book(title, *authors, **fields):
    created = Book.objects.create(title=title, **fields)
    created.authors.set(Author.objects.get_or_create(name=name)[0] for name in authors)
    return created


def review(suggested, other=None, path="/audiobooks/Frank Herbert & Brian Herbert/Dune"):
    return ShelfReview.objects.create(
        path=path, library_root="/audiobooks", suggested=suggested, other=other,
        reason="the title matches but the authors only partly agree",
        found={"title": "Dune", "authors": ["Frank Herbert", "Brian Herbert"],
               "runtime_seconds": 75600},
    )  # fmt: skip


def settle(client, action, *reviews):
    return client.post(
        reverse("admin:catalog_shelfreview_changelist"),
        {"action": action, "index": 0, "select_across": 0,
         "_selected_action": [r.pk for r in reviews]},
        follow=True,
    )  # fmt: skip


def test_the_books_list_shows_where_an_owned_book_lives_and_its_runtime(admin_client):
    dune = book("Dune", "Frank Herbert", status=Book.OWNED, runtime_minutes=1263)
    BookLocation.objects.create(book=dune, path="/audiobooks/Frank Herbert/Dune")
    BookLocation.objects.create(book=dune, path="/mp3/Dune", source=BookLocation.IMPORT)

    page = admin_client.get(reverse("admin:catalog_book_changelist")).content.decode()

    assert "/audiobooks/Frank Herbert/Dune and 1 other copy" in page
    assert "21 h 03 min" in page


def test_the_books_list_says_when_a_books_copy_is_gone(admin_client):
    gone = book("The Martian", "Andy Weir", status=Book.WANTED)
    BookLocation.objects.create(book=gone, path="/old/The Martian", missing_since=timezone.now())

    page = admin_client.get(reverse("admin:catalog_book_changelist")).content.decode()

    assert "/old/The Martian (missing)" in page


def test_the_review_list_shows_what_was_found_and_the_candidates(admin_client):
    first, second = book("Dune", "Frank Herbert"), book("Dune", "Someone Else")
    review(first, second)

    page = admin_client.get(reverse("admin:catalog_shelfreview_changelist")).content.decode()

    assert "Frank Herbert, Brian Herbert" in page and "only partly agree" in page
    for candidate in (first, second):
        assert reverse("admin:catalog_book_change", args=[candidate.pk]) in page


def test_confirming_makes_the_suggested_book_owned_with_this_copy(admin_client):
    dune = book("Dune", "Frank Herbert", status=Book.WANTED)
    pending = review(dune)

    response = settle(admin_client, "confirm_suggested", pending)

    dune.refresh_from_db()
    assert (dune.status, dune.runtime_minutes) == (Book.OWNED, 1260)
    assert dune.locations.get().path == pending.path
    assert not ShelfReview.objects.exists()
    assert "Recorded 1 found book as the suggested book." in response.content.decode()


def test_picking_the_other_candidate_owns_that_one(admin_client):
    first, second = book("Dune", "Frank Herbert"), book("Dune", "Brian Herbert")

    settle(admin_client, "pick_other", review(first, second))

    assert list(Book.objects.filter(status=Book.OWNED)) == [second]


def test_keeping_both_makes_a_book_of_its_own(admin_client):
    dune = book("Dune", "Frank Herbert")

    settle(admin_client, "keep_both", review(dune))

    created = Book.objects.exclude(pk=dune.pk).get()
    assert (created.title, created.status, created.source) == ("Dune", Book.OWNED, "library")
    assert {a.name for a in created.authors.all()} == {"Frank Herbert", "Brian Herbert"}
    assert Book.objects.get(pk=dune.pk).status == Book.DISCOVERED
