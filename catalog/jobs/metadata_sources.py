"""Asking the four metadata sources about one book (for catalog/jobs/metadata.py).

- Audible: by the book's ASIN through Audnexus; when Audnexus has none in AUDIBLE_REGION
  (a regional miss is not "unknown everywhere": the same book often has another ASIN
  there, and Goodreads' ASIN may be the Kindle edition's), by title and author in
  Audible's catalog of the region, whose products carry the same facts. With Audnexus down
  for the run, the ASIN is asked of Audible's catalog directly.
- Google Books: by ISBN, else title and author (the best candidate over the threshold).
- Goodreads: by Goodreads id, else ISBN.
- Hardcover (only with HARDCOVER_TOKEN): by ISBN, else title and author; asked only when
  the others left its fields open (Audible does not know the book, or neither Audible
  nor Goodreads could say whether it is in a series), so its 60 requests a minute and
  5,000 a day go where they help.

A source that is down, rate-limited or refuses us (a bad token, a firewall) is skipped
for the rest of the run, said once in the log.
"""

from concurrent.futures import Future
from dataclasses import dataclass

from django.conf import settings

from catalog import matching
from catalog.clients.audible import AudibleClient
from catalog.clients.audnexus import AsinUnavailable, AudnexusClient, is_asin
from catalog.clients.goodreads import GoodreadsClient, GoodreadsUnavailable
from catalog.clients.google_books import GoogleBooksClient
from catalog.clients.hardcover import HardcoverClient, QueryRefused
from catalog.clients.http import AccessRefused, RateLimited, ServiceError, ServiceUnavailable
from catalog.clients.records import MetadataRecord
from scheduling import health

PROVIDER_WIDE = (
    RateLimited,
    ServiceUnavailable,
    AccessRefused,
    GoodreadsUnavailable,
    QueryRefused,
)


@dataclass
class Provider:
    name: str
    client: object
    down: str = ""  # why it stopped being asked this run
    asked: bool = False

    def ask(self, run, lookup):
        """lookup(client) -> record or None; a provider-wide failure marks it down."""
        if self.down:
            return None
        self.asked = True
        try:
            return lookup(self.client)
        except ServiceError as error:
            if error.permanent and not isinstance(error, PROVIDER_WIDE):
                raise
            self.down = str(error)
            run.log.warning("%s unavailable for the rest of this run: %s", self.name, error)
            return None


class Sources:
    """The providers of one run, in the order a book is asked."""

    def __init__(self, run):
        self.audnexus = Provider("Audnexus", AudnexusClient())
        self.audible = Provider("Audible", AudibleClient())
        self.google = Provider("Google Books", GoogleBooksClient())
        self.goodreads = Provider("Goodreads", GoodreadsClient())
        hardcover = HardcoverClient()
        self.hardcover = Provider("Hardcover", hardcover) if hardcover.enabled else None
        if self.hardcover is None:
            run.log.info("Hardcover is off: HARDCOVER_TOKEN is not set.")
        # Audnexus is not among them: without it, Audible's catalog still answers.
        self.all = [p for p in (self.audible, self.google, self.goodreads, self.hardcover) if p]

    def all_down(self):
        return all(provider.down for provider in self.all)

    def record_health(self):
        """The sources' state for the dashboard (from the job's own thread: the
        lookup threads do not touch the database)."""
        for service, provider in (
            ("audible", self.audible),
            ("audnexus", self.audnexus),
            ("google_books", self.google),
            ("goodreads", self.goodreads),
            ("hardcover", self.hardcover),
        ):
            if provider is not None and provider.asked:
                summary = (
                    f"refused or down this run: {provider.down}"
                    if provider.down
                    else ("answered the metadata refresh")
                )
                health.record(service, not provider.down, summary)

    def any_down(self):
        return any(provider.down for provider in self.all)


# The sources in the order a book is asked; each stage sees the earlier stages' answers.
STAGES = ("audible", "google", "goodreads", "hardcover")
NOT_REACHED = object()  # the run stopped (cancel, every source down) before this book


def look_up_batch(run, books, sources, pool, stop):
    """[(book, records or the ServiceError of a book no source described)] for the books
    the run reached, in order.

    One thread per source asks it about the books in order, so each source's requests go
    out back to back, paced by its own rate limit alone, while a book's later sources wait
    for the earlier ones' answers (Goodreads needs Google's ISBN, Hardcover is asked only
    about what the others left open). Asked one book after another, a book's four round
    trips added up and the slowest host's limit was no longer what set the pace.
    """
    answers = {stage: [Future() for _ in books] for stage in STAGES}

    def run_stage(stage):
        earlier_stages = STAGES[: STAGES.index(stage)]
        for index, book in enumerate(books):
            earlier = {name: answers[name][index] for name in earlier_stages}
            _answer(answers[stage][index], run, book, sources, stage, earlier, stop)

    for _ in pool.map(run_stage, STAGES):
        pass
    found = []
    for index, book in enumerate(books):
        outcomes = [answers[stage][index].result() for stage in STAGES]
        if any(outcome is NOT_REACHED for outcome in outcomes):
            continue
        records = [o for o in outcomes if isinstance(o, MetadataRecord)]
        errors = [o for o in outcomes if isinstance(o, ServiceError)]
        found.append((book, errors[0] if errors and not records else records))
    return found


def _answer(future, run, book, sources, stage, earlier, stop):
    """Settle one book's answer from one source; an unexpected error travels on to the
    later stages and to the job, never leaves a stage waiting forever."""
    try:
        previous = {name: answer.result() for name, answer in earlier.items()}
        if NOT_REACHED in previous.values() or (
            stop.is_set() or run.cancel_requested or sources.all_down()
        ):
            future.set_result(NOT_REACHED)
            return
        records = [r for r in previous.values() if isinstance(r, MetadataRecord)]
        future.set_result(LOOKUPS[stage](run, book, sources, records))
    except ServiceError as error:
        # One source's bad answer about this book (truncated JSON, say) must not keep the
        # next source from being asked.
        future.set_result(error)
    except BaseException as error:  # noqa: BLE001 - handed on, raised by the job's thread
        future.set_exception(error)


def _open_for_hardcover(records):
    """Hardcover (60 requests a minute, 5,000 a day) is asked only what the others could
    not answer: the audio facts when Audible does not know the book, the series when
    Audible has none and Goodreads did not describe the book. A book both describe without
    a series is taken to be a standalone: asking about every such book would spend a large
    library's daily quota in one refresh."""
    by_source = {record.source: record for record in records}
    audible = by_source.get("audible")
    if audible is None or not (audible.runtime_minutes and audible.release_date):
        return True
    return not audible.series_name and "goodreads" not in by_source


def _authors(book):
    return [author.name for author in book.authors.all()]  # prefetched: no query


def _isbn(book, records):
    """The book's ISBN, else one a source found (Google's first, then Audible's)."""
    found = sorted((r for r in records if r.isbn_13), key=lambda r: r.source != "google_books")
    return book.isbn or (found[0].isbn_13 if found else "")


def _best(book, authors, candidates):
    found = matching.best_match(
        book.title,
        authors,
        candidates,
        key=lambda record: (record.title, record.authors, record.subtitle),
    )
    return found[0] if found else None


def _search_terms(book, authors):
    # The title without tracker noise ("(The Expanse, #2)", "[Unabridged]").
    return matching.display_title(book.title), authors[0] if authors else ""


def _audible_lookup(run, book, sources, records):
    authors = _authors(book)
    asin = book.asin.strip().upper() if is_asin(book.asin) else ""
    if asin:
        try:
            record = sources.audnexus.ask(run, lambda client: client.book(asin))
        except AsinUnavailable as miss:
            run.log.info("%r: %s; searching %s's catalog.", book.title, miss, _region())
            record = None
        if record is None and sources.audnexus.down:
            record = sources.audible.ask(run, lambda client: client.product(asin))
        if record:
            return record
    title, author = _search_terms(book, authors)
    candidates = sources.audible.ask(run, lambda client: client.search(title, author))
    return _best(book, authors, candidates or [])


def _region():
    return f"Audible {settings.AUDIBLE_REGION}"


def _google_lookup(run, book, sources, records):
    authors = _authors(book)

    def lookup(client):
        if book.isbn:
            record = client.find_by_isbn(book.isbn)
            if record:
                return record
        return _best(book, authors, client.search(*_search_terms(book, authors)))

    return sources.google.ask(run, lookup)


def _goodreads_lookup(run, book, sources, records):
    isbn = _isbn(book, records)

    def lookup(client):
        if book.goodreads_id:
            return client.book_by_id(book.goodreads_id)
        return client.book_by_isbn(isbn) if isbn else None

    return sources.goodreads.ask(run, lookup)


def _hardcover_lookup(run, book, sources, records):
    if sources.hardcover is None or not _open_for_hardcover(records):
        return None
    authors, isbn = _authors(book), _isbn(book, records)

    def lookup(client):
        if isbn:
            record = client.book_by_isbn(isbn)
            if record:
                return record
        return _best(book, authors, client.search(*_search_terms(book, authors)))

    return sources.hardcover.ask(run, lookup)


LOOKUPS = {
    "audible": _audible_lookup,
    "google": _google_lookup,
    "goodreads": _goodreads_lookup,
    "hardcover": _hardcover_lookup,
}
