"""mam_scraping and top10_discovery: what is new and popular on MyAnonamouse.

Both stop while the MAM session is refused (catalog/jobs/mam_guard.py); what is sent
follows the account's rules (catalog/downloads.py Sender).
Errors as every job treats them (catalog/jobs/outcomes.py): MAM out or the session expired
stops the run once; one genre's bad answer is that genre's FailedAttempt.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog import matching
from catalog.clients.mam import MamClient
from catalog.downloads import Sender, has_active_download
from catalog.jobs.mam_guard import needs_mam_session
from catalog.jobs.outcomes import one_item
from catalog.library import BookIndex, NameCache, upsert_releases
from catalog.models import Book, Genre, Release
from scheduling.models import Task

PER_PAGE = 100
# Re-read a little before the last run's start: uploads can show up with a slight delay.
OVERLAP = timedelta(hours=1)


def scrape_since(now=None):
    """Since the last successful run (minus an overlap), else the last MAM_LOOKBACK_DAYS."""
    now = now or timezone.now()
    last = (
        Task.objects.filter(task_name="mam_scraping", status=Task.COMPLETED)
        .order_by("-actual_start")
        .values_list("actual_start", flat=True)
        .first()
    )
    return last - OVERLAP if last else now - timedelta(days=settings.MAM_LOOKBACK_DAYS)


@needs_mam_session
def mam_scraping(run):
    client = MamClient()
    since = scrape_since()
    run.log.info("Searching MyAnonamouse audiobooks added since %s.", f"{since:%Y-%m-%d %H:%M %Z}")
    index = BookIndex.load()
    candidates = {}  # wanted book id -> (book, [torrents])
    created = matched = 0
    for page in client.iter_search(per_page=PER_PAGE, start_date=since, sort="dateDesc"):
        if run.items_total is None:
            run.set_total(page.found)
        releases, new = upsert_releases(page.results)
        created += new
        for torrent in run.items(page.results):
            # Linking is matching (total, never raises) and a write: a database that fails
            # it fails the run once, not each torrent (catalog/jobs/outcomes.py).
            with one_item(run, "release", torrent.id, torrent.title):
                book = link_release(releases[torrent.id], torrent, index)
                matched += book is not None
                if book is not None and book.status == Book.WANTED:
                    candidates.setdefault(book.pk, (book, []))[1].append(torrent)
    sent = send_best(run, client, candidates)
    return (
        f"{run.processed} torrents seen: {created} new releases, {matched} matched to books, "
        f"{len(sent)} sent for wanted books."
    )


def link_release(release, torrent, index):
    """Match a release to a book of the library; save the link. Returns the book or None."""
    book = index.find(torrent.title, torrent.authors, isbn=torrent.isbn)
    if book is not None and release.book_id != book.pk:
        Release.objects.filter(pk=release.pk).update(book=book)
        release.book = book
    return book


def send_best(run, client, candidates):
    """For each wanted book, send its best release (within the per-run cap)."""
    sender = Sender(run, client)
    for book, torrents in candidates.values():
        if sender.at_cap() or has_active_download(book):
            continue
        torrent = sender.choose(book, torrents)
        if torrent is None:
            if not sender.at_cap():  # else the sender said why it stopped
                run.log.info("No acceptable release yet for wanted book %r.", book.title)
            continue
        sender.send(book, Release.objects.get(mam_id=torrent.id))
    return sender.sent


@needs_mam_session
def top10_discovery(run):
    client = MamClient()
    genres = list(Genre.objects.filter(discovery_enabled=True, mam_category_id__isnull=False))
    run.set_total(len(genres))
    if not genres:
        run.log.info("No genre has discovery on: nothing to do.")
    index = BookIndex.load()
    names = NameCache()
    week_ago = timezone.now() - timedelta(days=7)
    added = 0
    for genre in run.items(genres):
        # One genre's bad answer is that genre's FailedAttempt; MAM out stops the run.
        with one_item(run, "genre", genre.pk, genre.name):
            added += discover_genre(run, client, genre, index, names, week_ago)
    return f"{len(genres)} genres, {added} new books discovered."


def discover_genre(run, client, genre, index, names, since):
    """The genre's top ten of the week as books of the genre. Returns how many are new."""
    page = client.search(
        category=genre.mam_category_id, sort="snatchedDesc", start_date=since, per_page=10
    )
    releases, _ = upsert_releases(page.results[:10])
    added = 0
    for torrent in page.results[:10]:
        if not matching.clean_title(torrent.title):
            # Kept as a release, but a book titled "" or "!!!" would be junk.
            run.log.warning("MAM %s: its title %r names no book.", torrent.id, torrent.title)
            continue
        # The book, its authors and its genre are written together or not at all: a
        # failed write (disk full, database read-only) left books without authors.
        with transaction.atomic():
            book, created = discovered_book(torrent, index, names)
            book.genres.add(genre)
            Release.objects.filter(mam_id=torrent.id).exclude(book=book).update(book=book)
        added += created
    run.log.info("%s: %d releases in the week's top 10.", genre.name, len(releases))
    return added


def discovered_book(torrent, index, names):
    """The library's book for a torrent, created as a discovery when new. -> (book, created)"""
    book = index.find(torrent.title, torrent.authors, isbn=torrent.isbn)
    if book is not None:
        if settings.TOP10_AUTO_WANT and book.status == Book.DISCOVERED:
            Book.objects.filter(pk=book.pk).update(status=Book.WANTED)
            book.status = Book.WANTED
        return book, False
    series_name, position = torrent.series[0] if torrent.series else ("", "")
    book = Book.objects.create(
        title=display_title(torrent.title),
        narrators=", ".join(torrent.narrators)[:500],
        series=names.series_named(series_name),
        series_position=(position or "")[:16],
        isbn_13=torrent_isbn13(torrent),
        language=(torrent.lang_code or "")[:16],
        status=Book.WANTED if settings.TOP10_AUTO_WANT else Book.DISCOVERED,
        source="top10",
    )
    book.authors.set(names.authors_named(torrent.authors))
    index.add(book)
    return book, True


def display_title(title):
    from catalog.matching import display_title as clean

    return clean(title)[:500]


def torrent_isbn13(torrent):
    from catalog.library import isbn13

    return isbn13(torrent.isbn)
