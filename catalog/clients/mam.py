"""MyAnonamouse, through its JSON API and the user's own session only.

No page is scraped and no password is used: the user copies their `mam_id` cookie into
MAM_SESSION_ID or the admin's session form. MAM answers requests with a new mam_id; the
session's handling (kept in memory, persisted sealed, re-read only when another process
rotated it, a refusal recorded once) is catalog/clients/mam_session.py. No wedge is ever
spent: nothing here calls bonusBuy.php or asks a download for freeleech (`&fl`).
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

from django.conf import settings

from catalog.clients.http import BadResponse, build_session, call
from catalog.clients.mam_account import parse_account
from catalog.clients.mam_session import MamSession, SessionRefused
from catalog.clients.records import parse_json

logger = logging.getLogger(__name__)

SERVICE = "MyAnonamouse"
MAX_ID = 2**63 - 1  # the largest value the database's big integer columns hold
AUDIOBOOKS = 13
SEARCH_PATH = "/tor/js/loadSearchJSONbasic.php"
ACCOUNT_PATH = "/jsonLoad.php?snatch_summary"  # a value-less flag, as MAM's clients send it
NO_RESULTS = "Nothing returned"
_SIZE = re.compile(r"^\s*([\d.,]+)\s*([KMGT]?i?B|bytes?)\s*$", re.IGNORECASE)
_UNITS = {
    "b": 1,
    "byte": 1,
    "bytes": 1,
    "kib": 1024,
    "kb": 1000,
    "mib": 1024**2,
    "mb": 1000**2,
    "gib": 1024**3,
    "gb": 1000**3,
    "tib": 1024**4,
    "tb": 1000**4,
}


@dataclass
class MamTorrent:
    id: int
    title: str
    authors: list = field(default_factory=list)
    narrators: list = field(default_factory=list)
    series: list = field(default_factory=list)  # [(name, position text)]
    category: int | None = None
    catname: str = ""
    filetype: str = ""
    lang_code: str = ""
    size_bytes: int | None = None
    seeders: int = 0
    leechers: int = 0
    times_completed: int = 0
    added: datetime | None = None
    isbn: str = ""
    tags: str = ""
    description: str = ""
    dl: str = ""
    free: bool = False  # site-wide freeleech
    vip: bool = False
    fl_vip: bool = False  # freeleech for VIP accounts only
    personal_freeleech: bool = False  # the user already spent a wedge on it

    @property
    def mam_id(self):  # as a Release names it
        return self.id


@dataclass
class SearchPage:
    """One page of a search. MAM's own names: `found` counts the hits of the whole search,
    `total` the rows of this page (PROVIDERS.md, checked against a live capture)."""

    found: int  # hits of the whole search
    start: int
    results: list
    rows: int = 0  # items on the page as sent, usable or not: paging counts these


def parse_size(text):
    """'412.3 MiB' -> bytes; None when unreadable or beyond any real torrent."""
    match = _SIZE.match(str(text or ""))
    if not match:
        return None
    unit = _UNITS.get(match[2].lower())
    try:
        size = int(float(match[1].replace(",", "")) * unit) if unit else None
    except (ValueError, OverflowError):  # "9" * 400 is a float of inf
        return None
    # Past the column's range the insert failed and took the whole page of releases with it.
    return size if size is not None and size <= MAX_ID else None


def decode_names(value):
    """'{"123": "Ursula K. Le Guin"}' (a JSON string inside the JSON) -> ['Ursula K. Le Guin']."""
    data = _json_field(value)
    if isinstance(data, dict):
        return [str(name).strip() for name in data.values() if str(name).strip()]
    return []


def decode_series(value):
    """'{"456": ["Earthsea", "2"]}' -> [('Earthsea', '2')]; positions may be '', '1.5', '1-3'."""
    data = _json_field(value)
    series = []
    if isinstance(data, dict):
        for entry in data.values():
            if isinstance(entry, list | tuple) and entry:
                position = str(entry[1]).strip() if len(entry) > 1 and entry[1] is not None else ""
                series.append((str(entry[0]).strip(), position))
    return series


def _json_field(value):
    if isinstance(value, dict):
        return value
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_json(value)  # JSON inside JSON: its own "\\u0000" decoded here
    except ValueError:
        return None


def _count(value):
    try:
        return max(0, min(int(value), 2**31 - 1))
    except (TypeError, ValueError):
        return 0


def _flag(value):
    """MAM's flags come as 0/1, true/false or "0"/"1"."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value) if isinstance(value, bool | int) else False


def _added(value):
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_torrent(item):
    """One item of `data` -> MamTorrent; BadResponse when it has no id."""
    try:
        torrent_id = int(item["id"])
    except (KeyError, TypeError, ValueError):
        raise BadResponse(SERVICE, "a search result without an id") from None
    if not 0 < torrent_id <= MAX_ID:
        raise BadResponse(SERVICE, f"a search result with an impossible id ({torrent_id})")
    return MamTorrent(
        id=torrent_id,
        title=str(item.get("title") or "").strip(),
        authors=decode_names(item.get("author_info")),
        narrators=decode_names(item.get("narrator_info")),
        series=decode_series(item.get("series_info")),
        category=_count(item.get("category")) or None,
        catname=str(item.get("catname") or ""),
        filetype=str(item.get("filetype") or "").strip().lower(),
        lang_code=str(item.get("lang_code") or "").strip().lower(),
        size_bytes=parse_size(item.get("size")),
        seeders=_count(item.get("seeders")),
        leechers=_count(item.get("leechers")),
        times_completed=_count(item.get("times_completed")),
        added=_added(item.get("added")),
        isbn=str(item.get("isbn") or "").strip(),
        tags=str(item.get("tags") or ""),
        description=str(item.get("description") or "")[:20000],
        dl=str(item.get("dl") or ""),
        free=_flag(item.get("free")),
        vip=_flag(item.get("vip")),
        fl_vip=_flag(item.get("fl_vip")),
        personal_freeleech=_flag(item.get("personal_freeleech")),
    )


class MamClient:
    def __init__(self, session=None):
        self.base_url = settings.MAM_URL
        self.session = session or build_session(settings.MAM_REQUESTS_PER_SECOND)
        # The cookie is MamSession's alone: a jar would keep this client's last mam_id and
        # send it beside a newer one another process stored.
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.mam_session = MamSession()

    # --- requests with the rotating cookie ------------------------------------------------

    def _get(self, path, params=None, parse=None):
        """GET path with the session; parse(response) -> the result (or the response).

        A refusal may only mean another process rotated the cookie under us: then one more
        try with the cookie it stored. Otherwise the refusal is recorded (once) and raised.
        """
        self.mam_session.cookie()  # no usable session: refuse before any request
        for attempt in (1, 2):
            try:
                return self._attempt(path, params, parse)
            except SessionRefused as refusal:
                if attempt == 2 or not self.mam_session.newer_exists():
                    self.mam_session.refused(refusal.reason)
                    raise

    def _attempt(self, path, params, parse):
        cookies = {"mam_id": self.mam_session.cookie()}
        try:
            # Redirects are not followed: requests sent the session cookie (given per request,
            # so bound to no domain) to wherever MAM pointed, and the .torrent fetched there
            # went on to qBittorrent.
            response = call(
                SERVICE,
                self.session,
                "GET",
                self.base_url + path,
                params=params,
                cookies=cookies,
                allow_redirects=False,
            )
        except BadResponse as error:
            raise _session_error(error) from None
        if response.is_redirect:
            location = response.headers.get("Location", "")
            if "login" in location.lower():
                raise SessionRefused("it redirected to its login page")
            target = urlsplit(location).netloc or "MAM itself"
            where = urlsplit(path).path
            raise BadResponse(SERVICE, f"{where}: redirected to {target}; not followed")
        result = parse(response) if parse else response
        self.mam_session.rotated(response.cookies.get("mam_id"))
        return result

    # --- the API -------------------------------------------------------------------------

    def search(
        self,
        text="",
        search_in=("title", "author", "narrator", "series"),
        category=None,
        start_date=None,
        end_date=None,
        sort="dateDesc",
        start=0,
        per_page=100,
    ):
        params = {
            "tor[text]": text,
            "tor[srchIn][]": list(search_in),
            "tor[searchType]": "all",
            "tor[searchIn]": "torrents",
            "tor[main_cat][]": AUDIOBOOKS,
            "tor[sortType]": sort,
            "tor[startNumber]": max(0, int(start)),
            "perpage": max(5, min(100, int(per_page))),
            "isbn": "true",
            "description": "true",
            "dlLink": "true",
        }
        if category:
            params["tor[cat][]"] = int(category)
        if settings.MAM_LANGUAGES:
            params["tor[browse_lang][]"] = settings.MAM_LANGUAGES
        if start_date:
            params["tor[startDate]"] = f"{start_date:%Y-%m-%d}"
        if end_date:
            params["tor[endDate]"] = f"{end_date:%Y-%m-%d}"
        return self._get(SEARCH_PATH, params, self._parse_page)

    def _parse_page(self, response):
        data = _json_body(response)
        if "error" in data:
            if NO_RESULTS.lower() in str(data["error"]).lower():
                return SearchPage(found=0, start=0, results=[])
            raise BadResponse(SERVICE, f"search refused: {str(data['error'])[:200]}")
        items = data.get("data")
        if not isinstance(items, list):
            raise BadResponse(SERVICE, "search answer without a data list")
        results, unusable = [], 0
        for item in items:
            try:
                results.append(parse_torrent(item if isinstance(item, dict) else {}))
            except BadResponse:
                # One odd item (an id of "abc", -3 or 10**30) used to fail the whole page,
                # and so the whole run: skip it and say so.
                unusable += 1
        if unusable:
            logger.warning("MyAnonamouse: skipped %d search results without a usable id.", unusable)
        return SearchPage(
            found=_count(data.get("found")) or len(items),
            start=_count(data.get("start")),
            results=results,
            rows=len(items),
        )

    def iter_search(self, per_page=100, max_pages=1000, **search):
        """Yield every page of a search (search()'s arguments), first to last.

        Paging counts the rows MAM sent (page.rows), usable or not: counting only the
        parsed ones would ask for the skipped items again. It stops when every hit of the
        search (page.found) was read, or on an empty or short page. max_pages bounds a MAM
        that ignores tor[startNumber] and keeps sending the first page.
        """
        per_page = max(5, min(100, int(per_page)))
        start = 0
        for _ in range(max_pages):
            page = self.search(start=start, per_page=per_page, **search)
            yield page
            start += page.rows
            if page.rows < per_page or start >= page.found:
                return

    def download_torrent(self, torrent_id):
        """The .torrent bytes of a torrent, fetched with the session (no `&fl`: no wedge)."""
        return self._get("/tor/download.php", {"tid": int(torrent_id)}, _torrent_body)

    def read_account(self):
        """The account's state from jsonLoad.php: a dict of MamAccount fields (not saved)."""
        return self._get(ACCOUNT_PATH, None, lambda response: parse_account(_json_body(response)))


def _torrent_body(response):
    body = response.content
    if not body.startswith(b"d"):
        if b"<html" in body[:500].lower():
            raise SessionRefused("it answered a download with a web page, not a .torrent")
        raise BadResponse(SERVICE, "the download is not a .torrent file")
    return body


def _json_body(response):
    try:
        data = parse_json(response.content)
    except ValueError:
        text = response.text[:500].lower()
        if "<html" in text or "<!doctype" in text:
            raise SessionRefused("it answered with a web page, not JSON") from None
        raise BadResponse(SERVICE, "answered with something that is not JSON") from None
    if not isinstance(data, dict):
        raise BadResponse(SERVICE, "answered with JSON that is not an object")
    return data


def _session_error(error):
    """401/403 from MAM are about the session, not the request."""
    text = str(error)
    if "HTTP 403" in text:
        return SessionRefused("HTTP 403: the session expired or is invalid")
    if "HTTP 401" in text:
        return SessionRefused(
            "HTTP 401: the session does not match this IP address; create a mam_id for this "
            "IP/ASN in MAM's security preferences"
        )
    return error
