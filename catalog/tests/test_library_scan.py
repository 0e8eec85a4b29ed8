"""The library scan against the catalog: what is on disk becomes owned, matched or created,
only changes are re-read, and a folder gone (or a root asleep) is handled as a person would
want. Real audio, made by ffmpeg and tagged by mutagen."""

import gc
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Author, Book, BookLocation, Series, ShelfReview
from catalog.shelf.scan import scan
from catalog.tests.shelf_audio import audio_file
from scheduling import health
from scheduling.models import FailedAttempt, ServiceCheck, Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_health():
    health.forget_cache()  # an earlier test's identical record must not hold this one back


def book(title, *authors, **fields):
    created = Book.objects.create(title=title, **fields)
    created.authors.set(Author.objects.get_or_create(name=name)[0] for name in authors)
    return created


def state():
    """Everything a scan writes, to compare before and after."""
    return (
        list(Book.objects.values_list("pk", "title", "status", "runtime_minutes", "narrators")),
        list(BookLocation.objects.values_list("pk", "path", "fingerprint", "missing_since")),
        ShelfReview.objects.count(),
    )


def test_an_unknown_book_is_created_owned_with_its_authors_and_series(library, tones):
    audio_file(
        tones, library / "James S. A. Corey" / "The Expanse" / "Book 1 - Leviathan Wakes" / "01.m4b"
    )

    summary = scan([str(library)])

    created = Book.objects.get()
    assert (created.title, created.status, created.source) == (
        "Leviathan Wakes",
        Book.OWNED,
        "library",
    )
    assert [a.name for a in created.authors.all()] == ["James S. A. Corey"]
    assert (created.series.name, created.series_position) == ("The Expanse", "1")
    assert (summary.books, summary.created) == (1, 1)


def test_a_catalog_book_becomes_owned_and_gets_runtime_narrators_and_series(library, tones):
    wanted = book("Project Hail Mary", "Andy Weir", status=Book.WANTED)
    audio_file(tones, library / "Andy Weir" / "Project Hail Mary {Ray Porter}" / "01.mp3")

    summary = scan([str(library)])

    wanted.refresh_from_db()
    assert (wanted.status, wanted.narrators, wanted.runtime_minutes) == (
        Book.OWNED,
        "Ray Porter",
        1,
    )
    assert summary.matched == 1 and Book.objects.count() == 1
    assert wanted.locations.get().path == str(
        library / "Andy Weir" / "Project Hail Mary {Ray Porter}"
    )


def test_fields_the_catalog_has_or_staff_locked_are_left_alone(library, tones):
    series = Series.objects.create(name="Hail Mary Cycle")
    wanted = book(
        "Project Hail Mary", "Andy Weir", series=series, series_position="4",
        locked_fields=["narrators"],
    )  # fmt: skip
    audio_file(
        tones,
        library / "Andy Weir" / "Other Series" / "Vol 1 - Project Hail Mary {Ray Porter}" / "1.mp3",
    )

    scan([str(library)])

    wanted.refresh_from_db()
    assert (wanted.narrators, wanted.series.name, wanted.series_position) == (
        "",
        "Hail Mary Cycle",
        "4",
    )


def test_a_book_is_found_by_its_asin_whatever_its_title(library, tones):
    known = book("Leviathan Wakes: The Expanse, Book 1", "James S.A. Corey", asin="B073H9PF2D")
    audio_file(tones, library / "x" / "Some Folder [B073H9PF2D]" / "01.mp3")

    scan([str(library)])

    assert Book.objects.get() == known and known.locations.count() == 1


def test_a_book_is_found_by_its_isbn(library, tones):
    known = book("Red Rising", "Pierce Brown", isbn_13="9780345539786")
    audio_file(
        tones, library / "x" / "y" / "01.mp3", album="Red Rising (Unabridged)", isbn="0345539788"
    )

    scan([str(library)])

    assert list(Book.objects.all()) == [known]


def test_two_copies_of_a_book_are_one_book_with_two_locations(library, tones, tmp_path):
    audio_file(tones, library / "Frank Herbert" / "Dune" / "Dune.m4b")
    audio_file(tones, tmp_path / "mp3" / "Frank Herbert" / "Dune" / "01.mp3")

    scan([str(library), str(tmp_path / "mp3")])

    dune = Book.objects.get()
    assert sorted(dune.locations.values_list("audio_format", flat=True)) == ["m4b", "mp3"]


def test_rescanning_an_unchanged_library_changes_nothing(library, tones):
    audio_file(tones, library / "Frank Herbert" / "Dune" / "01.mp3")
    audio_file(tones, library / "Andy Weir" / "The Martian" / "01.mp3")
    scan([str(library)])
    before = state()

    summary = scan([str(library)])

    assert state() == before
    assert (summary.books, summary.unchanged, summary.matched, summary.created) == (2, 2, 0, 0)


def test_only_a_changed_book_is_read_again(library, tones):
    audio_file(tones, library / "Frank Herbert" / "Dune" / "01.mp3")
    changed = audio_file(tones, library / "Andy Weir" / "The Martian" / "01.mp3")
    scan([str(library)])

    audio_file(tones, changed, composer="R. C. Bray")
    summary = scan([str(library)])

    assert (summary.unchanged, summary.matched) == (1, 1)
    assert Book.objects.get(title="The Martian").narrators == "R. C. Bray"


WORDS = "Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima".split()


def test_changed_folders_are_written_in_the_same_few_queries_however_many_changed(library, tones):
    files = [audio_file(tones, library / "Ann Leckie" / word / "01.mp3") for word in WORDS]
    scan([str(library)])

    def rescan_after_retagging(count):
        for path in files[:count]:
            audio_file(tones, path, composer=f"Reader {count}")
        with CaptureQueriesContext(connection) as queries:
            summary = scan([str(library)])
        assert (summary.matched, summary.unchanged) == (count, len(WORDS) - count)
        return len(queries)

    assert rescan_after_retagging(2) == rescan_after_retagging(len(WORDS))
    assert Book.objects.get(title="Alpha").narrators == "Reader 2"  # filled once, then kept
    assert Book.objects.get(title="Lima").narrators == f"Reader {len(WORDS)}"
    assert scan([str(library)]).unchanged == len(WORDS)  # what was written is what is there


def test_a_removed_folder_makes_its_book_no_longer_owned_but_keeps_it(library, tones):
    wanted = book("The Martian", "Andy Weir", status=Book.WANTED)
    folder = library / "Andy Weir" / "The Martian"
    audio_file(tones, folder / "01.mp3")
    audio_file(tones, library / "Frank Herbert" / "Dune" / "01.mp3")
    scan([str(library)])

    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    summary = scan([str(library)])

    wanted.refresh_from_db()
    assert wanted.status == Book.WANTED and summary.no_longer_owned == 1
    assert wanted.locations.get().missing_since is not None
    assert Book.objects.get(title="Dune").status == Book.OWNED


def test_a_folder_back_again_is_owned_again(library, tones):
    folder = library / "Andy Weir" / "The Martian"
    audio_file(tones, folder / "01.mp3")
    audio_file(tones, library / "Frank Herbert" / "Dune" / "01.mp3")
    scan([str(library)])
    (folder / "01.mp3").rename(library / "kept.bin")
    scan([str(library)])

    (library / "kept.bin").rename(folder / "01.mp3")
    scan([str(library)])

    martian = Book.objects.get(title="The Martian")
    assert martian.status == Book.OWNED and martian.locations.get().missing_since is None


def test_a_missing_root_is_skipped_and_its_books_stay_owned(library, tones, settings):
    audio_file(tones, library / "Frank Herbert" / "Dune" / "01.mp3")
    run_task("library_scan", Task.CLI)
    library.rename(library.with_name("unmounted"))

    task = run_task("library_scan", Task.CLI)

    assert Book.objects.get().status == Book.OWNED
    assert "does not exist" in task.log_output
    check = ServiceCheck.objects.get(service="library")
    assert not check.ok and "does not exist (not mounted?)" in check.summary


def test_a_suddenly_empty_root_is_not_read_as_every_book_removed(library, tones):
    audio_file(tones, library / "Frank Herbert" / "Dune" / "01.mp3")
    scan([str(library)])
    (library / "Frank Herbert" / "Dune" / "01.mp3").unlink()

    summary = scan([str(library)])

    assert Book.objects.get().status == Book.OWNED and summary.no_longer_owned == 0
    assert "holds no books now but 1 were there" in summary.skipped_roots[0][1]


def test_a_folder_the_download_importer_placed_is_the_same_book(library, tones):
    downloaded = book("Calibans War", "James S. A. Corey", status=Book.OWNED)
    folder = library / "James S. A. Corey" / "The Expanse" / "Book 2 - Calibans War"
    audio_file(tones, folder / "01.mp3")
    BookLocation.objects.create(book=downloaded, source=BookLocation.IMPORT, path=str(folder))

    summary = scan([str(library)])

    assert list(Book.objects.all()) == [downloaded]
    assert list(BookLocation.objects.values_list("source", flat=True)) == [BookLocation.IMPORT]
    assert summary.matched == 1


def test_a_folder_the_importer_placed_in_a_format_it_takes_stays_owned(library, tones):
    # The importer takes .mp4 audio (among others): the scan must see that folder too, or
    # the next scan marks the imported copy missing and the book no longer owned.
    downloaded = book("Calibans War", "James S. A. Corey", status=Book.OWNED)
    folder = library / "James S. A. Corey" / "Calibans War"
    audio_file(tones, folder / "01.m4a").rename(folder / "01.mp4")
    BookLocation.objects.create(book=downloaded, source=BookLocation.IMPORT, path=str(folder))
    audio_file(tones, library / "Ann Leckie" / "Ancillary Justice" / "01.mp3")  # not empty

    scan([str(library)])

    downloaded.refresh_from_db()
    assert downloaded.status == Book.OWNED
    assert BookLocation.objects.get(path=str(folder)).missing_since is None


def test_a_title_whose_authors_only_partly_agree_waits_for_review(library, tones):
    known = book("Dune", "Frank Herbert")
    audio_file(tones, library / "Frank Herbert & Brian Herbert" / "Dune" / "01.mp3")

    summary = scan([str(library)])

    review = ShelfReview.objects.get()
    assert (review.suggested, review.found["title"], summary.review) == (known, "Dune", 1)
    assert known.locations.count() == 0 and Book.objects.count() == 1


def test_two_catalog_books_it_could_be_wait_for_review(library, tones):
    first, second = book("The Stand", "Stephen King"), book("The Stand", "Stephen King")
    audio_file(tones, library / "Stephen King" / "The Stand" / "01.mp3")

    scan([str(library)])

    review = ShelfReview.objects.get()
    assert {review.suggested, review.other} == {first, second}


def test_a_book_waiting_for_review_is_not_asked_again_on_rescan(library, tones):
    book("Dune", "Frank Herbert")
    audio_file(tones, library / "Frank Herbert & Brian Herbert" / "Dune" / "01.mp3")
    scan([str(library)])
    created = ShelfReview.objects.get().created

    summary = scan([str(library)])

    assert (summary.unchanged, ShelfReview.objects.get().created) == (1, created)


def test_unreadable_files_are_failed_items_of_the_run_with_their_path(library, tones):
    audio_file(tones, library / "A" / "Good" / "01.mp3")
    (library / "A" / "Bad").mkdir()
    (library / "A" / "Bad" / "01.m4b").write_bytes(b"")

    task = run_task("library_scan", Task.CLI)

    assert task.status == Task.COMPLETED
    failure = FailedAttempt.objects.get()
    assert failure.item_key == str(library / "A" / "Bad" / "01.m4b")
    assert "zero-byte" in failure.error_message


def test_the_job_is_skipped_with_a_reason_when_no_library_is_configured(settings):
    settings.LIBRARY_PATHS, settings.AUDIOBOOKSHELF_URL = [], ""

    task = run_task("library_scan", Task.CLI)

    assert task.status == Task.SKIPPED and "set LIBRARY_PATHS" in task.error_message


def test_the_job_runs_hourly_at_a_quarter_past_by_default():
    from scheduling import registry

    job = registry.get("library_scan")
    assert (job.default_schedule, job.enabled) == ("15 * * * *", True)


def test_a_healthy_scan_says_so(library, tones):
    audio_file(tones, library / "Frank Herbert" / "Dune" / "01.mp3")

    run_task("library_scan", Task.CLI)

    check = ServiceCheck.objects.get(service="library")
    assert check.ok and "1 book found" in check.summary and check.checked_at <= timezone.now()


def test_a_file_read_well_again_is_no_longer_a_failed_item(library, tones):
    bad = library / "A" / "Book" / "02.mp3"
    audio_file(tones, library / "A" / "Book" / "01.mp3")
    bad.write_bytes(b"ID3" + b"\x00" * 64)
    run_task("library_scan", Task.CLI)
    assert FailedAttempt.objects.open().get().item_key == str(bad)

    audio_file(tones, bad)
    run_task("library_scan", Task.CLI)

    assert not FailedAttempt.objects.open().exists()


def test_a_failed_file_in_an_unchanged_folder_stays_failed(library, tones):
    audio_file(tones, library / "A" / "Book" / "01.mp3")
    (library / "A" / "Book" / "02.flac").write_bytes(b"fLaC" + b"\x00" * 64)
    run_task("library_scan", Task.CLI)

    run_task("library_scan", Task.CLI)

    assert FailedAttempt.objects.open().count() == 1


def test_the_garbage_collector_runs_again_after_a_scan_even_one_that_failed(library, tones):
    audio_file(tones, library / "Frank Herbert" / "Dune" / "01.mp3")
    scan([str(library)])
    assert gc.isenabled()
    with mock.patch("catalog.shelf.scan.Shelf.take_all", side_effect=RuntimeError("a bug")):
        with pytest.raises(RuntimeError):
            scan([str(library)], shelf=None)
    assert gc.isenabled()
