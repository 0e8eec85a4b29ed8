"""How the admin shows runs: status badges, durations, progress bars and the runs chart.

Plain functions returning escaped HTML (format_html), shared by the jobs page, the task
history and the task detail page. No queries here: callers hand in rows they loaded.
"""

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from scheduling.models import Task

STATUS_LABELS = dict(Task.STATUS_CHOICES)
CHART_RUNS = 30
CHART_HEIGHT = 28
CHART_BAR_WIDTH = 4
CHART_GAP = 1


def plural(count, word="job"):
    """'1 job', '3 jobs': the one shape of every action's feedback line."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def status_badge(status):
    """A coloured label; the colours live in scheduling/admin/scheduling.css."""
    return format_html(
        '<span class="job-status job-status-{}">{}</span>',
        status,
        STATUS_LABELS.get(status, status),
    )


def duration_text(seconds):
    """12.3 s, 3 min 4 s, 2 h 5 min; an em dash when unknown."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def progress_text(processed, total, succeeded=None, failed=None):
    if total:
        percent = min(100, round(100 * processed / total))
        text = f"{processed} of {total} items ({percent}%)"
    else:
        text = f"{processed} item{'' if processed == 1 else 's'} so far"
    if succeeded is not None and failed is not None:
        text += f", {succeeded} succeeded, {failed} failed"
    return text


def progress_bar(task, url=None):
    """A bar of items done of total; polled for updates when url is given (see task_progress.js)."""
    percent = task.progress_percent()
    return format_html(
        '<div class="task-progress" data-status="{}"{}>'
        '<div class="progress-bar{}"><span style="width: {}%"></span></div>'
        '<span class="progress-text">{}</span></div>',
        task.status,
        format_html(' data-progress-url="{}"', url) if url else "",
        "" if percent is not None else " progress-unknown",
        percent if percent is not None else 100,
        progress_text(
            task.items_processed, task.items_total, task.items_succeeded, task.items_failed
        ),
    )


def progress_json(task):
    """What task_progress.js needs to redraw a running task's progress."""
    return {
        "id": task.pk,
        "status": task.status,
        "status_label": STATUS_LABELS.get(task.status, task.status),
        "finished": task.is_finished,
        "items_total": task.items_total,
        "items_processed": task.items_processed,
        "items_succeeded": task.items_succeeded,
        "items_failed": task.items_failed,
        "percent": task.progress_percent(),
        "text": progress_text(
            task.items_processed, task.items_total, task.items_succeeded, task.items_failed
        ),
        "cancel_requested": task.cancel_requested_at is not None,
        "heartbeat_at": task.heartbeat_at.isoformat() if task.heartbeat_at else None,
    }


def moment(value, seconds=False):
    """A compact local date and time: 2026-11-28 17:33(:58)."""
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def started_at(task):
    return task.actual_start or task.date_created


def runs_chart(runs):
    """Inline SVG: one bar per run, oldest left, height by duration, colour by outcome.

    `runs` are (id, status, duration_seconds, started) newest first, as the query gives them.
    """
    runs = list(reversed(runs[:CHART_RUNS]))
    if not runs:
        return mark_safe('<span class="runs-chart-empty">no runs yet</span>')
    longest = max((run[2] or 0) for run in runs) or 1
    width = CHART_RUNS * (CHART_BAR_WIDTH + CHART_GAP)
    bars = format_html_join(
        "",
        '<rect class="bar-{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
        (_bar(index, run, longest) for index, run in enumerate(runs)),
    )
    return format_html(
        '<svg class="runs-chart" role="img" width="{}" height="{}" viewBox="0 0 {} {}">'
        "<title>{}</title>{}</svg>",
        width,
        CHART_HEIGHT,
        width,
        CHART_HEIGHT,
        f"Duration and outcome of the last {len(runs)} runs",
        bars,
    )


def _bar(index, run, longest):
    pk, status, seconds, started = run
    height = max(2, round(CHART_HEIGHT * (seconds or 0) / longest))
    when = timezone.localtime(started).strftime("%Y-%m-%d %H:%M") if started else "?"
    label = f"#{pk} {STATUS_LABELS.get(status, status)} at {when}, {duration_text(seconds)}"
    return (
        status,
        index * (CHART_BAR_WIDTH + CHART_GAP),
        CHART_HEIGHT - height,
        CHART_BAR_WIDTH,
        height,
        label,
    )


def chart_runs(task_name):
    """The last runs of one job for runs_chart: one index range scan, few columns."""
    return [
        (pk, status, seconds, start or created)
        for pk, status, seconds, start, created in Task.objects.filter(task_name=task_name)
        .finished()
        .values_list("pk", "status", "duration_seconds", "actual_start", "date_created")[
            :CHART_RUNS
        ]
    ]


class ReadOnlyAdmin:
    """A ModelAdmin mixin for a page that shows what the site recorded: staff may look,
    never add, change or delete (the index then says "View")."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
