"""Open Library: an author's works and search, the bibliography for author completion."""

import logging
from dataclasses import dataclass, field

from django.conf import settings

from catalog.clients.http import ServiceError, build_session
from catalog.clients.json_api import request_object
from catalog.matching import clean_author

logger = logging.getLogger(__name__)

SERVICE = "Open Library"
SEARCH_FIELDS = "key,title,language,alternative_title"
PAGE = 100
MAX_WORKS = 2000  # a generous bound: no author's bibliography needs more pages


@dataclass
class Work:
    key: str
    title: str
    languages: list = field(default_factory=list)  # MARC codes such as "eng" when known
    first_publish_year: int | None = None
    isbns: list = field(default_factory=list)
    other_titles: list = field(default_factory=list)  # its editions' titles (translations)


class OpenLibraryClient:
    def __init__(self, session=None):
        self.base_url = settings.OPENLIBRARY_URL
        self.session = session or build_session(settings.OPENLIBRARY_REQUESTS_PER_SECOND)

    def _json(self, path, params):
        return request_object(SERVICE, self.session, "GET", self.base_url + path, params=params)

    def author_works(self, olid):
        """Every work of the author (/authors/{olid}/works.json, paged), with its languages.

        works.json carries no language (a translation appears under its translated title):
        the languages and the editions' titles come from the search index, by work key.
        """
        works, offset = [], 0
        while offset < MAX_WORKS:
            data = self._json(f"/authors/{olid}/works.json", {"limit": PAGE, "offset": offset})
            entries = data.get("entries") if isinstance(data.get("entries"), list) else []
            works.extend(
                _work(entry) for entry in entries if isinstance(entry, dict) and entry.get("title")
            )
            offset += PAGE
            if not entries or offset >= _int(data.get("size")):
                break
        indexed = self._indexed_works(olid)
        for work in works:
            if found := indexed.get(work.key):
                work.languages = work.languages or found.languages
                work.other_titles = found.other_titles
        return works

    def _indexed_works(self, olid):
        """{work key: Work} from search.json for the author; {} when the index fails."""
        found, offset = {}, 0
        try:
            while offset < MAX_WORKS:
                params = {"q": f"author_key:{olid}", "fields": SEARCH_FIELDS, "limit": PAGE}
                data = self._json("/search.json", {**params, "offset": offset})
                docs = data.get("docs") if isinstance(data.get("docs"), list) else []
                found.update((w.key, w) for w in map(_work, filter(_is_doc, docs)) if w.key)
                offset += PAGE
                if len(docs) < PAGE or offset >= _int(data.get("numFound")):
                    break
        except ServiceError as error:
            # The works still count; their languages are unknown, as before this lookup.
            logger.warning("Open Library: no languages for %s's works (%s).", olid, error)
        return found

    def search(self, title=None, author=None, limit=50):
        params = {"limit": max(1, min(100, limit))}
        if title:
            params["title"] = title
        if author:
            params["author"] = author
        data = self._json("/search.json", params)
        docs = data.get("docs") if isinstance(data.get("docs"), list) else []
        return [_work(doc) for doc in docs if isinstance(doc, dict) and doc.get("title")]

    def find_author_id(self, name):
        """The OLID ("OL26320A") of the author best matching the name, or ''."""
        data = self._json(
            "/search.json", {"author": name, "limit": 20, "fields": "author_name,author_key"}
        )
        wanted = clean_author(name)
        for doc in data.get("docs") or []:
            names = doc.get("author_name") or [] if isinstance(doc, dict) else []
            keys = doc.get("author_key") or [] if isinstance(doc, dict) else []
            for author_name, key in zip(names, keys, strict=False):
                if clean_author(author_name) == wanted:
                    return str(key)
        return ""


def _work(entry):
    languages = entry.get("language") or []
    if not languages and isinstance(entry.get("languages"), list):  # works.json shape
        languages = [
            str(lang.get("key", "")).rsplit("/", 1)[-1]
            for lang in entry["languages"]
            if isinstance(lang, dict)
        ]
    return Work(
        key=str(entry.get("key") or ""),
        title=str(entry.get("title") or "").strip()[:500],
        languages=[str(lang) for lang in languages if lang],
        first_publish_year=_int(entry.get("first_publish_year")) or None,
        isbns=[str(i) for i in (entry.get("isbn") or [])[:20]],
        other_titles=[str(t)[:500] for t in _list(entry.get("alternative_title"))[:200]],
    )


def _is_doc(doc):
    return isinstance(doc, dict) and bool(doc.get("title"))


def _list(value):
    return value if isinstance(value, list) else []


def _int(value):
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0
