"""metadata_full_refresh / metadata_new_books end to end against fake Google Books and Goodreads."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum import ean

from catalog.models import Author, Book
from catalog.tests.fakes import CHALLENGE_PAGE, goodreads_book_page, google_volume
from scheduling.models import FailedAttempt, Task
from scheduling.runner import run_task

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audiobook_sources"),
]

LEVIATHAN_ISBN = "9780316129084"


def book(title, author="James S. A. Corey", **fields):
    created = Book.objects.create(title=title, **fields)
    created.authors.add(Author.objects.get_or_create(name=author)[0])
    return created


@pytest.fixture
def providers(google, goodreads):
    google.volumes = [
        google_volume(
            "gb-lev",
            "Leviathan Wakes",
            ["James S. A. Corey"],
            isbn13=LEVIATHAN_ISBN,
            publisher="Orbit",
            publishedDate="2011-06-15",
            pageCount=592,
            description="<p>Google's <b>description</b></p>",
        ),
        google_volume(
            "gb-cal",
            "Caliban's War",
            ["James S. A. Corey"],
            isbn13="9780316129060",
            publishedDate="2012",
        ),
    ]
    leviathan_page = goodreads_book_page(
        8855321,
        "Leviathan Wakes",
        isbn13=LEVIATHAN_ISBN,
        series=("The Expanse", "1"),
        genres=["Science Fiction", "Space Opera"],
        description="Goodreads' longer description.",
    )
    for path in (f"/book/isbn/{LEVIATHAN_ISBN}", "/book/show/8855321"):
        goodreads.expect_request(path).respond_with_data(leviathan_page, content_type="text/html")
    goodreads.expect_request("/book/isbn/9780316129060").respond_with_data(
        goodreads_book_page(
            12591698,
            "Caliban's War",
            isbn13="9780316129060",
            series=("The Expanse", "2"),
            genres=["Science Fiction"],
        ),
        content_type="text/html",
    )
    return google, goodreads


def test_books_are_filled_from_both_sources_by_precedence(providers):
    leviathan = book("Leviathan Wakes", isbn_13=LEVIATHAN_ISBN)
    task = run_task("metadata_full_refresh", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    leviathan.refresh_from_db()
    assert (leviathan.publisher, leviathan.published_date, leviathan.page_count) == (
        "Orbit",
        "2011-06-15",
        592,
    )
    assert leviathan.description == "Goodreads' longer description."
    assert (leviathan.series.name, leviathan.series_position) == ("The Expanse", "1")
    assert sorted(leviathan.genres.values_list("name", flat=True)) == [
        "Science Fiction",
        "Space Opera",
    ]
    assert leviathan.goodreads_id == "8855321" and leviathan.google_books_id == "gb-lev"
    assert leviathan.metadata_sources["publisher"]["source"] == "google_books"
    assert leviathan.metadata_sources["series"]["source"] == "goodreads"
    assert leviathan.metadata_refreshed_at is not None


def test_a_book_without_isbn_is_found_by_title_and_author(providers):
    calibans = book("Caliban's War (The Expanse, #2)")
    run_task("metadata_full_refresh", Task.CLI)
    calibans.refresh_from_db()
    assert calibans.isbn_13 == "9780316129060"
    assert calibans.series_position == "2"


def test_a_locked_field_is_never_written(providers):
    leviathan = book(
        "Leviathan Wakes",
        isbn_13=LEVIATHAN_ISBN,
        description="My own words.",
        locked_fields=["description"],
    )
    run_task("metadata_full_refresh", Task.CLI)
    leviathan.refresh_from_db()
    assert leviathan.description == "My own words."
    assert leviathan.publisher == "Orbit"


def test_a_good_value_is_never_replaced_with_an_empty_one(providers):
    calibans = book(
        "Caliban's War", isbn_13="9780316129060", subtitle="The Expanse", asin="B005FLQ6F6"
    )
    run_task("metadata_full_refresh", Task.CLI)
    calibans.refresh_from_db()
    assert (calibans.subtitle, calibans.asin) == ("The Expanse", "B005FLQ6F6")


def test_a_value_from_the_better_source_is_kept_while_that_source_is_down(providers, goodreads):
    leviathan = book("Leviathan Wakes", isbn_13=LEVIATHAN_ISBN)
    run_task("metadata_full_refresh", Task.CLI)
    goodreads.clear()
    goodreads.expect_request("/book/show/8855321").respond_with_data(
        CHALLENGE_PAGE, content_type="text/html"
    )
    run_task("metadata_full_refresh", Task.CLI)
    leviathan.refresh_from_db()
    assert leviathan.description == "Goodreads' longer description."


def test_a_book_no_source_knows_is_a_failed_attempt_with_backoff(providers):
    mystery = book("An Unknown Book", author="Nobody")
    task = run_task("metadata_full_refresh", Task.CLI)
    assert (task.items_failed, task.items_succeeded) == (1, 0)
    attempt = FailedAttempt.objects.get(item_key=str(mystery.pk))
    assert attempt.next_retry_at - attempt.last_failed_at == timedelta(days=1)
    second = run_task("metadata_full_refresh", Task.CLI)
    assert second.items_total == 0  # backing off: not asked again yet


def test_a_later_success_resolves_the_failed_attempt(providers):
    leviathan = book("Leviathan Wakes", isbn_13=LEVIATHAN_ISBN)
    FailedAttempt.record(
        "metadata_full_refresh",
        "book",
        leviathan.pk,
        "earlier failure",
        now=timezone.now() - timedelta(days=3),
    )
    run_task("metadata_full_refresh", Task.CLI)
    assert FailedAttempt.objects.get(item_key=str(leviathan.pk)).resolved_at is not None


def test_goodreads_behind_a_challenge_is_said_once_and_google_still_used(google, goodreads):
    google.volumes = [
        google_volume("gb-lev", "Leviathan Wakes", isbn13=LEVIATHAN_ISBN, publisher="Orbit"),
        google_volume("gb-cal", "Caliban's War", isbn13="9780316129060", publisher="Orbit"),
    ]
    goodreads.expect_request("/book/isbn/" + LEVIATHAN_ISBN).respond_with_data(
        CHALLENGE_PAGE, content_type="text/html"
    )
    book("Leviathan Wakes", isbn_13=LEVIATHAN_ISBN)
    book("Caliban's War", isbn_13="9780316129060")
    task = run_task("metadata_full_refresh", Task.CLI)
    assert task.items_succeeded == 2
    assert task.log_output.count("Goodreads unavailable for the rest of this run") == 1
    assert len(goodreads.log) == 1
    assert set(Book.objects.values_list("publisher", flat=True)) == {"Orbit"}


def test_when_every_source_is_down_the_unreached_books_come_first_next_time(
    google, goodreads, settings
):
    settings.AUDIBLE_URL = settings.AUDNEXUS_URL = "http://127.0.0.1:9"
    google.server.clear()
    google.server.expect_request("/volumes").respond_with_data("down", status=503)
    goodreads.expect_request("/book/isbn/" + LEVIATHAN_ISBN).respond_with_data("", status=403)
    refreshed = book(
        "Refreshed Yesterday", metadata_refreshed_at=timezone.now() - timedelta(days=1)
    )
    never = book("Leviathan Wakes", isbn_13=LEVIATHAN_ISBN)
    task = run_task("metadata_full_refresh", Task.CLI)
    assert task.status == Task.COMPLETED
    assert task.items_processed == 0
    assert FailedAttempt.objects.count() == 0
    assert "books wait for the next run" in task.log_output
    from catalog.jobs.metadata import due_books

    assert list(due_books(Book.objects.all())) == [never.pk, refreshed.pk]


def test_new_books_only_looks_at_recent_additions(providers, settings):
    settings.NEW_BOOKS_DAYS = 7
    book("Leviathan Wakes", isbn_13=LEVIATHAN_ISBN, date_added=timezone.now() - timedelta(days=30))
    recent = book("Caliban's War", isbn_13="9780316129060")
    task = run_task("metadata_new_books", Task.CLI)
    assert task.items_total == 1
    recent.refresh_from_db()
    assert recent.metadata_refreshed_at is not None


def test_a_second_run_changes_nothing(providers):
    book("Leviathan Wakes", isbn_13=LEVIATHAN_ISBN)
    run_task("metadata_full_refresh", Task.CLI)
    before = list(
        Book.objects.values("title", "publisher", "description", "series_id", "series_position")
    )
    run_task("metadata_full_refresh", Task.CLI)
    after = list(
        Book.objects.values("title", "publisher", "description", "series_id", "series_position")
    )
    assert after == before


def _queries_for(count, google, goodreads):
    Book.objects.all().delete()
    for number in range(count):
        stem = f"978031612{number:03d}"
        isbn = stem + ean.calc_check_digit(stem)
        google.volumes.append(
            google_volume(f"gb{number}", f"Book Number {number}", isbn13=isbn, publisher="Orbit")
        )
        book(f"Book Number {number}", isbn_13=isbn)
    from catalog.jobs.metadata import refresh
    from scheduling.runner import RunContext

    task = Task.objects.create(
        task_name="metadata_full_refresh", trigger=Task.CLI, status=Task.RUNNING
    )
    with CaptureQueriesContext(connection) as queries:
        refresh(RunContext(task), Book.objects.all())
    Task.objects.filter(pk=task.pk).update(status=Task.COMPLETED)
    return len(queries)


def test_queries_do_not_grow_with_the_number_of_books(google, goodreads, monkeypatch):
    # The sources' health is written once per run (a row created, then left as it is):
    # not a cost per book, and not the same in both runs.
    monkeypatch.setattr("scheduling.health.record", lambda *args, **kwargs: None)
    goodreads.expect_request("/book/isbn/").respond_with_data("", status=404)
    few = _queries_for(5, google, goodreads)
    many = _queries_for(40, google, goodreads)
    assert many == few
