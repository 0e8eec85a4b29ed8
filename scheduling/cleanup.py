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
    """Delete the rows of queryset a batch at a time. Returns how many were deleted.

    A batch is a range of primary keys, (after, boundary], where boundary is the
    batch_size-th matching key: the server finds it (one key comes back, not thousands) and
    the DELETE names the range rather than a list of keys. Fetching each batch's keys and
    sending them back in an IN (...) list cost more in Python than the DELETE cost in the
    database. The next batch starts after the boundary, so no batch walks the index entries
    of rows already deleted.
    """
    # Read at call time, not bound as a default: settings-free tuning (and tests) can patch it.
    batch_size = batch_size or BATCH_SIZE
    db = queryset.db
    queryset = queryset.order_by("pk")
    deleted, after = 0, None
    while True:
        if run:
            run.check_cancel()
        remaining = queryset if after is None else queryset.filter(pk__gt=after)
        with transaction.atomic(using=db):
            boundary = list(remaining.values_list("pk", flat=True)[batch_size - 1 : batch_size])
            batch = remaining.filter(pk__lte=boundary[0]) if boundary else remaining
            if before_delete:
                before_delete(batch)
            # _raw_delete: one DELETE ... WHERE, no per-row signals or collection.
            count = batch._raw_delete(db)
        deleted += count
        if run:
            run.processed += count
            run.succeeded_count += count
        if not boundary:  # that was the last, short batch
            return deleted
        after = boundary[0]


def _unlink_failed_attempts(tasks):
    FailedAttempt.objects.filter(task__in=tasks.values("pk")).update(task=None)


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
