"""MAM work stops while the session is refused: a MAM job is then skipped with the reason.

The refusal itself is recorded and notified once by the client (catalog/clients/
mam_session.py); the runs that meet it, or start while it stands, are skipped (not
failed) until staff set a new cookie.
"""

import functools

from catalog.clients import mam_session
from catalog.clients.http import SessionExpired
from scheduling.runner import SkipRun


def needs_mam_session(job):
    """Skip the job while MyAnonamouse has no usable session, and when it refuses mid-run."""

    @functools.wraps(job)
    def guarded(run):
        reason = mam_session.problem()
        if reason:
            raise SkipRun(reason)
        try:
            return job(run)
        except SessionExpired as error:
            raise SkipRun(f"{error} (stopped after {run.processed} items)") from None

    return guarded
