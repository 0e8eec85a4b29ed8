"""Task history: every run, newest first, fast at a million rows; a read-only detail page
with the log and the traceback, and live progress while the run goes on."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models.functions import Substr
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from scheduling import registry
from scheduling.admin.display import (
    chart_runs,
    duration_text,
    moment,
    progress_bar,
    progress_json,
    runs_chart,
    started_at,
    status_badge,
)
from scheduling.admin.jobs import CONTROL_PERMISSION
from scheduling.admin.lists import CappedCountPaginator, DateRangeFilter, JobFilter
from scheduling.models import Task

LOG_TAIL_LINES = 500


class TaskChangeList(ChangeList):
    """The history list loads neither the logs nor whole tracebacks: a page of 100 tasks
    would otherwise carry up to 6 MB of log text. The first line of the error is enough."""

    def get_queryset(self, request, exclude_parameters=None):
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .defer("log_output", "error_message")
            .annotate(error_head=Substr("error_message", 1, 240))
        )


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = [
        "run",
        "task_name",
        "status_display",
        "trigger",
        "started",
        "duration",
        "items",
        "error_line",
    ]
    list_display_links = ["run"]
    list_filter = [JobFilter, "status", "trigger", ("date_created", DateRangeFilter)]
    search_fields = ["error_message", "log_output"]
    search_help_text = "Searches the error messages and the log output."
    sortable_by = ["run", "started"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedCountPaginator
    list_per_page = 50
    change_list_template = "admin/scheduling/task/change_list.html"
    change_form_template = "admin/scheduling/task/change_form.html"
    readonly_fields = [
        "job_link",
        "status_display",
        "trigger",
        "scheduled",
        "start",
        "end",
        "duration",
        "where",
        "heartbeat",
        "cancel_requested",
        "progress",
        "failed_attempts_link",
        "error_display",
        "log_display",
    ]

    def get_changelist(self, request, **kwargs):
        return TaskChangeList

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": [
                        "job_link",
                        "status_display",
                        "trigger",
                        "scheduled",
                        ("start", "end"),
                        "duration",
                        "where",
                        "heartbeat",
                        "cancel_requested",
                    ]
                },
            ),
            ("Progress", {"fields": ["progress", "failed_attempts_link"]}),
        ]
        if obj is not None and obj.error_message:
            fieldsets.append(("Error", {"fields": ["error_display"]}))
        fieldsets.append(("Log", {"fields": ["log_display"]}))
        return fieldsets

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # history is read-only

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == Task.RUNNING:
            return False  # its process still writes to it; cancel it instead
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:task_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="scheduling_task_progress",
            ),
            *super().get_urls(),
        ]

    def progress_view(self, request, task_id):
        """What task_progress.js polls while a task runs."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        task = get_object_or_404(Task.objects.defer("log_output", "error_message"), pk=task_id)
        return JsonResponse(progress_json(task))

    def changelist_view(self, request, extra_context=None):
        # Filtered to one job: its last runs as a chart above the list.
        name = request.GET.get("task_name")
        extra = {}
        if name in registry.names():
            extra = {"job": registry.get(name), "job_chart": runs_chart(chart_runs(name))}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            "can_control": request.user.has_perm(CONTROL_PERMISSION),
            "history_url": reverse("admin:scheduling_task_changelist"),
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # --- columns -------------------------------------------------------------------------

    @admin.display(description="Run", ordering="id")
    def run(self, obj):
        return f"#{obj.pk}"

    @admin.display(description="Status")
    def status_display(self, obj):
        return status_badge(obj.status)

    @admin.display(description="Started", ordering="date_created")
    def started(self, obj):
        return moment(started_at(obj), seconds=True)

    @admin.display(description="Duration")
    def duration(self, obj):
        if obj.status == Task.RUNNING and obj.actual_start:
            return f"{duration_text((timezone.now() - obj.actual_start).total_seconds())} so far"
        return duration_text(obj.duration_seconds)

    @admin.display(description="Items")
    def items(self, obj):
        done = (
            f"{obj.items_processed} of {obj.items_total}"
            if obj.items_total is not None
            else str(obj.items_processed or "—")
        )
        if not obj.items_failed:
            return done
        return format_html(
            '{}<br><span class="failed-count">{} failed</span>', done, obj.items_failed
        )

    @admin.display(description="Error")
    def error_line(self, obj):
        head = (obj.error_head or "").strip().split("\n", 1)[0]
        return Truncator(head).chars(80) if head else ""

    # --- detail --------------------------------------------------------------------------

    @admin.display(description="Job")
    def job_link(self, obj):
        history = reverse("admin:scheduling_task_changelist") + f"?task_name={obj.task_name}"
        return format_html('{} <a href="{}">(all its runs)</a>', obj.task_name, history)

    @admin.display(description="Due at (cron time)")
    def scheduled(self, obj):
        return moment(obj.scheduled_for, seconds=True)

    @admin.display(description="Started")
    def start(self, obj):
        return moment(obj.actual_start, seconds=True)

    @admin.display(description="Ended")
    def end(self, obj):
        return moment(obj.actual_end, seconds=True)

    @admin.display(description="Last heartbeat")
    def heartbeat(self, obj):
        return moment(obj.heartbeat_at, seconds=True)

    @admin.display(description="Cancel requested")
    def cancel_requested(self, obj):
        return moment(obj.cancel_requested_at, seconds=True)

    @admin.display(description="Ran on")
    def where(self, obj):
        return f"{obj.host} pid {obj.pid}" if obj.host else "—"

    @admin.display(description="Progress")
    def progress(self, obj):
        url = reverse("admin:scheduling_task_progress", args=[obj.pk])
        return progress_bar(obj, url if obj.status == Task.RUNNING else None)

    @admin.display(description="Failed items")
    def failed_attempts_link(self, obj):
        url = reverse("admin:scheduling_failedattempt_changelist") + f"?task__id__exact={obj.pk}"
        return format_html(
            '{} <a href="{}">(see the failed attempts of this run)</a>', obj.items_failed, url
        )

    @admin.display(description="Error and traceback")
    def error_display(self, obj):
        return format_html('<pre class="task-error">{}</pre>', obj.error_message)

    @admin.display(description="Log output")
    def log_display(self, obj):
        if not obj.log_output:
            note = "The log is saved when the run ends." if obj.status == Task.RUNNING else ""
            return note or "(no log lines)"
        lines = obj.log_output.splitlines()
        note = ""
        if len(lines) > LOG_TAIL_LINES:
            note = f"Showing the last {LOG_TAIL_LINES} of {len(lines)} lines."
            lines = lines[-LOG_TAIL_LINES:]
        return format_html(
            '<p class="help">{}</p><pre class="task-log">{}</pre>', note, "\n".join(lines)
        )
