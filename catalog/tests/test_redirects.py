"""Redirects: our credentials and trust stay on the host we were configured with."""

import pytest

from catalog.clients.google_books import GoogleBooksClient
from catalog.clients.http import BadResponse, ServiceError, build_session, call
from catalog.clients.qbittorrent import TorrentClient


@pytest.fixture
def elsewhere(service_server):
    """Another host: nothing of ours may reach it."""
    server = service_server()
    server.expect_request("/stolen").respond_with_data("ok")
    return server


def test_a_metadata_client_does_not_follow_a_redirect_to_another_host(google, elsewhere, settings):
    settings.GOOGLE_BOOKS_API_KEY = "google-key-4242"
    google.server.clear()
    google.server.expect_request("/volumes").respond_with_data(
        "",
        status=302,
        headers={"Location": elsewhere.url_for("/stolen").replace("127.0.0.1", "localhost")},
    )
    with pytest.raises(BadResponse, match="redirected to localhost"):
        GoogleBooksClient().find_by_isbn("9780316129084")
    assert len(elsewhere.log) == 0


def test_a_redirect_on_the_same_host_is_followed(service_server):
    server = service_server()
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data("here")
    assert call("Svc", build_session(), "GET", server.url_for("/old")).text == "here"


@pytest.mark.parametrize("status", [307, 308])
def test_qbittorrent_never_sends_its_password_on_along_a_redirect(
    service_server, elsewhere, settings, status
):
    server = service_server()
    target = elsewhere.url_for("/stolen").replace("127.0.0.1", "localhost")
    server.expect_request("/api/v2/auth/login").respond_with_data(
        "", status=status, headers={"Location": target}
    )
    settings.QBITTORRENT_USERNAME, settings.QBITTORRENT_PASSWORD = "admin", "hunter2-secret"
    with pytest.raises(ServiceError):
        TorrentClient(url=server.url_for("").rstrip("/")).check()
    assert len(elsewhere.log) == 0
