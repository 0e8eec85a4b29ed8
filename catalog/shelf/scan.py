"""One pass over the shelf: every LIBRARY_PATHS root and Audiobookshelf, read, matched and
recorded (the library_scan job and `manage.py importlibrary` both call scan()).

Only what changed is read again: a copy whose signature is the one recorded is left alone.
A copy no longer found is marked missing (its book no longer owned), never deleted. A root
that is missing, unreadable or suddenly empty is skipped with the reason: a disk asleep is
not a library emptied, so its books stay owned.
"""

import gc
import os
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings

from catalog.clients.audiobookshelf import AudiobookshelfClient
from catalog.models import BookLocation
from catalog.shelf import audiobookshelf
from catalog.shelf.folders import Readers, RootProblem, book_folders
from catalog.shelf.ownership import Shelf

CHUNK = 1000  # books written per transaction


@dataclass
class Summary:
    books: int = 0  # present copies found
    unchanged: int = 0
    matched: int = 0
    created: int = 0
    review: int = 0
    no_longer_owned: int = 0
    unreadable: list = field(default_factory=list)  # Unreadable(path, reason)
    read_again: set = field(default_factory=set)  # folders whose files were all read now
    skipped_roots: list = field(default_factory=list)  # (root, reason)

    def count(self, outcome):
        setattr(self, outcome, getattr(self, outcome) + 1)

    def line(self):
        text = (
            f"{_plural(self.books, 'book')} found: {self.matched} matched, "
            f"{self.created} created, {self.review} for review, {self.unchanged} unchanged; "
            f"{self.no_longer_owned} no longer owned; "
            f"{_plural(len(self.unreadable), 'unreadable file')}"
        )
        if self.skipped_roots:
            text += "; skipped: " + "; ".join(reason for _, reason in self.skipped_roots)
        return text + "."


def _plural(count, word):
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def scan(roots=(), with_audiobookshelf=False, progress=None, shelf=None):
    """Read `roots` (and Audiobookshelf when asked) into the catalog. -> Summary.

    progress(iterable, total, what) wraps each source's books (a progress bar, the run's
    cancel check); by default they are iterated as they are. shelf: the catalog as loaded
    by an earlier scan of the same run (loaded here when not given).
    """
    progress = progress or (lambda iterable, total, what: iterable)
    summary = Summary()
    with collector_paused(), Readers() as readers:
        shelf = shelf or Shelf()
        with shelf.writing_behind():
            for root in roots:
                _scan_root(shelf, os.path.normpath(root), summary, progress, readers)
            if with_audiobookshelf:
                _scan_audiobookshelf(shelf, summary, progress)
    return summary


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused for a scan. A scan makes tens of small objects
    per book (folders, tags read, rows, the catalog's index) that live until its end, and
    no reference cycle; the collector went over them again and again for nothing: a fifth
    of an unchanged rescan, and 0.6 s of the 2.5-3 s of CPU a first import of 10,000 books
    costs its process. Garbage that does have cycles waits for the end of the scan."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _scan_root(shelf, root, summary, progress, readers):
    folders, to_read, listed = [], set(), []
    # What changed is read (by other processes when there are many) while the walk goes on
    # and while this process matches and writes.
    reading = readers.reading(BookLocation.FOLDER, summary.unreadable)
    recorded = shelf.signatures(BookLocation.FOLDER).get
    try:
        for folder in book_folders(root, summary.unreadable, shelf.listings()):
            folders.append(folder)
            if recorded(folder.path) != folder.fingerprint:
                to_read.add(id(folder))
                reading.add(folder)
            elif folder.listing is not None:  # unchanged, listed again: remembered anew
                listed.append((folder.path, folder.listing))
    except RootProblem as problem:
        summary.skipped_roots.append((root, str(problem)))
        return
    known = [loc for loc in _located_under(shelf, root) if not loc.missing]
    if not folders and known:
        summary.skipped_roots.append(
            (root, f"{root} holds no books now but {len(known)} were there: not read as "
             "removed (a disk asleep or not mounted?)")
        )  # fmt: skip
        return
    seen, taken = set(), []
    with closing(reading.books()) as found_books:
        for folder in progress(folders, len(folders), root):
            seen.add(folder.path)
            summary.books += 1
            if id(folder) not in to_read:
                summary.unchanged += 1
                continue
            taken.append((folder, next(found_books)))
            if len(taken) == CHUNK:
                _take(shelf, taken, summary)
                taken = []
        _take(shelf, taken, summary)
    shelf.remember(listed)
    gone = [
        loc for loc in known if loc.path not in seen and loc.source != BookLocation.AUDIOBOOKSHELF
    ]
    summary.no_longer_owned += shelf.mark_missing(gone)


def _take(shelf, read, summary):
    """Record the books of changed folders ([(folder, found book or None)])."""
    summary.read_again.update(folder.path for folder, _ in read)
    for outcome in shelf.take_all(found for _, found in read):
        summary.count(outcome)


def _located_under(shelf, root):
    prefix = root.rstrip("/") + "/"
    return [
        location
        for path, locations in shelf.locations.items()
        if path.startswith(prefix) or path == root
        for location in locations
    ]


def _chunks(iterable):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _scan_audiobookshelf(shelf, summary, progress):
    """Every book library of Audiobookshelf (or those of AUDIOBOOKSHELF_LIBRARY_IDS)."""
    client = AudiobookshelfClient()
    wanted = set(settings.AUDIOBOOKSHELF_LIBRARY_IDS)
    for library_id, name, _ in client.book_libraries():
        if wanted and library_id not in wanted:
            continue
        items = [item for item in client.items(library_id) if audiobookshelf.present(item)]
        known = [
            loc
            for locations in shelf.locations.values()
            for loc in locations
            if loc.source == BookLocation.AUDIOBOOKSHELF
            and loc.library_root == library_id
            and not loc.missing
        ]
        if not items and known:
            summary.skipped_roots.append(
                (library_id, f"Audiobookshelf library {name} lists no books now but "
                 f"{len(known)} were there: not read as removed")
            )  # fmt: skip
            continue
        recorded = shelf.signatures(BookLocation.AUDIOBOOKSHELF)
        changed = [
            item
            for item in items
            if recorded.get(audiobookshelf.item_path(item)) != audiobookshelf.fingerprint(item)
        ]
        full = client.expanded(item["id"] for item in changed)
        summary.books += len(items)
        summary.unchanged += len(items) - len(changed)
        for chunk in _chunks(progress(changed, len(changed), f"Audiobookshelf: {name}")):
            found_books = (
                audiobookshelf.found_book(item, library_id, full.get(item["id"])) for item in chunk
            )
            for outcome in shelf.take_all(found_books):
                summary.count(outcome)
        seen = {audiobookshelf.item_path(item) for item in items}
        gone = [loc for loc in known if loc.path not in seen]
        summary.no_longer_owned += shelf.mark_missing(gone)
