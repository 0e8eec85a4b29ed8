"""Many starters, one database: every due run happens once, and every refusal is visible.

Real processes only: a runscheduler (whose cron fires and whose poll takes the admin's Run
now), a `manage.py shell` calling JobControl.request_run as the admin's button does, and a
`runtask` on the command line, against one database. Related process tests elsewhere:
test_scheduler_process.py (kill -9 of runscheduler and of runtask, leader handover,
SIGTERM/SIGINT, PostgreSQL dropping connections) and test_commands.py (two runtask at once).
"""

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from scheduling.tests.processes import wait_until

pytestmark = pytest.mark.slow

EVERY_TWO_SECONDS = "*/2 * * * * *"
TWO_SCHEDULERS_SECONDS = 60


def cron_at(moment):
    """A six-field cron expression that fires once, at this second (in UTC)."""
    return f"{moment.second} {moment.minute} {moment.hour} {moment.day} {moment.month} *"


def sleep_until(moment):
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def finished(runs, count):
    """The rows, once there are `count` of them and none is running; else None."""
    if len(runs) == count and all(run["status"] != "running" for run in runs):
        return runs
    return None


def test_the_scheduler_the_admin_and_the_cli_starting_one_job_at_once_give_one_run(
    spawn, process_db
):
    due = (datetime.now(UTC) + timedelta(seconds=10)).replace(microsecond=0)
    env = {"TEST_SLEEPY_TIME": cron_at(due), "TIME_ZONE": "UTC"}
    env |= {"SLEEPY_ITEMS": 16, "SLEEPY_SECONDS": 0.5}  # runs 8 s: all three meet it
    spawn("runscheduler", **env).wait_for_output("Leader")
    registered = wait_until(lambda: process_db.next_run_time("sleepy"), 10, "sleepy registered")
    assert registered == due, "registered before it was due"
    sleep_until(due - timedelta(seconds=1))  # each command takes about a second to start
    cli = spawn("runtask", "sleepy", **env)
    spawn(
        "shell",
        "-c",
        "from scheduling.models import JobControl; JobControl.request_run('sleepy', 'staff')",
    )
    assert cli.popen.wait(timeout=30) in (0, 3)
    runs = wait_until(lambda: finished(process_db.runs("sleepy"), 3), 30, "three closed rows")
    assert sorted(run["status"] for run in runs) == ["completed", "skipped", "skipped"]
    assert {run["trigger"] for run in runs} == {"schedule", "admin", "cli"}
    refusals = [run for run in runs if run["status"] == "skipped"]
    assert all("Skipped: sleepy is already running (task #" in r["error_message"] for r in refusals)
    cli_row = next(run for run in runs if run["trigger"] == "cli")
    assert cli.popen.returncode == (0 if cli_row["status"] == "completed" else 3)


def test_two_schedulers_for_a_minute_run_every_due_time_exactly_once(spawn, process_db):
    env = {"TEST_TICK_TIME": EVERY_TWO_SECONDS, "TIME_ZONE": "UTC"}
    first = spawn("runscheduler", **env)
    first.wait_for_output("Leader")
    second = spawn("runscheduler", **env)
    second.wait_for_output("Standby")
    time.sleep(TWO_SCHEDULERS_SECONDS)
    assert "Leader" not in second.output()
    assert second.stop() == 0
    assert first.stop() == 0
    runs = process_db.runs("tick")
    due = [run["scheduled_for"] for run in runs]
    assert [moment for moment, times in Counter(due).items() if times > 1] == []
    expected = [min(due) + timedelta(seconds=s) for s in range(0, 1 + 2 * (len(due) - 1), 2)]
    assert sorted(due) == expected, "every due time from the first to the last, once"
    assert len(due) >= TWO_SCHEDULERS_SECONDS // 2 - 3
    assert {run["status"] for run in runs} == {"completed"}
