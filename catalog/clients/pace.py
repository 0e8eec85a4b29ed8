"""One pace per host for the whole install: every client, thread and process shares it.

A limiter per client (or per process) let two jobs, or the scheduler and a `runtask`,
each keep to MAM's rate and so double it together. The pace of a host is one row: the
earliest moment its next request may go. A request reserves the next free slot with one
atomic statement (an upsert that moves the row on by one interval) and sleeps until its
slot, so requests from every process are spaced by at least 1/rate, retries and
redirects included. A refusal (429, a Retry-After) moves the row on for everyone.

Where the row lives: all processes must see it. On PostgreSQL it is a table of the
project's database, reached on a connection of its own in autocommit (a job's open
transaction never holds it). On SQLite it is a small database file beside the project's
(the site and the scheduler share that directory), so pacing never waits on the app's
write lock. If the store cannot be reached, pacing carries on per process, says so, and
tries the store again STORE_RETRY_SECONDS later (not on every request).
"""

import logging
import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

TABLE = "http_host_pace"
# Added to every interval: a request leaves its process and reaches the host a little
# later or earlier than its slot (pyrate-limiter's buffer_ms is the same idea), and the
# host counts arrivals, not our slots. A share of the interval, so that a fast host
# (50/s) is not slowed by a fixed margin sized for a slow one.
MARGIN = 0.02
_local = threading.local()
_fallback_lock = threading.Lock()
_fallback = {}  # host -> next moment, when the shared store is out of reach
STORE_RETRY_SECONDS = 30  # after the store failed, it is tried again this much later
_store_down_until = 0.0  # time.monotonic() before which the store is not tried


def reserve(host, interval):
    """The moment (time.time()) this request to host may go; the slot is taken."""
    now = time.time()
    if _store_usable():
        try:
            return _store().reserve(host, now, interval)
        except Exception as error:  # a store we cannot reach must not stop the request
            _store_failed(error)
    with _fallback_lock:
        slot = max(_fallback.get(host, 0.0), now)
        _fallback[host] = slot + interval
    return slot


def hold_off(host, until):
    """No request to host before `until` (time.time()), from any process: it said no."""
    if _store_usable():
        try:
            _store().hold_off(host, until)
            return
        except Exception as error:
            _store_failed(error)
    with _fallback_lock:
        _fallback[host] = max(_fallback.get(host, 0.0), until)


def _store_usable():
    """False for a while after the store failed: a server that is down (or a connect that
    hangs until its timeout) is not asked again on every request."""
    return time.monotonic() >= _store_down_until


def _store_failed(error):
    global _store_down_until
    _local.store = None
    _store_down_until = time.monotonic() + STORE_RETRY_SECONDS
    logger.warning(
        "Shared rate limit unavailable (%s); pacing this process alone for %d s.",
        error,
        STORE_RETRY_SECONDS,
    )


def wait(host, interval, deadline=None):
    """Sleep until this request's slot. deadline (time.monotonic()): give up past it."""
    delay = reserve(host, interval * (1 + MARGIN)) - time.time()
    if deadline is not None and time.monotonic() + delay > deadline:
        raise TimeoutError(f"the rate limit of {host} would wait past the call's deadline")
    if delay > 0:
        time.sleep(delay)


def close():
    """Close this thread's connection to the store (tests drop their database after)."""
    store = getattr(_local, "store", None)
    _local.store = None
    if store is not None:
        store.connection.close()


def _store():
    """This thread's store (connections are neither shared by threads nor forked)."""
    store = getattr(_local, "store", None)
    if store is None or store.pid != os.getpid():
        store = PostgresStore() if _on_postgres() else SqliteStore(sqlite_path())
        _local.store = store
    return store


def _on_postgres():
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def sqlite_path():
    """Beside the project's SQLite file; a temporary file for an in-memory database."""
    name = str(settings.DATABASES["default"].get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return Path(tempfile.gettempdir()) / "audiobook-http-pace.sqlite3"
    return Path(name + "-pace")


def _upsert(placeholder, value):
    """The statement that sets a host's row to `value` (inserting it at the second
    parameter when the host has none)."""
    return (
        f"INSERT INTO {TABLE} (host, next_at) VALUES ({placeholder}, {placeholder}) "
        f"ON CONFLICT (host) DO UPDATE SET next_at = {value}"
    )


class Store:
    """The pace table on one connection of this thread; subclasses open the connection."""

    def __init__(self, connection, placeholder, greatest):
        self.pid = os.getpid()
        self.connection = connection
        # next_at = max(next_at, now) + interval: the slot taken is the one before it.
        later = f"{greatest}({TABLE}.next_at, "
        self.reserve_sql = (
            _upsert(placeholder, f"{later}{placeholder}) + {placeholder}") + " RETURNING next_at"
        )
        self.hold_sql = _upsert(placeholder, f"{later}excluded.next_at)")

    def reserve(self, host, now, interval):
        row = self.connection.execute(self.reserve_sql, (host, now + interval, now, interval))
        return row.fetchone()[0] - interval

    def hold_off(self, host, until):
        self.connection.execute(self.hold_sql, (host, until))


class SqliteStore(Store):
    def __init__(self, path):
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            pass  # another process is switching it at this moment: WAL stays once set
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (host TEXT PRIMARY KEY, next_at REAL NOT NULL)"
        )
        super().__init__(connection, "?", "max")


class PostgresStore(Store):
    def __init__(self):
        import psycopg
        from django.db import connections

        # Django's own parameters for its database (OPTIONS such as sslmode included),
        # on a connection of this store's own, in autocommit.
        params = connections["default"].get_connection_params()
        params.setdefault("connect_timeout", 10)
        connection = psycopg.connect(**params, autocommit=True)
        try:
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} "
                "(host TEXT PRIMARY KEY, next_at DOUBLE PRECISION NOT NULL)"
            )
        except psycopg.errors.UniqueViolation:
            pass  # another process created it at the same moment
        super().__init__(connection, "%s", "GREATEST")
