"""library_scan: what is in LIBRARY_PATHS and Audiobookshelf is owned (catalog/shelf).

Each unreadable file is a failed item of the run (kept with its path); a root that could
not be read is in the run's log and in the health of "library"; a refused Audiobookshelf
key fails the run with one error, after the folders' part is committed.
"""

from django.conf import settings

from catalog.clients.http import ServiceError
from catalog.shelf.scan import scan
from scheduling import health
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

    lines = []
    if roots:  # first, and committed whatever Audiobookshelf then answers
        summary = scan(roots, progress=progress)
        for item in summary.unreadable:
            run.failed("library file", item.path, item.reason, label=item.path)
        lines.append(f"Folders: {_health('library', summary)}")
    if with_abs:
        try:
            summary = scan(with_audiobookshelf=True, progress=progress)
        except ServiceError as error:
            health.record("audiobookshelf", False, str(error))
            raise
        lines.append(f"Audiobookshelf: {_health('audiobookshelf', summary)}")
    return " ".join(lines)


def _health(service, summary):
    """Record what the scan of `service` found (a problem when a root was skipped)."""
    skipped = "; ".join(reason for _, reason in summary.skipped_roots)
    health.record(service, not skipped, skipped or summary.line())
    return summary.line()
