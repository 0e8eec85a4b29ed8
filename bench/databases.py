"""The benchmarks' PostgreSQL databases: created for the run, cloned, dropped at the end.

Every benchmark works in databases of its own (`bench_<pid>_<label>`) on the server named
by DATABASE_URL when that is a PostgreSQL URL (CI passes one), else on
postgres://postgres@127.0.0.1:5432. One database is migrated once; the others are copies
of it made with CREATE DATABASE ... TEMPLATE, which copies files instead of replaying
migrations or inserts, so "an identical copy" of a million rows takes seconds.

The bench process itself runs Django against one of these databases at a time:
use_database() points the default connection at another one, the way Django's test runner
points it at the test database.
"""

import os
import secrets
from contextlib import contextmanager

import environ
import psycopg

from scheduling.tests.processes import CLOSED_SERVICES

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


class Server:
    """The PostgreSQL server the benchmarks use, and the databases made on it this run."""

    def __init__(self, url=None):
        url = url or os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            url = DEFAULT_SERVER
        config = environ.Env.db_url_config(url)
        self.host = config["HOST"] or "127.0.0.1"
        self.port = int(config["PORT"] or 5432)
        self.user = config["USER"] or "postgres"
        self.password = config["PASSWORD"] or ""
        self.prefix = f"bench_{os.getpid()}_"
        self.created = []

    def url(self, name):
        password = f":{self.password}" if self.password else ""
        return f"postgres://{self.user}{password}@{self.host}:{self.port}/{name}"

    def connect(self, name="postgres", autocommit=True):
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=name,
            autocommit=autocommit,
        )

    def _admin(self, sql):
        with self.connect() as conn:
            conn.execute(sql)

    def create(self, label, template=None):
        """A new empty database (or a copy of template). Returns its name."""
        name = self.prefix + label
        self.drop(name)
        # FILE_COPY: copy the template's files after a checkpoint, rather than write every
        # page of a million rows through the WAL (PostgreSQL 15's default, several times slower).
        copy = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        self._admin(f'CREATE DATABASE "{name}"{copy}')
        self.created.append(name)
        return name

    def clone(self, template, label):
        """An identical copy of template (no session may be connected to it)."""
        close_django_connections()
        return self.create(label, template=template)

    def drop(self, name):
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def drop_all(self):
        close_django_connections()
        for name in list(self.created):
            self.drop(name)


def django_environment(database_url, **overrides):
    """The environment of the bench's Django (in process and in subprocesses).

    Production-like: DEBUG off (DEBUG keeps a copy of every query), no developer job
    settings, outside services on a closed port unless a benchmark serves them.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TASK_", "ENABLE_", "TEST_", "DJANGO_", "PYTEST"))
        and key not in ("DATABASE_URL", "EXTRA_JOBS", "DEBUG", "LOG_LEVEL")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "audiobook_site.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
            "SECURE_COOKIES": "false",
            "PYTHONUNBUFFERED": "1",
            **CLOSED_SERVICES,
        }
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def close_django_connections():
    from django.db import connections

    connections.close_all()


def use_database(name):
    """Point the bench process's Django at another database of the server."""
    from django.conf import settings
    from django.db import connection

    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


@contextmanager
def using(name):
    from django.db import connection

    previous = connection.settings_dict["NAME"]
    use_database(name)
    try:
        yield name
    finally:
        use_database(previous)
