"""Google Books volumes API: find by ISBN, search by title and author."""

from django.conf import settings

from catalog.clients.http import BadResponse, RateLimited, build_session
from catalog.clients.json_api import request_object
from catalog.clients.records import (
    MetadataRecord,
    cover_url,
    isbn_forms,
    language_code,
    partial_date,
    plain_text,
    positive_int,
)

SERVICE = "Google Books"


def volume_record(item):
    """One `items` entry -> MetadataRecord; any field may be missing."""
    info = item.get("volumeInfo") if isinstance(item, dict) else None
    if not isinstance(info, dict):
        raise BadResponse(SERVICE, "a volume without volumeInfo")
    identifiers = {
        entry.get("type"): entry.get("identifier")
        for entry in info.get("industryIdentifiers") or []
        if isinstance(entry, dict)
    }
    isbn_10, isbn_13 = isbn_forms(identifiers.get("ISBN_13") or identifiers.get("ISBN_10"))
    images = info.get("imageLinks") if isinstance(info.get("imageLinks"), dict) else {}
    authors = info.get("authors") if isinstance(info.get("authors"), list) else []
    categories = info.get("categories") if isinstance(info.get("categories"), list) else []
    return MetadataRecord(
        source="google_books",
        title=str(info.get("title") or "").strip()[:500],
        subtitle=str(info.get("subtitle") or "").strip()[:500],
        authors=[str(a).strip() for a in authors if str(a).strip()],
        isbn_10=isbn_10,
        isbn_13=isbn_13,
        google_books_id=str(item.get("id") or "")[:32],
        publisher=str(info.get("publisher") or "").strip()[:255],
        published_date=partial_date(info.get("publishedDate")),
        description=plain_text(info.get("description")),
        language=language_code(info.get("language")),
        cover_url=cover_url(
            images.get("thumbnail") or images.get("smallThumbnail"), upgrade_http=True
        ),
        page_count=positive_int(info.get("pageCount")),
        genres=[str(c).strip() for c in categories if str(c).strip()],
    )


class GoogleBooksClient:
    def __init__(self, session=None):
        self.base_url = settings.GOOGLE_BOOKS_API_URL
        self.session = session or build_session(settings.GOOGLE_BOOKS_REQUESTS_PER_SECOND)

    def _volumes(self, query, max_results):
        params = {"q": query, "maxResults": max(1, min(40, max_results)), "printType": "books"}
        if settings.GOOGLE_BOOKS_API_KEY:
            params["key"] = settings.GOOGLE_BOOKS_API_KEY
        url = f"{self.base_url}/volumes"
        data = request_object(SERVICE, self.session, "GET", url, params=params)
        if isinstance(data.get("error"), dict):
            raise _api_error(data["error"])
        records = []
        for item in data.get("items") or []:  # absent when nothing matched
            try:
                records.append(volume_record(item))
            except BadResponse:
                continue
        return records

    def find_by_isbn(self, isbn):
        """The volume with this ISBN, or None."""
        _, isbn_13 = isbn_forms(isbn)
        if not isbn_13:
            return None
        records = self._volumes(f"isbn:{isbn_13}", 5)
        return next(
            (r for r in records if isbn_13 in (r.isbn_13,)), records[0] if records else None
        )

    def search(self, title, author="", max_results=10):
        """Candidates for a title (and author); the caller picks by match score."""
        terms = []
        if title:
            terms.append(f'intitle:"{_quote(title)}"')
        if author:
            terms.append(f'inauthor:"{_quote(author)}"')
        if not terms:
            return []
        return self._volumes(" ".join(terms), max_results)  # the space is sent as "+"


def _quote(text):
    return str(text).replace('"', " ").strip()[:200]


def _api_error(error):
    reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
    if reasons & {"rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded"}:
        return RateLimited(SERVICE, "quota exceeded")
    return BadResponse(SERVICE, f"error {error.get('code')}: {str(error.get('message'))[:200]}")
