"""A fake MyAnonamouse JSON API, shaped as PROVIDERS.md describes the real one.

mam_item, mam_page and mam_account build its payloads; FakeMam serves them from a
pytest-httpserver, searching its torrents the way the API does (text, category, date,
sort, paging), answering the account (jsonLoad.php, its summary at the top level or
nested, as clients disagree) and every request with a new mam_id cookie. An old cookie
is refused, as MAM does when it rotates on every call.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from werkzeug import Response

from catalog.tests.fakes.torrents import torrent_file

# "Now" of the fake's answers: the real clock (a fixed date fell out of the jobs' "added in
# the last 7 days" window a few days after it was written, and tests failed from then on).
NOW = datetime.now(UTC).replace(microsecond=0)


def days_ago(days):
    return NOW - timedelta(days=days)


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
        "fl_vip": 0,
        "personal_freeleech": 0,
        "my_snatched": 0,
        "tags": "",
        "isbn": isbn,
        "dl": hashlib.sha1(str(tid).encode()).hexdigest()[:20],
        "thumbnail": "",
        "description": "",
    }
    item.update(extra)
    return item


def mam_account(
    classname="Power User",
    ratio=3.2,
    unsat=(12, 100),
    vip_until=None,
    seedbonus=12345,
    wedges=4,
    nested=False,
):
    """jsonLoad.php?snatch_summary: the account, its snatch summary top level or nested."""
    count, limit = unsat
    summary = {
        "leeching": {"name": "leeching", "count": 0, "red": False, "size": None},
        "seedUnsat": {"name": "seedUnsat", "count": count, "red": False, "size": 123456},
        "unsat": {
            "name": "unsat",
            "count": count,
            "red": count >= limit,
            "size": None,
            "limit": limit,
        },
        "inactHnr": {"name": "inactHnr", "count": 0, "red": False, "size": None},
    }
    account = {
        "uid": 4242,
        "username": "careful-reader",
        "classname": classname,
        "ratio": ratio,
        "uploaded": "5.125 TiB",
        "downloaded": "1.602 TiB",
        "uploaded_bytes": 5635193115279,
        "downloaded_bytes": 1761404723609,
        "seedbonus": seedbonus,
        "wedges": wedges,
        "vip_until": vip_until,
        "connectable": "yes",
        "country_code": "nz",
        "created": 1795000000,
        "update": 1795000060,
    }
    if nested:
        created = (NOW - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
        account["snatch_summary"] = {**summary, "created_at": created}
    else:
        account.update(summary)
    return account


def mam_page(items, found=None, start=0, perpage=25):
    """One page of a search: `found` the hits of the whole search, `total` this page's rows."""
    if not items and not found:
        return {"error": "Nothing returned, out of 0"}
    return {
        "perpage": perpage,
        "start": start,
        "total": len(items),
        "found": len(items) if found is None else found,
        "data": items,
    }


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
    torrents: dict = field(default_factory=dict)  # id -> .torrent bytes to serve for it
    account: dict = field(default_factory=mam_account)
    account_reads: int = 0

    def install(self):
        self.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_handler(
            self._search
        )
        self.server.expect_request("/jsonLoad.php").respond_with_handler(self._account)
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
            items[start : start + perpage], found=len(items), start=start, perpage=perpage
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
        if sort == "titleAsc":
            return sorted(items, key=lambda i: i["title"].lower())
        key = {"snatchedDesc": "times_completed", "seedersDesc": "seeders"}.get(sort, "added")
        return sorted(items, key=lambda i: i[key], reverse=True)

    def _account(self, request):
        if not self._cookie_ok(request):
            # A dead session gets the login page by redirect here, not JSON.
            return Response(status=302, headers={"Location": "/login.php?returnto=%2FjsonLoad.php"})
        self.account_reads += 1
        return self._rotate(Response(json.dumps(self.account), content_type="application/json"))

    def asked_paths(self):
        """Every path asked of the fake, answered or not (a bonusBuy call would show here)."""
        return [request.path for request, _ in self.server.log]

    def _download(self, request):
        if not self._cookie_ok(request):
            return Response("<html>Please log in</html>", status=403, content_type="text/html")
        tid = int(request.args["tid"])
        self.downloads.append(tid)
        title = next((i["title"] for i in self.items if i["id"] == tid), f"torrent-{tid}")
        torrent = self.torrents.get(tid) or torrent_file(f"{tid}-{title}")
        return self._rotate(Response(torrent, content_type="application/x-bittorrent"))
