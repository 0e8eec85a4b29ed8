"""manage.py importlibrary: the library scan in the foreground, with what it found."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Book, BookLocation, ShelfReview
from catalog.shelf import folders
from catalog.tests.shelf_audio import audio_file
from scheduling.tests.processes import ProcessDatabase, manage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def library(tmp_path, tones, settings):
    settings.LIBRARY_PATHS, settings.AUDIOBOOKSHELF_URL = [], ""
    audio_file(tones, tmp_path / "Frank Herbert" / "Dune" / "01.mp3")
    audio_file(tones, tmp_path / "Andy Weir" / "The Martian" / "01.m4b")
    (tmp_path / "Andy Weir" / "Broken").mkdir()
    (tmp_path / "Andy Weir" / "Broken" / "01.mp3").write_bytes(b"")
    return tmp_path


def importlibrary(*args):
    out, err = StringIO(), StringIO()
    call_command("importlibrary", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_folder_and_says_what_it_found(library):
    out, err = importlibrary(str(library))

    assert "2 books found: 0 matched, 2 created, 0 for review" in out
    assert f"Unreadable: {library}/Andy Weir/Broken/01.mp3: an empty (zero-byte) audio file" in out
    assert Book.objects.filter(status=Book.OWNED).count() == 2
    assert "2/2" in err  # the progress bar


def test_a_dry_run_says_the_same_and_writes_nothing(library):
    out, _ = importlibrary(str(library), "--dry-run")

    assert "Dry run, nothing written. 2 books found: 0 matched, 2 created" in out
    assert (Book.objects.count(), BookLocation.objects.count(), ShelfReview.objects.count()) == (
        0,
        0,
        0,
    )


def test_without_a_path_it_reads_library_paths(library, settings):
    settings.LIBRARY_PATHS = [str(library)]

    out, _ = importlibrary()

    assert "2 created" in out


def test_a_relative_path_is_refused(library):
    with pytest.raises(CommandError, match="expected an absolute folder"):
        importlibrary("audiobooks")


def test_a_missing_folder_is_reported_as_skipped(tmp_path):
    out, _ = importlibrary(str(tmp_path / "nas"))

    assert f"; skipped: {tmp_path}/nas does not exist (not mounted?)." in out


def test_it_imports_audiobookshelf_when_asked(library, audiobookshelf):
    from catalog.tests.fakes.audiobookshelf import abs_item

    audiobookshelf.items = [abs_item("li-1", "Dune", authors=["Frank Herbert"])]

    out, _ = importlibrary("--audiobookshelf")

    assert "1 book found: 0 matched, 1 created" in out
    assert Book.objects.get().locations.get().source == BookLocation.AUDIOBOOKSHELF


def test_a_refused_audiobookshelf_key_is_one_clear_error(library, audiobookshelf, settings):
    settings.AUDIOBOOKSHELF_TOKEN = "wrong-key-xyz"

    with pytest.raises(CommandError, match="check AUDIOBOOKSHELF_TOKEN") as error:
        importlibrary("--audiobookshelf")

    assert "wrong-key-xyz" not in str(error.value)


@pytest.mark.slow
def test_a_large_import_from_the_command_line_reads_its_tags_in_other_processes(tmp_path, tones):
    library, count = tmp_path / "library", folders.PARALLEL_FROM + 20
    for n in range(count):
        audio_file(tones, library / f"Author {n % 7}" / f"Title number {n}" / "01.mp3",
                   album=f"Title number {n}", artist=f"Author {n % 7}")  # fmt: skip
    database = ProcessDatabase(tmp_path)
    try:
        done = manage("importlibrary", str(library), env=database.env, check=True, timeout=300)

        assert f"{count} books found: 0 matched, {count} created, 0 for review" in done.stdout
        assert "in this process" not in done.stdout + done.stderr  # the pool was not lost
        assert database.query("SELECT COUNT(*) FROM catalog_booklocation") == [(count,)]
    finally:
        database.drop()
