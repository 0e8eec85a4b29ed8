"""One HTTP layer for every outside service.

A session per service with: connect and read timeouts, and an overall deadline per call
(a server that sends a byte every two seconds cannot hold a job: the call's sockets are
shut when it passes); bodies read by streaming and capped (HTTP_MAX_BODY_BYTES); retries
with exponential backoff, from the first retry on, on connection errors, 429 and 5xx,
honouring Retry-After, except that a Retry-After longer than HTTP_MAX_RETRY_AFTER_SECONDS
is not slept through but reported as RateLimited; one pace per host shared by every
client, thread and process (catalog/clients/pace.py), which every attempt, retry and
redirect passes through; redirects followed on the same host only; and the
HTTP_USER_AGENT that names this project. Failures become one error type, ServiceError,
which says whether trying again later can help. No message carries a secret: they name
the path, never the query string, cookies or headers.
"""

import heapq
import itertools
import logging
import os
import socket
import threading
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from catalog.clients import pace
from scheduling.redaction import redact
from scheduling.runner import ServiceProblem

logger = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
BACKOFF_SECONDS = 1  # the first retry waits this long, each next one twice as long
BACKOFF_MAX_SECONDS = 60
MB = 1024 * 1024
sleep = time.sleep  # the retries' waits (tests record them instead)


class ServiceError(Exception):
    """A call to an outside service failed. permanent: trying again will not help."""

    permanent = False

    def __init__(self, service, message, permanent=None):
        self.service = service
        if permanent is not None:
            self.permanent = permanent
        text = message if str(message).startswith(service) else f"{service}: {message}"
        super().__init__(redact(text))


class ServiceUnavailable(ServiceError, ServiceProblem):
    """Down, unreachable, timing out or answering 5xx: try again later."""


class RateLimited(ServiceError):
    def __init__(self, service, message, retry_after=None):
        self.retry_after = retry_after
        super().__init__(service, message)


class NotFound(ServiceError):
    permanent = True


class BadResponse(ServiceError):
    """The answer was not what the service documents (bad JSON, changed layout, 4xx)."""

    permanent = True


class AccessRefused(ServiceError, ServiceProblem):
    """Our credentials no longer work (a session, a login): nothing will until the user acts.

    A job reports it once for the run; it is never a failure of one item.
    """

    permanent = True


class SessionExpired(AccessRefused):
    pass


class _Deadline:
    """The sockets one call opened, shut when its deadline passes (a read then fails)."""

    def __init__(self, seconds):
        self.ends = time.monotonic() + seconds
        self.passed = self.done = False
        self.sockets = []

    def __enter__(self):
        _watch.deadline = self
        _watchdog.watch(self)
        return self

    def __exit__(self, *exc):
        self.done = True  # the watchdog forgets it; its sockets may serve the next call
        _watch.deadline = None

    def add(self, sock):
        self.sockets.append(sock)
        if self.passed:
            self._shut(sock)

    def expire(self):
        if self.done:  # ended as its deadline passed
            return
        self.passed = True
        for sock in list(self.sockets):
            self._shut(sock)

    @staticmethod
    def _shut(sock):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Watchdog:
    """One thread for the deadlines of every call of a process, asleep until the earliest
    passes. (A timer thread started and cancelled for each call cost 69 us of CPU a call,
    against 1.3 us here: 3,000 calls, the fastest of five rounds.)
    A call that ended is only marked done, and dropped when the watchdog next wakes."""

    def __init__(self):
        self._forked()
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self):
        self._changed = threading.Condition(threading.Lock())
        self._due = []  # a heap of (ends, n, _Deadline)
        self._numbers = itertools.count()  # ties broken by order: deadlines never compared
        self._thread = None

    def watch(self, deadline):
        with self._changed:
            heapq.heappush(self._due, (deadline.ends, next(self._numbers), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadlines")
                self._thread.daemon = True
                self._thread.start()
            elif self._due[0][2] is deadline:  # earlier than what the thread waits for
                self._changed.notify()

    def _run(self):
        while True:
            with self._changed:
                passed = self._passed()
                if not passed:
                    wait = self._due[0][0] - time.monotonic() if self._due else None
                    self._changed.wait(wait)
                    continue
            for deadline in passed:
                deadline.expire()

    def _passed(self):
        """The deadlines that passed (the ended ones dropped), off the heap."""
        now, passed = time.monotonic(), []
        while self._due and (self._due[0][2].done or self._due[0][0] <= now):
            deadline = heapq.heappop(self._due)[2]
            if not deadline.done:
                passed.append(deadline)
        return passed


_watchdog = _Watchdog()
_watch = threading.local()


def _watched(sock):
    deadline = getattr(_watch, "deadline", None)
    if deadline is not None and sock is not None:
        deadline.add(sock)


class _WatchedHTTPConnection(HTTPConnection):
    # A kept-alive connection is not connected again: its socket joins each call's watch
    # as the call's request goes out on it.
    def getresponse(self, *args, **kwargs):
        _watched(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args, **kwargs):
        _watched(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _TooLongRetryAfter(Exception):
    def __init__(self, response):
        self.response = response


class _HeldOff(Exception):
    """The host's pace would wait past the call's deadline (it asked us to hold off)."""


class PacedAdapter(HTTPAdapter):
    """Every attempt (first, retry, redirect) waits for the host's shared pace; retries
    back off from the first one and honour Retry-After, and a refusal holds the host off
    for every process."""

    def __init__(self, requests_per_second=0, retries=0, max_retry_after=120):
        self.interval = 1 / requests_per_second if requests_per_second else 0
        self.retries = retries
        self.max_retry_after = max_retry_after
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager

    def send(self, request, **kwargs):
        host = urlsplit(request.url).netloc.lower()
        for attempt in range(self.retries + 1):
            self._pace(host)
            last = attempt == self.retries
            try:
                response = super().send(request, **kwargs)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
                deadline = getattr(_watch, "deadline", None)
                if last or (deadline and deadline.passed):
                    raise
                self._retrying(request, type(error).__name__, attempt, backoff(attempt))
                continue
            if response.status_code not in RETRY_STATUSES:
                return response
            retry_after = _retry_after(response)
            delay = retry_after if retry_after is not None else backoff(attempt)
            if self.interval:  # told no: every process holds off this host
                pace.hold_off(host, time.time() + delay)
            if retry_after is not None and retry_after > self.max_retry_after:
                raise _TooLongRetryAfter(response)
            deadline = getattr(_watch, "deadline", None)
            if last or (deadline and time.monotonic() + delay > deadline.ends):
                return response
            response.close()
            self._retrying(request, f"HTTP {response.status_code}", attempt, delay)
        return response

    def _retrying(self, request, reason, attempt, delay):
        # The URL as sent (the log's redaction masks any key in it, as it did urllib3's).
        logger.warning(
            "%s %s: %s; retry %d of %d in %gs.",
            request.method, request.url, reason, attempt + 1, self.retries, delay,
        )  # fmt: skip
        sleep(delay)

    def _pace(self, host):
        if not self.interval:
            return
        deadline = getattr(_watch, "deadline", None)
        try:
            pace.wait(host, self.interval, deadline.ends if deadline else None)
        except TimeoutError:
            raise _HeldOff() from None


def backoff(attempt):
    """Seconds before retry number attempt + 1: 1, 2, 4, ... (the first one waits too)."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_SECONDS * 2**attempt)


class TimeoutSession(requests.Session):
    """A session whose requests time out unless told otherwise.

    It also reads the proxy settings of the environment (HTTP_PROXY, NO_PROXY, ...) once
    per host rather than once per request: requests walks the whole environment every
    time, which was a fifth of the metadata job's CPU.
    """

    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout
        self._environment = {}

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)

    def get_redirect_target(self, response):
        """Follow a redirect on the same host only: another host gets neither our
        credentials (an API key in the query, a cookie) nor our trust in its answer."""
        target = super().get_redirect_target(response)
        if target is None:
            return None
        here = urlsplit(response.url).netloc.lower()
        there = urlsplit(requests.compat.urljoin(response.url, target)).netloc.lower()
        return target if there == here else None

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, repr(proxies), stream, verify, cert)
        if key not in self._environment:
            self._environment[key] = super().merge_environment_settings(
                url, proxies, stream, verify, cert
            )
        merged = self._environment[key]
        return {**merged, "proxies": dict(merged["proxies"])}


def build_session(requests_per_second=0, retries=None, timeout=None):
    """A requests session with timeouts, retries, the shared host pace and our User-Agent."""
    timeout = timeout or settings.HTTP_TIMEOUT_SECONDS
    session = TimeoutSession(timeout=(min(10, timeout), timeout))
    adapter = PacedAdapter(
        requests_per_second,
        retries=settings.HTTP_RETRIES if retries is None else retries,
        max_retry_after=settings.HTTP_MAX_RETRY_AFTER_SECONDS,
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.HTTP_USER_AGENT
    return session


def call(service, session, method, url, max_bytes=None, **kwargs):
    """Make a request; return the response (its body read, at most max_bytes) or raise
    the ServiceError that fits. The whole call, retries and body included, ends within
    HTTP_DEADLINE_SECONDS."""
    path = urlsplit(url).path
    max_bytes = max_bytes or settings.HTTP_MAX_BODY_BYTES
    seconds = settings.HTTP_DEADLINE_SECONDS
    with _Deadline(seconds) as deadline:
        try:
            response = session.request(method, url, stream=True, **kwargs)
            _read_capped(service, path, response, max_bytes)
            if deadline.passed:  # the shut socket may have looked like the body's end
                raise requests.exceptions.ConnectionError("deadline passed")
        except _TooLongRetryAfter as too_long:
            response = too_long.response
        except _HeldOff:
            raise RateLimited(service, f"{path}: held off (it asked us to wait)") from None
        except requests.exceptions.RequestException as error:
            if deadline.passed:
                raise ServiceUnavailable(
                    service, f"{path}: no answer within {seconds:g}s"
                ) from error
            raise _unavailable(service, path, error) from error
    if response.is_redirect and kwargs.get("allow_redirects", True):
        target = urlsplit(response.headers.get("Location", "")).netloc or "elsewhere"
        raise BadResponse(service, f"{path}: redirected to {target}; not followed")
    return check_status(service, path, response)


def _unavailable(service, path, error):
    if isinstance(error, requests.exceptions.Timeout):
        return ServiceUnavailable(service, f"{path}: timed out")
    if isinstance(error, requests.exceptions.ConnectionError):
        # A read timeout after the retries arrives as a ConnectionError.
        what = "timed out" if "timed out" in str(error).lower() else "could not connect"
        return ServiceUnavailable(service, f"{path}: {what}")
    return ServiceUnavailable(service, f"{path}: {type(error).__name__}")


def _read_capped(service, path, response, max_bytes):
    """Read the body by streaming; a body past max_bytes is a bad response, not memory."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise BadResponse(service, f"{path}: answer larger than {max_bytes / MB:g} MB")
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise BadResponse(service, f"{path}: answer larger than {max_bytes / MB:g} MB")
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True


def check_status(service, path, response):
    status = getattr(response, "status", None) or getattr(response, "status_code", 0)
    if status == 429:
        retry_after = _retry_after(response)
        raise RateLimited(
            service,
            f"{path}: rate limited (HTTP 429), retry after {retry_after}s",
            retry_after=retry_after,
        )
    if status == 404:
        raise NotFound(service, f"{path}: not found (HTTP 404)")
    if status >= 500:
        raise ServiceUnavailable(service, f"{path}: HTTP {status}")
    if status >= 400:
        raise BadResponse(service, f"{path}: HTTP {status}")
    return response


def _retry_after(response):
    headers = getattr(response, "headers", {}) or {}
    value = headers.get("Retry-After")
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None
