"""Goodreads public pages (its API closed in 2020), parsed with lxml.

A book page carries its data in <script id="__NEXT_DATA__">, an Apollo cache of entries
linked by {"__ref": key}. A series page carries React props in data-react-props. Since
2026 a firewall answers many automated requests with a challenge: a challenge page, a
202/403 without data, or a page without the data we read all mean "Goodreads
unavailable" (GoodreadsUnavailable), never a crash.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from lxml import html as lxml_html

from catalog.clients.http import BadResponse, NotFound, ServiceError, build_session, call
from catalog.clients.records import (
    MetadataRecord,
    cover_url,
    isbn_forms,
    language_code,
    parse_json,
    plain_text,
    positive_int,
)

SERVICE = "Goodreads"


class GoodreadsUnavailable(ServiceError):
    """Firewall challenge or changed layout: use the other sources this run."""


@dataclass
class SeriesEntry:
    title: str
    position_text: str = ""  # "1", "1.5", "1-3", "" when unnumbered
    position: float | None = None
    is_omnibus: bool = False
    is_fractional: bool = False
    book_id: str = ""
    work_id: str = ""
    author: str = ""
    publication_date: str = ""


@dataclass
class SeriesListing:
    title: str
    entries: list = field(default_factory=list)


_POSITION = re.compile(r"^\s*books?\s+([\d.]+)(?:\s*-\s*([\d.]+))?\s*$", re.IGNORECASE)


def parse_position(header):
    """'Book 2' -> ('2', 2.0, omnibus False, fractional False); 'Books 1-3' -> omnibus."""
    match = _POSITION.match(str(header or ""))
    if not match:
        return "", None, False, False
    first, last = match[1], match[2]
    try:
        number = float(first)
    except ValueError:
        return "", None, False, False
    text = f"{first}-{last}" if last else first
    return text, number, bool(last), bool(not last and not number.is_integer())


class GoodreadsClient:
    def __init__(self, session=None):
        self.base_url = settings.GOODREADS_URL
        self.session = session or build_session(settings.GOODREADS_REQUESTS_PER_SECOND)

    def _page(self, path):
        try:
            response = call(SERVICE, self.session, "GET", self.base_url + path)
        except NotFound:
            return None
        except BadResponse as error:  # 403 and friends: the firewall said no
            raise GoodreadsUnavailable(SERVICE, f"refused ({error})") from None
        if response.status_code == 202 or not response.text.strip():
            raise GoodreadsUnavailable(SERVICE, f"{path}: a challenge instead of the page")
        try:
            return lxml_html.fromstring(response.content)
        except Exception:  # lxml: empty or binary document
            raise GoodreadsUnavailable(SERVICE, f"{path}: not an HTML page") from None

    # --- books ---------------------------------------------------------------------------

    def book_by_id(self, book_id):
        return self._book(f"/book/show/{int(book_id)}")

    def book_by_isbn(self, isbn):
        _, isbn_13 = isbn_forms(isbn)
        return self._book(f"/book/isbn/{isbn_13}") if isbn_13 else None

    def _book(self, path):
        page = self._page(path)
        if page is None:
            return None
        state = _apollo_state(page, path)
        book = _main_book(state)
        if book is None:
            raise GoodreadsUnavailable(
                SERVICE, f"{path}: no book in the page data (layout changed?)"
            )
        return book_record(book, state)

    # --- series --------------------------------------------------------------------------

    def series(self, series_id):
        path = f"/series/{int(series_id)}"
        page = self._page(path)
        if page is None:
            raise NotFound(SERVICE, f"{path}: no such series")
        listing = SeriesListing(title="")
        found_list = False
        for element in page.xpath("//*[@data-react-class]"):
            kind = element.get("data-react-class")
            props = _props(element)
            if kind == "ReactComponents.SeriesHeader":
                listing.title = str(props.get("title") or listing.title)
            elif kind == "ReactComponents.SeriesList":
                found_list = True
                listing.entries.extend(_series_entries(props))
        if not found_list:
            raise GoodreadsUnavailable(
                SERVICE, f"{path}: no series list in the page (layout changed?)"
            )
        return listing


def _apollo_state(page, path):
    scripts = page.xpath('//script[@id="__NEXT_DATA__"]/text()')
    if not scripts:
        raise GoodreadsUnavailable(SERVICE, f"{path}: no __NEXT_DATA__ (challenge or new layout)")
    try:
        state = parse_json(scripts[0])["props"]["pageProps"]["apolloState"]
    except (ValueError, KeyError, TypeError):
        raise GoodreadsUnavailable(SERVICE, f"{path}: page data without apolloState") from None
    if not isinstance(state, dict):
        raise GoodreadsUnavailable(SERVICE, f"{path}: apolloState is not a map")
    return state


def _main_book(state):
    """The Book entry with the fullest data (the page's own book)."""
    books = [v for k, v in state.items() if k.startswith("Book:") and isinstance(v, dict)]
    books = [b for b in books if b.get("title")]
    return max(
        books, key=lambda b: len(b.get("details") or {}) + bool(b.get("description")), default=None
    )


def _ref(state, link):
    if isinstance(link, dict) and "__ref" in link:
        value = state.get(link["__ref"])
        return value if isinstance(value, dict) else {}
    return link if isinstance(link, dict) else {}


def book_record(book, state):
    details = book.get("details") if isinstance(book.get("details"), dict) else {}
    isbn_10, isbn_13 = isbn_forms(details.get("isbn13") or details.get("isbn"))
    author = _ref(state, (book.get("primaryContributorEdge") or {}).get("node"))
    series_name, position = "", ""
    for entry in book.get("bookSeries") or []:
        if isinstance(entry, dict):
            series_name = str(_ref(state, entry.get("series")).get("title") or "")
            position = str(entry.get("userPosition") or "")
            break
    genres = [
        str(((g or {}).get("genre") or {}).get("name") or "").strip()
        for g in book.get("bookGenres") or []
        if isinstance(g, dict)
    ]
    language = details.get("language") if isinstance(details.get("language"), dict) else {}
    return MetadataRecord(
        source="goodreads",
        title=str(book.get("title") or "").strip()[:500],
        authors=[str(author["name"]).strip()] if author.get("name") else [],
        isbn_10=isbn_10,
        isbn_13=isbn_13,
        asin=str(details.get("asin") or "").strip()[:10],
        goodreads_id=str(book.get("legacyId") or "")[:32],
        publisher=str(details.get("publisher") or "").strip()[:255],
        published_date=_date_from_ms(details.get("publicationTime")),
        description=plain_text(book.get("description")),
        language=language_code(language.get("name")),
        cover_url=cover_url(book.get("imageUrl")),
        page_count=positive_int(details.get("numPages")),
        series_name=series_name[:255],
        series_position=position[:16],
        genres=[g for g in genres if g],
    )


def _date_from_ms(value):
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC).strftime("%Y-%m-%d")
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _props(element):
    try:
        props = parse_json(element.get("data-react-props") or "{}")
    except ValueError:
        return {}
    return props if isinstance(props, dict) else {}


def _series_entries(props):
    headers = props.get("seriesHeaders") if isinstance(props.get("seriesHeaders"), list) else []
    entries = []
    for index, item in enumerate(props.get("series") or []):
        book = (item or {}).get("book") if isinstance(item, dict) else None
        if not isinstance(book, dict):
            continue
        header = headers[index] if index < len(headers) else ""
        text, number, omnibus, fractional = parse_position(header)
        author = book.get("author") if isinstance(book.get("author"), dict) else {}
        entries.append(
            SeriesEntry(
                title=str(book.get("bookTitleBare") or book.get("title") or "").strip(),
                position_text=text,
                position=number,
                is_omnibus=omnibus,
                is_fractional=fractional,
                book_id=str(book.get("bookId") or ""),
                work_id=str(book.get("workId") or ""),
                author=str(author.get("name") or "").strip(),
                publication_date=str(book.get("publicationDate") or ""),
            )
        )
    return entries
