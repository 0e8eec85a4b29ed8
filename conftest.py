"""Fixtures shared by every app's tests."""

import json

import pytest
from django.conf import settings
from pytest_httpserver import HTTPServer

# CI (REQUIRE_REAL_SERVICES) refuses skips: see the module.
pytest_plugins = ["scheduling.tests.real_services"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test in a file as the site runs, not in pytest-django's shared memory.

    Threads that share an in-memory database lock whole tables and fail at once with
    "database table is locked" instead of waiting: the runner's heartbeat thread writing
    beside a job made runner tests flaky. A file gets WAL and the busy timeout, like
    production. A temporary file, so runs side by side in one checkout never meet.
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")
        database.setdefault("TEST", {})["NAME"] = name


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Tests never talk to a real service: every base URL points at a closed loopback port."""
    settings.MAM_URL = "http://127.0.0.1:9"
    settings.GOOGLE_BOOKS_API_URL = "http://127.0.0.1:9"
    settings.GOODREADS_URL = "http://127.0.0.1:9"
    settings.OPENLIBRARY_URL = "http://127.0.0.1:9"
    settings.QBITTORRENT_URL = "http://127.0.0.1:9"
    settings.AUDIBLE_URL = "http://127.0.0.1:9"
    settings.AUDNEXUS_URL = "http://127.0.0.1:9"
    settings.HARDCOVER_URL = "http://127.0.0.1:9"
    settings.HARDCOVER_TOKEN = ""
    settings.SCHEDULER_LOCK_FILE = str(tmp_path / "scheduler.lock")


class NotificationReceiver:
    """A loopback HTTP server taking Apprise's json:// POSTs, as a webhook would."""

    def __init__(self, server):
        self.server = server
        self.url = f"json://127.0.0.1:{server.port}/hook"

    def messages(self):
        return [json.loads(request.get_data()) for request, _ in self.server.log]


@pytest.fixture
def notification_receiver():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    server.start()
    yield NotificationReceiver(server)
    server.clear()
    server.stop()


@pytest.fixture
def staff_client(django_user_model):
    """A factory: a logged-in test Client of a new staff user with the given permissions."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    def make(*codenames, name="staff", client=None):
        user = django_user_model.objects.create_user(name, password="pw", is_staff=True)
        user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
        client = client or Client()
        client.force_login(user)
        return client

    return make
