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

    try:
        summary = scan(roots, with_audiobookshelf=with_abs, progress=progress)
    except ServiceError as error:
        health.record("audiobookshelf", False, str(error))
        raise
    for item in summary.unreadable:
        run.failed("library file", item.path, item.reason, label=item.path)
    report(summary, roots, with_abs)
    return summary.line()


def report(summary, roots, with_abs):
    """The health of the library (and of Audiobookshelf, when it was read)."""
    skipped = [reason for _, reason in summary.skipped_roots]
    if roots:
        health.record("library", not skipped, "; ".join(skipped) or summary.line())
    if with_abs:
        health.record("audiobookshelf", True, "its library was read")
