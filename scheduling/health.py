"""What is known of each dependency, recorded where the dashboard and /healthz read it.

Jobs and clients call record(service, ok, summary) when they learn something (a request
answered, a session refused, a folder missing). A row per service, so writing is cheap;
an unchanged state is rewritten at most once a minute per process, so a job making
thousands of requests does not make thousands of writes.
"""

import logging
import threading
import time

from django.db import DatabaseError
from django.utils import timezone

from scheduling.redaction import redact

logger = logging.getLogger(__name__)

REWRITE_UNCHANGED_AFTER = 60  # seconds
_last = {}  # service -> (ok, summary, monotonic time written)
_lock = threading.Lock()


def record(service, ok, summary="", details=None):
    """Remember the latest state of `service`. Never raises: health must not fail a job."""
    from scheduling.models import ServiceCheck

    summary = redact(str(summary))[:500]
    now_mono = time.monotonic()
    with _lock:
        previous = _last.get(service)
        if (
            previous
            and previous[:2] == (ok, summary)
            and details is None
            and now_mono - previous[2] < REWRITE_UNCHANGED_AFTER
        ):
            return
        _last[service] = (ok, summary, now_mono)
    now = timezone.now()
    fields = {"ok": ok, "summary": summary, "checked_at": now}
    fields["last_ok_at" if ok else "last_problem_at"] = now
    if details is not None:
        fields["details"] = details
    try:
        ServiceCheck.objects.update_or_create(service=service, defaults=fields)
    except DatabaseError as error:
        with _lock:
            _last.pop(service, None)
        logger.warning("Could not record the health of %s: %s", service, error)


def forget_cache():
    """Tests: the next record() writes whatever it is told."""
    with _lock:
        _last.clear()
