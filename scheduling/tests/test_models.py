"""The scheduling models' own behaviour: the one-running-row rule, backoff, staff's wishes."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduling.models import FailedAttempt, JobControl, Task, pid_alive, this_host

pytestmark = pytest.mark.django_db


def running(name, **fields):
    now = timezone.now()
    defaults = {"trigger": Task.CLI, "actual_start": now, "heartbeat_at": now}
    return Task.objects.create(task_name=name, status=Task.RUNNING, **{**defaults, **fields})


def dead_pid():
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# --- the one-running-row constraint -----------------------------------------------------


def test_a_second_running_row_for_the_same_job_is_refused():
    running("tick")
    with pytest.raises(IntegrityError), transaction.atomic():
        running("tick")
    assert Task.objects.running().count() == 1


def test_different_jobs_may_run_at_the_same_time():
    running("tick")
    running("sleepy")
    assert Task.objects.running().count() == 2


def test_finished_rows_of_a_job_are_unlimited():
    for status in [Task.COMPLETED, Task.COMPLETED, Task.FAILED, Task.SKIPPED, Task.CANCELLED]:
        Task.objects.create(task_name="tick", status=status, trigger=Task.SCHEDULE)
    running("tick")
    assert Task.objects.filter(task_name="tick").count() == 6


def test_a_job_may_run_again_once_its_running_row_is_closed():
    task = running("tick")
    Task.objects.filter(pk=task.pk).update(status=Task.COMPLETED)
    running("tick")
    assert Task.objects.running().count() == 1


# --- FailedAttempt ----------------------------------------------------------------------


def record(now, key="42"):
    return FailedAttempt.record("tick", "book", key, "not found", label="A Book", now=now)


def test_a_failure_is_retried_after_one_day_then_two_then_four():
    now = timezone.now()
    waits = [record(now).next_retry_at - now for _ in range(3)]
    assert waits == [timedelta(days=1), timedelta(days=2), timedelta(days=4)]


def test_repeated_failures_of_an_item_share_one_row_and_count_attempts():
    now = timezone.now()
    first = record(now)
    again = record(now + timedelta(days=1))
    assert again.pk == first.pk
    assert again.attempts == 2
    assert again.first_failed_at == now
    assert again.last_failed_at == now + timedelta(days=1)


def test_the_backoff_is_capped():
    now = timezone.now()
    for _ in range(12):
        attempt = record(now)
    assert attempt.attempts == 12
    assert attempt.next_retry_at - now == timedelta(days=FailedAttempt.BACKOFF_CAP_DAYS)


def test_resolve_closes_the_open_failures_of_the_items_that_succeeded():
    record(timezone.now(), key="1")
    record(timezone.now(), key="2")
    assert FailedAttempt.resolve("tick", "book", [1]) == 1
    assert list(FailedAttempt.objects.open().values_list("item_key", flat=True)) == ["2"]


def test_a_failure_after_resolve_starts_a_new_row_and_keeps_the_old_one():
    old = record(timezone.now())
    FailedAttempt.resolve("tick", "book", ["42"])
    new = record(timezone.now())
    assert new.pk != old.pk
    assert new.attempts == 1
    assert FailedAttempt.objects.count() == 2


def test_due_lists_open_failures_whose_retry_time_has_come():
    now = timezone.now()
    record(now - timedelta(days=2), key="due")
    record(now, key="waiting")
    assert [a.item_key for a in FailedAttempt.objects.due(now)] == ["due"]


# --- JobControl -------------------------------------------------------------------------


def test_set_paused_writes_the_wish_and_leaves_it_unapplied():
    control = JobControl.set_paused("tick", True)
    control.refresh_from_db()
    assert control.paused is True
    assert control.applied_paused is None
    assert control.pending_change


def test_set_paused_false_resumes_a_paused_job():
    JobControl.set_paused("tick", True)
    JobControl.set_paused("tick", False)
    assert JobControl.objects.get(name="tick").paused is False


def test_request_run_queues_one_request_and_refuses_a_second():
    assert JobControl.request_run("tick", requested_by="alice") is True
    assert JobControl.request_run("tick", requested_by="bob") is False
    control = JobControl.objects.get(name="tick")
    assert control.run_requested_at is not None
    assert control.run_requested_by == "alice"


# --- Task.looks_abandoned and pid_alive -------------------------------------------------


def test_a_running_row_of_a_live_process_is_not_abandoned():
    task = running("tick", host=this_host(), pid=os.getpid())
    assert not task.looks_abandoned()


def test_a_running_row_whose_pid_is_gone_on_this_host_is_abandoned():
    task = running("tick", host=this_host(), pid=dead_pid())
    assert task.looks_abandoned()


def test_a_dead_pid_on_another_host_is_not_judged_from_here():
    task = running("tick", host="some-other-host", pid=dead_pid())
    assert not task.looks_abandoned()


def test_a_running_row_with_a_stale_heartbeat_is_abandoned_whatever_its_host():
    stale = timezone.now() - timedelta(minutes=10)
    task = running("tick", host="some-other-host", pid=1, heartbeat_at=stale)
    assert task.looks_abandoned(stale_after=60)


def test_a_finished_row_is_never_abandoned():
    task = running("tick", host=this_host(), pid=dead_pid())
    task.status = Task.COMPLETED
    assert not task.looks_abandoned()


def test_pid_alive_knows_this_process_and_a_dead_one():
    assert pid_alive(os.getpid())
    assert not pid_alive(dead_pid())


def test_pid_alive_treats_an_unreaped_zombie_as_dead():
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, zombie.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped
        assert not pid_alive(zombie.pid)
    finally:
        zombie.wait()
