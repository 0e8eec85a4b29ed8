"""A fake Google Books volumes API: payload builders and FakeGoogleBooks to serve them."""

import json
from dataclasses import dataclass, field

from werkzeug import Response


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
