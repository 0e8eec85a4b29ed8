"""Walking a library folder into books, as Audiobookshelf groups them (PROVIDERS-DETAIL.md
section 1): a folder holding audio files is one book; its "CD1" / "Disc 2" sub-folders
belong to it; any other sub-folder is looked at on its own; an audio file directly in the
root is a single-file book. Nothing here writes to the library.

The walk only lists and stats: a book's signature (names, sizes and mtimes of its files)
says whether it changed since the last scan, and only then are its files read.

A book folder is not even listed when its listing can be remembered: a folder's own
modification time changes whenever an entry is added, removed or renamed in it, so while
it is the time the folder had when it was last listed, its entries are the ones that
listing found (its files' sizes and times are still read, one stat each: a file retagged in
place changes those, not the folder's). Only a plain book folder's listing is kept (no
sub-folder, nothing unreadable, no link but its audio files: a link's target may become a
folder with no change to the folder holding it), and only when the folder had not changed
for SETTLED_NS before the walk began: a change in the same tick of the folder's clock as
the listing (FAT keeps two seconds) could not be told apart.
Some file systems keep folder times badly (mergerfs over branches that each hold the
folder, NFS caching attributes): the scan lists every folder again once a listing is older
than LIBRARY_FULL_LISTING_HOURS (0: always).
"""

import hashlib
import logging
import multiprocessing
import os
import re
import stat as stat_mode
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from catalog import matching
from catalog.matching import titles
from catalog.shelf import layout, tags
from catalog.shelf.found import FoundBook, Unreadable
from catalog.shelf.layout import AUDIO_EXTENSIONS, DISC_FOLDER

log = logging.getLogger(__name__)
AUDIO_SUFFIXES = tuple(AUDIO_EXTENSIONS)  # for str.endswith
SAMPLE = re.compile(r"(?:^|[\W_])(sample|preview)(?:$|[\W_])", re.IGNORECASE)
READ_CHUNK = 100  # folders a reading process is given at a time
PARALLEL_FROM = 400  # changed folders: fewer are read in the scan's own process
# Folders that hold no book of their own: hidden or system ones (".", "@eaDir", "#recycle",
# "$RECYCLE.BIN") and a book's extras.
SKIPPED_FOLDERS = {"sample", "samples", "extra", "extras", "cover", "covers", "lost+found"}
SKIPPED_LONGEST = max(map(len, SKIPPED_FOLDERS))
SETTLED_NS = 3_000_000_000  # a folder changed less long before the walk: not remembered


@dataclass
class BookFolder:
    path: str  # the book's folder, or its single file
    root: str
    parts: tuple  # the path below the root (the last part without extension for a file)
    audio: list = field(default_factory=list)  # [(path, size, mtime_ns)] sorted by name
    sidecars: dict = field(default_factory=dict)  # "json" / "opf" -> path
    fingerprint: str = ""
    listing: tuple | None = None  # (folder mtime_ns, entries) to remember, when it can be


class RootProblem(Exception):
    """The library root cannot be read: missing, not a folder, or refused."""


def book_folders(root, unreadable, remembered=None):
    """The books under `root`, as BookFolders, folder by folder in name order; what cannot
    be read goes to `unreadable`. Raises RootProblem when the root itself cannot be listed.

    One os.scandir per folder and a stat per audio file, nothing else: an unchanged library
    of 10,000 books is listed in a fraction of a second. remembered: {book folder: (its
    mtime_ns, its entries)} as listings of earlier walks gave them (see the module's text):
    such a folder is stat'ed, not listed, while its time is that one; a folder listed now
    gives the listing to remember as its BookFolder's `listing`. None: every folder is
    listed and nothing is to be remembered."""
    settled = time.time_ns() - SETTLED_NS  # a folder whose time is later is not remembered
    try:
        audio, _, folders, _ = _split(root, unreadable)
    except FileNotFoundError:
        raise RootProblem(f"{root} does not exist (not mounted?)") from None
    except NotADirectoryError:
        raise RootProblem(f"{root} is not a folder") from None
    except PermissionError:
        raise RootProblem(f"{root} cannot be read: permission denied") from None
    except OSError as error:
        raise RootProblem(f"{root} cannot be read: {error.strerror or error}") from None
    for path, size, mtime in audio:
        name = os.path.splitext(os.path.basename(path))[0]
        yield _book(path, root, (name,), [(path, size, mtime)], {})
    pending = [path for path, _ in reversed(folders)]  # a stack: depth first, in name order
    while pending:
        folder = pending.pop()
        if remembered is not None and (listing := remembered.get(folder)) is not None:
            if (as_remembered := _as_remembered(folder, listing)) is not None:
                yield _book(folder, root, _parts(folder, root), *as_remembered)
                continue
        mark = len(unreadable)
        try:
            audio, sidecars, folders, plain = _split(folder, unreadable)
        except OSError as error:
            unreadable.append(Unreadable(shown(folder), _why(error)))
            continue
        others = []
        for sub, name in folders:
            if name[0] not in "cCdD" or not DISC_FOLDER.match(name):
                others.append(sub)
                continue
            try:
                audio += _split(sub, unreadable)[0]
            except OSError as error:
                unreadable.append(Unreadable(shown(sub), _why(error)))
        if audio:
            listing = None
            if remembered is not None and plain and not folders and len(unreadable) == mark:
                listing = _listing(folder, audio, sidecars, settled)
            yield _book(folder, root, _parts(folder, root), audio, sidecars, listing)
        pending += reversed(others)


def _parts(folder, root):
    return tuple(folder[len(root) :].strip(os.sep).split(os.sep))


def _listing(folder, audio, sidecars, settled):
    """(mtime_ns, entries) of a plain book folder just listed, to remember; None when the
    folder changed too lately to be sure of it. Its time is read after the listing: a
    change since would be later than `settled` (the walk's start, less SETTLED_NS)."""
    try:
        mtime_ns = os.stat(folder).st_mtime_ns
    except OSError:
        return None
    if mtime_ns >= settled:
        return None
    start = len(folder) + 1
    names = [path[start:] for path, _, _ in audio]
    names += [path[start:] for path in sidecars.values()]
    return mtime_ns, "/".join(names)


def _as_remembered(folder, listing):
    """(audio, sidecars) of a book folder from its remembered listing, each audio file
    stat'ed: what listing it would give while the folder's mtime is the one remembered.
    None when anything is not as remembered (the folder is then listed)."""
    mtime_ns, entries = listing
    audio, sidecars = [], {}
    try:
        if os.stat(folder).st_mtime_ns != mtime_ns:
            return None
        for name in entries.split("/"):
            path = f"{folder}/{name}"
            lowered = name.lower()
            if not lowered.endswith(AUDIO_SUFFIXES):
                _sidecar(sidecars, lowered, path)
                continue
            stat = os.stat(path)
            if not stat.st_size or not stat_mode.S_ISREG(stat.st_mode):
                return None  # emptied, or now a folder: listed, and said so
            audio.append((path, stat.st_size, stat.st_mtime_ns))
    except OSError:  # gone, or refused: listed, and said so
        return None
    return audio, sidecars


def _split(folder, unreadable):
    """(audio [(path, size, mtime_ns)], sidecars {"json"/"opf": path}, folders [(path,
    name)], plain) of a folder's entries, each list in name order; zero-byte audio, broken
    links and names that are not text go to `unreadable`. plain: no link among the entries
    left aside (a link's target may become a folder with no change to this one)."""
    audio, sidecars, folders, plain = [], {}, [], True
    with os.scandir(folder) as listing:
        for entry in listing:
            name = entry.name
            if not name.isascii() and not _is_text(name):
                unreadable.append(Unreadable(shown(entry.path), "the name is not valid UTF-8"))
                continue
            try:
                if entry.is_dir():
                    if name[0] not in ".@#$" and (
                        len(name) > SKIPPED_LONGEST or name.lower() not in SKIPPED_FOLDERS
                    ):
                        folders.append((entry.path, name))
                    continue
                if name[0] == ".":  # .DS_Store, ._AppleDouble, partial downloads
                    continue
                lowered = name.lower()
                if not lowered.endswith(AUDIO_SUFFIXES) or (
                    ("sample" in lowered or "preview" in lowered)
                    and SAMPLE.search(name.rpartition(".")[0])
                ):
                    _sidecar(sidecars, lowered, entry.path)
                    if entry.is_symlink():
                        plain = False
                    continue
                stat = entry.stat()
            except FileNotFoundError:
                unreadable.append(Unreadable(entry.path, "a broken link (its target is gone)"))
                continue
            except OSError as error:
                unreadable.append(Unreadable(entry.path, _why(error)))
                continue
            if stat.st_size == 0:
                unreadable.append(Unreadable(entry.path, "an empty (zero-byte) audio file"))
                continue
            audio.append((entry.path, stat.st_size, stat.st_mtime_ns))
    if len(audio) > 1:
        audio.sort()
    if len(folders) > 1:
        folders.sort()
    return audio, sidecars, folders, plain


def _sidecar(found, name, path):
    if name == "metadata.json":
        found["json"] = path
    elif name.endswith(".opf") and path < found.get("opf", "\uffff"):  # the first by name
        found["opf"] = path


def _book(path, root, parts, audio, sidecars, listing=None):
    signed = [audio]
    for sidecar in sorted(sidecars.values()) if sidecars else ():
        try:
            stat = os.stat(sidecar)
            signed.append((sidecar, stat.st_size, stat.st_mtime_ns))
        except OSError:
            pass  # gone since the listing: the signature changes anyway
    fingerprint = hashlib.blake2b(repr(signed).encode(), digest_size=16).hexdigest()
    return BookFolder(path, root, parts, audio, sidecars, fingerprint, listing)  # by position


def _is_text(name):
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by Python as surrogates
        return False
    return True


def shown(path):
    """The path as text a person (and the database) can take, bad bytes replaced."""
    return os.fsencode(path).decode("utf-8", "replace")


def _why(error):
    if isinstance(error, PermissionError):
        return "permission denied"
    return error.strerror or type(error).__name__


# --- reading a book ----------------------------------------------------------------------------


def reading_processes():
    """Processes that read tags beside the scan's own, which matches and writes meanwhile:
    as many as CPUs, at most four (a disk, not the CPUs, is the limit beyond that); none
    with one CPU. As many as CPUs, not one fewer: the scan's process waits for the readers
    part of the time, and the database works too (on 2 CPUs, 10,000 books were imported in
    4.2-4.9 s by two readers, 5.1-5.6 s by one)."""
    cpus = os.cpu_count() or 1
    return min(4, cpus) if cpus > 1 else 0


def read_books(folders, source, unreadable, processes=None):
    """read_book of each folder, in order (a generator; close it to stop early), by
    reading processes of its own when there are many (see Readers)."""
    with Readers(processes) as readers:
        reading = readers.reading(source, unreadable)
        for folder in folders:
            reading.add(folder)
        yield from reading.books()


class Readers:
    """The processes that read a scan's books while its own process matches and writes:
    mutagen is pure Python, and reading the tags of a first import of 10,000 books in the
    scan's own process took as long again as everything else it does. They are started as
    soon as the walk has found PARALLEL_FROM changed folders (expect()), so that they start
    while it goes on: starting two, each a new interpreter importing mutagen and the
    matcher, took 0.3-0.5 s that the scan waited for once its walk was done. One pool for
    every root of a scan; close() (or the with block's end) stops it.

    The processes are started afresh ("spawn": this module needs no Django) and never
    touch the database. Without them (one CPU, no /dev/shm in some NAS containers, a
    reader killed) the books are read in the scan's own process and nothing is lost.
    """

    def __init__(self, processes=None):
        self.processes = reading_processes() if processes is None else processes
        self.pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def expect(self, changed):
        """The walk has found `changed` folders to read so far: the processes are started
        as soon as that is enough to need them."""
        if changed >= PARALLEL_FROM:
            self.start()

    def start(self):
        """Start the reading processes now (once; nothing when there are to be none)."""
        if self.pool is not None or self.processes < 1:
            return
        try:
            self.pool = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn")
            )
            for _ in range(self.processes):  # a process is started for each task given
                self.pool.submit(_ready)
        except (OSError, NotImplementedError) as error:
            log.warning("Reading the library in this process only: no process pool (%s).", error)
            self._stop(self.pool)

    def reading(self, source, unreadable):
        """A Reading of folders found one by one (a root being walked)."""
        return Reading(self, source, unreadable)

    def close(self):
        """Stop the reading processes (what they were given and have not begun is dropped)."""
        if self.pool is not None:
            self._stop(self.pool)

    def _stop(self, pool):
        self.pool, self.processes = None, 0  # from now on, read here
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class Reading:
    """Folders to read, given to the reading processes a chunk at a time as they are found
    (add()) once there are enough to start them: they read while the walk goes on (the
    walk of 10,000 books took 0.3-1 s, with a CPU idle); their books come back in the same
    order (books()). Fewer than PARALLEL_FROM are read in the scan's own process."""

    def __init__(self, readers, source, unreadable):
        self.readers, self.source, self.unreadable = readers, source, unreadable
        self.count = 0
        self.waiting = []  # found, not yet given to a reader
        self.given = []  # [(chunk of folders, its future)], in order

    def add(self, folder):
        self.count += 1
        self.waiting.append(folder)
        self.readers.expect(self.count)
        if len(self.waiting) >= READ_CHUNK:
            self._give()

    def books(self):
        """read_book of each folder added, in order (a generator; close it to stop early)."""
        self._give()
        given, self.given = self.given, []
        try:
            for at, (_, future) in enumerate(given):
                try:
                    found, bad, anatomies = future.result()
                except BrokenProcessPool as error:  # a reader killed (out of memory?)
                    log.warning("Reading the rest of the library in this process: %s", error)
                    self.readers.close()
                    for rest, _ in given[at:]:
                        yield from (read_book(f, self.source, self.unreadable) for f in rest)
                    break
                self.unreadable.extend(bad)
                titles.remember(anatomies)
                yield from found
            for folder in self.waiting:
                yield read_book(folder, self.source, self.unreadable)
        finally:
            for _, future in given:
                future.cancel()  # stopped early: what no reader has begun is dropped

    def _give(self):
        """The folders waiting to a reader (when the readers are there), READ_CHUNK each."""
        while self.waiting and self.readers.pool is not None:
            chunk, self.waiting = self.waiting[:READ_CHUNK], self.waiting[READ_CHUNK:]
            try:
                future = self.readers.pool.submit(_read_chunk, chunk, self.source)
            except BrokenProcessPool:  # reported when its chunks are read back
                future = Future()
                future.set_exception(BrokenProcessPool("the reading processes stopped"))
            self.given.append((chunk, future))


def _ready():
    """Nothing: a task that starts a reading process (which imports this module for it)."""


def _read_chunk(folders, source):
    """In a reading process: ([FoundBook or None], [Unreadable], {text: anatomy}) of these
    folders: their books, and their titles and series taken apart as the scan's matcher
    would take them apart (the most costly part of matching a new book, done here beside
    the tags rather than in the scan's own process)."""
    unreadable = []
    books = [read_book(folder, source, unreadable) for folder in folders]
    texts = (
        text
        for found in books
        if found is not None
        for text in matching.texts_of(found.title, found.subtitle, found.series)
    )
    return books, unreadable, titles.worked_out(texts)


def read_book(folder, source, unreadable):
    """The FoundBook a BookFolder holds: sidecar first, then the first audio file's tags,
    then the path; runtime the sum of the durations. None when no audio file is readable."""
    found = FoundBook(source=source, path=folder.path, root=folder.root)
    found.fingerprint, found.listing = folder.fingerprint, folder.listing
    for kind, reader in (("json", tags.read_metadata_json), ("opf", tags.read_opf)):
        if kind in folder.sidecars:
            try:
                found.fill(**reader(folder.sidecars[kind]))
            except tags.TagError as error:
                unreadable.append(Unreadable(folder.sidecars[kind], str(error)))
    runtime, readable, tagged = 0.0, [], False
    for path, size, _ in folder.audio:
        try:
            file_tags, length = tags.read_audio(path)
        except tags.TagError as error:
            unreadable.append(Unreadable(path, str(error)))
            continue
        if not tagged:
            found.fill(**tags.described_by_tags(file_tags))
            tagged = True
        runtime += length
        readable.append((path, size))
    if not readable:
        return None
    found.fill(**layout.from_path(folder.parts))
    found.runtime_seconds = round(runtime) or None
    found.size_bytes = sum(size for _, size in readable)
    found.file_count = len(readable)
    extensions = sorted({os.path.splitext(p)[1].lstrip(".").lower() for p, _ in readable})
    found.audio_format = " ".join(extensions)[:32]
    return found
