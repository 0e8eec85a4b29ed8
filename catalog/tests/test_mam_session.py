"""The MAM session cookie: sealed at rest, kept in memory, re-read only when another process
rotated it, a refusal recorded once and MAM work stopped until a new cookie is given."""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.clients import mam_session
from catalog.clients.http import SessionExpired
from catalog.clients.mam import MamClient
from catalog.models import ServiceSession
from catalog.sealing import seal, unseal
from scheduling import health
from scheduling.models import ServiceCheck
from scheduling.redaction import redact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_health():
    health.forget_cache()


def stored_cookie():
    return unseal(ServiceSession.objects.get(service="mam").value)


def session_reads(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("SELECT") and "catalog_servicesession" in q["sql"]
    ]


def search_counting_reads(client):
    with CaptureQueriesContext(connection) as queries:
        client.search()
    return len(session_reads(queries.captured_queries))


def test_the_rotated_cookie_is_stored_sealed_and_used_next(mam):
    MamClient().search()
    row = ServiceSession.objects.get(service="mam")
    assert "session-rotated-1" not in row.value and "session-one" not in row.value
    assert stored_cookie() == "session-rotated-1"
    MamClient().search()
    assert mam.cookies_seen == ["session-one", "session-rotated-1"]


def test_the_rotated_cookie_is_treated_as_a_secret(mam):
    MamClient().search()
    assert "session-rotated-1" not in redact("cookie was session-rotated-1")


def test_a_new_setting_replaces_the_stored_session(mam, settings):
    MamClient().search()
    mam.session = settings.MAM_SESSION_ID = "session-from-user"
    MamClient().search()
    assert mam.cookies_seen[-1] == "session-from-user"


def test_a_client_reads_the_cookie_once_then_never_per_request(mam):
    client = MamClient()
    reads = [search_counting_reads(client) for _ in range(5)]
    assert reads == [1, 0, 0, 0, 0]
    assert stored_cookie() == mam.session == "session-rotated-5"


def test_two_processes_sharing_the_database_both_keep_the_newest_cookie(mam):
    scheduler, runtask = MamClient(), MamClient()  # each with its own memory
    assert search_counting_reads(scheduler) == 1
    assert search_counting_reads(scheduler) == 0
    assert search_counting_reads(runtask) == 1  # its first request: it had nothing yet
    # The scheduler's cookie was rotated by the other process: MAM refuses it once, and
    # only then is the row read again (the version check, then the cookie).
    assert search_counting_reads(scheduler) == 2
    assert search_counting_reads(scheduler) == 0
    assert search_counting_reads(runtask) == 2
    assert len(mam.cookies_seen) == 8  # six searches, two of them retried once
    assert runtask.mam_session.value == stored_cookie() == mam.session
    assert ServiceSession.objects.get(service="mam").refused_at is None


def test_a_cookie_staff_set_meanwhile_is_not_overwritten_by_the_old_sessions_rotation(mam):
    client = MamClient()
    client.search()
    mam_session.give("staff-cookie", ServiceSession.ADMIN)  # another process, the admin

    client.search()  # MAM still honours the old session and rotates it

    assert stored_cookie() == "staff-cookie"
    assert client.mam_session.value == "staff-cookie"


def test_a_cookie_staff_set_is_used_after_the_old_one_is_refused(mam):
    client = MamClient()
    client.search()
    mam_session.give("staff-cookie", ServiceSession.ADMIN)
    mam.session = "staff-cookie"  # the old session is gone on MAM's side

    client.search()

    assert mam.cookies_seen[-2:] == ["session-rotated-1", "staff-cookie"]
    assert ServiceSession.objects.get(service="mam").refused_at is None


def test_a_refusal_is_recorded_once_and_later_clients_send_nothing(mam):
    mam.expired = True
    with pytest.raises(SessionExpired):
        MamClient().search()
    asked = len(mam.cookies_seen)

    with pytest.raises(SessionExpired, match="refused the session on .*HTTP 403"):
        MamClient().search()

    assert len(mam.cookies_seen) == asked
    row = ServiceSession.objects.get(service="mam")
    assert row.refused_at is not None and "HTTP 403" in row.refused_reason
    check = ServiceCheck.objects.get(service="mam")
    assert check.ok is False and "session refused" in check.summary


def test_a_new_cookie_from_staff_clears_the_refusal(mam):
    mam.expired = True
    with pytest.raises(SessionExpired):
        MamClient().search()
    mam.expired, mam.session = False, "fresh-cookie"

    mam_session.give("fresh-cookie", ServiceSession.ADMIN)

    assert mam_session.problem() is None
    MamClient().search()
    assert mam.cookies_seen[-1] == "fresh-cookie"


def test_a_cookie_sealed_under_another_secret_key_asks_for_a_new_one(mam, settings):
    MamClient().search()
    settings.SECRET_KEY = "another-secret-key-entirely-" * 2
    asked = len(mam.cookies_seen)

    with pytest.raises(SessionExpired, match="cannot be opened"):
        MamClient().search()

    assert len(mam.cookies_seen) == asked
    assert "cannot be opened (SECRET_KEY changed?)" in mam_session.problem()


def test_no_session_at_all_is_a_problem_named_with_its_remedy(settings):
    settings.MAM_SESSION_ID = ""
    assert "MAM_SESSION_ID" in mam_session.problem()


def test_the_migration_seals_cookies_stored_in_clear():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("catalog.migrations.0002_shelf_downloads_account_audiometa")
    ServiceSession.objects.create(service="mam", value="plain-cookie")

    migration.seal_stored_sessions(apps, None)

    assert stored_cookie() == "plain-cookie"
    assert ServiceSession.objects.get(service="mam").value != "plain-cookie"


def test_two_processes_storing_the_first_session_at_once_keep_one_row(monkeypatch):
    real_atomic = mam_session.transaction.atomic

    @contextmanager
    def another_process_stores_first(*args, **kwargs):
        monkeypatch.setattr(mam_session.transaction, "atomic", real_atomic)
        ServiceSession.objects.create(service="mam", value=seal("theirs"))
        with real_atomic(*args, **kwargs):
            yield

    monkeypatch.setattr(mam_session.transaction, "atomic", another_process_stores_first)

    mam_session.give("mine", ServiceSession.ADMIN)

    assert stored_cookie() == "mine"
    assert ServiceSession.objects.get().version == 2
