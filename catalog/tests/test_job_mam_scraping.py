"""mam_scraping end to end: fake MyAnonamouse, the runner, a real qBittorrent where sent."""

import pytest

from catalog.models import Author, Book, Download, Release
from catalog.tests.fakes import days_ago, mam_item
from scheduling.models import FailedAttempt, Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def library():
    corey = Author.objects.create(name="James S. A. Corey")
    leviathan = Book.objects.create(
        title="Leviathan Wakes", isbn_13="9780316129084", status=Book.OWNED
    )
    calibans = Book.objects.create(title="Caliban's War", status=Book.WANTED)
    leviathan.authors.add(corey)
    calibans.authors.add(corey)
    return {"leviathan": leviathan, "calibans": calibans}


@pytest.fixture
def week_of_uploads(mam):
    mam.items = [
        mam_item(
            101,
            "Leviathan Wakes: The Expanse, Book 1 (Unabridged)",
            authors=["James S.A. Corey"],
            isbn="9780316129084",
            added=days_ago(1),
        ),
        mam_item(
            102,
            "Caliban's War (The Expanse, #2) [M4B]",
            authors=["James S. A. Corey"],
            added=days_ago(2),
            seeders=12,
        ),
        mam_item(
            103,
            "Caliban's War",
            authors=["James S. A. Corey"],
            filetype="mp3",
            added=days_ago(2),
            seeders=40,
        ),
        mam_item(104, "A Book Nobody Has", authors=["Ann Other"], added=days_ago(3)),
        mam_item(105, "Too Old To Matter", authors=["Ann Other"], added=days_ago(30)),
    ]
    return mam


def test_new_torrents_become_releases_and_the_row_counts_them(library, week_of_uploads, settings):
    settings.DOWNLOAD_DRY_RUN = True
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    assert sorted(Release.objects.values_list("mam_id", flat=True)) == [101, 102, 103, 104]
    assert (task.items_total, task.items_processed, task.items_succeeded, task.items_failed) == (
        4,
        4,
        4,
        0,
    )


def test_releases_are_linked_to_books_by_isbn_then_title_and_author(
    library, week_of_uploads, settings
):
    settings.DOWNLOAD_DRY_RUN = True
    run_task("mam_scraping", Task.CLI)
    linked = dict(Release.objects.values_list("mam_id", "book__title"))
    assert linked == {101: "Leviathan Wakes", 102: "Caliban's War", 103: "Caliban's War", 104: None}


def test_a_second_run_adds_nothing_new(library, week_of_uploads, settings):
    settings.DOWNLOAD_DRY_RUN = True
    run_task("mam_scraping", Task.CLI)
    before = (Release.objects.count(), Download.objects.count(), Book.objects.count())
    second = run_task("mam_scraping", Task.CLI)
    assert second.status == Task.COMPLETED
    assert (Release.objects.count(), Download.objects.count(), Book.objects.count()) == before


def test_the_first_run_looks_back_mam_lookback_days(library, week_of_uploads, settings):
    settings.DOWNLOAD_DRY_RUN = True
    settings.MAM_LOOKBACK_DAYS = 7
    run_task("mam_scraping", Task.CLI)
    assert "tor[startDate]" in week_of_uploads.searches[0]
    assert not Release.objects.filter(mam_id=105).exists()


@pytest.mark.qbittorrent
def test_a_release_of_a_wanted_book_is_sent_to_qbittorrent_preferring_m4b(
    library, week_of_uploads, qbittorrent, settings
):
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    download = Download.objects.get()
    assert download.release.mam_id == 102 and download.status == Download.SENT
    torrents = qbittorrent.list_torrents(category=settings.QBITTORRENT_CATEGORY)
    assert [t["hash"] for t in torrents] == [download.client_hash]
    assert Book.objects.get(pk=library["calibans"].pk).status == Book.DOWNLOADING


def test_dry_run_sends_nothing_and_says_what_it_would_have_sent(library, week_of_uploads, settings):
    settings.DOWNLOAD_DRY_RUN = True
    task = run_task("mam_scraping", Task.CLI)
    assert Download.objects.get().status == Download.DRY_RUN
    assert week_of_uploads.downloads == []
    assert "Dry run: would send" in task.log_output


def test_an_expired_session_stops_the_run_once_with_a_clear_message(library, week_of_uploads):
    week_of_uploads.expired = True
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.SKIPPED
    assert task.error_message.startswith("MyAnonamouse refused the session (HTTP 403")
    assert FailedAttempt.objects.count() == 0


def test_an_odd_torrent_is_a_failed_item_not_a_failed_run(library, mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    mam.items = [
        mam_item(201, "Fine Book", added=days_ago(1)),
        mam_item(202, "x" * 5000, added=days_ago(1)),
    ]
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.COMPLETED
    assert Release.objects.count() == 2


def test_a_prequel_of_a_wanted_books_world_is_neither_linked_nor_sent(mam, settings):
    settings.DOWNLOAD_DRY_RUN = True
    dune = Book.objects.create(title="Dune", status=Book.WANTED)
    dune.authors.add(Author.objects.create(name="Frank Herbert"))
    heirs = ["Brian Herbert", "Kevin J. Anderson"]
    mam.items = [
        mam_item(301, "Dune: House Atreides", authors=heirs, added=days_ago(1)),
        mam_item(302, "Dune: The Graphic Novel, Book 1", authors=heirs, added=days_ago(1)),
        mam_item(303, "Dune (BBC Radio 4 Dramatisation)", authors=["Frank Herbert"]),
    ]
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    assert list(Release.objects.filter(book=dune)) == []
    assert Download.objects.count() == 0
