"""Audiobookshelf's API (PROVIDERS-DETAIL.md section 1): its libraries of books and their
items (read by the library scan), and asking it to scan a library after an import.

The key goes in the Authorization header (Bearer), never in a URL or a message. Library
items come in pages (`limit`, 0-based `page`) and always minified (authorName,
narratorName, seriesName as strings); the arrays (authors, narrators, series with their
sequence) come from POST /api/items/batch/get. A scan request is answered at once and runs
in the background; a scan already running makes it ignore the request, still with 200.
"""

import os

from django.conf import settings

from catalog.clients.http import AccessRefused, BadResponse, build_session, call
from catalog.clients.json_api import request_object

SERVICE = "Audiobookshelf"


def _refused(error, body):
    """A refused key, said as such (json_api's explain)."""
    if "HTTP 401" in str(error):
        return AccessRefused(
            SERVICE, "the API key was refused (HTTP 401): check AUDIOBOOKSHELF_TOKEN"
        )
    return None


PAGE_SIZE = 100  # items per page of /api/libraries/{id}/items
BATCH_SIZE = 50  # items per POST /api/items/batch/get


class AudiobookshelfClient:
    def __init__(self, session=None):
        self.base_url = settings.AUDIOBOOKSHELF_URL
        self.session = session or build_session()
        self.session.headers["Authorization"] = f"Bearer {settings.AUDIOBOOKSHELF_TOKEN}"

    def book_libraries(self):
        """[(id, name, [folder paths])] of the libraries of books."""
        libraries = self._json("GET", "/api/libraries").get("libraries")
        if not isinstance(libraries, list):
            raise BadResponse(SERVICE, "/api/libraries answered without a libraries list")
        return [
            (
                str(library["id"]),
                str(library.get("name") or ""),
                [str(f.get("fullPath") or "") for f in library.get("folders") or [] if f],
            )
            for library in libraries
            if isinstance(library, dict)
            and library.get("id")
            and library.get("mediaType", "book") == "book"
        ]

    def items(self, library_id):
        """Every (minified) item of a library, page after page."""
        page = 0
        while True:
            params = {"limit": PAGE_SIZE, "page": page, "sort": "addedAt"}
            body = self._json("GET", f"/api/libraries/{library_id}/items", params=params)
            results = body.get("results")
            if not isinstance(results, list):
                raise BadResponse(SERVICE, f"library {library_id}'s items came without results")
            yield from (item for item in results if isinstance(item, dict) and item.get("id"))
            total = body.get("total") if isinstance(body.get("total"), int) else 0
            page += 1
            if not results or page * PAGE_SIZE >= total:
                return

    def expanded(self, item_ids):
        """{id: expanded item} for these items (authors, narrators, series arrays)."""
        found = {}
        ids = list(item_ids)
        for start in range(0, len(ids), BATCH_SIZE):
            payload = {"libraryItemIds": ids[start : start + BATCH_SIZE]}
            body = self._json("POST", "/api/items/batch/get", json=payload)
            items = body.get("libraryItems")
            if not isinstance(items, list):
                raise BadResponse(SERVICE, "items/batch/get answered without libraryItems")
            found.update({i["id"]: i for i in items if isinstance(i, dict) and i.get("id")})
        return found

    def _json(self, method, path, **kwargs):
        url = self.base_url + path
        return request_object(SERVICE, self.session, method, url, _refused, **kwargs)

    def scan(self, library_id):
        call(SERVICE, self.session, "POST", f"{self.base_url}/api/libraries/{library_id}/scan")

    def scan_libraries_holding(self, folders):
        """Scan the book libraries whose folders hold one of `folders`; when none does (it
        sees other paths, as from a container), every book library. -> names scanned."""
        libraries = self.book_libraries()
        holding = [
            library
            for library in libraries
            if any(_inside(folder, root) for folder in folders for root in library[2] if root)
        ]
        for library_id, _, _ in holding or libraries:
            self.scan(library_id)
        return [name for _, name, _ in holding or libraries]


def _inside(path, root):
    path, root = os.path.normpath(str(path)), os.path.normpath(root)
    return path == root or path.startswith(root.rstrip("/") + "/")
