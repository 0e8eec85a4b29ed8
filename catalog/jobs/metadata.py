"""metadata_full_refresh and metadata_new_books: keep book metadata right.

Each book is looked up in Audible (Audnexus by ASIN, else Audible's catalog search), Google
Books, Goodreads and, with a token, Hardcover (catalog/jobs/metadata_sources.py says how).
The records are merged field by field (catalog/jobs/metadata_merge.py):

- precedence per field: Audible first for narrators, runtime, audio release date, ASIN and
  the audiobook's series and position; Goodreads, then Hardcover, for the series when
  Audible has none; Goodreads first for genres, description and cover; Google Books first
  for the rest; a source without an answer falls through to the next;
- a field staff locked (Book.locked_fields) is never written;
- an empty value never replaces a good one, nor a lesser source a better one's value;
- Book.metadata_sources records, per field, which source wrote it and when.

A book no source could describe is a FailedAttempt with backoff (1, 2, 4 ... days); a later
success resolves it. A provider that is down, rate-limited or refuses us is not asked again
during the run (said once in the log); the books it did not reach keep their old
metadata_refreshed_at and so come first next time. Writes are batched: a batch of books
costs a fixed number of queries, not a number per book.
"""

import threading
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from catalog.clients.http import ServiceError
from catalog.jobs.metadata_merge import Merger
from catalog.jobs.metadata_sources import STAGES, Sources, look_up_batch
from catalog.models import Book
from scheduling.models import FailedAttempt

BATCH_SIZE = 100
NO_MATCH = "no match in Audible, Google Books, Goodreads or Hardcover"
METADATA_JOBS = ("metadata_full_refresh", "metadata_new_books")


def metadata_full_refresh(run):
    return refresh(run, Book.objects.all())


def metadata_new_books(run):
    since = timezone.now() - timedelta(days=settings.NEW_BOOKS_DAYS)
    return refresh(run, Book.objects.filter(date_added__gte=since))


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
    sources = Sources(run)
    merger = Merger()
    updated = 0
    stop = threading.Event()
    all_down = sources.all_down

    def look_up(books):
        """In the helper thread: each book's records (or its error). Network only."""
        found = look_up_batch(run, books, sources, stages, stop)
        return [
            (book, NO_MATCH if not records and not sources.any_down() else records)
            for book, records in found
        ]

    # A pipeline of two: the helper looks up one batch while this thread merges and writes
    # the one before. With a rate limit the lookups set the pace, and the writes, which
    # used to stop the requests for a quarter of a second a batch, now cost no wall time.
    with run.helper_pool("lookups") as helper, run.helper_pool("sources", len(STAGES)) as stages:
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
    sources.record_health()
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
