"""What is coming: a followed series' or author's future book is announced, not searched
before its release date, and searched and sent on the day (time frozen with time-machine)."""

import json
from datetime import UTC, date, datetime

import pytest
import time_machine

from catalog.models import Author, Book, Download, Series
from catalog.tests.fakes import audible_product, goodreads_series_page, mam_item
from scheduling.models import Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)

COREY = "James S. A. Corey"
RELEASE = date(2027, 3, 4)
BEFORE = datetime(2027, 3, 3, 12, 0, tzinfo=UTC)
ON_THE_DAY = datetime(2027, 3, 4, 6, 0, tzinfo=UTC)
MONITORING_STARTED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=True)


def run(name):
    task = run_task(name, Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    return task


@pytest.fixture
def receiver(service_server, settings):
    """A local Apprise json:// receiver: what the user would be told."""
    server = service_server()
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    settings.NOTIFY_URLS = [f"json://127.0.0.1:{server.port}/hook"]
    settings.NOTIFY_EVENTS = ["new_book"]
    return server


def told(receiver):
    return [json.loads(request.get_data())["message"] for request, _ in receiver.log]


@pytest.fixture
def expanse(goodreads, audible, mam):
    """The Expanse, monitored; books 1 and 2 on Goodreads (owned), book 10 a pre-order on
    Audible; MAM has a release of book 10 (it appears on the day)."""
    with at(MONITORING_STARTED):
        series = Series.objects.create(name="The Expanse", goodreads_id="40321", monitored=True)
    corey = Author.objects.create(name=COREY)
    for position, title in (("1", "Leviathan Wakes"), ("2", "Caliban's War")):
        owned = Book.objects.create(
            title=title, series=series, series_position=position, status=Book.OWNED
        )
        owned.authors.add(corey)
    goodreads.expect_request("/series/40321").respond_with_data(
        goodreads_series_page(
            "The Expanse",
            [[("Book 1", 1, "Leviathan Wakes", COREY), ("Book 2", 2, "Caliban's War", COREY)]],
        ),
        content_type="text/html",
    )
    audible.products = [
        audible_product(
            "B0DX000010",
            "The Last Light",
            [COREY],
            ["Jefferson Mays"],
            series=("The Expanse", "Book 10"),
            release_date=RELEASE.isoformat(),
        ),
        audible_product(
            "B073H9PF2D",
            "Leviathan Wakes",
            [COREY],
            series=("The Expanse", "1"),
            release_date="2011-06-15",
        ),
    ]
    mam.items = [mam_item(910, "The Last Light (The Expanse, #10)", authors=[COREY], seeders=9)]
    return series


def test_a_future_book_of_a_followed_series_is_announced_with_its_date(expanse, receiver):
    with at(BEFORE):
        task = run("series_completion")
    book = Book.objects.get(title="The Last Light")
    assert (book.status, book.release_date, book.series_position) == (
        Book.ANNOUNCED,
        RELEASE,
        "10",
    )
    assert (book.asin, book.narrators) == ("B0DX000010", "Jefferson Mays")
    assert "1 announced" in task.log_output
    assert told(receiver) == [
        "The Last Light by James S. A. Corey (The Expanse #10), announced for 2027-03-04"
    ]


def test_an_announced_book_is_not_searched_before_its_date(expanse, mam):
    with at(BEFORE):
        run("series_completion")
        task = run("announced_releases")
    assert mam.searches == []
    assert task.items_total == 0
    assert Book.objects.get(title="The Last Light").status == Book.ANNOUNCED


@pytest.mark.qbittorrent
def test_on_the_day_the_announced_book_is_searched_and_sent(expanse, mam, qbittorrent):
    with at(BEFORE):
        run("series_completion")
    with at(ON_THE_DAY):
        task = run("announced_releases")
    book = Book.objects.get(title="The Last Light")
    assert book.status == Book.DOWNLOADING
    assert Download.objects.get(book=book).release.mam_id == 910
    assert [t["name"] for t in qbittorrent.list_torrents()] == [
        "910-The Last Light (The Expanse, #10)"
    ]
    assert (task.items_total, task.items_succeeded) == (1, 1)


def test_a_completion_run_on_the_day_searches_the_announced_book(expanse, mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    with at(BEFORE):
        run("series_completion")
    with at(ON_THE_DAY):
        run("series_completion")
    assert Download.objects.get().book.title == "The Last Light"


def test_an_announced_book_not_found_on_the_day_is_searched_again_next_day(expanse, mam):
    mam.items = []
    with at(BEFORE):
        run("series_completion")
    with at(ON_THE_DAY):
        first = run("announced_releases")
    with at(datetime(2027, 3, 5, 6, 0, tzinfo=UTC)):
        second = run("announced_releases")
    assert (first.items_total, second.items_total) == (1, 1)
    assert len(mam.searches) == 2
    assert Book.objects.get(title="The Last Light").status == Book.ANNOUNCED


def test_a_new_books_only_series_skips_the_back_catalogue(expanse, audible, goodreads):
    Series.objects.filter(pk=expanse.pk).update(new_books_only=True)
    Book.objects.filter(series=expanse, series_position="2").delete()  # not owned any more
    with at(BEFORE):
        run("series_completion")
    assert list(Book.objects.filter(series=expanse).values_list("title", flat=True)) == [
        "Leviathan Wakes",
        "The Last Light",
    ]


@pytest.fixture
def followed_author(audible, openlibrary, mam):
    with at(MONITORING_STARTED):
        author = Author.objects.create(
            name=COREY, monitored=True, new_books_only=True, openlibrary_id="OL1A"
        )
    audible.products = [
        audible_product("B0DX000010", "The Last Light", [COREY], release_date="2027-03-04"),
        audible_product("B0DX000009", "Memory's Legion", [COREY], release_date="2026-12-20"),
        audible_product("B073H9PF2D", "Leviathan Wakes", [COREY], release_date="2011-06-15"),
    ]
    return author


def test_a_new_books_only_author_gets_only_what_came_out_since_following(
    followed_author, openlibrary, settings
):
    settings.DOWNLOAD_DRY_RUN = True
    with at(BEFORE):
        run("author_completion")
    statuses = dict(Book.objects.values_list("title", "status"))
    assert statuses == {"The Last Light": Book.ANNOUNCED, "Memory's Legion": Book.WANTED}
    assert openlibrary.log == []  # the back catalogue was not even asked for


def test_a_wanted_book_whose_date_lies_ahead_is_announced_instead_of_searched(expanse, mam):
    with at(BEFORE):
        wanted = Book.objects.create(
            title="The Last Light",
            series=expanse,
            series_position="10",
            status=Book.WANTED,
            release_date=RELEASE,
        )
        wanted.authors.add(Author.objects.get(name=COREY))
        run("series_completion")
    wanted.refresh_from_db()
    assert wanted.status == Book.ANNOUNCED
    assert mam.searches == []


def test_on_the_day_completion_searches_an_announced_book_audible_no_longer_lists(
    expanse, audible, mam, settings
):
    settings.DOWNLOAD_DRY_RUN = True
    with at(BEFORE):
        run("series_completion")
    audible.products = []
    with at(ON_THE_DAY):
        run("series_completion")
    assert Download.objects.get().book.title == "The Last Light"
