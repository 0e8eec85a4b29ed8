"""Importing a finished download onto the shelf, where the library lives.

The torrent's audio files (and one cover image, nothing else) are hardlinked, or copied,
into LIBRARY_IMPORT_PATH under LIBRARY_LAYOUT. The torrent's own files are never moved or
deleted, so it keeps seeding. An import is placed whole or not at all: the files go into
a hidden staging folder beside the target, which is renamed into place at the end, and
any failure removes it again. A target that already holds exactly these files (a crash
after the rename, before the database learned of it) is taken as done, so an import can
be repeated safely.

What cannot be imported raises ImportBlocked with the reason in words, for staff to fix.
"""

import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pathvalidate import sanitize_filename

from catalog.models import Book, BookLocation, Download
from catalog.shelf import tags
from catalog.shelf.layout import AUDIO_EXTENSIONS, DISC_FOLDER

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp"}
NAME_LIMIT = 180  # characters per folder or file name, well under every filesystem's 255


class ImportBlocked(Exception):  # noqa: N818 - it names the download's state
    """The download cannot be imported; the message says why, for staff."""


@dataclass
class Placed:
    folder: Path
    files: list  # Paths of the audio files in the folder
    already_there: bool = False


# --- paths ---------------------------------------------------------------------------------


def local_path(remote):
    """qBittorrent's path as this machine sees it, through DOWNLOAD_PATH_MAP."""
    if not settings.DOWNLOAD_PATH_MAP:
        return Path(remote)
    for prefix, local in settings.DOWNLOAD_PATH_MAP:
        if remote == prefix or (remote.startswith(prefix) and remote[len(prefix)] in "/\\"):
            rest = remote[len(prefix) :].replace("\\", "/").lstrip("/")
            return Path(local, rest) if rest else Path(local)
    raise ImportBlocked(
        f"qBittorrent's path {remote} is under no remote folder of DOWNLOAD_PATH_MAP"
    )


def book_folder(book):
    """The book's folder below the import root, by LIBRARY_LAYOUT, every name made safe."""
    in_series, standalone = settings.LIBRARY_LAYOUT
    layout = in_series if book.series_id and book.series_position else standalone
    authors = [author.name for author in book.authors.all()]
    narrators = [name.strip() for name in book.narrators.split(",") if name.strip()]
    fields = {
        "author": " & ".join(authors) or "Unknown Author",
        "title": book.title,
        "series": book.series.name if book.series_id else "",
        "series_position": book.series_position,
        "year": (book.published_date or "")[:4],
        "narrator": narrators[0] if narrators else "",
    }
    safe = {key: _safe_name(value) for key, value in fields.items()}
    return Path(*(_safe_name(part.format(**safe)) or "Unknown" for part in layout.split("/")))


def _safe_name(text):
    name = sanitize_filename(" ".join(str(text).split()), platform="universal", max_len=NAME_LIMIT)
    name = name.strip(" .")
    return "" if name in ("", ".", "..") else name


# --- choosing the files ----------------------------------------------------------------------


def planned_files(save_path, files):
    """[(source Path, name inside the book folder)] for the audio files and one cover."""
    wanted = [f for f in files if f["priority"] != 0]
    audio = [f for f in wanted if _extension(f["name"]) in AUDIO_EXTENSIONS]
    if not audio:
        raise ImportBlocked("the torrent has no audio files to import")
    base = local_path(save_path)
    root = _common_folder([f["name"] for f in audio])
    plan = [(base / f["name"], _target_name(f["name"], root)) for f in audio]
    cover = _cover([f for f in wanted if _extension(f["name"]) in IMAGE_EXTENSIONS])
    if cover:
        plan.append((base / cover["name"], "cover" + _extension(cover["name"])))
    names = [name for _, name in plan]
    if len(set(names)) != len(names):
        raise ImportBlocked("two files of the torrent would get the same name in the book folder")
    for source, _ in plan:
        if not source.is_file():
            raise ImportBlocked(
                f"{source} is not there: qBittorrent reports it, but this machine does "
                "not see it (does DOWNLOAD_PATH_MAP map qBittorrent's folders?)"
            )
    return plan


def _extension(name):
    return PurePosixPath(name).suffix.lower()


def _common_folder(names):
    folders = [PurePosixPath(name).parent.parts for name in names]
    common = []
    for parts in zip(*folders, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return len(common)


def _target_name(name, root):
    parts = PurePosixPath(name).parts[root:]
    folders, file_name = parts[:-1], parts[-1]
    kept = [_safe_name(p) for p in folders if DISC_FOLDER.match(p)]
    folded = [p for p in folders if not DISC_FOLDER.match(p)]
    file_name = _safe_name(" - ".join([*folded, file_name])) or "audio"
    return str(PurePosixPath(*kept, file_name))


def _cover(images):
    if not images:
        return None
    named = [f for f in images if PurePosixPath(f["name"]).stem.lower() in ("cover", "folder")]
    return (named or sorted(images, key=lambda f: f["size"], reverse=True))[0]


# --- placing them ----------------------------------------------------------------------------


def place(plan, target, staging_tag):
    """Link or copy the plan into `target` whole, or leave nothing behind. -> Placed."""
    audio = [target / name for source, name in plan if not name.startswith("cover.")]
    if target.exists():
        if _holds_exactly(target, plan):
            return Placed(target, audio, already_there=True)
        raise ImportBlocked(f"{target} already exists with other content")
    staging = target.parent / f".{target.name}.importing-{staging_tag}"
    created = _missing_parents(target.parent)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)  # a crashed earlier attempt's leftovers
        staging.mkdir()
        for source, name in plan:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(source, staging / name)
        os.rename(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in created:
            _remove_if_empty(folder)
        raise ImportBlocked(_in_words(error)) from None
    return Placed(target, audio)


def _link_or_copy(source, destination):
    if settings.IMPORT_MODE == "hardlink":
        try:
            os.link(source, destination)
            return
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            # Another filesystem: a hardlink cannot cross it, so copy, as Sonarr does.
    shutil.copy2(source, destination)


def _holds_exactly(target, plan):
    present = {
        str(path.relative_to(target)): path.stat().st_size
        for path in target.rglob("*")
        if path.is_file()
    }
    planned = {name: source.stat().st_size for source, name in plan}
    return present == planned


def _missing_parents(folder):
    """The folders mkdir(parents=True) would create, deepest first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_if_empty(folder):
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty, or already gone: either way nothing of ours is left in it


def _in_words(error):
    where = f" ({error.filename})" if error.filename else ""
    if isinstance(error, PermissionError):
        return f"permission denied{where}"
    if error.errno == errno.ENOSPC:
        return f"no space left on the library's disk{where}"
    return f"{error.strerror or type(error).__name__}{where}"


# --- the whole import ------------------------------------------------------------------------


def import_download(download, torrent, files):
    """Place a completed download's files and record it on the shelf. -> Placed.

    torrent is the download's torrents/info entry; files its torrents/files list.
    """
    root = Path(settings.LIBRARY_IMPORT_PATH)
    plan = planned_files(torrent["save_path"], files)
    placed = place(plan, root / book_folder(download.book), staging_tag=download.pk)
    record(download, placed, root)
    return placed


def runtime_seconds(files):
    """The sum of the audio files' durations (read as the library scan reads them), or None
    when none could be read."""
    total, read = 0.0, False
    for path in files:
        try:
            _, length = tags.read_audio(str(path))
        except tags.TagError:
            continue
        if length:
            total += length
            read = True
    return round(total) if read else None


def record(download, placed, root):
    """The download imported, the book owned, the folder a BookLocation of the book."""
    runtime = runtime_seconds(placed.files)
    formats = sorted({path.suffix.lstrip(".").lower() for path in placed.files})
    now = timezone.now()
    with transaction.atomic():
        BookLocation.objects.update_or_create(
            source=BookLocation.IMPORT,
            path=str(placed.folder),
            defaults={
                "book": download.book,
                "library_root": str(root),
                "runtime_seconds": runtime,
                "audio_format": " ".join(formats)[:32],
                "size_bytes": sum(path.stat().st_size for path in placed.files),
                "file_count": len(placed.files),
                "last_seen": now,
                "missing_since": None,
            },
        )
        Download.objects.filter(pk=download.pk).update(
            status=Download.IMPORTED, import_path=str(placed.folder), imported_at=now,
            error_message="",
        )  # fmt: skip
        book_fields = {"status": Book.OWNED}
        if runtime:
            book_fields["runtime_minutes"] = max(1, round(runtime / 60))
        Book.objects.filter(pk=download.book_id).update(**book_fields)
    download.status, download.import_path, download.imported_at = (
        Download.IMPORTED,
        str(placed.folder),
        now,
    )
    download.error_message = ""
