"""The audiobook services on the dashboard: what each needs set, and its "Test" request.

Listed in settings.HEALTH_CHECKS (scheduling never imports catalog). Each probe makes one
harmless request through the service's own client (its timeout and rate limit) and records
what it learned; a refusal raises, and scheduling.health.test() records that instead.
"""

import ipaddress
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from catalog.clients import mam_session
from scheduling import health
from scheduling.health import Check

PROBE_TITLE, PROBE_AUTHOR, PROBE_ISBN = "The Hobbit", "J. R. R. Tolkien", "9780547928227"
PROBE_ASIN = "B0099SNHGQ"  # an audiobook Audible sells in most regions


# --- setup: what must be set before a service can be used at all (no network) -------------


def mam_setup():
    """Only reads (a page view must not store a session), and the row once: a cookie newly
    put in MAM_SESSION_ID is not tried yet, so it is no problem; the next run stores it."""
    configured = settings.MAM_SESSION_ID.strip()
    row = _stored_session()
    given = row is not None and row.seeded_from == mam_session.fingerprint(configured)
    if configured and not given:
        return None
    return mam_session.problem_of(row if given else None)


def _stored_session():
    from catalog.models import ServiceSession

    return ServiceSession.objects.filter(service=mam_session.SERVICE_KEY).first()


def mam_facts():
    """When the session was given, last worked, was rotated or refused."""
    row = _stored_session()
    if row is None:
        return ""

    def when(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "never"

    refused = f"; refused {when(row.refused_at)}" if row.refused_at else ""
    return (
        f"session given {when(row.set_at)} ({row.get_origin_display()}); last worked "
        f"{when(row.last_ok_at)}; rotated {when(row.rotated_at)}{refused}"
    )


def qbittorrent_setup():
    """A password is needed unless qBittorrent is on this machine (its Web UI may then let
    localhost in without one) or downloads are a dry run."""
    if settings.DOWNLOAD_DRY_RUN or settings.QBITTORRENT_PASSWORD:
        return None
    if _on_this_machine(urlsplit(settings.QBITTORRENT_URL).hostname or ""):
        return None
    return f"QBITTORRENT_PASSWORD is not set (qBittorrent at {settings.QBITTORRENT_URL})"


def _on_this_machine(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: not this machine, as far as we can tell without asking DNS
        return False


def library_setup():
    if not settings.LIBRARY_PATHS:
        return "LIBRARY_PATHS is not set: name the folders that hold your audiobooks"
    for folder in map(Path, settings.LIBRARY_PATHS):
        if not folder.is_dir():
            return f"LIBRARY_PATHS: {folder} is not a folder (not mounted?)"
        if not _readable(folder):
            return f"LIBRARY_PATHS: {folder} cannot be read by this process (permissions)"
    return None


def _readable(folder):
    try:
        next(folder.iterdir(), None)
    except OSError:
        return False
    return True


def audiobookshelf_in_use():
    return bool(settings.AUDIOBOOKSHELF_URL)


def audiobookshelf_setup():
    if not settings.AUDIOBOOKSHELF_TOKEN:
        return "AUDIOBOOKSHELF_TOKEN is not set (an API key from Audiobookshelf's settings)"
    return None


def hardcover_in_use():
    return bool(settings.HARDCOVER_TOKEN)


# --- probes: one harmless request each ---------------------------------------------------


def mam_probe():
    from catalog.clients.mam import MamClient

    MamClient().read_account()
    health.record("mam", True, "the session works (account read)")


def qbittorrent_probe():
    from catalog.clients.qbittorrent import TorrentClient

    client = TorrentClient()
    version = client.check()
    facts = client.server_facts()
    free = facts.get("free_space_on_disk")
    where = f", {gigabytes(free)} free in {facts['save_path']}" if free is not None else ""
    health.record("qbittorrent", True, f"logged in, qBittorrent {version}{where}", facts)


def google_books_probe():
    from catalog.clients.google_books import GoogleBooksClient

    GoogleBooksClient().find_by_isbn(PROBE_ISBN)
    health.record("google_books", True, "answered a search")


def goodreads_probe():
    from catalog.clients.goodreads import GoodreadsClient

    GoodreadsClient().book_by_isbn(PROBE_ISBN)
    health.record("goodreads", True, "answered a book page")


def openlibrary_probe():
    from catalog.clients.openlibrary import OpenLibraryClient

    OpenLibraryClient().search(title=PROBE_TITLE, author=PROBE_AUTHOR, limit=1)
    health.record("openlibrary", True, "answered a search")


def audible_probe():
    from catalog.clients.audible import AudibleClient

    AudibleClient().search(title=PROBE_TITLE, author=PROBE_AUTHOR, num_results=1)
    health.record("audible", True, "answered a search")


def audnexus_probe():
    from catalog.clients.audnexus import AsinUnavailable, AudnexusClient

    try:
        AudnexusClient().book(PROBE_ASIN)
    except AsinUnavailable:
        pass  # not in this region: an answer all the same
    health.record("audnexus", True, "answered a book")


def hardcover_probe():
    from catalog.clients.hardcover import HardcoverClient

    HardcoverClient().book_by_isbn(PROBE_ISBN)
    health.record("hardcover", True, "answered a query")


def audiobookshelf_probe():
    from catalog.clients.audiobookshelf_scan import AudiobookshelfScanClient

    libraries = AudiobookshelfScanClient().book_libraries()
    names = ", ".join(name for _, name, _ in libraries) or "none"
    health.record("audiobookshelf", True, f"{len(libraries)} book libraries: {names}")


def library_probe():
    """No network: each folder's free space (the folders exist: setup said so)."""
    free = {folder: shutil.disk_usage(folder).free for folder in settings.LIBRARY_PATHS}
    least = min(free, key=free.get)
    count = len(free)
    health.record(
        "library",
        True,
        f"{count} folder{'s' if count > 1 else ''} readable; {gigabytes(free[least])} free "
        f"in {least}",
        {"free_bytes": {str(folder): size for folder, size in free.items()}},
    )


def gigabytes(size):
    return f"{size / 1e9:.1f} GB"


CHECKS = [
    Check(
        "mam",
        "MyAnonamouse",
        fix="Set a new mam_id on the MyAnonamouse session page.",
        readme="keeping-your-mam-account-safe",
        setup="catalog.health.mam_setup",
        probe="catalog.health.mam_probe",
        facts="catalog.health.mam_facts",
    ),
    Check(
        "qbittorrent",
        "qBittorrent",
        fix="Check QBITTORRENT_URL, QBITTORRENT_USERNAME and QBITTORRENT_PASSWORD, and that "
        "the Web UI is on.",
        readme="following-downloads",
        setup="catalog.health.qbittorrent_setup",
        probe="catalog.health.qbittorrent_probe",
    ),
    Check(
        "library",
        "Library folders",
        fix="Check that LIBRARY_PATHS and LIBRARY_IMPORT_PATH are mounted and writable.",
        readme="following-downloads",
        setup="catalog.health.library_setup",
        probe="catalog.health.library_probe",
    ),
    Check(
        "audiobookshelf",
        "Audiobookshelf",
        fix="Check AUDIOBOOKSHELF_URL and AUDIOBOOKSHELF_TOKEN (an API key with access to the "
        "book libraries).",
        readme="following-downloads",
        in_use="catalog.health.audiobookshelf_in_use",
        setup="catalog.health.audiobookshelf_setup",
        probe="catalog.health.audiobookshelf_probe",
    ),
    Check(
        "google_books",
        "Google Books",
        fix="Wait for the quota to reset, or set GOOGLE_BOOKS_API_KEY for a quota of your own.",
        readme="settings",
        probe="catalog.health.google_books_probe",
    ),
    Check(
        "goodreads",
        "Goodreads",
        fix="Goodreads refuses or challenges us: metadata comes from the other sources meanwhile; "
        "lower GOODREADS_REQUESTS_PER_SECOND.",
        readme="conduct-toward-outside-services",
        probe="catalog.health.goodreads_probe",
    ),
    Check(
        "openlibrary",
        "Open Library",
        fix="Open Library is down or refusing: author completion waits for it.",
        readme="conduct-toward-outside-services",
        probe="catalog.health.openlibrary_probe",
    ),
    Check(
        "audible",
        "Audible",
        fix="Check AUDIBLE_REGION (or AUDIBLE_URL); Audible may be refusing for a while.",
        readme="settings",
        probe="catalog.health.audible_probe",
    ),
    Check(
        "audnexus",
        "Audnexus",
        fix="Audnexus is down: covers and chapters come from Audible meanwhile.",
        readme="settings",
        probe="catalog.health.audnexus_probe",
    ),
    Check(
        "hardcover",
        "Hardcover",
        fix="Check HARDCOVER_TOKEN (a new one from hardcover.app → Settings → API).",
        readme="settings",
        in_use="catalog.health.hardcover_in_use",
        probe="catalog.health.hardcover_probe",
    ),
]
