"""announced_releases: a light daily job for the books whose release day has come.

An announced book (a future book of a followed series or author) is not searched before
its release date. From that day on, this job searches MyAnonamouse for it every day, and
sends the best release, until one is found; the completion jobs do the same on their runs.
"""

from django.utils import timezone

from catalog.clients.http import ServiceError
from catalog.jobs.completion import Completion, series_narrators
from catalog.jobs.mam_guard import needs_mam_session
from catalog.jobs.outcomes import is_item_error
from catalog.models import Book


@needs_mam_session
def announced_releases(run):
    due = list(
        Book.objects.filter(status=Book.ANNOUNCED, release_date__lte=timezone.localdate())
        .select_related("series")
        .prefetch_related("authors")
        .order_by("release_date", "pk")
    )
    run.set_total(len(due))
    work = Completion(run, "announced")
    narrators_of = {}  # series id -> its narrators: one read per series, not per book
    for book in run.items(due):
        narrators = ()
        if book.series:
            if book.series_id not in narrators_of:
                narrators_of[book.series_id] = series_narrators(book.series)
            narrators = narrators_of[book.series_id]
        try:
            sent = work.fetch(book, narrators)
        except ServiceError as error:
            if not is_item_error(error):
                raise  # MAM down, the session refused: every other book would fail the same way
            run.failed("book", book.pk, error, label=book.title)
            continue
        if sent:
            run.succeeded("book", book.pk)
        else:
            run.skipped()
    waiting = Book.objects.filter(status=Book.ANNOUNCED, release_date__gt=timezone.localdate())
    return (
        f"{len(due)} announced books out: {len(work.sender.sent)} sent to the download client, "
        f"{len(due) - len(work.sender.sent)} not found yet; {waiting.count()} still to come."
    )
