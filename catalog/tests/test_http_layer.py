"""The shared HTTP layer: retries, Retry-After, rate limit, timeouts, errors, User-Agent."""

import bisect
import math
import re
import time

import pytest

from catalog.clients.http import (
    BadResponse,
    NotFound,
    RateLimited,
    ServiceError,
    ServiceUnavailable,
    build_session,
    call,
    spacing_limiter,
)
from scheduling.redaction import register_secret


@pytest.fixture
def server(service_server):
    return service_server()


def test_a_5xx_is_retried_then_succeeds(server, settings, sleeps):
    settings.HTTP_RETRIES = 3
    server.expect_ordered_request("/x").respond_with_data("busy", status=503)
    server.expect_ordered_request("/x").respond_with_data("busy", status=502)
    server.expect_ordered_request("/x").respond_with_data("ok")
    response = call("Svc", build_session(), "GET", server.url_for("/x"))
    assert response.text == "ok"
    assert len(server.log) == 3
    assert sleeps  # backed off between tries (urllib3's first retry is immediate)


def test_retry_after_is_honoured(server, settings, sleeps):
    settings.HTTP_RETRIES = 1
    server.expect_ordered_request("/x").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "9"}
    )
    server.expect_ordered_request("/x").respond_with_data("ok")
    call("Svc", build_session(), "GET", server.url_for("/x"))
    assert sleeps == [9]


def test_a_retry_after_longer_than_the_cap_is_not_slept_through(server, settings, sleeps):
    settings.HTTP_RETRIES = 3
    settings.HTTP_MAX_RETRY_AFTER_SECONDS = 60
    server.expect_request("/x").respond_with_data(
        "tomorrow", status=429, headers={"Retry-After": "86400"}
    )
    with pytest.raises(RateLimited) as error:
        call("Svc", build_session(), "GET", server.url_for("/x"))
    assert error.value.retry_after == 86400
    assert sleeps == [] and len(server.log) == 1


def test_retries_give_up_as_service_unavailable(server, settings, sleeps):
    settings.HTTP_RETRIES = 2
    server.expect_request("/x").respond_with_data("down", status=500)
    with pytest.raises(ServiceUnavailable) as error:
        call("Svc", build_session(), "GET", server.url_for("/x"))
    assert not error.value.permanent
    assert len(server.log) == 3


def test_a_refused_connection_is_service_unavailable(settings, sleeps):
    settings.HTTP_RETRIES = 1
    with pytest.raises(ServiceUnavailable, match="could not connect"):
        call("Svc", build_session(), "GET", "http://127.0.0.1:9/x")


def test_a_refused_connection_is_retried_with_backoff(settings, sleeps):
    settings.HTTP_RETRIES = 3
    with pytest.raises(ServiceUnavailable):
        call("Svc", build_session(), "GET", "http://127.0.0.1:9/x")
    # urllib3 retries the first time at once, then backs off: 2 s, then 4 s.
    assert sleeps == [2, 4]


def test_a_timeout_is_service_unavailable(server, settings, sleeps):
    settings.HTTP_RETRIES = 0
    server.expect_request("/slow").respond_with_handler(lambda request: time.sleep(2) or "late")
    with pytest.raises(ServiceUnavailable, match="timed out"):
        call("Svc", build_session(timeout=0.5), "GET", server.url_for("/slow"))


def test_not_found_and_other_4xx_are_permanent(server):
    server.expect_request("/gone").respond_with_data("", status=404)
    server.expect_request("/bad").respond_with_data("", status=400)
    with pytest.raises(NotFound) as missing:
        call("Svc", build_session(), "GET", server.url_for("/gone"))
    with pytest.raises(BadResponse) as bad:
        call("Svc", build_session(), "GET", server.url_for("/bad"))
    assert missing.value.permanent and bad.value.permanent


def test_errors_never_carry_the_query_string(server, settings):
    settings.GOOGLE_BOOKS_API_KEY = "api-key-secret-123"
    server.expect_request("/x").respond_with_data("", status=400)
    with pytest.raises(BadResponse) as error:
        call("Svc", build_session(), "GET", server.url_for("/x") + "?key=api-key-secret-123")
    assert "api-key-secret-123" not in str(error.value)


def test_an_error_message_never_carries_a_registered_secret():
    register_secret("rotated-cookie-value-42")
    error = ServiceError("Svc", "answered for rotated-cookie-value-42")
    assert "rotated-cookie-value-42" not in str(error)


def test_a_service_error_says_whether_trying_again_can_help():
    assert not ServiceError("Svc", "odd").permanent
    assert ServiceError("Svc", "odd", permanent=True).permanent
    assert not RateLimited("Svc", "slow down", retry_after=5).permanent


def test_every_request_names_the_project(server, settings):
    server.expect_request("/x").respond_with_data("ok")
    call("Svc", build_session(), "GET", server.url_for("/x"))
    assert server.log[0][0].headers["User-Agent"] == settings.HTTP_USER_AGENT


def test_the_rate_limit_spaces_requests_to_one_host(server, monkeypatch):
    import pyrate_limiter.limiter as limiter_module

    waits = []
    real_sleep = limiter_module.sleep
    monkeypatch.setattr(
        limiter_module, "sleep", lambda seconds: waits.append(seconds) or real_sleep(seconds)
    )
    server.expect_request("/x").respond_with_data("ok")
    session = build_session(requests_per_second=20)
    for _ in range(5):
        call("Svc", session, "GET", server.url_for("/x"))
    assert len(server.log) == 5
    # Five requests at 20/s: the limiter held back about four intervals of 50 ms.
    assert sum(waits) >= 4 * 0.05 * 0.8


@pytest.mark.parametrize("rate", [20, 2.5])
def test_the_rate_limit_never_lets_more_than_r_requests_go_in_one_second(rate):
    limiter = spacing_limiter(rate)
    moments = []
    for _ in range(int(rate * 1.5) + 1):
        limiter.try_acquire("example.invalid", 1)
        moments.append(time.monotonic())
    in_any_second = max(bisect.bisect_left(moments, t + 1.0) - i for i, t in enumerate(moments))
    closest = min(b - a for a, b in zip(moments, moments[1:], strict=False))
    assert in_any_second <= math.ceil(rate)
    assert closest >= 0.9 / rate - 0.002  # the limiter counts whole milliseconds


def test_a_rate_of_zero_means_no_limit(server, monkeypatch):
    import pyrate_limiter.limiter as limiter_module

    waits = []
    monkeypatch.setattr(limiter_module, "sleep", waits.append)
    server.expect_request("/x").respond_with_data("ok")
    session = build_session(requests_per_second=0)
    for _ in range(5):
        call("Svc", session, "GET", server.url_for("/x"))
    assert len(server.log) == 5 and waits == []


def test_the_proxy_named_in_the_environment_carries_every_request(server, monkeypatch):
    server.expect_request(re.compile(".*")).respond_with_data("through the proxy")
    monkeypatch.setenv("HTTP_PROXY", server.url_for("/").rstrip("/"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = build_session()
    for _ in range(2):
        response = call("Svc", session, "GET", "http://books.example.invalid/volumes")
        assert response.text == "through the proxy"
    assert len(server.log) == 2


def test_hosts_in_no_proxy_are_reached_directly(server, monkeypatch):
    server.expect_request("/x").respond_with_data("direct")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    session = build_session()
    for _ in range(2):
        assert call("Svc", session, "GET", server.url_for("/x")).text == "direct"
