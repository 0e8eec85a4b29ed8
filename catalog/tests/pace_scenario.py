"""The scheduler and two `runtask`s searching one fake MAM at once (test and bench).

Returns the moments (time.monotonic() of the fake) at which the fake saw each search.
"""

import json
import logging
import threading
import time

from pytest_httpserver import HTTPServer
from werkzeug import Response

from scheduling.tests.processes import Process, ProcessDatabase, manage, wait_until

NO_RESULTS = {"error": "Nothing returned, out of 0"}


def searches_seen(tmp_path, rate, searches=8):
    """Run mam_probe_a in runscheduler (run now) and _b, _c by runtask; return arrivals."""
    arrivals, lock = [], threading.Lock()

    def search(request):
        with lock:
            arrivals.append(time.monotonic())
        return Response(json.dumps(NO_RESULTS), content_type="application/json")

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per search
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_handler(search)
    server.start()
    database = ProcessDatabase(tmp_path)
    env = {
        **database.env,
        "EXTRA_JOBS": "catalog.tests.jobs",
        "MAM_URL": server.url_for("").rstrip("/"),
        "MAM_SESSION_ID": "pace-test-session",
        "MAM_REQUESTS_PER_SECOND": str(rate),
        "HTTP_RETRIES": "0",
        "MAM_PROBE_SEARCHES": str(searches),
    }
    processes = []
    try:
        scheduler = Process("runscheduler", env=env, log_dir=tmp_path)
        processes.append(scheduler)
        scheduler.wait_for_output("Leader", timeout=60)
        code = (
            "from scheduling.models import JobControl; JobControl.request_run('mam_probe_a', 't')"
        )
        manage("shell", "-c", code, env=env, check=True)
        for name in ("mam_probe_b", "mam_probe_c"):
            processes.append(Process("runtask", name, env=env, log_dir=tmp_path))
        wait_until(lambda: len(arrivals) >= 3 * searches, 120, f"{3 * searches} searches")
        done = "SELECT COUNT(*) FROM scheduling_task WHERE status = 'completed'"
        wait_until(lambda: database.query(done)[0][0] >= 3, 60, "three completed runs")
    finally:
        for process in processes:
            process.stop(timeout=15)
        server.clear()
        server.stop()
        database.drop()
    return sorted(arrivals)


def most_in_any_window(moments, seconds=1.0):
    """The most arrivals in any window [t, t + seconds) that starts at an arrival."""
    return max(
        (
            sum(1 for other in moments[i:] if other < moment + seconds)
            for i, moment in enumerate(moments)
        ),
        default=0,
    )


def observed_rate(moments):
    """Requests per second over the run: (n - 1) gaps over the time they span."""
    span = moments[-1] - moments[0] if len(moments) > 1 else 0
    return (len(moments) - 1) / span if span else float("inf")
