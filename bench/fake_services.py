"""Fake outside services for the benchmarks, answering instantly from bench/world.py.

    python -m bench.fake_services --books N --series S --authors A [--record]

starts one loopback HTTP server per service (Google Books, Goodreads, Open Library,
MyAnonamouse, qBittorrent, Audible, Audnexus, Hardcover), prints their ports as one JSON
line, and serves until stdin closes. It runs in a process of its own so that its CPU
never counts as the job's.

Payloads come from the test suite's builders (catalog/tests/fakes.py), which follow
PROVIDERS.md. HTTP/1.1 with keep-alive, as the real services speak it. Each server also
answers /_bench/stats (request count), /_bench/log (the requests it got, for the replay
reference; only with --record) and /_bench/reset.
"""

import argparse
import base64
import hashlib
import io
import itertools
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from werkzeug.formparser import parse_form_data

from bench import world
from bench.fake_answers import Answer, Service
from bench.fake_audiobooks import Audible, Audnexus, Hardcover
from bench.processes import ROOT
from catalog.tests.fakes import (
    goodreads_book_page,
    goodreads_series_page,
    google_volume,
    google_volumes,
    mam_account,
    mam_item,
    mam_page,
    openlibrary_doc,
    openlibrary_search,
    openlibrary_works,
    torrent_file,
)
from catalog.tests.fakes.qbittorrent import FakeQbittorrent

HTML = "text/html; charset=utf-8"
SEQUENCE = itertools.count()  # one order across every server, for the replay


class GoogleBooks(Service):
    name = "google"

    def __init__(self, books):
        self.by_isbn = {b.isbn13: b for b in books if b.google_knows_isbn}
        self.by_title = {b.title.lower(): b for b in books}

    def answer(self, method, path, query, body):
        if path != "/volumes":
            return Answer({"error": {"code": 404, "message": "Not Found"}}, status=404)
        q = query.get("q", [""])[0]
        if q.startswith("isbn:"):
            book = self.by_isbn.get(q[5:])
        else:
            match = re.search(r'intitle:"([^"]*)"', q)
            book = self.by_title.get(match[1].strip().lower()) if match else None
        return Answer(google_volumes([self.volume(book)] if book else []))

    @staticmethod
    def volume(book):
        return google_volume(
            f"vol{book.number:07d}",
            book.title,
            [book.author],
            isbn13=book.isbn13,
            publisher="Bench House",
            publishedDate=f"{1990 + book.number % 35}-05-17",
            description=f"<p>{book.title}: a <b>novel</b> by {book.author}.</p>",
            pageCount=250 + book.number % 300,
            categories=[book.genres[0]],
        )


class Goodreads(Service):
    name = "goodreads"

    def __init__(self, books, completion):
        self.by_id = {b.goodreads_id: b for b in books}
        self.by_isbn = {b.isbn13: b for b in books}
        self.series = {s.goodreads_id: s for s in completion.series}

    def answer(self, method, path, query, body):
        parts = path.strip("/").split("/")
        if parts[:2] == ["book", "show"] and len(parts) == 3:
            return self._book(self.by_id.get(parts[2]))
        if parts[:2] == ["book", "isbn"] and len(parts) == 3:
            return self._book(self.by_isbn.get(parts[2]))
        if parts[0] == "series" and len(parts) == 2:
            series = self.series.get(parts[1])
            if series is None:
                return Answer("<html>Not found</html>", HTML, status=404)
            chunk = [(e.header, e.book_id, e.title, e.author) for e in series.entries]
            return Answer(goodreads_series_page(series.name, [chunk]), HTML)
        return Answer("<html>Not found</html>", HTML, status=404)

    @staticmethod
    def _book(book):
        if book is None:
            return Answer("<html>Not found</html>", HTML, status=404)
        page = goodreads_book_page(
            int(book.goodreads_id),
            book.title,
            author=book.author,
            isbn13=book.isbn13,
            series=book.series or None,
            genres=book.genres,
            description=f"{book.title} is the story of a {book.genres[0].lower()} quest. " * 4,
            pages=240 + book.number % 300,
            published=datetime(1990 + book.number % 35, 5, 17, tzinfo=UTC),
            asin=f"B0{book.number:08d}",
        )
        return Answer(page, HTML)


class OpenLibrary(Service):
    name = "openlibrary"

    def __init__(self, completion):
        self.works = {
            a.olid: [t for t, _ in a.works] + list(a.extra_titles) for a in completion.authors
        }
        self.by_name = {a.name.lower(): a.olid for a in completion.authors}

    def answer(self, method, path, query, body):
        match = re.fullmatch(r"/authors/(OL\d+A)/works\.json", path)
        if match:
            titles = self.works.get(match[1], [])
            offset = int(query.get("offset", ["0"])[0])
            limit = int(query.get("limit", ["100"])[0])
            return Answer(
                openlibrary_works(titles[offset : offset + limit], size=len(titles), offset=offset)
            )
        if path == "/search.json" and query.get("q", [""])[0].startswith("author_key:"):
            # The author's works with their languages, as search.json gives them.
            titles = self.works.get(query["q"][0].split(":", 1)[1], [])
            keys = openlibrary_works(titles)["entries"]
            docs = [openlibrary_doc(e["key"], e["title"], ["eng"]) for e in keys]
            offset = int(query.get("offset", ["0"])[0])
            limit = int(query.get("limit", ["100"])[0])
            return Answer({**openlibrary_search(docs), "docs": docs[offset : offset + limit]})
        if path == "/search.json":
            name = query.get("author", [""])[0].lower()
            olid = self.by_name.get(name)
            docs = [{"author_name": [name], "author_key": [olid]}] if olid else []
            return Answer(openlibrary_search(docs))
        return Answer({"error": "notfound"}, status=404)


class Mam(Service):
    name = "mam"

    def __init__(self, completion):
        self.torrents = completion.mam_torrents()
        self.titles = {t[0]: t[1] for group in self.torrents.values() for t in group}
        self.rotation = itertools.count()

    def _cookie(self):
        return [("Set-Cookie", f"mam_id=bench-session-{next(self.rotation)}; Path=/")]

    def answer(self, method, path, query, body):
        if path == "/tor/js/loadSearchJSONbasic.php":
            text = query.get("tor[text]", [""])[0].strip().lower()
            items = [
                mam_item(tid, title, authors=(author,), filetype=kind, seeders=seeders)
                for tid, title, author, kind, seeders in self.torrents.get(text, [])
            ]
            perpage = int(query.get("perpage", ["25"])[0])
            start = int(query.get("tor[startNumber]", ["0"])[0])
            page = mam_page(
                items[start : start + perpage], found=len(items), start=start, perpage=perpage
            )
            return Answer(page, headers=self._cookie())
        if path == "/jsonLoad.php":
            # Room for every grab the benchmark makes: it measures the work, not the rules.
            account = mam_account(classname="VIP", ratio=10.0, unsat=(0, 10**6))
            return Answer(account, headers=self._cookie())
        if path == "/tor/download.php":
            tid = int(query.get("tid", ["0"])[0])
            name = f"{tid}-{self.titles.get(tid, 'unknown')}"
            return Answer(torrent_file(name), "application/x-bittorrent", headers=self._cookie())
        return Answer("<html>Not found</html>", HTML, status=404)


class Qbittorrent(Service):
    """The test suite's fake qBittorrent (4.5), holding `torrents` downloading torrents.

    Every listing moves each of them on by a little, as a live swarm would: every pass of
    download_monitor then sees every download change (its worst case for writes).
    """

    name = "qbittorrent"
    wants_headers = True  # for the session cookie and the multipart type of an add

    def __init__(self, torrents=0):
        self.fake = FakeQbittorrent(version="4.5", save_path="/bench/downloads")
        for number in range(torrents):
            name = f"bench-{number}"
            self.fake.add(bench_hash(number), name, state="downloading", num_seeds=3)

    def answer(self, method, path, query, body, headers=None):
        content_type = headers.get("Content-Type", "") if headers else ""
        form, uploads = _form(body, content_type)
        form.update(query)
        if path == "/api/v2/torrents/info":
            for torrent in self.fake.torrents.values():
                self.fake.set(torrent["hash"], progress=min(1.0, torrent["progress"] + 0.001))
        cookie = SimpleCookie(headers.get("Cookie", "") if headers else "")
        sid = cookie["SID"].value if "SID" in cookie else None
        status, kind, text, extra = self.fake.answer(method, path, form, uploads, sid)
        return Answer(text, kind, status=status, headers=extra)


def bench_hash(number):
    return hashlib.sha1(f"bench-{number}".encode()).hexdigest()


def _form(body, content_type):
    """(fields, uploaded files) of a urlencoded or multipart body."""
    if content_type.startswith("multipart/"):
        environ = {
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": content_type,
            "REQUEST_METHOD": "POST",
        }
        _, fields, files = parse_form_data(environ)
        uploads = [upload.read() for _, upload in files.items(multi=True)]
        return {key: fields.getlist(key) for key in fields}, uploads
    return parse_qs(body.decode("latin-1"), keep_blank_values=True), []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests' sessions expect
    # Headers and body go out in two writes: without TCP_NODELAY the body waits for the
    # client's delayed ACK of the headers, about 40 ms per request.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        server = self.server
        if url.path.startswith("/_bench/"):
            return self._send(server.control(url.path))
        with server.lock:
            server.count += 1
            server.paths[url.path] += 1
            if server.record:
                server.log.append(
                    (
                        next(SEQUENCE),
                        self.command,
                        self.path,
                        self.headers.get("Content-Type", ""),
                        base64.b64encode(body).decode(),
                    )
                )
        query = parse_qs(url.query, keep_blank_values=True)
        extra = {"headers": self.headers} if getattr(server.service, "wants_headers", 0) else {}
        self._send(server.service.answer(self.command, url.path, query, body, **extra))

    def _send(self, answer):
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, service, record):
        super().__init__(("127.0.0.1", 0), Handler)
        self.service = service
        self.record = record
        self.lock = threading.Lock()
        self.count = 0
        self.log = []
        self.paths = Counter()  # requests per path

    def control(self, path):
        with self.lock:
            if path == "/_bench/stats":
                return Answer({"requests": self.count, "paths": dict(self.paths)})
            if path == "/_bench/log":
                return Answer(self.log)
            if path == "/_bench/reset":
                self.count, self.log, self.paths = 0, [], Counter()
                return Answer({"requests": 0})
        return Answer({}, status=404)


class FakeServices:
    """The fake services process, as the bench sees it."""

    def __init__(self, books=0, series=0, authors=0, record=False, torrents=0):
        args = [sys.executable, "-m", "bench.fake_services", "--books", str(books)]
        args += ["--series", str(series), "--authors", str(authors), "--torrents", str(torrents)]
        args += ["--record"] if record else []
        self.process = subprocess.Popen(
            args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.ports = json.loads(self.process.stdout.readline())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def url(self, name):
        return f"http://127.0.0.1:{self.ports[name]}"

    def _control(self, name, what):
        return requests.get(f"{self.url(name)}/_bench/{what}", timeout=120).json()

    def requests(self, name, path=None):
        """How many requests the service (or one of its paths) got since the last reset."""
        stats = self._control(name, "stats")
        return stats["paths"].get(path, 0) if path else stats["requests"]

    def reset(self):
        for name in self.ports:
            self._control(name, "reset")

    def log(self):
        """Every request since the last reset, in the order they came: (service, ...)."""
        entries = [
            (entry[0], name, *entry[1:])
            for name in self.ports
            for entry in self._control(name, "log")
        ]
        return [entry[1:] for entry in sorted(entries)]

    def replay(self, log):
        """Send the same requests again through the project's own HTTP layer (sessions
        from catalog.clients.http.build_session, no rate limit); (wall s, CPU s).

        The reference for a job's local cost: what the HTTP traffic alone costs this
        process, with none of the job's parsing, matching or database work.
        """
        from catalog.clients.http import build_session

        sessions = {name: build_session(requests_per_second=0) for name in self.ports}
        cpu, wall = time.process_time(), time.perf_counter()
        for name, method, path, content_type, body in log:
            headers = {"Content-Type": content_type} if content_type else {}
            response = sessions[name].request(
                method, self.url(name) + path, data=base64.b64decode(body), headers=headers
            )
            response.content  # noqa: B018  (read the body, as a client would)
        return time.perf_counter() - wall, time.process_time() - cpu

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", type=int, default=0)
    parser.add_argument("--series", type=int, default=0)
    parser.add_argument("--authors", type=int, default=0)
    parser.add_argument("--torrents", type=int, default=0)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    books = world.metadata_books(args.books)
    completion = world.completion_world(args.series, args.authors)
    services = [
        GoogleBooks(books),
        Goodreads(books, completion),
        OpenLibrary(completion),
        Mam(completion),
        Qbittorrent(args.torrents),
        Audible(books),
        Audnexus(books),
        Hardcover(books),
    ]
    ports = {}
    for service in services:
        server = FakeServer(service, args.record)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ports[service.name] = server.server_address[1]
    print(json.dumps(ports), flush=True)
    sys.stdin.read()  # serve until the bench closes our stdin (or ends)


if __name__ == "__main__":
    main()
