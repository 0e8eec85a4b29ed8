"""Merging the sources' records into a book, field by field (see catalog/jobs/metadata.py).

Precedence per field (PRECEDENCE; any other field DEFAULT_PRECEDENCE), each list tried in
order until a source has a value (fall-through):
- Audible (through Audnexus or its catalog) first for what only audiobook sources know:
  narrators, runtime, the audio release date, abridged, the ASIN, and the series and
  position of the audiobook;
- Goodreads, then Hardcover, for the (print) series when Audible has none;
- Goodreads first for genres, description and cover; Google Books first for the rest.
A position comes from the source that gave the series, never a mix of two numberings.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from catalog import bulk
from catalog.library import NameCache
from catalog.models import Book, Genre
from catalog.normalize import normalize_title

SERIES_ORDER = ("audible", "goodreads", "hardcover", "google_books")
PRECEDENCE = {
    "narrators": ("audible",),
    "runtime_minutes": ("audible", "hardcover"),
    "release_date": ("audible", "hardcover"),
    "abridged": ("audible",),
    "asin": ("audible", "goodreads", "hardcover", "google_books"),
    "series": SERIES_ORDER,
    "series_position": SERIES_ORDER,
    "genres": ("goodreads", "google_books", "audible"),
    "description": ("goodreads", "google_books", "audible"),
    "cover_url": ("goodreads", "google_books", "audible"),
}
DEFAULT_PRECEDENCE = ("google_books", "goodreads", "audible", "hardcover")
# Every metadata field but the two relations, which merge() handles apart.
SCALAR_FIELDS = [name for name in Book.METADATA_FIELDS if name not in ("series", "genres")]
SAVED_FIELDS = [
    *SCALAR_FIELDS,
    "series",
    "metadata_sources",
    "metadata_refreshed_at",
    "title_normalized",
]


@dataclass
class Merger:
    """Merges records into books in memory, then saves a batch in a few queries."""

    names: NameCache = field(default_factory=NameCache)
    genres: dict = field(default_factory=dict)
    pending_genres: dict = field(default_factory=dict)

    def merge(self, book, records):
        """Apply the records to the book; True when any field changed."""
        by_source = {record.source: record for record in records}
        now = timezone.now().isoformat()
        changed = False
        for name in ["series", *SCALAR_FIELDS, "genres"]:
            if book.is_locked(name):
                continue
            source, value = pick(name, by_source)
            if source is None or _outranked(book, name, source):
                continue
            if not self._apply(book, name, value):
                continue
            book.metadata_sources = {
                **(book.metadata_sources or {}),
                name: {"source": source, "at": now},
            }
            changed = True
        return changed

    def _apply(self, book, name, value):
        if name == "series":
            series = self.names.series_named(value)
            if series is None or book.series_id == series.pk:
                return False
            book.series = series
            return True
        if name == "genres":
            wanted = {self._genre(genre_name) for genre_name in value}
            current = {genre.pk for genre in book.genres.all()}
            new = {genre.pk for genre in wanted} - current
            if new:
                self.pending_genres[book.pk] = new
            return bool(new)
        value = _fit(book, name, value)
        if value in (None, "") or getattr(book, name) == value:
            return False
        setattr(book, name, value)
        return True

    def _genre(self, name):
        key = name.strip().lower()
        if key not in self.genres:
            self.genres[key] = Genre.objects.filter(
                name__iexact=name.strip()
            ).first() or Genre.objects.create(name=name.strip()[:100])
        return self.genres[key]

    @transaction.atomic
    def save(self, done, changed):
        # One transaction: a book's new fields, its refresh time and its genres are saved
        # together. A failure between them (disk full) left books marked refreshed with
        # half their metadata, and so not refreshed again for weeks.
        now = timezone.now()
        for book in changed:
            book.metadata_refreshed_at = now
            book.title_normalized = normalize_title(book.title)
        # A few statements a batch (bulk.update_rows): bulk_update's CASE WHEN per field
        # and book cost 2-3 ms of CPU per book to build.
        bulk.update(changed, SAVED_FIELDS)
        unchanged = [book.pk for book in done if book not in changed]
        Book.objects.filter(pk__in=unchanged).update(metadata_refreshed_at=now)
        links = [
            Book.genres.through(book_id=book_id, genre_id=genre_id)
            for book_id, genre_ids in self.pending_genres.items()
            for genre_id in genre_ids
        ]
        Book.genres.through.objects.bulk_create(links, ignore_conflicts=True)
        self.pending_genres = {}
        # A wanted book now known to come out later is announced: not searched before its
        # day. A conditional UPDATE, so a book sent meanwhile by another job is left alone.
        Book.objects.filter(
            pk__in=[book.pk for book in changed],
            status=Book.WANTED,
            release_date__gt=timezone.localdate(),
        ).update(status=Book.ANNOUNCED)


def pick(name, by_source):
    """The first source in the field's precedence with a non-empty value: (source, value).

    A series position comes only from the source of the series it numbers.
    """
    if name == "series_position":
        series_source, _ = pick("series", by_source)
        order = (series_source,) if series_source else ()
    else:
        order = PRECEDENCE.get(name, DEFAULT_PRECEDENCE)
    attribute = "series_name" if name == "series" else name
    for source in order:
        record = by_source.get(source)
        value = getattr(record, attribute, None) if record else None
        if value not in (None, "", [], ()):
            return source, value
    return None, None


def _outranked(book, name, source):
    """True when the field's value came from a source that ranks above this one.

    Without it, a field would flip between sources whenever the better one is down.
    """
    order = PRECEDENCE.get(name, DEFAULT_PRECEDENCE)
    current = ((book.metadata_sources or {}).get(name) or {}).get("source")
    return current in order and source in order and order.index(current) < order.index(source)


def _fit(book, name, value):
    """A record's value in the column's type: text trimmed, numbers positive, dates real."""
    if name in ("page_count", "runtime_minutes"):
        return value if isinstance(value, int) and 0 < value < 100000 else None
    if name == "release_date":
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    if name == "abridged":
        return value if isinstance(value, bool) else None
    if name == "narrators":
        value = ", ".join(value) if isinstance(value, list) else value
    max_length = book._meta.get_field(name).max_length
    value = str(value).strip()
    return value[:max_length] if max_length else value
