"""The scheduler process behind `manage.py runscheduler`.

It stands by until it holds the leader lock, then hosts APScheduler (jobs kept in the
database by django-apscheduler) and, every SCHEDULER_POLL_SECONDS, applies what staff asked
for in JobControl (pause, resume, schedule override, run now) and beats its heartbeat.

A BackgroundScheduler is used rather than a BlockingScheduler so that the main thread is
free for the control loop and for signals; the process is still one long-lived scheduler.
"""

import logging
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor as RunNowPool
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job as APJob
from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_apscheduler.jobstores import DjangoJobStore

from scheduling import registry, runner
from scheduling.cron import CronError, build_trigger, validate
from scheduling.leader import leader_lock
from scheduling.models import JobControl, SchedulerProcess, Task, this_host

logger = logging.getLogger("scheduling.scheduler")

JOB_FUNC = "scheduling.host:run_scheduled"
DB_ERRORS = runner.DB_UNAVAILABLE  # a read-only database used to crash the control loop


def schedule_of(job, control=None):
    """The cron expression in force: staff's override, else the job's setting.

    An override that is not valid cron (written past the admin's form: by the shell, SQL or
    an older form) is not in force: the job keeps the schedule the scheduler last applied,
    else its setting. Building a trigger from it crashed the scheduler's control loop,
    showjobs and every scheduled run of the job.
    """
    if control is None:
        control = JobControl.objects.filter(name=job.name).first()
    override = control.schedule_override if control else ""
    if not override:
        return job.default_schedule
    if cron_error(override) is None:
        return override
    last = control.applied_schedule
    return last if last and cron_error(last) is None else job.default_schedule


def cron_error(expression):
    """Why the expression is not valid standard cron here, or None when it is."""
    try:
        validate(expression, ZoneInfo(settings.TIME_ZONE))
    except CronError as error:
        return error
    return None


def trigger_of(expression, jitter=True):
    seconds = settings.TASK_JITTER_SECONDS if jitter else 0
    return build_trigger(expression, ZoneInfo(settings.TIME_ZONE), jitter=seconds or None)


def due_time(job, now=None):
    """The cron time of the run that is due now: the last fire time at or before now."""
    now = now or timezone.now()
    trigger = trigger_of(schedule_of(job), jitter=False)
    fire = trigger.get_next_fire_time(None, now - job.misfire_grace - timedelta(minutes=1))
    due = None
    while fire and fire <= now:
        due = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return due


def run_scheduled(name, fired_for=None):
    """What APScheduler calls at a job's cron time (in one of its worker threads).

    fired_for is the (possibly jittered) time APScheduler fired the job for; the cron time
    at or before it is the run's scheduled_for, however late the thread got going.
    """
    try:
        close_old_connections()
        job = registry.get(name)
        runner.run_task(name, Task.SCHEDULE, scheduled_for=due_time(job, fired_for))
    finally:
        connection.close()


class FiredForExecutor(ThreadPoolExecutor):
    """A thread pool that tells run_scheduled which fire time it runs for.

    APScheduler 3 calls a job's function without its scheduled run time. Guessing it from
    the clock names the next cron time when a run starts late (two rows for one cron time,
    none for the other), so the time is passed along as a keyword argument of a copy of
    the job. Jobs coalesce, so there is one run time per submission.

    Coalescing drops the earlier due times of a job whose scheduler was down across
    several, without an event: on_coalesced(job_id, dropped, kept) is told of them here,
    where the job still holds its first due time, so that each gets its "Missed" row.
    """

    def __init__(self, max_workers=10, on_coalesced=None):
        super().__init__(max_workers=max_workers)
        self.on_coalesced = on_coalesced

    def _do_submit_job(self, job, run_times):
        if self.on_coalesced and job.next_run_time:
            every = job._get_run_times(datetime.now(UTC))
            dropped = [due for due in every if due < run_times[-1]]
            if dropped:
                self.on_coalesced(job.id, dropped, run_times[-1])
        super()._do_submit_job(_with_kwargs(job, fired_for=run_times[-1]), run_times)


def _with_kwargs(job, **kwargs):
    clone = APJob.__new__(APJob)
    clone.__setstate__(job.__getstate__())
    clone._scheduler, clone._jobstore_alias = job._scheduler, job._jobstore_alias
    clone.kwargs = {**job.kwargs, **kwargs}
    return clone


class SchedulerHost:
    def __init__(self, out=None, once=False):
        self.out = out or (lambda message: logger.info("%s", message))
        self.once = once
        self.lock = leader_lock()
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.scheduler = None
        self.process = None
        self.run_now_pool = None
        self._bad_overrides = {}  # job name -> the invalid override already reported

    # --- life cycle ----------------------------------------------------------------------

    def install_signal_handlers(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        self.out(f"Received {signal.Signals(signum).name}: stopping after the running jobs.")
        self.stop()

    def stop(self):
        self.stopping.set()
        self.wake.set()

    def run(self):
        self.process = SchedulerProcess.objects.create(host=this_host(), pid=os.getpid())
        announced = False
        try:
            while not self.stopping.is_set():
                if self.lock.try_acquire():
                    self._set_role(leader=True)
                    self.out(f"Leader: scheduling jobs (pid {os.getpid()}, {settings.TIME_ZONE}).")
                    self.lead()
                    self._set_role(leader=False)
                    announced = False
                    continue
                if not announced:
                    self.out(
                        "Standby: another scheduler holds the leader lock; waiting to take over."
                    )
                    announced = True
                self._beat()
                self.stopping.wait(1)
        finally:
            self.lock.release()
            self._safely(
                lambda: SchedulerProcess.objects.filter(pk=self.process.pk).update(
                    stopped_at=timezone.now(), is_leader=False
                )
            )
            self.out("Scheduler stopped.")

    def lead(self):
        self.scheduler = self._build_scheduler()
        self.run_now_pool = RunNowPool(max_workers=4, thread_name_prefix="run-now")
        self.scheduler.start(paused=True)
        self.register_jobs()
        self.scheduler.resume()
        try:
            while not self.stopping.is_set():
                if not self.lock.still_held():
                    self.out("Lost the leader lock (database connection gone); standing down.")
                    break
                self.poll()
                self.wake.wait(settings.SCHEDULER_POLL_SECONDS)
                self.wake.clear()
        finally:
            self.scheduler.shutdown(wait=False)
            self.run_now_pool.shutdown(wait=False, cancel_futures=True)
            self.finish_running_jobs()

    def run_once(self):
        """--once: run what is due now (and requested run-nows), then return."""
        if not self.lock.try_acquire():
            self.out("Another scheduler holds the leader lock; nothing to do.")
            return False
        try:
            self.scheduler = self._build_scheduler()
            self.scheduler.start(paused=True)
            self.register_jobs()
            for job in self.scheduler.get_jobs():
                self._run_if_due(job)
            for control in JobControl.objects.filter(run_requested_at__isnull=False):
                if control.name not in registry.names():
                    self._drop_unknown_request(control)
                elif self._take_run_request(control):
                    runner.run_task(control.name, Task.ADMIN)
            self.scheduler.shutdown(wait=False)
        finally:
            self.lock.release()
        return True

    def _run_if_due(self, aps_job):
        now = timezone.now()
        due = aps_job.next_run_time
        if due is None or due > now:
            return
        job = registry.get(aps_job.id)
        every = aps_job._get_run_times(now)
        if len(every) > 1:  # down across several due times: one run catches up
            record_missed(job.name, every[:-1], every[-1])
            due = every[-1]
        if now - due > job.misfire_grace:
            runner.record_skip(job.name, Task.SCHEDULE, _missed_reason(due, job), scheduled_for=due)
        else:
            runner.run_task(job.name, Task.SCHEDULE, scheduled_for=due)
        aps_job.modify(next_run_time=aps_job.trigger.get_next_fire_time(due, timezone.now()))

    def finish_running_jobs(self):
        """Wait for this process's runs up to the timeout, then cancel, then close them."""
        timeout = settings.SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS
        if runner.active_runs():
            self.out(f"Waiting up to {timeout:g}s for {len(runner.active_runs())} running job(s).")
        if _wait_for_runs(timeout):
            return
        for run in runner.active_runs():
            run.request_cancel()
        if _wait_for_runs(10):
            return
        for run in runner.active_runs():
            Task.objects.filter(pk=run.task.pk, status=Task.RUNNING).update(
                status=Task.FAILED,
                actual_end=timezone.now(),
                error_message="interrupted: the scheduler was stopped while the job ran",
            )

    # --- jobs ----------------------------------------------------------------------------

    def _build_scheduler(self):
        scheduler = BackgroundScheduler(
            timezone=ZoneInfo(settings.TIME_ZONE),
            jobstores={"default": DjangoJobStore()},
            executors={
                "default": FiredForExecutor(max_workers=10, on_coalesced=self._on_coalesced)
            },
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        scheduler.add_listener(self._on_not_run, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        return scheduler

    def register_jobs(self):
        """Put every enabled job in the store; keep paused jobs paused and missed runs due."""
        wanted = set()
        for job in registry.all_jobs():
            if not job.enabled:
                continue
            wanted.add(job.name)
            control, _ = JobControl.objects.get_or_create(name=job.name)
            self._register(job, control)
        for stale in self.scheduler.get_jobs():
            if stale.id not in wanted:
                self.out(f"Removing job {stale.id}: disabled or no longer defined.")
                stale.remove()

    def _register(self, job, control):
        self._report_bad_override(job, control)
        expression = schedule_of(job, control)
        trigger = trigger_of(expression)
        existing = self.scheduler.get_job(job.name)
        # add_job(replace_existing=True) alone would recompute next_run_time from now:
        # that un-pauses a paused job and silently drops a run missed while we were down.
        if control.paused:
            next_run = None
        elif existing and existing.next_run_time and str(existing.trigger) == str(trigger):
            next_run = existing.next_run_time
        else:
            next_run = trigger.get_next_fire_time(None, timezone.now())
        self.scheduler.add_job(
            JOB_FUNC,
            trigger=trigger,
            args=[job.name],
            id=job.name,
            name=job.title,
            replace_existing=True,
            misfire_grace_time=int(job.misfire_grace.total_seconds()),
            next_run_time=next_run,
        )
        self._mark_applied(control, expression)

    def _mark_applied(self, control, expression):
        # Re-filter on what we applied: a change staff made meanwhile stays pending.
        JobControl.objects.filter(
            pk=control.pk, paused=control.paused, schedule_override=control.schedule_override
        ).update(
            applied_paused=control.paused, applied_schedule=expression, applied_at=timezone.now()
        )

    def poll(self):
        """Apply staff's requests, close orphaned runs, beat. Survives the database going away."""

        def apply():
            close_old_connections()
            self._beat()
            runner.close_abandoned_runs()
            for control in JobControl.objects.all():  # one row per job: a handful
                self.apply_control(control)

        self._safely(apply)

    def apply_control(self, control):
        try:
            job = registry.get(control.name)
        except registry.UnknownJob:
            self._drop_unknown_request(control)
            return
        if control.run_requested_at and self._take_run_request(control):
            self.out(f"Run now: {job.name} (asked by {control.run_requested_by or 'staff'}).")
            self.run_now_pool.submit(_run_now, job.name)
        if not job.enabled:
            return
        self._report_bad_override(job, control)
        expression = schedule_of(job, control)
        if expression == control.applied_schedule and control.paused == control.applied_paused:
            return
        if self.scheduler.get_job(job.name) is None or expression != control.applied_schedule:
            self._register(job, control)
        elif control.paused:
            self.scheduler.pause_job(job.name)
        else:
            self.scheduler.resume_job(job.name)  # next run computed from now, scheduler woken
        self._mark_applied(control, expression)
        self.out(f"Applied: {job.name} {'paused' if control.paused else 'active'}, {expression}.")

    def _report_bad_override(self, job, control):
        """Say once (per value) that staff's override is not valid cron and is ignored."""
        override = control.schedule_override
        error = cron_error(override) if override else None
        if error is None:
            self._bad_overrides.pop(job.name, None)
        elif self._bad_overrides.get(job.name) != override:
            self._bad_overrides[job.name] = override
            logger.error(
                "Schedule override of %s ignored: %r is not standard cron (%s); it keeps %s.",
                job.name,
                override,
                error,
                schedule_of(job, control),
            )

    def _drop_unknown_request(self, control):
        # A run-now for a job that is no longer defined (a plugin removed): clear it and say
        # so. Left alone it stayed pending forever, and `runscheduler --once` crashed on it.
        if control.run_requested_at and self._take_run_request(control):
            self.out(f"Run now of {control.name} ignored: no such job.")

    def _take_run_request(self, control):
        # Conditional update: only one scheduler (or poll) takes a given request.
        return (
            JobControl.objects.filter(
                pk=control.pk, run_requested_at=control.run_requested_at
            ).update(run_requested_at=None)
            == 1
        )

    def _on_coalesced(self, name, dropped, kept):
        self._safely(lambda: record_missed(name, dropped, kept))

    def _on_not_run(self, event):
        def record():
            close_old_connections()
            job = registry.get(event.job_id)
            if event.code == EVENT_JOB_MISSED:
                reason = _missed_reason(event.scheduled_run_time, job)
            else:
                reason = f"Skipped: {job.name} was still running from its previous run."
            runner.record_skip(
                job.name, Task.SCHEDULE, reason, scheduled_for=event.scheduled_run_time
            )
            logger.warning("%s", reason)

        self._safely(record)

    # --- heartbeat ----------------------------------------------------------------------

    def _beat(self):
        SchedulerProcess.objects.filter(pk=self.process.pk).update(last_beat=timezone.now())

    def _set_role(self, leader):
        self._safely(
            lambda: SchedulerProcess.objects.filter(pk=self.process.pk).update(
                is_leader=leader, last_beat=timezone.now()
            )
        )

    def _safely(self, action):
        try:
            action()
        except DB_ERRORS as error:
            logger.warning("Database unavailable (%s); will retry.", type(error).__name__)
            connection.close()


def _run_now(name):
    try:
        close_old_connections()
        runner.run_task(name, Task.ADMIN)
    except Exception:
        logger.exception("Run now of %s failed to start", name)
    finally:
        connection.close()


MAX_MISSED_ROWS = 100


def record_missed(name, dropped, kept):
    """A "Missed" row for each due time a coalesced run stands in for (the latest 100)."""
    close_old_connections()
    listed = dropped[-MAX_MISSED_ROWS:]
    unlisted = len(dropped) - len(listed)
    for number, due in enumerate(listed):
        reason = (
            f"Missed: due at {due:%Y-%m-%d %H:%M:%S %Z}, but no scheduler was running; one run "
            f"for {kept:%Y-%m-%d %H:%M:%S %Z} stands in for the due times missed in a row."
        )
        if number == 0 and unlisted:
            reason += f" {unlisted} earlier due times before this one have no row of their own."
        runner.record_skip(name, Task.SCHEDULE, reason, scheduled_for=due)
    logger.warning("%s: %d due times missed while no scheduler was running.", name, len(dropped))


def _missed_reason(due, job):
    return (
        f"Missed: due at {due:%Y-%m-%d %H:%M %Z}, but no scheduler was running within the "
        f"job's grace time of {job.misfire_grace}."
    )


def _wait_for_runs(seconds):
    deadline = timezone.now() + timedelta(seconds=seconds)
    while runner.active_runs() and timezone.now() < deadline:
        threading.Event().wait(0.2)
    return not runner.active_runs()
