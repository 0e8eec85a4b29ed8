"""run_task(): the one code path every run takes, and the Task row it leaves behind.

These tests need transactional_db: the heartbeat thread (and the background runs below)
use connections of their own, which must see committed rows.
"""

import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.utils import timezone

from scheduling import runner
from scheduling.models import FailedAttempt, Task, this_host
from scheduling.tests.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-mam-cookie-value"


@pytest.fixture(autouse=True)
def test_jobs(settings, monkeypatch):
    settings.EXTRA_JOBS = "scheduling.tests.jobs"
    settings.TASK_HEARTBEAT_SECONDS = 0.2
    settings.MAM_SESSION_ID = SECRET
    monkeypatch.setenv("SLEEPY_SECONDS", "0.1")
    monkeypatch.setenv("SLEEPY_ITEMS", "300")


@pytest.fixture
def in_background():
    """Run run_task in a thread (with its own connection); joined at the end."""
    threads = []

    def start(name):
        def target():
            try:
                runner.run_task(name, Task.SCHEDULE)
            finally:
                connection.close()

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        threads.append(thread)
        return thread

    yield start
    for thread in threads:
        runner.request_cancel("sleepy")
        thread.join(timeout=30)


def running_row(name):
    return Task.objects.running().filter(task_name=name).first()


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# --- closing the row --------------------------------------------------------------------


def test_a_successful_run_is_closed_as_completed_with_its_counts():
    task = runner.run_task("tick", Task.CLI)
    task.refresh_from_db()
    assert task.status == Task.COMPLETED
    assert task.trigger == Task.CLI
    assert (task.items_total, task.items_processed, task.items_succeeded) == (3, 3, 3)
    assert task.items_failed == 0
    assert task.actual_end >= task.actual_start
    assert task.duration_seconds >= 0
    assert task.error_message == ""


def test_the_row_records_where_the_run_happened():
    task = runner.run_task("tick", Task.CLI)
    task.refresh_from_db()
    assert task.host == this_host()
    assert task.pid is not None


def test_a_run_that_raises_is_closed_as_failed_with_the_traceback():
    task = runner.run_task("boom", Task.CLI)
    task.refresh_from_db()
    assert task.status == Task.FAILED
    assert task.error_message.startswith("the job blew up")
    assert "Traceback (most recent call last)" in task.error_message
    assert "RuntimeError" in task.error_message
    assert task.actual_end is not None
    assert task.duration_seconds >= 0


def test_a_job_whose_function_cannot_be_loaded_is_closed_as_failed():
    task = runner.run_task("missing", Task.CLI)
    task.refresh_from_db()
    assert task.status == Task.FAILED
    assert "no_such_function" in task.error_message
    assert not Task.objects.running().exists()


def test_the_row_is_closed_even_when_the_database_connection_dropped(monkeypatch):
    update = QuerySet.update
    dropped = []

    def drop_once(queryset, **fields):
        if "actual_end" in fields and not dropped:
            dropped.append(fields)
            raise OperationalError("server closed the connection unexpectedly")
        return update(queryset, **fields)

    monkeypatch.setattr(QuerySet, "update", drop_once)
    task = runner.run_task("tick", Task.CLI)
    assert dropped
    assert Task.objects.get(pk=task.pk).status == Task.COMPLETED


def test_a_failed_run_keeps_the_counts_it_reached():
    task = runner.run_task("boom", Task.CLI)
    task.refresh_from_db()
    assert (task.items_total, task.items_processed) == (2, 2)
    assert (task.items_succeeded, task.items_failed) == (1, 1)


def test_an_item_that_fails_is_kept_as_a_failed_attempt_of_the_run():
    task = runner.run_task("boom", Task.CLI)
    attempt = FailedAttempt.objects.get(task_name="boom")
    assert (attempt.item_type, attempt.item_key, attempt.item_label) == ("boom", "2", "Item two")
    assert attempt.error_message == "item two is broken"
    assert attempt.task_id == task.pk
    assert attempt.next_retry_at is not None


def test_an_item_that_succeeds_resolves_its_open_failed_attempt():
    FailedAttempt.record("tick", "tick", 1, "was broken")
    runner.run_task("tick", Task.CLI)
    assert FailedAttempt.objects.open().count() == 0


# --- log capture ------------------------------------------------------------------------


def test_the_jobs_log_lines_are_kept_on_the_row():
    task = runner.run_task("tick", Task.CLI)
    task.refresh_from_db()
    assert "tick item 0" in task.log_output
    assert "tick item 2" in task.log_output
    assert "ticked 3 items" in task.log_output


def test_the_log_keeps_only_its_tail_when_a_job_writes_a_lot(monkeypatch):
    monkeypatch.setenv("CHATTY_LINES", "3000")  # about 300 kB of lines
    task = runner.run_task("chatty", Task.CLI)
    task.refresh_from_db()
    assert len(task.log_output) <= runner.LOG_TAIL_CHARS + 100
    assert "last line" in task.log_output
    assert "first line" not in task.log_output
    assert "earlier lines dropped" in task.log_output


def test_secrets_in_log_lines_are_redacted():
    task = runner.run_task("chatty", Task.CLI)
    task.refresh_from_db()
    assert "first line, with cookie [redacted]" in task.log_output
    assert SECRET not in task.log_output


def test_secrets_in_the_error_are_redacted(monkeypatch):
    monkeypatch.setenv("CHATTY_FAILS", "1")
    task = runner.run_task("chatty", Task.CLI)
    task.refresh_from_db()
    assert task.status == Task.FAILED
    assert "refused cookie [redacted]" in task.error_message
    assert SECRET not in task.error_message
    assert SECRET not in task.log_output


def test_log_lines_of_the_jobs_helper_thread_are_kept_on_the_row():
    task = runner.run_task("helped", Task.CLI)
    task.refresh_from_db()
    assert "line from the helper thread" in task.log_output


def test_log_lines_of_other_threads_stay_out_of_the_row(in_background):
    in_background("sleepy")
    wait_until(lambda: running_row("sleepy"), 10, "sleepy running")
    task = runner.run_task("tick", Task.CLI)
    task.refresh_from_db()
    runner.request_cancel("sleepy")
    assert "tick item 0" in task.log_output
    assert "sleepy" not in task.log_output


# --- while it runs ----------------------------------------------------------------------


def test_progress_and_heartbeat_reach_the_row_while_the_job_runs(in_background):
    in_background("sleepy")
    first = wait_until(lambda: running_row("sleepy"), 10, "sleepy running")
    row = wait_until(
        lambda: Task.objects.filter(pk=first.pk, items_processed__gte=3).first(),
        10,
        "progress on the running row",
    )
    assert row.status == Task.RUNNING
    assert row.items_total == 300
    assert row.heartbeat_at > first.heartbeat_at


def test_a_second_start_while_running_gives_a_skipped_row(in_background):
    in_background("sleepy")
    first = wait_until(lambda: running_row("sleepy"), 10, "sleepy running")
    second = runner.run_task("sleepy", Task.CLI)
    assert second.pk != first.pk
    assert second.status == Task.SKIPPED
    assert "already running" in second.error_message
    assert f"task #{first.pk}" in second.error_message
    assert Task.objects.running().filter(task_name="sleepy").count() == 1


def test_cancel_stops_the_run_between_items_and_keeps_its_counts(in_background):
    thread = in_background("sleepy")
    task = wait_until(lambda: running_row("sleepy"), 10, "sleepy running")
    wait_until(
        lambda: Task.objects.filter(pk=task.pk, items_processed__gte=2).exists(), 10, "progress"
    )
    assert runner.request_cancel("sleepy").pk == task.pk
    thread.join(timeout=30)
    task.refresh_from_db()
    assert task.status == Task.CANCELLED
    assert 2 <= task.items_processed < 300
    assert task.items_succeeded == task.items_processed
    assert task.actual_end is not None
    assert "Cancelled by request" in task.log_output


def test_an_interrupt_during_set_up_still_closes_the_row(monkeypatch):
    start = runner.RunContext._start

    def interrupted(run, capture, beat):
        start(run, capture, beat)
        raise KeyboardInterrupt

    monkeypatch.setattr(runner.RunContext, "_start", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run_task("tick", Task.CLI)
    assert Task.objects.get(task_name="tick").status == Task.CANCELLED
    assert runner.active_runs() == []


def test_cancel_of_a_job_that_is_not_running_does_nothing():
    assert runner.request_cancel("sleepy") is None


# --- abandoned rows ---------------------------------------------------------------------


def test_a_row_left_by_a_dead_process_is_closed_as_abandoned_before_the_next_claim():
    start = timezone.now() - timedelta(seconds=5)
    dead = Task.objects.create(
        task_name="tick",
        status=Task.RUNNING,
        trigger=Task.SCHEDULE,
        actual_start=start,
        heartbeat_at=start,
        host=this_host(),
        pid=dead_pid(),
    )
    task = runner.run_task("tick", Task.CLI)
    dead.refresh_from_db()
    assert dead.status == Task.FAILED
    assert dead.error_message.startswith("abandoned")
    assert dead.actual_end is not None
    task.refresh_from_db()
    assert task.status == Task.COMPLETED


def test_a_row_whose_heartbeat_went_stale_is_closed_as_abandoned(settings):
    settings.TASK_STALE_AFTER_SECONDS = 5
    stale = timezone.now() - timedelta(minutes=1)
    silent = Task.objects.create(
        task_name="tick",
        status=Task.RUNNING,
        trigger=Task.SCHEDULE,
        actual_start=stale,
        heartbeat_at=stale,
        host="another-host",
        pid=1,
    )
    task = runner.run_task("tick", Task.CLI)
    silent.refresh_from_db()
    assert silent.status == Task.FAILED
    assert silent.error_message.startswith("abandoned")
    assert task.status == Task.COMPLETED


def test_a_live_run_is_never_closed_as_abandoned(in_background):
    in_background("sleepy")
    first = wait_until(lambda: running_row("sleepy"), 10, "sleepy running")
    runner.run_task("sleepy", Task.CLI)
    first.refresh_from_db()
    assert first.status == Task.RUNNING


def test_the_sweep_closes_orphans_of_every_job_and_spares_live_runs(in_background):
    in_background("sleepy")
    live = wait_until(lambda: running_row("sleepy"), 10, "sleepy running")
    for name in ["tick", "boom"]:
        Task.objects.create(
            task_name=name,
            status=Task.RUNNING,
            trigger=Task.SCHEDULE,
            heartbeat_at=timezone.now(),
            host=this_host(),
            pid=dead_pid(),
        )
    closed = runner.close_abandoned_runs()
    assert sorted(task.task_name for task in closed) == ["boom", "tick"]
    assert list(Task.objects.running().values_list("pk", flat=True)) == [live.pk]


def test_a_job_that_cannot_work_is_recorded_as_skipped_with_its_reason():
    task = runner.run_task("skips", Task.CLI)

    task.refresh_from_db()
    assert task.status == Task.SKIPPED
    assert task.error_message == "nothing to do: NOTHING_PATH is not set"
    assert "Traceback" not in task.log_output
