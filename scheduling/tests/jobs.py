"""Jobs for the process tests, added to the registry with EXTRA_JOBS=scheduling.tests.jobs.

Their schedules come from the environment (six-field cron with seconds), so a test can
make a job fire every few seconds in a real runscheduler subprocess.
"""

import os
import time
from datetime import timedelta

from scheduling.registry import Job


def tick(run):
    """Three quick items."""
    run.set_total(3)
    for number in run.items(range(3)):
        run.log.info("tick item %d", number)
        run.succeeded("tick", number)
    return "ticked 3 items"


def sleepy(run):
    """Slow items, so a test can kill, cancel or stop the process mid-run."""
    count = int(os.environ.get("SLEEPY_ITEMS", "30"))
    run.set_total(count)
    for number in run.items(range(count)):
        time.sleep(float(os.environ.get("SLEEPY_SECONDS", "0.5")))
        run.succeeded("sleepy", number)


def boom(run):
    run.set_total(2)
    run.succeeded("boom", 1)
    run.failed("boom", 2, ValueError("item two is broken"), label="Item two")
    raise RuntimeError("the job blew up")


def _job(name, func, default_schedule):
    return Job(
        name=name,
        title=f"Test job {name}",
        func_path=f"scheduling.tests.jobs.{func.__name__}",
        schedule_setting=f"TEST_{name.upper()}_TIME",
        flag_setting=None,
        misfire_grace=timedelta(seconds=int(os.environ.get("TEST_MISFIRE_GRACE", "30"))),
        schedule=os.environ.get(f"TEST_{name.upper()}_TIME", default_schedule),
    )


JOBS = [
    _job("tick", tick, "0 0 1 1 *"),
    _job("sleepy", sleepy, "0 0 1 1 *"),
    _job("boom", boom, "0 0 1 1 *"),
]
