"""The rows of the admin's scheduled jobs page, built on scheduling.overview.

Queries: those of job_overviews (two, plus one index range scan per job); the chart
draws the runs the overview already loaded. The number of jobs is fixed by the registry, so
the page costs the same at ten Task rows or ten million.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.timesince import timesince

from scheduling.admin.display import (
    duration_text,
    progress_bar,
    progress_json,
    runs_chart,
    started_at,
    status_badge,
)
from scheduling.models import JobControl
from scheduling.overview import JobOverview, job_overviews


@dataclass
class JobRow:
    overview: JobOverview
    chart: str = ""

    def __getattr__(self, name):
        # name, job, control, schedule, description, running, last_run, ... of the overview
        return getattr(self.overview, name)

    @property
    def is_override(self):
        return bool(self.control and self.control.schedule_override)

    @property
    def pending_reasons(self):
        """What staff asked for that the scheduler has not applied yet."""
        control = self.control
        if control is None:
            return []
        reasons = []
        if control.run_requested_at:
            ago = timesince(control.run_requested_at, timezone.now())
            reasons.append(f"Run now requested {ago} ago; waiting for the scheduler")
        # The scheduler applies pause and schedule only to enabled jobs.
        if self.enabled and control.applied_paused != control.paused:
            reasons.append("Pause not applied yet" if control.paused else "Resume not applied yet")
        if self.enabled and control.applied_schedule and control.applied_schedule != self.schedule:
            reasons.append(f"New schedule {self.schedule} not applied yet")
        return reasons

    @property
    def is_pending(self):
        return bool(self.pending_reasons)

    @property
    def running_bar(self):
        return progress_bar(self.running) if self.running else ""

    @property
    def last_badge(self):
        return status_badge(self.last_run.status) if self.last_run else ""

    @property
    def last_started(self):
        return started_at(self.last_run) if self.last_run else None

    @property
    def last_duration(self):
        return duration_text(self.last_run.duration_seconds) if self.last_run else ""

    @property
    def next_run(self):
        return self.next_runs[0] if self.next_runs else None

    @property
    def signature(self):
        """Changes whenever the row must be redrawn (see jobs.js)."""
        return "|".join(
            str(part)
            for part in (
                self.paused,
                self.is_pending,
                self.running.pk if self.running else "",
                self.last_run.pk if self.last_run else "",
                self.schedule,
            )
        )

    def as_json(self):
        return {
            "name": self.name,
            "signature": self.signature,
            "running": progress_json(self.running) if self.running else None,
        }


def _chart_points(recent):
    """The overview already holds the last 30 finished runs: chart them, no new query."""
    return [(t.pk, t.status, t.duration_seconds, t.actual_start or t.date_created) for t in recent]


def job_rows(with_charts=True):
    """One row per registry job; creates the JobControl rows that are missing."""
    overviews = job_overviews(next_count=1)
    missing = [row.name for row in overviews if row.control is None]
    if missing:
        # The jobs page selects rows by JobControl key, so every job needs one.
        JobControl.objects.bulk_create(
            [JobControl(name=name) for name in missing], ignore_conflicts=True
        )
    return [
        JobRow(row, runs_chart(_chart_points(row.recent)) if with_charts else "")
        for row in overviews
    ]
