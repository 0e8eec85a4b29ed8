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
        self.client = qbittorrentapi.Client(
            host=self.url,
            username=settings.QBITTORRENT_USERNAME if username is None else username,
            password=settings.QBITTORRENT_PASSWORD if password is None else password,
            REQUESTS_ARGS={"timeout": (10, settings.HTTP_TIMEOUT_SECONDS)},
            VERIFY_WEBUI_CERTIFICATE=True,
            DISABLE_LOGGING_DEBUG_OUTPUT=True,
        )

    def _call(self, action, *args, **kwargs):
        try:
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
        self._call(self.client.auth_log_in)
        return self._call(lambda: self.client.app.version)

    def add_torrent(self, torrent, category=None, tags=(), paused=False):
        """Add .torrent bytes; returns its info hash."""
        digest = info_hash(torrent)
        answer = self._call(
            self.client.torrents_add,
            torrent_files={f"{digest}.torrent": torrent},
            category=category or None,
            tags=",".join(tags) if tags else None,
            is_paused=paused,
        )
        listed = self._listed_soon(digest)
        if not listed and str(answer).strip().lower().startswith("fails"):
            raise BadResponse(SERVICE, "refused the torrent (Fails.)")
        if not listed:
            log.warning("qBittorrent accepted torrent %s but has not listed it yet", digest)
        return digest

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
        torrents = self._call(
            self.client.torrents_info, category=category, tag=tag, torrent_hashes=hashes
        )
        return [
            {
                "hash": t.hash,
                "name": t.name,
                "state": t.state,
                "progress": t.progress,
                "category": t.category,
                "tags": [x.strip() for x in (t.tags or "").split(",") if x.strip()],
                "added_on": t.added_on,
            }
            for t in torrents
        ]
