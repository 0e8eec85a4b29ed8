"""One way for the jobs to treat errors (catalog/jobs/outcomes.py), job by job.

A service the whole run depends on being out stops the run once; a permanent error about
one item is that item's FailedAttempt and the run goes on; a database outage fails the run
once, never a failure per item.
"""

from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from werkzeug import Response

from catalog.clients.http import (
    AccessRefused,
    BadResponse,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    SessionExpired,
)
from catalog.jobs.outcomes import one_item
from catalog.models import Author, Book, Genre, Series
from catalog.tests.fakes import days_ago, goodreads_series_page, mam_item, openlibrary_works
from scheduling.models import FailedAttempt, Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)

MAM_SEARCH = "/tor/js/loadSearchJSONbasic.php"


def mam_refusing(mam, word, status):
    """MAM answering `status` to every search whose text has `word`, as usual otherwise."""

    def search(request):
        if word in request.args.get("tor[text]", "") + request.args.get("tor[cat][]", ""):
            return Response("Bad request", status=status, content_type="text/html")
        return mam._search(request)

    mam.server.clear()
    mam.server.expect_request(MAM_SEARCH).respond_with_handler(search)
    mam.server.expect_request("/jsonLoad.php").respond_with_handler(mam._account)
    mam.server.expect_request("/tor/download.php").respond_with_handler(mam._download)
    return mam


def searches(mam):
    return [entry for entry in mam.server.log if entry[0].path == MAM_SEARCH]


@pytest.fixture
def writers(openlibrary, mam, settings):
    """Three monitored authors, one work each missing, a release of each on MAM."""
    settings.DOWNLOAD_DRY_RUN = True
    for n in range(3):
        Author.objects.create(name=f"Writer {n}", monitored=True, openlibrary_id=f"OL{n}A")
        openlibrary.expect_request(f"/authors/OL{n}A/works.json").respond_with_json(
            openlibrary_works([f"Work Number {n}"])
        )
    mam.items = [mam_item(n + 1, f"Work Number {n}", authors=[f"Writer {n}"]) for n in range(3)]
    return mam


@pytest.fixture
def sagas(goodreads, mam, settings):
    """Three monitored series, one book each missing, a release of each on MAM."""
    settings.DOWNLOAD_DRY_RUN = True
    for n in range(3):
        Series.objects.create(name=f"Saga {n}", goodreads_id=str(700 + n), monitored=True)
        goodreads.expect_request(f"/series/{700 + n}").respond_with_data(
            goodreads_series_page(f"Saga {n}", [[("Book 1", 800 + n, f"Saga {n} One", "Ann")]]),
            content_type="text/html",
        )
    mam.items = [mam_item(n + 1, f"Saga {n} One", authors=["Ann"]) for n in range(3)]
    return mam


@pytest.fixture
def genres(mam):
    for n in range(3):
        Genre.objects.create(name=f"Genre {n}", mam_category_id=40 + n, discovery_enabled=True)
    mam.items = [
        mam_item(n + 1, f"Hit of Genre {n}", authors=["Ann"], category=40 + n, added=days_ago(1))
        for n in range(3)
    ]
    return mam


# --- MyAnonamouse: one item's refusal, or MAM out ----------------------------------------


@pytest.mark.parametrize(
    ("job", "work", "word", "label"),
    [
        ("author_completion", "writers", "Number 1", "Writer 1"),
        ("series_completion", "sagas", "Saga 1", "Saga 1"),
        ("top10_discovery", "genres", "41", "Genre 1"),
    ],
    ids=["author", "series", "genre"],
)
def test_one_items_refused_mam_search_is_its_failure_and_the_others_complete(
    request, job, work, word, label
):
    mam_refusing(request.getfixturevalue(work), word, 400)
    task = run_task(job, Task.CLI)
    assert (task.status, task.items_succeeded, task.items_failed) == (Task.COMPLETED, 2, 1)
    attempt = FailedAttempt.objects.get()
    assert attempt.item_label == label
    assert attempt.error_message == f"MyAnonamouse: {MAM_SEARCH}: HTTP 400"


@pytest.mark.parametrize(
    ("job", "work", "word"),
    [
        ("author_completion", "writers", "Number"),
        ("series_completion", "sagas", "Saga"),
        ("top10_discovery", "genres", "4"),
    ],
    ids=["author", "series", "genre"],
)
def test_mam_out_stops_the_run_once(request, job, work, word):
    mam = mam_refusing(request.getfixturevalue(work), word, 503)
    task = run_task(job, Task.CLI)
    assert task.status == Task.FAILED
    assert task.error_message.startswith(f"MyAnonamouse: {MAM_SEARCH}: HTTP 503")
    assert FailedAttempt.objects.count() == 0
    assert len(searches(mam)) == 1


# --- author_completion: Open Library and Google Books ---------------------------------------


def test_open_library_and_google_books_both_out_stop_the_author_run_once(
    writers, openlibrary, google
):
    openlibrary.clear()
    openlibrary.expect_request("/authors/OL0A/works.json").respond_with_data("down", status=503)
    google.server.clear()
    google.server.expect_request("/volumes").respond_with_data("Backend Error", status=500)
    task = run_task("author_completion", Task.CLI)
    assert task.status == Task.FAILED
    assert task.error_message.startswith("Google Books: /volumes: HTTP 500")
    assert FailedAttempt.objects.count() == 0
    assert len(openlibrary.log) == 1  # no further author asked


def test_an_author_open_library_does_not_know_and_google_refuses_is_a_failed_attempt(
    writers, openlibrary, google
):
    openlibrary.clear()
    for n in (1, 2):
        openlibrary.expect_request(f"/authors/OL{n}A/works.json").respond_with_json(
            openlibrary_works([f"Work Number {n}"])
        )
    openlibrary.expect_request("/authors/OL0A/works.json").respond_with_data("", status=404)
    google.server.clear()
    google.server.expect_request("/volumes").respond_with_data("Bad query", status=400)
    task = run_task("author_completion", Task.CLI)
    assert (task.status, task.items_succeeded, task.items_failed) == (Task.COMPLETED, 2, 1)
    assert FailedAttempt.objects.get().item_label == "Writer 0"


# --- mam_scraping ---------------------------------------------------------------------------


@contextmanager
def database_refusing(statement_start, message):
    """The job's connection raises what Django raises when the database is gone."""

    def wrapper(execute, sql, params, many, context):
        if sql.startswith(statement_start):
            raise OperationalError(message)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def test_a_database_outage_while_linking_releases_fails_the_scrape_once(mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    Book.objects.create(title="Known Book")
    mam.items = [mam_item(n, "Known Book", added=days_ago(1)) for n in range(1, 4)]
    lost = "server closed the connection unexpectedly"
    with database_refusing('UPDATE "catalog_release" SET "book_id"', lost):
        task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.FAILED
    assert task.error_message.startswith(lost)
    assert FailedAttempt.objects.count() == 0


# --- the policy itself ----------------------------------------------------------------------


class RecordingRun:
    def __init__(self):
        self.outcomes = []

    def succeeded(self, item_type, item_key):
        self.outcomes.append(("succeeded", item_key))

    def failed(self, item_type, item_key, error, label=""):
        self.outcomes.append(("failed", item_key))


@pytest.mark.parametrize(
    "error",
    [BadResponse("MAM", "HTTP 400"), NotFound("Goodreads", "/series/9: no such series")],
    ids=["a bad answer", "a missing page"],
)
def test_a_permanent_error_about_one_item_is_its_failure_and_goes_no_further(error):
    run = RecordingRun()
    with one_item(run, "series", 7):
        raise error
    assert run.outcomes == [("failed", 7)]


@pytest.mark.parametrize(
    "error",
    [
        ServiceUnavailable("MAM", "HTTP 503"),
        RateLimited("MAM", "rate limited", retry_after=3600),
        AccessRefused("qBittorrent", "login refused"),
        SessionExpired("MAM", "session expired"),
        OperationalError("database is locked"),
        KeyError("a bug"),
    ],
    ids=["a service out", "rate limited", "access refused", "session expired", "db", "bug"],
)
def test_an_error_not_about_one_item_goes_on_up_and_records_nothing(error):
    run = RecordingRun()
    with pytest.raises(type(error)), one_item(run, "series", 7):
        raise error
    assert run.outcomes == []


def test_an_item_that_raises_nothing_succeeded():
    run = RecordingRun()
    with one_item(run, "series", 7):
        pass
    assert run.outcomes == [("succeeded", 7)]
