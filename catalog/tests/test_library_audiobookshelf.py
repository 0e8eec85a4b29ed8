"""The library scan reading Audiobookshelf (a loopback fake answering as its API does):
items page by page, the arrays from batch/get, what changed only, a refused key."""

import pytest

from catalog.models import Book, BookLocation
from catalog.tests.fakes.audiobookshelf import abs_item
from scheduling import health
from scheduling.models import ServiceCheck, Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_health():
    health.forget_cache()  # an earlier test's identical record must not hold this one back


@pytest.fixture(autouse=True)
def _only_audiobookshelf(audiobookshelf, settings):
    settings.LIBRARY_PATHS = []


def expanse_item(number=1, **fields):
    titles = {1: "Leviathan Wakes", 2: "Calibans War", 3: "Abaddons Gate"}
    return abs_item(
        f"li-{number}", titles[number], authors=["James S. A. Corey"], narrators=["Jefferson Mays"],
        series=[("The Expanse", str(number))], duration=20 * 3600 + 50,
        path=f"/audiobooks/Corey/The Expanse/{titles[number]}", **fields,
    )  # fmt: skip


def test_its_books_become_owned_with_authors_narrators_series_and_runtime(audiobookshelf):
    audiobookshelf.items = [expanse_item(1, asin="B073H9PF2D", isbn="9780316129084")]

    task = run_task("library_scan", Task.CLI)

    assert task.status == Task.COMPLETED, task.error_message
    book = Book.objects.get()
    assert (book.title, book.status, book.narrators, book.runtime_minutes) == (
        "Leviathan Wakes",
        Book.OWNED,
        "Jefferson Mays",
        1201,
    )
    assert (book.series.name, book.series_position, book.asin) == ("The Expanse", "1", "B073H9PF2D")
    assert [a.name for a in book.authors.all()] == ["James S. A. Corey"]
    location = book.locations.get()
    assert (location.source, location.path, location.external_id) == (
        BookLocation.AUDIOBOOKSHELF,
        "/audiobooks/Corey/The Expanse/Leviathan Wakes",
        "li-1",
    )


def test_every_page_of_items_is_read(audiobookshelf, settings, monkeypatch):
    monkeypatch.setattr("catalog.clients.audiobookshelf.PAGE_SIZE", 2)
    audiobookshelf.items = [expanse_item(n) for n in (1, 2, 3)]

    run_task("library_scan", Task.CLI)

    assert Book.objects.filter(status=Book.OWNED).count() == 3
    assert audiobookshelf.pages_asked == [("lib-books", 2, 0), ("lib-books", 2, 1)]


def test_only_the_libraries_asked_for_are_read(audiobookshelf, settings):
    audiobookshelf.libraries["lib-other"] = "/other"
    audiobookshelf.items = [expanse_item(1), expanse_item(2, library_id="lib-other")]
    settings.AUDIOBOOKSHELF_LIBRARY_IDS = ["lib-other"]

    run_task("library_scan", Task.CLI)

    assert list(Book.objects.values_list("title", flat=True)) == ["Calibans War"]


def test_a_rescan_of_unchanged_items_changes_nothing(audiobookshelf):
    audiobookshelf.items = [expanse_item(1), expanse_item(2)]
    run_task("library_scan", Task.CLI)
    before = list(BookLocation.objects.values_list("pk", "fingerprint", "last_seen"))

    task = run_task("library_scan", Task.CLI)

    assert list(BookLocation.objects.values_list("pk", "fingerprint", "last_seen")) == before
    assert "2 unchanged" in task.log_output


def test_an_unchanged_item_with_a_very_long_path_is_not_read_again(audiobookshelf):
    # The stored path is cut to its column (1,024 characters): the rescan must compare
    # the item with it as it was stored, or it reads the item again on every scan.
    audiobookshelf.items = [expanse_item(1)]
    audiobookshelf.items[0]["path"] = "/audiobooks/" + "Very Long Folder Name/" * 60
    run_task("library_scan", Task.CLI)

    task = run_task("library_scan", Task.CLI)

    assert "1 unchanged" in task.log_output


def test_an_item_gone_from_audiobookshelf_is_no_longer_owned(audiobookshelf):
    audiobookshelf.items = [expanse_item(1), expanse_item(2)]
    run_task("library_scan", Task.CLI)

    audiobookshelf.items[1]["isMissing"] = True
    run_task("library_scan", Task.CLI)

    assert Book.objects.get(title="Calibans War").status == Book.DISCOVERED
    assert Book.objects.get(title="Leviathan Wakes").status == Book.OWNED


def test_a_refused_key_is_one_clear_error_without_the_key(audiobookshelf, settings):
    settings.AUDIOBOOKSHELF_TOKEN = "wrong-key-xyz"

    task = run_task("library_scan", Task.CLI)

    assert task.status == Task.FAILED
    assert "the API key was refused (HTTP 401): check AUDIOBOOKSHELF_TOKEN" in task.error_message
    assert "wrong-key-xyz" not in task.error_message + task.log_output
    assert not ServiceCheck.objects.get(service="audiobookshelf").ok


def test_the_same_book_in_a_folder_and_in_audiobookshelf_is_one_book(
    audiobookshelf, settings, tmp_path, tones
):
    from catalog.tests.shelf_audio import audio_file

    settings.LIBRARY_PATHS = [str(tmp_path)]
    audio_file(
        tones, tmp_path / "James S. A. Corey" / "The Expanse" / "Book 1 - Leviathan Wakes" / "1.m4b"
    )
    audiobookshelf.items = [expanse_item(1)]

    run_task("library_scan", Task.CLI)

    book = Book.objects.get()
    assert sorted(book.locations.values_list("source", flat=True)) == ["audiobookshelf", "folder"]


def test_a_refused_key_still_leaves_the_folders_read(audiobookshelf, settings, tmp_path, tones):
    from catalog.tests.shelf_audio import audio_file

    settings.LIBRARY_PATHS, settings.AUDIOBOOKSHELF_TOKEN = [str(tmp_path)], "wrong-key-xyz"
    audio_file(tones, tmp_path / "Frank Herbert" / "Dune" / "01.mp3")

    task = run_task("library_scan", Task.CLI)

    assert task.status == Task.FAILED and "AUDIOBOOKSHELF_TOKEN" in task.error_message
    assert Book.objects.get().status == Book.OWNED
    assert ServiceCheck.objects.get(service="library").ok
