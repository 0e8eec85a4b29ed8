"""Audiobookshelf's API, answering as PROVIDERS-DETAIL.md section 1 says.

- Every /api/ route wants `Authorization: Bearer <key>`: else 401 `Unauthorized`.
- GET /api/libraries: {"libraries": [...]} with mediaType and folders.
- GET /api/libraries/{id}/items: `limit` (absent, 0 or not a number: no limit), 0-based
  `page`; a negative limit or page is a 400; an unknown library a 404 `Library not found`.
  Items are always minified (authorName, narratorName, seriesName strings, no arrays).
- POST /api/items/batch/get {"libraryItemIds": [...]}: expanded items (authors[{id,name}],
  narrators[], series[{id,name,sequence}]); an empty list is a 403 `Invalid payload`.
- POST /api/libraries/{id}/scan: 200 `OK` at once.
"""

import json
import re
from dataclasses import dataclass, field

from werkzeug import Response

KEY = "abs-key-never-shown"


def abs_item(
    item_id, title, authors=(), narrators=(), series=(), asin="", isbn="", duration=3600.5,
    path="", updated=1700000000000, size=1000, missing=False, library_id="lib-books",
):  # fmt: skip
    """One library item, stored expanded; series: [(name, sequence or None)]."""
    return {
        "id": item_id, "ino": "123", "libraryId": library_id, "folderId": "fol-1",
        "path": path or f"/audiobooks/{title}", "relPath": title, "isFile": False,
        "mtimeMs": updated, "ctimeMs": updated, "birthtimeMs": updated, "addedAt": updated,
        "updatedAt": updated, "isMissing": missing, "isInvalid": False, "mediaType": "book",
        "numFiles": 1, "size": size,
        "media": {
            "id": f"book-{item_id}", "coverPath": None, "tags": [], "numTracks": 1,
            "numAudioFiles": 1, "numChapters": 0, "duration": duration, "size": size,
            "ebookFormat": None,
            "metadata": {
                "title": title, "subtitle": None,
                "authors": [{"id": f"aut-{n}", "name": a} for n, a in enumerate(authors)],
                "narrators": list(narrators),
                "series": [{"id": f"ser-{n}", "name": s, "sequence": q}
                           for n, (s, q) in enumerate(series)],
                "genres": [], "publishedYear": "2011", "publishedDate": None, "publisher": None,
                "description": None, "isbn": isbn or None, "asin": asin or None,
                "language": None, "explicit": False, "abridged": False,
            },
        },
    }  # fmt: skip


def minified(item):
    """What the items list answers: the arrays replaced by joined strings."""
    metadata = dict(item["media"]["metadata"])
    authors = [a["name"] for a in metadata.pop("authors")]
    series = metadata.pop("series")
    metadata.update(
        authorName=", ".join(authors),
        authorNameLF=", ".join(authors),
        narratorName=", ".join(metadata.pop("narrators")),
        seriesName=", ".join(f"{s['name']} #{s['sequence']}" for s in series),
        titleIgnorePrefix=metadata["title"],
    )
    return {**item, "media": {**item["media"], "metadata": metadata}}


@dataclass
class FakeAudiobookshelf:
    key: str = KEY
    libraries: dict = field(default_factory=lambda: {"lib-books": "/audiobooks"})
    items: list = field(default_factory=list)
    pages_asked: list = field(default_factory=list)  # (library id, limit, page)
    scans: list = field(default_factory=list)

    def install(self, server):
        server.expect_request(re.compile(r"^/api/.*")).respond_with_handler(self.handle)
        return self

    def handle(self, request):
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            return Response("Unauthorized", status=401)
        path = request.path
        if path == "/api/libraries":
            return self._json({"libraries": self._libraries()})
        if path == "/api/items/batch/get" and request.method == "POST":
            return self._batch(request.get_json(silent=True) or {})
        match = re.fullmatch(r"/api/libraries/([^/]+)/(items|scan)", path)
        if not match or match.group(1) not in self.libraries:
            return Response("Library not found", status=404)
        if match.group(2) == "scan":
            self.scans.append(match.group(1))
            return Response("OK")
        return self._page(match.group(1), request.args)

    def _libraries(self):
        books = [
            {"id": key, "name": key, "mediaType": "book", "displayOrder": n,
             "folders": [{"id": f"fol-{n}", "fullPath": path, "libraryId": key}]}
            for n, (key, path) in enumerate(self.libraries.items())
        ]  # fmt: skip
        return [*books, {"id": "pods", "name": "Podcasts", "mediaType": "podcast", "folders": []}]

    def _page(self, library_id, args):
        numbers = {}
        for name in ("limit", "page"):
            text = args.get(name, "0")
            try:
                numbers[name] = int(text)
            except ValueError:
                numbers[name] = 0  # not a number: read as 0, as the server does
            if numbers[name] < 0:
                return Response(f"Invalid request. {name} must be a positive integer", status=400)
        limit, page = numbers["limit"], numbers["page"]
        self.pages_asked.append((library_id, limit, page))
        mine = [i for i in self.items if i["libraryId"] == library_id]
        chosen = mine[page * limit : (page + 1) * limit] if limit else mine
        return self._json({
            "results": [minified(i) for i in chosen], "total": len(mine), "limit": limit,
            "page": page, "sortDesc": False, "mediaType": "book", "minified": False,
            "collapseseries": False, "include": "", "offset": page * limit,
        })  # fmt: skip

    def _batch(self, body):
        ids = body.get("libraryItemIds") or []
        if not ids:
            return Response("Invalid payload", status=403)
        return self._json({"libraryItems": [i for i in self.items if i["id"] in ids]})

    @staticmethod
    def _json(body):
        return Response(json.dumps(body), content_type="application/json")
