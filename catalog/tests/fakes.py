"""Fake outside services, answering as ../shared/PROVIDERS.md says the real ones do.

Payload builders (mam_item, google_volume, goodreads_book_page, ...) and small stateful
fakes that serve them from a pytest-httpserver: FakeMam searches its torrents the way the
JSON API does (text, category, date, sort, paging) and rotates the mam_id cookie.
"""

import hashlib
import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastbencode import bencode
from werkzeug import Response

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


# --- MyAnonamouse ------------------------------------------------------------------------


def mam_item(
    tid,
    title,
    authors=("Some Author",),
    narrators=("Some Narrator",),
    series=(),
    filetype="m4b",
    size="412.3 MiB",
    seeders=10,
    leechers=1,
    snatched=5,
    added=None,
    isbn="",
    category=41,
    lang_code="ENG",
    **extra,
):
    """One element of `data`, with author/narrator/series info as JSON strings inside JSON."""
    item = {
        "id": tid,
        "title": title,
        "added": (added or NOW).strftime("%Y-%m-%d %H:%M:%S"),
        "author_info": json.dumps({str(1000 + i): a for i, a in enumerate(authors)})
        if authors
        else "",
        "narrator_info": json.dumps({str(2000 + i): n for i, n in enumerate(narrators)})
        if narrators
        else None,
        "series_info": json.dumps({str(3000 + i): [s, p] for i, (s, p) in enumerate(series)})
        if series
        else "",
        "main_cat": 13,
        "category": category,
        "catname": "Audiobooks - Fantasy",
        "filetype": filetype,
        "lang_code": lang_code,
        "language": 1,
        "size": size,
        "seeders": seeders,
        "leechers": leechers,
        "times_completed": snatched,
        "numfiles": 1,
        "free": 0,
        "vip": 0,
        "my_snatched": 0,
        "tags": "",
        "isbn": isbn,
        "dl": hashlib.sha1(str(tid).encode()).hexdigest()[:20],
        "thumbnail": "",
        "description": "",
    }
    item.update(extra)
    return item


def mam_page(items, total=None, start=0, perpage=25):
    if not items and not total:
        return {"error": "Nothing returned, out of 0"}
    return {
        "perpage": perpage,
        "start": start,
        "total": len(items) if total is None else total,
        "found": len(items),
        "data": items,
    }


def torrent_file(name, size=1234):
    """A tiny but real single-file .torrent (bencoded)."""
    info = {
        b"name": name.encode(),
        b"length": size,
        b"piece length": 16384,
        b"pieces": hashlib.sha1(name.encode()).digest(),
    }
    return bencode({b"announce": b"http://127.0.0.1:9/announce", b"info": info})


@dataclass
class FakeMam:
    """The MAM JSON API: search over self.items, torrent downloads, a rotating cookie."""

    server: object
    items: list = field(default_factory=list)
    session: str = "session-one"
    expired: bool = False
    searches: list = field(default_factory=list)
    downloads: list = field(default_factory=list)
    cookies_seen: list = field(default_factory=list)
    rotation: int = 0

    def install(self):
        self.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_handler(
            self._search
        )
        self.server.expect_request("/tor/download.php").respond_with_handler(self._download)
        return self

    def _cookie_ok(self, request):
        cookie = request.cookies.get("mam_id")
        self.cookies_seen.append(cookie)
        return not self.expired and cookie == self.session

    def _rotate(self, response):
        self.rotation += 1
        self.session = f"session-rotated-{self.rotation}"
        response.set_cookie("mam_id", self.session)
        return response

    def _search(self, request):
        if not self._cookie_ok(request):
            return Response(
                "<html><body>Please log in</body></html>", status=403, content_type="text/html"
            )
        args = request.args
        self.searches.append(args.to_dict(flat=False))
        items = self._matching(args)
        start = int(args.get("tor[startNumber]", 0))
        perpage = int(args.get("perpage", 25))
        body = mam_page(
            items[start : start + perpage], total=len(items), start=start, perpage=perpage
        )
        return self._rotate(Response(json.dumps(body), content_type="application/json"))

    def _matching(self, args):
        items = list(self.items)
        category = args.get("tor[cat][]")
        if category:
            items = [i for i in items if str(i["category"]) == category]
        start = args.get("tor[startDate]")
        if start:
            items = [i for i in items if i["added"][:10] >= start]
        words = args.get("tor[text]", "").lower().split()
        if words:
            items = [
                i
                for i in items
                if all(w in (i["title"] + " " + i["author_info"]).lower() for w in words)
            ]
        sort = args.get("tor[sortType]", "dateDesc")
        key = {"snatchedDesc": "times_completed", "seedersDesc": "seeders"}.get(sort, "added")
        return sorted(items, key=lambda i: i[key], reverse=True)

    def _download(self, request):
        if not self._cookie_ok(request):
            return Response("<html>Please log in</html>", status=403, content_type="text/html")
        tid = int(request.args["tid"])
        self.downloads.append(tid)
        title = next((i["title"] for i in self.items if i["id"] == tid), f"torrent-{tid}")
        return self._rotate(
            Response(torrent_file(f"{tid}-{title}"), content_type="application/x-bittorrent")
        )


# --- Google Books ------------------------------------------------------------------------


def google_volume(volume_id, title, authors=(), isbn13="", isbn10="", **info):
    identifiers = []
    if isbn13:
        identifiers.append({"type": "ISBN_13", "identifier": isbn13})
    if isbn10:
        identifiers.append({"type": "ISBN_10", "identifier": isbn10})
    volume_info = {
        "title": title,
        "authors": list(authors),
        "industryIdentifiers": identifiers,
        "language": "en",
        "imageLinks": {"thumbnail": f"http://books.example/{volume_id}.jpg"},
    }
    volume_info.update(info)
    return {"kind": "books#volume", "id": volume_id, "volumeInfo": volume_info}


def google_volumes(items):
    body = {"kind": "books#volumes", "totalItems": len(items)}
    if items:  # Google leaves `items` out when nothing matched
        body["items"] = items
    return body


def google_rate_limited():
    return {
        "error": {
            "code": 429,
            "message": "Rate Limit Exceeded",
            "errors": [{"reason": "rateLimitExceeded", "domain": "usageLimits"}],
        }
    }


@dataclass
class FakeGoogleBooks:
    """/volumes answering isbn: and intitle: queries from self.volumes."""

    server: object
    volumes: list = field(default_factory=list)
    queries: list = field(default_factory=list)

    def install(self):
        self.server.expect_request("/volumes").respond_with_handler(self._volumes)
        return self

    def _volumes(self, request):
        query = request.args.get("q", "")
        self.queries.append(query)
        if query.startswith("isbn:"):
            isbn = query[5:]
            found = [
                v
                for v in self.volumes
                if any(i["identifier"] == isbn for i in v["volumeInfo"]["industryIdentifiers"])
            ]
        else:
            title, author = _quoted(query, "intitle"), _quoted(query, "inauthor")
            found = [
                v
                for v in self.volumes
                if (not title or title in v["volumeInfo"]["title"].lower())
                and (not author or any(author in a.lower() for a in v["volumeInfo"]["authors"]))
            ]
        return Response(json.dumps(google_volumes(found)), content_type="application/json")


def _quoted(query, field_name):
    marker = f'{field_name}:"'
    return query.split(marker, 1)[1].split('"', 1)[0].lower() if marker in query else ""


# --- Goodreads ---------------------------------------------------------------------------


def goodreads_book_page(
    legacy_id,
    title,
    author="Some Author",
    isbn13="",
    series=None,
    genres=(),
    description="",
    pages=None,
    published=None,
    asin="",
):
    """A book page whose data sits in __NEXT_DATA__'s apolloState, linked by __ref."""
    book_key, author_key = f"Book:kca://book/{legacy_id}", f"Contributor:kca://author/{legacy_id}"
    state = {
        author_key: {"__typename": "Contributor", "name": author, "legacyId": 7},
        book_key: {
            "__typename": "Book",
            "legacyId": legacy_id,
            "title": title,
            "titleComplete": f"{title} ({series[0]}, #{series[1]})" if series else title,
            "description": description,
            "imageUrl": f"https://images.example/{legacy_id}.jpg",
            "bookGenres": [{"genre": {"name": g}} for g in genres],
            "details": {
                "isbn": "",
                "isbn13": isbn13,
                "asin": asin,
                "numPages": pages,
                "publicationTime": int(published.timestamp() * 1000) if published else None,
                "format": "Hardcover",
                "language": {"name": "English"},
                "publisher": "Tor",
            },
            "primaryContributorEdge": {"node": {"__ref": author_key}},
            "bookSeries": [],
            "work": {"__ref": f"Work:kca://work/{legacy_id}"},
        },
    }
    if series:
        series_key = f"Series:kca://series/{series[0]}"
        state[series_key] = {"title": series[0], "webUrl": "https://www.goodreads.com/series/1"}
        state[book_key]["bookSeries"] = [
            {"userPosition": series[1], "series": {"__ref": series_key}}
        ]
    data = {"props": {"pageProps": {"apolloState": state}}}
    return (
        f'<html><head><title>{html.escape(title)}</title></head><body><div id="__next"></div>'
        '<script id="__NEXT_DATA__" type="application/json">'
        f"{json.dumps(data)}</script></body></html>"
    )


def react_element(kind, props):
    """An element with HTML-escaped JSON props, as Goodreads' series pages carry them."""
    return (
        f'<div data-react-class="{kind}" data-react-props="{html.escape(json.dumps(props))}"></div>'
    )


def goodreads_series_page(title, chunks):
    """chunks: lists of (header, book_id, title, author); one SeriesList per chunk."""
    header = {"title": title, "subtitle": f"{sum(map(len, chunks))} primary works"}
    parts = [react_element("ReactComponents.SeriesHeader", header)]
    for chunk in chunks:
        props = {
            "seriesHeaders": [h for h, *_ in chunk],
            "series": [
                {
                    "book": {
                        "bookId": str(book_id),
                        "workId": str(book_id * 10),
                        "title": f"{t} ({title}, #{h.split()[-1] if h else '?'})",
                        "bookTitleBare": t,
                        "bookUrl": f"/book/show/{book_id}",
                        "imageUrl": "",
                        "publicationDate": "2011",
                        "author": {"id": 1, "name": author},
                    }
                }
                for h, book_id, t, author in chunk
            ],
        }
        parts.append(react_element("ReactComponents.SeriesList", props))
    return f"<html><body>{''.join(parts)}</body></html>"


CHALLENGE_PAGE = (
    "<html><head><title>Just a moment...</title></head><body>"
    "<noscript>Enable JavaScript and cookies to continue</noscript></body></html>"
)


# --- Open Library ------------------------------------------------------------------------


def openlibrary_works(titles, size=None, offset=0):
    return {
        "links": {},
        "size": len(titles) if size is None else size,
        "entries": [
            {"key": f"/works/OL{offset + i}W", "title": t, "type": {"key": "/type/work"}}
            for i, t in enumerate(titles)
        ],
    }


def openlibrary_search(docs):
    return {"numFound": len(docs), "start": 0, "docs": docs}


def days_ago(days):
    return NOW - timedelta(days=days)
