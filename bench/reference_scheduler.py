"""The due-time reference: a bare APScheduler firing a trivial job on the same schedule.

    python -m bench.reference_scheduler PERIOD COUNT

A BackgroundScheduler with its default in-memory job store and a CronTrigger every PERIOD
seconds (PERIOD divides 60); each run prints how late it started after its cron time, in
seconds, until COUNT runs are done. No Django, no database: the floor APScheduler itself
sets for "due" to "started".
"""

import sys
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger


def main(period, count):
    done = threading.Event()
    runs = []

    def job():
        now = time.time()
        runs.append(now - (now // period) * period)  # seconds since the cron time
        print(f"late {runs[-1]:.6f}", flush=True)
        if len(runs) >= count:
            done.set()

    scheduler = BackgroundScheduler()
    scheduler.add_job(job, CronTrigger(second=f"*/{period}"), max_instances=1, coalesce=True)
    scheduler.start()
    print("ready", flush=True)
    done.wait(timeout=period * count + 30)
    scheduler.shutdown(wait=False)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
