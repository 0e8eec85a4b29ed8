import os

from django.core.management.base import BaseCommand

from scheduling import runner
from scheduling.host import SchedulerHost


class Command(BaseCommand):
    help = (
        "Run the job scheduler (one leader per database; further instances stand by). "
        "Stops cleanly on SIGTERM/SIGINT."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run the jobs that are due now, then exit."
        )

    def handle(self, *args, once=False, **options):
        host = SchedulerHost(out=self._say, once=once)
        if once:
            host.run_once()
            return
        host.install_signal_handlers()
        host.run()
        if runner.active_runs():
            # A job thread ignored cancel; its row is closed. Don't wait on it forever.
            self.stdout.flush()
            os._exit(0)

    def _say(self, message):
        self.stdout.write(message)
        self.stdout.flush()
