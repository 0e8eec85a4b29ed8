import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from scheduling.overview import job_overviews


class Command(BaseCommand):
    help = "Print every job: schedule (and in words), enabled, paused, last run, next runs."

    def add_arguments(self, parser):
        parser.add_argument("--next", type=int, default=1, metavar="N", help="Next N run times.")
        parser.add_argument("--json", action="store_true", help="Print a JSON list instead.")

    def handle(self, *args, next=1, json=False, **options):
        rows = job_overviews(next_count=max(0, next))
        if json:
            self.stdout.write(_dumps([row.as_json() for row in rows]))
            return
        for row in rows:
            self.stdout.write(self._text(row))

    @staticmethod
    def _text(row):
        state = "enabled" if row.enabled else f"disabled ({row.job.flag_setting})"
        if row.paused:
            state += ", paused"
        if row.pending:
            state += ", change pending"
        if row.running:
            state += f", RUNNING since {timezone.localtime(row.running.actual_start):%H:%M:%S}"
        last = row.last_run
        last_text = "never"
        if last is not None:
            started = timezone.localtime(last.actual_start or last.date_created)
            last_text = (
                f"{last.status} at {started:%Y-%m-%d %H:%M} ({last.duration_seconds or 0:.1f}s)"
            )
        nexts = (
            ", ".join(f"{timezone.localtime(t):%Y-%m-%d %H:%M %Z}" for t in row.next_runs) or "-"
        )
        return (
            f"{row.name}\n  {row.job.title}\n  schedule: {row.schedule}  ({row.description})\n"
            f"  state: {state}\n  last run: {last_text}\n  next: {nexts}\n"
        )


def _dumps(data):
    return json.dumps(data, indent=2)
