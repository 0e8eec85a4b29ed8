"""The bench data generator: fills a database in bulk, so setup takes seconds, not hours.

Run history (Task, FailedAttempt, django-apscheduler's executions) is made by the server
itself with INSERT ... SELECT FROM generate_series (a million rows in seconds, no round
trip per row); the library (books, authors, series) with bulk_create from bench/world.py.
"""

from datetime import timedelta

from django.utils import timezone

from scheduling.registry import JOBS

JOB_NAMES = [job.name for job in JOBS]
# Spread so that `old_share` of the rows are older than the retention, evenly in time,
# ids rising with date_created as they do in a real history.
TASKS_SQL = """
INSERT INTO scheduling_task (
    task_name, status, trigger, scheduled_for, actual_start, actual_end, duration_seconds,
    items_total, items_processed, items_succeeded, items_failed, log_output, error_message,
    heartbeat_at, host, pid, cancel_requested_at, date_created)
SELECT
    name, status, trigger,
    CASE WHEN trigger = 'schedule' THEN created END,
    created, created + make_interval(secs => duration), duration,
    items, items, items - failures, failures,
    repeat(to_char(created, 'YYYY-MM-DD HH24:MI:SS') || ' INFO jobs.' || name
           || ': item ' || i || ' done' || E'\\n', 1 + mod(i, 8)),
    CASE status
        WHEN 'failed' THEN 'RuntimeError: the service answered HTTP 503' || E'\\n\\n'
            || repeat('  File "catalog/jobs/x.py", line 42, in run' || E'\\n', 8)
        WHEN 'skipped' THEN 'Skipped: ' || name || ' is already running.'
        ELSE '' END,
    created + make_interval(secs => duration), 'bench-host', 1000 + mod(i, 30000), NULL,
    created
FROM (
    SELECT i,
        (%(names)s::text[])[1 + mod(i, %(name_count)s)] AS name,
        CASE WHEN mod(i, 50) = 3 THEN 'failed' WHEN mod(i, 20) = 7 THEN 'skipped'
             WHEN mod(i, 100) = 11 THEN 'cancelled' ELSE 'completed' END AS status,
        CASE WHEN mod(i, 10) = 0 THEN 'admin' WHEN mod(i, 25) = 1 THEN 'cli'
             ELSE 'schedule' END AS trigger,
        %(start)s::timestamptz + make_interval(secs => i * %(step)s) AS created,
        mod(i, 97) * 1.7 + 0.2 AS duration,
        mod(i, 400) AS items,
        mod(i, 400) / 50 AS failures
    FROM generate_series(0, %(count)s - 1) AS i
) AS generated
"""
RUNNING_SQL = """
INSERT INTO scheduling_task (
    task_name, status, trigger, actual_start, items_processed, items_succeeded, items_failed,
    log_output, error_message, heartbeat_at, host, pid, date_created)
VALUES (%(name)s, 'running', 'schedule', %(created)s, 0, 0, 0, '', '', %(now)s,
        'bench-host', 4242, %(created)s)
"""
FAILED_ATTEMPTS_SQL = """
INSERT INTO scheduling_failedattempt (
    task_name, item_type, item_key, item_label, error_message, attempts, first_failed_at,
    last_failed_at, next_retry_at, resolved_at, task_id)
SELECT t.task_name, 'book', t.id::text, 'Book #' || t.id, 'no match in Google Books or Goodreads',
       1, t.date_created, t.date_created, t.date_created + interval '1 day', NULL, t.id
FROM scheduling_task AS t WHERE t.status = 'failed' ORDER BY t.id LIMIT %(count)s
"""
JOBS_SQL = """
INSERT INTO django_apscheduler_djangojob (id, next_run_time, job_state)
SELECT name, %(now)s::timestamptz + interval '1 day', '\\x80'::bytea
FROM unnest(%(names)s::text[]) AS name
"""
EXECUTIONS_SQL = """
INSERT INTO django_apscheduler_djangojobexecution (
    job_id, status, run_time, duration, finished, exception, traceback)
SELECT name, status, created, duration, extract(epoch FROM created) + duration,
    CASE WHEN status = 'Error!' THEN 'RuntimeError(''the service answered HTTP 503'')' END,
    CASE WHEN status = 'Error!'
        THEN repeat('  File "catalog/jobs/x.py", line 42, in run' || E'\\n', 8) END
FROM (
    SELECT (%(names)s::text[])[1 + mod(i, %(name_count)s)] AS name,
        CASE WHEN mod(i, 50) = 3 THEN 'Error!' WHEN mod(i, 20) = 7 THEN 'Missed!'
             WHEN mod(i, 100) = 11 THEN 'Max instances!' ELSE 'Executed' END AS status,
        %(start)s::timestamptz + make_interval(secs => i * %(step)s) AS created,
        round((mod(i, 97) * 1.7 + 0.2)::numeric, 2) AS duration
    FROM generate_series(0, %(count)s - 1) AS i
) AS generated
"""


def _spread(count, retention_days, old_share):
    """Start and step (seconds) so that old_share of count rows predate the retention."""
    now = timezone.now()
    span = timedelta(days=retention_days) / (1 - old_share)
    return now - span, span.total_seconds() / max(1, count), now


def task_history(conn, count, retention_days, old_share=0.9):
    """count finished Task rows, plus two old rows still running (cleanup must keep them)."""
    start, step, now = _spread(count, retention_days, old_share)
    params = {
        "names": JOB_NAMES,
        "name_count": len(JOB_NAMES),
        "start": start,
        "step": step,
        "count": count,
    }
    conn.execute(TASKS_SQL, params)
    for name in ("mam_scraping", "author_completion"):
        conn.execute(RUNNING_SQL, {"name": name, "created": start, "now": now})


def failed_attempts(conn, count):
    """FailedAttempt rows linked to the oldest failed runs (cleanup keeps them, unlinked)."""
    conn.execute(FAILED_ATTEMPTS_SQL, {"count": count})


def executions(conn, count, retention_days, old_share=0.9):
    """django-apscheduler's job rows and count execution rows, spread like the tasks."""
    start, step, now = _spread(count, retention_days, old_share)
    conn.execute(JOBS_SQL, {"now": now, "names": JOB_NAMES})
    conn.execute(
        EXECUTIONS_SQL,
        {
            "names": JOB_NAMES,
            "name_count": len(JOB_NAMES),
            "start": start,
            "step": step,
            "count": count,
        },
    )


def vacuum_analyze(conn):
    """Fresh statistics and visibility map, as autovacuum would leave a settled table."""
    conn.execute("VACUUM ANALYZE")


# --- the library (ORM, bulk) ---------------------------------------------------------------


def _authors(names, **fields):
    """{name: Author}, created in bulk."""
    from catalog.models import Author
    from catalog.normalize import normalize_title

    authors = {
        name: Author(name=name, name_normalized=normalize_title(name), **fields)
        for name in dict.fromkeys(names)
    }
    Author.objects.bulk_create(authors.values(), batch_size=2000)
    return authors


def _link_authors(pairs):
    from catalog.models import Book

    through = Book.authors.through
    through.objects.bulk_create(
        [through(book_id=book.pk, author_id=author.pk) for book, author in pairs],
        batch_size=5000,
    )


def _book(title, **fields):
    from catalog.models import Book
    from catalog.normalize import normalize_title

    return Book(title=title, title_normalized=normalize_title(title), **fields)


def metadata_library(books):
    """The library metadata_full_refresh works on: owned books with bare metadata."""
    from catalog.models import Book

    authors = _authors(spec.author for spec in books)
    rows = [
        _book(
            spec.title,
            isbn_13=spec.isbn13 if spec.library_has_isbn else "",
            goodreads_id=spec.goodreads_id if spec.library_has_goodreads_id else "",
            asin=spec.asin if spec.library_has_asin else "",
            status=Book.OWNED,
        )
        for spec in books
    ]
    Book.objects.bulk_create(rows, batch_size=2000)
    _link_authors((row, authors[spec.author]) for row, spec in zip(rows, books, strict=True))
    return len(rows)


def completion_library(completion):
    """Monitored series and authors, each with the books the library already owns."""
    from catalog.models import Author, Book, Series
    from catalog.normalize import normalize_title

    series_authors = _authors(spec.author for spec in completion.series)
    monitored = {
        spec.name: Author(
            name=spec.name,
            name_normalized=normalize_title(spec.name),
            monitored=True,
            openlibrary_id=spec.olid,
        )
        for spec in completion.authors
    }
    Author.objects.bulk_create(monitored.values(), batch_size=2000)
    series_rows = [
        Series(
            name=spec.name,
            name_normalized=normalize_title(spec.name),
            goodreads_id=spec.goodreads_id,
            monitored=True,
        )
        for spec in completion.series
    ]
    Series.objects.bulk_create(series_rows, batch_size=2000)
    books, links = [], []
    for series, spec in zip(series_rows, completion.series, strict=True):
        for entry in spec.entries:
            if entry.owned:
                book = _book(
                    entry.title,
                    series=series,
                    series_position=entry.header.split()[-1],
                    goodreads_id=str(entry.book_id),
                    narrators="Some Narrator",
                    status=Book.OWNED,
                )
                books.append(book)
                links.append((book, series_authors[spec.author]))
    for spec in completion.authors:
        for work_title, owned in spec.works:
            if owned:
                book = _book(work_title, status=Book.OWNED)
                books.append(book)
                links.append((book, monitored[spec.name]))
    Book.objects.bulk_create(books, batch_size=2000)
    _link_authors(links)
    return len(books)


def library_sizes():
    from catalog.models import Author, Book, Series

    return Book.objects.count(), Author.objects.count(), Series.objects.count()
