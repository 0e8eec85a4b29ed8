"""The leader lock: at most one active scheduler per database.

PostgreSQL: a session advisory lock held on a dedicated connection (not Django's, which
the scheduler closes and reopens freely). The server drops it when the process dies.
SQLite: an OS file lock (flock) beside the database; the kernel drops it on death.
"""

import logging
import zlib

from django.conf import settings
from django.db import connections
from filelock import FileLock, Timeout

logger = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = zlib.crc32(b"audiobook_site.runscheduler")


class FileLeaderLock:
    def __init__(self, path):
        self.path = path
        self._lock = FileLock(path)

    def try_acquire(self):
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def still_held(self):
        return self._lock.is_locked

    def release(self):
        if self._lock.is_locked:
            self._lock.release(force=True)


class PostgresLeaderLock:
    def __init__(self, alias="default"):
        self.alias = alias
        self._conn = None

    def _connect(self):
        import psycopg

        params = connections[self.alias].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self._conn = psycopg.connect(**params, autocommit=True, connect_timeout=5)
        self._conn.execute("SET application_name = 'runscheduler leader lock'")

    def try_acquire(self):
        try:
            if self._conn is None or self._conn.closed:
                self._connect()
            row = self._conn.execute(
                "SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY]
            ).fetchone()
        except Exception as error:  # psycopg.Error and OSError: the database is not there
            logger.warning("Leader lock: database unavailable (%s)", type(error).__name__)
            self._drop()
            return False
        return bool(row and row[0])

    def still_held(self):
        """True while the lock's connection is alive (the server holds the lock for it)."""
        if self._conn is None or self._conn.closed:
            return False
        try:
            self._conn.execute("SELECT 1")
        except Exception:
            self._drop()
            return False
        return True

    def release(self):
        if self._conn is not None and not self._conn.closed:
            try:
                self._conn.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
            except Exception:  # the connection's end releases it anyway
                pass
        self._drop()

    def _drop(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
        self._conn = None


def leader_lock():
    if connections["default"].vendor == "postgresql":
        return PostgresLeaderLock()
    return FileLeaderLock(settings.SCHEDULER_LOCK_FILE)
