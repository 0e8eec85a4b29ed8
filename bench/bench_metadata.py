"""Metadata refresh against the per-host rate limit, and its local cost per book."""

import statistics
import time
from contextlib import contextmanager

from django.test import override_settings

from bench import data, world
from bench.databases import using
from bench.fake_services import FakeServices
from bench.inprocess import query_shapes, run_job
from bench.processes import manage_args, run_measured
from bench.report import Figure

METHOD = """
A library of owned books with bare metadata (bench/world.py says which have an ISBN, an
ASIN or a Goodreads id), and one local process faking the five metadata hosts (Google
Books, Goodreads, Audible's catalog, Audnexus, Hardcover with a token) on five ports
(bench/fake_services.py, payloads from catalog/tests/fakes/), answering instantly. Rate-
limited: `manage.py runtask metadata_full_refresh` as a process with every host's
*_REQUESTS_PER_SECOND = R; wall time from exec to exit. The providers are separate hosts
with separate limits, so they could be asked at the same time: the ideal is the busiest
host's requests / R, max over the hosts of N_host / R, with N counted by the fakes. Rate
limit off (0): the same job in this process through runner.run_task (what runtask calls)
inside CaptureQueriesContext, on an identical copy of the library; CPU is this process's
time.process_time(). Reference for the CPU: the same HTTP requests (recorded by the
fakes) sent again through the project's own sessions (catalog/clients/http.py, no rate
limit), no parsing and no database: what the HTTP alone costs. The job's own work per
book is the difference. Reference for the queries: the same in-process run on a tenth of
the library; what each further book adds (the difference of the two counts over the
difference of the books) must stay far below one query, or a query per book hides in the
batches. Also measured alone: the clients' per-host pace (catalog/clients/pace.py, shared
by every process) asked for R, and the time the job spends writing its batches
(Merger.save), while its helper thread goes on with the next batch's requests.
"""
JOB = "metadata_full_refresh"
HOSTS = {  # fake service -> (its URL setting, its rate setting)
    "google": ("GOOGLE_BOOKS_API_URL", "GOOGLE_BOOKS_REQUESTS_PER_SECOND"),
    "goodreads": ("GOODREADS_URL", "GOODREADS_REQUESTS_PER_SECOND"),
    "audible": ("AUDIBLE_URL", "AUDIBLE_REQUESTS_PER_SECOND"),
    "audnexus": ("AUDNEXUS_URL", "AUDNEXUS_REQUESTS_PER_SECOND"),
    "hardcover": ("HARDCOVER_URL", "HARDCOVER_REQUESTS_PER_SECOND"),
}


def run(ctx):
    section = ctx.section("metadata", "Metadata refresh vs. the rate limit", METHOD)
    count, rate = ctx.sizes.books, ctx.sizes.rate
    base = _library(ctx, "metadata", count)
    tenth = _library(ctx, "metadata_tenth", max(1, count // 10))
    limited = ctx.server.clone(base, "metadata_limited")
    with FakeServices(books=count, record=True) as fakes:
        urls = {url: fakes.url(name) for name, (url, _) in HOSTS.items()}
        urls["HARDCOVER_URL"] += "/v1/graphql"
        urls["HARDCOVER_TOKEN"] = "hc_pat_bench-token"
        fakes.reset()
        limited_run = _rate_limited(ctx, section, fakes, limited, urls, count, rate)
        fakes.reset()
        unlimited = {**{rate: 0 for _, rate in HOSTS.values()}, **urls}
        with override_settings(**unlimited):
            with using(base), _timed_saves() as saves:
                cost = run_job(JOB, ctx.log_path("metadata-in-process"))
            log = fakes.log()
            fakes.reset()
            with using(tenth):
                small = run_job(JOB, ctx.log_path("metadata-tenth"))
        fakes.reset()
        _, replay_cpu = fakes.replay(log)
    _local_cost(section, cost, small, count, max(1, count // 10), replay_cpu, len(log))
    section.detail(
        f"of which writing the batches (Merger.save): {sum(saves):.1f} s in {len(saves)} "
        f"batches, median {statistics.median(saves) * 1000:.0f} ms each; the next batch's "
        "requests go on meanwhile, so with the rate limit on they add no wall time"
    )
    spacing = _limiter_alone(section, rate, 50 if ctx.small else 250)
    ideal, task_seconds = limited_run
    stretch = spacing * rate / 1000
    section.detail(
        f"where the rate-limited run's time goes: {ideal:.1f} s ideal x {stretch:.3f} (the "
        f"limiter's spacing) = {ideal * stretch:.1f} s, the batch writes ({sum(saves):.1f} s "
        f"when unlimited) overlapping the requests; measured {task_seconds:.1f} s"
    )
    for name in (base, tenth, limited):
        ctx.server.drop(name)


@contextmanager
def _timed_saves():
    """Time each batch write of the metadata job (wall seconds, in order)."""
    from catalog.jobs.metadata_merge import Merger

    durations, save = [], Merger.save

    def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return save(self, *args, **kwargs)
        finally:
            durations.append(time.perf_counter() - started)

    Merger.save = timed
    try:
        yield durations
    finally:
        Merger.save = save


def _limiter_alone(section, rate, count):
    """The clients' per-host limiter with nothing else going on: how far apart it lets
    requests go, against the 1/R it is asked for."""
    from catalog.clients import pace

    host = f"bench-{time.time_ns()}.invalid"  # a host of its own in the shared pace
    moments = []
    try:
        for _ in range(count):
            pace.wait(host, 1 / rate)
            moments.append(time.perf_counter())
    finally:
        pace.close()  # its connection to the main database would block cloning it
    interval = (moments[-1] - moments[0]) / (count - 1) * 1000
    section.add(
        Figure(
            f"the clients' rate limiter alone at {rate:g}/s, mean spacing",
            interval,
            "ms",
            reference=1000 / rate,
            reference_what="1 / R",
            note=f"{count} acquisitions, nothing else running",
        )
    )
    return interval


def _library(ctx, label, count):
    name = ctx.server.clone(ctx.main_db, label)
    with using(name):
        data.metadata_library(world.metadata_books(count))
    return name


def _rate_limited(ctx, section, fakes, database, urls, count, rate):
    env = ctx.env(database, **{setting: rate for _, setting in HOSTS.values()}, **urls)
    result = run_measured(manage_args("runtask", JOB), env, ctx.log_path("metadata-limited"))
    if result.returncode != 0:
        raise RuntimeError(f"runtask {JOB} failed:\n{result.output[-3000:]}")
    counts = {name: fakes.requests(name) for name in HOSTS}
    ideal = max(counts.values()) / rate
    ratio = result.wall_seconds / ideal
    section.add(
        Figure(
            f"runtask {JOB} at {rate:g} requests/s per host, wall time",
            result.wall_seconds,
            "s",
            reference=ideal,
            reference_what="ideal: the busiest host's requests / R",
            goal="≤ 1.05x",
            met=ratio <= 1.05,
            note=f"{count:,} books",
        )
    )
    expected = world.metadata_expected_requests(count)
    section.detail(
        "requests per host: "
        + ", ".join(f"{name} {counts[name]:,} (predicted {expected[name]:,})" for name in HOSTS)
        + f"; process CPU {result.cpu_seconds:.1f} s, peak RSS {result.peak_rss_mb:.0f} MB"
    )
    with using(database):
        from scheduling.models import Task

        task = Task.objects.filter(task_name=JOB).latest("date_created")
    section.detail(
        f"the run itself (its Task row): {task.duration_seconds:.1f} s, {task.items_succeeded:,} "
        f"of {task.items_total:,} books refreshed, {task.items_failed} failed; "
        f"{task.duration_seconds / ideal:.3f}x the ideal without process start-up"
    )
    return ideal, task.duration_seconds


def _local_cost(section, cost, small, count, small_count, replay_cpu, requests):
    task = cost.task
    section.detail(
        f"rate limit off: {task.items_succeeded:,} of {task.items_total:,} books refreshed in "
        f"{cost.wall_seconds:.1f} s wall, {cost.cpu_seconds:.1f} s CPU, {requests:,} requests"
    )
    total, http = cost.cpu_seconds * 1000 / count, replay_cpu * 1000 / count
    section.add(
        Figure(
            "local CPU per book, rate limit off, everything (HTTP client included)",
            total,
            "ms",
            reference=http,
            reference_what="the same HTTP requests alone",
            goal="≤ 2 ms",
            met=total <= 2,
        )
    )
    section.add(
        Figure(
            "local CPU per book beyond its HTTP requests (parsing, matching, merging, writing)",
            total - http,
            "ms",
            goal="≤ 2 ms",
            met=total - http <= 2,
        )
    )
    queries, small_queries = len(cost.queries), len(small.queries)
    # What each further book costs: a query per book would make this 1 or more.
    marginal = (queries - small_queries) / max(1, count - small_count)
    section.add(
        Figure(
            "queries per book",
            queries / count,
            "queries",
            reference=small_queries / small_count,
            reference_what=f"at {small_count:,} books",
            goal="per batch, not per book",
            met=marginal < 0.5,
            note=f"{queries:,} in all; {100 * marginal:.1f} more per 100 more books",
        )
    )
    for shape, number in query_shapes(cost.queries):
        section.detail(f"{number:,} × `{shape}`")
