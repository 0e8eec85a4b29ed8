"""library_scan at scale: a generated library of real (tiny) audiobooks read into the catalog."""

import os
import shutil
import subprocess
import time

import mutagen
from django.test import override_settings

from bench import world
from bench.databases import using
from bench.inprocess import query_shapes, run_job
from bench.report import Figure

FULL, SMALL = 10_000, 200
REPEATS = 3  # imports and retagged rescans: the fastest of three (the machine is shared)
RESCANS = 5  # unchanged rescans and walks (a quarter of a second each): the fastest of five
FFMPEG = "/usr/bin/ffmpeg"
METHOD = """
A library of N audiobooks generated on disk: half as Author/Series/"Book k - Title
{Narrator}"/ with one m4b file (series in MP4 freeform SERIES/SERIES-PART tags), half as
Author/Title/ with one mp3 file (ID3 title, album, artist, composer); each file a copy of
one tiny tone made once by ffmpeg, then tagged with mutagen. Before each timed part,
os.sync(): what was just written (the library, the database, the import) is on disk, so
that no flush of it is timed. First import: library_scan (runner.run_task, in this
process, inside CaptureQueriesContext) on an empty catalog, the fastest of three (each on
a fresh copy of the empty database, the matcher's caches emptied first, as in a new
process). Reference: mutagen alone reading the same files' tags and durations in the same
run, no walk and no database, also the fastest of three, each run just before an import
(the machine is shared: its slower moments weigh on both alike; goal: the import within
1.5× of it). Unchanged rescan: the same job again with nothing changed, the fastest of
five runs. Reference: a bare os.scandir walk of the tree listing every entry, the fastest
of five, each just before a rescan (goal: within 3×). Then every file's modification
time moved on (a retagging or a restore) and the job run again, three times, the fastest
kept: every book is read again, and must cost no more than the first import. Queries per
book: the first import of a library a tenth of the size gives the reference; the same
count per book at both sizes means no query grows with the library.
"""


def run(ctx):
    section = ctx.section("library", "library_scan at scale", METHOD)
    count = SMALL if ctx.small else FULL
    tones = _tones(ctx.workdir)
    full_tree, files = _library(ctx.workdir, "library", count, tones)
    tenth_tree, _ = _library(ctx.workdir, "library_tenth", count // 10, tones)
    os.sync()  # the files just written are on disk: no flush competes with what is timed
    references, walks = [], []
    first, rescan, retagged, database = _import_twice(
        ctx, "library", full_tree, count, files, imports=REPEATS,
        before_each=lambda: references.append(_mutagen_alone(files)),
        before_each_rescan=lambda: walks.append(_bare_walk(full_tree)),
    )  # fmt: skip
    reference, walk = min(references), min(walks)
    tenth, _, _, tenth_db = _import_twice(ctx, "library_tenth", tenth_tree, count // 10)
    section.detail(
        f"{count:,} books: first import {first.wall_seconds:.2f} s wall "
        f"({first.cpu_seconds:.2f} s CPU, {len(first.queries):,} queries); unchanged rescan "
        f"{rescan.wall_seconds:.2f} s ({len(rescan.queries)} queries); mutagen alone "
        f"{reference:.2f} s; os.scandir walk {walk:.3f} s"
    )
    section.add(
        _within(
            "first import",
            first.wall_seconds,
            reference,
            "mutagen alone reading the same tags",
            1.5,
            f"{count:,} books",
        )
    )
    section.add(
        _within("unchanged rescan", rescan.wall_seconds, walk, "bare os.scandir walk of the "
                "tree", 3, f"{count:,} books, {len(rescan.queries)} queries")
    )  # fmt: skip
    section.add(
        _within("rescan with every file changed", retagged.wall_seconds, first.wall_seconds,
                "the first import", 1, f"{count:,} books, {len(retagged.queries)} queries")
    )  # fmt: skip
    per_book, tenth_per_book = len(first.queries) / count, len(tenth.queries) / (count // 10)
    section.add(
        Figure(
            "queries per book, first import",
            per_book,
            "queries",
            reference=tenth_per_book,
            reference_what=f"at {count // 10:,} books",
            goal="constant",
            met=per_book <= tenth_per_book * 1.05,
        )
    )
    for shape, number in query_shapes(first.queries, top=5):
        section.detail(f"{number:,} × `{shape}`")
    for name in (database, tenth_db):
        ctx.server.drop(name)
    shutil.rmtree(full_tree, ignore_errors=True)
    shutil.rmtree(tenth_tree, ignore_errors=True)


def _within(what, seconds, reference, reference_what, factor, note):
    """A time held to at most `factor` times its reference."""
    return Figure(
        what,
        seconds,
        "s",
        reference=reference,
        reference_what=reference_what,
        goal=f"≤ {factor:g}×",
        met=seconds <= factor * reference,
        note=note,
    )


def _tones(workdir):
    made = {}
    for extension, codec in (("m4b", "aac"), ("mp3", "libmp3lame")):
        path = os.path.join(workdir, f"tone.{'m4a' if extension == 'm4b' else extension}")
        subprocess.run(
            [FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             "sine=frequency=440:sample_rate=8000:duration=1", "-ac", "1", "-c:a", codec, path],
            check=True,
        )  # fmt: skip
        made[extension] = path
    return made


def _library(workdir, name, count, tones):
    """A tree of `count` tagged audiobooks. -> (root, [audio file paths])."""
    from mutagen.id3 import ID3, TALB, TCOM, TIT2, TPE1
    from mutagen.mp4 import MP4, MP4FreeForm

    started = time.monotonic()
    root = os.path.join(workdir, name)
    files = []
    for n in range(count):
        title, author, narrator = world.title(n), world.person(n // 3), world.person(n + 7)
        if n % 2:
            folder = os.path.join(root, author, title)
            path = os.path.join(folder, "01.mp3")
            os.makedirs(folder)
            shutil.copyfile(tones["mp3"], path)
            frames = ID3()
            for frame, text in ((TIT2, title), (TALB, title), (TPE1, author), (TCOM, narrator)):
                frames.add(frame(encoding=3, text=[text]))
            frames.save(path)
        else:
            series, position = f"{title.split()[-1]} Saga {n // 6}", str(n % 6 // 2 + 1)
            folder = os.path.join(root, author, series, f"Book {position} - {title} {{{narrator}}}")
            path = os.path.join(folder, f"{title}.m4b")
            os.makedirs(folder)
            shutil.copyfile(tones["m4b"], path)
            audio = MP4(path)
            audio["\xa9alb"], audio["\xa9ART"], audio["\xa9wrt"] = [title], [author], [narrator]
            audio["----:com.apple.iTunes:SERIES"] = [MP4FreeForm(series.encode())]
            audio["----:com.apple.iTunes:SERIES-PART"] = [MP4FreeForm(position.encode())]
            audio.save()
        files.append(path)
    print(f"  ({name}: {count:,} audiobooks made in {time.monotonic() - started:.1f}s)", flush=True)
    return root, files


def _mutagen_alone(files):
    """Reading every file's tags and duration with mutagen, nothing else. -> seconds."""
    started = time.perf_counter()
    for path in files:
        audio = mutagen.File(path)
        dict(audio.tags or {})
        audio.info.length  # noqa: B018 - read, as the scan reads it
    return time.perf_counter() - started


def _bare_walk(root):
    """os.scandir over the whole tree, every entry listed. -> seconds."""
    started = time.perf_counter()
    pending = [root]
    while pending:
        with os.scandir(pending.pop()) as listing:
            for entry in listing:
                if entry.is_dir():
                    pending.append(entry.path)
    return time.perf_counter() - started


def _import_twice(
    ctx, label, tree, count, touch=(), imports=1, before_each=None, before_each_rescan=None
):
    """(first import cost (the fastest of `imports`), unchanged rescan cost, cost of a
    rescan after the `touch` files changed (None without), database). before_each() runs
    before each import, before_each_rescan() before each unchanged rescan (their
    references, measured in turn with them)."""
    from catalog import matching
    from catalog.models import BookLocation, ShelfReview

    def all_taken(run, what):
        # Every folder is a present copy on the shelf, or waits for review (two generated
        # titles may be close enough for the matcher to take them as one book).
        present = BookLocation.objects.filter(missing_since__isnull=True).count()
        taken = present + ShelfReview.objects.count()
        if taken != count:
            raise RuntimeError(f"the {what} took {taken} of {count} folders: {run.task}")

    settings = {"LIBRARY_PATHS": [tree], "AUDIOBOOKSHELF_URL": ""}
    costs, database = [], None
    for _ in range(imports):  # the last database is kept for the rescans
        if database:
            ctx.server.drop(database)
        database = ctx.server.clone(ctx.main_db, label)
        matching.forget_caches()
        if before_each:
            before_each()
        os.sync()
        with override_settings(**settings), using(database):
            costs.append(run_job("library_scan", ctx.log_path(label)))
            all_taken(costs[-1], "import")
    first = min(costs, key=lambda cost: cost.wall_seconds)
    # The import's writes flushed to disk first, as they are long before an hourly rescan
    # (right after the import, the kernel writing them back made a rescan 30% slower).
    os.sync()
    with override_settings(**settings), using(database):
        rescans = []
        for _ in range(RESCANS):
            if before_each_rescan:
                before_each_rescan()
            rescans.append(run_job("library_scan", ctx.log_path(label)))
        retagged = []
        for attempt in range(REPEATS if touch else 0):
            # Every file rewritten (a retagging, a restore): every book read again.
            later = time.time() + 1 + attempt
            for path in touch:
                os.utime(path, (later, later))
            os.sync()
            retagged.append(run_job("library_scan", ctx.log_path(label)))
            all_taken(retagged[-1], "rescan")
    fastest = min(rescans, key=lambda cost: cost.wall_seconds)
    retagged = min(retagged, key=lambda cost: cost.wall_seconds) if retagged else None
    return first, fastest, retagged, database
