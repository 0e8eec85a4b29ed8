"""series_completion and author_completion end to end, sending to a real qBittorrent."""

import pytest

from catalog.models import Author, Book, Download, Series
from catalog.tests.fakes import (
    goodreads_series_page,
    google_volume,
    mam_item,
    openlibrary_doc,
    openlibrary_search,
    openlibrary_works,
)
from scheduling.models import FailedAttempt, Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)
COREY = "James S. A. Corey"


@pytest.fixture
def expanse(goodreads):
    series = Series.objects.create(name="The Expanse", goodreads_id="40321", monitored=True)
    owned = Book.objects.create(
        title="Leviathan Wakes",
        series=series,
        series_position="1",
        status=Book.OWNED,
        goodreads_id="1",
        narrators="Jefferson Mays",
    )
    owned.authors.add(Author.objects.create(name=COREY))
    goodreads.expect_request("/series/40321").respond_with_data(
        goodreads_series_page(
            "The Expanse",
            [
                [("Book 1", 1, "Leviathan Wakes", COREY), ("Book 2", 2, "Caliban's War", COREY)],
                [
                    ("Book 2.5", 25, "Gods of Risk", COREY),
                    ("Book 3", 3, "Abaddon's Gate", COREY),
                    ("Books 1-3", 123, "The Expanse Boxed Set", COREY),
                    ("", 99, "The Expanse Companion", COREY),
                ],
            ],
        ),
        content_type="text/html",
    )
    return series


@pytest.fixture
def indexer(mam):
    mam.items = [
        mam_item(
            501,
            "Caliban's War (The Expanse, #2) [Unabridged]",
            authors=[COREY],
            narrators=["Jefferson Mays"],
            seeders=8,
        ),
        mam_item(
            502,
            "Caliban's War",
            authors=[COREY],
            narrators=["Someone Else"],
            filetype="mp3",
            seeders=30,
        ),
        mam_item(503, "Gods of Risk", authors=[COREY], seeders=5),
    ]
    return mam


@pytest.mark.qbittorrent
def test_a_missing_series_book_is_wanted_and_its_best_release_is_in_qbittorrent(
    expanse, indexer, qbittorrent, settings
):
    task = run_task("series_completion", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    calibans = Book.objects.get(title="Caliban's War")
    assert (calibans.status, calibans.source, calibans.series_position) == (
        Book.DOWNLOADING,
        "series",
        "2",
    )
    download = Download.objects.get()
    assert download.release.mam_id == 501 and download.book == calibans
    listed = qbittorrent.list_torrents(category=settings.QBITTORRENT_CATEGORY)
    assert [t["hash"] for t in listed] == [download.client_hash]
    assert settings.QBITTORRENT_TAGS[0] in listed[0]["tags"]
    assert (task.items_total, task.items_succeeded) == (1, 1)


def test_a_book_with_no_acceptable_release_stays_wanted(expanse, indexer, settings):
    settings.DOWNLOAD_DRY_RUN = True
    run_task("series_completion", Task.CLI)
    assert Book.objects.get(title="Abaddon's Gate").status == Book.WANTED


def test_novellas_omnibuses_and_unnumbered_entries_are_skipped_unless_asked(
    expanse, indexer, settings
):
    settings.DOWNLOAD_DRY_RUN = True
    run_task("series_completion", Task.CLI)
    titles = set(Book.objects.values_list("title", flat=True))
    assert titles == {"Leviathan Wakes", "Caliban's War", "Abaddon's Gate"}


def test_novellas_are_fetched_when_the_series_asks(expanse, indexer, settings):
    settings.DOWNLOAD_DRY_RUN = True
    Series.objects.filter(pk=expanse.pk).update(include_fractional=True)
    run_task("series_completion", Task.CLI)
    assert Book.objects.get(title="Gods of Risk").series_position == "2.5"


@pytest.mark.qbittorrent
def test_a_second_run_sends_nothing_again(expanse, indexer, qbittorrent):
    run_task("series_completion", Task.CLI)
    second = run_task("series_completion", Task.CLI)
    assert second.status == Task.COMPLETED
    assert Download.objects.count() == 1
    assert len(qbittorrent.list_torrents()) == 1
    assert Book.objects.count() == 3


def test_downloads_are_capped_per_run(expanse, indexer, settings):
    settings.DOWNLOAD_DRY_RUN = True
    settings.MAX_DOWNLOADS_PER_RUN = 1
    Series.objects.filter(pk=expanse.pk).update(include_fractional=True)
    task = run_task("series_completion", Task.CLI)
    assert Download.objects.count() == 1
    assert "Download cap of 1 per run reached" in task.log_output


def test_dry_run_says_what_it_would_send_and_sends_nothing(expanse, indexer, settings):
    settings.DOWNLOAD_DRY_RUN = True
    task = run_task("series_completion", Task.CLI)
    assert Download.objects.get().status == Download.DRY_RUN
    assert indexer.downloads == []
    assert "would send" in task.log_output


def test_a_series_without_goodreads_id_is_a_failed_attempt(goodreads, mam):
    lost = Series.objects.create(name="Nowhere", monitored=True)
    task = run_task("series_completion", Task.CLI)
    assert task.items_failed == 1
    assert FailedAttempt.objects.get().item_key == str(lost.pk)


@pytest.fixture
def le_guin(openlibrary):
    author = Author.objects.create(
        name="Ursula K. Le Guin", monitored=True, openlibrary_id="OL26320A"
    )
    owned = Book.objects.create(title="A Wizard of Earthsea", status=Book.OWNED)
    owned.authors.add(author)
    openlibrary.expect_request("/authors/OL26320A/works.json").respond_with_json(
        openlibrary_works(
            [
                "A Wizard of Earthsea",
                "The Tombs of Atuan",
                "The Tombs of Atuan",
                "The Left Hand of Darkness",
                "Summary of The Left Hand of Darkness",
                "Study Guide: The Dispossessed",
            ]
        )
    )
    return author


def test_an_authors_missing_works_become_wanted_without_duplicates_or_guides(
    le_guin, mam, settings
):
    settings.DOWNLOAD_DRY_RUN = True
    mam.items = [mam_item(601, "The Tombs of Atuan", authors=["Ursula K. Le Guin"])]
    task = run_task("author_completion", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    wanted = set(Book.objects.filter(status=Book.WANTED).values_list("title", flat=True))
    assert wanted == {"The Tombs of Atuan", "The Left Hand of Darkness"}
    assert Download.objects.get().release.mam_id == 601
    assert set(Book.objects.filter(source="author").values_list("title", flat=True)) == wanted


def test_google_books_is_the_fallback_when_open_library_is_down(mam, google, openlibrary, settings):
    settings.DOWNLOAD_DRY_RUN = True
    Author.objects.create(name="Ursula K. Le Guin", monitored=True, openlibrary_id="OL26320A")
    openlibrary.expect_request("/authors/OL26320A/works.json").respond_with_data("down", status=503)
    google.volumes = [google_volume("g1", "The Lathe of Heaven", ["Ursula K. Le Guin"])]
    task = run_task("author_completion", Task.CLI)
    assert task.status == Task.COMPLETED
    assert Book.objects.get().title == "The Lathe of Heaven"


@pytest.fixture
def translated_le_guin(le_guin, openlibrary):
    """works.json as Open Library sends it: translations listed as works, with no language."""
    openlibrary.clear()
    titles = ["A Wizard of Earthsea", "Un mago de Terramar", "Yerdeniz Büyücüsü", "Tehanu"]
    openlibrary.expect_request("/authors/OL26320A/works.json").respond_with_json(
        openlibrary_works(titles)
    )
    openlibrary.expect_request("/search.json").respond_with_json(
        openlibrary_search(
            [
                openlibrary_doc("/works/OL0W", titles[0], ["eng", "spa"], ["Un mago de Terramar"]),
                openlibrary_doc("/works/OL2W", titles[2], ["tur"]),
                openlibrary_doc("/works/OL3W", titles[3], ["eng"]),
            ]
        )
    )
    return le_guin


def test_translations_of_an_authors_works_are_not_wanted(translated_le_guin, mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    task = run_task("author_completion", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    assert list(Book.objects.filter(status=Book.WANTED).values_list("title", flat=True)) == [
        "Tehanu"
    ]


def test_a_second_author_run_adds_nothing(le_guin, mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    run_task("author_completion", Task.CLI)
    before = Book.objects.count()
    run_task("author_completion", Task.CLI)
    assert Book.objects.count() == before
