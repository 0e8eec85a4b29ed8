"""metadata_full_refresh and metadata_new_books: keep book metadata right.

Each book is looked up in Google Books (by ISBN, else title + author, best candidate over
matching.MATCH_THRESHOLD) and Goodreads (by Goodreads id, else ISBN). The records are
merged field by field:

- precedence per field (PRECEDENCE below; any other field: Google Books, then Goodreads):
  Goodreads knows series, position and genres best and has the fuller descriptions and
  larger covers; Google Books has the cleaner bibliographic fields;
- a field staff locked (Book.locked_fields) is never written;
- an empty value never replaces a good one;
- Book.metadata_sources records, per field, which source wrote it and when.

A book no source could describe is a FailedAttempt with backoff (1, 2, 4 ... days); a later
success resolves it. A provider that is down or rate-limited is not asked again during the
run (said once in the log); the books it did not reach keep their old
metadata_refreshed_at and so come first next time. Writes are batched: a batch of books
costs a fixed number of queries, not a number per book.
"""

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from fast_update.fast import fast_update

from catalog import matching
from catalog.clients.goodreads import GoodreadsClient
from catalog.clients.google_books import GoogleBooksClient
from catalog.clients.http import ServiceError
from catalog.library import NameCache
from catalog.models import Book, Genre
from catalog.normalize import normalize_title
from scheduling.models import FailedAttempt

BATCH_SIZE = 100
NO_MATCH = "no match in Google Books or Goodreads"
METADATA_JOBS = ("metadata_full_refresh", "metadata_new_books")
PRECEDENCE = {
    "series": ("goodreads", "google_books"),
    "series_position": ("goodreads", "google_books"),
    "genres": ("goodreads", "google_books"),
    "description": ("goodreads", "google_books"),
    "cover_url": ("goodreads", "google_books"),
    "asin": ("goodreads", "google_books"),
}
DEFAULT_PRECEDENCE = ("google_books", "goodreads")
# Every metadata field but the two relations, which merge() handles apart.
SCALAR_FIELDS = [name for name in Book.METADATA_FIELDS if name not in ("series", "genres")]
SAVED_FIELDS = [
    *SCALAR_FIELDS,
    "series",
    "metadata_sources",
    "metadata_refreshed_at",
    "title_normalized",
]


def metadata_full_refresh(run):
    return refresh(run, Book.objects.all())


def metadata_new_books(run):
    since = timezone.now() - timedelta(days=settings.NEW_BOOKS_DAYS)
    return refresh(run, Book.objects.filter(date_added__gte=since))


@dataclass
class Provider:
    name: str
    client: object
    down: str = ""  # why it stopped being asked this run

    def ask(self, run, lookup):
        """lookup(client) -> record or None; a provider-wide failure marks it down."""
        if self.down:
            return None
        try:
            return lookup(self.client)
        except ServiceError as error:
            if error.permanent and not _provider_wide(error):
                raise
            self.down = str(error)
            run.log.warning("%s unavailable for the rest of this run: %s", self.name, error)
            return None


def _provider_wide(error):
    return type(error).__name__ in ("RateLimited", "ServiceUnavailable", "GoodreadsUnavailable")


def due_books(queryset, now=None):
    """Books to refresh, never-refreshed and longest-ago first, minus those backing off."""
    now = now or timezone.now()
    backing_off = (
        FailedAttempt.objects.open()
        .filter(task_name__in=METADATA_JOBS, item_type="book", next_retry_at__gt=now)
        .values_list("item_key", flat=True)
    )
    keys = {int(key) for key in backing_off if key.isdigit()}
    return (
        queryset.exclude(pk__in=keys)
        .order_by(F("metadata_refreshed_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)
    )


def refresh(run, queryset):
    ids = list(due_books(queryset))
    run.set_total(len(ids))
    google = Provider("Google Books", GoogleBooksClient())
    goodreads = Provider("Goodreads", GoodreadsClient())
    merger = Merger()
    updated = 0
    stop = threading.Event()

    def all_down():
        return google.down and goodreads.down

    def look_up(books):
        """In the helper thread: each book's records (or its error). Network only."""
        found = []
        for book in books:
            if stop.is_set() or run.cancel_requested or all_down():
                break
            try:
                records = lookup_book(run, book, google, goodreads)
            except ServiceError as error:
                records = error
            if not records and not (google.down or goodreads.down):
                records = NO_MATCH
            found.append((book, records))
        return found

    # A pipeline of two: the helper looks up one batch while this thread merges and writes
    # the one before. With a rate limit the lookups set the pace, and the writes, which
    # used to stop the requests for a quarter of a second a batch, now cost no wall time.
    with run.helper_pool("lookups") as helper:
        try:
            ahead = None
            for start in range(0, len(ids), BATCH_SIZE):
                run.check_cancel()
                if all_down():
                    break
                books = list(
                    Book.objects.filter(pk__in=ids[start : start + BATCH_SIZE])
                    .select_related("series")
                    .prefetch_related("authors", "genres")
                )
                current, ahead = ahead, helper.submit(look_up, books)
                if current is not None:
                    updated += refresh_batch(run, current.result(), merger)
            if ahead is not None:
                run.check_cancel()
                updated += refresh_batch(run, ahead.result(), merger)
        finally:
            stop.set()
    if all_down():
        run.log.warning(
            "Every metadata source is unavailable; %d books wait for the next run.",
            len(ids) - run.succeeded_count - run.failed_count,
        )
    return f"{run.succeeded_count} books refreshed ({updated} changed), {run.failed_count} failed."


def refresh_batch(run, found, merger):
    """Count, merge and save one batch of looked-up books.

    found: [(book, outcome)], the outcome being the records, a ServiceError, NO_MATCH, or
    no records because a source was down (the book is left for the next run).
    """
    done, changed = [], []
    for book, records in found:
        if isinstance(records, ServiceError | str):
            run.failed("book", book.pk, records, label=book.title)
            continue
        if not records:
            continue
        if merger.merge(book, records):
            changed.append(book)
        done.append(book)
        run.succeeded()
    merger.save(done, changed)
    if done:
        for name in METADATA_JOBS:
            FailedAttempt.resolve(name, "book", [book.pk for book in done])
    return len(changed)


def lookup_book(run, book, google, goodreads):
    """The records the sources have for the book; a source's error only when none has one."""
    authors = [author.name for author in book.authors.all()]
    errors = []
    google_record = _ask(google, run, lambda client: _google_lookup(client, book, authors), errors)
    isbn = book.isbn or (google_record.isbn_13 if google_record else "")
    goodreads_record = _ask(
        goodreads, run, lambda client: _goodreads_lookup(client, book, isbn), errors
    )
    records = [record for record in (google_record, goodreads_record) if record]
    if errors and not records:
        raise errors[0]
    return records


def _ask(provider, run, lookup, errors):
    # One source's bad answer about this book (truncated JSON, say) must not keep the other
    # source from being asked: it used to fail the book before Goodreads was asked at all.
    try:
        return provider.ask(run, lookup)
    except ServiceError as error:
        errors.append(error)
        return None


def _google_lookup(client, book, authors):
    if book.isbn:
        record = client.find_by_isbn(book.isbn)
        if record:
            return record
    # Search by the title without tracker noise ("(The Expanse, #2)", "[Unabridged]").
    candidates = client.search(matching.display_title(book.title), authors[0] if authors else "")
    found = matching.best_match(
        book.title,
        authors,
        candidates,
        key=lambda record: (record.title, record.authors, record.subtitle),
    )
    return found[0] if found else None


def _goodreads_lookup(client, book, isbn):
    if book.goodreads_id:
        return client.book_by_id(book.goodreads_id)
    return client.book_by_isbn(isbn) if isbn else None


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
        for name in [*SCALAR_FIELDS, "series", "genres"]:
            if book.is_locked(name):
                continue
            source, value = _pick(name, by_source)
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
        # UPDATE ... FROM (VALUES ...): one statement a batch, like bulk_update, whose
        # CASE WHEN per field and book cost 2-3 ms of CPU per book to build.
        fast_update(Book.objects.all(), changed, SAVED_FIELDS, batch_size=None)
        unchanged = [book.pk for book in done if book not in changed]
        Book.objects.filter(pk__in=unchanged).update(metadata_refreshed_at=now)
        links = [
            Book.genres.through(book_id=book_id, genre_id=genre_id)
            for book_id, genre_ids in self.pending_genres.items()
            for genre_id in genre_ids
        ]
        Book.genres.through.objects.bulk_create(links, ignore_conflicts=True)
        self.pending_genres = {}


def _pick(name, by_source):
    """The first source in the field's precedence that has a non-empty value."""
    attribute = "series_name" if name == "series" else name
    for source in PRECEDENCE.get(name, DEFAULT_PRECEDENCE):
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
    return current in order and order.index(current) < order.index(source)


def _fit(book, name, value):
    """Trim text to the column's size; numbers must be positive."""
    if name == "page_count":
        return value if isinstance(value, int) and 0 < value < 100000 else None
    max_length = book._meta.get_field(name).max_length
    value = str(value).strip()
    return value[:max_length] if max_length else value
