"""series_completion and author_completion: find the missing books and fetch them.

Series policy: the Goodreads series page lists every entry. Whole-numbered entries ("Book
3") are wanted; fractional ones ("Book 1.5", usually novellas) only when the series has
include_fractional; omnibus editions ("Books 1-3") only with include_omnibus; entries
without a number (companions, guides) are skipped.

Author policy: the author's works from Open Library (Google Books when Open Library is
down), without summaries and study guides (matching.is_non_book), only in
LIBRARY_LANGUAGES when the source says the language, one entry per title across editions.

Errors (catalog/jobs/outcomes.py, as every job): a service the run depends on being out
(after retries) or refusing our credentials stops the run once; a permanent error about one
series or author (a missing page, a 4xx answer about one book) is its FailedAttempt and the
run goes on.

A missing book becomes `wanted`; then MyAnonamouse is searched and the best release (see
catalog/downloads.py) is sent to qBittorrent, at most MAX_DOWNLOADS_PER_RUN per run. A
wanted book without an acceptable release stays wanted and is searched again next run.
"""

from django.db import transaction

from catalog import matching
from catalog.clients.goodreads import GoodreadsClient
from catalog.clients.google_books import GoogleBooksClient
from catalog.clients.http import ServiceError
from catalog.clients.mam import MamClient
from catalog.clients.openlibrary import OpenLibraryClient
from catalog.downloads import Sender, choose_release, has_active_download
from catalog.jobs.outcomes import one_item
from catalog.languages import in_library_languages
from catalog.library import BookIndex, NameCache, upsert_releases
from catalog.models import Author, Book, Series

MAM_RESULTS = 25


class Completion:
    """What both completion jobs share: the library, MAM and the sender for one run."""

    def __init__(self, run, source):
        self.run = run
        self.source = source
        self.mam = MamClient()
        self.index = BookIndex.load()
        self.names = NameCache()
        self.sender = Sender(run, self.mam)
        self.added = 0

    def want(self, title, authors, series=None, position="", goodreads_id=""):
        """The library's book for this title, created as wanted when missing."""
        book = self.index.find(title, authors, goodreads_id=goodreads_id)
        if book is not None:
            return book
        # A book and its authors, or nothing: a failed write left authorless books behind.
        with transaction.atomic():
            book = Book.objects.create(
                title=title[:500],
                series=series,
                series_position=(position or "")[:16],
                goodreads_id=str(goodreads_id or "")[:32],
                status=Book.WANTED,
                source=self.source,
            )
            book.authors.set(self.names.authors_named(authors))
        self.index.add(book)
        self.added += 1
        self.run.log.info("Missing: %r by %s, now wanted.", book.title, ", ".join(authors) or "?")
        return book

    def fetch(self, book, narrators=()):
        """Search MAM for a wanted book and send the best release. True when sent."""
        if book.status != Book.WANTED or has_active_download(book) or self.sender.at_cap():
            return False
        authors = [author.name for author in book.authors.all()]
        page = self.mam.search(
            text=" ".join([book.title, *authors[:1]]),
            search_in=["title", "author"],
            per_page=MAM_RESULTS,
            sort="seedersDesc",
        )
        torrent = choose_release(book, page.results, narrators)
        if torrent is None:
            self.run.log.info("No acceptable release for %r yet; it stays wanted.", book.title)
            return False
        releases, _ = upsert_releases([torrent])
        release = releases[torrent.id]
        if release.book_id != book.pk:
            release.book = book
            release.save(update_fields=["book"])
        return self.sender.send(book, release) is not None

    def summary(self, unit, count):
        return (
            f"{count} {unit} checked: {self.added} missing books added as wanted, "
            f"{len(self.sender.sent)} sent to the download client."
        )


def series_completion(run):
    series_list = list(Series.objects.filter(monitored=True))
    run.set_total(len(series_list))
    work = Completion(run, "series")
    goodreads = GoodreadsClient()
    for series in run.items(series_list):
        with one_item(run, "series", series.pk, series.name):
            complete_series(work, goodreads, series)
    return work.summary("series", len(series_list))


def complete_series(work, goodreads, series):
    if not series.goodreads_id:
        raise ServiceError(
            "Goodreads", "the series has no Goodreads id to read its book list", permanent=True
        )
    listing = goodreads.series(series.goodreads_id)
    narrators = series_narrators(series)
    for entry in listing.entries:
        if not wanted_entry(series, entry):
            continue
        book = work.want(
            entry.title,
            [entry.author] if entry.author else [],
            series=series,
            position=entry.position_text,
            goodreads_id=entry.book_id,
        )
        work.fetch(book, narrators)


def wanted_entry(series, entry):
    """The series policy: numbered entries; novellas and omnibuses only when asked."""
    if entry.position is None or not matching.clean_title(entry.title):
        return False  # an entry without a usable title would become a book titled ""
    if entry.is_omnibus:
        return series.include_omnibus
    if entry.is_fractional:
        return series.include_fractional
    return True


def series_narrators(series):
    """The narrators of the books already in the series (their releases say)."""
    names = set()
    for text in series.books.values_list("narrators", flat=True):
        names.update(name.strip() for name in text.split(",") if name.strip())
    return names


def author_completion(run):
    authors = list(Author.objects.filter(monitored=True))
    run.set_total(len(authors))
    work = Completion(run, "author")
    openlibrary, google = OpenLibraryClient(), GoogleBooksClient()
    for author in run.items(authors):
        with one_item(run, "author", author.pk, author.name):
            for title in bibliography(author, openlibrary, google, run):
                work.fetch(work.want(title, [author.name]))
    return work.summary("authors", len(authors))


def bibliography(author, openlibrary, google, run):
    """The author's real books, one title per work, cleaned of non-books and languages."""
    try:
        works = openlibrary_works(author, openlibrary)
    except ServiceError as error:
        run.log.warning("Open Library failed for %s (%s); asking Google Books.", author.name, error)
        works = [(record.title, record.language) for record in google.search("", author.name)]
    seen, titles = set(), []
    for title, languages in works:
        key = matching.clean_title(title)
        if not key or key in seen or matching.is_non_book(title):
            continue
        if not in_library_languages(languages):
            continue
        seen.add(key)
        titles.append(title)
    return titles


def openlibrary_works(author, client):
    if not author.openlibrary_id:
        olid = client.find_author_id(author.name)
        if not olid:
            return []
        Author.objects.filter(pk=author.pk).update(openlibrary_id=olid)
        author.openlibrary_id = olid
    return [(work.title, work.languages) for work in client.author_works(author.openlibrary_id)]
