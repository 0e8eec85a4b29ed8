"""The database failing under a job (disk full): a clear failure, and no half-written book.

A write fault is injected at the database layer of the job's own connection: from the Nth
matching statement on, the statement raises what Django raises when the disk is full. The
run must close as failed with that error, and every book must be whole: a book without its
authors, or with new fields but not its genres, is the half-written book these tests forbid.
Real processes against a real full (trigger) or read-only database are in
scheduling/tests/test_reliability_database.py.
"""

from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection

from catalog.models import Author, Book, Genre, Series
from catalog.tests.fakes import goodreads_book_page, goodreads_series_page, google_volume, mam_item
from scheduling.models import Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)

DISK_FULL = "database or disk is full"


@pytest.fixture(autouse=True)
def _no_row_left_running():
    yield
    assert list(Task.objects.running()) == []


@contextmanager
def disk_full_at(table, nth):
    """INSERTs into `table` fail from the nth on, as a full disk makes them fail."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        if sql.startswith("INSERT") and f'INTO "{table}"' in sql:  # "INSERT OR IGNORE INTO"
            seen.append(sql)
            if len(seen) >= nth:
                raise OperationalError(DISK_FULL)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def assert_failed_clearly(task):
    assert task.status == Task.FAILED
    assert task.error_message.startswith(DISK_FULL)


def test_a_full_disk_during_discovery_leaves_every_discovered_book_whole(mam):
    Genre.objects.create(name="Fantasy", mam_category_id=41, discovery_enabled=True)
    mam.items = [mam_item(n, f"Hit Number {n}", authors=[f"Writer {n}"]) for n in range(1, 6)]
    with disk_full_at("catalog_book_genres", 3):
        task = run_task("top10_discovery", Task.CLI)
    assert_failed_clearly(task)
    assert Book.objects.count() == 2
    assert not Book.objects.filter(authors__isnull=True).exists()
    assert not Book.objects.filter(genres__isnull=True).exists()


def test_a_full_disk_while_a_series_book_is_added_leaves_no_authorless_book(goodreads, mam):
    Series.objects.create(name="Saga", goodreads_id="9", monitored=True)
    goodreads.expect_request("/series/9").respond_with_data(
        goodreads_series_page(
            "Saga", [[(f"Book {n}", n, f"Saga Part {n}", "Ann Writer") for n in range(1, 5)]]
        ),
        content_type="text/html",
    )
    # The series' missing books are written together, with their authors, or not at all.
    with disk_full_at("catalog_book_authors", 1):
        task = run_task("series_completion", Task.CLI)
    assert_failed_clearly(task)
    assert Book.objects.count() == 0


def test_a_full_disk_while_metadata_is_saved_leaves_the_batch_as_it_was(google, goodreads):
    isbn = "9780316129084"
    google.volumes = [google_volume("gb1", "Leviathan Wakes", isbn13=isbn, publisher="Orbit")]
    goodreads.expect_request(f"/book/isbn/{isbn}").respond_with_data(
        goodreads_book_page(1, "Leviathan Wakes", isbn13=isbn, genres=["Science Fiction"]),
        content_type="text/html",
    )
    book = Book.objects.create(title="Leviathan Wakes", isbn_13=isbn)
    book.authors.add(Author.objects.create(name="James S. A. Corey"))
    with disk_full_at("catalog_book_genres", 1):
        task = run_task("metadata_full_refresh", Task.CLI)
    assert_failed_clearly(task)
    book.refresh_from_db()
    assert (book.publisher, book.metadata_refreshed_at, book.metadata_sources) == ("", None, {})
