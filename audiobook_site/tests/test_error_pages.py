"""No page shows a secret, with DEBUG on (the default) or off, even a server error's page.

Django's debug page lists every setting and request.META (under runserver, the whole
environment) and each frame's local variables; it hides only names with KEY, TOKEN,
SECRET, PASS, API, AUTH or SIGNATURE. MAM_SESSION_ID and NOTIFY_URLS are none of those.
"""

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scheduling.admin.history import TaskAdmin

pytestmark = pytest.mark.django_db

SECRETS = {
    "MAM_SESSION_ID": "mamSessionSecret7f3a91e0",
    "QBITTORRENT_PASSWORD": "qbitPasswordSecret5c2e88",
    "GOOGLE_BOOKS_API_KEY": "AIzaGoogleKeySecret9d4b17",
    "SECRET_KEY": "djangoSecretKeySecret-8e1f0c2b7a6d5e4f3c2b1a0987654321",
}
NOTIFY_URL = "tgram://notifyTokenSecret4411/12345"
HISTORY = reverse("admin:scheduling_task_changelist")


@pytest.fixture
def secrets(settings):
    for name, value in SECRETS.items():
        setattr(settings, name, value)
    settings.NOTIFY_URLS = [NOTIFY_URL]
    return [*SECRETS.values(), NOTIFY_URL]


@pytest.fixture
def staff():
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "x"))
    return client


@pytest.fixture
def broken_history(monkeypatch):
    """The history page failing mid-request while it holds the session cookie."""

    def fail(self, request, **kwargs):
        cookie = {"mam_id": django_settings.MAM_SESSION_ID}  # noqa: F841 - a frame's variable
        raise RuntimeError("the history page broke")

    monkeypatch.setattr(TaskAdmin, "get_changelist", fail)


def as_runserver(secrets_env):
    """request.META as runserver builds it: the process environment, secrets included."""
    return {name: value for name, value in secrets_env.items()}


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_server_error_page_shows_no_secret(secrets, staff, broken_history, settings, debug):
    settings.DEBUG = debug
    response = staff.get(HISTORY, **as_runserver({**SECRETS, "NOTIFY_URLS": NOTIFY_URL}))
    page = response.content.decode()
    assert response.status_code == 500
    assert [secret for secret in secrets if secret in page] == []


def test_the_debug_page_still_names_the_hidden_settings_and_variables(
    secrets, staff, broken_history, settings
):
    settings.DEBUG = True
    page = staff.get(HISTORY, MAM_SESSION_ID=SECRETS["MAM_SESSION_ID"]).content.decode()
    assert "the history page broke" in page  # the debug page, not the plain one
    assert "MAM_SESSION_ID" in page and "NOTIFY_URLS" in page and "cookie" in page
    assert "********************" in page


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_no_admin_list_shows_a_secret(secrets, staff, settings, debug):
    settings.DEBUG = debug
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    for url in urls:
        response = staff.get(url, follow=True)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert [secret for secret in secrets if secret in page] == [], url
