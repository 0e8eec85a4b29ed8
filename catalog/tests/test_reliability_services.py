"""Outside services failing under real job runs: each fault is survived, counted, said once.

Every test injects one fault into a loopback fake (or points a client at a closed port) and
runs the job through the runner, as the scheduler and runtask do. Provider-wide faults
(refused, timing out, 429, 5xx, a changed page layout) make the job rest that provider for
the run and say so once; a fault of one item is a FailedAttempt with backoff; a MyAnonamouse
session problem fails the run once with the message that tells the user what to do.
Retry waits are recorded, not slept.
"""

import json
import re
import time
from datetime import timedelta

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from catalog.models import Author, Book, Download, Genre, Series
from catalog.tests.fakes import (
    goodreads_book_page,
    goodreads_series_page,
    google_volume,
    google_volumes,
    mam_item,
    openlibrary_works,
)
from scheduling.models import FailedAttempt, Task
from scheduling.runner import run_task

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audiobook_sources"),
]

ISBNS = ["9780316129084", "9780316129060", "9780316129077"]
TITLES = ["Leviathan Wakes", "Caliban's War", "Abaddon's Gate"]
COREY = "James S. A. Corey"
CLOSED = "http://127.0.0.1:9"
MAM_SEARCH = "/tor/js/loadSearchJSONbasic.php"
REFUSED = "MyAnonamouse refused the session"
LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Login | MyAnonamouse</title></head><body>"
    '<form action="/takelogin.php" method="post"><input name="email"></form></body></html>'
)


@pytest.fixture(autouse=True)
def _no_row_left_running():
    """Whatever a test injects, no run may stay `running` once it returns."""
    yield
    assert list(Task.objects.running()) == []


@pytest.fixture
def threaded_google(settings):
    """Google Books on a server that answers requests side by side (a slow one blocks none)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    settings.GOOGLE_BOOKS_API_URL = server.url_for("").rstrip("/")
    yield server
    server.clear()
    server.stop()


def requests_to(server, path):
    return [request for request, _ in server.log if request.path.startswith(path)]


# --- metadata: three books both sources know ----------------------------------------------


@pytest.fixture
def books():
    corey = Author.objects.create(name=COREY)
    created = []
    for title, isbn in zip(TITLES, ISBNS, strict=True):
        book = Book.objects.create(title=title, isbn_13=isbn)
        book.authors.add(corey)
        created.append(book)
    return created


def volumes():
    return [
        google_volume(f"gb{n}", title, [COREY], isbn13=isbn, publisher="Orbit")
        for n, (title, isbn) in enumerate(zip(TITLES, ISBNS, strict=True))
    ]


@pytest.fixture
def goodreads_pages(goodreads):
    for n, (title, isbn) in enumerate(zip(TITLES, ISBNS, strict=True)):
        goodreads.expect_request(f"/book/isbn/{isbn}").respond_with_data(
            goodreads_book_page(100 + n, title, author=COREY, isbn13=isbn, description="From GR."),
            content_type="text/html",
        )
    return goodreads


def google_answering(google, handler):
    google.server.clear()
    google.server.expect_request("/volumes").respond_with_handler(handler)
    return google


def test_google_books_refusing_connections_is_said_once_and_goodreads_still_fills_the_books(
    books, goodreads_pages, settings, sleeps
):
    settings.GOOGLE_BOOKS_API_URL = CLOSED
    settings.HTTP_RETRIES = 2
    task = run_task("metadata_full_refresh", Task.CLI)
    assert (task.status, task.items_succeeded, task.items_failed) == (Task.COMPLETED, 3, 0)
    assert task.log_output.count("Google Books unavailable for the rest of this run") == 1
    assert "could not connect" in task.log_output
    assert set(Book.objects.values_list("description", flat=True)) == {"From GR."}
    assert FailedAttempt.objects.count() == 0


def test_google_books_timing_out_is_given_up_on_after_its_retries_not_per_book(
    books, threaded_google, goodreads_pages, settings, sleeps
):
    settings.HTTP_TIMEOUT_SECONDS = 0.3
    settings.HTTP_RETRIES = 1
    asked = []
    threaded_google.expect_request("/volumes").respond_with_handler(
        lambda request: asked.append(1) or time.sleep(0.8) or Response("{}")
    )
    task = run_task("metadata_full_refresh", Task.CLI)
    assert (task.status, task.items_succeeded) == (Task.COMPLETED, 3)
    assert task.log_output.count("Google Books: /volumes: timed out") == 1
    assert len(asked) == 2  # one try and one retry in the whole run, not per book


def test_a_429_is_waited_out_as_retry_after_says_then_google_books_rests_for_the_run(
    books, google, goodreads_pages, settings, sleeps
):
    settings.HTTP_RETRIES = 2
    google_answering(
        google,
        lambda request: Response(
            json.dumps({"error": {"code": 429}}), status=429, headers={"Retry-After": "30"}
        ),
    )
    task = run_task("metadata_full_refresh", Task.CLI)
    assert (task.status, task.items_succeeded) == (Task.COMPLETED, 3)
    assert sleeps == [30, 30]
    assert len(requests_to(google.server, "/volumes")) == 3
    assert task.log_output.count("rate limited (HTTP 429), retry after 30s") == 1


def test_google_books_500s_are_retried_with_growing_waits_then_it_rests_for_the_run(
    books, google, goodreads_pages, settings, sleeps
):
    settings.HTTP_RETRIES = 3
    google_answering(google, lambda request: Response("Backend Error", status=500))
    task = run_task("metadata_full_refresh", Task.CLI)
    assert (task.status, task.items_succeeded) == (Task.COMPLETED, 3)
    assert len(requests_to(google.server, "/volumes")) == 4
    assert sleeps == sorted(sleeps) and sleeps[-1] > 0
    assert task.log_output.count("Google Books: /volumes: HTTP 500") == 1


def truncated_for(isbn):
    """Google's answer for these volumes, cut in the middle of the JSON for one ISBN."""

    def handler(request):
        query = request.args.get("q", "")
        if query == f"isbn:{isbn}":
            return Response('{"kind": "books#volumes", "totalItems": 1, "items": [{"id": "gb')
        found = [
            volume
            for volume in volumes()
            if f"isbn:{volume['volumeInfo']['industryIdentifiers'][0]['identifier']}" == query
        ]
        return Response(json.dumps(google_volumes(found)), content_type="application/json")

    return handler


def test_truncated_json_for_one_book_is_a_failed_attempt_and_the_others_are_refreshed(
    books, google, goodreads
):
    google_answering(google, truncated_for(ISBNS[0]))
    goodreads.expect_request(re.compile("/book/isbn/.*")).respond_with_data("", status=404)
    task = run_task("metadata_full_refresh", Task.CLI)
    assert (task.status, task.items_succeeded, task.items_failed) == (Task.COMPLETED, 2, 1)
    attempt = FailedAttempt.objects.get()
    assert attempt.item_key == str(books[0].pk) and attempt.item_label == TITLES[0]
    assert (
        attempt.error_message == "Google Books: /volumes answered with something that is not JSON"
    )
    assert attempt.next_retry_at - attempt.last_failed_at == timedelta(days=1)


def test_a_book_in_backoff_is_not_asked_for_again_by_the_next_run(books, google, goodreads):
    google_answering(google, truncated_for(ISBNS[0]))
    goodreads.expect_request(re.compile("/book/isbn/.*")).respond_with_data("", status=404)
    run_task("metadata_full_refresh", Task.CLI)
    google.server.clear_log()
    second = run_task("metadata_full_refresh", Task.CLI)
    assert second.items_total == 2
    assert f"isbn:{ISBNS[0]}" not in [r.args.get("q") for r in requests_to(google.server, "/")]


def test_a_bad_answer_from_google_books_does_not_keep_goodreads_from_describing_the_book(
    books, google, goodreads_pages
):
    google_answering(google, truncated_for(ISBNS[0]))
    task = run_task("metadata_full_refresh", Task.CLI)
    assert (task.status, task.items_succeeded, task.items_failed) == (Task.COMPLETED, 3, 0)
    assert Book.objects.get(pk=books[0].pk).description == "From GR."
    assert FailedAttempt.objects.count() == 0


def test_a_goodreads_page_whose_layout_changed_is_said_once_and_google_books_fills_in(
    books, google, goodreads
):
    google.volumes = volumes()
    redesigned = (
        "<html><body><main id='root'><h1>Leviathan Wakes</h1></main>"
        '<script type="application/ld+json">{"@type": "Book", "name": "Leviathan Wakes"}</script>'
        "</body></html>"
    )
    goodreads.expect_request(re.compile("/book/isbn/.*")).respond_with_data(
        redesigned, content_type="text/html"
    )
    task = run_task("metadata_full_refresh", Task.CLI)
    assert (task.status, task.items_succeeded, task.items_failed) == (Task.COMPLETED, 3, 0)
    assert task.log_output.count("Goodreads unavailable for the rest of this run") == 1
    assert "no __NEXT_DATA__ (challenge or new layout)" in task.log_output
    assert len(requests_to(goodreads, "/book/")) == 1
    assert set(Book.objects.values_list("publisher", flat=True)) == {"Orbit"}


# --- MyAnonamouse: the session, broken answers, refusals ----------------------------------


@pytest.fixture
def every_mam_job(goodreads, openlibrary, mam):
    """Work for each job that asks MAM: a wanted book, missing series and author books, genres."""
    corey = Author.objects.create(name=COREY)
    wanted = Book.objects.create(title="Nemesis Games", status=Book.WANTED)
    wanted.authors.add(corey)
    mam.items = [mam_item(1, "Nemesis Games", authors=[COREY])]
    for n in range(3):
        Series.objects.create(name=f"Saga {n}", goodreads_id=str(700 + n), monitored=True)
        goodreads.expect_request(f"/series/{700 + n}").respond_with_data(
            goodreads_series_page(f"Saga {n}", [[("Book 1", 800 + n, f"Saga {n} One", COREY)]]),
            content_type="text/html",
        )
        Author.objects.create(name=f"Writer {n}", monitored=True, openlibrary_id=f"OL{n}A")
        openlibrary.expect_request(f"/authors/OL{n}A/works.json").respond_with_json(
            openlibrary_works([f"Work of Writer {n}"])
        )
        Genre.objects.create(name=f"Genre {n}", mam_category_id=40 + n, discovery_enabled=True)
    return mam


def mam_answering(mam, handler):
    mam.server.clear()
    mam.server.expect_request(MAM_SEARCH).respond_with_handler(handler)
    mam.server.expect_request("/tor/download.php").respond_with_handler(handler)
    return mam


MAM_JOBS = ["mam_scraping", "top10_discovery", "series_completion", "author_completion"]


@pytest.mark.parametrize("job", MAM_JOBS)
def test_an_expired_mam_session_stops_the_run_once_not_once_per_item(every_mam_job, job):
    every_mam_job.expired = True
    task = run_task(job, Task.CLI)
    assert task.status == Task.SKIPPED
    assert task.error_message.startswith(f"{REFUSED} (HTTP 403")
    assert task.log_output.count(REFUSED) == 1
    assert FailedAttempt.objects.count() == 0
    assert len(requests_to(every_mam_job.server, "/tor/")) == 1


@pytest.mark.parametrize("job", MAM_JOBS)
def test_an_html_login_page_where_json_was_expected_is_reported_as_the_expired_session(
    every_mam_job, job
):
    mam_answering(every_mam_job, lambda request: Response(LOGIN_PAGE, content_type="text/html"))
    task = run_task(job, Task.CLI)
    assert task.status == Task.SKIPPED
    assert task.error_message.startswith(f"{REFUSED} (it answered with a web page, not JSON)")
    assert FailedAttempt.objects.count() == 0
    assert len(requests_to(every_mam_job.server, "/tor/")) == 1


def test_truncated_json_from_mam_fails_the_run_with_a_clear_message(every_mam_job):
    mam_answering(
        every_mam_job,
        lambda request: Response(
            '{"perpage": 100, "data": [{"id": 1, "ti', content_type="text/json"
        ),
    )
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.FAILED
    assert task.error_message.startswith("MyAnonamouse: answered with something that is not JSON")


def test_mam_refusing_connections_fails_the_run_naming_the_service(every_mam_job, settings):
    settings.MAM_URL = CLOSED
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.FAILED
    assert task.error_message.startswith(f"MyAnonamouse: {MAM_SEARCH}: could not connect")


def test_a_mam_429_asking_for_an_hour_is_not_slept_through(every_mam_job, settings, sleeps):
    settings.HTTP_RETRIES = 3
    mam_answering(
        every_mam_job,
        lambda request: Response("Too many requests", status=429, headers={"Retry-After": "3600"}),
    )
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.FAILED
    assert "rate limited (HTTP 429), retry after 3600s" in task.error_message
    assert sleeps == []
    assert len(requests_to(every_mam_job.server, "/tor/")) == 1


def test_mam_500s_are_retried_then_the_run_fails_naming_the_status(every_mam_job, settings, sleeps):
    settings.HTTP_RETRIES = 2
    mam_answering(every_mam_job, lambda request: Response("oops", status=500))
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.FAILED
    assert task.error_message.startswith(f"MyAnonamouse: {MAM_SEARCH}: HTTP 500")
    assert len(requests_to(every_mam_job.server, "/tor/")) == 3


# --- completion: one item's fault, and the download client gone ----------------------------


def test_a_missing_series_page_is_a_failed_attempt_and_the_other_series_complete(
    every_mam_job, goodreads, settings
):
    settings.DOWNLOAD_DRY_RUN = True
    Series.objects.filter(goodreads_id="700").update(goodreads_id="799")
    goodreads.expect_request("/series/799").respond_with_data("Not found", status=404)
    task = run_task("series_completion", Task.CLI)
    assert (task.status, task.items_succeeded, task.items_failed) == (Task.COMPLETED, 2, 1)
    attempt = FailedAttempt.objects.get()
    assert (attempt.item_type, attempt.item_label) == ("series", "Saga 0")
    assert attempt.error_message == "Goodreads: /series/799: no such series"


def test_a_series_page_whose_layout_changed_fails_the_run_once_and_asks_no_further(
    every_mam_job, goodreads
):
    goodreads.clear()
    goodreads.expect_request("/series/700").respond_with_data(
        "<html><body><ol class='series'><li>Saga 0 One</li></ol></body></html>",
        content_type="text/html",
    )
    task = run_task("series_completion", Task.CLI)
    assert task.status == Task.FAILED
    assert task.error_message.startswith(
        "Goodreads: /series/700: no series list in the page (layout changed?)"
    )
    assert len(requests_to(goodreads, "/series/")) == 1


def test_an_unreachable_download_client_fails_the_run_once_and_leaves_the_book_wanted(
    every_mam_job, settings
):
    settings.QBITTORRENT_URL = CLOSED
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.FAILED
    assert "qBittorrent: cannot reach the Web UI at http://127.0.0.1:9" in task.error_message
    assert Book.objects.get(title="Nemesis Games").status == Book.WANTED
    assert Download.objects.count() == 0


def test_a_download_client_refusing_the_login_fails_the_run_once_not_once_per_series(
    every_mam_job, service_server, settings
):
    webui = service_server()  # a Web UI that is up and refuses our password
    webui.expect_request("/", method="HEAD").respond_with_data("")
    webui.expect_request("/api/v2/app/webapiVersion").respond_with_data("2.9.3")
    webui.expect_request("/api/v2/auth/login").respond_with_data("Fails.")
    webui.expect_request("/api/v2/torrents/add").respond_with_data("Forbidden", status=403)
    settings.QBITTORRENT_URL = webui.url_for("").rstrip("/")
    every_mam_job.items = [mam_item(800 + n, f"Saga {n} One", authors=[COREY]) for n in range(3)]
    task = run_task("series_completion", Task.CLI)
    assert task.status == Task.FAILED
    assert task.error_message.startswith(
        "qBittorrent: login refused: check QBITTORRENT_USERNAME and QBITTORRENT_PASSWORD"
    )
    assert FailedAttempt.objects.count() == 0
    assert Download.objects.count() == 0
