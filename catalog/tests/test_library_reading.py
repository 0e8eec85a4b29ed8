"""What the library scan reads from a folder of real audio (made by ffmpeg, tagged by
mutagen): one book per folder, disc folders joined, sidecars, then tags, then the path."""

import json
import multiprocessing
import os
from collections import OrderedDict
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import pytest

from catalog import matching
from catalog.matching import titles
from catalog.models import BookLocation
from catalog.shelf import folders as folders_module
from catalog.shelf import scan as scan_module
from catalog.shelf.folders import book_folders, read_book, read_books
from catalog.tests.shelf_audio import SECONDS, audio_file


def read(root):
    unreadable = []
    books = [
        read_book(f, BookLocation.FOLDER, unreadable) for f in book_folders(str(root), unreadable)
    ]
    return {os.path.relpath(b.path, root): b for b in books if b}, unreadable


def test_a_folder_of_audio_is_one_book_and_its_runtime_is_the_sum(tmp_path, tones):
    for n in (1, 2, 3):
        audio_file(tones, tmp_path / "Andy Weir" / "Project Hail Mary" / f"{n:02}.mp3")

    books, _ = read(tmp_path)

    book = books["Andy Weir/Project Hail Mary"]
    assert (book.title, book.authors, book.file_count) == ("Project Hail Mary", ["Andy Weir"], 3)
    assert abs(book.runtime_seconds - 3 * SECONDS) <= 1


def test_disc_folders_belong_to_their_book(tmp_path, tones):
    book = tmp_path / "Frank Herbert" / "Dune"
    audio_file(tones, book / "CD1" / "01.mp3")
    audio_file(tones, book / "Disc 2" / "01.mp3")

    books, _ = read(tmp_path)

    assert list(books) == ["Frank Herbert/Dune"] and books["Frank Herbert/Dune"].file_count == 2


def test_an_audio_file_in_the_root_is_a_single_file_book(tmp_path, tones):
    audio_file(tones, tmp_path / "Leviathan Wakes.m4b")

    books, _ = read(tmp_path)

    assert books["Leviathan Wakes.m4b"].title == "Leviathan Wakes"


def test_the_series_layout_gives_author_series_position_year_and_narrator(tmp_path, tones):
    folder = (
        tmp_path
        / "Brandon Sanderson"
        / "Mistborn"
        / "Vol 1 - 2006 - The Final Empire {Michael Kramer}"
    )
    audio_file(tones, folder / "part1.flac")

    book = read(tmp_path)[0][os.path.relpath(folder, tmp_path)]

    assert (book.title, book.authors, book.series, book.position, book.year, book.narrators) == (
        "The Final Empire",
        ["Brandon Sanderson"],
        "Mistborn",
        "1",
        "2006",
        ["Michael Kramer"],
    )


@pytest.mark.parametrize(
    "folder, title, position",
    [
        ("Book 2 - Calibans War", "Calibans War", "2"),
        ("Abaddons Gate (Book 3)", "Abaddons Gate", "3"),
    ],
)
def test_a_position_in_the_folder_name_is_read(tmp_path, tones, folder, title, position):
    audio_file(tones, tmp_path / "James S. A. Corey" / "The Expanse" / folder / "a.ogg")

    book = read(tmp_path)[0][f"James S. A. Corey/The Expanse/{folder}"]

    assert (book.title, book.series, book.position) == (title, "The Expanse", position)


def test_m4b_tags_come_before_the_folder_name(tmp_path, tones):
    audio_file(
        tones, tmp_path / "misc" / "x" / "book.m4b",
        album="The Way of Kings", artist="Brandon Sanderson",
        composer="Michael Kramer, Kate Reading",
        genre="Fantasy", year="2010", mvnm="The Stormlight Archive", mvin="1", asin="B003ZWFO7E",
    )  # fmt: skip

    book = read(tmp_path)[0]["misc/x"]

    assert (book.title, book.authors, book.series, book.position, book.asin, book.year) == (
        "The Way of Kings",
        ["Brandon Sanderson"],
        "The Stormlight Archive",
        "1",
        "B003ZWFO7E",
        "2010",
    )
    assert book.narrators == ["Michael Kramer, Kate Reading"] and book.genres == ["Fantasy"]


def test_freeform_m4b_series_tags_are_read(tmp_path, tones):
    audio_file(
        tones, tmp_path / "a" / "b.m4a", title="Words of Radiance", series="Stormlight", part="2"
    )

    book = read(tmp_path)[0]["a"]

    assert (book.title, book.series, book.position) == ("Words of Radiance", "Stormlight", "2")


def test_id3_txxx_series_asin_and_isbn_are_read(tmp_path, tones):
    audio_file(
        tones, tmp_path / "x" / "01.mp3", album="Red Rising", album_artist="Pierce Brown",
        series="Red Rising Saga", part="1", isbn="9780345539786",
    )  # fmt: skip

    book = read(tmp_path)[0]["x"]

    assert (book.title, book.authors, book.series, book.position, book.isbn) == (
        "Red Rising",
        ["Pierce Brown"],
        "Red Rising Saga",
        "1",
        "9780345539786",
    )


def test_id3_movement_frames_are_a_series(tmp_path, tones):
    audio_file(
        tones, tmp_path / "x" / "01.mp3", album="Golden Son", mvnm="Red Rising Saga", mvin="2"
    )

    book = read(tmp_path)[0]["x"]

    assert (book.series, book.position) == ("Red Rising Saga", "2")


def test_vorbis_comments_give_narrator_and_series(tmp_path, tones):
    audio_file(tones, tmp_path / "x" / "01.opus", album="Dune", artist="Frank Herbert",
               composer="Scott Brick", series="Dune", part="1")  # fmt: skip

    book = read(tmp_path)[0]["x"]

    assert (book.narrators, book.series, book.position) == (["Scott Brick"], "Dune", "1")


@pytest.mark.parametrize(
    ("made_as", "named"), [("m4a", "mp3"), ("opus", "ogg"), ("mp3", "m4b"), ("flac", "ogg")]
)
def test_a_file_whose_extension_names_another_format_is_still_read(tmp_path, tones, made_as, named):
    made = audio_file(tones, tmp_path / "x" / f"01.{made_as}", album="Dune", artist="Frank Herbert")
    made.rename(made.with_suffix(f".{named}"))

    books, unreadable = read(tmp_path)

    assert (books["x"].title, books["x"].authors, unreadable) == ("Dune", ["Frank Herbert"], [])
    assert abs(books["x"].runtime_seconds - SECONDS) <= 1


def test_an_audiobookshelf_metadata_json_comes_before_the_tags(tmp_path, tones):
    folder = tmp_path / "Someone" / "Wrong Title"
    audio_file(tones, folder / "01.mp3", album="Tag Title", artist="Tag Author")
    (folder / "metadata.json").write_text(json.dumps({
        "title": "Children of Time", "authors": ["Adrian Tchaikovsky"], "narrators": ["Mel Hudson"],
        "series": ["Children of Time #1"], "asin": "B01N0X2G0J", "publishedYear": "2015",
    }))  # fmt: skip

    book = read(tmp_path)[0]["Someone/Wrong Title"]

    assert (book.title, book.authors, book.series, book.position, book.asin) == (
        "Children of Time",
        ["Adrian Tchaikovsky"],
        "Children of Time",
        "1",
        "B01N0X2G0J",
    )


def test_a_calibre_opf_gives_title_authors_narrator_series_and_isbn(tmp_path, tones):
    folder = tmp_path / "x"
    audio_file(tones, folder / "01.mp3", album="Tag Title")
    (folder / "metadata.opf").write_text(
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" '
        'xmlns:opf="http://www.idpf.org/2007/opf"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:title>Hyperion</dc:title><dc:creator opf:role="aut">Dan Simmons</dc:creator>'
        '<dc:creator opf:role="nrt">Victor Bevine</dc:creator>'
        '<dc:identifier opf:scheme="ISBN">9780553283686</dc:identifier>'
        '<meta name="calibre:series" content="Hyperion Cantos"/>'
        '<meta name="calibre:series_index" content="1.0"/></metadata></package>'
    )

    book = read(tmp_path)[0]["x"]

    assert (book.title, book.authors, book.narrators, book.series, book.position, book.isbn) == (
        "Hyperion",
        ["Dan Simmons"],
        ["Victor Bevine"],
        "Hyperion Cantos",
        "1",
        "9780553283686",
    )


def test_non_books_are_skipped(tmp_path, tones):
    (tmp_path / "Notes").mkdir()
    (tmp_path / "Notes" / "readme.txt").write_text("hi")
    (tmp_path / "Notes" / "cover.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / ".DS_Store").write_bytes(b"x")
    audio_file(tones, tmp_path / "@eaDir" / "x" / "01.mp3")
    audio_file(tones, tmp_path / "Author" / "Book" / "sample.mp3")
    audio_file(tones, tmp_path / "Author" / "Book2" / "01.mp3")

    books, unreadable = read(tmp_path)

    assert (list(books), unreadable) == (["Author/Book2"], [])


def test_bad_files_are_counted_with_their_path_and_the_scan_goes_on(tmp_path, tones):
    audio_file(tones, tmp_path / "A" / "Good" / "01.mp3")
    (tmp_path / "A" / "Empty").mkdir(parents=True)
    (tmp_path / "A" / "Empty" / "01.m4b").write_bytes(b"")
    (tmp_path / "A" / "Corrupt").mkdir()
    (tmp_path / "A" / "Corrupt" / "01.flac").write_bytes(b"fLaC" + b"\x00" * 64)
    (tmp_path / "A" / "Linked").mkdir()
    os.symlink(tmp_path / "nowhere.mp3", tmp_path / "A" / "Linked" / "01.mp3")
    bad_name = os.fsencode(tmp_path / "A") + b"/Caf\xe9"
    os.makedirs(bad_name)

    books, unreadable = read(tmp_path)

    assert list(books) == ["A/Good"]
    reasons = {os.path.relpath(u.path, tmp_path): u.reason for u in unreadable}
    assert set(reasons) == {"A/Empty/01.m4b", "A/Corrupt/01.flac", "A/Linked/01.mp3", "A/Caf\ufffd"}
    assert "zero-byte" in reasons["A/Empty/01.m4b"] and "broken link" in reasons["A/Linked/01.mp3"]


def test_a_folder_that_cannot_be_listed_is_counted_and_the_scan_goes_on(
    tmp_path, tones, monkeypatch
):
    audio_file(tones, tmp_path / "A" / "Good" / "01.mp3")
    audio_file(tones, tmp_path / "A" / "Locked" / "01.mp3")
    listing = os.scandir

    def refuse(path):
        if str(path).endswith("Locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", refuse)  # the tests run as root, whom chmod can't stop

    books, unreadable = read(tmp_path)

    assert list(books) == ["A/Good"]
    assert [(os.path.relpath(u.path, tmp_path), u.reason) for u in unreadable] == [
        ("A/Locked", "permission denied")
    ]


def test_reading_writes_nothing_to_the_library(tmp_path, tones):
    audio_file(tones, tmp_path / "A" / "B" / "01.m4b", album="B")
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in tmp_path.rglob("*")}

    read(tmp_path)

    assert {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in tmp_path.rglob("*")} == before


def _library_with_a_bad_file(root, tones):
    for n in range(6):
        audio_file(tones, root / "Author" / f"Book {n}" / "01.mp3", album=f"Book {n}", artist="A")
    (root / "Author" / "Book 3" / "02.flac").write_bytes(b"fLaC" + b"\x00" * 64)
    return list(book_folders(str(root), []))


def test_many_folders_are_read_by_other_processes_exactly_as_they_are_read_here(
    tmp_path, tones, monkeypatch
):
    folders = _library_with_a_bad_file(tmp_path, tones)
    here_bad, there_bad, pools = [], [], []
    here = list(read_books(folders, BookLocation.FOLDER, here_bad, processes=0))
    monkeypatch.setattr(folders_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(folders_module, "READ_CHUNK", 4)  # two chunks: order kept across them
    monkeypatch.setattr(folders_module, "ProcessPoolExecutor", _recorded(pools))

    there = list(read_books(folders, BookLocation.FOLDER, there_bad, processes=2))

    assert len(pools) == 1 and [b.title for b in there] == [f"Book {n}" for n in range(6)]
    assert (there, there_bad) == (here, here_bad) and there[3].file_count == 1
    assert [os.path.basename(u.path) for u in there_bad] == ["02.flac"]


def test_titles_read_by_other_processes_are_taken_apart_there_not_again_here(
    tmp_path, tones, monkeypatch
):
    folders = _library_with_a_bad_file(tmp_path, tones)
    monkeypatch.setattr(folders_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(titles, "_anatomies", OrderedDict())  # nothing known here yet
    taken_apart_here, work = [], titles._anatomy  # (not in the reading processes)
    monkeypatch.setattr(titles, "_anatomy", lambda t: taken_apart_here.append(t) or work(t))

    books = list(read_books(folders, BookLocation.FOLDER, [], processes=2))
    keys = [matching.clean_title(book.title) for book in books]

    assert len(keys) == 6 and all(keys) and taken_apart_here == []


def test_stopping_a_read_early_leaves_no_reading_process_behind(tmp_path, tones, monkeypatch):
    folders = _library_with_a_bad_file(tmp_path, tones)
    monkeypatch.setattr(folders_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(folders_module, "READ_CHUNK", 1)
    reading = read_books(folders, BookLocation.FOLDER, [], processes=2)

    assert next(reading).title == "Book 0"
    reading.close()  # what a cancelled run does (scan closes it)

    assert multiprocessing.active_children() == []


def _recorded(pools):
    class Recorded(folders_module.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pools.append(self)

    return Recorded


class _NoSemaphores:
    def __init__(self, *args, **kwargs):
        raise OSError(38, "Function not implemented")


class _BreaksAfterOneChunk:
    """A pool whose processes die after reading one chunk."""

    def __init__(self, *args, **kwargs):
        self.chunks = 0

    def submit(self, read, *args):
        future = Future()
        if read is folders_module._ready:
            future.set_result(None)
        elif self.chunks == 0:
            self.chunks += 1
            future.set_result(read(*args))
        else:
            future.set_exception(
                BrokenProcessPool("A process in the process pool was terminated abruptly")
            )
        return future

    def shutdown(self, **kwargs):
        pass


@pytest.mark.parametrize(
    ("pool", "said"),
    [(_NoSemaphores, "no process pool"), (_BreaksAfterOneChunk, "terminated abruptly")],
)
def test_without_reading_processes_the_library_is_read_here_and_nothing_is_lost(
    tmp_path, tones, monkeypatch, caplog, pool, said
):
    folders = _library_with_a_bad_file(tmp_path, tones)
    here_bad, there_bad = [], []
    here = list(read_books(folders, BookLocation.FOLDER, here_bad, processes=0))
    monkeypatch.setattr(folders_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(folders_module, "READ_CHUNK", 2)
    monkeypatch.setattr(folders_module, "ProcessPoolExecutor", pool)

    there = list(read_books(folders, BookLocation.FOLDER, there_bad, processes=2))

    assert (there, there_bad) == (here, here_bad) and len(there) == 6
    assert said in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_reading_processes_start_while_the_walk_goes_on(tmp_path, tones, monkeypatch):
    _library_with_a_bad_file(tmp_path, tones)
    walked, started_after, pools = [], [], []
    monkeypatch.setattr(folders_module, "PARALLEL_FROM", 2)
    monkeypatch.setattr(folders_module, "reading_processes", lambda: 2)
    monkeypatch.setattr(folders_module, "ProcessPoolExecutor", _recorded(pools))
    monkeypatch.setattr(folders_module.Readers, "start", _noting(started_after, walked))
    monkeypatch.setattr(scan_module, "book_folders", _counted(walked))

    summary = scan_module.scan([str(tmp_path)])

    assert started_after[0] == 2 and len(walked) == 6  # at the second of six folders
    assert len(pools) == 1 and (summary.created, len(summary.unreadable)) == (6, 1)


def _noting(started_after, walked):
    start = folders_module.Readers.start

    def noted(readers):
        started_after.append(len(walked))
        start(readers)

    return noted


def _counted(walked):
    def book_folders(root, unreadable, remembered=None):
        for folder in folders_module.book_folders(root, unreadable, remembered):
            walked.append(folder)
            yield folder

    return book_folders


@pytest.mark.django_db(transaction=True)
def test_the_reading_processes_read_while_the_walk_goes_on(tmp_path, tones, monkeypatch):
    _library_with_a_bad_file(tmp_path, tones)
    walked, given_after = [], []
    monkeypatch.setattr(folders_module, "PARALLEL_FROM", 2)
    monkeypatch.setattr(folders_module, "READ_CHUNK", 2)
    monkeypatch.setattr(folders_module, "reading_processes", lambda: 2)
    monkeypatch.setattr(folders_module, "ProcessPoolExecutor", _noting_chunks(given_after, walked))
    monkeypatch.setattr(scan_module, "book_folders", _counted(walked))

    summary = scan_module.scan([str(tmp_path)])

    assert given_after == [2, 4, 6]  # a chunk each second folder, not all once walked
    assert (summary.created, len(summary.unreadable)) == (6, 1)


def _noting_chunks(given_after, walked):
    class Noting(folders_module.ProcessPoolExecutor):
        def submit(self, work, *args):
            if work is not folders_module._ready:
                given_after.append(len(walked))
            return super().submit(work, *args)

    return Noting
