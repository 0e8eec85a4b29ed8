"""The shell commands: runtask (and its exit codes), showjobs, pausejob and resumejob.

Exit codes are what scripts see, so they are checked on real `manage.py` processes;
the printed content is checked in process with call_command.
"""

import json
import signal
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scheduling.models import JobControl, Task
from scheduling.tests.processes import manage, wait_until

RUNTASK_WAITS = {"SLEEPY_ITEMS": 8, "SLEEPY_SECONDS": 0.5}  # about 4 s: time to act on it


@pytest.fixture
def jobs(settings):
    settings.EXTRA_JOBS = "scheduling.tests.jobs"
    settings.TIME_ZONE = "Europe/Berlin"


def command(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def progress(db, name):
    rows = db.query("SELECT items_processed FROM scheduling_task WHERE task_name = ?", (name,))
    return rows and rows[0][0]


def showjobs_json(*args):
    return {row["name"]: row for row in json.loads(command("showjobs", "--json", *args))}


# --- runtask: exit codes (real processes) -----------------------------------------------


def test_runtask_exits_0_and_prints_a_summary_when_the_job_completes(process_db):
    result = manage("runtask", "tick", env=process_db.env)
    assert result.returncode == 0, result.stderr
    assert "tick completed" in result.stdout
    assert "3 of 3 items processed, 3 succeeded, 0 failed" in result.stdout
    assert [row[2:4] for row in process_db.tasks("tick")] == [("completed", "cli")]


def test_runtask_exits_1_and_shows_the_error_when_the_job_fails(process_db):
    result = manage("runtask", "boom", env=process_db.env)
    assert result.returncode == 1
    assert "boom failed" in result.stdout
    assert "the job blew up" in result.stderr
    assert process_db.tasks("boom")[0][2] == "failed"


def test_runtask_exits_2_for_an_unknown_job_and_lists_the_valid_names(process_db):
    result = manage("runtask", "no_such_job", env=process_db.env)
    assert result.returncode == 2
    assert "unknown job 'no_such_job'" in result.stderr
    assert "mam_scraping" in result.stderr and "tick" in result.stderr
    assert process_db.tasks() == []


def test_runtask_exits_4_for_a_disabled_job_and_names_its_flag(process_db):
    result = manage("runtask", "switched_off", env=process_db.env)
    assert result.returncode == 4
    assert "ENABLE_TEST_SWITCHED_OFF" in result.stderr
    assert "--force" in result.stderr
    assert process_db.tasks() == []


def test_runtask_force_runs_a_disabled_job(process_db):
    result = manage("runtask", "switched_off", "--force", env=process_db.env)
    assert result.returncode == 0, result.stderr
    assert process_db.tasks("switched_off")[0][2] == "completed"


def test_two_runtask_of_one_job_at_once_give_one_run_and_one_refusal(spawn, process_db):
    first = spawn("runtask", "sleepy", **RUNTASK_WAITS)
    second = spawn("runtask", "sleepy", **RUNTASK_WAITS)
    codes = sorted([first.popen.wait(timeout=60), second.popen.wait(timeout=60)])
    assert codes == [0, 3]
    refused = first if first.popen.returncode == 3 else second
    assert "Skipped: sleepy is already running (task #" in refused.output()
    statuses = sorted(row[2] for row in process_db.tasks("sleepy"))
    assert statuses == ["completed", "skipped"]


def test_runtask_exits_3_while_the_job_runs_elsewhere(spawn, process_db):
    spawn("runtask", "sleepy", **RUNTASK_WAITS)
    wait_until(lambda: process_db.tasks("sleepy"), 30, "sleepy running")
    result = manage("runtask", "sleepy", env=process_db.env)
    assert result.returncode == 3
    assert "sleepy is already running" in result.stderr


def test_runtask_cancel_stops_a_running_job(spawn, process_db):
    running = spawn("runtask", "sleepy", SLEEPY_ITEMS=200, SLEEPY_SECONDS=0.1)
    wait_until(lambda: process_db.tasks("sleepy"), 30, "sleepy running")
    result = manage("runtask", "--cancel", "sleepy", env=process_db.env)
    assert result.returncode == 0, result.stderr
    assert "Cancel requested for task #" in result.stdout
    assert running.popen.wait(timeout=30) == 1
    assert process_db.tasks("sleepy")[0][2] == "cancelled"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_runtask_interrupted_closes_its_row_as_cancelled_and_exits_1(spawn, process_db, sig):
    running = spawn("runtask", "sleepy", SLEEPY_ITEMS=200, SLEEPY_SECONDS=0.1)
    wait_until(lambda: progress(process_db, "sleepy"), 30, "sleepy under way")
    running.signal(sig)
    assert running.popen.wait(timeout=30) == 1
    assert "sleepy interrupted" in running.output()
    assert process_db.tasks("sleepy")[0][2] == "cancelled", running.output()[-3000:]


def test_runtask_cancel_of_a_job_that_is_not_running_exits_1(process_db):
    result = manage("runtask", "--cancel", "sleepy", env=process_db.env)
    assert result.returncode == 1
    assert "sleepy is not running" in result.stderr


# --- runtask --list ---------------------------------------------------------------------


@pytest.mark.django_db
def test_runtask_list_prints_every_job_name(jobs):
    names = [line.split()[0] for line in command("runtask", "--list").splitlines()]
    assert names[:7] == [
        "mam_scraping",
        "top10_discovery",
        "metadata_full_refresh",
        "metadata_new_books",
        "series_completion",
        "author_completion",
        "cleanup_old_tasks",
    ]
    assert "tick" in names


@pytest.mark.django_db
def test_runtask_list_marks_disabled_jobs(jobs):
    lines = command("runtask", "--list").splitlines()
    assert any(line.startswith("switched_off") and "(disabled)" in line for line in lines)


# --- showjobs ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_showjobs_prints_each_job_with_its_schedule_in_words(jobs):
    out = command("showjobs")
    assert "mam_scraping\n  MyAnonamouse new releases\n  schedule: 0 2 * * *  (At 02:00)" in out
    assert "cleanup_old_tasks" in out
    assert "last run: never" in out


@pytest.mark.django_db
def test_showjobs_says_when_a_job_is_paused_or_disabled(jobs):
    JobControl.set_paused("tick", True)
    out = command("showjobs")
    tick = out.split("tick\n", 1)[1].split("\n\n", 1)[0]
    assert "state: enabled, paused" in tick
    assert "disabled (ENABLE_TEST_SWITCHED_OFF)" in out


@pytest.mark.django_db
def test_showjobs_json_has_the_documented_fields(jobs):
    row = showjobs_json()["mam_scraping"]
    assert row["name"] == "mam_scraping"
    assert row["title"] == "MyAnonamouse new releases"
    assert row["schedule"] == "0 2 * * *"
    assert row["description"] == "At 02:00"
    assert row["enabled"] is True
    assert row["paused"] is False
    assert row["last_run"] is None
    assert len(row["next_runs"]) == 1


@pytest.mark.django_db
def test_showjobs_json_next_runs_are_local_times_with_utc_offsets(jobs):
    nexts = showjobs_json("--next", "3")["mam_scraping"]["next_runs"]
    moments = [datetime.fromisoformat(text) for text in nexts]
    assert len(moments) == 3
    assert all(moment.utcoffset() in (timedelta(hours=1), timedelta(hours=2)) for moment in moments)
    assert all((moment.hour, moment.minute) == (2, 0) for moment in moments)
    assert moments == sorted(moments) and moments[0] > timezone.now()


@pytest.mark.django_db
def test_showjobs_json_has_no_next_runs_for_a_paused_job(jobs):
    JobControl.set_paused("mam_scraping", True)
    row = showjobs_json()["mam_scraping"]
    assert row["paused"] is True
    assert row["next_runs"] == []


@pytest.mark.django_db
def test_showjobs_json_has_no_next_runs_for_a_disabled_job(jobs, settings):
    settings.FEATURE_FLAGS = {**settings.FEATURE_FLAGS, "ENABLE_MAM_SCRAPING": False}
    row = showjobs_json()["mam_scraping"]
    assert row["enabled"] is False
    assert row["next_runs"] == []


@pytest.mark.django_db
def test_showjobs_json_shows_the_last_finished_run(jobs):
    started = timezone.now() - timedelta(hours=1)
    Task.objects.create(
        task_name="tick",
        status=Task.FAILED,
        trigger=Task.SCHEDULE,
        actual_start=started,
        duration_seconds=12.5,
        date_created=started,
    )
    last = showjobs_json()["tick"]["last_run"]
    assert last["status"] == "failed"
    assert datetime.fromisoformat(last["started"]) == started
    assert last["duration_seconds"] == 12.5


@pytest.mark.django_db
def test_showjobs_json_uses_staffs_schedule_override(jobs):
    JobControl.objects.create(name="mam_scraping", schedule_override="30 5 * * 1")
    row = showjobs_json()["mam_scraping"]
    assert row["schedule"] == "30 5 * * 1"
    assert datetime.fromisoformat(row["next_runs"][0]).strftime("%a %H:%M") == "Mon 05:30"


# --- pausejob and resumejob -------------------------------------------------------------


@pytest.mark.django_db
def test_pausejob_writes_the_paused_wish(jobs):
    assert command("pausejob", "tick").strip() == "tick paused."
    control = JobControl.objects.get(name="tick")
    assert control.paused is True
    assert control.pending_change


@pytest.mark.django_db
def test_resumejob_clears_the_paused_wish(jobs):
    JobControl.set_paused("tick", True)
    assert command("resumejob", "tick").strip() == "tick resumed."
    assert JobControl.objects.get(name="tick").paused is False


@pytest.mark.django_db
def test_pausejob_refuses_an_unknown_job(jobs):
    with pytest.raises(CommandError, match="unknown job 'nope'") as error:
        command("pausejob", "nope")
    assert error.value.returncode == 2
    assert not JobControl.objects.exists()
