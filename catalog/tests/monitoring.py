"""What the download_monitor tests share: a book being downloaded, its torrent's content
on disk in the fake qBittorrent's save path, and one monitor run."""

import hashlib
from pathlib import Path

from catalog.models import Author, Book, Download, Release, Series
from catalog.tests.fakes.content import audio_file
from scheduling.models import Task
from scheduling.runner import run_task

COREY = "James S. A. Corey"


def downloading_book(title="Caliban's War", position="2", series="The Expanse"):
    book = Book.objects.create(
        title=title,
        series=Series.objects.create(name=series) if series else None,
        series_position=position if series else "",
        status=Book.DOWNLOADING,
    )
    book.authors.add(Author.objects.create(name=COREY))
    return book


def sent(book, digest, mam_id=501, status=Download.SENT):
    release = Release.objects.create(mam_id=mam_id, title=book.title, book=book, format="mp3")
    return Download.objects.create(
        release=release, book=book, status=status, client_hash=digest, task_name="mam_scraping"
    )


def digest_of(name):
    return hashlib.sha1(name.encode()).hexdigest()


def torrent_content(fake, name, audio=("01.mp3", "02.mp3"), others=(), state="stalledUP"):
    """A finished multi-file torrent in the fake qBittorrent, its files really on disk."""
    folder = Path(fake.save_path) / name
    files = []
    for file_name in audio:
        path = audio_file(folder / file_name, seconds=2)
        files.append((f"{name}/{file_name}", path.stat().st_size))
    for file_name, data in others:
        (folder / file_name).parent.mkdir(parents=True, exist_ok=True)
        (folder / file_name).write_bytes(data)
        files.append((f"{name}/{file_name}", len(data)))
    digest = digest_of(name)
    fake.add(digest, name, files=files, state=state, progress=1.0 if "UP" in state else 0.0)
    return digest, folder


def monitor():
    task = run_task("download_monitor", Task.CLI)
    task.refresh_from_db()
    return task


def snapshot(root):
    """Every file under root with its inode and size: what a user would see on disk."""
    return sorted(
        (str(path.relative_to(root)), path.stat().st_ino, path.stat().st_size)
        for path in Path(root).rglob("*")
    )
