"""The Downloads page (state, progress, ratio, import path or reason, actions) and the
blocklist staff can clear."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Blocklist, Book, Download
from catalog.tests.monitoring import digest_of, downloading_book, sent
from catalog.tests.test_admin_catalog import act, url
from scheduling.models import JobControl

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    return downloading_book()


def test_the_page_shows_state_progress_seeders_ratio_and_import_path(admin_client, book):
    download = sent(book, digest_of("a"), status=Download.IMPORTED)
    Download.objects.filter(pk=download.pk).update(
        client_state="stalledUP", progress=1, seeders=4, ratio=1.234, import_path="/library/x"
    )

    page = admin_client.get(url(Download)).content.decode()

    assert "Imported" in page and "stalledUP" in page
    assert '<progress max="100" value="100" title="100%"></progress> 100%' in page
    assert "1.23" in page and "/library/x" in page


def test_the_page_shows_why_an_import_is_blocked(admin_client, book):
    download = sent(book, digest_of("a"), status=Download.IMPORT_BLOCKED)
    Download.objects.filter(pk=download.pk).update(error_message="the torrent has no audio")

    page = admin_client.get(url(Download), {"status__exact": "import_blocked"}).content.decode()

    assert "Import blocked" in page and "the torrent has no audio" in page


def test_retry_import_puts_a_blocked_download_back_to_import_and_queues_the_monitor(
    admin_client, book
):
    blocked = sent(book, digest_of("a"), status=Download.IMPORT_BLOCKED)

    act(admin_client, Download, "retry_import", blocked)

    blocked.refresh_from_db()
    assert (blocked.status, blocked.error_message) == (Download.COMPLETED, "")
    assert JobControl.objects.get(name="download_monitor").run_requested_at is not None


def test_retry_import_leaves_a_download_still_downloading_alone(admin_client, book):
    downloading = sent(book, digest_of("a"))

    response = admin_client.post(
        url(Download),
        {"action": "retry_import", "index": 0, "_selected_action": [downloading.pk]},
        follow=True,
    )

    downloading.refresh_from_db()
    assert downloading.status == Download.SENT
    assert "1 download left as they were" in response.content.decode()


def test_mark_failed_blocklists_the_release_and_wants_the_book_again(admin_client, book):
    download = sent(book, digest_of("a"))

    act(admin_client, Download, "mark_failed", download)

    download.refresh_from_db()
    book.refresh_from_db()
    assert (download.status, download.error_message) == (Download.FAILED, "marked failed by admin")
    assert download.remove_from_client
    assert book.status == Book.WANTED
    assert Blocklist.objects.get().release == download.release


def test_clearing_the_blocklist_allows_the_release_again(admin_client, book):
    download = sent(book, digest_of("a"))
    entry = Blocklist.objects.create(book=book, release=download.release, reason="stalled")
    assert "stalled" in admin_client.get(url(Blocklist)).content.decode()

    act(admin_client, Blocklist, "clear", entry)

    assert not Blocklist.objects.exists()


def test_viewers_cannot_mark_failed(client, django_user_model, book):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_download"))
    client.force_login(viewer)
    download = sent(book, digest_of("a"))

    act(client, Download, "mark_failed", download)

    download.refresh_from_db()
    assert download.status == Download.SENT


def test_the_downloads_page_costs_the_same_queries_at_5_and_100_downloads(admin_client):
    counts = []
    for total in (5, 100):
        Download.objects.all().delete()
        for number in range(total):
            book = Book.objects.create(title=f"Book {total}-{number}")
            sent(book, digest_of(f"{total}-{number}"), mam_id=total * 1000 + number)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url(Download), {"all": ""}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_blocklist_pages_render(admin_client, book):
    entry = Blocklist.objects.create(
        book=book, release=sent(book, digest_of("a")).release, reason="x"
    )
    for view, args in (("changelist", ()), ("add", ()), ("change", (entry.pk,))):
        assert admin_client.get(url(Blocklist, view, *args)).status_code == 200
