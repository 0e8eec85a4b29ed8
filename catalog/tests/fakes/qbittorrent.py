"""A fake qBittorrent Web API v2, answering as PROVIDERS-DETAIL.md section 7 describes.

FakeQbittorrent keeps torrents in memory and answers login, version, torrents/add,
torrents/info, torrents/files and torrents/delete the way qBittorrent 4.5 (Debian's) or
5.2 does: the state names of each (`pausedUP` / `stoppedUP`), `content_path`,
`completion_on` -1 until complete, `tags` joined with ", ", 5.2's JSON answer to an add
(409 when nothing was added) and 401 for a wrong password (4.5: 200 "Fails."), and 403
for a request without the session cookie. Tests move a torrent along with set().

It is transport-free (answer() takes the method, path and form); install() puts it on a
pytest-httpserver, and bench/fake_services.py serves it in the benchmarks' process.
"""

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import torf
from werkzeug import Response

USERNAME, PASSWORD = "admin", "adminadmin"
SID = "fake-sid-0123456789"
COMPLETE = ("uploading", "stalledUP", "stoppedUP", "queuedUP", "forcedUP", "checkingUP")
RENAMED_IN_5 = {"stoppedUP": "pausedUP", "stoppedDL": "pausedDL"}  # 5.x name -> 4.5 name
MAX_ETA = 8640000


@dataclass
class FakeQbittorrent:
    version: str = "4.5"  # or "5.2"
    save_path: str = "/downloads"
    free_space: int = 250_000_000_000  # sync/maindata's server_state.free_space_on_disk
    password: str = PASSWORD  # change it to see a login refused
    torrents: dict = field(default_factory=dict)  # hash -> fields as 5.x names them
    files: dict = field(default_factory=dict)  # hash -> [(name, size)]
    requests: list = field(default_factory=list)  # paths asked, in order
    deleted: list = field(default_factory=list)  # (hashes, delete_files) per delete
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- what tests call -------------------------------------------------------------------

    def add(self, digest, name, files=None, state="stalledDL", progress=0.0, **fields):
        """A torrent the client has; files are [(name relative to save path, size)]."""
        files = list(files) if files is not None else [(name, 1000)]
        save_path = fields.pop("save_path", self.save_path)
        size = sum(size for _, size in files)
        root = name if len(files) > 1 or "/" in files[0][0] else files[0][0]
        self.torrents[digest] = {
            "hash": digest,
            "name": name,
            "size": size,
            "total_size": size,
            "added_on": int(time.time()),
            "save_path": save_path,
            "download_path": "",
            "content_path": os.path.join(save_path, root),
            "root_path": os.path.join(save_path, name) if len(files) > 1 else "",
            "category": fields.pop("category", ""),
            "tags": ", ".join(fields.pop("tags", [])),
            "num_seeds": 0,
            "num_complete": 0,
            "num_leechs": 0,
            "num_incomplete": 0,
            "ratio": 0,
            "has_metadata": True,
            "auto_tmm": False,
            "trackers_count": 1,
            "max_ratio": -1,
            "max_seeding_time": -1,
            "last_activity": int(time.time()),
            "seeding_time": 0,
            "seen_complete": -1,
        }
        self.files[digest] = files
        return self.set(digest, state=state, progress=progress, **fields)

    def set(self, digest, **fields):
        torrent = self.torrents[digest]
        torrent.update(fields)
        done = torrent["state"] in COMPLETE and torrent.get("progress", 0) >= 1
        torrent["completion_on"] = torrent.get("completion_on", -1) if done else -1
        if done and torrent["completion_on"] == -1:
            torrent["completion_on"] = int(time.time())
        torrent["amount_left"] = round(torrent["size"] * (1 - torrent.get("progress", 0)))
        torrent["completed"] = torrent["size"] - torrent["amount_left"]
        torrent["eta"] = 0 if done else MAX_ETA
        return torrent

    def remove(self, digest):
        """Removed by hand in qBittorrent's own interface."""
        self.torrents.pop(digest, None)
        self.files.pop(digest, None)

    def count(self, path):
        return self.requests.count(path)

    # --- the Web API -----------------------------------------------------------------------

    def install(self, server):
        server.expect_request(re.compile(r"/api/v2/.*")).respond_with_handler(self._werkzeug)
        # The package first probes the Web UI's root to learn the scheme.
        server.expect_request("/").respond_with_data("<html>qBittorrent Web UI</html>")
        return self

    def _werkzeug(self, request):
        form = {key: request.form.getlist(key) for key in request.form}
        form.update({key: request.args.getlist(key) for key in request.args})
        # qBittorrent reads every uploaded file, whatever its field is called.
        uploads = [upload.read() for _, upload in request.files.items(multi=True)]
        status, content_type, body, headers = self.answer(
            request.method, request.path, form, uploads, request.cookies.get("SID")
        )
        response = Response(body, status=status, content_type=content_type)
        for name, value in headers:
            response.headers.add(name, value)
        return response

    def answer(self, method, path, form, uploads=(), sid=None):
        """(status, content type, body, headers) for one request."""
        with self.lock:
            self.requests.append(path)
            if path == "/api/v2/auth/login":
                return self._login(form)
            if sid != SID:
                return 403, "text/plain", "Forbidden", []
            route = {
                "/api/v2/app/version": lambda: _text("v5.2.0" if self.new else "v4.5.2"),
                "/api/v2/app/webapiVersion": lambda: _text("2.15.1" if self.new else "2.8.19"),
                "/api/v2/app/defaultSavePath": lambda: _text(self.save_path),
                "/api/v2/sync/maindata": self._maindata,
                "/api/v2/torrents/add": lambda: self._add(form, uploads),
                "/api/v2/torrents/info": lambda: self._info(form),
                "/api/v2/torrents/files": lambda: self._files(form),
                "/api/v2/torrents/delete": lambda: self._delete(form),
            }.get(path)
            if route is None:
                return 404, "text/plain", "Endpoint does not exist" if self.new else "", []
            return route()

    @property
    def new(self):
        return self.version.startswith("5")

    def _maindata(self):
        state = {"free_space_on_disk": self.free_space, "connection_status": "connected"}
        body = {"rid": 1, "full_update": True, "torrents": self.torrents, "server_state": state}
        return 200, "application/json", json.dumps(body), []

    def _login(self, form):
        if _one(form, "username") == USERNAME and _one(form, "password") == self.password:
            return 200, "text/plain", "Ok.", [("Set-Cookie", f"SID={SID}; HttpOnly; path=/")]
        if self.new:
            return 401, "text/plain", "Unauthorized", []
        return 200, "text/plain", "Fails.", []

    def _add(self, form, uploads):
        added = []
        for data in uploads:
            try:
                metainfo = torf.Torrent.read_stream(data)
            except torf.TorfError:
                return 415, "text/plain", "Torrent file is not valid.", []
            digest = metainfo.infohash
            if digest in self.torrents:
                continue
            stopped = (_one(form, "stopped") or _one(form, "paused")).lower() == "true"
            names = [("/".join(f.parts), f.size) for f in metainfo.files]
            self.add(
                digest,
                metainfo.name,
                files=names,
                state="stoppedDL" if stopped else "stalledDL",
                save_path=_one(form, "savepath") or self.save_path,
                category=_one(form, "category"),
                tags=[t.strip() for t in _one(form, "tags").split(",") if t.strip()],
            )
            added.append(digest)
        if not self.new:
            return _text("Ok." if added else "Fails.")
        counts = {
            "success_count": len(added),
            "failure_count": len(uploads) - len(added),
            "pending_count": 0,
            "added_torrent_ids": added,
        }
        return 200 if added else 409, "application/json", json.dumps(counts), []

    def _info(self, form):
        listed = list(self.torrents.values())
        hashes = _one(form, "hashes")
        if hashes and hashes != "all":
            wanted = set(hashes.lower().split("|"))
            listed = [t for t in listed if t["hash"] in wanted]
        if "category" in form:
            listed = [t for t in listed if t["category"] == _one(form, "category")]
        if _one(form, "tag"):
            listed = [t for t in listed if _one(form, "tag") in t["tags"].split(", ")]
        return 200, "application/json", json.dumps([self._served(t) for t in listed]), []

    def _served(self, torrent):
        served = dict(torrent)
        if not self.new:
            served["state"] = RENAMED_IN_5.get(served["state"], served["state"])
        else:
            served.update(private=True, popularity=0, comment="")
        return served

    def _files(self, form):
        digest = _one(form, "hash").lower()
        if digest not in self.torrents:
            return 404, "text/plain", "", []
        progress = self.torrents[digest].get("progress", 0)
        files = [
            {
                "index": index,
                "name": name,
                "size": size,
                "progress": progress,
                "priority": 1,
                "piece_range": [0, 0],
                "availability": 0,
                **({"is_seed": progress >= 1} if index == 0 else {}),
            }
            for index, (name, size) in enumerate(self.files[digest])
        ]
        return 200, "application/json", json.dumps(files), []

    def _delete(self, form):
        if "hashes" not in form or "deleteFiles" not in form:
            return 400, "text/plain", "", []
        hashes = _one(form, "hashes").lower().split("|")
        delete_files = _one(form, "deleteFiles").lower() == "true"
        self.deleted.append((hashes, delete_files))
        for digest in list(self.torrents) if hashes == ["all"] else hashes:
            torrent = self.torrents.get(digest)
            if torrent and delete_files:
                _delete_data(torrent["save_path"], self.files[digest])
            self.remove(digest)
        return 200, "text/plain", "", []


def _delete_data(save_path, files):
    """What qBittorrent deletes with deleteFiles: the torrent's own files, then empty folders."""
    for name, _ in files:
        path = Path(save_path) / name
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if str(parent) == os.path.normpath(save_path) or not parent.is_dir():
                break
            if any(parent.iterdir()):
                break
            parent.rmdir()


def _one(form, key):
    values = form.get(key) or [""]
    return str(values[0])


def _text(body):
    return 200, "text/plain", body, []


def parse_form(body, content_type):
    """The fields of a urlencoded body (the benchmarks' server has no form parser)."""
    if "urlencoded" not in content_type:
        return {}
    return parse_qs(body.decode("latin-1"), keep_blank_values=True)
