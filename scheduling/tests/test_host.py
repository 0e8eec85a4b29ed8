"""The scheduler host's pieces that a process test cannot pin down exactly."""

import queue
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from django.utils import timezone

from scheduling.host import FiredForExecutor, run_scheduled
from scheduling.models import Task

fired = queue.Queue()


def record_fired_for(fired_for=None):
    fired.put(fired_for)


@pytest.fixture
def test_jobs(settings):
    settings.EXTRA_JOBS = "scheduling.tests.jobs"
    settings.TIME_ZONE = "UTC"


def test_the_executor_tells_the_job_the_time_it_fired_for():
    scheduler = BackgroundScheduler(executors={"default": FiredForExecutor(max_workers=1)})
    due = timezone.now() + timedelta(milliseconds=200)
    # An interval job, not a one-off "date" job: APScheduler removes a date job after its
    # run, and that removal raced the shutdown below (JobLookupError in its thread).
    scheduler.add_job(record_fired_for, "interval", hours=1, next_run_time=due)
    scheduler.start()
    try:
        assert fired.get(timeout=10) == due
    finally:
        scheduler.shutdown()


@pytest.mark.django_db(transaction=True)
def test_a_late_scheduled_run_records_the_cron_time_it_fired_for(test_jobs):
    cron_time = datetime(2025, 1, 1, tzinfo=UTC)  # tick's "0 0 1 1 *", long ago
    run_scheduled("tick", fired_for=cron_time + timedelta(seconds=3))  # jittered, late
    task = Task.objects.get(task_name="tick")
    assert (task.status, task.trigger) == (Task.COMPLETED, Task.SCHEDULE)
    assert task.scheduled_for == cron_time
