"""runscheduler as it runs in production: real subprocesses against a real database.

Schedules use six-field cron (seconds first) so jobs fire within a test's few seconds.
Absence ("no more runs") can only be shown by waiting: those waits are a few seconds of
a job that would otherwise fire every second.
"""

import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from scheduling.tests.processes import manage, wait_until
from scheduling.tests.real_services import postgres_only

pytestmark = pytest.mark.slow

EVERY_SECOND = "* * * * * *"
LONG_SLEEPY = {"SLEEPY_ITEMS": 300, "SLEEPY_SECONDS": 0.1}  # 30 s unless stopped
LEADERS = (
    "SELECT pid FROM scheduling_schedulerprocess WHERE is_leader = ? AND stopped_at IS NULL",
    (True,),
)


@pytest.fixture
def leader(spawn):
    """Start a runscheduler and wait until it leads."""

    def start(**env):
        scheduler = spawn("runscheduler", **env)
        scheduler.wait_for_output("Leader")
        return scheduler

    return start


def completed(db, name):
    return [run for run in db.runs(name) if run["status"] == "completed"]


def wait_for_runs(db, name, count, timeout=20):
    return wait_until(lambda: len(completed(db, name)) >= count, timeout, f"{count} {name} runs")


def wait_for_running(db, name, timeout=20):
    return wait_until(
        lambda: [run for run in db.runs(name) if run["status"] == "running"],
        timeout,
        f"{name} running",
    )[0]


def run_now(db, name):
    db.shell(f"from scheduling.models import JobControl; JobControl.request_run({name!r}, 'test')")


def applied_paused(db, name):
    control = db.control(name)
    return (
        control is not None
        and control["applied_paused"] is not None
        and bool(control["applied_paused"])
    )


def no_new_runs_for(db, name, seconds):
    before = len(db.runs(name))
    time.sleep(seconds)
    return len(db.runs(name)) == before


def cron_at(moment):
    """A six-field cron expression that fires once, at this second (in UTC)."""
    return f"{moment.second} {moment.minute} {moment.hour} {moment.day} {moment.month} *"


# --- firing -----------------------------------------------------------------------------


def test_jobs_fire_at_their_cron_times(leader, process_db):
    scheduler = leader(TEST_TICK_TIME="*/2 * * * * *")
    wait_for_runs(process_db, "tick", 3)
    assert scheduler.stop() == 0
    runs = process_db.runs("tick")
    assert {run["trigger"] for run in runs} == {"schedule"}
    due = [run["scheduled_for"] for run in runs]
    assert all(moment.second % 2 == 0 and moment.microsecond == 0 for moment in due)
    assert len(set(due)) == len(due)
    assert all(run["actual_start"] >= run["scheduled_for"] for run in runs)


def test_a_run_now_request_runs_the_job_with_trigger_admin(leader, process_db):
    leader()
    run_now(process_db, "tick")
    wait_for_runs(process_db, "tick", 1, timeout=10)
    assert [run["trigger"] for run in process_db.runs("tick")] == ["admin"]
    assert process_db.control("tick")["run_requested_at"] is None


# --- pause and resume -------------------------------------------------------------------


def test_a_pause_reaches_a_running_scheduler_within_5_seconds(leader, process_db):
    leader(TEST_TICK_TIME=EVERY_SECOND)
    wait_for_runs(process_db, "tick", 1)
    manage("pausejob", "tick", env=process_db.env, check=True)
    wait_until(lambda: applied_paused(process_db, "tick"), 5, "the pause applied")
    time.sleep(1)  # a run submitted just before the pause may still open its row
    assert no_new_runs_for(process_db, "tick", 3)


def test_a_resume_reaches_a_running_scheduler_within_5_seconds(leader, process_db):
    leader(TEST_TICK_TIME=EVERY_SECOND)
    manage("pausejob", "tick", env=process_db.env, check=True)
    wait_until(lambda: applied_paused(process_db, "tick"), 5, "the pause applied")
    time.sleep(1)  # a run submitted just before the pause may still open its row
    assert no_new_runs_for(process_db, "tick", 3)  # paused: the runs have stopped
    # Only runs after the resume count: one that finished before the pause proves nothing.
    paused_with = len(completed(process_db, "tick"))
    manage("resumejob", "tick", env=process_db.env, check=True)
    wait_until(lambda: not applied_paused(process_db, "tick"), 5, "the resume applied")
    wait_for_runs(process_db, "tick", paused_with + 1, timeout=5)


def test_a_restart_keeps_a_paused_job_paused(leader, process_db):
    first = leader(TEST_TICK_TIME=EVERY_SECOND)
    manage("pausejob", "tick", env=process_db.env, check=True)
    wait_until(lambda: applied_paused(process_db, "tick"), 5, "the pause applied")
    assert first.stop() == 0
    leader(TEST_TICK_TIME=EVERY_SECOND)
    assert no_new_runs_for(process_db, "tick", 3)
    assert process_db.control("tick")["paused"]
    assert process_db.next_run_time("tick") is None


def test_a_job_paused_while_no_scheduler_ran_stays_paused_at_start(leader, process_db):
    manage("pausejob", "tick", env=process_db.env, check=True)
    leader(TEST_TICK_TIME=EVERY_SECOND)
    assert no_new_runs_for(process_db, "tick", 3)
    assert process_db.runs("tick") == []


def test_a_job_resumed_while_no_scheduler_ran_runs_after_start(leader, process_db):
    manage("pausejob", "tick", env=process_db.env, check=True)
    assert leader(TEST_TICK_TIME=EVERY_SECOND).stop() == 0
    manage("resumejob", "tick", env=process_db.env, check=True)
    leader(TEST_TICK_TIME=EVERY_SECOND)
    wait_for_runs(process_db, "tick", 1, timeout=5)


def test_a_schedule_override_reaches_a_running_scheduler(leader, process_db):
    leader()  # tick: once a year
    process_db.shell(
        "from scheduling.models import JobControl; "
        f"JobControl.objects.filter(name='tick').update(schedule_override={EVERY_SECOND!r})"
    )
    wait_for_runs(process_db, "tick", 2, timeout=10)
    assert {run["trigger"] for run in process_db.runs("tick")} == {"schedule"}


def test_a_job_switched_off_leaves_the_scheduler_at_its_next_start(leader, process_db):
    assert leader().stop() == 0
    leader(ENABLE_MAM_SCRAPING="false").wait_for_output("Removing job mam_scraping")

    def stored():
        return {row[0] for row in process_db.query("SELECT id FROM django_apscheduler_djangojob")}

    # The line is printed as the removal starts: its commit may come a moment later.
    wait_until(lambda: "mam_scraping" not in stored(), 5, "mam_scraping removed")
    assert "top10_discovery" in stored()


def test_a_scheduled_run_while_the_job_runs_elsewhere_is_recorded_as_skipped(
    spawn, leader, process_db
):
    spawn("runtask", "sleepy", **LONG_SLEEPY)
    wait_for_running(process_db, "sleepy")
    leader(TEST_SLEEPY_TIME=EVERY_SECOND)
    skipped = wait_until(
        lambda: [run for run in process_db.runs("sleepy") if run["status"] == "skipped"],
        10,
        "a skipped scheduled run",
    )
    assert skipped[0]["trigger"] == "schedule"
    assert "already running" in skipped[0]["error_message"]
    assert len([r for r in process_db.runs("sleepy") if r["status"] == "running"]) == 1


# --- crashes ----------------------------------------------------------------------------


def test_kill_9_of_the_scheduler_mid_run_leaves_a_row_the_next_start_closes(leader, process_db):
    crashed = leader(**LONG_SLEEPY)
    run_now(process_db, "sleepy")
    orphan = wait_for_running(process_db, "sleepy")
    crashed.kill9()
    assert process_db.runs("sleepy")[0]["status"] == "running"
    leader(SLEEPY_ITEMS=1)
    closed = wait_until(
        lambda: process_db.runs("sleepy")[0]["status"] == "failed", 10, "the orphan closed"
    )
    assert closed
    assert process_db.runs("sleepy")[0]["id"] == orphan["id"]
    assert process_db.runs("sleepy")[0]["error_message"].startswith("abandoned")
    run_now(process_db, "sleepy")
    wait_for_runs(process_db, "sleepy", 1)


def test_kill_9_of_runtask_mid_run_leaves_a_row_the_next_start_closes(spawn, process_db):
    crashed = spawn("runtask", "sleepy", **LONG_SLEEPY)
    wait_for_running(process_db, "sleepy")
    crashed.kill9()
    assert process_db.runs("sleepy")[0]["status"] == "running"
    env = {**process_db.env, "SLEEPY_ITEMS": "1"}
    assert manage("runtask", "sleepy", env=env).returncode == 0
    orphan, rerun = process_db.runs("sleepy")
    assert orphan["status"] == "failed"
    assert orphan["error_message"].startswith("abandoned")
    assert rerun["status"] == "completed"


# --- one leader -------------------------------------------------------------------------


def test_two_schedulers_give_one_leader_and_one_standby(leader, spawn, process_db):
    first = leader()
    second = spawn("runscheduler")
    second.wait_for_output("Standby")
    wait_until(lambda: process_db.query(*LEADERS), 5, "the leader's heartbeat")
    assert "Standby" not in first.output()
    assert "Leader" not in second.output()
    assert process_db.query(*LEADERS) == [(first.pid,)]
    assert second.stop() == 0


def test_killing_the_leader_hands_over_without_running_anything_twice(leader, spawn, process_db):
    first = leader(TEST_TICK_TIME=EVERY_SECOND)
    standby = spawn("runscheduler", TEST_TICK_TIME=EVERY_SECOND)
    standby.wait_for_output("Standby")
    wait_for_runs(process_db, "tick", 2)
    first.kill9()
    standby.wait_for_output("Leader", timeout=10)
    handed_over = len(process_db.runs("tick"))
    wait_until(lambda: len(completed(process_db, "tick")) >= handed_over + 2, 10, "runs")
    assert standby.stop() == 0
    twice = Counter(run["scheduled_for"] for run in process_db.runs("tick"))
    assert [moment for moment, count in twice.items() if count > 1] == []


def test_the_scheduler_records_its_heartbeat_and_its_stop(leader, process_db):
    scheduler = leader()
    beat = wait_until(lambda: process_db.query(*LEADERS), 5, "the leader's row")
    assert beat == [(scheduler.pid,)]
    assert scheduler.stop() == 0
    assert process_db.query(*LEADERS) == []


@postgres_only("drops the server's connections")
def test_the_scheduler_carries_on_after_its_database_connections_drop(leader, process_db):
    scheduler = leader(TEST_TICK_TIME=EVERY_SECOND)
    wait_for_runs(process_db, "tick", 1)
    process_db._pg_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{process_db.pg_name}' AND pid <> pg_backend_pid()"
    )
    after = len(process_db.runs("tick"))
    wait_until(lambda: len(completed(process_db, "tick")) >= after + 3, 20, "runs after the drop")
    run_now(process_db, "tick")
    wait_until(
        lambda: any(run["trigger"] == "admin" for run in completed(process_db, "tick")),
        10,
        "a run-now after the drop",
    )
    assert scheduler.popen.poll() is None


# --- stopping ---------------------------------------------------------------------------


def test_sigterm_mid_run_closes_the_row_and_releases_the_lock(leader, process_db):
    scheduler = leader(SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS=1, **LONG_SLEEPY)
    run_now(process_db, "sleepy")
    wait_for_running(process_db, "sleepy")
    scheduler.signal(signal.SIGTERM)
    assert scheduler.popen.wait(timeout=30) == 0
    assert process_db.runs("sleepy")[0]["status"] in ("completed", "cancelled", "failed")
    leader()  # takes the lock at once: wait_for_output's own timeout bounds it


def test_sigterm_waits_for_a_run_that_ends_within_the_timeout(leader, process_db):
    scheduler = leader(SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS=60, SLEEPY_ITEMS=15, SLEEPY_SECONDS=0.2)
    run_now(process_db, "sleepy")
    wait_for_running(process_db, "sleepy")
    scheduler.signal(signal.SIGTERM)
    assert scheduler.popen.wait(timeout=30) == 0
    assert "Waiting up to 60s for 1 running job(s)." in scheduler.output()
    assert [run["status"] for run in process_db.runs("sleepy")] == ["completed"]


def test_sigint_stops_the_scheduler_cleanly(leader):
    scheduler = leader()
    scheduler.signal(signal.SIGINT)
    assert scheduler.popen.wait(timeout=30) == 0
    assert "Scheduler stopped." in scheduler.output()


# --- downtime ---------------------------------------------------------------------------


def down_past(leader, process_db, grace):
    """Register tick to fire once, a few seconds ahead; be down when it is due.

    Returns the due time and the environment to start the scheduler again with.
    """
    due = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    env = {"TEST_TICK_TIME": cron_at(due), "TEST_MISFIRE_GRACE": grace, "TIME_ZONE": "UTC"}
    assert leader(**env).stop() == 0
    assert process_db.next_run_time("tick") == due, "registered and stopped before it was due"
    time.sleep(max(0, (due - datetime.now(UTC)).total_seconds()) + 2.5)
    return due, env


def test_a_run_missed_beyond_its_grace_is_recorded_as_skipped(leader, process_db):
    due, env = down_past(leader, process_db, grace=1)
    leader(**env)
    missed = wait_until(lambda: process_db.runs("tick"), 10, "a row for the missed run")
    assert [run["status"] for run in missed] == ["skipped"]
    assert missed[0]["error_message"].startswith("Missed")
    assert missed[0]["scheduled_for"] == due


def test_a_run_missed_within_its_grace_runs_once_at_start(leader, process_db):
    due, env = down_past(leader, process_db, grace=60)
    leader(**env)
    wait_for_runs(process_db, "tick", 1, timeout=10)
    runs = process_db.runs("tick")
    assert [(run["status"], run["scheduled_for"]) for run in runs] == [("completed", due)]


def test_a_scheduler_down_across_several_due_times_leaves_a_row_for_each(leader, process_db):
    env = {"TEST_TICK_TIME": "*/2 * * * * *", "TEST_MISFIRE_GRACE": 60, "TIME_ZONE": "UTC"}
    assert leader(**env).stop() == 0
    first_due = process_db.next_run_time("tick")
    time.sleep(max(0, (first_due - datetime.now(UTC)).total_seconds()) + 6.5)  # four due times
    leader(**env)
    runs = wait_until(
        lambda: (
            [run for run in process_db.runs("tick") if run["status"] == "completed"]
            and process_db.runs("tick")
        ),
        15,
        "the catch-up run",
    )
    caught_up = next(index for index, run in enumerate(runs) if run["status"] == "completed")
    missed = runs[:caught_up]
    assert len(missed) >= 3
    assert {run["status"] for run in missed} == {"skipped"}
    assert all(run["error_message"].startswith("Missed") for run in missed)
    dues = [run["scheduled_for"] for run in runs[: caught_up + 1]]
    assert dues == [first_due + timedelta(seconds=2 * k) for k in range(len(dues))]


def test_once_runs_the_jobs_that_are_due(process_db):
    # Due once, a few seconds ahead: with an every-2-seconds schedule a slow start of the
    # second --once let two due times pass, and the earlier one is then (rightly) "Missed".
    due = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    env = {**process_db.env, "TEST_TICK_TIME": cron_at(due), "TIME_ZONE": "UTC"}
    manage("runscheduler", "--once", env=env, check=True)  # registers: tick due at `due`
    assert process_db.next_run_time("tick") == due, "registered before it was due"
    assert process_db.runs("tick") == []
    time.sleep(max(0, (due - datetime.now(UTC)).total_seconds()) + 0.5)
    manage("runscheduler", "--once", env=env, check=True)
    runs = process_db.runs("tick")
    assert [(run["status"], run["scheduled_for"]) for run in runs] == [("completed", due)]


def test_once_runs_the_requested_run_nows(process_db):
    run_now(process_db, "tick")
    manage("runscheduler", "--once", env=process_db.env, check=True)
    assert [(r["status"], r["trigger"]) for r in process_db.runs("tick")] == [
        ("completed", "admin")
    ]
