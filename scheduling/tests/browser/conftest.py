"""A real site and a real scheduler, driven by a real Chromium.

One fresh database per module (SQLite file or PostgreSQL, see processes.py), a superuser
and some catalog rows in it, `runserver --noreload` and `runscheduler` as subprocesses,
and Playwright on Debian's /usr/bin/chromium (`playwright install` cannot download here).
"""

import os
import socket
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scheduling.tests.processes import PROJECT, Process, ProcessDatabase, manage, wait_until
from scheduling.tests.real_services import require

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT / "docs" / "screenshots"
USERNAME, PASSWORD = "admin", "browser-test-password"

SEED = textwrap.dedent(
    """
    from datetime import timedelta
    from django.utils import timezone
    from catalog.models import Author, Book, Genre, Release, Series
    from scheduling.models import Task

    corey = Author.objects.create(name="James S. A. Corey", monitored=True)
    jemisin = Author.objects.create(name="N. K. Jemisin")
    expanse = Series.objects.create(name="The Expanse", monitored=True)
    broken = Series.objects.create(name="The Broken Earth")
    Genre.objects.create(name="Science Fiction", mam_category_id=47, discovery_enabled=True)
    Genre.objects.create(name="Fantasy", mam_category_id=41)
    books = [
        ("Leviathan Wakes", corey, expanse, "1", "owned", "9780316129084"),
        ("Caliban's War", corey, expanse, "2", "owned", "9780316129060"),
        ("Abaddon's Gate", corey, expanse, "3", "wanted", ""),
        ("Cibola Burn", corey, expanse, "4", "downloading", "9780316217620"),
        ("The Fifth Season", jemisin, broken, "1", "discovered", "9780316229296"),
        ("The Obelisk Gate", jemisin, broken, "2", "ignored", ""),
    ]
    for number, (title, author, series, position, status, isbn) in enumerate(books):
        book = Book.objects.create(
            title=title, series=series, series_position=position, status=status,
            isbn_13=isbn, description="" if number % 3 == 2 else "A book.",
            language="en", source="series" if number > 1 else "manual",
        )
        book.authors.add(author)
        if status in ("owned", "downloading"):
            Release.objects.create(
                mam_id=1000 + number, title=title + " (Unabridged)",
                author_text=author.name, format="m4b", size_bytes=400_000_000 + number,
                seeders=12 + number, book=book, added_at=timezone.now(),
            )
    # What is coming: announced books for the release calendar and the series page.
    for title, series, position, days, narrator in (
        ("The Last Light", expanse, "10", 12, "Jefferson Mays"),
        ("Memory's Legion Stories", expanse, "9.5", 40, "Jefferson Mays"),
        ("The Shattered Sky", broken, "4", 75, "Robin Miles"),
    ):
        coming = Book.objects.create(
            title=title, series=series, series_position=position, status="announced",
            release_date=(timezone.now() + timedelta(days=days)).date(),
            narrators=narrator, source="series",
        )
        coming.authors.add(corey if series == expanse else jemisin)
    # Some history for the built-in jobs, so the charts have something to draw.
    now = timezone.now()
    rows = []
    for day in range(30, 0, -1):
        for name, base in (("cleanup_old_tasks", 0.4), ("mam_scraping", 40.0)):
            status = "failed" if day % 9 == 0 else "completed"
            start = now - timedelta(days=day)
            rows.append(Task(
                task_name=name, trigger="schedule", status=status, actual_start=start,
                actual_end=start + timedelta(seconds=base * (1 + day % 4)),
                duration_seconds=base * (1 + day % 4), date_created=start,
                items_total=10, items_processed=10, items_succeeded=10,
                error_message="HTTP 503 from the service" if status == "failed" else "",
            ))
    Task.objects.bulk_create(rows)
    """
)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url):
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        return True  # 503 until the scheduler beats: the server is up all the same
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def chromium_path():
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


class Site:
    def __init__(self, url, db, server, scheduler):
        self.url, self.db, self.server, self.scheduler = url, db, server, scheduler

    def control(self, name):
        """(paused, applied_paused, run_requested_at) of a job's JobControl row."""
        rows = self.db.query(
            "SELECT paused, applied_paused, run_requested_at FROM scheduling_jobcontrol "
            "WHERE name = ?",
            (name,),
        )
        return rows[0] if rows else None


def start_site(tmp, env, seed):
    """A migrated database with the superuser and `seed` (Python for `manage.py shell`),
    runserver and runscheduler on it. -> Site; stop_site() ends it."""
    db = ProcessDatabase(tmp)
    env = {**db.env, "DEBUG": "true", **env}  # DEBUG: runserver serves the static files
    manage(
        "createsuperuser",
        "--no-input",
        f"--username={USERNAME}",
        "--email=admin@example.com",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        check=True,
    )
    manage("shell", "-c", seed, env=env, check=True)
    port = _free_port()
    server = Process("runserver", "--noreload", f"127.0.0.1:{port}", env=env, log_dir=tmp)
    scheduler = Process("runscheduler", env=env, log_dir=tmp)
    site = Site(f"http://127.0.0.1:{port}", db, server, scheduler)
    try:
        wait_until(lambda: _answers(f"{site.url}/healthz"), 60, "runserver to answer")
        scheduler.wait_for_output("Leader", timeout=60)
    except BaseException:
        stop_site(site)
        raise
    return site


def stop_site(site):
    site.scheduler.stop(timeout=20)
    site.server.stop(timeout=10)
    site.db.drop()


@pytest.fixture(scope="module")
def site(chromium_path, tmp_path_factory):
    """The test jobs (tick, sleepy, boom...) and a small catalog: for driving the console."""
    env = {"SLEEPY_ITEMS": "40", "SLEEPY_SECONDS": "0.25"}
    site = start_site(tmp_path_factory.mktemp("browser"), env, SEED)
    yield site
    stop_site(site)


LIBRARY_SEED = (Path(__file__).parent / "library_seed.py").read_text()


@pytest.fixture(scope="module")
def fake_qbittorrent_server():
    """A qBittorrent 5.2 Web API faked in this process, on a loopback port."""
    from pytest_httpserver import HTTPServer

    from catalog.tests.fakes.qbittorrent import FakeQbittorrent

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    fake = FakeQbittorrent(version="5.2").install(server)
    fake.url = server.url_for("").rstrip("/")
    yield fake
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(scope="module")
def library_site(chromium_path, tmp_path_factory, fake_qbittorrent_server):
    """A realistic library and the real jobs only, on their default schedules: for the
    README's screenshots and the fit-the-screen tests. qBittorrent is a loopback fake, so a
    download_monitor run that comes due meanwhile lists it as it would a real one."""
    from catalog.tests.fakes.qbittorrent import PASSWORD as QBIT_PASSWORD
    from catalog.tests.fakes.qbittorrent import USERNAME as QBIT_USERNAME

    tmp = tmp_path_factory.mktemp("library")
    shelf = tmp / "audiobooks"
    shelf.mkdir()
    env = {
        "EXTRA_JOBS": "",
        "LIBRARY_PATHS": str(shelf),
        "QBITTORRENT_URL": fake_qbittorrent_server.url,
        "QBITTORRENT_USERNAME": QBIT_USERNAME,
        "QBITTORRENT_PASSWORD": QBIT_PASSWORD,
    }
    site = start_site(tmp, env, LIBRARY_SEED)
    yield site
    stop_site(site)


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def logged_in(browser, site, width=1440, height=900):
    """A logged-in superuser's tab on `site`, the window `width` pixels wide."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    tab = context.new_page()
    tab.goto(f"{site.url}/admin/login/?next=/admin/")
    tab.fill("#id_username", USERNAME)
    tab.fill("#id_password", PASSWORD)
    tab.click("input[type=submit]")
    tab.wait_for_url(f"{site.url}/admin/")
    return tab


@pytest.fixture
def page(browser, site):
    """A logged-in superuser's tab."""
    tab = logged_in(browser, site)
    yield tab
    tab.context.close()


@pytest.fixture
def screenshot(tmp_path):
    """Screenshots of the main pages: into docs/screenshots/ with SAVE_SCREENSHOTS=1
    (to refresh the README's pictures), else into the test's temporary folder."""
    folder = SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name, full_page=True):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)

    return take
