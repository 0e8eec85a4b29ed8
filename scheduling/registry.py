"""The one place that declares the jobs.

Each job names the function that does the work by dotted path, so `scheduling` knows
`catalog` only through these strings. The schedule comes from settings (or staff's override
in JobControl), the switch from a feature flag.
"""

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings


@dataclass(frozen=True)
class Job:
    name: str
    title: str
    func_path: str
    schedule_setting: str
    flag_setting: str | None
    misfire_grace: timedelta
    description: str = ""
    schedule: str = ""  # for EXTRA_JOBS, which have no TASK_*_TIME setting
    # The health checks (scheduling.health) whose setup the job cannot run without: while one
    # says what to set, a run is recorded as skipped with that reason, and the jobs page
    # shows "needs setup".
    needs: tuple = ()

    @property
    def enabled(self):
        return self.flag_setting is None or settings.FEATURE_FLAGS.get(self.flag_setting, False)

    @property
    def default_schedule(self):
        return settings.TASK_SCHEDULES.get(self.name) or self.schedule

    def load(self):
        module_path, func_name = self.func_path.rsplit(".", 1)
        return getattr(import_module(module_path), func_name)


HOURS = timedelta(hours=1)

JOBS = [
    Job(
        "mam_scraping",
        "MyAnonamouse new releases",
        "catalog.jobs.discovery.mam_scraping",
        "TASK_MAM_TIME",
        "ENABLE_MAM_SCRAPING",
        misfire_grace=6 * HOURS,
        description="Stores new audiobook torrents as releases and links them to books.",
        needs=("mam",),
    ),
    Job(
        "top10_discovery",
        "Weekly top 10 per genre",
        "catalog.jobs.discovery.top10_discovery",
        "TASK_TOP10_TIME",
        "ENABLE_TOP10_DISCOVERY",
        misfire_grace=24 * HOURS,
        description="Takes each discovery genre's ten most-snatched releases of the week.",
        needs=("mam",),
    ),
    Job(
        "metadata_full_refresh",
        "Metadata: full refresh",
        "catalog.jobs.metadata.metadata_full_refresh",
        "TASK_METADATA_FULL_TIME",
        "ENABLE_METADATA_CORRECTION",
        misfire_grace=48 * HOURS,
        description="Refreshes every book from Audible, Google Books, Goodreads and Hardcover.",
    ),
    Job(
        "metadata_new_books",
        "Metadata: new books",
        "catalog.jobs.metadata.metadata_new_books",
        "TASK_METADATA_NEW_TIME",
        "ENABLE_METADATA_CORRECTION",
        misfire_grace=24 * HOURS,
        description="Refreshes books added in the last NEW_BOOKS_DAYS days.",
    ),
    Job(
        "series_completion",
        "Series completion",
        "catalog.jobs.completion.series_completion",
        "TASK_SERIES_TIME",
        "ENABLE_SERIES_COMPLETION",
        misfire_grace=48 * HOURS,
        description="Finds and downloads the books missing from monitored series.",
        needs=("mam", "qbittorrent"),
    ),
    Job(
        "author_completion",
        "Author completion",
        "catalog.jobs.completion.author_completion",
        "TASK_AUTHOR_TIME",
        "ENABLE_AUTHOR_COMPLETION",
        misfire_grace=48 * HOURS,
        description="Finds and downloads the books missing from monitored authors.",
        needs=("mam", "qbittorrent"),
    ),
    Job(
        "cleanup_old_tasks",
        "Clean up task history",
        "scheduling.cleanup.cleanup_old_tasks",
        "TASK_CLEANUP_TIME",
        None,
        misfire_grace=12 * HOURS,
        description="Deletes task history older than HISTORY_RETENTION_DAYS; keeps failures.",
    ),
    Job(
        "download_monitor",
        "Follow downloads to the shelf",
        "catalog.jobs.monitor.download_monitor",
        "TASK_DOWNLOAD_MONITOR_TIME",
        "ENABLE_DOWNLOAD_MONITOR",
        misfire_grace=timedelta(minutes=10),
        description="Imports finished downloads into the library; fails, blocklists and "
        "re-wants the dead ones.",
        needs=("qbittorrent",),
    ),
    Job(
        "announced_releases",
        "Announced books out today",
        "catalog.jobs.announced.announced_releases",
        "TASK_ANNOUNCED_TIME",
        "ENABLE_ANNOUNCED_RELEASES",
        misfire_grace=12 * HOURS,
        description="Searches and sends the announced books whose release date has come.",
        needs=("mam", "qbittorrent"),
    ),
    Job(
        "library_scan",
        "Read the library",
        "catalog.jobs.library_scan.library_scan",
        "TASK_LIBRARY_SCAN_TIME",
        "ENABLE_LIBRARY_SCAN",
        misfire_grace=2 * HOURS,
        description="Reads LIBRARY_PATHS and Audiobookshelf: what is there is owned; only "
        "what changed is re-read.",
    ),
]


def all_jobs():
    """The built-in jobs, plus those of the EXTRA_JOBS module (plugins, tests)."""
    if not settings.EXTRA_JOBS:
        return JOBS
    return JOBS + list(import_module(settings.EXTRA_JOBS).JOBS)


class UnknownJob(KeyError):
    def __str__(self):
        return f"unknown job {self.args[0]!r}; valid names: {', '.join(names())}"


def get(name):
    for job in all_jobs():
        if job.name == name:
            return job
    raise UnknownJob(name)


def names():
    return [job.name for job in all_jobs()]
