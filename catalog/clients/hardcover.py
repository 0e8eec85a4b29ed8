"""Hardcover's GraphQL API: series, positions and audio editions, by ISBN or by title.

`POST {HARDCOVER_URL}` with `Authorization: Bearer <HARDCOVER_TOKEN>`; without a token
the client is off. Hardcover allows 60 requests a minute, and each top-level field of a
query counts as one request (at most 5 per request, or a single `search`): the client
sends one top-level field per request, so the HTTP layer's per-host limit
(HARDCOVER_REQUESTS_PER_SECOND, 1 by default) is Hardcover's own count. Many errors come
as HTTP 200 with an `errors` array and no `data`; 401 is a bad token; 429 says when to
come back (Retry-After, honoured by the HTTP layer).
"""

from django.conf import settings

from catalog.clients.http import AccessRefused, BadResponse, RateLimited, build_session
from catalog.clients.json_api import error_text, request_object
from catalog.clients.records import MetadataRecord, isbn_forms, iso_day, series_number

SERVICE = "Hardcover"
AUDIOBOOK = 2  # reading_format_id 2 is "Listened"

BOOK_FIELDS = """
      id title subtitle release_date audio_seconds
      book_series { position series { name } }
      default_audio_edition { asin audio_seconds release_date }
"""
BY_ISBN = (
    """
query BookByIsbn($isbns: [String!]) {
  editions(where: {_or: [{isbn_13: {_in: $isbns}}, {isbn_10: {_in: $isbns}}]}, limit: 1) {
    id asin reading_format_id
    contributions { contribution author { name } }
    book {"""
    + BOOK_FIELDS
    + """    }
  }
}"""
)
SEARCH = """
query SearchBooks($query: String!) {
  search(query: $query, query_type: "Book", per_page: 5, page: 1) { ids results }
}"""


class QueryRefused(BadResponse):
    """Hardcover refused the query itself (HTTP 200 with `errors`, 400, 403 over the
    limit): every book would be refused alike."""


class HardcoverClient:
    def __init__(self, session=None):
        self.url = settings.HARDCOVER_URL
        self.token = settings.HARDCOVER_TOKEN
        self.session = session or build_session(settings.HARDCOVER_REQUESTS_PER_SECOND)

    @property
    def enabled(self):
        return bool(self.token)

    def _query(self, query, variables):
        token = self.token.removeprefix("Bearer ").strip()
        data = request_object(
            SERVICE,
            self.session,
            "POST",
            self.url,
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
            explain=_explain,
        )
        if data.get("errors") and not data.get("data"):
            raise _graphql_error(data["errors"])
        if not isinstance(data.get("data"), dict):
            raise BadResponse(SERVICE, "an answer without data")
        return data["data"]

    def book_by_isbn(self, isbn):
        """The book of the edition with this ISBN, with its audio edition, or None."""
        isbn_10, isbn_13 = isbn_forms(isbn)
        if not isbn_13:
            return None
        editions = self._query(BY_ISBN, {"isbns": [v for v in (isbn_13, isbn_10) if v]})
        found = editions.get("editions")
        edition = found[0] if isinstance(found, list) and found else None
        return edition_record(edition, isbn_10, isbn_13) if isinstance(edition, dict) else None

    def search(self, title, author=""):
        """Candidates for a title (and author), Hardcover's best first."""
        query = " ".join(part for part in (str(title).strip(), str(author).strip()) if part)
        if not query:
            return []
        found = self._query(SEARCH, {"query": query[:200]}).get("search") or {}
        results = found.get("results") if isinstance(found, dict) else None
        hits = results.get("hits") if isinstance(results, dict) else None
        documents = [hit.get("document") for hit in hits or [] if isinstance(hit, dict)]
        return [
            search_record(doc) for doc in documents if isinstance(doc, dict) and doc.get("title")
        ]


def _explain(error, body):
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return _graphql_error(body["errors"])
    code = error_text(body, "error", "code")
    detail = error_text(body, "error_description", "message")
    words = f"{code} {detail}".strip() or str(error)
    if "invalid_token" in code or "verify token" in code.lower() or "insufficient_scope" in code:
        return AccessRefused(SERVICE, f"HARDCOVER_TOKEN was refused ({words})")
    return QueryRefused(SERVICE, f"the query was refused ({words})")


def _graphql_error(errors):
    messages = [
        str(e.get("message") or (e.get("extensions") or {}).get("code") or "")
        for e in errors
        if isinstance(e, dict)
    ]
    text = "; ".join(m for m in messages if m)[:300] or "an errors array without messages"
    lowered = text.lower()
    if "throttl" in lowered or "rate limit" in lowered or "too many" in lowered:
        return RateLimited(SERVICE, f"rate limited: {text}")
    if "jwt" in lowered or "token" in lowered or "unauthori" in lowered:
        return AccessRefused(SERVICE, f"HARDCOVER_TOKEN was refused ({text})")
    return QueryRefused(SERVICE, f"the query was refused: {text}")


def _minutes(seconds):
    try:
        minutes = round(int(seconds) / 60)
    except (TypeError, ValueError):
        return None
    return minutes if 0 < minutes < 100000 else None


def edition_record(edition, isbn_10, isbn_13):
    book = edition.get("book") if isinstance(edition.get("book"), dict) else {}
    audio = book.get("default_audio_edition")
    audio = audio if isinstance(audio, dict) else {}
    if edition.get("reading_format_id") == AUDIOBOOK:
        audio = {**audio, **{k: edition[k] for k in ("asin",) if edition.get(k)}}
    series, position = "", ""
    for entry in book.get("book_series") or []:
        name = ((entry or {}).get("series") or {}).get("name") if isinstance(entry, dict) else ""
        if name:
            series, position = str(name).strip(), series_number(entry.get("position"))
            break
    authors = [
        str(((c or {}).get("author") or {}).get("name") or "").strip()
        for c in edition.get("contributions") or []
        if isinstance(c, dict) and (c.get("contribution") in (None, "", "Author"))
    ]
    return MetadataRecord(
        source="hardcover",
        title=str(book.get("title") or "").strip()[:500],
        subtitle=str(book.get("subtitle") or "").strip()[:500],
        authors=[a for a in authors if a],
        isbn_10=isbn_10,
        isbn_13=isbn_13,
        asin=str(audio.get("asin") or "").strip()[:10],
        series_name=series[:255],
        series_position=position,
        runtime_minutes=_minutes(audio.get("audio_seconds") or book.get("audio_seconds")),
        release_date=iso_day(audio.get("release_date")),
    )


def search_record(doc):
    featured = doc.get("featured_series") if isinstance(doc.get("featured_series"), dict) else {}
    inner = featured.get("series") if isinstance(featured.get("series"), dict) else {}
    series_names = doc.get("series_names") if isinstance(doc.get("series_names"), list) else []
    series = inner.get("name") or featured.get("name") or (series_names[:1] or [""])[0]
    position = doc.get("featured_series_position")
    if position is None:
        position = featured.get("position")
    isbn_10, isbn_13 = "", ""
    for value in doc.get("isbns") or []:
        isbn_10, isbn_13 = isbn_forms(value)
        if isbn_13:
            break
    authors = doc.get("author_names") if isinstance(doc.get("author_names"), list) else []
    year = str(doc.get("release_year") or "")
    return MetadataRecord(
        source="hardcover",
        title=str(doc.get("title") or "").strip()[:500],
        authors=[str(a).strip() for a in authors if str(a).strip()],
        isbn_10=isbn_10,
        isbn_13=isbn_13,
        series_name=str(series or "").strip()[:255],
        series_position=series_number(position) if series else "",
        runtime_minutes=_minutes(doc.get("audio_seconds")),
        published_date=year if len(year) == 4 and year.isdigit() else "",
    )
