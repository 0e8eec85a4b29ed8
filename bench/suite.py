"""The benchmark suite behind bench/run.py: sizes, shared setup, the run and the report."""

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from bench import databases, report
from bench.databases import Server

BENCHMARKS = [
    "history",
    "cleanup",
    "scheduler",
    "metadata",
    "completion",
    "monitor",
    "pace",
    "library",
]


@dataclass(frozen=True)
class Sizes:
    tasks: int
    executions: int
    small_history: int  # the size the history pages' query counts are compared with
    books: int
    series: int
    authors: int
    idle_seconds: float
    ticks: int
    pauses: int
    page_repeats: int
    rate: float  # requests per second per host for the rate-limited metadata run

    def describe(self):
        return (
            f"{self.tasks:,} Task rows and {self.executions:,} django-apscheduler executions "
            f"(query counts also at {self.small_history:,}); {self.books:,} books; "
            f"{self.series:,} monitored series and {self.authors:,} monitored authors; "
            f"{self.idle_seconds:g} idle seconds; R = {self.rate:g} requests/s per host"
        )


FULL = Sizes(
    tasks=1_000_000,
    executions=1_000_000,
    small_history=1_000,
    books=10_000,
    series=1_000,
    authors=2_000,
    idle_seconds=60,
    ticks=10,
    pauses=6,
    page_repeats=7,
    rate=50,
)
SMALL = Sizes(
    tasks=5_000,
    executions=5_000,
    small_history=500,
    books=200,
    series=10,
    authors=20,
    idle_seconds=5,
    ticks=3,
    pauses=2,
    page_repeats=2,
    rate=50,
)


class Context:
    """What every benchmark gets: sizes, the server, a work directory, shared databases."""

    def __init__(self, sizes, small, server, main_db, workdir):
        self.sizes = sizes
        self.small = small
        self.server = server
        self.main_db = main_db
        self.workdir = workdir
        self.sections = []

    def section(self, name, title, method=""):
        section = report.Section(name, title, " ".join(method.split()))
        self.sections.append(section)
        print(f"\n== {title}", flush=True)
        return section

    def env(self, database, **overrides):
        return databases.django_environment(self.server.url(database), **overrides)

    def log_path(self, name):
        return os.path.join(self.workdir, f"{name}.log")

    @cached_property
    def history_db(self):
        """The million-row history (tasks, failed attempts, executions), built once."""
        from bench import data

        name = self.server.clone(self.main_db, "history")
        started = time.monotonic()
        retention = _retention_days()
        with self.server.connect(name) as conn:
            data.task_history(conn, self.sizes.tasks, retention)
            data.failed_attempts(conn, self.sizes.tasks // 100)
            data.executions(conn, self.sizes.executions, retention)
            data.vacuum_analyze(conn)
        print(
            f"  (history data: {self.sizes.tasks:,} tasks and {self.sizes.executions:,} "
            f"executions in {time.monotonic() - started:.1f}s)",
            flush=True,
        )
        return name


def _retention_days():
    from django.conf import settings

    return settings.HISTORY_RETENTION_DAYS


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Benchmarks: figures printed as measured, each against a reference "
        "measured side by side; a full run writes docs/BENCHMARKS.md.",
    )
    parser.add_argument(
        "--small",
        action="store_true",
        help="tiny sizes, to prove every benchmark still works (CI); writes no report",
    )
    parser.add_argument("--only", choices=BENCHMARKS, help="run one benchmark (writes no report)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    return parser.parse_args(argv)


def setup_django(server):
    """Create and migrate the run's template database; Django in this process uses it."""
    main_db = server.create("main")
    os.environ.update(databases.django_environment(server.url(main_db)))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return main_db


def run_benchmark(name, ctx):
    from importlib import import_module

    module = import_module(f"bench.bench_{name}")
    module.run(ctx)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    sizes = SMALL if args.small else FULL
    command = "bench/run.py" + (" --small" if args.small else "")
    command += f" --only {args.only}" if args.only else ""
    started = datetime.now().astimezone()
    server = Server()
    workdir = tempfile.mkdtemp(prefix="bench-")
    failures = []
    print(f"Benchmarks ({'small' if args.small else 'full'} size): {sizes.describe()}")
    print(f"Machine: {report.machine()}; work directory {workdir}", flush=True)
    try:
        main_db = setup_django(server)
        ctx = Context(sizes, args.small, server, main_db, workdir)
        for name in [args.only] if args.only else BENCHMARKS:
            try:
                run_benchmark(name, ctx)
            except Exception as error:  # one broken benchmark must not hide the others
                traceback.print_exc()
                failures.append(name)
                section = next((s for s in ctx.sections if s.name == name), None)
                section = section or ctx.section(name, name)
                section.skip(f"failed: {type(error).__name__}: {error}")
        if not args.small and not args.only:
            text = report.markdown(
                ctx.sections,
                ".venv/bin/python " + command,
                sizes.describe(),
                postgres_version(server),
                started,
                datetime.now().astimezone(),
            )
            report.REPORT.write_text(text + "\n")
            print(f"\nWrote {report.REPORT.relative_to(report.ROOT)}")
        else:
            print("\nReport not written (--small or --only).")
    finally:
        if not args.keep:
            server.drop_all()
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"Failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


def postgres_version(server):
    with server.connect() as conn:
        return conn.execute("SHOW server_version").fetchone()[0]
