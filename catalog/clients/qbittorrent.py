"""qBittorrent's Web API v2, through the qbittorrent-api package (it re-logs in by itself)."""

import hashlib
import logging
import time

import qbittorrentapi
from django.conf import settings
from fastbencode import bdecode, bencode

from catalog.clients.http import AccessRefused, BadResponse, ServiceError, ServiceUnavailable

SERVICE = "qBittorrent"
log = logging.getLogger(__name__)


def info_hash(torrent):
    """The v1 info hash (sha1 of the bencoded info dict) of .torrent bytes."""
    try:
        info = bdecode(torrent)[b"info"]
    except Exception:  # fastbencode raises ValueError/KeyError/TypeError for junk
        raise BadResponse(SERVICE, "not a valid .torrent file") from None
    return hashlib.sha1(bencode(info)).hexdigest()


class TorrentClient:
    def __init__(self, url=None, username=None, password=None):
        self.url = url or settings.QBITTORRENT_URL
        self.malformed = 0  # entries of the last listing without a usable hash
        self.logged_in = False
        self.client = qbittorrentapi.Client(
            host=self.url,
            username=settings.QBITTORRENT_USERNAME if username is None else username,
            password=settings.QBITTORRENT_PASSWORD if password is None else password,
            # No redirects: requests re-sends the login form (the password) on a 307/308.
            REQUESTS_ARGS={
                "timeout": (10, settings.HTTP_TIMEOUT_SECONDS),
                "allow_redirects": False,
            },
            VERIFY_WEBUI_CERTIFICATE=True,
            DISABLE_LOGGING_DEBUG_OUTPUT=True,
        )

    def _call(self, action, *args, **kwargs):
        try:
            if not self.logged_in:
                # Logging in first costs one request; letting the package find out from a
                # refused call costs two more (the 403, then the call again).
                self.client.auth_log_in()
                self.logged_in = True
            return action(*args, **kwargs)
        except qbittorrentapi.LoginFailed:
            # AccessRefused, not a plain ServiceError: a job must say it once for the run,
            # not once per series it tried to complete.
            raise AccessRefused(
                SERVICE, "login refused: check QBITTORRENT_USERNAME and QBITTORRENT_PASSWORD"
            ) from None
        except qbittorrentapi.Forbidden403Error:
            raise AccessRefused(
                SERVICE,
                "forbidden (HTTP 403): the Web UI banned this IP after "
                "failed logins, or the credentials are wrong",
            ) from None
        except qbittorrentapi.UnsupportedMediaType415Error:
            raise BadResponse(SERVICE, "refused the torrent as invalid (HTTP 415)") from None
        except qbittorrentapi.APIConnectionError:
            raise ServiceUnavailable(
                SERVICE,
                f"cannot reach the Web UI at {self.url}: "
                "is it running, and is QBITTORRENT_URL right?",
            ) from None
        except qbittorrentapi.APIError as error:
            raise ServiceError(SERVICE, f"{type(error).__name__}") from None

    def check(self):
        """The client's version; a clear ServiceError when it is missing or refuses us."""
        return self._call(lambda: self.client.app.version)

    def server_facts(self):
        """The default save path and, where the Web API tells it (sync/maindata's
        server_state), the free space of its disk: {"save_path", "free_space_on_disk"}."""
        save_path = self._call(lambda: self.client.app.default_save_path)
        state = self._call(self.client.sync_maindata).get("server_state") or {}
        free = _number(state.get("free_space_on_disk"), int, None)
        # -1 (or nothing) until qBittorrent has measured it, a while after it starts.
        known = free if free is not None and free >= 0 else None
        return {"save_path": str(save_path), "free_space_on_disk": known}

    def add_torrent(self, torrent, category=None, tags=(), paused=False):
        """Add .torrent bytes; returns its info hash."""
        digest = info_hash(torrent)
        answer = self._call(
            self._add,
            torrent_files={f"{digest}.torrent": torrent},
            category=category or None,
            tags=",".join(tags) if tags else None,
            # is_stopped, not is_paused: the package sends is_paused=False as "not given",
            # so a qBittorrent set to add torrents stopped kept every download stopped.
            is_stopped=paused,
        )
        listed = self._listed_soon(digest)
        if not listed and _refused(answer):
            raise BadResponse(SERVICE, "refused the torrent (it answered that none was added)")
        if not listed:
            log.warning("qBittorrent accepted torrent %s but has not listed it yet", digest)
        return digest

    def _add(self, **fields):
        try:
            return self.client.torrents_add(**fields)
        except qbittorrentapi.Conflict409Error:
            # 5.2 answers 409 when nothing was added, a torrent it already has included.
            return {"success_count": 0, "failure_count": 1}

    def _listed_soon(self, digest, tries=25, wait=0.2):
        # qBittorrent adds torrents asynchronously: "Ok." comes back before the torrent is
        # listed, and "Fails." also answers a torrent the client already has, whose twin
        # sent a moment ago may not be listed yet. Waiting (up to about five seconds) until
        # it is listed means a torrent counted as sent is one the client shows.
        for attempt in range(tries):
            if self.list_torrents(hashes=[digest]):
                return True
            if attempt < tries - 1:
                time.sleep(wait)
        return False

    def list_torrents(self, category=None, tag=None, hashes=None):
        """torrents/info (one request, POSTed: thousands of hashes fit) as plain dicts.

        Entries without a hash are left out and counted in self.malformed.
        """
        torrents = self._call(
            self.client.torrents_info, category=category, tag=tag, torrent_hashes=hashes
        )
        listed = [_torrent(t) for t in torrents if isinstance(t, dict)]
        self.malformed = len(torrents) - len(listed) + listed.count(None)
        return [t for t in listed if t is not None]

    def files(self, digest):
        """The torrent's files: [{"name": path relative to its save path, "size", "priority"}]."""
        files = self._call(self.client.torrents_files, torrent_hash=digest)
        return [
            {
                "name": str(f.get("name") or ""),
                "size": _number(f.get("size"), int, 0),
                "priority": _number(f.get("priority"), int, 1),
            }
            for f in files
            if isinstance(f, dict) and f.get("name")
        ]

    def delete(self, digests, delete_files):
        """Remove torrents; their files too only when delete_files."""
        self._call(self.client.torrents_delete, delete_files=delete_files, torrent_hashes=digests)


def _refused(answer):
    """qBittorrent 4.x answers an add with "Fails."; 5.2 with JSON counts."""
    counts = answer if isinstance(answer, dict) else None
    if counts is not None:
        return not counts.get("success_count") and not counts.get("pending_count")
    return str(answer).strip().lower().startswith("fails")


def _number(value, kind, default):
    try:
        return kind(value)
    except (TypeError, ValueError):
        return default


def _torrent(t):
    """The fields download_monitor reads, typed; None without a usable hash."""
    digest = str(t.get("hash") or "").lower()
    if len(digest) not in (40, 64):
        return None
    return {
        "hash": digest,
        "name": str(t.get("name") or ""),
        "state": str(t.get("state") or ""),
        "progress": min(1.0, max(0.0, _number(t.get("progress"), float, 0.0))),
        "category": str(t.get("category") or ""),
        "tags": [x.strip() for x in str(t.get("tags") or "").split(",") if x.strip()],
        "added_on": _number(t.get("added_on"), int, 0),
        "completion_on": _number(t.get("completion_on"), int, -1),
        "seeders": max(_number(t.get("num_seeds"), int, 0), _number(t.get("num_complete"), int, 0)),
        "ratio": _number(t.get("ratio"), float, None),
        "save_path": str(t.get("save_path") or ""),
        "content_path": str(t.get("content_path") or ""),
    }
