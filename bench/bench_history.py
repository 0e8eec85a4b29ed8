"""History pages at scale: the project's admin against django-apscheduler's stock admin."""

import statistics
import time
import warnings

from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from bench import data
from bench.databases import using
from bench.report import Figure

METHOD = """
In this process, with Django's test Client logged in as a superuser (DEBUG off), against
the history database: each page is fetched once to warm up, then timed over several
fetches (median of the wall time of client.get: middleware, queries, template), then
fetched once more inside CaptureQueriesContext for its query count. The filtered lists
are reached through the pages' own filter links (the job, then the status). Reference,
side by side on the same database: django-apscheduler's stock admin (DjangoJobExecution
changelist with its job and status filters, and its DjangoJob changelist for the jobs
page) on a million execution rows, served from a second admin site (bench/stock_admin.py).
The query count of each page is also taken on a database of a thousand rows: no more
queries at a million rows than at a thousand is a constant query count. (The project's
history pages show 50 rows, the stock ones 100.)
"""
JOB = "metadata_full_refresh"


def pages():
    """(figure name, our URL and filter choices, the stock URL and filter choices)."""
    from scheduling import registry

    job_title = registry.get(JOB).title
    return [
        (
            "Task history, unfiltered",
            ("/admin/scheduling/task/", []),
            ("/stock-admin/django_apscheduler/djangojobexecution/", []),
        ),
        (
            "Task history, filtered by job and status",
            ("/admin/scheduling/task/", [{job_title, JOB}, {"Failed", "failed"}]),
            ("/stock-admin/django_apscheduler/djangojobexecution/", [{JOB}, {"Error!"}]),
        ),
        (
            "Jobs page",
            ("/admin/scheduling/jobcontrol/", []),
            ("/stock-admin/django_apscheduler/djangojob/", []),
        ),
    ]


def run(ctx):
    section = ctx.section("history", "History pages at scale", METHOD)
    small = _small_history(ctx)
    big = ctx.history_db
    # WhiteNoise warns once that STATIC_ROOT was never collected: not what is measured.
    warnings.filterwarnings("ignore", message="No directory at")
    with override_settings(ROOT_URLCONF="bench.stock_admin"):
        at_small = _measure_all(small, repeats=1)
        at_big = _measure_all(big, repeats=ctx.sizes.page_repeats)
    ctx.server.drop(small)
    missing = []
    for name, ours, _stock in pages():
        mine, theirs = at_big.get((name, "ours")), at_big.get((name, "stock"))
        if theirs:
            section.detail(
                f"stock {name}: {theirs['ms']:.0f} ms, {theirs['queries']} queries "
                f"({theirs['url']})"
            )
        if not mine:
            error = at_big.get((name, "ours error"), "no page")
            missing.append(f"{name} ({ours[0]}: {error})")
            continue
        section.add(
            Figure(
                f"{name}, server time",
                mine["ms"],
                "ms",
                reference=theirs["ms"] if theirs else None,
                reference_what="stock django-apscheduler admin",
                goal="< 150 ms",
                met=mine["ms"] < 150,
                note=f"{mine['url']}",
            )
        )
        few = at_small.get((name, "ours"))
        section.add(
            Figure(
                f"{name}, queries",
                mine["queries"],
                "queries",
                reference=few["queries"] if few else None,
                reference_what=f"same page at {ctx.sizes.small_history:,} rows",
                goal="constant (no more than at the small size)",
                met=few is not None and mine["queries"] <= few["queries"],
            )
        )
    if missing:
        section.skip("not measured (the project's admin does not serve it): " + "; ".join(missing))


def _small_history(ctx):
    name = ctx.server.clone(ctx.main_db, "history_small")
    retention = _retention_days()
    with ctx.server.connect(name) as conn:
        data.task_history(conn, ctx.sizes.small_history, retention)
        data.failed_attempts(conn, ctx.sizes.small_history // 100)
        data.executions(conn, ctx.sizes.small_history, retention)
        data.vacuum_analyze(conn)
    return name


def _retention_days():
    from django.conf import settings

    return settings.HISTORY_RETENTION_DAYS


def _measure_all(database, repeats):
    results = {}
    with using(database):
        client = _staff_client()
        for name, ours, stock in pages():
            for side, (url, filters) in (("ours", ours), ("stock", stock)):
                try:
                    results[(name, side)] = _measure(client, url, filters, repeats)
                except PageUnavailable as error:
                    results[(name, f"{side} error")] = str(error)
    return results


class PageUnavailable(Exception):
    pass


def _staff_client():
    from django.contrib.auth.models import User

    user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "bench@localhost", "bench-password"
    )
    client = Client()
    client.force_login(user)
    return client


def _measure(client, url, filters, repeats):
    url = _filtered(client, url, filters)
    _get(client, url)  # warm up: templates compiled, caches filled
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _get(client, url)
        times.append((time.perf_counter() - started) * 1000)
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        _get(client, url)
    return {"ms": statistics.median(times), "queries": len(queries), "url": url}


def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise PageUnavailable(f"HTTP {response.status_code}")
    return response


def _filtered(client, url, filters):
    """Follow the page's own filter links: for each wanted choice, the link that shows it."""
    path = url.split("?")[0]
    for wanted in filters:
        changelist = (_get(client, url).context_data or {}).get("cl")
        if changelist is None:
            raise PageUnavailable("not a changelist")
        url = next(
            (
                path + choice["query_string"]
                for spec in changelist.filter_specs
                for choice in spec.choices(changelist)
                if str(choice.get("display")) in wanted
            ),
            None,
        )
        if url is None:
            raise PageUnavailable(f"no filter choice among {sorted(wanted)}")
    return url
