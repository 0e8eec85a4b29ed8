"""Series and author completion at scale: queries per series, local time per missing book."""

from django.test import override_settings

from bench import data, world
from bench.databases import using
from bench.fake_services import FakeServices
from bench.inprocess import query_shapes, run_job
from bench.report import Figure
from catalog.tests.fakes import qbittorrent

METHOD = """
A library with monitored series (each with five numbered books on its Goodreads page and
a novella, three owned) and monitored authors (five works on Open Library, three owned,
plus a summary and a second edition that must be skipped): two books missing per series
and per author. One local process fakes Goodreads, Open Library, MyAnonamouse (a search
answering two releases per missing book, torrent downloads, the rotating cookie) and
qBittorrent's Web API (bench/fake_services.py). Each job runs in this process through
runner.run_task inside CaptureQueriesContext, rate limits off, MAX_DOWNLOADS_PER_RUN
raised so every missing book goes the whole way (MAM search, choice, download, sent to
qBittorrent). Local time per missing book = the job's wall time / books it added as
wanted. Reference: the same HTTP requests (recorded by the fakes) sent again through the
project's own sessions: the time the services' traffic alone takes. Queries per series (per
author) are also taken on a library a tenth of the size: the same count at both sizes
means no query grows with the library.
"""
JOBS = [
    ("series_completion", "series", "series"),
    ("author_completion", "author", "authors"),
]


def settings_for(fakes):
    return {
        "GOODREADS_URL": fakes.url("goodreads"),
        "OPENLIBRARY_URL": fakes.url("openlibrary"),
        "GOOGLE_BOOKS_API_URL": fakes.url("google"),
        "MAM_URL": fakes.url("mam"),
        "QBITTORRENT_URL": fakes.url("qbittorrent"),
        "QBITTORRENT_USERNAME": qbittorrent.USERNAME,
        "QBITTORRENT_PASSWORD": qbittorrent.PASSWORD,
        "AUDIBLE_URL": fakes.url("audible"),
        "AUDIBLE_REQUESTS_PER_SECOND": 0,
        "MAM_SESSION_ID": "bench-session",
        "MAM_REQUESTS_PER_SECOND": 0,
        "GOODREADS_REQUESTS_PER_SECOND": 0,
        "OPENLIBRARY_REQUESTS_PER_SECOND": 0,
        "GOOGLE_BOOKS_REQUESTS_PER_SECOND": 0,
        "MAX_DOWNLOADS_PER_RUN": 10**9,
        "DOWNLOAD_DRY_RUN": False,
    }


def run(ctx):
    section = ctx.section("completion", "Completion at scale", METHOD)
    sizes = ctx.sizes
    full = _measure(ctx, "completion", sizes.series, sizes.authors, replay=True)
    tenth = _measure(
        ctx, "completion_tenth", max(1, sizes.series // 10), max(1, sizes.authors // 10)
    )
    for job, _source, unit in JOBS:
        cost, units, added, sent, replay_wall = full[job]
        small_cost, small_units, small_added, *_ = tenth[job]
        per_unit = len(cost.queries) / units
        small_per_unit = len(small_cost.queries) / small_units
        section.detail(
            f"{job}: {units:,} {unit}, {added:,} missing books added as wanted, {sent:,} sent "
            "to qBittorrent, "
            f"{cost.wall_seconds:.1f} s wall, {cost.cpu_seconds:.1f} s CPU, "
            f"{len(cost.queries):,} queries"
        )
        section.add(
            Figure(
                f"{job}: queries per {'series' if unit == 'series' else 'author'}",
                per_unit,
                "queries",
                reference=small_per_unit,
                reference_what=f"at {small_units:,} {unit}",
                goal="constant",
                met=per_unit <= small_per_unit * 1.05,
                note=f"{len(cost.queries) / max(1, added):.1f} per missing book",
            )
        )
        section.add(
            Figure(
                f"{job}: local time per missing book",
                cost.wall_seconds * 1000 / max(1, added),
                "ms",
                reference=replay_wall * 1000 / max(1, added),
                reference_what="the same HTTP requests alone",
                note=f"CPU {cost.cpu_seconds * 1000 / max(1, added):.1f} ms",
            )
        )
        section.detail(
            f"{job} on a tenth of the library: "
            f"{small_cost.wall_seconds * 1000 / max(1, small_added):.1f} ms per missing book "
            f"(CPU {small_cost.cpu_seconds * 1000 / max(1, small_added):.1f} ms)"
        )
        for shape, number in query_shapes(cost.queries, top=5):
            section.detail(f"{job}: {number:,} × `{shape}`")


def _measure(ctx, label, series_count, author_count, replay=False):
    """Run both jobs on a fresh library: {job: (cost, units, added, sent, replay wall)}."""
    completion = world.completion_world(series_count, author_count)
    database = ctx.server.clone(ctx.main_db, label)
    with using(database):
        data.completion_library(completion)
    results = {}
    with FakeServices(series=series_count, authors=author_count, record=replay) as fakes:
        with override_settings(**settings_for(fakes)), using(database):
            from catalog.models import Book, Download

            for job, source, _ in JOBS:
                fakes.reset()
                cost = run_job(job, ctx.log_path(f"{label}-{job}"))
                added = Book.objects.filter(source=source).count()
                sent = Download.objects.filter(task_name=job, status=Download.SENT).count()
                replay_wall = None
                if replay:
                    log = fakes.log()
                    fakes.reset()
                    replay_wall, _ = fakes.replay(log)
                units = series_count if source == "series" else author_count
                results[job] = (cost, units, added, sent, replay_wall)
    ctx.server.drop(database)
    return results
