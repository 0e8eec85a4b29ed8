"""download_monitor, failed downloads: failed with the reason, blocklisted for the book,
removed from qBittorrent (never another torrent's data), and the book wanted again."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from catalog.clients.mam import parse_torrent
from catalog.downloads import choose_release
from catalog.models import Blocklist, Book, Download
from catalog.tests.fakes import mam_item
from catalog.tests.monitoring import digest_of, downloading_book, monitor, sent, torrent_content
from scheduling.models import Task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def book():
    return downloading_book()


def stuck(fake, name, state="stalledDL", **fields):
    """A torrent with nothing downloaded, its partial file on disk."""
    path = fake.save_path + "/" + name
    with open(path, "wb") as partial:
        partial.write(b"\0" * 100)
    fake.add(digest_of(name), name, files=[(name, 1000)], state=state, **fields)
    return digest_of(name)


@pytest.mark.parametrize("state", ["error", "missingFiles"])
def test_a_torrent_in_error_is_failed_blocklisted_and_the_book_wanted_again(
    fake_qbittorrent, book, state
):
    download = sent(book, stuck(fake_qbittorrent, "Calibans War.mp3", state=state))

    monitor()

    download.refresh_from_db()
    book.refresh_from_db()
    assert download.status == Download.FAILED
    assert download.error_message == f"qBittorrent reports the torrent as {state}"
    assert book.status == Book.WANTED
    assert Blocklist.objects.get().release == download.release


def test_a_failed_torrent_is_removed_from_qbittorrent_with_its_data(fake_qbittorrent, book):
    digest = stuck(fake_qbittorrent, "Calibans War.mp3", state="error")
    sent(book, digest)

    monitor()

    assert digest not in fake_qbittorrent.torrents
    assert fake_qbittorrent.deleted == [([digest], True)]


def test_the_data_of_another_torrent_is_never_deleted(fake_qbittorrent, book):
    digest = stuck(fake_qbittorrent, "Calibans War.mp3", state="error")
    fake_qbittorrent.add(digest_of("twin"), "Calibans War.mp3", files=[("Calibans War.mp3", 1000)])
    sent(book, digest)

    monitor()

    assert fake_qbittorrent.deleted == [([digest], False)]
    with open(fake_qbittorrent.save_path + "/Calibans War.mp3", "rb") as kept:
        assert kept.read() == b"\0" * 100


def test_with_removal_off_the_failed_torrent_stays(fake_qbittorrent, book, settings):
    settings.REMOVE_FAILED_DOWNLOADS = False
    digest = stuck(fake_qbittorrent, "Calibans War.mp3", state="error")
    download = sent(book, digest)

    monitor()

    download.refresh_from_db()
    assert download.status == Download.FAILED
    assert digest in fake_qbittorrent.torrents and fake_qbittorrent.deleted == []


def test_a_torrent_missing_from_one_listing_is_not_failed(fake_qbittorrent, book):
    download = sent(book, digest_of("removed"))

    monitor()

    download.refresh_from_db()
    assert (download.status, download.missing_listings) == (Download.SENT, 1)


def test_a_torrent_missing_from_two_listings_in_a_row_is_failed(fake_qbittorrent, book):
    download = sent(book, digest_of("removed"))

    monitor()
    monitor()

    download.refresh_from_db()
    assert download.status == Download.FAILED
    assert download.error_message.startswith("removed from qBittorrent")
    assert Blocklist.objects.filter(release=download.release, book=book).exists()


def test_a_torrent_seen_again_between_two_absences_is_not_failed(fake_qbittorrent, book):
    digest = stuck(fake_qbittorrent, "Calibans War.mp3")
    download = sent(book, digest)
    fake_qbittorrent.remove(digest)
    monitor()
    stuck(fake_qbittorrent, "Calibans War.mp3")
    monitor()
    fake_qbittorrent.remove(digest)

    monitor()

    download.refresh_from_db()
    assert download.status == Download.SENT


def test_an_unreachable_qbittorrent_skips_the_run_and_counts_nothing_as_removed(book, settings):
    settings.QBITTORRENT_URL = "http://127.0.0.1:9"
    download = sent(book, digest_of("somewhere"))

    first, second = monitor(), monitor()

    assert (first.status, second.status) == (Task.SKIPPED, Task.SKIPPED)
    assert "cannot reach the Web UI" in second.error_message
    download.refresh_from_db()
    assert (download.status, download.missing_listings) == (Download.SENT, 0)


def test_a_torrent_stalled_without_seeders_past_the_limit_is_failed(
    fake_qbittorrent, book, settings
):
    settings.DOWNLOAD_STALLED_MINUTES = 60
    download = sent(book, stuck(fake_qbittorrent, "Calibans War.mp3"))
    monitor()
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        monitor()

    download.refresh_from_db()
    assert download.status == Download.FAILED
    assert download.error_message.startswith("stalled: no progress and no seeder for 60 minutes")


def test_a_stalled_torrent_is_given_the_whole_limit(fake_qbittorrent, book, settings):
    settings.DOWNLOAD_STALLED_MINUTES = 60
    download = sent(book, stuck(fake_qbittorrent, "Calibans War.mp3"))
    monitor()
    with time_machine.travel(timezone.now() + timedelta(minutes=59)):
        monitor()

    download.refresh_from_db()
    assert download.status == Download.SENT


@pytest.mark.parametrize(
    "fields",
    [{"num_seeds": 1}, {"state": "stoppedDL"}, {"state": "queuedDL"}],
    ids=["a seeder seen", "stopped by hand", "queued"],
)
def test_a_slow_torrent_with_a_seeder_or_waiting_is_not_stalled(
    fake_qbittorrent, book, settings, fields
):
    settings.DOWNLOAD_STALLED_MINUTES = 60
    digest = stuck(fake_qbittorrent, "Calibans War.mp3")
    download = sent(book, digest)
    fake_qbittorrent.set(digest, **fields)
    monitor()
    with time_machine.travel(timezone.now() + timedelta(minutes=120)):
        monitor()

    download.refresh_from_db()
    assert download.status == Download.SENT


def test_progress_restarts_the_stall_clock(fake_qbittorrent, book, settings):
    settings.DOWNLOAD_STALLED_MINUTES = 60
    digest = stuck(fake_qbittorrent, "Calibans War.mp3")
    download = sent(book, digest)
    start = timezone.now()
    monitor()
    with time_machine.travel(start + timedelta(minutes=50)):
        fake_qbittorrent.set(digest, progress=0.3)
        monitor()
    with time_machine.travel(start + timedelta(minutes=100)):
        monitor()

    download.refresh_from_db()
    assert download.status == Download.SENT


def test_an_imported_torrent_removed_after_seeding_is_not_failed(fake_qbittorrent, shelf, book):
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    download = sent(book, digest)
    monitor()
    fake_qbittorrent.remove(digest)

    monitor()
    monitor()

    download.refresh_from_db()
    book.refresh_from_db()
    assert (download.status, book.status) == (Download.IMPORTED, Book.OWNED)
    assert download.client_state == "removed"  # seeding is over: no longer followed
    assert not Blocklist.objects.exists()


def test_a_failure_is_notified_with_its_reason(fake_qbittorrent, book, settings, service_server):
    receiver = service_server()
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    settings.NOTIFY_URLS = [f"json://127.0.0.1:{receiver.port}/hook"]
    settings.NOTIFY_EVENTS = ["download_failed"]
    sent(book, stuck(fake_qbittorrent, "Calibans War.mp3", state="error"))

    monitor()
    monitor()

    [message] = [json.loads(request.get_data()) for request, _ in receiver.log]
    assert message["message"] == "Caliban's War: qBittorrent reports the torrent as error"


def test_the_next_choice_skips_a_release_blocklisted_for_the_book(book):
    torrents = [
        parse_torrent(mam_item(501, "Caliban's War", authors=["James S. A. Corey"], seeders=30)),
        parse_torrent(mam_item(502, "Caliban's War", authors=["James S. A. Corey"], seeders=3)),
    ]
    assert choose_release(book, torrents).id == 501
    failed = sent(book, digest_of("x"), mam_id=501)
    Blocklist.objects.create(book=book, release=failed.release, reason="stalled")

    assert choose_release(book, torrents).id == 502
