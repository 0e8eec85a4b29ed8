"""Jobs for the process tests, added to the registry with EXTRA_JOBS=scheduling.tests.jobs.

Their schedules come from the environment (six-field cron with seconds), so a test can
make a job fire every few seconds in a real runscheduler subprocess.
"""

import os
import time
from datetime import timedelta

from django.conf import settings

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


def chatty(run):
    """Logs the MyAnonamouse cookie (which must be masked) and CHATTY_LINES lines."""
    run.log.info("first line, with cookie %s", settings.MAM_SESSION_ID)
    for number in range(int(os.environ.get("CHATTY_LINES", "10"))):
        run.log.info("line %06d %s", number, "x" * 80)
    run.log.info("last line, with cookie %s", settings.MAM_SESSION_ID)
    if os.environ.get("CHATTY_FAILS"):
        raise RuntimeError(f"the site refused cookie {settings.MAM_SESSION_ID}")


def helped(run):
    """Hands work to a helper thread, which logs as it goes."""
    with run.helper_pool("test") as helper:
        helper.submit(lambda: run.log.info("line from the helper thread")).result()
    run.succeeded()


def skips(run):
    """Finds it cannot work: nothing is set up."""
    from scheduling.runner import SkipRun

    raise SkipRun("nothing to do: NOTHING_PATH is not set")


def refused(run):
    """Meets a service that refuses us: a known problem, told in one line."""
    from scheduling.runner import ServiceProblem

    run.succeeded("refused", 1)
    raise ServiceProblem("Example service refused the login: check EXAMPLE_PASSWORD")


def notifies(run):
    """Three items worth telling the user about, one message's worth."""
    for number in range(3):
        run.notify("download_sent", f"book {number} sent")
        run.succeeded("notifies", number)
    if os.environ.get("NOTIFIES_FAILS"):
        raise RuntimeError("the job blew up after sending")


def _job(name, func=None, flag=None):
    """A test job; it runs once a year unless TEST_<NAME>_TIME says otherwise."""
    return Job(
        name=name,
        title=f"Test job {name}",
        func_path=f"scheduling.tests.jobs.{func or name}",
        schedule_setting=f"TEST_{name.upper()}_TIME",
        flag_setting=flag,
        misfire_grace=timedelta(seconds=int(os.environ.get("TEST_MISFIRE_GRACE", "30"))),
        schedule=os.environ.get(f"TEST_{name.upper()}_TIME", "0 0 1 1 *"),
    )


JOBS = [
    _job("tick"),
    _job("sleepy"),
    _job("boom"),
    _job("chatty"),
    _job("helped"),
    _job("skips"),
    _job("notifies"),
    _job("refused"),
    # Its function does not exist (a typo in a dotted path, a plugin not installed).
    _job("missing", func="no_such_function"),
    # Switched off: FEATURE_FLAGS has no such flag, and a flag it lacks reads as off.
    _job("switched_off", func="tick", flag="ENABLE_TEST_SWITCHED_OFF"),
]
