"""The admin's index as a dashboard: what needs attention first, then the rest at a glance.

Rendered by the {% dashboard %} tag in templates/admin/index.html, above Django's list of
models. Queries: the health rows (one), the live checks, the jobs' overview (a few per job,
never per Task row), and the panels of settings.DASHBOARD_PANELS (catalog's library counts).
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe

from scheduling import health
from scheduling.admin.display import status_badge
from scheduling.models import Task
from scheduling.overview import job_overviews


def dashboard(request):
    statuses = health.statuses()
    jobs = [JobLine(row) for row in job_overviews(next_count=1)]
    context = {
        "attention": health.needing_attention(statuses),
        "failing": [line for line in jobs if line.failing],
        "statuses": statuses,
        "jobs": jobs,
        "panels": [mark_safe(html) for html in _panels(request) if html],
        "can_test": request.user.has_perm("scheduling.view_servicecheck"),
    }
    return render_to_string("admin/scheduling/dashboard.html", context, request=request)


def _panels(request):
    return (import_string(dotted)(request) for dotted in settings.DASHBOARD_PANELS)


class JobLine:
    """A job as the dashboard shows it: last run, next run, and why it may not run."""

    def __init__(self, overview):
        self.overview = overview
        self.job = overview.job
        self.name = overview.name
        self.last_run = overview.last_run
        self.next_run = overview.next_runs[0] if overview.next_runs else None
        self.setup_problem = overview.setup_problem
        self.paused = overview.paused
        self.enabled = overview.enabled
        self.running = overview.running

    @property
    def last_badge(self):
        return status_badge(self.last_run.status) if self.last_run else ""

    @property
    def last_started(self):
        return (self.last_run.actual_start or self.last_run.date_created) if self.last_run else None

    @property
    def failing(self):
        return bool(self.last_run and self.last_run.status == Task.FAILED)
