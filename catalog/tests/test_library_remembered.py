"""A book folder whose own modification time has not changed is not listed again: its
listing is remembered, its files only stat'ed. What changes in it must still be seen, and
what a file system hides from folder times is seen at the latest when listings are made
again (LIBRARY_FULL_LISTING_HOURS). Real audio, made by ffmpeg and tagged by mutagen."""

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Book, BookLocation
from catalog.shelf import folders as folders_module
from catalog.shelf.scan import scan
from catalog.tests.shelf_audio import audio_file

pytestmark = pytest.mark.django_db(transaction=True)
AN_HOUR_AGO = time.time() - 3600


def remembered_book(library, tones, *names):
    """Dune by Frank Herbert, these audio files in its folder, settled and scanned: the
    folder's listing remembered. -> its folder."""
    folder = library / "Frank Herbert" / "Dune"
    for name in names:
        audio_file(tones, folder / name)
    settled(library)
    scan([str(library)])
    return folder


def settled(root):
    """Every folder under root last changed an hour ago (as a library is, between scans)."""
    for folder, _, _ in os.walk(root):
        os.utime(folder, (AN_HOUR_AGO, AN_HOUR_AGO))


def behind_the_folders_back(folder, change):
    """change() made in a folder whose time is then put back, as some file systems keep
    folder times (mergerfs, NFS's cached attributes): a change no folder time shows."""
    before = folder.stat().st_mtime_ns
    change()
    os.utime(folder, ns=(before, before))


@pytest.fixture
def listed(monkeypatch):
    """The folders os.scandir lists from now on."""
    paths, listing = [], os.scandir

    def recorded(path):
        paths.append(str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", recorded)
    return paths


def files_of(title):
    return Book.objects.get(title=title).locations.get().file_count


def test_an_unchanged_book_folder_is_not_listed_again(library, tones, listed):
    folder = remembered_book(library, tones, "01.mp3")
    listed.clear()

    summary = scan([str(library)])

    assert summary.unchanged == 1 and str(folder) not in listed
    assert str(library / "Frank Herbert") in listed  # the folders above a book are listed


def test_a_file_added_to_a_remembered_folder_is_seen(library, tones):
    folder = remembered_book(library, tones, "01.mp3")

    audio_file(tones, folder / "02.mp3")
    summary = scan([str(library)])

    assert summary.matched == 1 and files_of("Dune") == 2


def test_a_file_retagged_in_a_remembered_folder_is_read_again(library, tones):
    path = audio_file(tones, library / "Andy Weir" / "The Martian" / "01.mp3")
    settled(library)
    scan([str(library)])

    audio_file(tones, path, composer="R. C. Bray")  # rewritten in place: the folder unchanged
    summary = scan([str(library)])

    assert summary.matched == 1 and Book.objects.get(title="The Martian").narrators == "R. C. Bray"


def test_a_file_renamed_in_a_remembered_folder_unseen_by_its_time_is_seen(library, tones):
    folder = remembered_book(library, tones, "01.mp3", "02.mp3")

    behind_the_folders_back(folder, lambda: (folder / "02.mp3").rename(folder / "03.mp3"))
    summary = scan([str(library)])

    assert summary.matched == 1 and files_of("Dune") == 2


def test_a_file_emptied_in_a_remembered_folder_is_an_unreadable_file(library, tones):
    folder = remembered_book(library, tones, "01.mp3", "02.mp3")

    (folder / "02.mp3").write_bytes(b"")
    summary = scan([str(library)])

    assert [(os.path.basename(u.path), u.reason) for u in summary.unreadable] == [
        ("02.mp3", "an empty (zero-byte) audio file")
    ]
    assert files_of("Dune") == 1


def test_a_folder_changed_moments_before_the_scan_is_listed_again_next_time(library, tones):
    folder = library / "Frank Herbert" / "Dune"
    audio_file(tones, folder / "01.mp3")
    scan([str(library)])  # the folder's time is a moment ago: a change now could share it

    behind_the_folders_back(folder, lambda: audio_file(tones, folder / "02.mp3"))
    scan([str(library)])

    assert files_of("Dune") == 2


def test_a_link_in_a_book_folder_that_becomes_a_disc_folder_is_seen(library, tones, tmp_path):
    folder = library / "Frank Herbert" / "Dune"
    audio_file(tones, folder / "01.mp3")
    os.symlink(tmp_path / "elsewhere" / "CD2", folder / "CD2")  # its target not there yet
    settled(library)
    scan([str(library)])

    audio_file(tones, tmp_path / "elsewhere" / "CD2" / "02.mp3")  # the folder itself unchanged
    scan([str(library)])

    assert files_of("Dune") == 2


def test_every_folder_is_listed_again_once_its_listing_is_older_than_the_setting(library, tones):
    folder = remembered_book(library, tones, "01.mp3")
    behind_the_folders_back(folder, lambda: audio_file(tones, folder / "02.mp3"))
    scan([str(library)])
    assert files_of("Dune") == 1  # trusted: what the folder's time hides is not seen yet

    BookLocation.objects.update(listed_at=timezone.now() - timedelta(hours=25))
    scan([str(library)])

    location = Book.objects.get(title="Dune").locations.get()
    assert location.file_count == 2
    assert location.listed_at > timezone.now() - timedelta(hours=1)  # and remembered anew


def test_an_unchanged_folder_listed_again_is_remembered_again(library, tones, listed):
    folder = remembered_book(library, tones, "01.mp3")
    BookLocation.objects.update(listed_at=timezone.now() - timedelta(hours=25))
    scan([str(library)])  # listed again: nothing changed
    listed.clear()

    summary = scan([str(library)])

    assert summary.unchanged == 1 and str(folder) not in listed


def test_with_the_setting_at_zero_every_folder_is_listed_at_every_scan(library, tones, settings):
    settings.LIBRARY_FULL_LISTING_HOURS = 0
    folder = remembered_book(library, tones, "01.mp3")

    behind_the_folders_back(folder, lambda: audio_file(tones, folder / "02.mp3"))
    scan([str(library)])

    assert files_of("Dune") == 2


def test_a_remembered_walk_finds_what_a_full_listing_finds(tmp_path, tones):
    """Sidecars, samples, hidden files and system folders: the same books, signatures and
    all, from memory as from listing every folder."""
    book = tmp_path / "Brandon Sanderson" / "Mistborn" / "Book 1 - The Final Empire"
    audio_file(tones, book / "02.mp3")
    audio_file(tones, book / "01.mp3")
    audio_file(tones, book / "sample.mp3")
    (book / "metadata.json").write_text("{}")
    (book / "b.opf").write_text("<package/>")
    (book / "a.opf").write_text("<package/>")
    (book / "cover.jpg").write_bytes(b"\xff\xd8")
    (book / ".DS_Store").write_bytes(b"\x00")
    (book / "@eaDir").mkdir()
    (book / "Samples").mkdir()
    audio_file(tones, tmp_path / "Andy Weir" / "The Martian" / "The Martian.m4b")
    settled(tmp_path)
    walked = list(folders_module.book_folders(str(tmp_path), [], {}))
    remembered = {folder.path: folder.listing for folder in walked}
    assert all(remembered.values())

    again = list(folders_module.book_folders(str(tmp_path), [], remembered))

    assert [(f.path, f.audio, f.sidecars, f.fingerprint) for f in again] == [
        (f.path, f.audio, f.sidecars, f.fingerprint) for f in walked
    ]
    assert not any(folder.listing for folder in again)  # from memory: nothing new to keep
