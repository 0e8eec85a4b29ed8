"""Hardcover's GraphQL endpoint, answering as PROVIDERS-DETAIL.md §5 says.

The query is parsed with graphql-core, as a GraphQL server would: more than 5 top-level
fields (or a `search` beside anything) is a 403 top_level_limit_exceeded; an unknown field
is an HTTP 200 with an `errors` array and no `data`; a missing or wrong token is a 401;
`throttle` answers 429 with Retry-After.
"""

import json
from dataclasses import dataclass, field

from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse
from werkzeug import Response

MAX_TOP_LEVEL = 5


def hardcover_book(
    book_id,
    title,
    authors=(),
    isbn13="",
    series=None,
    audio_seconds=None,
    audio_release_date=None,
    audio_asin=None,
    release_year=2011,
):
    """One Hardcover book; series: (name, position as a number) or None."""
    return {
        "id": book_id,
        "title": title,
        "authors": list(authors),
        "isbn13": isbn13,
        "series": series,
        "audio_seconds": audio_seconds,
        "audio_release_date": audio_release_date,
        "audio_asin": audio_asin,
        "release_year": release_year,
    }


def hardcover_edition(book):
    """The `editions` entry of a book found by one of its ISBNs."""
    audio = None
    if book["audio_seconds"] or book["audio_release_date"]:
        audio = {
            "asin": book["audio_asin"],
            "audio_seconds": book["audio_seconds"],
            "release_date": book["audio_release_date"],
        }
    series = book["series"]
    return {
        "id": book["id"] * 10,
        "asin": None,
        "reading_format_id": 1,
        "contributions": [{"contribution": None, "author": {"name": a}} for a in book["authors"]],
        "book": {
            "id": book["id"],
            "title": book["title"],
            "subtitle": None,
            "release_date": f"{book['release_year']}-06-15",
            "audio_seconds": book["audio_seconds"],
            "book_series": [{"position": series[1], "series": {"name": series[0]}}]
            if series
            else [],
            "default_audio_edition": audio,
        },
    }


def hardcover_document(book):
    """The Typesense document of a book in `search` results."""
    series = book["series"]
    return {
        "id": str(book["id"]),
        "title": book["title"],
        "author_names": book["authors"],
        "isbns": [book["isbn13"]] if book["isbn13"] else [],
        "series_names": [series[0]] if series else [],
        "featured_series": {"id": 1, "position": series[1], "series": {"id": 9, "name": series[0]}}
        if series
        else None,
        "featured_series_position": series[1] if series else None,
        "audio_seconds": book["audio_seconds"],
        "has_audiobook": bool(book["audio_seconds"]),
        "release_year": book["release_year"],
        "users_count": 100,
    }


def _json(body, status=200, headers=None):
    return Response(
        json.dumps(body), status=status, content_type="application/json", headers=headers
    )


@dataclass
class FakeHardcover:
    server: object
    token: str = "hc_pat_test-token-1234"
    books: list = field(default_factory=list)
    queries: list = field(default_factory=list)  # the top-level field names of each request
    throttle: list = field(default_factory=list)  # Retry-After values of the next 429s

    def install(self):
        self.server.expect_request("/v1/graphql", method="POST").respond_with_handler(self._post)
        return self

    @property
    def url(self):
        return self.server.url_for("/v1/graphql")

    def _post(self, request):
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"error": "invalid_token", "error_description": "bad token"}, 401)
        if self.throttle:
            seconds = self.throttle.pop(0)
            body = {"error": "Too Many Requests", "message": "Throttled. Try again later."}
            return _json(body, 429, {"Retry-After": str(seconds)})
        payload = request.get_json(silent=True) or {}
        try:
            document = parse(payload.get("query") or "")
        except GraphQLSyntaxError as error:
            return _json({"error": "invalid_query", "error_description": error.message}, 400)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        fields = [(s.alias or s.name).value for s in operation.selection_set.selections]
        names = [s.name.value for s in operation.selection_set.selections]
        self.queries.append(names)
        if len(fields) > MAX_TOP_LEVEL or ("search" in names and len(names) > 1):
            message = "top_level_limit_exceeded: at most 5 top-level queries, or 1 search"
            return _json({"errors": [{"message": message}]}, 403)
        variables = payload.get("variables") or {}
        data = {}
        for alias, name in zip(fields, names, strict=True):
            if name == "editions":
                wanted = set(variables.get("isbns") or [])
                data[alias] = [hardcover_edition(b) for b in self.books if b["isbn13"] in wanted][
                    :1
                ]
            elif name == "search":
                text = str(variables.get("query") or "").lower()
                hits = [
                    {"document": hardcover_document(b)}
                    for b in self.books
                    if b["title"].lower() in text
                ]
                ids = [int(h["document"]["id"]) for h in hits]
                data[alias] = {"ids": ids, "results": {"found": len(hits), "hits": hits}}
            else:
                message = f"field '{name}' not found in type: 'query_root'"
                return _json(
                    {"errors": [{"message": message, "extensions": {"code": "validation-failed"}}]}
                )
        return _json({"data": data})
