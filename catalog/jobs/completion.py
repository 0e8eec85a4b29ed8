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

What is coming (catalog/jobs/upcoming.py): Audible's newest books of the series' and
authors' authors, pre-orders included, join those lists. A book whose release date lies
ahead is created `announced` with that date and is not searched before it; on and after
the date it is searched on every run (and by the daily announced_releases job) until found.
"New books only" on a series or author skips whatever was released before monitoring
started (and what has no date: nothing says it is new).

A missing book becomes `wanted` (or `announced`), and the user hears of it (new_book);
then MyAnonamouse is searched and the best release the account allows (see
catalog/downloads.py) is sent to qBittorrent, at most MAX_DOWNLOADS_PER_RUN per run. A
wanted book without an acceptable release stays wanted and is searched again next run.
Both jobs stop their MAM work while the session is refused (catalog/jobs/mam_guard.py).
"""

from datetime import datetime
from functools import cached_property

from django.db import transaction
from django.utils import timezone

from catalog import matching
from catalog.clients.goodreads import GoodreadsClient, SeriesEntry, parse_position
from catalog.clients.google_books import GoogleBooksClient
from catalog.clients.http import ServiceError
from catalog.clients.mam import MamClient
from catalog.clients.openlibrary import OpenLibraryClient
from catalog.downloads import BookFacts, Sender, has_active_download
from catalog.jobs.mam_guard import needs_mam_session
from catalog.jobs.outcomes import one_item
from catalog.jobs.upcoming import Upcoming, audible_facts, release_day
from catalog.languages import in_library_languages
from catalog.library import BookIndex, NameCache
from catalog.models import Author, Book, Series
from catalog.normalize import normalize_title
from scheduling import health

MAM_RESULTS = 25


class Completion:
    """What both completion jobs share: the library, MAM and the sender for one run."""

    def __init__(self, run, source):
        self.run = run
        self.source = source
        self.mam = MamClient()
        self.sender = Sender(run, self.mam)
        self.added = 0
        self.announced = 0
        self.searched = set()  # book ids: one MAM search per book per run
        # What this run knows of the books it created (their authors, no blocklist, no
        # download): fetching them asks the database nothing more.
        self.facts = {}

    # Loaded on first use: the daily announced_releases job never needs them.
    @cached_property
    def index(self):
        return BookIndex.load()

    @cached_property
    def names(self):
        return NameCache()

    def want_all(self, wishes):
        """The library's book for each (title, author names, facts), the missing ones
        created (announced when their release date lies ahead, else wanted) together: one
        transaction, one insert of books and one of their authors, however many. facts:
        series, position, goodreads_id, release_date, asin, narrators."""
        books, new = [], []
        for title, authors, facts in wishes:
            book = self.index.find(
                title, authors, asin=facts.get("asin"), goodreads_id=facts.get("goodreads_id")
            )
            if book is None:  # indexed unsaved: the same book twice in the list is one
                book = self._new_book(title, **facts)
                named = self.names.authors_named(authors)
                self.index.add(book, [a.name for a in named])
                new.append((book, named, authors))
            books.append(book)
        if new:
            # A book and its authors, or nothing: a failed write left authorless books.
            with transaction.atomic():
                Book.objects.bulk_create([book for book, _, _ in new])
                link = Book.authors.through
                link.objects.bulk_create(
                    [link(book_id=book.pk, author_id=a.pk) for book, named, _ in new for a in named]
                )
        for book, named, authors in new:
            self._created(book, named, authors)
        return books

    def _new_book(
        self,
        title,
        series=None,
        position="",
        goodreads_id="",
        release_date=None,
        asin="",
        narrators=(),
    ):
        title = title[:500]
        book = Book(
            title=title,
            title_normalized=normalize_title(title),  # bulk_create does not call save()
            series=series,
            series_position=(position or "")[:16],
            goodreads_id=str(goodreads_id or "")[:32],
            asin=(asin or "")[:10],
            narrators=", ".join(narrators)[:500],
            release_date=release_date,
            source=self.source,
        )
        book.status = Book.ANNOUNCED if book.not_out_yet() else Book.WANTED
        return book

    def _created(self, book, named, authors):
        self.facts[book.pk] = BookFacts(sorted(a.name for a in named), set())
        if book.status == Book.ANNOUNCED:
            self.announced += 1
        else:
            self.added += 1
        line = new_book_line(book, authors)
        self.run.log.info("Missing: %s.", line)
        self.run.notify("new_book", line)

    def fetch(self, book, narrators=()):
        """Search MAM for a wanted (or announced and now out) book and send the best
        release. True when sent. Nothing is searched before its release date."""
        if book.pk in self.searched or book.status not in (Book.WANTED, Book.ANNOUNCED):
            return False
        if book.not_out_yet():
            if book.status == Book.WANTED:  # its date became known since it was wanted
                Book.objects.filter(pk=book.pk, status=Book.WANTED).update(status=Book.ANNOUNCED)
                book.status = Book.ANNOUNCED
            return False
        known = self.facts.get(book.pk)
        if self.sender.at_cap() or (known is None and has_active_download(book)):
            return False
        self.searched.add(book.pk)
        known = known or BookFacts.of(book)
        page = self.mam.search(
            text=" ".join([book.title, *known.authors[:1]]),
            search_in=["title", "author"],
            per_page=MAM_RESULTS,
            sort="seedersDesc",
        )
        torrent = self.sender.choose(book, page.results, narrators, known=known)
        if torrent is None:
            if not self.sender.at_cap():  # else the sender said why it stopped
                self.run.log.info("No acceptable release for %r yet; it stays wanted.", book.title)
            return False
        # The release is stored, linked to the book, with the Download that sends it.
        return self.sender.send(book, torrent, checked=True) is not None

    def fetch_due(self, books, narrators=()):
        """Search the announced books among `books` (a list) whose day has come."""
        today = timezone.localdate()
        for book in books:
            if book.status == Book.ANNOUNCED and book.release_date and book.release_date <= today:
                self.fetch(book, narrators)

    def summary(self, unit, count):
        return (
            f"{count} {unit} checked: {self.added} missing books added as wanted, "
            f"{self.announced} announced, {len(self.sender.sent)} sent to the download client."
        )


def new_book_line(book, authors):
    """'Caliban's War by James S. A. Corey (The Expanse #2), announced for 2027-03-04'."""
    where = f" ({book.series.name} #{book.series_position or '?'})" if book.series else ""
    what = (
        f"announced for {book.release_date:%Y-%m-%d}"
        if book.status == Book.ANNOUNCED
        else "now wanted"
    )
    return f"{book.title} by {', '.join(authors) or '?'}{where}, {what}"


@needs_mam_session
def series_completion(run):
    series_list = list(Series.objects.filter(monitored=True))
    run.set_total(len(series_list))
    work = Completion(run, "series")
    goodreads = GoodreadsClient()
    upcoming = Upcoming(run)
    for series in run.items(series_list):
        with one_item(run, "series", series.pk, series.name):
            complete_series(work, goodreads, upcoming, series)
    return work.summary("series", len(series_list))


def complete_series(work, goodreads, upcoming, series):
    # The series' books in one query: their authors, narrators, and which are due.
    today = timezone.localdate()
    rows = series.books.values_list("pk", "narrators", "status", "release_date", "authors__name")
    authors, texts, due = set(), set(), set()
    for pk, text, status, day, author in rows:
        authors.add(author)
        texts.add(text)
        if status == Book.ANNOUNCED and day is not None and day <= today:
            due.add(pk)
    candidates = series_candidates(goodreads, upcoming, series, sorted(authors - {None}))
    narrators = narrator_names(texts)
    wishes = [
        (
            entry.title,
            [entry.author] if entry.author else [],
            {"series": series, "position": entry.position_text, **facts},
        )
        for entry, facts in candidates
        if wanted_entry(series, entry) and series.wants_release(facts["release_date"])
    ]
    for book in work.want_all(wishes):
        work.fetch(book, narrators)
    work.fetch_due(list(Book.objects.filter(pk__in=due)) if due else [], narrators)


def series_candidates(goodreads, upcoming, series, authors):
    """(entry, facts for want()) of the series' books: Goodreads' list, then Audible's
    newest books of the series' authors (pre-orders with their date)."""
    found = []
    if series.goodreads_id:
        for entry in goodreads.series(series.goodreads_id).entries:
            facts = {"release_date": _day(entry.publication_date), "goodreads_id": entry.book_id}
            found.append((entry, facts))
    for record in upcoming.in_series(series, authors):
        text, number, omnibus, fractional = parse_position(f"Book {record.series_position}")
        entry = SeriesEntry(
            record.title, text, number, omnibus, fractional, author=(record.authors or [""])[0]
        )
        found.append((entry, audible_facts(record)))
    if not found and not series.goodreads_id:
        raise ServiceError(
            "Goodreads",
            "the series has no Goodreads id to read its book list, and Audible lists none",
            permanent=True,
        )
    return found


def _day(text):
    """A Goodreads publication date when it is a whole date; a year alone says too little."""
    for layout in ("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y", "%d %B %Y"):
        try:
            return datetime.strptime(str(text or "").strip(), layout).date()
        except ValueError:
            continue
    return None


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
    return narrator_names(series.books.values_list("narrators", flat=True))


def narrator_names(texts):
    """{names} of comma-separated narrator texts."""
    names = set()
    for text in texts:
        names.update(name.strip() for name in (text or "").split(",") if name.strip())
    return names


@needs_mam_session
def author_completion(run):
    authors = list(Author.objects.filter(monitored=True))
    run.set_total(len(authors))
    work = Completion(run, "author")
    openlibrary, google = OpenLibraryClient(), GoogleBooksClient()
    upcoming = Upcoming(run)
    for author in run.items(authors):
        with one_item(run, "author", author.pk, author.name):
            wishes = []
            # New books only: the back catalogue is not wanted, only what comes out now.
            if not author.new_books_only:
                for title in bibliography(author, openlibrary, google, run):
                    wishes.append((title, [author.name], {}))
            for record in new_releases(author, upcoming):
                wishes.append((record.title, [author.name], audible_facts(record)))
            for book in work.want_all(wishes):
                work.fetch(book)
            due = author.books.filter(status=Book.ANNOUNCED, release_date__lte=timezone.localdate())
            work.fetch_due(list(due))
    return work.summary("authors", len(authors))


def new_releases(author, upcoming):
    """The author's audiobooks released since monitoring started, or coming: Audible's
    newest, without non-books and other languages."""
    since = timezone.localdate(author.monitored_since or timezone.now())
    return [
        record
        for record in upcoming.of_author(author.name)
        if (day := release_day(record)) is not None
        and day >= since
        and not matching.is_non_book(record.title)
        and in_library_languages(record.language)
    ]


def bibliography(author, openlibrary, google, run):
    """The author's real books, one title per work, cleaned of non-books, other languages
    and translations of the books the library has."""
    try:
        works = openlibrary_works(author, openlibrary)
        health.record("openlibrary", True, "answered an author's works (author completion)")
    except ServiceError as error:
        health.record("openlibrary", False, str(error))
        run.log.warning("Open Library failed for %s (%s); asking Google Books.", author.name, error)
        works = [(record.title, record.language, []) for record in google.search("", author.name)]
    translations = translated_titles(works, author)
    seen, titles = set(), []
    for title, languages, _ in works:
        key = matching.clean_title(title)
        if not key or key in seen or key in translations or matching.is_non_book(title):
            continue
        if not in_library_languages(languages):
            continue
        seen.add(key)
        titles.append(title)
    return titles


def translated_titles(works, author):
    """Titles that are another edition's title of a work the library has: Open Library lists
    a translation as a work of its own, under its translated title, often with no language."""
    editions = {
        matching.clean_title(title): {matching.clean_title(other) for other in other_titles}
        for title, _, other_titles in works
    }
    if not any(others - {title} for title, others in editions.items()):
        return set()  # no work has a title of another edition: nothing to ask the library
    owned = {matching.clean_title(title) for title in author.books.values_list("title", flat=True)}
    translations = set()
    for title, others in editions.items():
        if title in owned:
            translations |= others
    return translations - owned - {""}


def openlibrary_works(author, client):
    if not author.openlibrary_id:
        olid = client.find_author_id(author.name)
        if not olid:
            return []
        Author.objects.filter(pk=author.pk).update(openlibrary_id=olid)
        author.openlibrary_id = olid
    return [
        (work.title, work.languages, work.other_titles)
        for work in client.author_works(author.openlibrary_id)
    ]
