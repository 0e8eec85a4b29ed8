"""A database that fills up or turns read-only under a real `runtask` process.

The job is top10_discovery against a fake MyAnonamouse served from the test process; the
database is the process tests' own (SQLite file or PostgreSQL). A full disk is a trigger that
raises the error a full disk raises (SQLite's "database or disk is full", PostgreSQL's
disk_full "No space left on device") once two books have their authors; a read-only database
is PostgreSQL's default_transaction_read_only with the process's sessions cut. Each must end
in a clear failure, a closed row and no half-written book.
"""

import json
import os
import shutil
import subprocess
import time

import pytest
from django.db import connections
from pytest_httpserver import HTTPServer
from werkzeug import Response

from catalog.tests.fakes import mam_item, mam_page
from scheduling.tests.processes import manage, using_postgres, wait_until
from scheduling.tests.real_services import postgres_only, require

pytestmark = pytest.mark.slow

SQLITE_DISK_FULL = """
CREATE TRIGGER disk_full BEFORE INSERT ON catalog_book_authors
WHEN (SELECT count(*) FROM catalog_book_authors) >= 2
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END
"""
PG_DISK_FULL = [
    """
    CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT count(*) FROM catalog_book_authors) >= 2 THEN
            RAISE EXCEPTION 'could not extend file "base/16384/16402": No space left on device'
                USING ERRCODE = 'disk_full';
        END IF;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER disk_full BEFORE INSERT ON catalog_book_authors "
    "FOR EACH ROW EXECUTE FUNCTION disk_full()",
]
HALF_WRITTEN = (
    "SELECT count(*) FROM catalog_book b WHERE NOT EXISTS "
    "(SELECT 1 FROM catalog_book_authors a WHERE a.book_id = b.id)"
)


@pytest.fixture
def mam_env(process_db):
    """A fake MAM whose every search answers five new releases of one genre, per genre asked."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.delay = 0

    def search(request):
        time.sleep(server.delay)
        category = int(request.args.get("tor[cat][]", 41))
        items = [
            mam_item(category * 100 + n, f"Hit {category}-{n}", authors=[f"Writer {category}-{n}"])
            for n in range(5)
        ]
        return Response(json.dumps(mam_page(items)), content_type="application/json")

    server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_handler(search)
    server.start()
    for category in (41, 42, 43, 44):
        process_db.execute(
            "INSERT INTO catalog_genre (name, mam_category_id, discovery_enabled) VALUES (?, ?, ?)",
            (f"Genre {category}", category, True),
        )
    yield (
        server,
        {
            "MAM_URL": server.url_for("").rstrip("/"),
            "MAM_SESSION_ID": "session-one",
            "MAM_REQUESTS_PER_SECOND": "0",
            "HTTP_RETRIES": "0",
        },
    )
    server.clear()
    server.stop()


def count(db, sql):
    return db.query(sql)[0][0]


def test_a_full_disk_mid_run_fails_the_run_clearly_and_leaves_no_half_written_book(
    process_db, mam_env
):
    for statement in PG_DISK_FULL if using_postgres() else [SQLITE_DISK_FULL]:
        process_db.execute(statement)
    message = "No space left on device" if using_postgres() else "database or disk is full"
    _, env = mam_env
    result = manage("runtask", "top10_discovery", env={**process_db.env, **env})
    assert result.returncode == 1
    assert "top10_discovery failed" in result.stdout
    assert message in result.stderr
    [(_, _, status, _, error)] = process_db.tasks("top10_discovery")
    assert status == "failed" and message in error.splitlines()[0]
    assert count(process_db, "SELECT count(*) FROM catalog_book") == 2
    assert count(process_db, HALF_WRITTEN) == 0


@postgres_only("default_transaction_read_only")
def test_a_database_turned_read_only_mid_run_fails_the_run_and_its_row_is_still_closed(
    process_db, mam_env, spawn
):
    server, env = mam_env
    server.delay = 1  # each genre's search takes a second: time to act mid-run
    running = spawn("runtask", "top10_discovery", **env)
    wait_until(lambda: count(process_db, "SELECT count(*) FROM catalog_book"), 30, "a book")
    name = process_db.pg_name
    process_db._pg_admin(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    process_db._pg_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    running.wait_for_output("read-only transaction", timeout=30)
    process_db._pg_admin(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    assert running.popen.wait(timeout=30) == 1
    assert "top10_discovery failed" in running.output()
    assert [row[2] for row in process_db.tasks("top10_discovery")] == ["failed"]
    assert count(process_db, HALF_WRITTEN) == 0


@postgres_only("default_transaction_read_only")
def test_runtask_on_a_database_read_only_from_the_start_says_so_in_one_line(process_db):
    name = process_db.pg_name
    process_db._pg_admin(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    try:
        result = manage("runtask", "tick", env=process_db.env)
    finally:
        process_db._pg_admin(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    assert result.returncode == 1
    assert "tick did not start: the database refused its Task row" in result.stderr
    assert "read-only transaction" in result.stderr
    assert "Traceback" not in result.stderr
    assert process_db.tasks("tick") == []


def cut_connections(process_db):
    process_db._pg_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{process_db.pg_name}' AND pid <> pg_backend_pid()"
    )


def restart_server(process_db):
    """A real restart of the local PostgreSQL: every connection dropped, new ones refused
    until it is back."""
    version = os.listdir("/etc/postgresql")[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )
    # This test process's own connections died with the server: reconnect on next use.
    connections.close_all()


def can_restart_postgres():
    return (
        shutil.which("pg_ctlcluster")
        and os.path.isdir("/etc/postgresql")
        and os.geteuid() == 0
        and os.environ.get("DATABASE_URL", "").split("@")[-1].startswith(("127.0.0.1", "localhost"))
    )


@pytest.mark.parametrize(
    "outage",
    [
        pytest.param(
            cut_connections, marks=postgres_only("its connections cut"), id="connections-cut"
        ),
        pytest.param(
            restart_server, marks=postgres_only("a server restart"), id="server-restarted"
        ),
    ],
)
def test_a_database_outage_mid_run_closes_the_row_and_the_next_runs_happen(
    process_db, spawn, outage
):
    if outage is restart_server:
        require(can_restart_postgres(), "restarting PostgreSQL needs root and its local cluster")
    scheduler = spawn(
        "runscheduler", TEST_TICK_TIME="*/2 * * * * *", SLEEPY_ITEMS=40, SLEEPY_SECONDS=0.2
    )
    scheduler.wait_for_output("Leader")
    process_db.shell(
        "from scheduling.models import JobControl; JobControl.request_run('sleepy', 'staff')"
    )
    wait_until(lambda: running(process_db, "sleepy"), 20, "sleepy under way")
    outage(process_db)
    closed = wait_until(
        lambda: [r for r in process_db.runs("sleepy") if r["status"] != "running"], 30, "closed"
    )
    assert closed[0]["status"] in ("failed", "completed")
    after = len(process_db.runs("tick"))
    # The scheduler stands down, lets the running job end, then leads again: on a loaded
    # machine that once took over 30 s after a server restart.
    wait_until(lambda: len(process_db.runs("tick")) >= after + 2, 90, "ticks after the outage")
    assert scheduler.popen.poll() is None
    assert running(process_db, "sleepy") == []


def running(db, name):
    return [run for run in db.runs(name) if run["status"] == "running"]
