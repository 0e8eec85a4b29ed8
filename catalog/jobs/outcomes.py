"""One way for every job to treat an error met while working on one item.

- A service the whole run depends on is out: ServiceUnavailable (after the HTTP layer's
  retries), RateLimited beyond the longest wait, AccessRefused (an expired session, a
  refused login). The next items would fail the same way, so the run stops once, with that
  error as the run's error: no FailedAttempt per item, no further requests.
- A permanent error about this item (BadResponse, NotFound: a page that is not there, an
  answer about it that is not what the service documents) is that item's FailedAttempt,
  with backoff; the run goes on with the next item.
- Anything else is not about one item either (the database is out, a bug): the run fails
  once.
"""

from contextlib import contextmanager

from catalog.clients.http import AccessRefused, ServiceError


def is_item_error(error):
    """True when the error is about one item only (see the module's docstring)."""
    return (
        isinstance(error, ServiceError) and error.permanent and not isinstance(error, AccessRefused)
    )


@contextmanager
def one_item(run, item_type, item_key, label=""):
    """Work on one item: succeeded when the block ends, a FailedAttempt on an item error,
    and every other error goes on up and stops the run.

        for series in run.items(series_list):
            with one_item(run, "series", series.pk, series.name):
                complete_series(work, goodreads, series)
    """
    try:
        yield
    except ServiceError as error:
        if not is_item_error(error):
            raise
        run.failed(item_type, item_key, error, label=label)
    else:
        run.succeeded(item_type, item_key)
