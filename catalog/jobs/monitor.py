"""download_monitor: follow every download sent to qBittorrent until it is on the shelf.

One torrents/info request a pass lists every followed download by its hash. Each one's
progress, state, seeders and ratio are recorded (written only when they changed). Then:
- complete (uploading, stalledUP, pausedUP / stoppedUP, queuedUP, forcedUP, all of it):
  imported onto the shelf (catalog/importer.py), or "import blocked" with the reason;
- failed (catalog/failures.py) when qBittorrent reports `error` or `missingFiles`, when it
  is missing from two listings in a row (a qBittorrent that cannot be reached lists
  nothing, so it never counts), or when it made no progress and saw no seeder for
  DOWNLOAD_STALLED_MINUTES (time paused, queued or checking does not count).
After the downloads, failed torrents are removed from qBittorrent (REMOVE_FAILED_DOWNLOADS),
with their data unless another torrent uses it, and Audiobookshelf, when configured, is
asked to scan after imports. A pass repeated with nothing new changes nothing.
"""

import os
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from catalog import bulk, importer
from catalog.clients.audiobookshelf import AudiobookshelfClient
from catalog.clients.http import AccessRefused, ServiceError, ServiceUnavailable
from catalog.clients.qbittorrent import TorrentClient
from catalog.failures import fail_download
from catalog.models import Download
from scheduling import health
from scheduling.runner import SkipRun

COMPLETE_STATES = {"uploading", "stalledUP", "pausedUP", "stoppedUP", "queuedUP", "forcedUP"}
FAILED_STATES = {"error", "missingFiles"}
# Waiting on staff or on qBittorrent itself, not on the swarm: the stall clock stops.
WAITING_STATES = {
    "pausedDL", "stoppedDL", "queuedDL", "checkingDL", "checkingUP", "checkingResumeData",
    "moving",
}  # fmt: skip
REMOVED_AFTER_LISTINGS = 2
GONE = "removed"  # client_state of an imported torrent no longer in qBittorrent
FIGURES = [
    "client_state", "progress", "seeders", "ratio", "content_path", "stalled_since",
    "missing_listings",
]  # fmt: skip


def followed_downloads():
    return (
        Download.objects.filter(
            Q(status__in=Download.FOLLOWED_STATUSES) | Q(remove_from_client=True)
        )
        .exclude(client_hash="")
        .exclude(status=Download.IMPORTED, client_state=GONE)
        .select_related("book", "release")
        .order_by("pk")
    )


def download_monitor(run):
    downloads = list(followed_downloads())
    run.set_total(len(downloads))
    if not downloads:
        return "No download to follow."
    client = TorrentClient()
    try:
        torrents = client.list_torrents(hashes=[d.client_hash for d in downloads])
    except ServiceUnavailable as error:
        health.record("qbittorrent", False, str(error))
        # Not a failure of the job, and not "removed" either: the next pass will see.
        raise SkipRun(f"{error} Nothing was counted as removed.") from None
    health.record("qbittorrent", True, f"{len(torrents)} followed torrents listed")
    monitor = MonitorPass(run, client, {t["hash"]: t for t in torrents})
    if client.malformed:
        run.log.warning("qBittorrent listed %d torrents without a usable hash.", client.malformed)
    try:
        for download in run.items(downloads):
            monitor.follow(download)
    finally:
        monitor.save_figures()
    monitor.remove_failed(downloads)
    monitor.scan_audiobookshelf()
    return monitor.summary(len(downloads))


class MonitorPass:
    """One pass over the followed downloads, with qBittorrent's listing of them."""

    def __init__(self, run, client, listing):
        self.run = run
        self.client = client
        self.listing = listing
        self.now = timezone.now()
        self.changed = {}  # pk -> download whose figures changed
        self.imported = []  # folders placed this pass
        self.counts = Counter()
        self.root_problem = None

    # --- one download ------------------------------------------------------------------

    def follow(self, download):
        torrent = self.listing.get(download.client_hash.lower())
        if torrent is None:
            self._missing(download)
        else:
            self._record_figures(download, torrent)
            self._act(download, torrent)
        if download.status in (Download.SENT, Download.COMPLETED):
            self.counts[download.status] += 1

    def _act(self, download, torrent):
        if download.status in (Download.SENT, Download.COMPLETED) and _complete(torrent):
            self._import(download, torrent)
        elif download.status == Download.SENT and torrent["state"] in FAILED_STATES:
            self._fail(download, f"qBittorrent reports the torrent as {torrent['state']}")
        elif download.status == Download.SENT and self._stalled_too_long(download):
            self._fail(
                download,
                f"stalled: no progress and no seeder for {settings.DOWNLOAD_STALLED_MINUTES} "
                "minutes (DOWNLOAD_STALLED_MINUTES)",
            )
        else:
            self.run.skipped()

    def _record_figures(self, download, torrent):
        before = [getattr(download, name) for name in FIGURES]
        progress_before = download.progress
        download.client_state = torrent["state"][:32]
        download.progress = torrent["progress"]
        download.seeders = torrent["seeders"]
        download.ratio = torrent["ratio"]
        download.content_path = torrent["content_path"][:1024]
        download.missing_listings = 0
        download.stalled_since = self._stall_clock(download, torrent, progress_before)
        if [getattr(download, name) for name in FIGURES] != before:
            self.changed[download.pk] = download

    def _stall_clock(self, download, torrent, progress_before):
        moving = torrent["progress"] > progress_before or torrent["seeders"] > 0
        if download.status != Download.SENT or moving or torrent["state"] in WAITING_STATES:
            return None
        return download.stalled_since or self.now

    def _stalled_too_long(self, download):
        limit = timedelta(minutes=settings.DOWNLOAD_STALLED_MINUTES)
        return download.stalled_since is not None and self.now - download.stalled_since >= limit

    def _missing(self, download):
        download.missing_listings = min(download.missing_listings + 1, REMOVED_AFTER_LISTINGS)
        self.changed[download.pk] = download
        if download.missing_listings < REMOVED_AFTER_LISTINGS:
            self.run.skipped()
        elif download.status == Download.IMPORTED:
            download.client_state = GONE  # seeding is over; nothing more to follow
            self.run.skipped()
        elif download.status in Download.ACTIVE_STATUSES:
            self._fail(download, "removed from qBittorrent (missing from two listings in a row)")
        else:
            self.run.skipped()

    def _fail(self, download, reason):
        if fail_download(download, reason):
            self.counts["failed"] += 1
            self.run.log.warning("Failed: %r (%s): %s", download.book.title, download.pk, reason)
            self.run.notify("download_failed", f"{download.book.title}: {reason}")
        self.run.succeeded("download", download.pk)

    # --- importing -----------------------------------------------------------------------

    def _import(self, download, torrent):
        if download.status == Download.SENT:
            Download.objects.filter(pk=download.pk, status=Download.SENT).update(
                status=Download.COMPLETED, completed_at=self.now
            )
            download.status, download.completed_at = Download.COMPLETED, self.now
        if self._import_root_problem():
            self.run.skipped()
            return
        try:
            files = self.client.files(download.client_hash)
            placed = importer.import_download(download, torrent, files)
        except importer.ImportBlocked as blocked:
            self._block(download, str(blocked))
            return
        except (AccessRefused, ServiceUnavailable):
            raise
        except ServiceError as error:  # gone between the listing and now: next pass
            self.run.failed("download", download.pk, error, label=download.book.title)
            return
        self.imported.append(placed.folder)
        again = " (it was already in place)" if placed.already_there else ""
        self.run.log.info("Imported %r into %s%s.", download.book.title, placed.folder, again)
        self.run.notify("book_imported", f"{download.book.title} -> {placed.folder}")
        self.run.succeeded("download", download.pk)

    def _block(self, download, reason):
        updated = Download.objects.filter(pk=download.pk, status=Download.COMPLETED).update(
            status=Download.IMPORT_BLOCKED, error_message=reason
        )
        download.status, download.error_message = Download.IMPORT_BLOCKED, reason
        if updated:
            self.counts["blocked"] += 1
            self.run.notify("download_failed", f"{download.book.title}: import blocked: {reason}")
        self.run.failed("download", download.pk, f"import blocked: {reason}", download.book.title)

    def _import_root_problem(self):
        """Why nothing can be imported at all (said once a pass), or None."""
        if self.root_problem is None:
            root = settings.LIBRARY_IMPORT_PATH
            if not root:
                self.root_problem = "LIBRARY_IMPORT_PATH (or LIBRARY_PATHS) is not set"
            elif not Path(root).is_dir():
                self.root_problem = f"LIBRARY_IMPORT_PATH {root} is not a folder (not mounted?)"
            else:
                self.root_problem = ""
            if self.root_problem:
                self.run.log.warning(
                    "Completed downloads wait: %s. They are imported once it is.",
                    self.root_problem,
                )
                health.record("library", False, self.root_problem)
        return self.root_problem

    # --- after the downloads -------------------------------------------------------------

    def save_figures(self):
        # A few statements for every download whose figures changed (bulk.update_rows).
        if self.changed:
            bulk.update(self.changed.values(), FIGURES)
        self.changed = {}

    def remove_failed(self, downloads):
        """Remove the failed torrents from qBittorrent; their data only when not shared."""
        doomed = [d for d in downloads if d.status == Download.FAILED and d.remove_from_client]
        present = [d for d in doomed if d.client_hash.lower() in self.listing]
        try:
            everything = self.client.list_torrents() if present else []
            for download in present:
                torrent = self.listing[download.client_hash.lower()]
                shared = _shares_data(torrent, everything)
                self.client.delete([torrent["hash"]], delete_files=not shared)
                self.counts["removed"] += 1
                kept = " (its data is shared with another torrent: kept)" if shared else ""
                self.run.log.info("Removed %s from qBittorrent%s.", torrent["name"], kept)
        except ServiceError as error:
            self.run.log.warning("Could not remove failed torrents (next pass tries): %s", error)
            return
        Download.objects.filter(pk__in=[d.pk for d in doomed]).update(remove_from_client=False)

    def scan_audiobookshelf(self):
        if not self.imported or not settings.AUDIOBOOKSHELF_URL:
            return
        try:
            names = AudiobookshelfClient().scan_libraries_holding(self.imported)
        except ServiceError as error:
            self.run.log.warning("Audiobookshelf was not asked to scan: %s", error)
            health.record("audiobookshelf", False, str(error))
            return
        self.run.log.info("Asked Audiobookshelf to scan: %s.", ", ".join(names) or "no library")

    def summary(self, followed):
        c = self.counts
        return (
            f"{followed} downloads followed: {len(self.imported)} imported, "
            f"{c['blocked']} import blocked, {c['failed']} failed, "
            f"{c['removed']} removed from qBittorrent, {c[Download.SENT]} downloading, "
            f"{c[Download.COMPLETED]} completed waiting to import."
        )


def _complete(torrent):
    return torrent["state"] in COMPLETE_STATES and torrent["progress"] >= 1


def _shares_data(torrent, everything):
    """True when another torrent's files are, or lie inside or around, this one's."""
    mine = os.path.normpath(torrent["content_path"] or torrent["save_path"])
    for other in everything:
        if other["hash"] == torrent["hash"] or not other["content_path"]:
            continue
        theirs = os.path.normpath(other["content_path"])
        if os.path.commonpath([mine, theirs]) in (mine, theirs):
            return True
    return False
