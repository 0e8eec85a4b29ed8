"""cleanup_old_tasks: prunes old run history in batches and keeps what must be kept."""

from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.utils import timezone
from django_apscheduler.models import DjangoJob, DjangoJobExecution

from scheduling import cleanup, runner
from scheduling.models import FailedAttempt, Task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def retention(settings):
    settings.HISTORY_RETENTION_DAYS = 30


@pytest.fixture
def deletes(monkeypatch):
    """The (model, row count) of every batch DELETE, in order."""
    seen = []
    raw_delete = QuerySet._raw_delete

    def spy(queryset, using):
        count = raw_delete(queryset, using)
        seen.append((queryset.model, count))
        return count

    monkeypatch.setattr(QuerySet, "_raw_delete", spy)
    return seen


def task(days_old, status=Task.COMPLETED, name="tick"):
    return Task.objects.create(
        task_name=name,
        status=status,
        trigger=Task.SCHEDULE,
        date_created=timezone.now() - timedelta(days=days_old),
    )


def execution(days_old):
    job, _ = DjangoJob.objects.get_or_create(id="tick", defaults={"job_state": b""})
    return DjangoJobExecution.objects.create(
        job=job, status=DjangoJobExecution.SUCCESS, run_time=timezone.now() - timedelta(days_old)
    )


def cleanup_run():
    return runner.run_task("cleanup_old_tasks", Task.CLI)


def test_it_deletes_rows_older_than_the_retention_and_keeps_newer_ones():
    old = [task(31), task(45), task(400)]
    recent = [task(29), task(1), task(0)]
    cleanup_run()
    assert not Task.objects.filter(pk__in=[t.pk for t in old]).exists()
    assert Task.objects.filter(pk__in=[t.pk for t in recent]).count() == 3


def test_the_retention_comes_from_the_setting(settings):
    settings.HISTORY_RETENTION_DAYS = 3
    kept, gone = task(2), task(4)
    cleanup_run()
    assert Task.objects.filter(pk=kept.pk).exists()
    assert not Task.objects.filter(pk=gone.pk).exists()


def test_it_deletes_in_several_small_batches(monkeypatch, deletes):
    monkeypatch.setattr(cleanup, "BATCH_SIZE", 4)
    for _ in range(10):
        task(40)
    cleanup_run()
    assert [count for model, count in deletes if model is Task] == [4, 4, 2]
    assert not Task.objects.filter(date_created__lt=timezone.now() - timedelta(days=30)).exists()


def test_the_run_reports_how_many_rows_it_deleted(monkeypatch):
    monkeypatch.setattr(cleanup, "BATCH_SIZE", 2)
    for _ in range(5):
        task(40)
    run = cleanup_run()
    run.refresh_from_db()
    assert run.status == Task.COMPLETED
    assert (run.items_total, run.items_processed) == (5, 5)
    assert "Deleted 5 task rows" in run.log_output


def test_it_never_deletes_a_running_row():
    stuck = task(90, status=Task.RUNNING, name="sleepy")
    cleanup_run()
    assert Task.objects.get(pk=stuck.pk).status == Task.RUNNING


def test_it_keeps_failed_attempts_and_unlinks_them_from_pruned_runs():
    old = task(40)
    attempt = FailedAttempt.record("tick", "book", "7", "not found", task=old)
    cleanup_run()
    attempt.refresh_from_db()
    assert attempt.task_id is None
    assert attempt.error_message == "not found"
    assert not Task.objects.filter(pk=old.pk).exists()


def test_failed_attempts_of_recent_runs_keep_their_link():
    recent = task(2)
    attempt = FailedAttempt.record("tick", "book", "7", "not found", task=recent)
    cleanup_run()
    attempt.refresh_from_db()
    assert attempt.task_id == recent.pk


def test_it_trims_the_schedulers_execution_history(monkeypatch, deletes):
    monkeypatch.setattr(cleanup, "BATCH_SIZE", 2)
    old = [execution(31) for _ in range(5)]
    recent = execution(1)
    cleanup_run()
    assert not DjangoJobExecution.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert DjangoJobExecution.objects.filter(pk=recent.pk).exists()
    assert [c for model, c in deletes if model is DjangoJobExecution] == [2, 2, 1]
