"""The dashboard's checks of catalog's services: what to set, and the Test button's answer."""

import pytest
from lxml import html as lxml_html

from catalog.models import Book, Download, Release
from scheduling import health
from scheduling.models import ServiceCheck

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    health.forget_cache()


def state(service):
    return next(status for status in health.statuses() if status.service == service)


def press_test(client, service):
    return client.post(
        f"/admin/scheduling/servicecheck/test/{service}/", {"next": "/admin/"}, follow=True
    )


def test_the_test_button_records_qbittorrents_version_and_free_space(
    admin_client, fake_qbittorrent
):
    fake_qbittorrent.free_space = 42_000_000_000

    response = press_test(admin_client, "qbittorrent")

    row = ServiceCheck.objects.get(service="qbittorrent")
    assert row.ok is True
    assert "qBittorrent v4.5.2" in row.summary and "42.0 GB free" in row.summary
    assert "42.0 GB free" in response.content.decode()  # the message on the dashboard


def test_the_test_button_records_a_refused_login_with_what_to_check(
    admin_client, fake_qbittorrent, settings
):
    settings.QBITTORRENT_PASSWORD = "wrong-password-xyz"

    response = press_test(admin_client, "qbittorrent")

    status = state("qbittorrent")
    assert status.state == health.PROBLEM and "login refused" in status.summary
    page = response.content.decode()
    assert "QBITTORRENT_PASSWORD" in page and "wrong-password-xyz" not in page


@pytest.mark.qbittorrent
def test_the_real_qbittorrent_answers_the_test_with_its_version(admin_client, qbittorrent):
    press_test(admin_client, "qbittorrent")

    row = ServiceCheck.objects.get(service="qbittorrent")
    assert row.ok is True and "logged in, qBittorrent v" in row.summary
    # Until qBittorrent has measured the disk it says -1: then the space is not claimed.
    free = row.details["free_space_on_disk"]
    assert (free is None and "free" not in row.summary) or free > 0


def test_a_remote_qbittorrent_without_a_password_needs_setup(settings):
    settings.QBITTORRENT_URL, settings.QBITTORRENT_PASSWORD = "http://seedbox.example:8080", ""

    status = state("qbittorrent")

    assert status.state == health.NEEDS_SETUP and "QBITTORRENT_PASSWORD" in status.summary


def test_a_library_folder_that_is_not_mounted_needs_setup(settings, tmp_path):
    settings.LIBRARY_PATHS = [tmp_path / "not-mounted"]

    assert "is not a folder" in state("library").summary


def test_testing_the_library_records_its_free_space(admin_client, shelf):
    press_test(admin_client, "library")

    assert "GB free in" in ServiceCheck.objects.get(service="library").summary


def test_a_mam_cookie_set_in_the_admin_is_enough(settings):
    from catalog.clients import mam_session
    from catalog.models import ServiceSession

    settings.MAM_SESSION_ID = ""
    assert state("mam").state == health.NEEDS_SETUP

    mam_session.give("cookie-from-the-admin", ServiceSession.ADMIN)

    assert state("mam").state != health.NEEDS_SETUP


def test_audiobookshelf_is_not_used_until_its_url_is_set(settings):
    settings.AUDIOBOOKSHELF_URL = ""
    assert state("audiobookshelf").state == health.NOT_USED

    settings.AUDIOBOOKSHELF_URL, settings.AUDIOBOOKSHELF_TOKEN = "http://127.0.0.1:9", ""
    assert "AUDIOBOOKSHELF_TOKEN" in state("audiobookshelf").summary


def test_an_unreachable_service_is_a_problem_after_its_test(admin_client):
    press_test(admin_client, "google_books")

    status = state("google_books")
    assert status.state == health.PROBLEM and status.fix


def test_the_dashboard_counts_match_the_library(admin_client):
    for number, status in enumerate(["owned", "owned", "wanted", "downloading", "announced"]):
        Book.objects.create(title=f"Book {number}", status=status)
    book = Book.objects.filter(status="downloading").get()
    release = Release.objects.create(mam_id=1, title="Book 3", book=book)
    Download.objects.create(release=release, book=book, status=Download.IMPORT_BLOCKED)

    page = lxml_html.fromstring(admin_client.get("/admin/").content)

    def count(name):
        return int(page.xpath(f'//*[@data-count="{name}"]')[0].text)

    assert count("books") == 5
    assert (count("books-owned"), count("books-wanted"), count("books-announced")) == (2, 1, 1)
    assert count("import-blocked") == 1


def test_a_cookie_newly_set_in_the_setting_is_not_stored_by_a_page_view(admin_client, settings):
    from catalog.models import ServiceSession

    settings.MAM_SESSION_ID = "a-new-cookie-in-the-env"

    admin_client.get("/admin/")

    assert state("mam").state != health.NEEDS_SETUP
    assert not ServiceSession.objects.exists()


def test_the_mam_check_says_when_the_session_was_given_and_rotated(settings):
    from catalog.clients import mam_session
    from catalog.models import ServiceSession

    settings.MAM_SESSION_ID = ""
    mam_session.give("cookie-from-the-admin", ServiceSession.ADMIN)

    facts = state("mam").facts
    assert "session given" in facts and "rotated never" in facts
