from django.core.management.base import BaseCommand, CommandError

from scheduling import registry
from scheduling.models import JobControl


class Command(BaseCommand):
    help = "Pause a job (as the admin's Pause does); the running scheduler applies it in seconds."
    paused = True

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        try:
            job = registry.get(name)
        except registry.UnknownJob as error:
            raise CommandError(str(error), returncode=2) from None
        JobControl.set_paused(job.name, self.paused)
        self.stdout.write(f"{job.name} {'paused' if self.paused else 'resumed'}.")
