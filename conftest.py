"""Fixtures shared by every app's tests."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Tests never talk to a real service: every base URL points at a closed loopback port."""
    settings.MAM_URL = "http://127.0.0.1:9"
    settings.GOOGLE_BOOKS_API_URL = "http://127.0.0.1:9"
    settings.GOODREADS_URL = "http://127.0.0.1:9"
    settings.OPENLIBRARY_URL = "http://127.0.0.1:9"
    settings.QBITTORRENT_URL = "http://127.0.0.1:9"
    settings.SCHEDULER_LOCK_FILE = str(tmp_path / "scheduler.lock")
