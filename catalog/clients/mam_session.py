"""The MyAnonamouse session cookie: in memory, in the database, and watched.

MAM answers requests with a new mam_id; the newest is persisted (sealed) in ServiceSession
so it survives restarts. A client keeps the cookie in memory and reads the row once, at
its first request; after that it writes each rotation with a conditional UPDATE on the
version it knows, and reads again only when that version is no longer the stored one:
another process (the scheduler, a runtask, staff in the admin) wrote a newer cookie.
So a request costs no read; the stale case shows up as a failed conditional write or a
refusal, and then one read finds the newer cookie.

The user gives a session through MAM_SESSION_ID or the admin's form; whichever changed
last wins (the row remembers a fingerprint of the setting it was given under). A refused
session (expired, or another IP) is recorded once per cookie: health "mam", the
`mam_session_expired` notification, the admin banner; MAM work then stops until staff set
a new cookie.
"""

import hashlib
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from catalog.clients.http import SessionExpired
from catalog.models import ServiceSession
from catalog.sealing import seal, unseal
from scheduling import health, notify
from scheduling.redaction import register_secret

SERVICE_KEY = "mam"
SET_IT = "set a new mam_id on the admin's MyAnonamouse session page (or in MAM_SESSION_ID)"
NO_SESSION = f"MyAnonamouse has no session: {SET_IT}"
UNREADABLE = f"The stored MyAnonamouse session cannot be opened (SECRET_KEY changed?): {SET_IT}"
OK_WRITE_INTERVAL = 60  # seconds between last_ok_at writes when MAM sends no new cookie


class SessionRefused(SessionExpired):
    """MAM answered, and refused the session: `reason` says how, in a few words."""

    def __init__(self, reason):
        self.reason = reason
        super().__init__("MyAnonamouse", f"MyAnonamouse refused the session ({reason}): {SET_IT}")


def fingerprint(value):
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _configured():
    value = settings.MAM_SESSION_ID.strip()
    if value:
        register_secret(value)
    return value


def current_row():
    """The stored session row, with a setting changed since it was given taken as newer."""
    configured = _configured()
    row = ServiceSession.objects.filter(service=SERVICE_KEY).first()
    if row is not None and row.seeded_from == fingerprint(configured):
        return row
    if not configured:
        return None
    return give(configured, ServiceSession.SETTING)


def give(cookie, origin):
    """Store a session the user gave (setting or admin): a new version, nothing refused."""
    cookie = cookie.strip()
    register_secret(cookie)
    now = timezone.now()
    fields = {
        "value": seal(cookie),
        "seeded_from": fingerprint(_configured()),
        "origin": origin,
        "set_at": now,
        "refused_at": None,
        "refused_reason": "",
    }
    stored = ServiceSession.objects.filter(service=SERVICE_KEY)
    if stored.update(version=F("version") + 1, **fields):
        row = stored.get()
    else:
        try:
            with transaction.atomic():
                row = ServiceSession.objects.create(service=SERVICE_KEY, **fields)
        except IntegrityError:  # another process stored the first session meanwhile
            stored.update(version=F("version") + 1, **fields)
            row = stored.get()
    health.record("mam", True, f"a new session was given ({row.get_origin_display()})")
    return row


def problem():
    """Why MAM work cannot run now (no session, refused, unreadable), or None."""
    return problem_of(current_row())


def problem_of(row):
    """problem() of the session row in force (None: there is none)."""
    if row is None:
        return NO_SESSION
    if row.refused_at is not None:
        return f"{refused_words(row)}: MAM work is stopped until you {SET_IT}"
    if unseal(row.value) is None:
        return UNREADABLE
    return None


def banner_text():
    """The admin banner's text while MAM refuses the session, else None.

    Only reads: a page view never writes the row. A setting changed since the refusal is
    a new session not tried yet, so no banner.
    """
    row = ServiceSession.objects.filter(service=SERVICE_KEY).first()
    if row is None or row.refused_at is None:
        return None
    if row.seeded_from != fingerprint(settings.MAM_SESSION_ID.strip()):
        return None
    return f"{refused_words(row)}. MAM work is stopped until a new cookie is set."


def refused_words(row):
    when = timezone.localtime(row.refused_at).strftime("%Y-%m-%d %H:%M")
    return f"MyAnonamouse refused the session on {when} ({row.refused_reason})"


class MamSession:
    """One client's view of the cookie: read once, then re-read only when outdated."""

    def __init__(self):
        self.value = None
        self.version = None
        self.set_at = None
        self._ok_written = 0.0

    def cookie(self):
        if self.value is None:
            self._load(current_row())
        return self.value

    def _load(self, row):
        if row is None:
            raise_expired(NO_SESSION)
        value = unseal(row.value)
        if value is None:
            raise_expired(UNREADABLE)
        if row.refused_at is not None:
            raise_expired(problem() or NO_SESSION)
        register_secret(value)
        self.value, self.version, self.set_at = value, row.version, row.set_at

    def rotated(self, new):
        """MAM sent a new cookie: keep it, in memory and in the row."""
        if not new or new == self.value:
            self.worked()
            return
        register_secret(new)
        now = timezone.now()
        fields = {"value": seal(new), "rotated_at": now, "last_ok_at": now}
        mine = ServiceSession.objects.filter(service=SERVICE_KEY, version=self.version)
        if mine.update(version=F("version") + 1, **fields):
            self.version += 1
        else:
            # Another process wrote since we read. The cookie MAM gave us last is the
            # newest one it issued to this session, unless staff gave another session
            # meanwhile: then theirs stands and ours is dropped.
            same_session = ServiceSession.objects.filter(service=SERVICE_KEY, set_at=self.set_at)
            if not same_session.update(version=F("version") + 1, **fields):
                self._load(current_row())
                return
            self.version = (
                ServiceSession.objects.filter(service=SERVICE_KEY)
                .values_list("version", flat=True)
                .get()
            )
        self.value = new
        self._ok_written = time.monotonic()
        health.record("mam", True, "the session works")

    def worked(self):
        """A request worked without a new cookie: say so, at most once a minute."""
        if time.monotonic() - self._ok_written < OK_WRITE_INTERVAL:
            return
        self._ok_written = time.monotonic()
        ServiceSession.objects.filter(service=SERVICE_KEY, version=self.version).update(
            last_ok_at=timezone.now()
        )
        health.record("mam", True, "the session works")

    def newer_exists(self):
        """After a refusal: did another process store a newer cookie? Then use it."""
        stored = (
            ServiceSession.objects.filter(service=SERVICE_KEY)
            .values_list("version", flat=True)
            .first()
        )
        if stored is None or stored == self.version:
            return False
        self._load(current_row())
        return True

    def refused(self, reason):
        """MAM refused this cookie: recorded and told once per cookie, by whoever sees it first."""
        first = ServiceSession.objects.filter(
            service=SERVICE_KEY, version=self.version, refused_at__isnull=True
        ).update(refused_at=timezone.now(), refused_reason=reason[:300])
        if first:
            health.record("mam", False, f"session refused: {reason}")
            notify.notify(
                "mam_session_expired",
                [f"MyAnonamouse refused the session ({reason}).", f"MAM work stopped: {SET_IT}."],
            )


def raise_expired(message):
    raise SessionExpired("MyAnonamouse", message)
