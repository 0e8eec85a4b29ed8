"""The torrent client: against a real qbittorrent-nox on loopback where marked."""

import pytest

from catalog.clients.http import BadResponse, ServiceError, ServiceUnavailable
from catalog.clients.qbittorrent import TorrentClient, info_hash
from catalog.tests.fakes import torrent_file, torrent_info_hash


@pytest.mark.qbittorrent
def test_a_torrent_added_from_bytes_is_listed_with_its_category_and_tags(qbittorrent):
    torrent = torrent_file("Leviathan Wakes")
    digest = qbittorrent.add_torrent(
        torrent, category="audiobooks", tags=["audiobook-site", "series"], paused=True
    )
    listed = qbittorrent.list_torrents(category="audiobooks")
    assert [t["hash"] for t in listed] == [digest]
    assert listed[0]["name"] == "Leviathan Wakes"
    assert sorted(listed[0]["tags"]) == ["audiobook-site", "series"]
    assert qbittorrent.list_torrents(tag="series")[0]["hash"] == digest


@pytest.mark.qbittorrent
def test_adding_the_same_torrent_twice_is_not_an_error(qbittorrent):
    torrent = torrent_file("Caliban's War")
    first = qbittorrent.add_torrent(torrent, category="audiobooks", paused=True)
    assert qbittorrent.add_torrent(torrent, category="audiobooks", paused=True) == first


@pytest.mark.qbittorrent
def test_the_check_reports_the_version(qbittorrent):
    assert qbittorrent.check().startswith("v")


@pytest.mark.qbittorrent
def test_wrong_credentials_are_a_clear_error_without_the_password(real_qbittorrent):
    client = TorrentClient(
        url=real_qbittorrent.url, username="admin", password="wrong-password-xyz"
    )
    with pytest.raises(ServiceError) as error:
        client.check()
    assert "QBITTORRENT_PASSWORD" in str(error.value)
    assert "wrong-password-xyz" not in str(error.value)


def test_a_missing_client_is_a_clear_error_naming_its_url():
    with pytest.raises(ServiceUnavailable, match=r"at http://127\.0\.0\.1:9: is it running"):
        TorrentClient(url="http://127.0.0.1:9", username="admin", password="x").check()


def test_a_password_in_the_url_never_appears_in_an_error():
    client = TorrentClient(url="http://admin:url-secret-77@127.0.0.1:9", password="x")
    with pytest.raises(ServiceUnavailable) as error:
        client.check()
    assert "url-secret-77" not in str(error.value)


def test_the_info_hash_is_the_sha1_of_the_bencoded_info_dict():
    assert info_hash(torrent_file("Abaddon's Gate")) == torrent_info_hash("Abaddon's Gate")


def test_junk_is_not_a_torrent():
    with pytest.raises(BadResponse):
        info_hash(b"<html>not a torrent</html>")
