"""Cleanup at scale: `runtask cleanup_old_tasks` against one raw DELETE, on identical copies."""

import json
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta

from bench.processes import PYTHON, manage_args, run_measured
from bench.report import Figure

METHOD = """
Identical copies (CREATE DATABASE ... TEMPLATE) of the history database, whose
django-apscheduler executions are emptied so that only Task rows are pruned, one per run;
three rounds alternate the reference and the job, and the medians are compared.
Reference: one transaction of one UPDATE (unlink the FailedAttempt rows of the old runs,
as the job does) and one raw `DELETE FROM scheduling_task WHERE date_created < cutoff AND
status <> 'running'`. The job: `manage.py runtask cleanup_old_tasks` as a process, wall
time from exec to exit (Django start-up included). On one more copy, the same command run
through bench/cleanup_probe.py, which times each batch's transaction.atomic() from BEGIN
to COMMIT: how long that batch held its row locks. After each, the surviving rows are
counted: the job must leave what the raw DELETE leaves, keep the running rows and keep
every FailedAttempt with its link to a pruned run cleared.
"""
ROUNDS = 3
RAW_SQL = [
    "UPDATE scheduling_failedattempt SET task_id = NULL WHERE task_id IN "
    "(SELECT id FROM scheduling_task WHERE date_created < %(cutoff)s AND status <> 'running')",
    "DELETE FROM scheduling_task WHERE date_created < %(cutoff)s AND status <> 'running'",
]


def run(ctx):
    section = ctx.section("cleanup", "Cleanup at scale (PostgreSQL)", METHOD)
    history = ctx.history_db
    before = _counts(ctx.server, history)
    section.detail(
        f"{before['tasks']:,} Task rows, {before['old']:,} older than the retention, "
        f"{before['running']} running, {before['linked']:,} FailedAttempts linked to old runs"
    )
    raw_times, jobs = [], []
    for number in range(1 if ctx.small else ROUNDS):
        with _copy(ctx, history, f"cleanup_raw{number}") as raw:
            raw_times.append(_raw_delete(ctx.server, raw, _retention_days()))
            raw_after = _counts(ctx.server, raw)
        with _copy(ctx, history, f"cleanup_job{number}") as copy:
            job = run_measured(
                manage_args("runtask", "cleanup_old_tasks"),
                ctx.env(copy),
                ctx.log_path(f"cleanup-job{number}"),
            )
            if job.returncode != 0:
                raise RuntimeError(f"runtask cleanup_old_tasks failed:\n{job.output[-3000:]}")
            job_after = _counts(ctx.server, copy)
        _check_same_outcome(raw_after, job_after, before)
        jobs.append((job, job_after))
    job_wall = statistics.median(job.wall_seconds for job, _ in jobs)
    raw_wall = statistics.median(raw_times)
    rounds = f"median of {len(jobs)} alternating rounds" if len(jobs) > 1 else "one round"
    section.add(
        Figure(
            "runtask cleanup_old_tasks, wall time",
            job_wall,
            "s",
            reference=raw_wall,
            reference_what="one raw DELETE",
            goal="≤ 1.5x",
            met=job_wall / raw_wall <= 1.5,
            note=f"{before['old']:,} rows deleted; {rounds}",
        )
    )
    section.detail(
        "rounds (job / raw DELETE): "
        + ", ".join(
            f"{job.wall_seconds:.2f} s / {raw:.2f} s"
            for (job, _), raw in zip(jobs, raw_times, strict=True)
        )
    )
    job, job_after = jobs[-1]
    section.detail(
        f"the job's own duration (its Task row): {job_after['cleanup_duration']:.2f} s; "
        f"the process used {job.cpu_seconds:.2f} s CPU, peak RSS {job.peak_rss_mb:.0f} MB"
    )
    _lock_times(ctx, section, history, raw_wall)


def _lock_times(ctx, section, history, raw_wall):
    durations_file = ctx.log_path("cleanup-batches") + ".json"
    with _copy(ctx, history, "cleanup_probe") as copy:
        probe = run_measured(
            [PYTHON, "-m", "bench.cleanup_probe", durations_file],
            ctx.env(copy),
            ctx.log_path("cleanup-probe"),
        )
    if probe.returncode != 0:
        raise RuntimeError(f"cleanup probe failed:\n{probe.output[-3000:]}")
    with open(durations_file) as file:
        batches = json.load(file)
    if not batches:
        section.skip("per-batch lock time: scheduling.cleanup opened no transaction.atomic()")
        return
    section.add(
        Figure(
            "longest time one batch held its locks",
            max(batches) * 1000,
            "ms",
            reference=raw_wall * 1000,
            reference_what="the raw DELETE's single transaction",
            note=f"{len(batches)} batches, median {statistics.median(batches) * 1000:.0f} ms",
        )
    )


@contextmanager
def _copy(ctx, history, label):
    """An identical copy of the history, its django-apscheduler executions emptied."""
    name = ctx.server.clone(history, label)
    try:
        with ctx.server.connect(name) as conn:
            conn.execute("TRUNCATE django_apscheduler_djangojobexecution")
        yield name
    finally:
        ctx.server.drop(name)


def _retention_days():
    from django.conf import settings

    return settings.HISTORY_RETENTION_DAYS


def _raw_delete(server, name, retention_days):
    from django.utils import timezone

    cutoff = timezone.now() - timedelta(days=retention_days)
    with server.connect(name, autocommit=False) as conn:
        started = time.perf_counter()
        for sql in RAW_SQL:
            conn.execute(sql, {"cutoff": cutoff})
        conn.commit()
        return time.perf_counter() - started


def _counts(server, name):
    from django.conf import settings

    with server.connect(name) as conn:
        row = conn.execute(
            """
            SELECT count(*),
                count(*) FILTER (WHERE date_created < now() - make_interval(days => %s)),
                count(*) FILTER (WHERE status = 'running'),
                (SELECT count(*) FROM scheduling_failedattempt),
                (SELECT count(*) FROM scheduling_failedattempt f JOIN scheduling_task t
                    ON t.id = f.task_id
                    WHERE t.date_created < now() - make_interval(days => %s)),
                (SELECT duration_seconds FROM scheduling_task
                    WHERE task_name = 'cleanup_old_tasks' AND status = 'completed'
                    ORDER BY id DESC LIMIT 1)
            FROM scheduling_task
            """,
            [settings.HISTORY_RETENTION_DAYS, settings.HISTORY_RETENTION_DAYS],
        ).fetchone()
    keys = ["tasks", "old", "running", "failed_attempts", "linked", "cleanup_duration"]
    return dict(zip(keys, row, strict=True))


def _check_same_outcome(raw, job, before):
    """The job did the work: it leaves what the raw DELETE leaves (give or take the seconds
    between the two cutoffs), keeps the running rows and every FailedAttempt."""
    problems = []
    if abs(raw["tasks"] - job["tasks"]) > max(10, before["tasks"] // 10_000):
        problems.append(f"{job['tasks']:,} rows left, the raw DELETE left {raw['tasks']:,}")
    if job["running"] != before["running"]:
        problems.append(f"running rows {before['running']} -> {job['running']}")
    if job["failed_attempts"] != before["failed_attempts"]:
        problems.append("FailedAttempt rows were deleted")
    if job["linked"]:
        problems.append(f"{job['linked']} FailedAttempts still link to old runs")
    if problems:
        raise RuntimeError("cleanup_old_tasks did not do the work: " + "; ".join(problems))
