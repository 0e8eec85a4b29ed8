"""The torrent client's calls for download_monitor, against the fake qBittorrent 4.5 and 5.2
(the real one runs in test_monitor_qbittorrent.py)."""

import pytest

from catalog.clients.http import AccessRefused, ServiceError
from catalog.clients.qbittorrent import TorrentClient
from catalog.tests.fakes import torrent_file, torrent_info_hash

pytestmark = pytest.mark.parametrize("fake_qbittorrent", ["4.5", "5.2"], indirect=True)


def test_the_listing_reads_the_fields_the_monitor_needs(fake_qbittorrent):
    digest = torrent_info_hash("Abaddon's Gate")
    fake_qbittorrent.add(digest, "Abaddon's Gate", state="stoppedUP", progress=1.0, num_seeds=2)
    fake_qbittorrent.set(digest, ratio=0.5, num_complete=7)

    [listed] = TorrentClient().list_torrents(hashes=[digest])

    done = "stoppedUP" if fake_qbittorrent.version == "5.2" else "pausedUP"
    assert (listed["state"], listed["progress"], listed["seeders"]) == (done, 1.0, 7)
    assert listed["content_path"] == f"{fake_qbittorrent.save_path}/Abaddon's Gate"
    assert listed["completion_on"] > 0 and listed["ratio"] == 0.5


def test_an_unfinished_torrent_has_no_completion_time(fake_qbittorrent):
    digest = torrent_info_hash("Cibola Burn")
    fake_qbittorrent.add(digest, "Cibola Burn", state="downloading", progress=0.5)

    [listed] = TorrentClient().list_torrents(hashes=[digest])

    assert listed["completion_on"] == -1


def test_an_entry_without_a_hash_is_counted_not_listed(fake_qbittorrent):
    fake_qbittorrent.add("not-a-hash", "Junk")
    client = TorrentClient()

    assert client.list_torrents() == []
    assert client.malformed == 1


def test_the_files_are_named_relative_to_the_save_path(fake_qbittorrent):
    digest = torrent_info_hash("Nemesis Games")
    fake_qbittorrent.add(digest, "Nemesis Games", files=[("Nemesis Games/01.mp3", 10)])

    assert TorrentClient().files(digest) == [
        {"name": "Nemesis Games/01.mp3", "size": 10, "priority": 1}
    ]


def test_delete_removes_the_torrent_and_says_whether_its_files_go(fake_qbittorrent):
    digest = torrent_info_hash("Babylon's Ashes")
    fake_qbittorrent.add(digest, "Babylon's Ashes")

    TorrentClient().delete([digest], delete_files=False)

    assert fake_qbittorrent.deleted == [([digest], False)] and not fake_qbittorrent.torrents


def test_an_added_torrent_is_running_and_its_hash_returned(fake_qbittorrent):
    torrent = torrent_file("Tiamat's Wrath")

    digest = TorrentClient().add_torrent(torrent, category="audiobooks", tags=["a"])

    assert digest == torrent_info_hash("Tiamat's Wrath")
    assert fake_qbittorrent.torrents[digest]["state"] == "stalledDL"


def test_adding_a_torrent_it_already_has_is_not_an_error(fake_qbittorrent):
    torrent = torrent_file("Leviathan Falls")
    client = TorrentClient()

    assert client.add_torrent(torrent) == client.add_torrent(torrent)


def test_a_wrong_password_is_a_refused_login(fake_qbittorrent, settings):
    settings.QBITTORRENT_PASSWORD = "wrong"

    with pytest.raises(AccessRefused, match="QBITTORRENT_PASSWORD"):
        TorrentClient().list_torrents()


def test_files_of_an_unknown_torrent_is_an_error(fake_qbittorrent):
    with pytest.raises(ServiceError):
        TorrentClient().files("0" * 40)
