"""The operator's console: scheduled jobs, task history, failed attempts, schedulers.

Staff only ever write wishes to the database (JobControl: pause, resume, run now, schedule;
Task.cancel_requested_at); the running scheduler carries them out within seconds. No admin
request runs a job. Pause, resume, run now and cancel need scheduling.control_jobs.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Substr
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.views.decorators.http import require_POST
from django_apscheduler.models import DjangoJob, DjangoJobExecution

from scheduling import registry, runner
from scheduling.admin_display import (
    chart_runs,
    duration_text,
    moment,
    progress_bar,
    progress_json,
    runs_chart,
    started_at,
    status_badge,
)
from scheduling.admin_jobs import job_rows
from scheduling.admin_lists import CappedCountPaginator, DateRangeFilter, JobFilter
from scheduling.cron import CronError, describe, validate
from scheduling.models import FailedAttempt, JobControl, SchedulerProcess, Task
from scheduling.overview import next_fire_times

CONTROL_PERMISSION = "scheduling.control_jobs"
LOG_TAIL_LINES = 500

# django-apscheduler's own admin runs "run now" jobs inside the web request and keeps
# per-request state on the shared ModelAdmin; the jobs page below replaces it.
for model in (DjangoJob, DjangoJobExecution):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def _names(items):
    return ", ".join(items)


def _plural(count, word="job"):
    return f"{count} {word}{'' if count == 1 else 's'}"


class JobControlForm(forms.ModelForm):
    class Meta:
        model = JobControl
        fields = ["schedule_override"]
        widgets = {"schedule_override": forms.TextInput(attrs={"size": 30, "spellcheck": "false"})}

    def clean_schedule_override(self):
        expression = " ".join(self.cleaned_data["schedule_override"].split())
        if expression:
            try:
                validate(expression, settings.TIME_ZONE)
            except CronError as error:
                raise ValidationError(
                    f"Not a standard cron expression: {error}. Five fields: minute hour "
                    "day-of-month month day-of-week, e.g. 30 4 * * 0 (Sundays at 04:30)."
                ) from None
        return expression


@admin.register(JobControl)
class JobControlAdmin(admin.ModelAdmin):
    """The scheduled jobs page: one row per registry job, not per JobControl row."""

    form = JobControlForm
    actions = ["pause_jobs", "resume_jobs", "run_jobs_now", "cancel_runs"]
    jobs_template = "admin/scheduling/jobcontrol/jobs.html"
    change_form_template = "admin/scheduling/jobcontrol/change_form.html"
    fieldsets = [
        (None, {"fields": ["name", "job_title", "enabled_display", "paused_display"]}),
        (
            "Schedule",
            {
                "fields": ["default_schedule", "schedule_override", "schedule_in_force"],
                "description": "Standard cron in "
                f"{settings.TIME_ZONE}: minute hour day-of-month month day-of-week. "
                "The override survives restarts; leave it empty to use the setting.",
            },
        ),
        ("Applied by the scheduler", {"fields": ["applied_display", "run_requested_display"]}),
    ]
    readonly_fields = [
        "name",
        "job_title",
        "enabled_display",
        "paused_display",
        "default_schedule",
        "schedule_in_force",
        "applied_display",
        "run_requested_display",
    ]

    # --- permissions ---------------------------------------------------------------------

    def has_add_permission(self, request):
        return False  # one row per registry job, made by the jobs page and the scheduler

    def has_delete_permission(self, request, obj=None):
        return False

    def has_control_permission(self, request):
        return request.user.has_perm(CONTROL_PERMISSION)

    def _require_control(self, request):
        if not self.has_control_permission(request):
            raise PermissionDenied("Controlling jobs needs the “Can control jobs” permission.")

    # --- the jobs page -------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            # Django would answer a forbidden action with "no action selected": say 403.
            if request.POST.get("action") in self.actions:
                self._require_control(request)
            return super().changelist_view(request, extra_context)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Scheduled jobs",
            "subtitle": None,
            "rows": job_rows(),
            "scheduler": SchedulerProcess.alive_leader(),
            "can_control": self.has_control_permission(request),
            "can_change": self.has_change_permission(request),
            "action_choices": self.get_action_choices(request),
            "time_zone": settings.TIME_ZONE,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.jobs_template, context)

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        commands = [
            path(
                f"<str:name>/{command}/",
                wrap(require_POST(self.command_view)),
                {"command": command},
                name=f"{prefix}_{command}",
            )
            for command in ("pause", "resume", "run", "cancel")
        ]
        return [
            path("status/", wrap(self.status_view), name=f"{prefix}_status"),
            path("describe/", wrap(self.describe_view), name=f"{prefix}_describe"),
            *commands,
            *super().get_urls(),
        ]

    def status_view(self, request):
        """What jobs.js polls: each row's signature and its running task's progress."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        rows = job_rows(with_charts=False)
        return JsonResponse(
            {
                "scheduler_alive": SchedulerProcess.alive_leader() is not None,
                "jobs": [row.as_json() for row in rows],
            }
        )

    def describe_view(self, request):
        """A cron expression in words and its next runs, for the change form's preview."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        expression = " ".join(request.GET.get("expression", "").split())
        if not expression:
            return JsonResponse({"valid": True, "empty": True})
        try:
            validate(expression, settings.TIME_ZONE)
        except CronError as error:
            return JsonResponse({"valid": False, "error": str(error)})
        nexts = next_fire_times(expression, 3)
        return JsonResponse(
            {
                "valid": True,
                "words": describe(expression),
                "next_runs": [f"{timezone.localtime(t):%a %Y-%m-%d %H:%M %Z}" for t in nexts],
            }
        )

    def command_view(self, request, name, command):
        """A row's button: the same as the bulk action for one job, then back to the page."""
        self._require_control(request)
        try:
            registry.get(name)
        except registry.UnknownJob:
            raise Http404(f"No job named {name!r}") from None
        handler = {
            "pause": lambda names: self._set_paused(request, names, True),
            "resume": lambda names: self._set_paused(request, names, False),
            "run": lambda names: self._run_now(request, names),
            "cancel": lambda names: self._cancel(request, names),
        }[command]
        handler([name])
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("admin:scheduling_jobcontrol_changelist")
        return HttpResponseRedirect(back)

    # --- actions -------------------------------------------------------------------------

    @admin.action(description="Pause selected jobs", permissions=["control"])
    def pause_jobs(self, request, queryset):
        self._set_paused(request, [control.name for control in queryset], True)

    @admin.action(description="Resume selected jobs", permissions=["control"])
    def resume_jobs(self, request, queryset):
        self._set_paused(request, [control.name for control in queryset], False)

    @admin.action(description="Run selected jobs now", permissions=["control"])
    def run_jobs_now(self, request, queryset):
        self._run_now(request, [control.name for control in queryset])

    @admin.action(description="Cancel the running task of selected jobs", permissions=["control"])
    def cancel_runs(self, request, queryset):
        self._cancel(request, [control.name for control in queryset])

    def _set_paused(self, request, names, paused):
        for name in names:
            control = JobControl.set_paused(name, paused)
            self.log_change(request, control, "Paused" if paused else "Resumed")
        verb = "Paused" if paused else "Resumed"
        self.message_user(
            request,
            f"{verb} {_plural(len(names))}: {_names(names)}. "
            "The scheduler applies it within seconds.",
        )

    def _run_now(self, request, names):
        busy = set(
            Task.objects.running().filter(task_name__in=names).values_list("task_name", flat=True)
        )
        queued, waiting = [], []
        for name in names:
            if name in busy:
                continue
            if JobControl.request_run(name, requested_by=request.user.get_username()):
                queued.append(name)
                self.log_change(request, JobControl(name=name), "Requested a run now")
            else:
                waiting.append(name)
        if queued:
            self.message_user(
                request,
                f"Queued {_plural(len(queued))} to run now: {_names(queued)}. "
                "The scheduler starts it within seconds; watch it in the task history.",
            )
        if waiting:
            self.message_user(
                request, f"Already queued, not queued again: {_names(waiting)}.", messages.WARNING
            )
        if busy:
            self.message_user(
                request,
                f"Already running, not queued: {_names(sorted(busy))}. Cancel it first "
                "to start over.",
                messages.WARNING,
            )

    def _cancel(self, request, names):
        cancelled = []
        for name in names:
            task = runner.request_cancel(name)
            if task:
                cancelled.append(f"{name} (task #{task.pk})")
                self.log_change(request, JobControl(name=name), f"Cancelled task #{task.pk}")
        idle = len(names) - len(cancelled)
        if cancelled:
            self.message_user(
                request,
                f"Asked {_names(cancelled)} to stop; it stops after the item in hand "
                "and closes as cancelled.",
            )
        if idle:
            self.message_user(
                request, f"{_plural(idle)} had no running task to cancel.", messages.WARNING
            )

    # --- the change form: the schedule override ------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        control = super().get_object(request, object_id, from_field)
        if control is not None:
            try:
                control.job = registry.get(control.name)
            except registry.UnknownJob:
                control.job = None
        return control

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        expression = obj.schedule_override or (obj.job.default_schedule if obj.job else "")
        if "schedule_override" in form.changed_data and expression:
            self.message_user(
                request,
                f"{obj.name} now runs on {expression} ({describe(expression)}). "
                "The scheduler applies it within seconds.",
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"describe_url": reverse("admin:scheduling_jobcontrol_describe")}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    @admin.display(description="Job")
    def job_title(self, obj):
        if obj.job is None:
            return "No longer defined (not in the registry)"
        return format_html("{}<br><span class='help'>{}</span>", obj.job.title, obj.job.description)

    @admin.display(description="Enabled")
    def enabled_display(self, obj):
        if obj.job is None or obj.job.enabled:
            return "yes" if obj.job else "—"
        return f"no: switched off by {obj.job.flag_setting}"

    @admin.display(description="Paused")
    def paused_display(self, obj):
        return "yes (use Resume on the jobs page)" if obj.paused else "no"

    @admin.display(description="Default schedule")
    def default_schedule(self, obj):
        if obj.job is None:
            return "—"
        expression = obj.job.default_schedule
        return format_html(
            "<code>{}</code> — {} <span class='help'>(setting {})</span>",
            expression,
            describe(expression),
            obj.job.schedule_setting,
        )

    @admin.display(description="In force")
    def schedule_in_force(self, obj):
        if obj.job is None:
            return "—"
        expression = obj.schedule_override or obj.job.default_schedule
        nexts = ", ".join(
            f"{timezone.localtime(t):%a %Y-%m-%d %H:%M}" for t in next_fire_times(expression, 3)
        )
        return format_html(
            "<code>{}</code> — {}<br><span class='help'>Next: {}</span>",
            expression,
            describe(expression),
            nexts or "never",
        )

    @admin.display(description="Applied")
    def applied_display(self, obj):
        if obj.applied_at is None:
            return "Not yet: no scheduler has picked this job up."
        state = "paused" if obj.applied_paused else "active"
        when = timezone.localtime(obj.applied_at)
        return f"{state}, {obj.applied_schedule} at {when:%Y-%m-%d %H:%M:%S}"

    @admin.display(description="Run now requested")
    def run_requested_display(self, obj):
        if obj.run_requested_at is None:
            return "no"
        return (
            f"at {timezone.localtime(obj.run_requested_at):%Y-%m-%d %H:%M:%S} by "
            f"{obj.run_requested_by or 'staff'}; waiting for the scheduler"
        )


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


class FailedAttemptStateFilter(admin.SimpleListFilter):
    """Open failures by default: resolved ones are kept forever but rarely wanted."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("due", "Due for retry"),
            ("waiting", "Waiting (backoff)"),
            ("resolved", "Resolved"),
            ("all", "All"),
        ]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Open",
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        now = timezone.now()
        return {
            None: lambda: queryset.open(),
            "due": lambda: queryset.due(now),
            "waiting": lambda: queryset.open().filter(next_retry_at__gt=now),
            "resolved": lambda: queryset.filter(resolved_at__isnull=False),
            "all": lambda: queryset,
        }.get(self.value(), lambda: queryset)()


@admin.register(FailedAttempt)
class FailedAttemptAdmin(admin.ModelAdmin):
    list_display = [
        "item",
        "task_name",
        "item_type",
        "attempts",
        "last_error",
        "last_failed",
        "next_retry",
        "run_link",
    ]
    list_filter = [FailedAttemptStateFilter, JobFilter, "item_type"]
    search_fields = ["item_label", "item_key", "error_message"]
    search_help_text = "Searches the item's name and key and the error."
    actions = ["retry_now", "mark_resolved"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedCountPaginator
    readonly_fields = [
        "task_name",
        "item_type",
        "item_key",
        "item_label",
        "attempts",
        "first_failed_at",
        "last_failed_at",
        "next_retry",
        "resolved_at",
        "run_link",
        "error_display",
    ]
    fields = readonly_fields

    class Media:
        css = {"all": ["scheduling/admin/scheduling.css"]}

    def has_add_permission(self, request):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        # The task detail page links to the failures of one run.
        return lookup == "task__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.action(description="Retry now (at the job's next run)", permissions=["change"])
    def retry_now(self, request, queryset):
        # FailedAttempt.retry_now() in bulk: one UPDATE however many are selected.
        count = queryset.filter(resolved_at__isnull=True).update(next_retry_at=None)
        self.message_user(
            request,
            f"{_plural(count, 'failed item')} will be retried at the job's next run.",
        )

    @admin.action(description="Mark resolved", permissions=["change"])
    def mark_resolved(self, request, queryset):
        # FailedAttempt.mark_resolved() in bulk; already resolved ones keep their date.
        count = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        self.message_user(request, f"Marked {_plural(count, 'failed item')} resolved.")

    @admin.display(description="Item", ordering="item_label")
    def item(self, obj):
        return obj.item_label or obj.item_key

    @admin.display(description="Last error")
    def last_error(self, obj):
        return Truncator(obj.error_message.strip().split("\n", 1)[0]).chars(100)

    @admin.display(description="Last failed", ordering="last_failed_at")
    def last_failed(self, obj):
        return moment(obj.last_failed_at)

    @admin.display(description="Next retry", ordering="next_retry_at")
    def next_retry(self, obj):
        if obj.resolved_at:
            return format_html(
                '<span class="job-status job-status-completed">Resolved</span> {}',
                moment(obj.resolved_at),
            )
        if obj.next_retry_at is None or obj.next_retry_at <= timezone.now():
            return "at the job's next run"
        return moment(obj.next_retry_at)

    @admin.display(description="Last failed in")
    def run_link(self, obj):
        if obj.task_id is None:
            return "—"
        url = reverse("admin:scheduling_task_change", args=[obj.task_id])
        return format_html('<a href="{}">run #{}</a>', url, obj.task_id)

    @admin.display(description="Error")
    def error_display(self, obj):
        return format_html('<pre class="task-error">{}</pre>', obj.error_message)


@admin.register(SchedulerProcess)
class SchedulerProcessAdmin(admin.ModelAdmin):
    """Read-only: which runscheduler processes there are and when each last beat."""

    list_display = ["__str__", "is_leader", "started", "beat", "stopped"]
    list_filter = ["is_leader"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Started", ordering="started_at")
    def started(self, obj):
        return moment(obj.started_at, seconds=True)

    @admin.display(description="Last beat", ordering="last_beat")
    def beat(self, obj):
        return moment(obj.last_beat, seconds=True)

    @admin.display(description="Stopped", ordering="stopped_at")
    def stopped(self, obj):
        return moment(obj.stopped_at, seconds=True)
