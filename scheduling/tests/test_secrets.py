"""Secrets never leave the settings: every output of a full run of every job is searched.

Once per module: every job runs twice as `manage.py runtask` processes, with the secrets set
to distinctive values and LOG_LEVEL=DEBUG: first against working fakes and a real
qbittorrent-nox (whose Web UI password is the secret), then with every service failing
(expired MyAnonamouse session, Google Books unreachable, 5xx from Goodreads and Open Library,
a download client refusing the login). Then showjobs, and every admin page (each registered
model's list and up to 50 change pages each) rendered for a superuser. The tests search
all of it: process output, every database row (Task.log_output, Task.error_message,
FailedAttempt.error_message, ...) and the admin's HTML, for the secrets and for every mam_id
value MyAnonamouse rotated in. The one place a session value may live is the session store
(catalog_servicesession), sealed, which the jobs need and the admin does not show.
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import qbittorrentapi
from django.test import override_settings
from pytest_httpserver import HTTPServer
from werkzeug import Response

from catalog.sealing import unseal
from catalog.tests.conftest import QBITTORRENT_MISSING, RealQbittorrent
from catalog.tests.fakes import (
    FakeGoogleBooks,
    FakeMam,
    goodreads_book_page,
    goodreads_series_page,
    google_volume,
    mam_item,
    openlibrary_works,
)
from scheduling.tests.processes import PROJECT, PYTHON, ProcessDatabase, manage
from scheduling.tests.real_services import require

pytestmark = [pytest.mark.slow, pytest.mark.qbittorrent]

SECRETS = {
    "MAM_SESSION_ID": "mamSessionSecret7f3a91e0",
    "QBITTORRENT_PASSWORD": "qbitPasswordSecret5c2e88",
    "GOOGLE_BOOKS_API_KEY": "AIzaGoogleKeySecret9d4b17",
    "SECRET_KEY": "djangoSecretKeySecret-8e1f0c2b7a6d5e4f3c2b1a0987654321",
}
JOBS = [
    "mam_scraping",
    "top10_discovery",
    "metadata_full_refresh",
    "metadata_new_books",
    "series_completion",
    "author_completion",
    "cleanup_old_tasks",
]
COREY = "James S. A. Corey"
ISBN = "9780316129084"
LIBRARY = f"""
from catalog.models import Author, Book, Genre, Series
corey = Author.objects.create(name={COREY!r}, monitored=True, openlibrary_id="OL1A")
owned = Book.objects.create(title="Leviathan Wakes", isbn_13={ISBN!r}, status="owned")
wanted = Book.objects.create(title="Caliban's War", status="wanted")
for book in (owned, wanted):
    book.authors.add(corey)
Series.objects.create(name="The Expanse", goodreads_id="40321", monitored=True)
Genre.objects.create(name="Science Fiction", mam_category_id=41, discovery_enabled=True)
"""
ADMIN_PAGES = """
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse

client = Client()
client.force_login(get_user_model().objects.create_superuser("audit", "a@example.com", "x"))
urls = [reverse("admin:index")]
for model in admin.site._registry:
    info = (model._meta.app_label, model._meta.model_name)
    urls.append(reverse("admin:%s_%s_changelist" % info))
    for pk in model.objects.values_list("pk", flat=True)[:50]:
        try:
            urls.append(reverse("admin:%s_%s_change" % info, args=[pk]))
        except NoReverseMatch:
            pass
for url in urls:
    response = client.get(url, follow=True)
    print("=====", url, response.status_code)
    print(response.content.decode(errors="replace"))
"""
SESSION_STORE = "catalog_servicesession"


class RotatingMam(FakeMam):
    """MAM handing out a new, distinctive mam_id with every answer, all remembered."""

    def _rotate(self, response):
        self.rotation += 1
        self.session = f"mamRotated{self.rotation:03d}Secret"
        self.handed_out = [*getattr(self, "handed_out", []), self.session]
        response.set_cookie("mam_id", self.session)
        return response


def serve(handlers):
    server = HTTPServer(host="127.0.0.1", port=0)
    for path, handler in handlers:
        server.expect_request(path).respond_with_handler(handler)
    server.start()
    return server


def page(body, status=200, content_type="text/html"):
    return lambda request: Response(body, status=status, content_type=content_type)


@pytest.fixture(scope="module")
def run_everything(tmp_path_factory):
    """Every job, working and failing; showjobs; every admin page. Returns (outputs, mam)."""
    require(shutil.which("qbittorrent-nox"), QBITTORRENT_MISSING)
    qbit = RealQbittorrent(tmp_path_factory.mktemp("qbittorrent-secrets"))
    qbit.password = SECRETS["QBITTORRENT_PASSWORD"]
    qbit.start()
    db = ProcessDatabase(tmp_path_factory.mktemp("secrets-db"))
    servers = []
    try:
        outputs = run_all(db, qbit, servers)
        yield outputs
    finally:
        for server in servers:
            server.clear()
            server.stop()
        qbit.stop()
        db.drop()


def run_all(db, qbit, servers):
    recent = datetime.now(UTC) - timedelta(hours=2)
    mam_server = HTTPServer(host="127.0.0.1", port=0)
    mam = RotatingMam(mam_server, session=SECRETS["MAM_SESSION_ID"]).install()
    mam.items = [
        mam_item(501, "Caliban's War (The Expanse, #2)", authors=[COREY], added=recent),
        mam_item(502, "Abaddon's Gate", authors=[COREY], added=recent, category=45),
        mam_item(503, "Persepolis Rising", authors=[COREY], added=recent, category=45),
        mam_item(504, "Tiamat's Wrath", authors=[COREY], added=recent, snatched=90),
    ]
    mam_server.start()
    google_server = HTTPServer(host="127.0.0.1", port=0)
    google = FakeGoogleBooks(google_server).install()
    google.volumes = [google_volume("gb1", "Leviathan Wakes", [COREY], isbn13=ISBN)]
    google_server.start()
    goodreads = serve(
        [
            (f"/book/isbn/{ISBN}", page(goodreads_book_page(1, "Leviathan Wakes", COREY, ISBN))),
            (
                "/series/40321",
                page(
                    goodreads_series_page(
                        "The Expanse",
                        [
                            [
                                ("Book 1", 1, "Leviathan Wakes", COREY),
                                ("Book 3", 3, "Abaddon's Gate", COREY),
                            ]
                        ],
                    )
                ),
            ),
        ]
    )
    openlibrary = serve(
        [
            (
                "/authors/OL1A/works.json",
                lambda r: Response(json.dumps(openlibrary_works(["Persepolis Rising"]))),
            )
        ]
    )
    servers.extend([mam_server, google_server, goodreads, openlibrary])
    refusing_mam = serve([("/tor/js/loadSearchJSONbasic.php", page("<html>Login</html>", 403))])
    failing = serve([])  # no handler: every request is answered 500
    # Answers each book's search with a page that is not JSON: a failed item per book, whose
    # recorded error names the request (and so would show the API key if it leaked).
    garbled = serve([("/volumes", page("{not json", content_type="application/json"))])
    refusing_webui = serve(
        [
            ("/", page("")),
            ("/api/v2/app/webapiVersion", page("2.9.3")),
            ("/api/v2/auth/login", page("Fails.")),
            ("/api/v2/torrents/add", page("Forbidden", 403)),
        ]
    )
    servers.extend([refusing_mam, failing, garbled, refusing_webui])

    base = {**db.env, **SECRETS, "LOG_LEVEL": "DEBUG", "ALLOWED_HOSTS": "testserver,localhost"}
    base |= {"MAM_REQUESTS_PER_SECOND": "0", "GOOGLE_BOOKS_REQUESTS_PER_SECOND": "0"}
    base |= {"GOODREADS_REQUESTS_PER_SECOND": "0", "OPENLIBRARY_REQUESTS_PER_SECOND": "0"}
    base |= {"HTTP_RETRIES": "1", "HTTP_MAX_RETRY_AFTER_SECONDS": "0"}
    working = base | {
        "MAM_URL": url(mam_server),
        "GOOGLE_BOOKS_API_URL": url(google_server),
        "GOODREADS_URL": url(goodreads),
        "OPENLIBRARY_URL": url(openlibrary),
        "QBITTORRENT_URL": qbit.url,
        "QBITTORRENT_USERNAME": qbit.username,
    }
    broken = base | {
        "MAM_URL": url(refusing_mam),
        "GOOGLE_BOOKS_API_URL": url(garbled),
        "GOODREADS_URL": url(failing),
        "OPENLIBRARY_URL": url(failing),
        "QBITTORRENT_URL": url(refusing_webui),
    }
    outputs = {}
    manage("shell", "-c", LIBRARY, env=working, check=True)
    for label, env in (("working", working), ("broken", broken)):
        for job in JOBS:
            result = manage("runtask", job, env=env, timeout=120)
            outputs[f"runtask {job} ({label})"] = result.stdout + result.stderr
            outputs[f"exit {job} ({label})"] = str(result.returncode)
        if label == "working":
            outputs["qbittorrent"] = "\n".join(torrent_names(qbit))
    for args in (["showjobs", "--next", "3"], ["showjobs", "--json"]):
        result = manage(*args, env=working, check=True)
        outputs[" ".join(args)] = result.stdout + result.stderr
    outputs["admin pages"] = manage("shell", "-c", ADMIN_PAGES, env=working, check=True).stdout
    outputs["database"] = dump_database(db)
    outputs["session store"] = "\n".join(map(str, db.query(f"SELECT * FROM {SESSION_STORE}")))
    outputs["sealed session"] = db.query(f"SELECT value FROM {SESSION_STORE}")[0][0]
    outputs["rotated"] = "\n".join(getattr(mam, "handed_out", []))
    return outputs


def torrent_names(qbit):
    client = qbittorrentapi.Client(
        host=qbit.url, username=qbit.username, password=SECRETS["QBITTORRENT_PASSWORD"]
    )
    return sorted(torrent.name for torrent in client.torrents_info())


def url(server):
    return server.url_for("").rstrip("/")


def dump_database(db):
    """Every row of every table but the session store, as text."""
    if db.pg_name:
        tables = db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    else:
        tables = db.query("SELECT name FROM sqlite_master WHERE type = 'table'")
    lines = []
    for (table,) in sorted(tables):
        if table != SESSION_STORE:
            lines += [f"{table}: {row}" for row in db.query(f'SELECT * FROM "{table}"')]
    return "\n".join(lines)


def leaks(outputs, names):
    """Where each secret turns up: {(secret name, output name): count}."""
    values = {name: SECRETS[name] for name in SECRETS}
    values |= {f"rotated mam_id {v}": v for v in outputs["rotated"].splitlines()}
    return {
        (secret, name): outputs[name].count(value)
        for secret, value in values.items()
        for name in names
        if value in outputs[name]
    }


def outputs_named(outputs, prefix):
    return [name for name in outputs if name.startswith(prefix)]


# --- the runs did what a leak could come from ------------------------------------------------


def test_the_working_pass_sent_torrents_to_qbittorrent_with_the_secret_password(run_everything):
    assert [name.split("-", 1)[0] for name in run_everything["qbittorrent"].splitlines()] == [
        "501",
        "502",
        "503",
    ]
    assert {run_everything[f"exit {job} (working)"] for job in JOBS} == {"0"}


def test_myanonamouse_rotated_the_cookie_and_the_jobs_kept_the_latest_sealed(run_everything):
    rotated = run_everything["rotated"].splitlines()
    assert len(rotated) >= 5
    assert leaks(run_everything, ["session store"]) == {}  # not even there in clear
    with override_settings(SECRET_KEY=SECRETS["SECRET_KEY"]):
        assert unseal(run_everything["sealed session"]) == rotated[-1]


def test_the_broken_pass_left_errors_and_failed_attempts_to_search(run_everything):
    assert run_everything["exit mam_scraping (broken)"] != "0"
    assert "MyAnonamouse refused the session" in run_everything["runtask mam_scraping (broken)"]
    assert "scheduling_failedattempt: " in run_everything["database"]


# --- zero occurrences --------------------------------------------------------------------


def test_no_secret_in_any_runtask_output_or_log_line(run_everything):
    assert leaks(run_everything, outputs_named(run_everything, "runtask")) == {}


def test_no_secret_in_showjobs_output(run_everything):
    assert leaks(run_everything, outputs_named(run_everything, "showjobs")) == {}


def test_no_secret_in_any_database_row_outside_the_session_store(run_everything):
    assert leaks(run_everything, ["database"]) == {}


def test_no_secret_in_any_admin_page(run_everything):
    pages = run_everything["admin pages"]
    assert "/admin/scheduling/task/" in pages and "/admin/scheduling/failedattempt/" in pages
    assert leaks(run_everything, ["admin pages"]) == {}


# --- the control: the search can see a leak ------------------------------------------------

REDACTION_OFF = """
import sys
import scheduling.redaction as redaction
redaction.redact = lambda text: text  # before anything imports it: every caller gets this
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""


def test_with_redaction_switched_off_the_same_search_finds_the_key(tmp_path):
    """The zeros above are the redaction's work: switched off (in this run only), the Google
    Books key shows in the output and the Task row (the HTTP layer's retry warning prints the URL
    with key=), and the same search finds it."""
    db = ProcessDatabase(tmp_path)
    try:
        env = {**db.env, **SECRETS, "LOG_LEVEL": "DEBUG", "HTTP_RETRIES": "1"}
        env |= {"GOOGLE_BOOKS_API_URL": "http://127.0.0.1:9", "GOODREADS_URL": "http://127.0.0.1:9"}
        env |= {"GOOGLE_BOOKS_REQUESTS_PER_SECOND": "0", "GOODREADS_REQUESTS_PER_SECOND": "0"}
        manage("shell", "-c", f"{LIBRARY}\nowned.save()", env=env, check=True)
        redacted = manage("runtask", "metadata_full_refresh", env=env)
        plain = subprocess.run(
            [PYTHON, "-c", REDACTION_OFF, "runtask", "metadata_full_refresh"],
            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        outputs = {
            "redacted": redacted.stdout + redacted.stderr,
            "plain": plain.stdout + plain.stderr,
            "database": dump_database(db),
            "rotated": "",
        }
    finally:
        db.drop()
    found = leaks(outputs, ["redacted", "plain", "database"])
    assert ("GOOGLE_BOOKS_API_KEY", "plain") in found
    assert ("GOOGLE_BOOKS_API_KEY", "database") in found  # the second run's Task row
    assert ("GOOGLE_BOOKS_API_KEY", "redacted") not in found
