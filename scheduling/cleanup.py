"""cleanup_old_tasks: prune run history older than HISTORY_RETENTION_DAYS.

Deletes in batches of primary keys, each in its own short transaction, so that a million
old rows never hold one long lock (the site and the scheduler keep writing meanwhile).
FailedAttempt rows are kept: their link to a pruned run is cleared first, in the same
batch. django-apscheduler's execution history is trimmed the same way.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_apscheduler.models import DjangoJobExecution

from scheduling.models import FailedAttempt, Task

BATCH_SIZE = 5000


def delete_in_batches(queryset, run=None, batch_size=None, before_delete=None):
    """Delete the rows of queryset a batch at a time. Returns how many were deleted."""
    # Read at call time, not bound as a default: settings-free tuning (and tests) can patch it.
    batch_size = batch_size or BATCH_SIZE
    deleted = 0
    model = queryset.model
    while True:
        if run:
            run.check_cancel()
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            if before_delete:
                before_delete(ids)
            # _raw_delete: one DELETE ... WHERE id IN (...), no per-row signals or collection.
            count = model.objects.filter(pk__in=ids)._raw_delete(model.objects.db)
        deleted += count
        if run:
            run.processed += count
            run.succeeded_count += count


def _unlink_failed_attempts(task_ids):
    FailedAttempt.objects.filter(task_id__in=task_ids).update(task=None)


def cleanup_old_tasks(run):
    cutoff = timezone.now() - timedelta(days=settings.HISTORY_RETENTION_DAYS)
    old_tasks = Task.objects.filter(date_created__lt=cutoff).exclude(status=Task.RUNNING)
    old_executions = DjangoJobExecution.objects.filter(run_time__lt=cutoff)
    run.set_total(old_tasks.count() + old_executions.count())
    run.log.info(
        "Pruning history older than %s (%d days).",
        f"{cutoff:%Y-%m-%d %H:%M}",
        settings.HISTORY_RETENTION_DAYS,
    )
    tasks = delete_in_batches(old_tasks, run, before_delete=_unlink_failed_attempts)
    executions = delete_in_batches(old_executions, run)
    return (
        f"Deleted {tasks} task rows and {executions} scheduler execution rows; "
        "failed attempts kept."
    )
