"""Asking the four metadata sources about one book (for catalog/jobs/metadata.py).

- Audible: by the book's ASIN through Audnexus; when Audnexus has none in AUDIBLE_REGION
  (a regional miss is not "unknown everywhere": the same book often has another ASIN
  there, and Goodreads' ASIN may be the Kindle edition's), by title and author in
  Audible's catalog of the region, whose products carry the same facts. With Audnexus down
  for the run, the ASIN is asked of Audible's catalog directly.
- Google Books: by ISBN, else title and author (the best candidate over the threshold).
- Goodreads: by Goodreads id, else ISBN.
- Hardcover (only with HARDCOVER_TOKEN): by ISBN, else title and author; asked only when
  the others left its fields open (a series, the runtime, the audio release date), so
  its 60 requests a minute go where they help.

A source that is down, rate-limited or refuses us (a bad token, a firewall) is skipped
for the rest of the run, said once in the log.
"""

from dataclasses import dataclass

from django.conf import settings

from catalog import matching
from catalog.clients.audible import AudibleClient
from catalog.clients.audnexus import AsinUnavailable, AudnexusClient, is_asin
from catalog.clients.goodreads import GoodreadsClient, GoodreadsUnavailable
from catalog.clients.google_books import GoogleBooksClient
from catalog.clients.hardcover import HardcoverClient, QueryRefused
from catalog.clients.http import AccessRefused, RateLimited, ServiceError, ServiceUnavailable

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

    def ask(self, run, lookup):
        """lookup(client) -> record or None; a provider-wide failure marks it down."""
        if self.down:
            return None
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

    def any_down(self):
        return any(provider.down for provider in self.all)


def lookup_book(run, book, sources):
    """The records the sources have for the book; a source's error only when none has one."""
    authors = [author.name for author in book.authors.all()]
    errors = []

    def ask(lookup, *args):
        # One source's bad answer about this book (truncated JSON, say) must not keep the
        # next source from being asked.
        try:
            return lookup(run, book, authors, sources, *args)
        except ServiceError as error:
            errors.append(error)
            return None

    audible = ask(_audible_lookup)
    google = ask(_google_lookup)
    isbn = book.isbn or next((r.isbn_13 for r in (google, audible) if r and r.isbn_13), "")
    goodreads = ask(_goodreads_lookup, isbn)
    records = [record for record in (audible, google, goodreads) if record]
    if sources.hardcover and _open_for_hardcover(records):
        records += [r for r in [ask(_hardcover_lookup, isbn)] if r]
    if errors and not records:
        raise errors[0]
    return records


def _open_for_hardcover(records):
    """True when no source so far gave a series, or Audible gave no audio facts."""
    audible = next((r for r in records if r.source == "audible"), None)
    return not any(r.series_name for r in records) or not (
        audible and audible.runtime_minutes and audible.release_date
    )


def _best(book, authors, candidates):
    found = matching.best_match(
        book.title, authors, candidates, key=lambda record: (record.title, record.authors)
    )
    return found[0] if found else None


def _search_terms(book, authors):
    # The title without tracker noise ("(The Expanse, #2)", "[Unabridged]").
    return matching.display_title(book.title), authors[0] if authors else ""


def _audible_lookup(run, book, authors, sources):
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


def _google_lookup(run, book, authors, sources):
    def lookup(client):
        if book.isbn:
            record = client.find_by_isbn(book.isbn)
            if record:
                return record
        return _best(book, authors, client.search(*_search_terms(book, authors)))

    return sources.google.ask(run, lookup)


def _goodreads_lookup(run, book, authors, sources, isbn):
    def lookup(client):
        if book.goodreads_id:
            return client.book_by_id(book.goodreads_id)
        return client.book_by_isbn(isbn) if isbn else None

    return sources.goodreads.ask(run, lookup)


def _hardcover_lookup(run, book, authors, sources, isbn):
    def lookup(client):
        if isbn:
            record = client.book_by_isbn(isbn)
            if record:
                return record
        return _best(book, authors, client.search(*_search_terms(book, authors)))

    return sources.hardcover.ask(run, lookup)
