"""The shared HTTP layer: retries, Retry-After, rate limit, timeouts, errors, User-Agent."""

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from catalog.clients import pace
from catalog.clients.http import (
    BadResponse,
    NotFound,
    RateLimited,
    ServiceError,
    ServiceUnavailable,
    build_session,
    call,
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
    assert sleeps == [1, 2]  # backed off between tries, from the first one on


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
    # The first retry backs off too (urllib3's went again at once): 1 s, 2 s, then 4 s.
    assert sleeps == [1, 2, 4]


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


@pytest.fixture
def slots(monkeypatch):
    """The host of every slot taken from the shared pace, in order (none slept)."""
    taken = []
    monkeypatch.setattr(pace, "wait", lambda host, interval, deadline=None: taken.append(host))
    return taken


def test_every_try_of_a_call_takes_a_slot_of_the_hosts_pace(server, settings, sleeps, slots):
    settings.HTTP_RETRIES = 2
    server.expect_ordered_request("/x").respond_with_data("busy", status=503)
    server.expect_ordered_request("/x").respond_with_data("busy", status=503)
    server.expect_ordered_request("/x").respond_with_data("ok")
    call("Svc", build_session(requests_per_second=2), "GET", server.url_for("/x"))
    assert len(slots) == len(server.log) == 3


def test_a_redirect_takes_a_slot_of_the_hosts_pace_too(server, slots):
    server.expect_request("/old").respond_with_data("", status=302, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data("moved")
    response = call("Svc", build_session(requests_per_second=2), "GET", server.url_for("/old"))
    assert response.text == "moved" and len(slots) == 2


def test_a_rate_of_zero_means_no_limit(server, slots):
    server.expect_request("/x").respond_with_data("ok")
    session = build_session(requests_per_second=0)
    for _ in range(5):
        call("Svc", session, "GET", server.url_for("/x"))
    assert len(server.log) == 5 and slots == []


def _host():
    return f"pace-{uuid.uuid4().hex[:8]}.invalid"


def test_slots_of_one_host_are_an_interval_apart_across_clients_and_threads(pace_store):
    host = _host()
    with ThreadPoolExecutor(4) as pool:
        moments = sorted(pool.map(lambda _: pace.reserve(host, 0.5), range(12)))
    assert all(b - a >= 0.5 - 1e-6 for a, b in zip(moments, moments[1:], strict=False))


def test_a_slot_is_never_before_the_host_said_to_hold_off(pace_store):
    host = _host()
    until = time.time() + 30
    pace.hold_off(host, until)
    assert pace.reserve(host, 0.5) >= until


def test_a_store_out_of_reach_paces_this_process_alone_and_is_not_asked_each_time(
    pace_store, monkeypatch, caplog
):
    tries, clock = [], [1000.0]

    def unreachable():
        tries.append(1)
        raise OSError("connection refused")

    monkeypatch.setattr(pace, "_store", unreachable)
    monkeypatch.setattr(pace, "_store_down_until", 0.0)
    monkeypatch.setattr(pace.time, "monotonic", lambda: clock[0])
    host = _host()

    moments = [pace.reserve(host, 0.5) for _ in range(5)]

    assert all(b - a >= 0.5 - 1e-6 for a, b in zip(moments, moments[1:], strict=False))
    assert len(tries) == 1 and caplog.text.count("pacing this process alone") == 1
    clock[0] += pace.STORE_RETRY_SECONDS
    pace.reserve(host, 0.5)
    assert len(tries) == 2  # tried again once the while is over


def test_a_429_holds_the_host_off_for_every_process(server, settings, sleeps, pace_store):
    settings.HTTP_RETRIES = 1
    server.expect_ordered_request("/x").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "30"}
    )
    server.expect_ordered_request("/x").respond_with_data("ok")
    host = f"127.0.0.1:{server.port}"
    before = time.time()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pace.time, "sleep", lambda seconds: None)
        call("Svc", build_session(requests_per_second=100), "GET", server.url_for("/x"))
    assert pace.reserve(host, 0.01) >= before + 30


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


def test_a_host_held_off_past_the_deadline_is_rate_limited_without_a_request(
    server, settings, pace_store
):
    settings.HTTP_DEADLINE_SECONDS = 5
    server.expect_request("/x").respond_with_data("ok")
    pace.hold_off(f"127.0.0.1:{server.port}", time.time() + 3600)
    with pytest.raises(RateLimited, match="held off"):
        call("Svc", build_session(requests_per_second=1), "GET", server.url_for("/x"))
    assert len(server.log) == 0
