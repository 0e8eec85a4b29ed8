"""The scheduler at rest: idle CPU and memory, due-time delay, pause delay."""

import random
import statistics
import time

from bench.databases import using
from bench.processes import PYTHON, Background, cpu_seconds, manage_args, memory_mb, wait_until
from bench.report import Figure

METHOD = """
Idle: `manage.py runscheduler` (production settings, the seven jobs registered, none due
in the window) and, side by side, a bare `python -c "import django; django.setup();
time.sleep(...)"` with the same settings. CPU (user + system, all threads) is read from
/proc/<pid>/stat at the start and end of the idle window, which starts two seconds after
the scheduler says it leads; peak RSS is VmHWM from /proc/<pid>/status at the end.
Due delay: a second runscheduler with EXTRA_JOBS=scheduling.tests.jobs and
TEST_TICK_TIME="*/2 * * * * *" (a job due every two seconds); delay = the Task row's
actual_start - scheduled_for. Reference, side by side: a bare APScheduler
BackgroundScheduler (memory job store, no Django) firing a trivial job on the same
schedule, its lateness measured from the cron time. Pause delay: with that scheduler
running, the bench pauses and resumes the job alternately with JobControl.set_paused (what
the admin and `pausejob` call) at random moments; delay = JobControl.applied_at -
updated_at. Its reference is the configured poll interval (SCHEDULER_POLL_SECONDS, not a
measurement): the scheduler looks for staff's changes that often.
"""
QUIET = {
    f"TASK_{name}_TIME": "0 0 1 1 *"
    for name in ("MAM", "TOP10", "METADATA_FULL", "METADATA_NEW", "SERIES", "AUTHOR", "CLEANUP")
}
BARE_DJANGO = "import time, django; django.setup(); print('ready', flush=True); time.sleep({})"
TICK_PERIOD = 2


def run(ctx):
    section = ctx.section("scheduler", "The scheduler at rest", METHOD)
    database = ctx.server.clone(ctx.main_db, "scheduler")
    lock = {"SCHEDULER_LOCK_FILE": f"{ctx.workdir}/scheduler.lock"}
    _idle(ctx, section, ctx.env(database, **lock, **QUIET), database)
    env = ctx.env(
        database,
        **lock,
        **QUIET,
        EXTRA_JOBS="scheduling.tests.jobs",
        TEST_TICK_TIME=f"*/{TICK_PERIOD} * * * * *",
    )
    _delays(ctx, section, env, database)
    ctx.server.drop(database)


def _idle(ctx, section, env, database):
    idle = ctx.sizes.idle_seconds
    scheduler = Background(manage_args("runscheduler"), env, ctx.log_path("scheduler-idle"))
    reference = Background(
        [PYTHON, "-c", BARE_DJANGO.format(idle + 120)], env, ctx.log_path("bare-django")
    )
    try:
        scheduler.wait_for_output("Leader:")
        reference.wait_for_output("ready")
        time.sleep(2)  # registering the jobs and the first poll are start-up, not rest
        started = {p: cpu_seconds(p.pid) for p in (scheduler, reference)}
        time.sleep(idle)
        used = {p: cpu_seconds(p.pid) - started[p] for p in (scheduler, reference)}
        peak = {p: memory_mb(p.pid)[1] for p in (scheduler, reference)}
    finally:
        scheduler.stop()
        reference.stop()
    with using(database):
        from scheduling.models import Task

        runs = Task.objects.count()
    share = used[scheduler] / idle
    section.add(
        Figure(
            f"runscheduler CPU over {idle:g} idle seconds",
            used[scheduler],
            "s",
            reference=used[reference],
            reference_what="bare Django process, same window",
            goal="< 1% of a core",
            met=share < 0.01,
            note=f"{100 * share:.2f}% of a core",
        )
    )
    section.add(
        Figure(
            "runscheduler peak RSS",
            peak[scheduler],
            "MB",
            reference=peak[reference],
            reference_what="bare Django process",
            goal="< 120 MB",
            met=peak[scheduler] < 120,
        )
    )
    if runs:
        section.detail(f"warning: {runs} job runs happened in the idle window")


def _delays(ctx, section, env, database):
    ticks = ctx.sizes.ticks
    reference = Background(
        [PYTHON, "-m", "bench.reference_scheduler", str(TICK_PERIOD), str(ticks)],
        env,
        ctx.log_path("bare-apscheduler"),
    )
    scheduler = Background(manage_args("runscheduler"), env, ctx.log_path("scheduler-ticks"))
    try:
        scheduler.wait_for_output("Leader:")
        with using(database):
            from scheduling.models import Task

            done = Task.objects.filter(task_name="tick", status=Task.COMPLETED)
            wait_until(lambda: done.count() >= ticks, TICK_PERIOD * ticks + 60, "tick runs")
            late = [
                (start - due).total_seconds()
                for due, start in done.values_list("scheduled_for", "actual_start")[:ticks]
            ]
            pauses = _pause_delays(ctx.sizes.pauses)
        reference.popen.wait(timeout=TICK_PERIOD * ticks + 60)
    finally:
        scheduler.stop()
        reference.stop()
    bare = [float(line.split()[1]) for line in reference.output().splitlines() if "late" in line]
    section.add(
        Figure(
            f"due time to Task.actual_start, worst of {len(late)} runs",
            max(late) * 1000,
            "ms",
            reference=max(bare) * 1000 if bare else None,
            reference_what=f"bare APScheduler, worst of {len(bare)}",
            goal="< 1 s",
            met=max(late) < 1,
            note=f"median {statistics.median(late) * 1000:.0f} ms",
        )
    )
    from django.conf import settings

    section.add(
        Figure(
            f"pause written to pause applied, worst of {len(pauses)}",
            max(pauses),
            "s",
            reference=float(settings.SCHEDULER_POLL_SECONDS),
            reference_what="poll interval, configured",
            goal="< 5 s",
            met=max(pauses) < 5,
            note=f"median {statistics.median(pauses):.2f} s",
        )
    )


def _pause_delays(count):
    """Pause and resume the tick job alternately; seconds from each write to its application."""
    from django.conf import settings

    from scheduling.models import JobControl

    delays = []
    for number in range(count):
        time.sleep(random.uniform(0, settings.SCHEDULER_POLL_SECONDS))
        paused = number % 2 == 0
        JobControl.set_paused("tick", paused)
        applied = JobControl.objects.filter(name="tick", paused=paused, applied_paused=paused)
        wait_until(applied.exists, 60, "the scheduler to apply a pause")
        control = applied.get()
        delays.append((control.applied_at - control.updated_at).total_seconds())
    return delays
