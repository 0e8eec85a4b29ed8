"""After an import, Audiobookshelf is asked to scan the library that holds it (a loopback
fake answering as PROVIDERS-DETAIL.md section 1 says: Bearer key, 200 at once)."""

import pytest

from catalog.clients.audiobookshelf import AudiobookshelfClient
from catalog.clients.http import AccessRefused, ServiceError
from catalog.tests.fakes.audiobookshelf import KEY
from catalog.tests.monitoring import downloading_book, monitor, sent, torrent_content
from scheduling.models import Task

TOKEN = KEY


@pytest.fixture
def libraries(audiobookshelf):
    audiobookshelf.libraries["lib-other"] = "/elsewhere"
    return audiobookshelf


def test_the_library_holding_the_folder_is_scanned(libraries):
    scanned = AudiobookshelfClient().scan_libraries_holding(["/audiobooks/Corey/Book"])

    assert (scanned, libraries.scans) == (["lib-books"], ["lib-books"])


def test_when_no_library_holds_it_every_book_library_is_scanned(libraries):
    AudiobookshelfClient().scan_libraries_holding(["/mnt/library/Corey/Book"])

    assert libraries.scans == ["lib-books", "lib-other"]


def test_a_refused_key_is_an_error_without_the_key(audiobookshelf, settings):
    settings.AUDIOBOOKSHELF_TOKEN = "wrong-key-xyz"

    with pytest.raises(ServiceError) as error:
        AudiobookshelfClient().scan_libraries_holding(["/audiobooks"])

    assert "wrong-key-xyz" not in str(error.value) and "HTTP 401" in str(error.value)


def test_a_key_revoked_while_items_are_read_is_the_same_clear_error(audiobookshelf):
    client = AudiobookshelfClient()
    [(library_id, _, _)] = client.book_libraries()
    audiobookshelf.key = "a-newer-key"  # revoked in Audiobookshelf's settings meanwhile

    with pytest.raises(AccessRefused, match=r"refused \(HTTP 401\): check AUDIOBOOKSHELF_TOKEN"):
        list(client.items(library_id))


@pytest.mark.django_db(transaction=True)
def test_an_import_asks_audiobookshelf_to_scan(audiobookshelf, fake_qbittorrent, shelf):
    audiobookshelf.libraries["lib-books"] = str(shelf)
    book = downloading_book()
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    sent(book, digest)

    task = monitor()

    assert audiobookshelf.scans == ["lib-books"]
    assert TOKEN not in task.log_output


@pytest.mark.django_db(transaction=True)
def test_a_pass_without_imports_asks_for_no_scan(audiobookshelf, fake_qbittorrent, shelf):
    sent(downloading_book(), torrent_content(fake_qbittorrent, "x", state="downloading")[0])

    assert monitor().status == Task.COMPLETED
    assert audiobookshelf.scans == []


@pytest.mark.django_db(transaction=True)
def test_an_audiobookshelf_answering_nonsense_does_not_undo_the_import(
    service_server, settings, fake_qbittorrent, shelf
):
    odd = service_server()
    odd.expect_request("/api/libraries").respond_with_data("<html>login</html>")
    settings.AUDIOBOOKSHELF_URL = odd.url_for("").rstrip("/")
    book = downloading_book()
    digest, _ = torrent_content(fake_qbittorrent, "Calibans War [mp3]")
    download = sent(book, digest)

    task = monitor()

    download.refresh_from_db()
    assert (task.status, download.status) == (Task.COMPLETED, "imported")
    assert "Audiobookshelf was not asked to scan: Audiobookshelf: /api/libraries answered" in (
        task.log_output
    )
