"""`runtask cleanup_old_tasks` with a stopwatch on each batch's transaction.

    DATABASE_URL=... python -m bench.cleanup_probe OUTPUT.json

Runs the real command (call_command("runtask", ...)) after wrapping the transaction.atomic
that scheduling.cleanup opens per batch: the time from BEGIN to COMMIT is how long the
batch held its row locks. Writes the durations (seconds, in order) to OUTPUT.json.
"""

import json
import sys
import time
from contextlib import contextmanager

import django


class TimedTransaction:
    """django.db.transaction, except that atomic() blocks are timed."""

    def __init__(self, real):
        self.real = real
        self.durations = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    @contextmanager
    def atomic(self, *args, **kwargs):
        started = time.perf_counter()
        with self.real.atomic(*args, **kwargs):
            yield
        self.durations.append(time.perf_counter() - started)


def main(output):
    django.setup()
    from django.core.management import call_command

    from scheduling import cleanup

    timed = TimedTransaction(cleanup.transaction)
    cleanup.transaction = timed
    call_command("runtask", "cleanup_old_tasks")
    with open(output, "w") as file:
        json.dump(timed.durations, file)


if __name__ == "__main__":
    main(sys.argv[1])
