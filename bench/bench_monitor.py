"""download_monitor at scale: one pass over thousands of followed downloads."""

from django.test import override_settings

from bench.databases import using
from bench.fake_services import FakeServices, bench_hash
from bench.inprocess import query_shapes, run_job
from bench.report import Figure
from catalog.tests.fakes import qbittorrent

FULL, SMALL = 5_000, 200
INFO = "/api/v2/torrents/info"
METHOD = """
N downloads sent to qBittorrent and still downloading, each for its own book. One local
process fakes qBittorrent's Web API with the test suite's fake (version 4.5, the session
cookie required): it lists the N torrents, each a little further along at every listing,
so every download's figures change and are written (the monitor's worst case for
writes; no import and no failure). One download_monitor pass runs in this process through
runner.run_task inside CaptureQueriesContext. The same pass on a tenth of the downloads
is the reference: the same queries and time per download at both sizes means nothing
grows with their number. The fake counts the requests it got during the pass.
"""


def run(ctx):
    section = ctx.section("monitor", "download_monitor at scale", METHOD)
    count = SMALL if ctx.small else FULL
    full = _measure(ctx, "monitor", count)
    tenth = _measure(ctx, "monitor_tenth", count // 10)
    cost, info, requests = full
    small_cost, _, _ = tenth
    per_download = len(cost.queries) / count
    small_per_download = len(small_cost.queries) / (count // 10)
    section.detail(
        f"{count:,} followed downloads: {cost.wall_seconds:.2f} s wall, "
        f"{cost.cpu_seconds:.2f} s CPU, {len(cost.queries):,} queries; "
        f"{count // 10:,}: {small_cost.wall_seconds:.2f} s wall, {len(small_cost.queries)} queries"
    )
    section.add(
        Figure(
            "queries per followed download",
            per_download,
            "queries",
            reference=small_per_download,
            reference_what=f"at {count // 10:,} downloads",
            goal="constant",
            met=per_download <= small_per_download * 1.05,
            note=f"{len(cost.queries)} in all",
        )
    )
    section.add(
        Figure(
            "local time per followed download",
            cost.wall_seconds * 1000 / count,
            "ms",
            reference=small_cost.wall_seconds * 1000 / (count // 10),
            reference_what=f"at {count // 10:,} downloads",
            goal="constant (within 1.5×)",
            met=cost.wall_seconds / count <= 1.5 * small_cost.wall_seconds / (count // 10),
            note=f"CPU {cost.cpu_seconds * 1000 / count:.2f} ms",
        )
    )
    section.add(
        Figure(
            "torrents/info requests per pass",
            info,
            "requests",
            goal="1",
            met=info == 1,
            note=f"{requests} requests to qBittorrent in all, the login's included",
        )
    )
    for shape, number in query_shapes(cost.queries, top=5):
        section.detail(f"{number:,} × `{shape}`")


def _measure(ctx, label, count):
    """One pass over `count` followed downloads: (cost, info requests, all requests)."""
    database = ctx.server.clone(ctx.main_db, label)
    with using(database):
        followed_downloads(count)
    with FakeServices(torrents=count) as fakes:
        settings = {
            "QBITTORRENT_URL": fakes.url("qbittorrent"),
            "QBITTORRENT_USERNAME": qbittorrent.USERNAME,
            "QBITTORRENT_PASSWORD": qbittorrent.PASSWORD,
        }
        with override_settings(**settings), using(database):
            fakes.reset()
            cost = run_job("download_monitor", ctx.log_path(label))
            info, requests = fakes.requests("qbittorrent", INFO), fakes.requests("qbittorrent")
            _check(cost, count)
    ctx.server.drop(database)
    return cost, info, requests


def _check(cost, count):
    from catalog.models import Download

    moved = Download.objects.filter(progress__gt=0, status=Download.SENT).count()
    if moved != count or cost.task.items_processed != count:
        raise RuntimeError(f"the pass saw {moved} of {count} downloads move: {cost.task}")


def followed_downloads(count):
    """count books, each downloading one release of its own, sent to qBittorrent."""
    from catalog.models import Book, Download, Release
    from catalog.normalize import normalize_title

    books = [
        Book(title=f"Bench Book {n}", title_normalized=f"bench book {n}", status=Book.DOWNLOADING)
        for n in range(count)
    ]
    Book.objects.bulk_create(books, batch_size=2000)
    releases = [
        Release(mam_id=900_000 + n, title=normalize_title(book.title), book=book)
        for n, book in enumerate(books)
    ]
    Release.objects.bulk_create(releases, batch_size=2000)
    Download.objects.bulk_create(
        [
            Download(
                release=release, book=release.book, status=Download.SENT, client_hash=bench_hash(n)
            )
            for n, release in enumerate(releases)
        ],
        batch_size=2000,
    )
