"""download_monitor against a real qbittorrent-nox on loopback: real audio files, real
.torrent files with correct piece hashes, no peer anywhere.

A torrent whose content is already in qBittorrent's save path completes after its hash
check; one without content stalls.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from catalog.models import Author, Blocklist, Book, Download
from catalog.tests.fakes import mam_item
from catalog.tests.fakes.content import audio_file, torrent_for
from catalog.tests.monitoring import COREY, monitor
from scheduling.models import Task
from scheduling.runner import run_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.qbittorrent]


@pytest.fixture
def wanted():
    book = Book.objects.create(title="Caliban's War", status=Book.WANTED)
    book.authors.add(Author.objects.create(name=COREY))
    return book


@pytest.fixture
def save_path(real_qbittorrent):
    return real_qbittorrent.root / "downloads"


def content(save_path, name):
    """An audiobook folder in qBittorrent's save path, and its real .torrent."""
    folder = save_path / name
    audio_file(folder / "01.mp3", seconds=2)
    audio_file(folder / "02.mp3", seconds=3, frequency=660)
    return folder, *torrent_for(folder)


def without_content(save_path, name):
    """A real .torrent whose content exists nowhere: no peer, nothing on disk."""
    folder, torrent, digest = content(save_path, name)
    for path in folder.iterdir():
        path.unlink()
    return torrent, digest


def on_mam(mam, tid, torrent, **fields):
    mam.items.append(
        mam_item(tid, "Caliban's War", authors=[COREY], added=datetime.now(UTC), **fields)
    )
    mam.torrents[tid] = torrent


def wait_for(qbittorrent, digest, states, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listed = qbittorrent.list_torrents(hashes=[digest])
        if listed and listed[0]["state"] in states:
            return listed[0]
        time.sleep(0.2)
    raise AssertionError(f"{digest} never reached {states}: {listed}")


def scrape():
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message


def test_a_torrent_with_its_content_in_place_completes_and_is_hardlinked_while_seeding(
    qbittorrent, mam, wanted, save_path, shelf
):
    folder, torrent, digest = content(save_path, "Calibans War placed")
    on_mam(mam, 601, torrent)
    scrape()
    wait_for(qbittorrent, digest, {"stalledUP", "uploading"})

    assert monitor().status == Task.COMPLETED

    download = Download.objects.get()
    imported = shelf / COREY / "Caliban's War"
    assert (download.status, download.import_path) == (Download.IMPORTED, str(imported))
    for name in ("01.mp3", "02.mp3"):
        assert (imported / name).stat().st_ino == (folder / name).stat().st_ino
    [listed] = qbittorrent.list_torrents(hashes=[digest])
    assert listed["state"] in ("stalledUP", "uploading") and listed["progress"] == 1
    wanted.refresh_from_db()
    assert wanted.status == Book.OWNED
    assert wanted.locations.get().runtime_seconds == 5


def test_a_stalled_torrent_is_failed_removed_and_the_next_run_sends_the_other_release(
    qbittorrent, mam, wanted, save_path, shelf, settings
):
    settings.DOWNLOAD_STALLED_MINUTES = 1
    dead_torrent, dead = without_content(save_path, "Calibans War never seeded")
    _, good_torrent, good = content(save_path, "Calibans War seeded")
    on_mam(mam, 701, dead_torrent, seeders=30)
    on_mam(mam, 702, good_torrent, seeders=2, filetype="mp3")
    scrape()
    assert [t["hash"] for t in qbittorrent.list_torrents()] == [dead]
    wait_for(qbittorrent, dead, {"stalledDL"})
    monitor()

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        monitor()
        scrape()

    failed = Download.objects.get(client_hash=dead)
    assert failed.status == Download.FAILED and failed.error_message.startswith("stalled")
    assert Blocklist.objects.get().release.mam_id == 701
    assert [t["hash"] for t in qbittorrent.list_torrents()] == [good]
    assert Download.objects.get(client_hash=good).status == Download.SENT


def test_a_torrent_removed_by_hand_is_failed_after_two_listings(
    qbittorrent, mam, wanted, save_path
):
    torrent, digest = without_content(save_path, "Calibans War removed by hand")
    on_mam(mam, 801, torrent)
    scrape()
    monitor()
    qbittorrent.client.torrents_delete(delete_files=False, torrent_hashes=[digest])

    monitor()
    assert Download.objects.get().status == Download.SENT
    monitor()

    download = Download.objects.get()
    assert download.status == Download.FAILED
    assert download.error_message.startswith("removed from qBittorrent")
    wanted.refresh_from_db()
    assert wanted.status == Book.WANTED
