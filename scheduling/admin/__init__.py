"""The operator's console: scheduled jobs, task history, failed attempts, schedulers.

Staff only ever write wishes to the database (JobControl: pause, resume, run now, schedule;
Task.cancel_requested_at); the running scheduler carries them out within seconds. No admin
request runs a job. Pause, resume, run now and cancel need scheduling.control_jobs.

- jobs.py: the scheduled jobs page (JobControl) and the schedule override form;
  job_rows.py builds its rows.
- history.py: the task history (Task), read-only, with live progress.
- failures.py: failed attempts and the scheduler processes.
- display.py, lists.py: badges, durations, charts; filters and the capped-count paginator.
"""

from django.contrib import admin
from django_apscheduler.models import DjangoJob, DjangoJobExecution

from scheduling.admin import (  # noqa: F401  (each registers its pages)
    api_keys,
    failures,
    health,
    history,
    jobs,
)

# django-apscheduler's own admin runs "run now" jobs inside the web request and keeps
# per-request state on the shared ModelAdmin; the jobs page replaces it.
for model in (DjangoJob, DjangoJobExecution):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
