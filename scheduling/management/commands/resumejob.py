from scheduling.management.commands import pausejob


class Command(pausejob.Command):
    help = "Resume a paused job (as the admin's Resume does)."
    paused = False
