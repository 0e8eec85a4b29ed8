"""What a service may send us has limits: body size, time, depth."""

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from catalog.clients.audnexus import AudnexusClient
from catalog.clients.google_books import GoogleBooksClient
from catalog.clients.http import BadResponse, ServiceUnavailable, build_session, call
from catalog.clients.mam import MamClient
from catalog.clients.openlibrary import OpenLibraryClient
from catalog.clients.records import scrub

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def server(service_server):
    return service_server()


def test_a_body_past_the_cap_is_a_bad_response(server, settings):
    settings.HTTP_MAX_BODY_BYTES = 1024 * 1024
    server.expect_request("/big").respond_with_data(b"x" * (2 * 1024 * 1024))
    with pytest.raises(BadResponse, match="larger than 1 MB"):
        call("Svc", build_session(), "GET", server.url_for("/big"))


def test_a_body_past_the_cap_without_a_length_is_cut_while_streaming(server, settings):
    settings.HTTP_MAX_BODY_BYTES = 1024 * 1024
    chunks = (b"x" * 65536 for _ in range(10_000))  # 650 MB if read whole
    server.expect_request("/stream").respond_with_handler(lambda request: Response(chunks))
    with pytest.raises(BadResponse, match="larger than 1 MB"):
        call("Svc", build_session(), "GET", server.url_for("/stream"))


def test_a_server_sending_a_byte_every_so_often_is_cut_off_at_the_calls_deadline(server, settings):
    settings.HTTP_DEADLINE_SECONDS = 1.5
    settings.HTTP_TIMEOUT_SECONDS = 5  # each byte comes well within the read timeout

    def drip():
        for _ in range(600):  # five minutes at this pace
            time.sleep(0.5)
            yield b"x"

    server.expect_request("/drip").respond_with_handler(lambda request: Response(drip()))
    with pytest.raises(ServiceUnavailable, match="no answer within 1.5s"):
        call("Svc", build_session(), "GET", server.url_for("/drip"))


def _dripping(pace=0.5, drops=600, until=None):
    """A handler sending a byte every `pace` seconds, `drops` times or until `until` is set."""

    def drip():
        for _ in range(drops):
            if until is not None and until.is_set():
                return
            time.sleep(pace)
            yield b"x"

    return lambda request: Response(drip())


@pytest.fixture
def threaded_server():
    """A local server that answers requests at the same time."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_a_call_with_a_nearer_deadline_is_cut_off_while_a_longer_one_goes_on(
    threaded_server, settings
):
    settings.HTTP_TIMEOUT_SECONDS = 5
    enough = threading.Event()
    threaded_server.expect_request("/drip").respond_with_handler(_dripping(until=enough))
    url, outcome = threaded_server.url_for("/drip"), []

    def longer_call():
        try:
            outcome.append(call("Svc", build_session(), "GET", url).status_code)
        except ServiceUnavailable as error:
            outcome.append(str(error))

    settings.HTTP_DEADLINE_SECONDS = 60
    longer = threading.Thread(target=longer_call, daemon=True)
    longer.start()
    while not threaded_server.log:  # asked: its deadline is the one the watchdog waits for
        time.sleep(0.05)
    settings.HTTP_DEADLINE_SECONDS = 1.5

    with pytest.raises(ServiceUnavailable, match="no answer within 1.5s"):
        call("Svc", build_session(), "GET", url)

    assert outcome == []  # the longer call goes on: cut off at its own deadline only
    enough.set()
    longer.join()
    assert outcome == [200]


class _KeptAlive(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, as real services answer: /quick at once, /drip a byte
    every half second, five of them."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - the name http.server calls
        body = b"ok" if self.path == "/quick" else b"xxxxx"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for byte in body:
            if self.path != "/quick":
                time.sleep(0.5)
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def log_message(self, *args):
        pass


@pytest.fixture
def kept_alive():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeptAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_deadline_ends_with_its_call_not_with_the_next_on_the_same_connection(
    kept_alive, settings
):
    settings.HTTP_TIMEOUT_SECONDS = 5
    session = build_session()
    settings.HTTP_DEADLINE_SECONDS = 1
    call("Svc", session, "GET", f"{kept_alive}/quick")  # its deadline passes during the next
    settings.HTTP_DEADLINE_SECONDS = 30

    response = call("Svc", session, "GET", f"{kept_alive}/drip")  # on the same connection

    assert response.content == b"xxxxx"


def test_scrub_cleans_json_of_any_depth():
    data = "a\x00b"
    for _ in range(5000):  # deeper than Python's recursion limit
        data = [data]
    inner = scrub(data)
    for _ in range(5000):
        inner = inner[0]
    assert inner == "ab"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "ask"),
    [
        ("mam", lambda: MamClient().search("dune")),
        ("google", lambda: GoogleBooksClient().find_by_isbn("9780316129084")),
        ("openlibrary", lambda: OpenLibraryClient().search("Dune")),
        ("audnexus", lambda: AudnexusClient().book("B002V1OF70")),
    ],
)
def test_json_nested_too_deep_is_a_bad_response_not_a_crash(request, settings, fixture, ask):
    server = request.getfixturevalue(fixture)
    server = server.server if hasattr(server, "install") else server
    server.clear()
    server.expect_request(re.compile(".*")).respond_with_data(DEEP, content_type="application/json")
    settings.MAM_SESSION_ID = "session-one"
    with pytest.raises(BadResponse):
        ask()
