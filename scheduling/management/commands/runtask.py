import signal
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from scheduling import registry, runner
from scheduling.models import Task
from scheduling.redaction import redact

EXIT_FAILED, EXIT_UNKNOWN, EXIT_ALREADY_RUNNING, EXIT_DISABLED, EXIT_SKIPPED = 1, 2, 3, 4, 5


class Command(BaseCommand):
    help = (
        "Run one job now in the foreground. Exit status: 0 completed, 1 failed or cancelled, "
        "2 unknown job, 3 already running, 4 disabled (use --force), 5 skipped (a service it "
        "needs is not set up, or refuses the session)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The job to run (see --list).")
        parser.add_argument("--list", action="store_true", help="Print the job names.")
        parser.add_argument("--force", action="store_true", help="Run even when disabled.")
        parser.add_argument(
            "--cancel", action="store_true", help="Ask the job's running task to stop."
        )

    def handle(self, *args, name=None, list=False, force=False, cancel=False, **options):
        if list:
            for job in registry.all_jobs():
                state = "" if job.enabled else "  (disabled)"
                self.stdout.write(f"{job.name:24} {job.title}{state}")
            return
        job = self._job(name)
        if cancel:
            return self._cancel(job)
        if not job.enabled and not force:
            raise CommandError(
                f"{job.name} is disabled by {job.flag_setting}; use --force to run it anyway.",
                returncode=EXIT_DISABLED,
            )
        self._last_print = 0.0
        task = self._run(job)
        self._end_progress_line()
        if task.status == Task.SKIPPED:
            running = runner.refused_as_running(task)
            raise CommandError(
                task.error_message, returncode=EXIT_ALREADY_RUNNING if running else EXIT_SKIPPED
            )
        self.stdout.write(self._summary(task))
        if task.status != Task.COMPLETED:
            if task.error_message:
                self.stderr.write(self._error(task, options["verbosity"]))
            raise CommandError(f"{job.name} {task.status}.", returncode=EXIT_FAILED)

    def _run(self, job):
        # SIGTERM (docker stop, systemd) is made to act like Ctrl-C: the runner closes the
        # row as cancelled instead of the process dying with its row still running.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            return runner.run_task(job.name, Task.CLI, on_progress=self._progress)
        except KeyboardInterrupt:
            self._end_progress_line()
            raise CommandError(
                f"{job.name} interrupted; its run was closed as cancelled.", returncode=EXIT_FAILED
            ) from None
        except DatabaseError as error:
            # The run could not even be recorded (a read-only or full database, a server
            # that refuses us): one line that says so, not a traceback.
            message = (redact(str(error)).strip().splitlines() or [""])[0]
            raise CommandError(
                f"{job.name} did not start: the database refused its Task row "
                f"({type(error).__name__}: {message}).",
                returncode=EXIT_FAILED,
            ) from None

    def _job(self, name):
        if not name:
            raise CommandError(
                f"Name a job. Valid names: {', '.join(registry.names())}", returncode=EXIT_UNKNOWN
            )
        try:
            return registry.get(name)
        except registry.UnknownJob as error:
            raise CommandError(str(error), returncode=EXIT_UNKNOWN) from None

    def _cancel(self, job):
        task = runner.request_cancel(job.name)
        if task is None:
            raise CommandError(f"{job.name} is not running.", returncode=EXIT_FAILED)
        self.stdout.write(f"Cancel requested for task #{task.pk}; it stops after the current item.")

    def _progress(self, run):
        now = time.monotonic()
        interactive = sys.stdout.isatty()
        if now - self._last_print < (0.2 if interactive else 5):
            return
        self._last_print = now
        total = f"/{run.items_total}" if run.items_total is not None else ""
        line = (
            f"{run.name}: {run.processed}{total} items, {run.succeeded_count} ok, "
            f"{run.failed_count} failed"
        )
        self.stdout.write(f"\r{line}" if interactive else line, ending="" if interactive else "\n")
        self.stdout.flush()

    def _end_progress_line(self):
        if self._last_print and sys.stdout.isatty():
            self.stdout.write("")

    @staticmethod
    def _error(task, verbosity):
        """A known problem (a service refusing us, down, not set up) in one line; anything
        else, or -v 2, with its traceback."""
        text = task.error_message.rstrip()
        if verbosity >= 2 or not getattr(task, "known_problem", False):
            return text
        first = text.splitlines()[0]
        return f"{first}\n(The traceback is kept in task #{task.pk}; -v 2 prints it.)"

    @staticmethod
    def _summary(task):
        total = f" of {task.items_total}" if task.items_total is not None else ""
        return (
            f"{task.task_name} {task.status} in {task.duration_seconds or 0:.1f}s: "
            f"{task.items_processed}{total} items processed, {task.items_succeeded} succeeded, "
            f"{task.items_failed} failed (task #{task.pk})."
        )
