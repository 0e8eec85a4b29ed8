"""Fake services on loopback, and a real qbittorrent-nox."""

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import time

import pytest
import requests
from pytest_httpserver import HTTPServer

from catalog.tests.fakes import FakeAudible, FakeAudnexus, FakeGoogleBooks, FakeHardcover, FakeMam
from scheduling.tests.real_services import require

QBITTORRENT_MISSING = "qbittorrent-nox is not installed (apt-get install qbittorrent-nox)"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def service_server():
    """A factory of local HTTP servers, one per faked service, all stopped at the end."""
    servers = []

    def start():
        server = HTTPServer(host="127.0.0.1", port=0)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture(autouse=True)
def _unlimited_and_quick(settings):
    """No rate limit and no retry sleeps unless a test asks: tests stay fast."""
    settings.MAM_REQUESTS_PER_SECOND = 0
    settings.GOOGLE_BOOKS_REQUESTS_PER_SECOND = 0
    settings.GOODREADS_REQUESTS_PER_SECOND = 0
    settings.OPENLIBRARY_REQUESTS_PER_SECOND = 0
    settings.AUDIBLE_REQUESTS_PER_SECOND = 0
    settings.AUDNEXUS_REQUESTS_PER_SECOND = 0
    settings.HARDCOVER_REQUESTS_PER_SECOND = 0
    settings.HTTP_RETRIES = 0
    settings.MAM_SESSION_ID = "session-one"


@pytest.fixture
def sleeps(monkeypatch):
    """Retry backoff and Retry-After waits, recorded instead of slept."""
    recorded = []
    monkeypatch.setattr("catalog.clients.http.sleep", recorded.append)
    return recorded


@pytest.fixture
def mam(service_server, settings):
    server = service_server()
    settings.MAM_URL = server.url_for("").rstrip("/")
    return FakeMam(server).install()


@pytest.fixture
def google(service_server, settings):
    server = service_server()
    settings.GOOGLE_BOOKS_API_URL = server.url_for("").rstrip("/")
    return FakeGoogleBooks(server).install()


@pytest.fixture
def goodreads(service_server, settings):
    server = service_server()
    settings.GOODREADS_URL = server.url_for("").rstrip("/")
    return server


@pytest.fixture
def openlibrary(service_server, settings):
    server = service_server()
    settings.OPENLIBRARY_URL = server.url_for("").rstrip("/")
    return server


@pytest.fixture
def audible(service_server, settings):
    """Audible's catalog of the configured region (AUDIBLE_URL overrides the host)."""
    server = service_server()
    settings.AUDIBLE_URL = server.url_for("").rstrip("/")
    return FakeAudible(server).install()


@pytest.fixture
def audnexus(service_server, settings):
    server = service_server()
    settings.AUDNEXUS_URL = server.url_for("").rstrip("/")
    return FakeAudnexus(server).install()


@pytest.fixture
def hardcover(service_server, settings):
    fake = FakeHardcover(service_server()).install()
    settings.HARDCOVER_URL = fake.url
    settings.HARDCOVER_TOKEN = fake.token
    return fake


@pytest.fixture
def audiobook_sources(audible, audnexus):
    """Audible and Audnexus answering, knowing nothing unless a test adds books: tests of
    the print sources see them as sources without an answer, not as sources that are down."""
    return audible, audnexus


# --- a real qBittorrent --------------------------------------------------------------------


class RealQbittorrent:
    username = "admin"
    password = "adminadmin"

    def __init__(self, root):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def write_config(self):
        config = self.root / "qBittorrent" / "config"
        config.mkdir(parents=True, exist_ok=True)
        salt = os.urandom(16)
        key = hashlib.pbkdf2_hmac("sha512", self.password.encode(), salt, 100000, 64)
        password = f"{base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()}"
        # Loopback only: no DHT, peer exchange, local discovery or UPnP.
        (config / "qBittorrent.conf").write_text(
            "[LegalNotice]\nAccepted=true\n\n"
            "[BitTorrent]\nSession\\DHTEnabled=false\nSession\\LSDEnabled=false\n"
            f"Session\\PeXEnabled=false\nSession\\Port={free_port()}\n"
            f"Session\\DefaultSavePath={self.root / 'downloads'}\nSession\\AddTorrentPaused=true\n"
            "Session\\Interface=lo\nSession\\InterfaceName=lo\n\n"
            "[Preferences]\nConnection\\UPnP=false\nWebUI\\Address=127.0.0.1\n"
            f"WebUI\\Port={self.port}\nWebUI\\Username={self.username}\n"
            f'WebUI\\Password_PBKDF2="@ByteArray({password})"\n'
            "WebUI\\LocalHostAuth=true\nWebUI\\HostHeaderValidation=false\n"
        )

    def start(self):
        self.write_config()
        with open(self.root / "qbittorrent.log", "w") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                ["qbittorrent-nox", f"--profile={self.root}"], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        # A process that exited (a bad profile, a taken port) will never answer: stop waiting.
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                requests.get(f"{self.url}/api/v2/app/webapiVersion", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"qbittorrent-nox did not start: {(self.root / 'qbittorrent.log').read_text()}"
        )

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def real_qbittorrent(tmp_path_factory):
    """qbittorrent-nox on a free loopback port with a temporary profile (admin/adminadmin)."""
    require(shutil.which("qbittorrent-nox"), QBITTORRENT_MISSING)
    qbit = RealQbittorrent(tmp_path_factory.mktemp("qbittorrent")).start()
    yield qbit
    qbit.stop()


@pytest.fixture
def qbittorrent(real_qbittorrent, settings):
    """The real qBittorrent, configured as the download client, emptied before the test."""
    settings.QBITTORRENT_URL = real_qbittorrent.url
    settings.QBITTORRENT_USERNAME = real_qbittorrent.username
    settings.QBITTORRENT_PASSWORD = real_qbittorrent.password
    from catalog.clients.qbittorrent import TorrentClient

    client = TorrentClient()
    hashes = [t["hash"] for t in client.list_torrents()]
    if hashes:
        client.client.torrents_delete(delete_files=True, torrent_hashes=hashes)
    return client


# --- following downloads: a fake qBittorrent and a library folder --------------------------


@pytest.fixture
def fake_qbittorrent(service_server, settings, tmp_path, request):
    """qBittorrent's Web API faked in memory (4.5 unless the test asks for "5.2")."""
    from catalog.tests.fakes.qbittorrent import PASSWORD, USERNAME, FakeQbittorrent

    server = service_server()
    settings.QBITTORRENT_URL = server.url_for("").rstrip("/")
    settings.QBITTORRENT_USERNAME, settings.QBITTORRENT_PASSWORD = USERNAME, PASSWORD
    save_path = tmp_path / "downloads"
    save_path.mkdir()
    version = getattr(request, "param", "4.5")
    return FakeQbittorrent(version=version, save_path=str(save_path)).install(server)


@pytest.fixture
def shelf(settings, tmp_path):
    """An empty library folder, the import target."""
    root = tmp_path / "library"
    root.mkdir()
    settings.LIBRARY_PATHS = [str(root)]
    settings.LIBRARY_IMPORT_PATH = str(root)
    return root


@pytest.fixture
def pace_store(monkeypatch, tmp_path):
    """The shared host pace in a file of this test's own (PostgreSQL: the test database)."""
    from catalog.clients import pace

    pace.close()
    monkeypatch.setattr(pace, "sqlite_path", lambda: tmp_path / "pace.sqlite3")
    yield pace
    pace.close()


# --- the library scan: real audio made by ffmpeg (shelf_audio) ---------------------------

from catalog.tests.shelf_audio import library, tones  # noqa: E402, F401 - fixtures for all


@pytest.fixture
def audiobookshelf(service_server, settings):
    """Audiobookshelf's API faked (catalog/tests/fakes/audiobookshelf.py), configured."""
    from catalog.tests.fakes.audiobookshelf import KEY, FakeAudiobookshelf

    server = service_server()
    settings.AUDIOBOOKSHELF_URL = server.url_for("").rstrip("/")
    settings.AUDIOBOOKSHELF_TOKEN = KEY
    settings.AUDIOBOOKSHELF_LIBRARY_IDS = []
    return FakeAudiobookshelf().install(server)


@pytest.fixture(autouse=True, scope="session")
def _pace_store_closed_at_the_end():
    """The shared pace's own connection is closed before the test database is dropped."""
    yield
    from catalog.clients import pace

    pace.close()
