"""Downloads go only to the configured client, fetched only from MAM_URL.

A provider's answer may name other hosts (MAM's `dl` link, a thumbnail, a description with
links, a redirect): none of them is ever asked for anything, and the session cookie goes to
MAM_URL alone. The .torrent bytes are fetched from `{MAM_URL}/tor/download.php?tid=<id>`
and handed to the configured qBittorrent as a file, never as a URL. The admin's permissions
(staff + "can control jobs", 403 otherwise, POST and CSRF only) are covered by
scheduling/tests/test_admin_jobs.py, test_admin_history.py and test_admin_failed.py.
"""

import pytest
from werkzeug import Response

from catalog.models import Author, Book, Download
from catalog.tests.fakes import days_ago, mam_item, torrent_file
from scheduling.models import Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def elsewhere(service_server):
    """A host no request may reach: it serves a torrent to whoever asks, and notes who did."""
    server = service_server()
    server.expect_request("/x.torrent").respond_with_data(
        torrent_file("from elsewhere"), content_type="application/x-bittorrent"
    )
    return server


@pytest.fixture
def wanted(mam, elsewhere):
    book = Book.objects.create(title="Caliban's War", status=Book.WANTED)
    book.authors.add(Author.objects.create(name="James S. A. Corey"))
    evil = elsewhere.url_for("/x.torrent")
    mam.items = [
        mam_item(
            102,
            "Caliban's War",
            authors=["James S. A. Corey"],
            added=days_ago(1),
            dl=evil,
            thumbnail=evil,
            description=f'<a href="{evil}">get it here</a>',
        )
    ]
    return book


@pytest.mark.qbittorrent
def test_a_release_is_fetched_from_mam_url_and_sent_as_a_file_to_the_configured_client(
    wanted, mam, elsewhere, qbittorrent, settings
):
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    assert mam.downloads == [102]
    assert [t["name"] for t in qbittorrent.list_torrents()] == ["102-Caliban's War"]
    assert Download.objects.get().client_hash == qbittorrent.list_torrents()[0]["hash"]
    assert elsewhere.log == []


def test_a_mam_download_redirected_to_another_host_is_not_followed(wanted, mam, elsewhere):
    mam.server.clear()  # searches answer as before; the download answers with a redirect
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_handler(mam._search)
    mam.server.expect_request("/jsonLoad.php").respond_with_handler(mam._account)
    mam.server.expect_request("/tor/download.php").respond_with_handler(
        lambda request: Response(status=302, headers={"Location": elsewhere.url_for("/x.torrent")})
    )
    task = run_task("mam_scraping", Task.CLI)
    assert task.status == Task.FAILED
    assert "redirect" in task.error_message.splitlines()[0]
    assert elsewhere.log == []  # neither the cookie nor the request went there
    assert Download.objects.count() == 0
