"""Choosing a release for a wanted book and handing it to qBittorrent.

Release score (documented in the README, "How a release is chosen"):
- it must be the book: book_score(title, authors, the book's title, authors and subtitle)
  >= matching.MATCH_THRESHOLD (a subtitle the book does not have, or other authors, make
  another book of the same world: "Dune: House Atreides" is not "Dune");
- it must be alive and sane: at least one seeder, a size between MIN_SIZE and MAX_SIZE;
- then, out of 125 points: the match itself (up to 40), format by PREFERRED_FORMATS order
  (first 30, second 15, any other 0), seeders (up to 10, saturating at 20 seeders),
  narrator matching the series' other books (10), language in LIBRARY_LANGUAGES (5),
  and 30 when it costs the account no ratio (site freeleech, VIP freeleech for a VIP
  account, a personal freeleech: catalog/account_rules.py).
  Format outweighs seeders: a healthy m4b beats a better-seeded mp3. Costing no ratio
  outweighs format: a freeleech mp3 beats an m4b that costs ratio.
The highest score wins; ties go to more seeders.

What the MyAnonamouse account allows (only freeleech under MAM_MIN_RATIO or with
MAM_FREELEECH_ONLY; nothing past the unsatisfied limit less MAM_UNSAT_RESERVE) is the
Sender's: it reads the account once per run, before its first grab.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from catalog import matching
from catalog.account_rules import FREELEECH_POINTS, AccountRules
from catalog.clients.http import (
    AccessRefused,
    ServiceError,
    ServiceUnavailable,
    SessionExpired,
)
from catalog.languages import in_library_languages
from catalog.library import keep_release
from catalog.models import Blocklist, Book, Download, MamAccount, Release
from scheduling import health

logger = logging.getLogger(__name__)

MIN_SIZE = 5 * 1024**2  # below this it is a sample or a broken upload
MAX_SIZE = 20 * 1024**3  # above this it is a whole collection


def release_score(book_title, book_authors, torrent, narrators=(), free=False, book_subtitle=""):
    """0-125 when the torrent is an acceptable release of the book, else None.

    free: it costs the account no ratio (the Sender's AccountRules say). book_subtitle: the
    book's own subtitle from metadata, the one subtitle a release may add or drop.
    """
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
    if free:
        score += FREELEECH_POINTS
    return round(score, 2)


def _format_points(formats):
    points = 0
    for rank, preferred in enumerate(settings.PREFERRED_FORMATS[:2]):
        if preferred.lower() in formats:
            points = max(points, (30, 15)[rank])
    return points


def _language_ok(torrent):
    # MAM says "ENG"/"GER" (ISO 639-2), the library "en"/"de": compared as text they never met.
    return in_library_languages(torrent.lang_code or "")


def choose_release(book, torrents, narrators=(), is_free=None, known=None):
    """The best acceptable torrent for the book that did not fail for it before, or None.

    is_free(torrent): the torrent costs no ratio (see catalog/account_rules.py).
    known: what the caller already knows of the book (BookFacts), saving two queries."""
    known = known or BookFacts.of(book)
    authors, blocked = known.authors, known.blocked
    free = is_free or (lambda torrent: False)
    scored = [
        (score, torrent.seeders or 0, torrent)
        for torrent in torrents
        if torrent.id not in blocked
        and (
            score := release_score(
                book.title,
                authors,
                torrent,
                narrators,
                free=bool(free(torrent)),
                book_subtitle=book.subtitle,
            )
        )
        is not None
    ]
    if not scored:
        return None
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return scored[0][2]


@dataclass
class BookFacts:
    """A book's author names and blocklisted MAM ids, as choosing a release needs them."""

    authors: list
    blocked: set

    @classmethod
    def of(cls, book):
        return cls([a.name for a in book.authors.all()], Blocklist.objects.mam_ids_for(book))


def has_active_download(book):
    return (
        book.status in (Book.DOWNLOADING, Book.OWNED)
        or book.downloads.filter(status__in=Download.ACTIVE_STATUSES).exists()
    )


@dataclass
class Sender:
    """Sends releases to qBittorrent for one run, within MAX_DOWNLOADS_PER_RUN and within
    what the MyAnonamouse account allows (read once, before the run's first grab)."""

    run: object
    mam: object
    torrent_client: object = None
    sent: list = field(default_factory=list)
    cap_reported: bool = False
    stop_reason: str = ""
    rules: AccountRules | None = None
    free_kinds: dict = field(default_factory=dict)  # MAM id -> how it costs no ratio

    @property
    def cap_reached(self):
        return len(self.sent) >= settings.MAX_DOWNLOADS_PER_RUN

    def at_cap(self):
        """True once nothing more may be sent this run (the cap, the account); said once."""
        if self.cap_reached and not self.cap_reported:
            self.run.log.info(
                "Download cap of %d per run reached; the rest waits for the next run.",
                settings.MAX_DOWNLOADS_PER_RUN,
            )
            self.cap_reported = True
        return self.cap_reached or bool(self.stop_reason)

    def stop(self, reason, event=None):
        """Send nothing more this run, saying why (and notifying `event`). Called once: every
        caller checks at_cap() first."""
        self.stop_reason = reason
        line = f"Stopped sending: {reason}. Wanted books stay wanted."
        self.run.log.warning("%s", line)
        if event:
            self.run.notify(event, line)

    def account_rules(self):
        """The account's rules, from one reading per run; None when it cannot be read."""
        if self.rules is None and not self.stop_reason:
            try:
                account = MamAccount.keep(**self.mam.read_account())
            except SessionExpired:
                raise  # the job stops its MAM work: catalog/jobs/mam_guard.py
            except ServiceError as error:
                self.stop(f"the MyAnonamouse account could not be read ({error})")
                return None
            self.run.log.info(
                "MAM account: %s, ratio %s, %s of %s unsatisfied, %s wedges (never spent).",
                account.classname or "class unknown",
                "unknown" if account.ratio is None else f"{account.ratio:.2f}",
                _known(account.unsat_count),
                _known(account.unsat_limit),
                _known(account.wedges),
            )
            self.rules = AccountRules(account)
        return self.rules

    def has_room(self):
        """False once the unsatisfied limit (less the reserve) is reached."""
        rules = self.account_rules()
        if rules is None:
            return False
        dry_sent = len(self.sent) if settings.DOWNLOAD_DRY_RUN else 0
        block = rules.unsatisfied_block(dry_sent)
        if block:
            self.stop(block, event="unsat_limit")
        return not block

    def choose(self, book, torrents, narrators=(), known=None):
        """The release to send for the book, within what the account allows, or None."""
        if self.at_cap() or self.account_rules() is None:
            return None
        known = known or BookFacts.of(book)
        free_kind = self.rules.free_kind
        only_free = self.rules.only_freeleech()
        allowed = [t for t in torrents if free_kind(t)] if only_free else torrents
        torrent = choose_release(book, allowed, narrators, is_free=free_kind, known=known)
        if torrent is not None:
            self.free_kinds[torrent.id] = free_kind(torrent)
        elif only_free and (best := choose_release(book, torrents, narrators, known=known)):
            self.run.log.info(
                "%r: its best release (MAM %s) costs ratio, not grabbed: %s.",
                book.title,
                best.id,
                only_free,
            )
        return torrent

    def send(self, book, release: Release, checked=False):
        """Fetch the torrent and add it to the client; record a Download. Returns it or None.

        release: a Release, or the MamTorrent chosen, stored (linked to the book) in the
        transaction that records the Download. checked: the caller just saw the book has
        no active download."""
        if not checked and has_active_download(book):
            return None
        if self.at_cap() or not self.has_room():
            return None
        cost = self.free_kinds.get(release.mam_id) or "costs ratio"
        if settings.DOWNLOAD_DRY_RUN:
            self.run.log.info(
                "Dry run: would send %r (MAM %s, %s) for %r.",
                release.title,
                release.mam_id,
                cost,
                book.title,
            )
            with transaction.atomic():
                download = Download.objects.create(
                    release=_stored(release, book),
                    book=book,
                    status=Download.DRY_RUN,
                    task_name=self.run.name,
                )
            self.sent.append(download)
            return download
        torrent = self.mam.download_torrent(release.mam_id)
        try:
            info_hash = self._client().add_torrent(
                torrent, category=settings.QBITTORRENT_CATEGORY, tags=settings.QBITTORRENT_TAGS
            )
        except (AccessRefused, ServiceUnavailable) as error:
            health.record("qbittorrent", False, str(error))
            raise
        health.record("qbittorrent", True, f"accepted a torrent ({self.run.name})")
        with transaction.atomic():
            release = _stored(release, book)
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
            "Sent %r (MAM %s, %s) for %r to qBittorrent.",
            release.title,
            release.mam_id,
            cost,
            book.title,
        )
        self.run.notify(
            "download_sent", f"{book.title}: {release.title} (MAM {release.mam_id}, {cost})"
        )
        self.sent.append(download)
        return download

    def _client(self):
        if self.torrent_client is None:
            from catalog.clients.qbittorrent import TorrentClient

            self.torrent_client = TorrentClient()
        return self.torrent_client


def _stored(release, book):
    """The Release row of a chosen MamTorrent, linked to the book (a Release is kept)."""
    if isinstance(release, Release):
        return release
    return keep_release(release, book)


def _known(value):
    return "?" if value is None else value
