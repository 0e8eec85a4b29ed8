"""Fake outside services, answering as /work/shared/PROVIDERS.md says the real ones do.

One module per service: payload builders (mam_item, google_volume, goodreads_book_page,
...) and, where a test needs state, a small fake that installs itself on a
pytest-httpserver (FakeMam, FakeGoogleBooks). Everything is importable from here.
"""

from catalog.tests.fakes.audible import (
    FakeAudible,
    FakeAudnexus,
    audible_product,
    audible_stub,
    audnexus_book,
)
from catalog.tests.fakes.goodreads import (
    CHALLENGE_PAGE,
    goodreads_book_page,
    goodreads_series_page,
    react_element,
)
from catalog.tests.fakes.google_books import (
    FakeGoogleBooks,
    google_rate_limited,
    google_volume,
    google_volumes,
)
from catalog.tests.fakes.hardcover import (
    FakeHardcover,
    hardcover_book,
    hardcover_document,
    hardcover_edition,
)
from catalog.tests.fakes.mam import NOW, FakeMam, days_ago, mam_account, mam_item, mam_page
from catalog.tests.fakes.openlibrary import openlibrary_doc, openlibrary_search, openlibrary_works
from catalog.tests.fakes.torrents import bencode, torrent_file, torrent_info_hash

__all__ = [
    "CHALLENGE_PAGE",
    "NOW",
    "FakeAudible",
    "FakeAudnexus",
    "FakeHardcover",
    "audible_product",
    "audible_stub",
    "audnexus_book",
    "hardcover_book",
    "hardcover_document",
    "hardcover_edition",
    "FakeGoogleBooks",
    "FakeMam",
    "bencode",
    "days_ago",
    "goodreads_book_page",
    "goodreads_series_page",
    "google_rate_limited",
    "google_volume",
    "google_volumes",
    "mam_account",
    "mam_item",
    "mam_page",
    "openlibrary_doc",
    "openlibrary_search",
    "openlibrary_works",
    "react_element",
    "torrent_file",
    "torrent_info_hash",
]
