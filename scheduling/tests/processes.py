"""Real processes for tests: a fresh database and manage.py commands run as subprocesses.

pytest-django's test database lives inside the test process (in memory on SQLite) or in a
transaction, so a subprocess cannot see it. Process tests instead get their own database
(a temporary SQLite file, or a fresh PostgreSQL database when the suite runs on
PostgreSQL), migrated by a real `manage.py migrate`, and talk to it with plain connections.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC
from pathlib import Path

import environ
from django.conf import settings
from django.utils.dateparse import parse_datetime

PROJECT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def using_postgres():
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


class ProcessDatabase:
    """A migrated database that subprocesses share, and helpers to look inside it."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        if using_postgres():
            base = dict(settings.DATABASES["default"])
            self.pg_name = f"proc_{uuid.uuid4().hex[:12]}"
            self._pg_admin(f'CREATE DATABASE "{self.pg_name}"')
            user = base.get("USER") or "postgres"
            password = f":{base['PASSWORD']}" if base.get("PASSWORD") else ""
            host = base.get("HOST") or "127.0.0.1"
            port = base.get("PORT") or 5432
            self.url = f"postgres://{user}{password}@{host}:{port}/{self.pg_name}"
        else:
            self.pg_name = None
            self.url = f"sqlite:///{tmp_path / 'process.sqlite3'}"
        self.lock_file = str(tmp_path / "scheduler.lock")
        self.env = clean_env(DATABASE_URL=self.url, SCHEDULER_LOCK_FILE=self.lock_file)
        manage("migrate", "--no-input", env=self.env, check=True)

    def _pg_admin(self, sql):
        import psycopg

        base = settings.DATABASES["default"]
        with psycopg.connect(
            host=base.get("HOST") or "127.0.0.1",
            port=base.get("PORT") or 5432,
            user=base.get("USER") or "postgres",
            password=base.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)

    def query(self, sql, params=()):
        """Rows of a SELECT run on a short-lived connection of its own."""
        if self.pg_name:
            import psycopg

            with psycopg.connect(_pg_dsn(self.url), autocommit=True) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        import sqlite3

        conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def execute(self, sql, params=()):
        if self.pg_name:
            import psycopg

            with psycopg.connect(_pg_dsn(self.url), autocommit=True) as conn:
                conn.execute(sql.replace("?", "%s"), params)
            return
        import sqlite3

        conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
        try:
            conn.execute(sql, params)
            conn.commit()
        finally:
            conn.close()

    def tasks(self, name=None):
        """(id, task_name, status, trigger, error_message) of every Task row, oldest first."""
        sql = "SELECT id, task_name, status, trigger, error_message FROM scheduling_task"
        if name:
            return self.query(sql + " WHERE task_name = ? ORDER BY id", (name,))
        return self.query(sql + " ORDER BY id")

    def shell(self, code):
        """Run Python code in a `manage.py shell` against this database (models at hand)."""
        return manage("shell", "-c", code, env=self.env, check=True)

    def runs(self, name):
        """The job's Task rows, oldest first, as dicts (datetimes aware, in UTC)."""
        columns = "id status trigger scheduled_for actual_start error_message".split()
        rows = self.query(
            f"SELECT {', '.join(columns)} FROM scheduling_task WHERE task_name = ? ORDER BY id",
            (name,),
        )
        return [dict(zip(columns, map(_as_datetime, row), strict=True)) for row in rows]

    def control(self, name):
        """The job's JobControl row as a dict, or None."""
        columns = "paused applied_paused run_requested_at".split()
        rows = self.query(
            f"SELECT {', '.join(columns)} FROM scheduling_jobcontrol WHERE name = ?", (name,)
        )
        return dict(zip(columns, rows[0], strict=True)) if rows else None

    def next_run_time(self, job_id):
        """When the job store says the job runs next (None: paused or not stored)."""
        rows = self.query(
            "SELECT next_run_time FROM django_apscheduler_djangojob WHERE id = ?", (job_id,)
        )
        return _as_datetime(rows[0][0]) if rows else None

    def drop(self):
        if self.pg_name:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def _as_datetime(value):
    """SQLite hands back datetimes as text in UTC; PostgreSQL as aware datetimes."""
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == " ":
        moment = parse_datetime(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return value


def _pg_dsn(url):
    config = environ.Env.db_url_config(url)
    return (
        f"host={config['HOST']} port={config['PORT'] or 5432} user={config['USER']} "
        f"dbname={config['NAME']}"
        + (f" password={config['PASSWORD']}" if config["PASSWORD"] else "")
    )


# Every outside service is a closed loopback port unless a test says otherwise.
CLOSED_SERVICES = {
    name: "http://127.0.0.1:9"
    for name in (
        "MAM_URL",
        "GOOGLE_BOOKS_API_URL",
        "GOODREADS_URL",
        "OPENLIBRARY_URL",
        "QBITTORRENT_URL",
        "AUDIBLE_URL",
        "AUDNEXUS_URL",
        "HARDCOVER_URL",
    )
}


def clean_env(**overrides):
    """The environment of a subprocess: ours without a developer's job settings, plus overrides."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TASK_", "ENABLE_", "TEST_", "DJANGO_", "PYTEST"))
        and key not in ("DATABASE_URL", "EXTRA_JOBS")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "audiobook_site.settings",
            "PYTHONUNBUFFERED": "1",
            "EXTRA_JOBS": "scheduling.tests.jobs",
            "SCHEDULER_POLL_SECONDS": "0.5",
            "TASK_HEARTBEAT_SECONDS": "1",
            **CLOSED_SERVICES,
        }
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def manage(*args, env, check=False, timeout=120):
    """Run a manage.py command to completion; returns the CompletedProcess."""
    result = subprocess.run(
        [PYTHON, str(PROJECT / "manage.py"), *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


class Process:
    """A manage.py command running in the background, its output kept in a file."""

    def __init__(self, *args, env, log_dir):
        self.args = args
        self.log_path = Path(log_dir) / f"{args[0]}-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "w")
        self.popen = subprocess.Popen(
            [PYTHON, str(PROJECT / "manage.py"), *args],
            cwd=PROJECT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @property
    def pid(self):
        return self.popen.pid

    def output(self):
        self._log.flush()
        return self.log_path.read_text()

    def wait_for_output(self, text, timeout=30):
        return wait_until(lambda: text in self.output(), timeout, f"{text!r} in {self.args}")

    def signal(self, sig):
        self.popen.send_signal(sig)

    def kill9(self):
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout=30):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
        self._log.close()
        return self.popen.returncode


def wait_until(condition, timeout=30, what="condition", interval=0.1):
    """Poll until condition() is truthy; returns its value or fails naming what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
