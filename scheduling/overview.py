"""Each job's state at a glance, for showjobs, the admin's jobs page and /healthz.

The number of queries depends on the number of jobs (a handful), never on the number of
Task rows: each per-job query is an index range scan on (task_name, date_created).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from scheduling import health, registry
from scheduling.cron import describe
from scheduling.host import schedule_of, trigger_of
from scheduling.models import JobControl, Task

RECENT_RUNS = 30  # the success rate and the admin's chart of the last 30 runs


@dataclass
class JobOverview:
    job: registry.Job
    control: JobControl | None
    schedule: str
    description: str
    running: Task | None = None
    last_run: Task | None = None
    recent: list = field(default_factory=list)
    next_runs: list[datetime] = field(default_factory=list)
    setup_problem: str | None = None  # what to set before it can run (scheduling.health)

    @property
    def name(self):
        return self.job.name

    @property
    def enabled(self):
        return self.job.enabled

    @property
    def paused(self):
        return bool(self.control and self.control.paused)

    @property
    def pending(self):
        return bool(self.control and self.control.pending_change)

    @property
    def success_rate(self):
        """Share of recent finished runs that completed (skips don't count), or None."""
        judged = [t for t in self.recent if t.status != Task.SKIPPED]
        if not judged:
            return None
        return round(100 * sum(t.status == Task.COMPLETED for t in judged) / len(judged))

    def as_json(self):
        last = self.last_run
        return {
            "name": self.name,
            "title": self.job.title,
            "schedule": self.schedule,
            "description": self.description,
            "enabled": self.enabled,
            "paused": self.paused,
            "running": self.running is not None,
            "needs_setup": self.setup_problem,
            "last_run": None
            if last is None
            else {
                "status": last.status,
                "started": (last.actual_start or last.date_created).isoformat(),
                "duration_seconds": last.duration_seconds,
            },
            "next_runs": [moment.isoformat() for moment in self.next_runs],
        }


def next_fire_times(expression, count, now=None):
    trigger = trigger_of(expression, jitter=False)
    moment, times = now or timezone.now(), []
    previous = None
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        times.append(fire)
        previous, moment = fire, fire
    return times


def job_overviews(next_count=1, jobs=None):
    jobs = jobs or registry.all_jobs()
    controls = {c.name: c for c in JobControl.objects.filter(name__in=[j.name for j in jobs])}
    running = {t.task_name: t for t in Task.objects.running()}
    problems = health.setup_problems(need for job in jobs for need in job.needs)
    rows = []
    for job in jobs:
        control = controls.get(job.name)
        schedule = schedule_of(job, control) if control else job.default_schedule
        recent = list(
            Task.objects.filter(task_name=job.name)
            .exclude(status__in=[Task.RUNNING, Task.PENDING])
            .defer("log_output", "error_message")[:RECENT_RUNS]
        )
        row = JobOverview(
            job,
            control,
            schedule,
            describe(schedule),
            running.get(job.name),
            recent[0] if recent else None,
            recent,
            setup_problem=health.job_setup_problem(job, problems),
        )
        if job.enabled and not row.paused:
            row.next_runs = next_fire_times(schedule, next_count)
        rows.append(row)
    return rows
