"""download_monitor, completed downloads: imported onto the shelf, seeding kept.

Against the fake qBittorrent (4.5 and 5.2 where the versions differ), with real audio
files on disk; the real qbittorrent-nox runs in test_monitor_qbittorrent.py.
"""

import errno
import os

import pytest

from catalog import importer
from catalog.models import Book, BookLocation, Download
from catalog.tests.monitoring import (
    downloading_book,
    monitor,
    sent,
    snapshot,
    torrent_content,
)
from scheduling.models import Task

pytestmark = pytest.mark.django_db(transaction=True)
BOOK_FOLDER = ("James S. A. Corey", "The Expanse", "Book 2 - Caliban's War")


@pytest.fixture
def book():
    return downloading_book()


@pytest.mark.parametrize("fake_qbittorrent", ["4.5", "5.2"], indirect=True)
def test_a_completed_download_is_hardlinked_into_the_library_under_the_layout(
    fake_qbittorrent, shelf, book
):
    digest, source = torrent_content(fake_qbittorrent, "Calibans War [mp3]", state="stoppedUP")
    download = sent(book, digest)

    task = monitor()

    assert task.status == Task.COMPLETED, task.error_message
    folder = shelf.joinpath(*BOOK_FOLDER)
    assert sorted(p.name for p in folder.iterdir()) == ["01.mp3", "02.mp3"]
    assert (folder / "01.mp3").stat().st_ino == (source / "01.mp3").stat().st_ino
    download.refresh_from_db()
    assert (download.status, download.import_path) == (Download.IMPORTED, str(folder))
    assert fake_qbittorrent.torrents[digest]  # still in qBittorrent, seeding


def test_the_book_becomes_owned_with_its_folder_and_runtime(fake_qbittorrent, shelf, book):
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    sent(book, digest)

    monitor()

    book.refresh_from_db()
    location = BookLocation.objects.get()
    assert book.status == Book.OWNED
    assert (location.book, location.source) == (book, BookLocation.IMPORT)
    assert location.path == str(shelf.joinpath(*BOOK_FOLDER))
    assert location.library_root == str(shelf)
    assert location.runtime_seconds == 4  # two files of two seconds
    assert (location.audio_format, location.file_count) == ("mp3", 2)


def test_only_the_audio_and_one_cover_are_imported(fake_qbittorrent, shelf, book):
    digest, _ = torrent_content(
        fake_qbittorrent,
        "Calibans War [mp3]",
        others=[("cover.jpg", b"\xff\xd8jpeg"), ("back.png", b"png"), ("info.nfo", b"nfo")],
    )
    sent(book, digest)

    monitor()

    folder = shelf.joinpath(*BOOK_FOLDER)
    assert sorted(p.name for p in folder.iterdir()) == ["01.mp3", "02.mp3", "cover.jpg"]


def test_a_book_without_a_series_goes_to_author_and_title(fake_qbittorrent, shelf):
    book = downloading_book("Persepolis Rising: A Novel?", series=None)
    digest, _ = torrent_content(fake_qbittorrent, "Persepolis")
    sent(book, digest)

    monitor()

    assert (shelf / "James S. A. Corey" / "Persepolis Rising A Novel").is_dir()


def test_folders_of_parts_are_folded_into_the_file_names_but_disc_folders_stay(
    fake_qbittorrent, shelf, book
):
    digest, _ = torrent_content(
        fake_qbittorrent,
        "Calibans War",
        audio=("Part One/01.mp3", "Part Two/01.mp3", "CD1/03.mp3"),
    )
    sent(book, digest)

    monitor()

    folder = shelf.joinpath(*BOOK_FOLDER)
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.mp3")) == [
        "CD1/03.mp3",
        "Part One - 01.mp3",
        "Part Two - 01.mp3",
    ]


def test_running_the_monitor_again_changes_nothing(fake_qbittorrent, shelf, book):
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    download = sent(book, digest)
    monitor()
    before = (snapshot(shelf), list(Download.objects.values()), BookLocation.objects.count())

    task = monitor()

    assert task.status == Task.COMPLETED
    assert (snapshot(shelf), list(Download.objects.values()), BookLocation.objects.count()) == (
        before
    )
    download.refresh_from_db()
    assert download.status == Download.IMPORTED


def test_a_crash_after_placing_the_files_is_repaired_on_the_next_run(
    fake_qbittorrent, shelf, book, monkeypatch
):
    digest, source = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    download = sent(book, digest)

    def crash(*args):
        raise RuntimeError("the power went out")

    with monkeypatch.context() as patched:
        patched.setattr(importer, "record", crash)
        assert monitor().status == Task.FAILED
    download.refresh_from_db()
    assert download.status == Download.COMPLETED

    assert monitor().status == Task.COMPLETED

    download.refresh_from_db()
    folder = shelf.joinpath(*BOOK_FOLDER)
    assert (download.status, download.import_path) == (Download.IMPORTED, str(folder))
    assert (folder / "02.mp3").stat().st_ino == (source / "02.mp3").stat().st_ino
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no second copy


def test_a_folder_with_other_content_blocks_the_import_and_is_left_alone(
    fake_qbittorrent, shelf, book
):
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    download = sent(book, digest)
    folder = shelf.joinpath(*BOOK_FOLDER)
    folder.mkdir(parents=True)
    (folder / "mine.mp3").write_bytes(b"someone else's")

    assert monitor().items_failed == 1

    download.refresh_from_db()
    assert download.status == Download.IMPORT_BLOCKED
    assert download.error_message == f"{folder} already exists with other content"
    assert [p.name for p in folder.iterdir()] == ["mine.mp3"]
    book.refresh_from_db()
    assert book.status == Book.DOWNLOADING


def test_a_torrent_without_audio_blocks_the_import(fake_qbittorrent, shelf, book):
    digest, _ = torrent_content(
        fake_qbittorrent, "Calibans War [epub]", audio=(), others=[("book.epub", b"epub")]
    )
    download = sent(book, digest)

    monitor()

    download.refresh_from_db()
    assert download.status == Download.IMPORT_BLOCKED
    assert download.error_message == "the torrent has no audio files to import"
    assert list(shelf.iterdir()) == []


def test_a_failure_halfway_leaves_nothing_half_copied(fake_qbittorrent, shelf, book, monkeypatch):
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    download = sent(book, digest)
    real_link = os.link
    calls = []

    def link_then_refuse(source, destination):
        calls.append(destination)
        if len(calls) == 2:
            raise PermissionError(errno.EACCES, "Permission denied", str(destination))
        real_link(source, destination)

    monkeypatch.setattr(importer.os, "link", link_then_refuse)

    monitor()

    download.refresh_from_db()
    assert download.status == Download.IMPORT_BLOCKED
    assert download.error_message.startswith("permission denied")
    assert list(shelf.iterdir()) == []  # no staging folder, no empty author folder


def test_across_filesystems_the_files_are_copied(fake_qbittorrent, shelf, book, monkeypatch):
    digest, source = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    sent(book, digest)

    def other_filesystem(source, destination):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(importer.os, "link", other_filesystem)

    monitor()

    imported = shelf.joinpath(*BOOK_FOLDER, "01.mp3")
    assert imported.read_bytes() == (source / "01.mp3").read_bytes()
    assert imported.stat().st_ino != (source / "01.mp3").stat().st_ino


def test_copy_mode_copies(fake_qbittorrent, shelf, book, settings):
    settings.IMPORT_MODE = "copy"
    digest, source = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    sent(book, digest)

    monitor()

    imported = shelf.joinpath(*BOOK_FOLDER, "01.mp3")
    assert imported.stat().st_ino != (source / "01.mp3").stat().st_ino


def test_the_path_map_translates_the_path_qbittorrent_reports(
    fake_qbittorrent, shelf, book, settings
):
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    fake_qbittorrent.set(digest, save_path="/data/torrents")
    settings.DOWNLOAD_PATH_MAP = [("/data/torrents", fake_qbittorrent.save_path)]
    download = sent(book, digest)

    monitor()

    download.refresh_from_db()
    assert download.status == Download.IMPORTED


def test_a_path_the_map_does_not_cover_blocks_the_import(fake_qbittorrent, shelf, book, settings):
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    fake_qbittorrent.set(digest, save_path="/elsewhere")
    settings.DOWNLOAD_PATH_MAP = [("/data/torrents", fake_qbittorrent.save_path)]
    download = sent(book, digest)

    monitor()

    download.refresh_from_db()
    assert download.status == Download.IMPORT_BLOCKED
    assert "/elsewhere is under no remote folder of DOWNLOAD_PATH_MAP" in download.error_message


def test_completed_downloads_wait_while_no_import_folder_is_set(fake_qbittorrent, book, settings):
    settings.LIBRARY_IMPORT_PATH = ""
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    download = sent(book, digest)

    task = monitor()

    download.refresh_from_db()
    assert download.status == Download.COMPLETED
    assert "LIBRARY_IMPORT_PATH (or LIBRARY_PATHS) is not set" in task.log_output


def test_completed_downloads_wait_while_the_import_folder_is_missing(
    fake_qbittorrent, book, settings, tmp_path
):
    settings.LIBRARY_IMPORT_PATH = str(tmp_path / "unmounted")
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    download = sent(book, digest)

    task = monitor()

    download.refresh_from_db()
    assert download.status == Download.COMPLETED
    assert "is not a folder (not mounted?)" in task.log_output
    assert not (tmp_path / "unmounted").exists()  # nothing written where a disk belongs


def test_a_download_still_downloading_is_left_to_download(fake_qbittorrent, shelf, book):
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]", state="downloading")
    fake_qbittorrent.set(digest, progress=0.42, num_seeds=3, ratio=0.1)
    download = sent(book, digest)

    monitor()

    download.refresh_from_db()
    assert (download.status, download.client_state) == (Download.SENT, "downloading")
    assert (download.progress, download.seeders, download.ratio) == (0.42, 3, 0.1)
    assert list(shelf.iterdir()) == []
