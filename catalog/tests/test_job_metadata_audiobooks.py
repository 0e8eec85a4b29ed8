"""The metadata refresh with all four sources: Audible (Audnexus and its catalog), Google
Books, Goodreads and Hardcover. Precedence, fall-through and provenance."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from catalog.models import Author, Book
from catalog.tests.fakes import (
    audible_product,
    goodreads_book_page,
    google_volume,
    hardcover_book,
)
from scheduling import health
from scheduling.models import ServiceCheck, Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)

COREY = "James S. A. Corey"
ISBN = "9780316129084"
ASIN = "B073H9PF2D"


def book(title="Leviathan Wakes", **fields):
    created = Book.objects.create(title=title, **fields)
    created.authors.add(Author.objects.get_or_create(name=COREY)[0])
    return created


def refresh():
    task = run_task("metadata_full_refresh", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    return task


STANDALONE = audible_product(ASIN, "Leviathan Wakes", [COREY], ["Jefferson Mays"])


def audible_sells_only(audible, audnexus, product):
    audible.products, audnexus.regions = [product], {}
    audnexus.add(product)


def goodreads_without_series(goodreads):
    goodreads.clear()
    goodreads.expect_request(f"/book/isbn/{ISBN}").respond_with_data(
        goodreads_book_page(8855321, "Leviathan Wakes", author=COREY, isbn13=ISBN),
        content_type="text/html",
    )


def source_of(book, name):
    return book.metadata_sources[name]["source"]


@pytest.fixture
def everyone(audible, audnexus, google, goodreads, hardcover):
    """All four sources know Leviathan Wakes, each a little differently."""
    product = audible_product(
        ASIN,
        "Leviathan Wakes",
        [COREY],
        ["Jefferson Mays"],
        series=("The Expanse", "1"),
        release_date="2011-06-15",
        runtime=1157,
    )
    audible.products = [product]
    audnexus.add(product)
    google.volumes = [
        google_volume("gb-lev", "Leviathan Wakes", [COREY], isbn13=ISBN, publisher="Orbit")
    ]
    goodreads.expect_request(f"/book/isbn/{ISBN}").respond_with_data(
        goodreads_book_page(
            8855321,
            "Leviathan Wakes",
            author=COREY,
            isbn13=ISBN,
            series=("The Expanse (print)", "1"),
            description="Goodreads' longer description.",
            asin="B004XZ6BB0",
        ),
        content_type="text/html",
    )
    hardcover.books = [
        hardcover_book(1, "Leviathan Wakes", [COREY], isbn13=ISBN, series=("Expanse", 1.0))
    ]
    return audible, audnexus, google, goodreads, hardcover


def test_audible_gives_the_audio_facts_and_each_field_names_its_source(everyone):
    leviathan = book(isbn_13=ISBN)
    refresh()
    leviathan.refresh_from_db()
    assert (leviathan.narrators, leviathan.runtime_minutes, leviathan.release_date) == (
        "Jefferson Mays",
        1157,
        date(2011, 6, 15),
    )
    assert (leviathan.asin, leviathan.abridged) == (ASIN, False)
    assert (leviathan.series.name, leviathan.series_position) == ("The Expanse", "1")
    assert leviathan.publisher == "Orbit"
    assert leviathan.description == "Goodreads' longer description."
    sources = {name: source_of(leviathan, name) for name in leviathan.metadata_sources}
    assert sources["narrators"] == sources["series"] == sources["asin"] == "audible"
    assert (sources["publisher"], sources["description"]) == ("google_books", "goodreads")


def test_hardcover_is_not_asked_when_the_others_answered_its_fields(everyone):
    book(isbn_13=ISBN)
    refresh()
    assert everyone[4].queries == []


def test_a_standalone_both_audible_and_goodreads_describe_is_not_asked_of_hardcover(everyone):
    audible, audnexus, _, goodreads, hardcover = everyone
    audible_sells_only(audible, audnexus, STANDALONE)
    goodreads_without_series(goodreads)
    leviathan = book(isbn_13=ISBN)
    refresh()
    leviathan.refresh_from_db()
    assert leviathan.series is None
    assert hardcover.queries == []


def test_without_an_audible_series_goodreads_gives_it(everyone):
    audible, audnexus = everyone[0], everyone[1]
    audible_sells_only(audible, audnexus, STANDALONE)
    leviathan = book(isbn_13=ISBN)
    refresh()
    leviathan.refresh_from_db()
    assert leviathan.series.name == "The Expanse (print)"
    assert source_of(leviathan, "series") == "goodreads"
    assert leviathan.narrators == "Jefferson Mays"


def test_without_audible_and_goodreads_series_hardcover_gives_it(everyone):
    audible, audnexus, google, goodreads, hardcover = everyone
    audible.products, audnexus.regions = [], {}
    goodreads_without_series(goodreads)
    leviathan = book(isbn_13=ISBN)
    refresh()
    leviathan.refresh_from_db()
    assert (leviathan.series.name, leviathan.series_position) == ("Expanse", "1")
    assert source_of(leviathan, "series") == source_of(leviathan, "series_position") == "hardcover"
    assert hardcover.queries == [["editions"]]


def test_a_position_never_comes_from_another_source_than_its_series(everyone):
    audible, audnexus = everyone[0], everyone[1]
    numberless = audible_product(ASIN, "Leviathan Wakes", [COREY], series=("The Expanse", ""))
    audible_sells_only(audible, audnexus, numberless)
    leviathan = book(isbn_13=ISBN)
    refresh()
    leviathan.refresh_from_db()
    assert (leviathan.series.name, leviathan.series_position) == ("The Expanse", "")


def test_a_regional_miss_finds_the_book_in_the_regions_catalog(everyone, settings):
    audible, audnexus = everyone[0], everyone[1]
    uk = audible_product("B07231BVRJ", "Leviathan Wakes", [COREY], ["Jefferson Mays"])
    audnexus.regions = {"us": {}}
    audnexus.add(audible.products[0], region="us")
    audnexus.regions["uk"] = {}
    settings.AUDIBLE_REGION = "uk"
    audible.products = [uk]
    leviathan = book(isbn_13=ISBN, asin=ASIN)
    task = refresh()
    leviathan.refresh_from_db()
    assert leviathan.asin == "B07231BVRJ"
    assert leviathan.narrators == "Jefferson Mays"
    assert "REGION_UNAVAILABLE" in task.log_output and "Audible uk" in task.log_output
    assert task.items_failed == 0


def test_with_audnexus_down_the_asin_is_asked_of_audibles_catalog(everyone, settings):
    audible = everyone[0]
    settings.AUDNEXUS_URL = "http://127.0.0.1:9"
    leviathan = book(isbn_13=ISBN, asin=ASIN)
    task = refresh()
    leviathan.refresh_from_db()
    assert leviathan.runtime_minutes == 1157
    assert {"asin": ASIN} in audible.requests
    assert task.log_output.count("Audnexus unavailable for the rest of this run") == 1


def test_a_refused_hardcover_token_skips_hardcover_for_the_run(everyone, settings):
    health.forget_cache()  # an earlier test's identical record must not hold this one back
    audible, audnexus, _, _, hardcover = everyone
    audible.products, audnexus.regions = [], {}
    settings.HARDCOVER_TOKEN = "hc_pat_revoked-token"
    book(isbn_13=ISBN)
    book("Caliban's War", isbn_13="9780316129060")
    task = refresh()
    assert task.log_output.count("Hardcover unavailable for the rest of this run") == 1
    assert "revoked-token" not in task.log_output
    assert task.items_succeeded == 1  # Leviathan from Google and Goodreads; Caliban unknown
    assert hardcover.queries == []  # refused at the token, before any query was read
    check = ServiceCheck.objects.get(service="hardcover")
    assert not check.ok and "HARDCOVER_TOKEN was refused" in check.summary
    assert ServiceCheck.objects.get(service="audible").ok


def test_a_locked_narrator_is_never_written(everyone):
    leviathan = book(isbn_13=ISBN, narrators="My Favourite Reader", locked_fields=["narrators"])
    refresh()
    leviathan.refresh_from_db()
    assert leviathan.narrators == "My Favourite Reader"
    assert leviathan.runtime_minutes == 1157


def test_a_wanted_book_with_a_future_audio_release_becomes_announced(everyone):
    audible, audnexus = everyone[0], everyone[1]
    coming = (timezone.localdate() + timedelta(days=40)).isoformat()
    product = audible_product(ASIN, "Leviathan Wakes", [COREY], release_date=coming)
    audible_sells_only(audible, audnexus, product)
    leviathan = book(isbn_13=ISBN, status=Book.WANTED)
    owned = book("Caliban's War", status=Book.OWNED, asin=ASIN)
    refresh()
    leviathan.refresh_from_db()
    owned.refresh_from_db()
    assert (leviathan.status, leviathan.release_date.isoformat()) == (Book.ANNOUNCED, coming)
    assert owned.status == Book.OWNED
