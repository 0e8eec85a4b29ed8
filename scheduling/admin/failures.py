"""Failed attempts (the items jobs could not handle) and the scheduler processes."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from scheduling.admin.display import moment, plural
from scheduling.admin.lists import CappedCountPaginator, JobFilter
from scheduling.models import FailedAttempt, SchedulerProcess


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
            f"{plural(count, 'failed item')} will be retried at the job's next run.",
        )

    @admin.action(description="Mark resolved", permissions=["change"])
    def mark_resolved(self, request, queryset):
        # FailedAttempt.mark_resolved() in bulk; already resolved ones keep their date.
        count = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        self.message_user(request, f"Marked {plural(count, 'failed item')} resolved.")

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
