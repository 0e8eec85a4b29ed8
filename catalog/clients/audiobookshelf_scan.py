"""Asking Audiobookshelf to scan its library after an import (POST /api/libraries/{id}/scan).

Audiobookshelf answers at once and scans in the background; a scan already running makes
it ignore the request, still with 200 (PROVIDERS-DETAIL.md section 1). The key goes in the
Authorization header (Bearer), never in a URL or a message.
"""

import os

from django.conf import settings

from catalog.clients.http import BadResponse, build_session, call
from catalog.clients.records import parse_json

SERVICE = "Audiobookshelf"


class AudiobookshelfScanClient:
    def __init__(self, session=None):
        self.base_url = settings.AUDIOBOOKSHELF_URL
        self.session = session or build_session()
        self.session.headers["Authorization"] = f"Bearer {settings.AUDIOBOOKSHELF_TOKEN}"

    def book_libraries(self):
        """[(id, name, [folder paths])] of the libraries of books."""
        response = call(SERVICE, self.session, "GET", f"{self.base_url}/api/libraries")
        try:
            libraries = parse_json(response.content).get("libraries")
        except (ValueError, AttributeError):  # not JSON, or JSON that is not an object
            libraries = None
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
