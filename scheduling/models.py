"""What the scheduler records and what staff ask of it.

- Task: one row per run of a job (history), at most one `running` row per job.
- FailedAttempt: one row per item that failed, kept forever, with backoff.
- JobControl: staff's desired state per job (paused, schedule override, run-now request),
  written by the admin and the shell commands, applied by the running scheduler.
- SchedulerProcess: each runscheduler's heartbeat, so the admin and /healthz can tell
  whether a scheduler is alive.
- ServiceCheck: the latest state of each dependency (scheduling.health).
- ApiKey: the keys that open /api/status to a dashboard (Homepage, Home Assistant, ...).
"""

import hashlib
import os
import secrets
import socket
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone


def this_host():
    return socket.gethostname()[:255]


class TaskQuerySet(models.QuerySet):
    def running(self):
        return self.filter(status=Task.RUNNING)

    def finished(self):
        return self.exclude(status__in=[Task.RUNNING, Task.PENDING])


class Task(models.Model):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    STATUS_CHOICES = [
        (PENDING, "Pending"),
        (RUNNING, "Running"),
        (COMPLETED, "Completed"),
        (FAILED, "Failed"),
        (SKIPPED, "Skipped"),
        (CANCELLED, "Cancelled"),
    ]
    SCHEDULE = "schedule"
    ADMIN = "admin"
    CLI = "cli"
    TRIGGER_CHOICES = [(SCHEDULE, "Schedule"), (ADMIN, "Admin"), (CLI, "Command line")]

    task_name = models.CharField(max_length=64, help_text="The job's registry name.")
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=PENDING)
    trigger = models.CharField(
        max_length=16, choices=TRIGGER_CHOICES, help_text="What started the run."
    )
    scheduled_for = models.DateTimeField(
        null=True, blank=True, help_text="The cron time this run was due (scheduled runs)."
    )
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    items_total = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many items the job expects to handle, once known."
    )
    items_processed = models.PositiveIntegerField(default=0)
    items_succeeded = models.PositiveIntegerField(default=0)
    items_failed = models.PositiveIntegerField(default=0)
    log_output = models.TextField(blank=True, help_text="The tail of the run's log lines.")
    error_message = models.TextField(blank=True, help_text="The error and its traceback.")
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the process running it."
    )
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="Staff asked the run to stop between items."
    )
    date_created = models.DateTimeField(default=timezone.now, db_index=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["-date_created", "-id"]
        indexes = [
            models.Index(fields=["task_name", "-date_created"], name="task_name_created_idx"),
            models.Index(fields=["status", "-date_created"], name="task_status_created_idx"),
            models.Index(fields=["trigger", "-date_created"], name="task_trigger_created_idx"),
        ]
        constraints = [
            # The database, not hope, guarantees one run of a job at a time.
            models.UniqueConstraint(
                fields=["task_name"],
                condition=Q(status="running"),
                name="one_running_task_per_job",
            )
        ]

    def __str__(self):
        return f"{self.task_name} #{self.pk} ({self.status})"

    @property
    def is_finished(self):
        return self.status not in (self.RUNNING, self.PENDING)

    def progress_percent(self):
        if not self.items_total:
            return None
        return min(100, round(100 * self.items_processed / self.items_total))

    def looks_abandoned(self, now=None, stale_after=None):
        """True when the process that runs this row is gone (or has not beaten in a while)."""
        from django.conf import settings

        if self.status != self.RUNNING:
            return False
        now = now or timezone.now()
        stale_after = stale_after or settings.TASK_STALE_AFTER_SECONDS
        beat = self.heartbeat_at or self.actual_start or self.date_created
        if now - beat > timedelta(seconds=stale_after):
            return True
        return self.host == this_host() and self.pid is not None and not pid_alive(self.pid)


def pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return not _is_zombie(pid)


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class FailedAttemptQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)

    def due(self, now=None):
        now = now or timezone.now()
        return self.open().filter(Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=now))


class FailedAttempt(models.Model):
    """An item a job could not handle. Kept forever (cleanup never touches it)."""

    BACKOFF_CAP_DAYS = 30

    task = models.ForeignKey(
        Task,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="failed_attempts",
        help_text="The run that last failed on it (cleared when that run is pruned).",
    )
    task_name = models.CharField(max_length=64)
    item_type = models.CharField(max_length=32, help_text="book, release, series, author, ...")
    item_key = models.CharField(max_length=255, help_text="The item's id within its type.")
    item_label = models.CharField(max_length=500, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    next_retry_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = FailedAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-last_failed_at"]
        indexes = [
            models.Index(fields=["task_name", "item_type", "item_key"], name="failed_item_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["task_name", "item_type", "item_key"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_failure_per_item",
            )
        ]

    def __str__(self):
        return f"{self.task_name}: {self.item_type} {self.item_label or self.item_key}"

    @classmethod
    def backoff(cls, attempts):
        """1 day after the first failure, then 2, 4, ... capped."""
        return timedelta(days=min(cls.BACKOFF_CAP_DAYS, 2 ** max(0, attempts - 1)))

    @classmethod
    def record(cls, task_name, item_type, item_key, error, label="", task=None, now=None):
        now = now or timezone.now()
        item_key = str(item_key)[:255]
        attempt = (
            cls.objects.open()
            .filter(task_name=task_name, item_type=item_type, item_key=item_key)
            .first()
        )
        if attempt is None:
            attempt = cls(
                task_name=task_name,
                item_type=item_type,
                item_key=item_key,
                first_failed_at=now,
                attempts=0,
            )
        attempt.attempts += 1
        attempt.task = task
        attempt.item_label = str(label)[:500]
        attempt.error_message = str(error)[:10000]
        attempt.last_failed_at = now
        attempt.next_retry_at = now + cls.backoff(attempt.attempts)
        attempt.save()
        return attempt

    @classmethod
    def resolve(cls, task_name, item_type, item_keys, now=None):
        """Close the open failures of these items (they succeeded). Returns how many."""
        keys = [str(key) for key in item_keys]
        return (
            cls.objects.open()
            .filter(task_name=task_name, item_type=item_type, item_key__in=keys)
            .update(resolved_at=now or timezone.now())
        )

    def retry_now(self):
        self.next_retry_at = None
        self.save(update_fields=["next_retry_at"])

    def mark_resolved(self):
        self.resolved_at = timezone.now()
        self.save(update_fields=["resolved_at"])


class JobControl(models.Model):
    """Staff's desired state for one job; the scheduler applies it within seconds."""

    name = models.CharField(max_length=64, primary_key=True)
    paused = models.BooleanField(default=False, help_text="Staff want the job paused.")
    schedule_override = models.CharField(
        max_length=100, blank=True, help_text="Standard cron; empty means the setting's value."
    )
    run_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Run now was asked for and the scheduler has not started it.",
    )
    run_requested_by = models.CharField(max_length=150, blank=True)
    applied_paused = models.BooleanField(
        null=True, help_text="The paused state the scheduler last applied."
    )
    applied_schedule = models.CharField(
        max_length=100, blank=True, help_text="The schedule the scheduler last applied."
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        permissions = [("control_jobs", "Can control jobs (pause, resume, run now, cancel)")]
        verbose_name = "scheduled job"

    def __str__(self):
        return f"{self.name} (paused)" if self.paused else self.name

    @classmethod
    def set_paused(cls, name, paused):
        """Staff's wish; the running scheduler applies it within seconds."""
        control, _ = cls.objects.get_or_create(name=name)
        if control.paused != paused:
            control.paused = paused
            control.save(update_fields=["paused", "updated_at"])
        return control

    @classmethod
    def request_run(cls, name, requested_by=""):
        """Queue a run for the scheduler; returns False when one is already queued."""
        control, _ = cls.objects.get_or_create(name=name)
        return bool(
            cls.objects.filter(pk=name, run_requested_at__isnull=True).update(
                run_requested_at=timezone.now(), run_requested_by=requested_by[:150]
            )
        )

    @property
    def pending_change(self):
        """True while the scheduler has not yet applied what staff asked for."""
        return self.applied_paused != self.paused or self.run_requested_at is not None


class SchedulerProcess(models.Model):
    """A runscheduler process and its last sign of life."""

    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    is_leader = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    last_beat = models.DateTimeField(default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_beat"]
        verbose_name_plural = "scheduler processes"

    def __str__(self):
        role = "leader" if self.is_leader else "standby"
        return f"{self.host}:{self.pid} ({role})"

    ALIVE_SECONDS = 30  # a process that beat within this is running

    @classmethod
    def alive(cls, within_seconds=ALIVE_SECONDS):
        """The processes still beating: not stopped, a beat within `within_seconds`."""
        cutoff = timezone.now() - timedelta(seconds=within_seconds)
        return cls.objects.filter(stopped_at__isnull=True, last_beat__gte=cutoff)

    @classmethod
    def alive_leader(cls, within_seconds=ALIVE_SECONDS):
        return cls.alive(within_seconds).filter(is_leader=True).first()


class ServiceCheck(models.Model):
    """The latest known state of one dependency (a service, the library folders, ...).

    Written by scheduling.health.record() whenever a job or a staff test learns something,
    read by the dashboard and /healthz. One row per service, never a history.
    """

    service = models.CharField(max_length=64, primary_key=True, help_text='e.g. "mam"')
    ok = models.BooleanField(null=True, help_text="Null until something was learned.")
    summary = models.CharField(
        max_length=500, blank=True, help_text="In words: what works, or what is wrong."
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_problem_at = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(
        default=dict, blank=True, help_text="Facts worth showing staff (version, free space, ...)."
    )

    class Meta:
        ordering = ["service"]
        verbose_name = "service health"
        verbose_name_plural = "health"

    def __str__(self):
        state = {True: "ok", False: "problem", None: "unknown"}[self.ok]
        return f"{self.service}: {state}"


class ApiKey(models.Model):
    """A key that opens the read-only /api/status to one dashboard.

    Only its SHA-256 is stored (the key is 256 random bits, so a plain hash is enough; a slow
    password hash would only slow each dashboard poll): the key itself is shown once, when
    staff create it, and can never be read back.
    """

    PREFIX = "abs_"
    LAST_USED_EVERY = timedelta(minutes=1)  # a dashboard polling each second: one write a minute

    name = models.CharField(max_length=100, help_text='Who uses it, e.g. "Homepage".')
    prefix = models.CharField(
        max_length=16, editable=False, help_text="The key's first characters, to tell keys apart."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest(key):
        return hashlib.sha256(key.encode()).hexdigest()

    def generate(self):
        """Give this (unsaved) row a new key; returns the key, which is not kept."""
        key = self.PREFIX + secrets.token_urlsafe(32)
        self.prefix, self.key_hash = key[:10], self.digest(key)
        return key

    @classmethod
    def find(cls, key):
        """The row of `key`, marked as used, or None."""
        if not key or len(key) > 200:
            return None
        row = cls.objects.filter(key_hash=cls.digest(key)).first()
        now = timezone.now()
        if row and (row.last_used_at is None or now - row.last_used_at > cls.LAST_USED_EVERY):
            cls.objects.filter(pk=row.pk).update(last_used_at=now)
        return row
