"""Bad input to the scheduler: an invalid schedule override, names of jobs that do not exist.

The admin's form validates an override, but the row can still be written by the shell, by
SQL, or by an older version of the form: the scheduler must keep going on the job's last good
schedule and say why, not crash. runtask's exit 2 for an unknown name is covered in
test_commands.py (test_runtask_exits_2_for_an_unknown_job_and_lists_the_valid_names).
"""

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from scheduling import registry
from scheduling.host import SchedulerHost, run_scheduled, schedule_of
from scheduling.models import JobControl, SchedulerProcess, Task, this_host
from scheduling.runner import run_task
from scheduling.tests.processes import manage, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

BAD = "61 * * * *"
GOOD = "*/5 * * * *"


@pytest.fixture
def test_jobs(settings):
    settings.EXTRA_JOBS = "scheduling.tests.jobs"
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def host(test_jobs):
    """A leading SchedulerHost, its APScheduler started paused (nothing fires by itself)."""
    said = []
    host = SchedulerHost(out=said.append)
    host.said = said
    host.process = SchedulerProcess.objects.create(host=this_host(), pid=os.getpid())
    host.scheduler = host._build_scheduler()
    host.run_now_pool = ThreadPoolExecutor(max_workers=1)
    host.scheduler.start(paused=True)
    yield host
    host.scheduler.shutdown(wait=False)
    host.run_now_pool.shutdown(wait=True)


def override(name, expression):
    JobControl.objects.update_or_create(name=name, defaults={"schedule_override": expression})


def stored_trigger(host, name):
    return str(host.scheduler.get_job(name).trigger)


def test_an_invalid_override_leaves_the_running_scheduler_on_the_last_good_schedule(host):
    host.register_jobs()
    override("tick", GOOD)
    host.poll()
    good = stored_trigger(host, "tick")
    override("tick", BAD)
    host.poll()
    assert stored_trigger(host, "tick") == good
    assert JobControl.objects.get(name="tick").applied_schedule == GOOD


def test_an_invalid_override_is_reported_once_naming_the_job_and_the_value(host, caplog):
    host.register_jobs()
    override("tick", BAD)
    with caplog.at_level(logging.ERROR, logger="scheduling.scheduler"):
        host.poll()
        host.poll()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "tick" in errors[0] and repr(BAD) in errors[0]
    assert "minute: 61 is outside 0-59" in errors[0]


def test_an_invalid_override_at_start_up_falls_back_to_the_jobs_setting(host):
    override("tick", "banana")
    host.register_jobs()
    assert host.scheduler.get_job("tick") is not None
    assert JobControl.objects.get(name="tick").applied_schedule == "0 0 1 1 *"


def test_the_other_jobs_still_get_their_overrides_applied(host):
    host.register_jobs()
    override("tick", BAD)
    override("boom", GOOD)
    host.poll()
    assert JobControl.objects.get(name="boom").applied_schedule == GOOD


def test_a_corrected_override_is_applied_after_an_invalid_one(host):
    host.register_jobs()
    override("tick", BAD)
    host.poll()
    override("tick", GOOD)
    host.poll()
    assert JobControl.objects.get(name="tick").applied_schedule == GOOD


def test_a_scheduled_run_still_records_its_row_when_the_override_went_bad(test_jobs):
    JobControl.objects.create(name="tick", schedule_override=BAD, applied_schedule="0 0 1 1 *")
    cron_time = datetime(2025, 1, 1, tzinfo=UTC)
    run_scheduled("tick", fired_for=cron_time + timedelta(seconds=1))
    task = Task.objects.get(task_name="tick")
    assert (task.status, task.scheduled_for) == (Task.COMPLETED, cron_time)


def test_showjobs_shows_the_schedule_in_force_when_the_override_is_invalid(test_jobs):
    JobControl.objects.create(name="tick", schedule_override=BAD, applied_schedule=GOOD)
    out = StringIO()
    call_command("showjobs", "--json", stdout=out)
    assert f'"schedule": "{GOOD}"' in out.getvalue()
    assert schedule_of(registry.get("tick")) == GOOD


# --- names of jobs that do not exist -------------------------------------------------------


def test_a_run_now_request_for_a_job_that_no_longer_exists_is_cleared_and_runs_nothing(host):
    host.register_jobs()
    JobControl.objects.create(name="retired_job", run_requested_at=datetime.now(UTC))
    host.poll()
    host.run_now_pool.shutdown(wait=True)
    assert Task.objects.count() == 0
    assert JobControl.objects.get(name="retired_job").run_requested_at is None
    wait_until(lambda: any("retired_job" in line for line in host.said), 1, "a word about it")


def test_run_task_refuses_an_unknown_name_before_writing_a_row(test_jobs):
    with pytest.raises(registry.UnknownJob, match="unknown job 'no_such_job'; valid names: "):
        run_task("no_such_job", Task.CLI)
    assert Task.objects.count() == 0


# --- the same, in real runscheduler processes ------------------------------------------------


@pytest.mark.slow
def test_a_running_scheduler_given_invalid_overrides_keeps_running_the_job(spawn, process_db):
    process_db.shell(
        "from scheduling.models import JobControl; "
        "JobControl.objects.create(name='tick', schedule_override='* * * * * * *')"
    )
    scheduler = spawn("runscheduler", TEST_TICK_TIME="* * * * * *")
    scheduler.wait_for_output("Leader")
    wait_until(lambda: len(completed_runs(process_db, "tick")) >= 2, 20, "two tick runs")
    process_db.execute("UPDATE scheduling_jobcontrol SET schedule_override = ?", ("99 * * * *",))
    seen = len(completed_runs(process_db, "tick"))
    wait_until(lambda: len(completed_runs(process_db, "tick")) >= seen + 2, 20, "two more")
    assert scheduler.popen.poll() is None
    output = scheduler.output()
    assert "Schedule override of tick ignored: '* * * * * * *' is not standard cron" in output
    assert "Schedule override of tick ignored: '99 * * * *' is not standard cron" in output


@pytest.mark.slow
def test_runscheduler_once_clears_a_run_now_of_a_job_that_no_longer_exists(process_db):
    process_db.shell(
        "from scheduling.models import JobControl; "
        "JobControl.request_run('retired_job', 'staff'); JobControl.request_run('tick', 'staff')"
    )
    result = manage("runscheduler", "--once", env=process_db.env)
    assert result.returncode == 0, result.stderr
    assert "Run now of retired_job ignored: no such job." in result.stdout
    assert [row[2:4] for row in process_db.tasks()] == [("completed", "admin")]


def completed_runs(db, name):
    return [run for run in db.runs(name) if run["status"] == "completed"]
