"""One HTTP layer for every outside service.

A session per service with: connect and read timeouts; retries with exponential backoff
on connection errors, 429 and 5xx that honour Retry-After (urllib3's Retry), except that a
Retry-After longer than HTTP_MAX_RETRY_AFTER_SECONDS is not slept through but reported as
RateLimited; a per-host rate limit (requests-ratelimiter); and the HTTP_USER_AGENT that
names this project. Failures become one error type, ServiceError, which says whether
trying again later can help. No message carries a secret: they name the path, never the
query string, cookies or headers.
"""

import math
from urllib.parse import urlsplit

import requests
from django.conf import settings
from pyrate_limiter import Limiter, Rate
from requests.adapters import HTTPAdapter
from requests_ratelimiter import HostBucketFactory, LimiterAdapter
from urllib3.util.retry import Retry

from scheduling.redaction import redact
from scheduling.runner import ServiceProblem

RETRY_STATUSES = (429, 500, 502, 503, 504)


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


class CappedRetry(Retry):
    """Retry that refuses to sleep through a Retry-After longer than the cap."""

    cap = 120

    def new(self, **kwargs):
        retry = super().new(**kwargs)
        retry.cap = self.cap
        return retry

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ):
        if response is not None and (self.get_retry_after(response) or 0) > self.cap:
            # Not slept through: the client reports RateLimited and the job moves on.
            raise _TooLongRetryAfter(response)
        return super().increment(method, url, response, error, _pool, _stacktrace)


class _TooLongRetryAfter(Exception):
    def __init__(self, response):
        self.response = response


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
    """A requests session with timeouts, retries, a rate limit and our User-Agent."""
    timeout = timeout or settings.HTTP_TIMEOUT_SECONDS
    session = TimeoutSession(timeout=(min(10, timeout), timeout))
    retry = CappedRetry(
        total=settings.HTTP_RETRIES if retries is None else retries,
        backoff_factor=1,
        backoff_max=60,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,  # MAM search may be POSTed; every call we make is idempotent
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.cap = settings.HTTP_MAX_RETRY_AFTER_SECONDS
    if requests_per_second:
        adapter = LimiterAdapter(limiter=spacing_limiter(requests_per_second), max_retries=retry)
    else:
        adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.HTTP_USER_AGENT
    return session


def spacing_limiter(requests_per_second):
    """At most R requests per host in any one second, never a burst.

    requests-ratelimiter's per_second=R alone allows R requests at once in each second,
    and pyrate-limiter adds 50 ms to every wait by default; neither is polite spacing.
    One request per 1/R seconds alone is polite but slow: pyrate-limiter counts whole
    milliseconds, so each wait ends up to 2 ms late (22 ms apart at R = 50, a 10% loss).
    For a whole R >= 2 the limit is therefore R per second over a sliding window, with
    requests never closer than 0.9/R: the lateness is paid once a window, not per request.
    """
    interval_ms = 1000 / requests_per_second
    if requests_per_second >= 2 and float(requests_per_second).is_integer():
        rates = [Rate(1, int(interval_ms * 0.9)), Rate(int(requests_per_second), 1000)]
    else:
        rates = [Rate(1, max(1, math.ceil(interval_ms)))]
    return Limiter(HostBucketFactory(rates=rates), buffer_ms=1)


def call(service, session, method, url, **kwargs):
    """Make a request; return the response or raise the ServiceError that fits."""
    path = requests.utils.urlparse(url).path
    try:
        response = session.request(method, url, **kwargs)
    except _TooLongRetryAfter as too_long:
        response = too_long.response
    except requests.exceptions.RetryError as error:
        raise ServiceUnavailable(service, f"{path}: gave up after retries") from error
    except requests.exceptions.Timeout as error:
        raise ServiceUnavailable(service, f"{path}: timed out") from error
    except requests.exceptions.ConnectionError as error:
        # A read timeout after urllib3's retries arrives as a ConnectionError.
        what = "timed out" if "timed out" in str(error).lower() else "could not connect"
        raise ServiceUnavailable(service, f"{path}: {what}") from error
    except requests.exceptions.RequestException as error:
        raise ServiceUnavailable(service, f"{path}: {type(error).__name__}") from error
    return check_status(service, path, response)


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
