"""A realistic library for the README's screenshots and the fit-the-screen tests.

Run with `manage.py shell -c "$(cat library_seed.py)"` (see conftest.library_site), not
imported: real books, series and authors, downloads in every state, thirty days of history
of the real jobs, and what the services last said. Long titles on purpose: the pages must
wrap them, not scroll.
"""

import random
from datetime import timedelta

from django.utils import timezone

from catalog.clients import mam_session
from catalog.models import (
    Author,
    Book,
    BookLocation,
    Download,
    Genre,
    Release,
    Series,
    ServiceSession,
)
from scheduling.models import FailedAttempt, ServiceCheck, Task

random.seed(7)
now = timezone.now()
sci_fi = Genre.objects.create(name="Science Fiction", mam_category_id=47, discovery_enabled=True)
fantasy = Genre.objects.create(name="Fantasy", mam_category_id=41, discovery_enabled=True)
Genre.objects.create(name="Mystery & Thriller", mam_category_id=57)

# An author and their series (all followed) with its narrator and genre; then its books:
# position | title | status. Then books without a series, and announced ones.
LIBRARY = """
James S. A. Corey | The Expanse | Jefferson Mays | sf
  1 | Leviathan Wakes | owned
  2 | Caliban's War | owned
  3 | Abaddon's Gate | owned
  4 | Cibola Burn | owned
  5 | Nemesis Games | owned
  6 | Babylon's Ashes | downloading
  7 | Persepolis Rising | wanted
  8 | Tiamat's Wrath | wanted
  9 | Leviathan Falls | wanted
N. K. Jemisin | The Broken Earth | Robin Miles | fantasy
  1 | The Fifth Season | owned
  2 | The Obelisk Gate | owned
  3 | The Stone Sky | downloading
Martha Wells | The Murderbot Diaries | Kevin R. Free | sf
  1 | All Systems Red | owned
  2 | Artificial Condition | owned
  3 | Rogue Protocol | owned
  4 | Exit Strategy | owned
  5 | Network Effect | owned
  6 | Fugitive Telemetry | wanted
  7 | System Collapse | wanted
Becky Chambers | Wayfarers | Rachel Dulude | sf
  1 | The Long Way to a Small, Angry Planet | owned
  2 | A Closed and Common Orbit | owned
  3 | Record of a Spaceborn Few | downloading
  4 | The Galaxy, and the Ground Within | wanted
Brandon Sanderson | The Stormlight Archive | Michael Kramer, Kate Reading | fantasy
  1 | The Way of Kings | owned
  2 | Words of Radiance | owned
  2.5 | Edgedancer | ignored
  3 | Oathbringer | owned
  4 | Rhythm of War | owned
  5 | Wind and Truth | wanted
Pierce Brown | Red Rising | Tim Gerard Reynolds | sf
  1 | Red Rising | owned
  2 | Golden Son | owned
  3 | Morning Star | owned
  4 | Iron Gold | discovered
Adrian Tchaikovsky | Children of Time | Mel Hudson | sf
  1 | Children of Time | owned
  2 | Children of Ruin | discovered
  3 | Children of Memory | discovered
"""
STANDALONE = """
Andy Weir | Project Hail Mary | Ray Porter | owned
Emily St. John Mandel | Sea of Tranquility | John Lee | discovered
Tamsyn Muir | Gideon the Ninth | Moira Quirk | discovered
Susanna Clarke | Piranesi | Chiwetel Ejiofor | owned
Kazuo Ishiguro | Klara and the Sun | Sura Siu | ignored
"""
ANNOUNCED = """
Martha Wells | The Murderbot Diaries | 8 | Platform Decay | 34
Pierce Brown | Red Rising | 7 | Red God | 71
Adrian Tchaikovsky | Children of Time | 4 | Children of Strife | 12
"""
GENRES = {"sf": sci_fi, "fantasy": fantasy}


def rows(text):
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


def grouped(text):
    """[(author, series, narrator, genre, [(position, title, status)])]"""
    groups = []
    for line in text.strip().splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if line.startswith("  "):
            groups[-1][4].append(tuple(cells))
        else:
            groups.append((*cells[:3], GENRES[cells[3]], []))
    return groups


def sent(release, status, hours, **fields):
    """The download of `release` that series_completion sent `hours` ago."""
    return Download.objects.create(
        release=release,
        book=release.book,
        status=status,
        task_name="series_completion",
        client_hash=f"{release.mam_id:040x}",
        requested_at=now - timedelta(hours=hours),
        **fields,
    )


authors, series, books, mam_id = {}, {}, [], 40100
for name, series_name, narrator, genre, entries in grouped(LIBRARY):
    author = authors.setdefault(name, Author.objects.create(name=name, monitored=True))
    shelf = series[series_name] = Series.objects.create(name=series_name, monitored=True)
    for position, title, status in entries:
        book = Book.objects.create(
            title=title,
            series=shelf,
            series_position=position,
            status=status,
            narrators=narrator,
            language="en",
            source="series" if status != "owned" else "library",
            description=f"Book {position} of {series_name}.",
            runtime_minutes=random.randint(480, 2700),
            date_added=now - timedelta(days=random.randint(1, 300)),
        )
        book.authors.add(author)
        book.genres.add(genre)
        books.append(book)
        if status == "owned":  # where the library scan found it
            BookLocation.objects.create(
                book=book,
                path=f"/audiobooks/{name}/{series_name}/Book {position} - {title}",
                library_root="/audiobooks",
                audio_format="m4b",
                file_count=1,
            )
for name, title, narrator, status in rows(STANDALONE):
    author = authors.setdefault(name, Author.objects.create(name=name))
    book = Book.objects.create(
        title=title,
        status=status,
        narrators=narrator,
        language="en",
        source="top10",
        description="A standalone novel.",
        date_added=now - timedelta(days=random.randint(1, 60)),
    )
    book.authors.add(author)
    books.append(book)
for name, series_name, position, title, days in rows(ANNOUNCED):
    book = Book.objects.create(
        title=title,
        series=series[series_name],
        series_position=position,
        status="announced",
        release_date=(now + timedelta(days=int(days))).date(),
        language="en",
        source="series",
    )
    book.authors.add(authors[name])

# Releases seen on MyAnonamouse, and the downloads sent for them.
for book in books:
    if book.status not in ("owned", "downloading", "wanted", "discovered"):
        continue
    if book.status == "wanted" and random.random() < 0.5:
        continue
    mam_id += random.randint(3, 400)
    author = book.authors.first()
    release = Release.objects.create(
        mam_id=mam_id,
        title=f"{book.title} (Unabridged)",
        author_text=author.name,
        narrator_text=book.narrators,
        series_text=book.series.name if book.series else "",
        series_position=book.series_position,
        format=random.choice(["m4b", "m4b", "mp3"]),
        size_bytes=random.randint(250, 1400) * 1_000_000,
        seeders=random.randint(2, 90),
        leechers=random.randint(0, 5),
        times_snatched=random.randint(20, 2500),
        language="en",
        book=book,
        added_at=now - timedelta(days=random.randint(1, 200)),
    )
    if book.status == "downloading":
        sent(
            release,
            Download.SENT,
            hours=random.randint(1, 20),
            client_state="downloading",
            progress=round(random.uniform(0.1, 0.9), 2),
            seeders=release.seeders,
        )
for number, book in enumerate([b for b in books if b.status == "owned"][:6]):
    done = now - timedelta(days=number + 1)
    sent(
        book.releases.first(),
        Download.IMPORTED,
        hours=24 * (number + 2),
        client_state="stalledUP",
        progress=1,
        ratio=round(1.2 + number / 3, 2),
        import_path=f"/audiobooks/{book.title}",
        completed_at=done,
        imported_at=done,
    )
blocked = Book.objects.get(title="Record of a Spaceborn Few")
Download.objects.filter(book=blocked).update(
    status=Download.IMPORT_BLOCKED,
    progress=1,
    client_state="stalledUP",
    error_message="No audio files in /downloads/Record of a Spaceborn Few (Unabridged): only "
    "a .nfo and cover.jpg; check the torrent's files in qBittorrent",
)

# The MAM session, set in the admin (sealed), and what the services last said.
mam_session.give("a-realistic-mam-id-value-for-the-screenshots", ServiceSession.ADMIN)
CHECKS = [
    ("mam", True, "the session works"),
    ("qbittorrent", True, "logged in, qBittorrent v5.1.2, 812.4 GB free in /downloads"),
    ("library", True, "2 folders readable; 1.6 TB free in /audiobooks"),
    ("google_books", True, "answered the metadata refresh"),
    ("goodreads", False, "Goodreads: refused (HTTP 403 from /book/isbn/9780316129084)"),
    ("openlibrary", True, "answered an author's works (author completion)"),
    ("audible", True, "answered the metadata refresh"),
    ("audnexus", True, "answered the metadata refresh"),
]
for service, ok, summary in CHECKS:
    moment = now - timedelta(hours=random.randint(1, 30))
    ServiceCheck.objects.update_or_create(
        service=service,
        defaults={
            "ok": ok,
            "summary": summary,
            "checked_at": moment,
            "last_ok_at": moment if ok else moment - timedelta(days=3),
            "last_problem_at": None if ok else moment,
        },
    )

# Thirty days of the real jobs' history.
MAM_DOWN = (
    "MyAnonamouse: HTTP 503 from /tor/js/loadSearchJSONbasic.php after 3 tries: MyAnonamouse "
    "is down or overloaded; the next run tries again\n\n"
    "Traceback (most recent call last):\n"
    '  File "/app/scheduling/runner.py", line 322, in _call\n'
    "    summary = job.load()(self)\n"
    '  File "/app/catalog/jobs/mam_guard.py", line 25, in guarded\n'
    "    return job(run)\n"
    '  File "/app/catalog/jobs/discovery.py", line 55, in mam_scraping\n'
    "    for page in client.iter_search(added_since=since):\n"
    '  File "/app/catalog/clients/http.py", line 181, in call\n'
    "    raise ServiceUnavailable(service, message)\n"
    "catalog.clients.http.ServiceUnavailable: MyAnonamouse: HTTP 503 from "
    "/tor/js/loadSearchJSONbasic.php after 3 tries"
)


def mam_log(start, items, failed):
    def at(seconds):
        return (start + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S,000")

    lines = [
        f"{at(0)} INFO jobs.mam_scraping: Searching MyAnonamouse for releases added since "
        f"{(start - timedelta(days=7)):%Y-%m-%d}"
    ]
    if failed:
        lines.append(f"{at(31)} WARNING catalog.clients.http: MyAnonamouse answered 503; retrying")
        lines.append(
            f"{at(95)} ERROR jobs.mam_scraping: Failed: ServiceUnavailable: {MAM_DOWN[:60]}"
        )
    else:
        lines.append(
            f"{at(80)} INFO jobs.mam_scraping: {items} releases stored, "
            f"{items // 9} linked to books in the library"
        )
    return "\n".join(lines)


DAILY = [("cleanup_old_tasks", 1, 0.6), ("mam_scraping", 2, 95.0), ("announced_releases", 6, 12.0)]


def run(name, start, seconds, items, failed_items=0, status="completed", **fields):
    """A finished scheduled run of `name` that started at `start` and took `seconds`."""
    return Task(
        task_name=name,
        trigger="schedule",
        status=status,
        scheduled_for=start.replace(second=0),
        actual_start=start,
        actual_end=start + timedelta(seconds=seconds),
        duration_seconds=seconds,
        date_created=start,
        items_total=items,
        items_processed=items,
        items_succeeded=items - failed_items,
        items_failed=failed_items,
        host="nas",
        pid=random.randint(2000, 9000),
        **fields,
    )


rows = []
for day in range(30, 0, -1):
    for name, hour, seconds in DAILY:
        start = (now - timedelta(days=day)).replace(hour=hour, minute=0, second=day % 7)
        items = random.randint(40, 220) if name == "mam_scraping" else random.randint(0, 4)
        failed = name == "mam_scraping" and day in (9, 22)
        rows.append(
            run(
                name,
                start,
                seconds * random.uniform(0.7, 1.6),
                items,
                status="failed" if failed else "completed",
                error_message=MAM_DOWN if failed else "",
                log_output=mam_log(start, items, failed) if name == "mam_scraping" else "",
            )
        )
    for hour in range(0, 24, 6):
        start = (now - timedelta(days=day)).replace(hour=hour, minute=random.choice([0, 5, 10]))
        rows.append(run("download_monitor", start, random.uniform(0.8, 3.5), 4))
for weeks in range(4, 0, -1):
    start = (now - timedelta(weeks=weeks)).replace(hour=3, minute=0)
    rows.append(run("top10_discovery", start, 182.0, 20, failed_items=2))
    rows.append(run("metadata_new_books", start.replace(hour=4, minute=30), 371.0, 31, 2))
for name, day in (
    ("metadata_full_refresh", 29),
    ("series_completion", 28),
    ("author_completion", 27),
):
    start = (now - timedelta(days=day)).replace(hour=4 if "metadata" in name else 3, minute=0)
    rows.append(run(name, start, 1440.0, 58, failed_items=3))
Task.objects.bulk_create(rows)
failed_run = Task.objects.filter(task_name="metadata_new_books").order_by("-actual_start").first()
for title in ("Sea of Tranquility", "Gideon the Ninth"):
    FailedAttempt.record(
        "metadata_new_books",
        "book",
        Book.objects.get(title=title).pk,
        "Goodreads: refused (HTTP 403 from /book/isbn/): Goodreads is refusing us for now",
        label=title,
        task=failed_run,
    )
