"""The scheduled jobs page: one row per registry job, its controls, its schedule override.

Pause, resume, run now and cancel only write wishes (JobControl, Task.cancel_requested_at)
for the scheduler, and need scheduling.control_jobs: without it, 403 and nothing changes.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from scheduling import registry, runner
from scheduling.admin.display import plural
from scheduling.admin.job_rows import job_rows
from scheduling.admin.notifications import send_test_notification
from scheduling.admin.panels import jobs_page_panels
from scheduling.cron import CronError, describe, validate
from scheduling.models import JobControl, SchedulerProcess, Task
from scheduling.overview import next_fire_times

CONTROL_PERMISSION = "scheduling.control_jobs"


def _names(items):
    return ", ".join(items)


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

    def has_change_permission(self, request, obj=None):
        # A schedule override steers the scheduler as much as Pause does.
        return super().has_change_permission(request, obj) and self.has_control_permission(request)

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
            "panels": jobs_page_panels(request),
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
            path(
                "test-notification/",
                wrap(require_POST(send_test_notification)),
                name=f"{prefix}_test_notification",
            ),
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
            f"{verb} {plural(len(names))}: {_names(names)}. "
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
                f"Queued {plural(len(queued))} to run now: {_names(queued)}. "
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
                request, f"{plural(idle)} had no running task to cancel.", messages.WARNING
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
