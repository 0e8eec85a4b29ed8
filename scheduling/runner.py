"""One code path for every way a job starts: the scheduler, the admin's Run now, runtask.

run_task() claims the job in the database (one running row per job), runs the job
function with a RunContext, keeps the row's heartbeat and progress fresh from a side
thread, captures the job's log lines, and closes the row whatever happens.
"""

import logging
import os
import threading
import time
import traceback
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

from django.conf import settings
from django.db import (
    IntegrityError,
    InternalError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.utils import InterfaceError
from django.utils import timezone

from scheduling import health, notify, registry
from scheduling.models import FailedAttempt, Task, this_host
from scheduling.redaction import redact

logger = logging.getLogger(__name__)

LOG_TAIL_CHARS = 64 * 1024
# The database is gone or refuses writes for now: a lost connection, a full disk (both
# OperationalError), a database turned read-only (InternalError on PostgreSQL). Retried.
DB_UNAVAILABLE = (OperationalError, InterfaceError, InternalError)
_active = {}  # task id -> RunContext, the runs of this process
_active_lock = threading.Lock()


class Cancelled(Exception):
    """Raised between items when staff asked the run to stop."""


class SkipRun(Exception):  # noqa: N818 - it names what happens, not an error
    """Raised by a job that cannot do anything useful now (a service not configured,
    a session to renew): the run is recorded as skipped with this reason, not as failed."""


class ServiceProblem(Exception):  # noqa: N818 - a kind of error, mixed into the clients' own
    """A known reason a job could not do its work: a service refusing us, not set up, down.

    Clients' errors mix it in (catalog.clients.http). The run still fails, with its
    traceback in the Task row; runtask tells it in one line (the traceback with -v 2).
    """


def close_if_abandoned(name):
    """Close the job's running row as failed when its process is gone. Returns it or None."""
    for task in Task.objects.running().filter(task_name=name):
        if not task.looks_abandoned():
            continue
        now = timezone.now()
        reason = (
            f"abandoned: the process running it ({task.host} pid {task.pid}) stopped without "
            f"closing it; last heartbeat {task.heartbeat_at:%Y-%m-%d %H:%M:%S %Z}"
            if task.heartbeat_at
            else f"abandoned: the process running it ({task.host} pid {task.pid}) is gone"
        )
        # Re-filter on the old heartbeat: if the owner beat meanwhile, it is alive after all.
        closed = Task.objects.filter(
            pk=task.pk, status=Task.RUNNING, heartbeat_at=task.heartbeat_at
        ).update(
            status=Task.FAILED,
            error_message=reason,
            actual_end=now,
            duration_seconds=_seconds_since(task.actual_start, now),
        )
        if closed:
            logger.warning("Closed %s as %s", task, reason)
            return task
    return None


def close_abandoned_runs():
    """Close every running row whose process is gone. Returns the rows it closed.

    The claim closes a job's orphan only when that job starts again, which for a monthly
    job is weeks away: until then the admin would show a run that is not happening.
    The scheduler calls this as it polls, so a crash shows up within seconds.
    """
    names = set(Task.objects.running().values_list("task_name", flat=True))
    return [task for name in sorted(names) if (task := close_if_abandoned(name))]


def claim(name, trigger, scheduled_for=None):
    """Return a new running Task, or None when the job is already running."""
    close_if_abandoned(name)
    try:
        with transaction.atomic():
            return _new_row(name, trigger, Task.RUNNING, scheduled_for)
    except IntegrityError:  # the one-running-row constraint: someone else has it
        return None


def record_skip(name, trigger, reason, scheduled_for=None):
    """A visible row for a run that did not happen (already running, missed, ...)."""
    return _new_row(
        name, trigger, Task.SKIPPED, scheduled_for, error_message=reason, duration_seconds=0
    )


def _new_row(name, trigger, status, scheduled_for, **fields):
    """A Task row started now by this process; a skipped one ends as it starts."""
    now = timezone.now()
    if status == Task.RUNNING:
        fields["heartbeat_at"] = now
    else:
        fields["actual_end"] = now
    return Task.objects.create(
        task_name=name,
        trigger=trigger,
        status=status,
        scheduled_for=scheduled_for,
        actual_start=now,
        host=this_host(),
        pid=os.getpid(),
        date_created=now,
        **fields,
    )


def run_task(name, trigger, scheduled_for=None, on_progress=None):
    """Run job `name` now in this thread. Returns its Task row (skipped when refused)."""
    job = registry.get(name)
    close_old_connections()
    task = claim(name, trigger, scheduled_for)
    if task is None:
        running = Task.objects.running().filter(task_name=name).first()
        since = (
            f" (task #{running.pk} since {running.actual_start:%H:%M:%S}, {running.host} "
            f"pid {running.pid})"
            if running
            else ""
        )
        return record_skip(name, trigger, f"{_already_running(name)}{since}.", scheduled_for)
    RunContext(task, on_progress=on_progress).execute(job)
    return task


def _already_running(name):
    return f"Skipped: {name} is already running"


def refused_as_running(task):
    """Was this skipped run refused because its job was already running (run_task's row)?"""
    return task.status == Task.SKIPPED and task.error_message.startswith(
        _already_running(task.task_name)
    )


def request_cancel(name):
    """Ask the job's running task to stop between items. Returns the task or None."""
    now = timezone.now()
    task = Task.objects.running().filter(task_name=name).first()
    if task and Task.objects.filter(pk=task.pk, status=Task.RUNNING).update(
        cancel_requested_at=now
    ):
        task.cancel_requested_at = now
        return task
    return None


def active_runs():
    with _active_lock:
        return list(_active.values())


class _LogCapture(logging.Handler):
    """Keeps the tail of the log lines written by the job's threads, secrets masked."""

    def __init__(self, thread_id):
        super().__init__(level=logging.INFO)
        self.thread_ids = {thread_id}
        self.lines = deque()
        self.size = 0
        self.dropped = 0
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record):
        if record.thread not in self.thread_ids:
            return
        line = redact(self.format(record))[:LOG_TAIL_CHARS]
        self.lines.append(line)
        self.size += len(line) + 1
        while self.size > LOG_TAIL_CHARS and len(self.lines) > 1:
            self.size -= len(self.lines.popleft()) + 1
            self.dropped += 1

    def text(self):
        head = f"[{self.dropped} earlier lines dropped]\n" if self.dropped else ""
        return head + "\n".join(self.lines)


class RunContext:
    """What a job function gets: counters, failures, logging and the cancel check."""

    def __init__(self, task, on_progress=None):
        self.task = task
        self.name = task.task_name
        self.log = logging.getLogger(f"jobs.{self.name}")
        self.items_total = None
        self.processed = self.succeeded_count = self.failed_count = 0
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._on_progress = on_progress
        self._capture = None
        self._notes = {}  # notification event -> lines, sent as one message per event

    # --- what jobs call ------------------------------------------------------------------

    def set_total(self, total):
        self.items_total = max(0, int(total))
        self._progress()

    def add_total(self, count):
        self.set_total((self.items_total or 0) + count)

    def succeeded(self, item_type=None, item_key=None):
        """One item done; an open FailedAttempt for it is resolved."""
        self.processed += 1
        self.succeeded_count += 1
        if item_type and item_key is not None and (item_type, str(item_key)) in self._open_failures:
            FailedAttempt.resolve(self.name, item_type, [item_key])
            self._open_failures.discard((item_type, str(item_key)))
        self._progress()

    @cached_property
    def _open_failures(self):
        """(item type, key) of the job's open failures, read once: an UPDATE per item that
        succeeded was a query per series of every completion run. Only this run adds to
        them while it runs (one running row per job)."""
        return set(
            FailedAttempt.objects.open()
            .filter(task_name=self.name)
            .values_list("item_type", "item_key")
        )

    def failed(self, item_type, item_key, error, label=""):
        """One item failed: counted and kept as a FailedAttempt with backoff."""
        self.processed += 1
        self.failed_count += 1
        message = redact(str(error)) or type(error).__name__
        FailedAttempt.record(self.name, item_type, item_key, message, label=label, task=self.task)
        self._open_failures.add((item_type, str(item_key)))
        self.log.warning("%s %s failed: %s", item_type, label or item_key, message)
        self._progress()

    def skipped(self):
        """One item looked at with nothing to do."""
        self.processed += 1
        self._progress()

    def notify(self, event, line):
        """Tell the user about `event` when the run ends: one message per event per run."""
        self._notes.setdefault(event, []).append(str(line))

    @property
    def cancel_requested(self):
        return self._cancel.is_set()

    def check_cancel(self):
        if self._cancel.is_set():
            raise Cancelled()

    def items(self, iterable):
        """Iterate, stopping between items when a cancel is requested."""
        for item in iterable:
            self.check_cancel()
            yield item

    def helper_pool(self, name, workers=1):
        """Helper threads for the job (a ThreadPoolExecutor, of one worker unless told)
        whose log lines go into the run's log like the job's own. They must not use the
        database: jobs give them network work (lookups) while their own thread writes."""
        return ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"{self.name}-{name}", initializer=self._follow
        )

    def _follow(self):
        if self._capture is not None:
            self._capture.thread_ids.add(threading.get_ident())

    def request_cancel(self):
        self._cancel.set()

    # --- what the runner does ------------------------------------------------------------

    def execute(self, job):
        capture = _LogCapture(threading.get_ident())
        beat = threading.Thread(target=self._beat, name=f"heartbeat-{self.name}", daemon=True)
        try:
            # The set-up is inside the try too: an interrupt that lands there must still
            # close the row.
            self._start(capture, beat)
            status, error = self._call(job)
        except KeyboardInterrupt:
            # Ctrl-C (or SIGTERM) on a foreground runtask: close the row as cancelled now
            # rather than leave it to be found "abandoned" later, then let the interrupt go on.
            self.log.warning("Interrupted after %d items.", self.processed)
            self._finish(beat, capture, Task.CANCELLED, "")
            raise
        self._finish(beat, capture, status, error)

    def _start(self, capture, beat):
        self._capture = capture
        logging.getLogger().addHandler(capture)
        with _active_lock:
            _active[self.task.pk] = self
        beat.start()

    def _call(self, job):
        """Run the job function. Returns (status, error message)."""
        try:
            # A service the job needs is not set up: nothing to try, nothing failed.
            problem = health.job_setup_problem(job)
            if problem:
                raise SkipRun(f"Needs setup: {problem}")
            # Loaded inside the try: a dotted path that does not import must close the row
            # as failed, not leave it running with a live pid (nothing would free it).
            summary = job.load()(self)
        except Cancelled:
            self.log.info("Cancelled by request after %d items.", self.processed)
            return Task.CANCELLED, ""
        except SkipRun as skip:
            reason = redact(str(skip)) or "Skipped."
            self.log.info("Skipped: %s", reason)
            return Task.SKIPPED, reason
        except Exception as exc:
            # The error itself first, in a line a person reads; the traceback below it.
            self.log.error("Failed: %s", redact(f"{type(exc).__name__}: {exc}"))
            self.task.known_problem = isinstance(exc, ServiceProblem)  # for runtask, not stored
            return Task.FAILED, redact(f"{exc or type(exc).__name__}\n\n{traceback.format_exc()}")
        if summary:
            self.log.info("%s", summary)
        return Task.COMPLETED, ""

    def _finish(self, beat, capture, status, error):
        self._done.set()
        if beat.is_alive():
            beat.join(timeout=5)
        self._send_notes(status, error)
        logging.getLogger().removeHandler(capture)
        with _active_lock:
            _active.pop(self.task.pk, None)
        self._close(status, error, capture.text())

    def _send_notes(self, status, error):
        """The run's notifications, now that the job has returned and its data is committed;
        sent while the log is still captured, so a notifier's failure shows in the run's log."""
        if status == Task.FAILED:
            first_line = (error or "").strip().splitlines()[:1] or ["(no message)"]
            self.notify("job_failed", f"{self.name} (task #{self.task.pk}): {first_line[0]}")
        for event, lines in self._notes.items():
            try:
                if notify.enabled(event):
                    notify.send(event, lines)
            except Exception as exc:  # never let a notification change the run's outcome
                self.log.warning("Notification %s failed: %s", event, redact(str(exc)))
        self._notes = {}

    def _counts(self):
        return {
            "items_total": self.items_total,
            "items_processed": self.processed,
            "items_succeeded": self.succeeded_count,
            "items_failed": self.failed_count,
        }

    def _progress(self):
        if self._on_progress:
            self._on_progress(self)

    def _beat(self):
        """Side thread: heartbeat and progress on the row, and notice cancel requests."""
        interval = settings.TASK_HEARTBEAT_SECONDS
        try:
            while not self._done.wait(interval):
                try:
                    Task.objects.filter(pk=self.task.pk, status=Task.RUNNING).update(
                        heartbeat_at=timezone.now(), **self._counts()
                    )
                    if Task.objects.filter(
                        pk=self.task.pk, cancel_requested_at__isnull=False
                    ).exists():
                        self._cancel.set()
                except DB_UNAVAILABLE as error:
                    logger.warning("Heartbeat of %s missed: %s", self.task, error)
                    connection.close()
        finally:
            connection.close()

    def _close(self, status, error, log_text):
        now = timezone.now()
        fields = {
            "status": status,
            "actual_end": now,
            "duration_seconds": _seconds_since(self.task.actual_start, now),
            "error_message": error,
            "log_output": log_text,
            "heartbeat_at": now,
            **self._counts(),
        }
        _update_surviving_disconnects(self.task.pk, fields)
        for key, value in fields.items():
            setattr(self.task, key, value)


def _update_surviving_disconnects(task_id, fields, attempts=10, wait=1.0):
    """Close the row even when the database went away during the job: reconnect, retry."""
    for attempt in range(attempts):
        try:
            close_old_connections()
            Task.objects.filter(pk=task_id).update(**fields)
            return
        except DB_UNAVAILABLE as error:
            logger.warning("Could not close task %s (attempt %d): %s", task_id, attempt + 1, error)
            connection.close()
            time.sleep(wait)
    logger.error("Gave up closing task %s; the next start will close it as abandoned", task_id)


def _seconds_since(start, now):
    return round((now - start).total_seconds(), 3) if start else None
