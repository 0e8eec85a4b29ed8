"""Bad input from providers and staff: each is cleaned or refused clearly, none crashes a job.

Random text through the matcher and the cron translator is property-tested elsewhere
(catalog/tests/test_matching_properties.py, scheduling/tests/test_cron_properties.py); here
odd values go through whole job runs, on SQLite and PostgreSQL alike.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from werkzeug import Response

from catalog.library import isbn13
from catalog.matching import clean_title
from catalog.models import Author, Book, Genre, Release, Series
from catalog.tests.fakes import (
    days_ago,
    goodreads_book_page,
    goodreads_series_page,
    google_volume,
    mam_item,
    mam_page,
)
from scheduling.models import Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)

TEN_MB = 10 * 1024 * 1024
MAM_SEARCH = "/tor/js/loadSearchJSONbasic.php"


@pytest.fixture(autouse=True)
def _no_row_left_running():
    yield
    assert list(Task.objects.running()) == []


def mam_serving(mam, items):
    """MAM answering every search with these raw items (bypassing the fake's own filters)."""
    mam.server.clear()
    mam.server.expect_request(MAM_SEARCH).respond_with_handler(
        lambda request: Response(json.dumps(mam_page(items)), content_type="application/json")
    )
    return mam


def run(name):
    task = run_task(name, Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    return task


# --- ISBNs ---------------------------------------------------------------------------------

MALFORMED_ISBNS = [
    "978-0-316-12908-X",
    "9780316129085",  # bad check digit
    "not an isbn",
    "0000000000000",
    "97803161290840000",
    "ISBN: 12",
    "<b>9780316129084</b>",
    "９７８０３１６１２９０８４",  # full-width digits
    "9" * 5000,
]


@pytest.mark.parametrize("value", MALFORMED_ISBNS)
def test_a_malformed_isbn_reads_as_no_isbn(value):
    assert isbn13(value) in ("", "9780316129084")


def test_releases_with_malformed_isbns_are_stored_without_one(mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    items = [
        mam_item(n + 1, f"Book {n}", isbn=value, added=days_ago(1))
        for n, value in enumerate(MALFORMED_ISBNS)
    ]
    mam_serving(mam, items + [mam_item(99, "Valid", isbn="0-316-12908-9", added=days_ago(1))])
    task = run("mam_scraping")
    assert task.items_succeeded == len(items) + 1
    stored = dict(Release.objects.values_list("mam_id", "isbn"))
    assert stored[99] == "9780316129084"
    assert {stored[n + 1] for n, value in enumerate(MALFORMED_ISBNS)} <= {"", "9780316129084"}


def test_books_with_malformed_isbns_are_looked_up_by_title_instead(google, goodreads):
    google.volumes = [google_volume("gb1", "Leviathan Wakes", ["James S. A. Corey"])]
    goodreads.expect_request("/book/show/1").respond_with_data("", status=404)
    corey = Author.objects.create(name="James S. A. Corey")
    for value in ["978-0-316-12908-X", "not an isbn", "0000000000000"]:
        book = Book.objects.create(title="Leviathan Wakes", isbn_13=value[:13])
        book.authors.add(corey)
    task = run("metadata_full_refresh")
    assert (task.items_succeeded, task.items_failed) == (3, 0)
    assert set(Book.objects.values_list("google_books_id", flat=True)) == {"gb1"}


# --- titles --------------------------------------------------------------------------------

ODD_TITLES = [
    "Le Petit Prince — «Édition» (Unabridged)",
    "三体",
    "Кровь и пот",
    "الخيميائي",
    "’Salem’s Lot",
    "Dune 🐉📚",
    "\u200bDune\u200d",
    "A/B\\C; DROP TABLE catalog_book; --",
    "!!!",
    "(Unabridged) [M4B]",
    "   ",
    "",
    "Title with a NUL \u0000 inside",
    "x" * 5000,
]


def test_odd_titles_from_mam_become_releases_and_the_run_completes(mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    Book.objects.create(title="Dune", status=Book.WANTED)
    items = [mam_item(n + 1, t, added=days_ago(1)) for n, t in enumerate(ODD_TITLES)]
    mam_serving(mam, items)
    task = run("mam_scraping")
    assert task.items_processed == len(ODD_TITLES)
    assert Release.objects.count() == len(ODD_TITLES)
    assert all(
        len(title) <= 500 and "\x00" not in title
        for title in Release.objects.values_list("title", flat=True)
    )


def test_odd_titles_in_a_genres_top_10_make_books_with_usable_titles(mam):
    Genre.objects.create(name="Fantasy", mam_category_id=41, discovery_enabled=True)
    worst_first = ["", "   ", "!!!", "", *ODD_TITLES[-2:], *ODD_TITLES[:4]]  # the top 10 takes ten
    items = [mam_item(n + 1, t, added=days_ago(1), snatched=50) for n, t in enumerate(worst_first)]
    mam_serving(mam, items)
    task = run("top10_discovery")
    titles = set(Book.objects.values_list("title", flat=True))
    assert len(titles) == 6
    assert all(clean_title(title) and "\x00" not in title for title in titles)
    assert task.log_output.count("names no book") == 4


def test_a_series_entry_without_a_title_is_not_wanted(goodreads, mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    Series.objects.create(name="Saga", goodreads_id="9", monitored=True)
    goodreads.expect_request("/series/9").respond_with_data(
        goodreads_series_page(
            "Saga",
            [
                [
                    ("Book 1", 1, "First", "Ann"),
                    ("Book 2", 2, "  ", "Ann"),
                    ("Book 3", 3, "!!", "Ann"),
                ]
            ],
        ),
        content_type="text/html",
    )
    run("series_completion")
    assert list(Book.objects.values_list("title", flat=True)) == ["First"]


# --- descriptions --------------------------------------------------------------------------


def test_a_description_of_megabytes_is_cut_to_a_readable_length(google, goodreads):
    google.volumes = [
        google_volume(
            "gb1",
            "Leviathan Wakes",
            isbn13="9780316129084",
            # 8 MB: within the 10 MB cap on an answer (test_limits.py: past it, refused).
            description="<p>" + "word " * (TEN_MB * 8 // 10 // 5) + "</p>",
        )
    ]
    goodreads.expect_request("/book/isbn/9780316129084").respond_with_data("", status=404)
    book = Book.objects.create(title="Leviathan Wakes", isbn_13="9780316129084")
    run("metadata_full_refresh")
    book.refresh_from_db()
    assert 0 < len(book.description) <= 20000
    assert book.description.startswith("word word")


def test_a_goodreads_description_of_some_megabytes_is_read_and_cut(google, goodreads):
    goodreads.expect_request("/book/isbn/9780316129084").respond_with_data(
        goodreads_book_page(
            1, "Leviathan Wakes", isbn13="9780316129084", description="a " * (TEN_MB // 4)
        ),
        content_type="text/html",
    )
    book = Book.objects.create(title="Leviathan Wakes", isbn_13="9780316129084")
    run("metadata_full_refresh")
    book.refresh_from_db()
    assert 0 < len(book.description) <= 20000


def test_a_goodreads_page_past_10_mb_is_goodreads_unavailable_said_once(google, goodreads):
    """libxml2 refuses a text node over 10 MB: the page reads as unusable, the run goes on."""
    google.volumes = [google_volume("gb1", "Leviathan Wakes", isbn13="9780316129084")]
    goodreads.expect_request("/book/isbn/9780316129084").respond_with_data(
        goodreads_book_page(
            1, "Leviathan Wakes", isbn13="9780316129084", description="a " * (TEN_MB // 2 + 1)
        ),
        content_type="text/html",
    )
    book = Book.objects.create(title="Leviathan Wakes", isbn_13="9780316129084")
    task = run("metadata_full_refresh")
    assert task.log_output.count("Goodreads unavailable for the rest of this run") == 1
    book.refresh_from_db()
    assert book.google_books_id == "gb1"


HOSTILE = (
    "<p>A <b>fine</b> book.</p><script>alert('stolen')</script>"
    '<img src=x onerror="alert(1)"><style>body{display:none}</style>'
)


def test_html_in_a_provider_description_is_stored_as_plain_text(google, goodreads):
    google.volumes = [
        google_volume("gb1", "Leviathan Wakes", isbn13="9780316129084", description=HOSTILE)
    ]
    goodreads.expect_request("/book/isbn/9780316129084").respond_with_data("", status=404)
    book = Book.objects.create(title="Leviathan Wakes", isbn_13="9780316129084")
    run("metadata_full_refresh")
    book.refresh_from_db()
    assert book.description == "A fine book."


def test_the_admin_escapes_html_in_a_books_title_and_description(client):
    staff = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(staff)
    book = Book.objects.create(title="<script>alert('title')</script>Dune", description=HOSTILE)
    url = reverse("admin:catalog_book_change", args=[book.pk])
    html = client.get(url).content.decode()
    assert "<script>alert(" not in html
    assert 'onerror="alert(1)"' not in html
    assert "&lt;script&gt;alert(" in html


# --- counts, sizes and ids from MAM --------------------------------------------------------


def test_huge_negative_and_junk_counts_from_mam_are_clamped(mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    mam_serving(
        mam,
        [
            mam_item(1, "Negative", seeders=-5, leechers=-1, snatched=-100, added=days_ago(1)),
            mam_item(2, "Huge", seeders=10**30, leechers=2**63, snatched=10**40, added=days_ago(1)),
            mam_item(3, "Junk", seeders="lots", leechers=None, snatched="1e5", added=days_ago(1)),
            mam_item(4, "Odd category", category=-7, added=days_ago(1)),
        ],
    )
    run("mam_scraping")
    counts = {
        r.mam_id: (r.seeders, r.leechers, r.times_snatched, r.category_id)
        for r in Release.objects.all()
    }
    assert counts[1] == (0, 0, 0, 41)
    assert counts[2] == (2**31 - 1, 2**31 - 1, 2**31 - 1, 41)
    assert counts[3] == (0, 0, 0, 41)
    assert counts[4][3] is None


@pytest.mark.parametrize(
    "size", ["99999999999999999999 TiB", "9" * 400 + " GiB", "-1 GiB", "1.2.3 MiB", "huge", ""]
)
def test_an_impossible_size_from_mam_is_stored_as_unknown(mam, settings, size):
    settings.DOWNLOAD_DRY_RUN = True
    mam_serving(mam, [mam_item(1, "Sized", size=size, added=days_ago(1))])
    run("mam_scraping")
    assert Release.objects.get().size_bytes is None


def test_items_with_impossible_ids_are_skipped_and_the_rest_kept(mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    good = mam_item(5, "Good", added=days_ago(1))
    bad = [
        {**mam_item(0, "Zero", added=days_ago(1))},
        {**mam_item(0, "Negative", added=days_ago(1)), "id": -3},
        {**mam_item(0, "Word", added=days_ago(1)), "id": "abc"},
        {**mam_item(0, "Huge", added=days_ago(1)), "id": 10**30},
        {**mam_item(0, "Null", added=days_ago(1)), "id": None},
    ]
    mam_serving(mam, [*bad, good])
    task = run("mam_scraping")
    assert list(Release.objects.values_list("mam_id", flat=True)) == [5]
    assert task.items_succeeded == 1
