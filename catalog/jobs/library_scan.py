"""library_scan: what is in LIBRARY_PATHS and Audiobookshelf is owned (catalog/shelf).

Each unreadable file is a failed item of the run (kept with its path); a root that could
not be read is in the run's log and in the health of "library"; a refused Audiobookshelf
key fails the run with one error, after the folders' part is committed.
"""

import os

from django.conf import settings

from catalog.clients.http import ServiceError
from catalog.shelf.ownership import Shelf
from catalog.shelf.scan import scan
from scheduling import health
from scheduling.models import FailedAttempt
from scheduling.runner import SkipRun

NOTHING_CONFIGURED = (
    "No library is configured: set LIBRARY_PATHS (folders of audiobooks) or "
    "AUDIOBOOKSHELF_URL and AUDIOBOOKSHELF_TOKEN."
)


def library_scan(run):
    roots, with_abs = settings.LIBRARY_PATHS, bool(settings.AUDIOBOOKSHELF_URL)
    if not roots and not with_abs:
        raise SkipRun(NOTHING_CONFIGURED)

    def progress(books, total, what):
        run.add_total(total)
        for book in run.items(books):
            yield book
            run.succeeded()

    lines, shelf = [], Shelf()  # the catalog loaded once for both sources
    if roots:  # first, and committed whatever Audiobookshelf then answers
        summary = scan(roots, progress=progress, shelf=shelf)
        for item in summary.unreadable:
            run.failed("library file", item.path, item.reason, label=item.path)
        _resolve_fixed(run, summary)
        lines.append(f"Folders: {_health('library', summary)}")
    if with_abs:
        try:
            summary = scan(with_audiobookshelf=True, progress=progress, shelf=shelf)
        except ServiceError as error:
            health.record("audiobookshelf", False, str(error))
            raise
        lines.append(f"Audiobookshelf: {_health('audiobookshelf', summary)}")
    return " ".join(lines)


def _resolve_fixed(run, summary):
    """Close the failures of files read well now (their folder read again without them) or
    gone; a file in a folder not read again (unchanged) stays failed."""
    failing = {item.path for item in summary.unreadable}
    keys = FailedAttempt.objects.open().filter(task_name=run.name, item_type="library file")
    fixed = [
        key
        for key in keys.values_list("item_key", flat=True)
        if key not in failing and (_in_any(key, summary.read_again) or not os.path.lexists(key))
    ]
    FailedAttempt.resolve(run.name, "library file", fixed)


def _in_any(path, folders):
    """Is the file one of `folders` (a single-file book), or in one, or in its disc folder?"""
    parent = os.path.dirname(path)
    return path in folders or parent in folders or os.path.dirname(parent) in folders


def _health(service, summary):
    """Record what the scan of `service` found (a problem when a root was skipped)."""
    skipped = "; ".join(reason for _, reason in summary.skipped_roots)
    health.record(service, not skipped, skipped or summary.line())
    return summary.line()
