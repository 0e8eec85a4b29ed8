"""Choosing a release for a wanted book and handing it to qBittorrent.

Release score (documented in the README, "How a release is chosen"):
- it must be the book: book_score(title, authors, the book's title, authors and subtitle)
  >= matching.MATCH_THRESHOLD (a subtitle the book does not have, or other authors, make
  another book of the same world: "Dune: House Atreides" is not "Dune");
- it must be alive and sane: at least one seeder, a size between MIN_SIZE and MAX_SIZE;
- then, out of 95 points: the match itself (up to 40), format by PREFERRED_FORMATS order
  (first 30, second 15, any other 0), seeders (up to 10, saturating at 20 seeders),
  narrator matching the series' other books (10), language in LIBRARY_LANGUAGES (5).
  Format outweighs seeders: a healthy m4b beats a better-seeded mp3.
The highest score wins; ties go to more seeders.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from catalog import matching
from catalog.models import Book, Download, Release

logger = logging.getLogger(__name__)

MIN_SIZE = 5 * 1024**2  # below this it is a sample or a broken upload
MAX_SIZE = 20 * 1024**3  # above this it is a whole collection


def release_score(book_title, book_authors, torrent, narrators=(), book_subtitle=""):
    """0-100 when the torrent is an acceptable release of the book, else None."""
    authors = list(torrent.authors or [])
    match = matching.book_score(
        torrent.title, authors, book_title, list(book_authors), book_subtitle
    )
    if match < matching.MATCH_THRESHOLD:
        return None
    if (torrent.seeders or 0) < 1:
        return None
    if torrent.size_bytes is not None and not MIN_SIZE <= torrent.size_bytes <= MAX_SIZE:
        return None
    score = 40 * match / 100
    score += _format_points((torrent.filetype or "").lower().split())
    score += 10 * min(torrent.seeders, 20) / 20
    wanted_narrators = {matching.clean_author(n) for n in narrators if n}
    if wanted_narrators & {matching.clean_author(n) for n in torrent.narrators or []}:
        score += 10
    if _language_ok(torrent):
        score += 5
    return round(score, 2)


def _format_points(formats):
    points = 0
    for rank, preferred in enumerate(settings.PREFERRED_FORMATS[:2]):
        if preferred.lower() in formats:
            points = max(points, (30, 15)[rank])
    return points


def _language_ok(torrent):
    code = (torrent.lang_code or "").lower()
    return not code or code in [lang.lower() for lang in settings.LIBRARY_LANGUAGES]


def choose_release(book, torrents, narrators=()):
    """The best acceptable torrent for the book, or None."""
    authors = [a.name for a in book.authors.all()]
    scored = [
        (score, torrent.seeders or 0, torrent)
        for torrent in torrents
        if (score := release_score(book.title, authors, torrent, narrators, book.subtitle))
        is not None
    ]
    if not scored:
        return None
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return scored[0][2]


def has_active_download(book):
    return (
        book.status in (Book.DOWNLOADING, Book.OWNED)
        or book.downloads.filter(status__in=Download.ACTIVE_STATUSES).exists()
    )


@dataclass
class Sender:
    """Sends releases to qBittorrent for one run, up to MAX_DOWNLOADS_PER_RUN."""

    run: object
    mam: object
    torrent_client: object = None
    sent: list = field(default_factory=list)
    cap_reported: bool = False

    @property
    def cap_reached(self):
        return len(self.sent) >= settings.MAX_DOWNLOADS_PER_RUN

    def at_cap(self):
        """True once MAX_DOWNLOADS_PER_RUN were sent; says so once per run."""
        if self.cap_reached and not self.cap_reported:
            self.run.log.info(
                "Download cap of %d per run reached; the rest waits for the next run.",
                settings.MAX_DOWNLOADS_PER_RUN,
            )
            self.cap_reported = True
        return self.cap_reached

    def send(self, book, release: Release):
        """Fetch the torrent and add it to the client; record a Download. Returns it or None."""
        if has_active_download(book):
            return None
        if self.at_cap():
            return None
        if settings.DOWNLOAD_DRY_RUN:
            self.run.log.info(
                "Dry run: would send %r (MAM %s) for %r.", release.title, release.mam_id, book.title
            )
            download = Download.objects.create(
                release=release, book=book, status=Download.DRY_RUN, task_name=self.run.name
            )
            self.sent.append(download)
            return download
        torrent = self.mam.download_torrent(release.mam_id)
        info_hash = self._client().add_torrent(
            torrent, category=settings.QBITTORRENT_CATEGORY, tags=settings.QBITTORRENT_TAGS
        )
        with transaction.atomic():
            download = Download.objects.create(
                release=release,
                book=book,
                status=Download.SENT,
                client_hash=info_hash or "",
                task_name=self.run.name,
            )
            Book.objects.filter(pk=book.pk).update(status=Book.DOWNLOADING)
            book.status = Book.DOWNLOADING
        self.run.log.info(
            "Sent %r (MAM %s) for %r to qBittorrent.", release.title, release.mam_id, book.title
        )
        self.sent.append(download)
        return download

    def _client(self):
        if self.torrent_client is None:
            from catalog.clients.qbittorrent import TorrentClient

            self.torrent_client = TorrentClient()
        return self.torrent_client
