"""The admin's MyAnonamouse page, banner and jobs-page panel: staff see the session's state
and the account, set a new cookie (sealed, never shown back), and who may is checked."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from catalog.clients import mam_session
from catalog.models import MamAccount, ServiceSession
from catalog.sealing import unseal

pytestmark = pytest.mark.django_db

MAM_PAGE = reverse("admin:catalog_servicesession_changelist")
JOBS_PAGE = reverse("admin:scheduling_jobcontrol_changelist")
COOKIE = "fresh-cookie-from-mam-security-page"


@pytest.fixture
def keeper(staff_client):
    """Staff who may see and replace the session."""
    return staff_client(
        "view_servicesession",
        "change_servicesession",
        "view_jobcontrol",
        "view_book",
    )


@pytest.fixture
def watcher(staff_client):
    """Staff who may see the session's state but not replace it."""
    return staff_client("view_servicesession", "view_jobcontrol")


def refused_session(settings):
    settings.MAM_SESSION_ID = "old-cookie"
    mam_session.current_row()
    ServiceSession.objects.update(refused_at="2026-11-25T10:00:00Z", refused_reason="HTTP 403")


def test_staff_set_a_new_cookie_that_is_stored_sealed(keeper):
    response = keeper.post(MAM_PAGE, {"cookie": COOKIE})

    assert response.status_code == 302
    row = ServiceSession.objects.get(service="mam")
    assert COOKIE not in row.value and unseal(row.value) == COOKIE
    assert row.origin == ServiceSession.ADMIN


def test_the_cookie_is_never_shown_back(keeper):
    keeper.post(MAM_PAGE, {"cookie": COOKIE})

    page = keeper.get(MAM_PAGE).content.decode()

    assert "set by staff in the admin" in page
    assert COOKIE not in page and ServiceSession.objects.get().value not in page


def test_a_malformed_cookie_is_refused_without_echoing_it(keeper):
    response = keeper.post(MAM_PAGE, {"cookie": "mam_id=abc def; other=1"})

    page = response.content.decode()
    assert response.status_code == 200 and "That is not a mam_id value" in page
    assert "abc def" not in page
    assert not ServiceSession.objects.exists()


def test_a_pasted_mam_id_prefix_is_dropped(keeper):
    keeper.post(MAM_PAGE, {"cookie": f"mam_id={COOKIE}"})

    assert unseal(ServiceSession.objects.get().value) == COOKIE


def test_setting_the_cookie_needs_the_change_permission(watcher):
    page = watcher.get(MAM_PAGE).content.decode()
    response = watcher.post(MAM_PAGE, {"cookie": COOKIE})

    assert "Store the new cookie" not in page
    assert response.status_code == 403
    assert not ServiceSession.objects.exists()


def test_setting_the_cookie_needs_the_csrf_token(staff_client):
    client = staff_client(
        "view_servicesession",
        "change_servicesession",
        client=Client(enforce_csrf_checks=True),
    )

    assert client.post(MAM_PAGE, {"cookie": COOKIE}).status_code == 403
    assert not ServiceSession.objects.exists()


def test_there_is_no_change_form_that_could_show_the_sealed_value():
    with pytest.raises(NoReverseMatch):
        reverse("admin:catalog_servicesession_change", args=["mam"])


def test_a_refused_session_puts_a_banner_on_every_admin_page(keeper, settings):
    refused_session(settings)

    for url in (reverse("admin:index"), JOBS_PAGE, reverse("admin:catalog_book_changelist")):
        page = keeper.get(url).content.decode()
        assert 'id="mam-session-banner"' in page, url
        assert "MyAnonamouse refused the session on 2026-11-25 10:00 (HTTP 403)" in page


def test_a_new_cookie_takes_the_banner_away(keeper, settings):
    refused_session(settings)

    keeper.post(MAM_PAGE, {"cookie": COOKIE})

    assert 'id="mam-session-banner"' not in keeper.get(reverse("admin:index")).content.decode()
    assert mam_session.problem() is None


def test_a_working_session_shows_no_banner(keeper, settings):
    settings.MAM_SESSION_ID = "fine-cookie"
    mam_session.current_row()

    assert 'id="mam-session-banner"' not in keeper.get(reverse("admin:index")).content.decode()


def test_the_jobs_page_shows_the_account_reading_and_when_it_was_read(keeper):
    account = MamAccount.keep(
        classname="VIP", ratio=2.345, unsat_count=12, unsat_limit=150, wedges=9, seedbonus=777
    )

    page = " ".join(keeper.get(JOBS_PAGE).content.decode().split())

    assert 'id="mam-account-panel"' in page
    assert "VIP, ratio 2.35" in page and "unsatisfied 12 of 150" in page
    assert "wedges 9 (never spent)" in page
    assert f"read {account.read_at:%Y-%m-%d %H:%M:%S}" in page


def test_the_panel_is_hidden_from_staff_who_may_not_see_the_session(staff_client):
    client = staff_client("view_jobcontrol")
    MamAccount.keep(classname="VIP", ratio=2.0)

    page = client.get(JOBS_PAGE).content.decode()

    assert client.get(JOBS_PAGE).status_code == 200
    assert 'id="mam-account-panel"' not in page
