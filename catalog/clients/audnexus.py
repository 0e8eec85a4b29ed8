"""Audnexus: Audible's book data by ASIN, cleaned up, as Audiobookshelf reads it.

`GET {AUDNEXUS_URL}/books/{ASIN}?region=` answers the book (narrators, runtime, series
and position, release date, ...). A 404 says why: REGION_UNAVAILABLE (not sold in this
region, which is not "unknown everywhere": the same book often has another ASIN there)
or PRODUCT_DELISTED. A podcast or other non-book answers 400. A book without a series has
no `seriesPrimary` key at all. Pre-orders are answered with their future release date.
"""

import re

from django.conf import settings

from catalog.clients.http import BadResponse, NotFound, build_session
from catalog.clients.json_api import error_text, request_json
from catalog.clients.records import (
    MetadataRecord,
    cover_url,
    isbn_forms,
    iso_day,
    language_code,
    names,
    plain_text,
    positive_int,
    series_number,
)

SERVICE = "Audnexus"
ASIN = re.compile(r"^(B[0-9A-Z]{9}|\d{9}[\dX])$")


class AsinUnavailable(NotFound):
    """Audnexus has no book for this ASIN here; `code` says why (REGION_UNAVAILABLE,
    PRODUCT_DELISTED, CONTENT_TYPE_MISMATCH for a podcast)."""

    def __init__(self, service, message, code=""):
        self.code = code
        super().__init__(service, message)


def is_asin(value):
    return bool(ASIN.match(str(value or "").strip().upper()))


class AudnexusClient:
    def __init__(self, session=None):
        self.base_url = settings.AUDNEXUS_URL
        self.region = settings.AUDIBLE_REGION
        self.session = session or build_session(settings.AUDNEXUS_REQUESTS_PER_SECOND)

    def book(self, asin):
        """The audiobook with this ASIN in AUDIBLE_REGION. Raises AsinUnavailable when
        Audnexus has none here; a malformed ASIN is not sent and answers None."""
        asin = str(asin or "").strip().upper()
        if not is_asin(asin):
            return None
        data = request_json(
            SERVICE,
            self.session,
            "GET",
            f"{self.base_url}/books/{asin}",
            params={"region": self.region},
            explain=lambda error, body: _explain(error, body, asin),
        )
        if not isinstance(data, dict) or not data.get("title"):
            raise BadResponse(SERVICE, f"/books/{asin}: an answer without a title")
        return book_record(data)


def _explain(error, body, asin):
    code = error_text(body, "error.code")
    message = error_text(body, "error.message", "message") or str(error)
    if isinstance(error, NotFound) or code == "CONTENT_TYPE_MISMATCH":
        return AsinUnavailable(SERVICE, f"/books/{asin}: {code or 'HTTP 404'}: {message}", code)
    return BadResponse(SERVICE, f"/books/{asin}: {code or 'refused'}: {message}")


def book_record(book):
    """Audnexus' ApiBook -> MetadataRecord(source "audible")."""
    series = book.get("seriesPrimary") or book.get("seriesSecondary")
    series = series if isinstance(series, dict) else {}
    isbn_10, isbn_13 = isbn_forms(book.get("isbn"))
    genres = [
        str(genre.get("name") or "").strip()[:100]
        for genre in book.get("genres") or []
        if isinstance(genre, dict) and genre.get("type") == "genre" and genre.get("name")
    ]
    return MetadataRecord(
        source="audible",
        title=str(book.get("title") or "").strip()[:500],
        subtitle=str(book.get("subtitle") or "").strip()[:500],
        authors=names(book.get("authors")),
        narrators=names(book.get("narrators")),
        asin=str(book.get("asin") or "").strip()[:10],
        isbn_10=isbn_10,
        isbn_13=isbn_13,
        publisher=str(book.get("publisherName") or "").strip()[:255],
        release_date=iso_day(book.get("releaseDate")),
        runtime_minutes=positive_int(book.get("runtimeLengthMin")),
        description=_description(book),
        language=language_code(book.get("language")),
        cover_url=cover_url(book.get("image"), upgrade_http=True),
        series_name=str(series.get("name") or "").strip()[:255],
        series_position=series_number(series.get("position")),
        genres=genres,
        abridged={"abridged": True, "unabridged": False}.get(
            str(book.get("formatType") or "").lower()
        ),
    )


def _description(book):
    """The publisher's summary (HTML), unless Audnexus cut it ("....") and the plain
    merchandising description is there instead."""
    summary = plain_text(book.get("summary"))
    description = plain_text(book.get("description"))
    if summary.endswith("....") and description:
        return description
    return summary or description
