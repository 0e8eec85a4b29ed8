"""Goodreads' public pages: a book page's __NEXT_DATA__, a series page's React props.

And the firewall's challenge page, which answers many automated requests since 2026.
"""

import html
import json


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
