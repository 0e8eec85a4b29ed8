"""Found audiobooks made owned books of the catalog.

A found book is, in this order: the book of a location already at its path (an import put
it there, or an earlier scan found it); the book with its ASIN or ISBN; the book its title
and authors match (the matcher of catalog/matching). A sure match makes that book owned;
no match creates an owned book (source "library"); a weak match (authors that only partly
agree, or two books it could be) waits in the review list. Fields the catalog already has,
and fields staff locked, are never overwritten.
"""

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from itertools import starmap

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, BooleanField, Case, ExpressionWrapper, F, Q, When
from django.utils import timezone

from catalog import bulk, matching
from catalog.library import BookIndex, NameCache, isbn13
from catalog.matching import AUTHOR_SAME, MATCH_THRESHOLD, NEAR_TIE
from catalog.matching.authors import same_people
from catalog.models import Author, Book, BookLocation, Series, ShelfReview
from catalog.normalize import normalize_title
from catalog.shelf.found import FoundBook

BOOK_FIELDS = (
    "id", "title", "subtitle", "isbn_10", "isbn_13", "asin", "goodreads_id", "status",
    "series_id", "series_position", "release_date", "narrators", "runtime_minutes",
    "locked_fields",
)  # fmt: skip


LOCATION_FIELDS = (
    "id", "book_id", "source", "path", "library_root", "fingerprint", "missing",
    "status_before", "trusted_mtime_ns", "folder_entries",
)  # fmt: skip
LISTING_FIELDS = ("folder_mtime_ns", "folder_entries", "listed_at")


@dataclass(slots=True)
class Known:
    """A location as the scan reads it (rows, not model instances: a rescan of a large
    library compares 10,000 of them and changes none, and an import makes 10,000)."""

    pk: int | None  # None: taken in this chunk, written by Shelf.flush()
    book_id: int | None
    source: str
    path: str
    library_root: str
    fingerprint: str
    missing: bool  # missing_since is set (a 0/1 on SQLite)
    status_before: str
    trusted_mtime_ns: int | None  # its folder's remembered listing, when still trusted
    folder_entries: str
    book: object = None  # a new one's book (which may be new too: no id yet)


class Sure:
    def __init__(self, book):
        self.book = book


class Weak:
    def __init__(self, reason, suggested, other=None):
        self.reason, self.suggested, self.other = reason, suggested, other


class Shelf:
    """The catalog as the import sees it, loaded once (a few queries whatever its size)."""

    def __init__(self, catalog=True):
        """catalog=False: only to settle a review (no matching, nothing loaded)."""
        self.catalog = catalog
        self.books = {}
        self.locations = {}
        if catalog:
            missing = ExpressionWrapper(Q(missing_since__isnull=False), BooleanField())
            known = BookLocation.objects.annotate(
                missing=missing, trusted_mtime_ns=_trusted_mtime()
            ).values_list(*LOCATION_FIELDS)
            for location in starmap(Known, bulk.read_rows(known.order_by())):
                self.locations.setdefault(location.path, []).append(location)
        self.reviews = {(r.source, r.path): r for r in ShelfReview.objects.all()} if catalog else {}
        # Taken but not yet written: flush() writes them in bulk (a query per table).
        # (new locations: {id(Known): (Known, the values _own read)}; links: (book, author))
        self._new_books, self._new_locations, self._new_links = [], {}, []
        self._seen_again = {}  # location pk -> the values read now (_own's values)
        self._changed_books = {}  # the fields changed -> {book pk: book}
        self._seen_at = None  # when take_all's books were seen (one time for a chunk)
        self._behind = None  # the writer of flush()'s rows, within writing_behind()

    # Loaded when a found book first needs them: an unchanged rescan never does.
    @cached_property
    def index(self):
        books = Book.objects.prefetch_related("authors").only(*BOOK_FIELDS)
        index = BookIndex(books if self.catalog else [])
        self.books.update({b.pk: b for group in index.by_title.values() for b in group})
        return index

    @cached_property
    def names(self):
        return PendingNames()

    # --- what the scan asks ----------------------------------------------------------------

    def signatures(self, source):
        """{path: the signature this source's copy there was last read with}: a copy whose
        signature is the one here is unchanged (nothing to do). A copy marked missing has
        None (found again, it is read again); a copy waiting for review, the review's.
        One dictionary for a walk: looking each of 10,000 folders up through location()
        cost twice as much, in place."""
        recorded = {path: r.fingerprint for (s, path), r in self.reviews.items() if s == source}
        for path, here in self.locations.items():
            if len(here) == 1 and here[0].source == source:
                location = here[0]  # as a rule
            elif (location := self.location(source, path)) is None:
                continue
            recorded[path] = None if location.missing else location.fingerprint
        return recorded

    def listings(self):
        """{folder: (mtime_ns, entries)}: the listings of present library folders that can
        be remembered (folders.book_folders); None when folder times are not to be trusted
        (LIBRARY_FULL_LISTING_HOURS is 0)."""
        if not settings.LIBRARY_FULL_LISTING_HOURS:
            return None
        return {
            path: (location.trusted_mtime_ns, location.folder_entries)
            for path, here in self.locations.items()
            for location in here
            if location.trusted_mtime_ns is not None and not location.missing
        }

    def remember(self, listed):
        """Keep the listings of unchanged folders listed again ([(path, (mtime_ns,
        entries))]): their next scans stat them instead of listing them."""
        at, rows = timezone.now(), []
        for path, (mtime_ns, entries) in listed:
            location = self.location(BookLocation.FOLDER, path)
            if location is not None and location.pk is not None:
                rows.append((location.pk, mtime_ns, entries, at))
                location.trusted_mtime_ns, location.folder_entries = mtime_ns, entries
        bulk.update_rows(BookLocation, LISTING_FIELDS, rows)

    def location(self, source, path):
        """The location this source keeps at this path; for a folder, the location the
        download importer wrote there (the same folder: the same copy)."""
        here = self.locations.get(path)
        if here:  # one, as a rule: checked for each of a rescan's 10,000 folders
            for location in here:
                if location.source == source:
                    return location
            if source == BookLocation.FOLDER:
                for location in here:
                    if location.source == BookLocation.IMPORT:
                        return location
        return None

    # --- taking a found book ---------------------------------------------------------------

    def take(self, found):
        """Record one found (changed or new) book. -> "matched", "created" or "review"."""
        location = self.location(found.source, found.path)
        if location is not None:
            self._own(self._book(location), found, location)
            return "matched"
        elsewhere = self.locations.get(found.path)
        if elsewhere:  # another source knows this path: the same book
            self._own(self._book(elsewhere[0]), found)
            return "matched"
        answer = self.match(found)
        if isinstance(answer, Weak):
            self._review(found, answer)
            return "review"
        if answer is None:
            self._own(self._create(found), found)
            return "created"
        self._own(answer.book, found)
        return "matched"

    def _book(self, location):
        """A location's book (a book taken in this chunk is still to be written)."""
        if location.book_id is None:
            return location.book
        if location.book_id not in self.books:
            self.books[location.book_id] = Book.objects.only(*BOOK_FIELDS).get(pk=location.book_id)
        return self.books[location.book_id]

    def take_all(self, found_books):
        """take() each found book (None: nothing readable there, left out) and write them,
        in one transaction; the books of the copies known at their paths (changed folders
        read again) are loaded in one query first, not one each. -> the outcomes."""
        found_books = [found for found in found_books if found is not None]
        if not found_books:
            return []
        wanted = {
            location.book_id
            for found in found_books
            for location in self.locations.get(found.path, ())
            if location.book_id is not None and location.book_id not in self.books
        }
        if wanted:
            books = Book.objects.only(*BOOK_FIELDS).filter(pk__in=wanted)
            self.books.update((book.pk, book) for book in books)
        self._seen_at = timezone.now()  # the chunk's copies, as their rows, share their dates
        # One transaction for the chunk: this one, or the writer's (a review is then its
        # own, written once the rows it refers to are).
        try:
            with transaction.atomic() if self._behind is None else nullcontext():
                outcomes = [self.take(found) for found in found_books]
                self.flush()
        finally:
            self._seen_at = None
        return outcomes

    def match(self, found):
        """Sure(book), Weak(reason, suggested, other) or None (a new book)."""
        book = self.index.by_asin.get(found.asin.upper()) if found.asin else None
        book = book or (self.index.by_isbn.get(isbn13(found.isbn)) if found.isbn else None)
        if book is not None:
            return Sure(book)
        candidates = self.index.candidates(found.title)
        scored = [(self._score(found, b), n, b) for n, b in enumerate(candidates)]
        scored = sorted(
            (item for item in scored if item[0] >= MATCH_THRESHOLD),
            key=lambda item: (-item[0], item[1]),
        )
        if not scored:
            return None
        best_score, _, best = scored[0]
        close = [b for score, _, b in scored[1:] if best_score - score < NEAR_TIE]
        if close:
            return Weak("two books of the catalog could be it", best, close[0])
        theirs = self.index.authors.get(id(best), [])
        score = matching.author_score(found.authors, theirs)
        partly = score is not None and (
            score < AUTHOR_SAME or not _same_people(found.authors, theirs)
        )
        if partly:
            return Weak("the title matches but the authors only partly agree", best)
        return Sure(best)

    def _score(self, found, book):
        authors = self.index.authors.get(id(book), [])
        return matching.book_score(found.title, found.authors, book.title, authors, book.subtitle)

    # --- writing ---------------------------------------------------------------------------

    def _create(self, found):
        """A new owned book, written by flush() with its authors and series."""
        title = (found.title or "Unknown title")[:500]
        book = bulk.new(
            Book,
            title=title,
            title_normalized=normalize_title(title),  # bulk_create does not call save()
            subtitle=found.subtitle[:500],
            narrators=", ".join(found.narrators)[:500],
            series=self.names.series_named(found.series),
            series_position=found.position[:16] if found.series else "",
            asin=found.asin.upper()[:10],
            isbn_13=isbn13(found.isbn),
            published_date=found.year[:4],
            runtime_minutes=_minutes(found.runtime_seconds),
            status=Book.OWNED,  # with nothing to fall back to: "discovered" when it is gone
            source="library",
        )
        self._new_books.append(book)
        authors = self.names.authors_named(found.authors)
        self._new_links += [(book, author) for author in authors]
        # The index learns the book (no query: its authors are known), so that a second
        # copy (mp3 beside m4b) joins it.
        self.index.add(book, [a.name for a in authors])
        return book

    def _own(self, book, found, location=None):
        """The copy recorded at its path, the book owned, what it lacks filled in."""
        seen = self._seen_at or timezone.now()
        values = {
            "library_root": found.root[:1024],
            "external_id": found.external_id[:64],
            "audio_format": found.audio_format[:32],
            "runtime_seconds": found.runtime_seconds,
            "size_bytes": found.size_bytes,
            "file_count": found.file_count,
            "fingerprint": found.fingerprint,
            "last_seen": seen,
            "missing_since": None,
            # Its folder's listing, to remember; none (listed again next time) when it was
            # not listed now but remembered, or could not be remembered.
            "folder_mtime_ns": found.listing[0] if found.listing else None,
            "folder_entries": found.listing[1] if found.listing else "",
            "listed_at": seen if found.listing else None,
        }
        # Inside the caller's transaction (a chunk of the scan, a review settled).
        if location is None:
            status_before = "" if book.status == Book.OWNED else book.status
            location = Known(
                None, book.pk, found.source, found.path, values["library_root"],
                found.fingerprint, False, status_before, None, "", book,
            )  # fmt: skip
            self._new_locations[id(location)] = (location, values)  # written by flush()
            self.locations.setdefault(found.path, []).append(location)
        elif location.pk is None:  # taken earlier in this chunk: written whole by flush()
            self._new_locations[id(location)] = (location, values)
            location.library_root, location.fingerprint = values["library_root"], found.fingerprint
        else:  # written by flush(), with the others read again
            self._seen_again[location.pk] = values
            location.fingerprint, location.missing = found.fingerprint, False
        if self.reviews.pop((found.source, found.path), None) is not None:
            ShelfReview.objects.filter(source=found.source, path=found.path).delete()
        changes = self._book_changes(book, found)
        for name, value in changes.items():
            setattr(book, name, value)
        if changes and book.pk is not None:  # else it is written whole by flush()
            self._changed_books.setdefault(tuple(sorted(changes)), {})[book.pk] = book

    def flush(self):
        """Write what was taken since the last flush, a query per table: new authors,
        series and books, the copies and the author links that refer to them, then the
        copies read again and the books they changed. Written now, in this transaction, or
        by the writer behind (writing_behind()): the new rows' ids are then drawn first,
        here, and the rows handed over whole."""
        names = self.__dict__.get("names")  # loaded: names were asked for (not on a rescan)
        batch = _Batch(
            names.unwritten_authors if names else [],
            names.unwritten_series if names else [],
            self._new_books,
            list(self._new_locations.values()),
            self._new_links,
            self._seen_again,
            self._changed_books,
        )
        if names:
            names.unwritten_authors, names.unwritten_series = [], []
        self._new_books, self._new_locations, self._new_links = [], {}, []
        self._seen_again, self._changed_books = {}, {}
        if self._behind is None:
            _write(batch.writes())  # step by step: on SQLite, ids come as rows are inserted
        else:
            batch.draw_ids()
            self._behind.run(_write, list(batch.writes()))
            for _, objs in batch.instances():
                bulk.written(objs)
        for location, _ in batch.locations:
            location.book_id = location.book.pk
        self.books.update((book.pk, book) for book in batch.books)

    @contextmanager
    def writing_behind(self):
        """Within: flush() hands its rows to a writer thread (bulk.Behind) and goes on,
        where that can be (PostgreSQL, and no transaction of the caller's around). What
        reads or writes rows a flush may have handed over waits for it first (_written)."""
        if self._behind is not None or not bulk.Behind.usable(Book):
            yield
            return
        self._behind = bulk.Behind()
        try:
            yield
        finally:
            behind, self._behind = self._behind, None
            behind.close()

    def _written(self):
        """Every row handed to the writer behind is written (its error raised here)."""
        if self._behind is not None:
            self._behind.wait()

    def _book_changes(self, book, found):
        changes = {} if book.status == Book.OWNED else {"status": Book.OWNED}

        def fill(field, value, empty):
            if value and empty and not book.is_locked(field):
                changes[field] = value

        fill("runtime_minutes", _minutes(found.runtime_seconds), not book.runtime_minutes)
        fill("narrators", ", ".join(found.narrators)[:500], not book.narrators)
        if found.series and not book.series_id and not book.is_locked("series"):
            series = self.names.series_named(found.series)
            if series.pk is None and book.pk is not None:  # an UPDATE needs it written now
                self.names.unwritten_series.remove(series)
                series.save()
            changes["series"] = series
            fill("series_position", found.position[:16], not book.series_position)
        return changes

    def _review(self, found, weak):
        self.flush()  # a candidate may be a book taken in this chunk
        self._written()
        ShelfReview.objects.update_or_create(
            source=found.source,
            path=found.path,
            defaults={
                "library_root": found.root[:1024],
                "found": {**found.described(), "runtime_seconds": found.runtime_seconds},
                "reason": weak.reason,
                "suggested": weak.suggested,
                "other": weak.other,
                "fingerprint": found.fingerprint,
            },
        )

    # --- gone ------------------------------------------------------------------------------

    def mark_missing(self, locations):
        """These copies are gone: each book left without a present copy is no longer owned
        (back to the status it had before the library made it owned). Never deleted."""
        self._written()
        now = timezone.now()
        ids = [location.pk for location in locations]
        BookLocation.objects.filter(pk__in=ids).update(missing_since=now)
        for location in locations:
            location.missing = True
        book_ids = {location.book_id for location in locations}
        still_here = set(
            BookLocation.objects.filter(book_id__in=book_ids, missing_since__isnull=True)
            .values_list("book_id", flat=True)
            .distinct()
        )
        gone = book_ids - still_here
        earlier = dict(
            BookLocation.objects.filter(book_id__in=gone)
            .exclude(status_before="")
            .values_list("book_id", "status_before")
        )
        for book_id in gone:
            Book.objects.filter(pk=book_id, status=Book.OWNED).update(
                status=earlier.get(book_id, Book.DISCOVERED)
            )
        return len(gone)


@dataclass
class _Batch:
    """What one flush writes."""

    authors: list
    series: list
    books: list
    locations: list  # [(Known, the values _own read)]
    links: list  # [(book, author)]
    seen: dict  # location pk -> the values read again
    changed: dict  # the fields changed -> {book pk: book}

    def draw_ids(self):
        """The new rows' ids, now: every row of the batch can then be made before any is
        written (bulk.draw_ids)."""
        locations = [location for location, _ in self.locations]
        for model, objs in (*self.instances(), (BookLocation, locations)):
            for obj, pk in zip(objs, bulk.draw_ids(model, len(objs)), strict=True):
                obj.pk = pk

    def instances(self):
        """(model, its new instances) of the batch."""
        return (Author, self.authors), (Series, self.series), (Book, self.books)

    def writes(self):
        """The batch's writes, in order, each made when asked for (a row may need an id the
        write before gave): ("insert", model, names, rows, objects to give the ids to) and
        ("update", model, names, rows)."""
        for _, objs in self.instances():
            if objs:
                yield ("insert", *bulk.rows_of(objs), objs)
        if self.locations:
            drawn = self.locations[0][0].pk is not None
            names = ("book", "source", "path", "status_before", "first_seen")
            names = (("id",) if drawn else ()) + names + tuple(self.locations[0][1])
            rows = [
                (*((loc.pk,) if drawn else ()), loc.book.pk, loc.source, loc.path,
                 loc.status_before, values["last_seen"], *values.values())
                for loc, values in self.locations
            ]  # fmt: skip
            yield "insert", BookLocation, names, rows, [loc for loc, _ in self.locations]
        if self.links:
            rows = [(book.pk, author.pk) for book, author in self.links]
            yield "insert", Book.authors.through, ("book_id", "author_id"), rows, None
        if self.seen:  # every values dict has _own's fields, in its order
            names = tuple(next(iter(self.seen.values())))
            rows = [(pk, *values.values()) for pk, values in self.seen.items()]
            yield "update", BookLocation, names, rows
        for names, books in self.changed.items():
            yield "update", Book, names, bulk.update_rows_of(list(books.values()), names)


def _write(writes):
    """Carry out a batch's writes (in one transaction: the caller's, or Behind's)."""
    for kind, model, names, rows, *objs in writes:
        if kind == "update":
            bulk.update_rows(model, names, rows)
        elif "id" in names or objs[0] is None:  # ids drawn before, or none wanted
            bulk.insert_rows(model, names, rows)
        else:
            bulk.written(objs[0], bulk.insert_rows(model, names, rows, with_ids=True))


class PendingNames(NameCache):
    """Authors and series by name; new ones are made here and written by Shelf.flush()."""

    def __init__(self):
        super().__init__()
        self.unwritten_authors, self.unwritten_series = [], []

    def new_author(self, name):
        author = bulk.new(Author, name=name, name_normalized=normalize_title(name))
        self.unwritten_authors.append(author)
        return author

    def new_series(self, name):
        series = bulk.new(Series, name=name, name_normalized=normalize_title(name))
        self.unwritten_series.append(series)
        return series


def _trusted_mtime():
    """The folder_mtime_ns of a listing made within LIBRARY_FULL_LISTING_HOURS, else null:
    worked out by the database as the shelf is loaded."""
    since = timezone.now() - timedelta(hours=settings.LIBRARY_FULL_LISTING_HOURS)
    return Case(
        When(listed_at__gte=since, then=F("folder_mtime_ns")),
        default=None,
        output_field=BigIntegerField(),
    )


def _minutes(seconds):
    return max(1, round(seconds / 60)) if seconds else None


def _same_people(ours, theirs):
    return same_people(ours, theirs) is not False


def settle(review, book=None):
    """Staff's answer to a review: the copy is `book`'s, or (None) a book of its own."""
    found = FoundBook(
        source=review.source,
        path=review.path,
        root=review.library_root,
        fingerprint=review.fingerprint,
        **{k: v for k, v in review.found.items() if k in FoundBook.__dataclass_fields__},
    )
    shelf = Shelf(catalog=False)
    with transaction.atomic():
        shelf._own(book or shelf._create(found), found)
        shelf.flush()
        review.delete()
