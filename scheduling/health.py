"""What is known of each dependency, recorded where the dashboard and /healthz read it.

Jobs and clients call record(service, ok, summary) when they learn something (a request
answered, a session refused, a folder missing). A row per service, so writing is cheap;
an unchanged state is rewritten at most once a minute per process, so a job making
thousands of requests does not make thousands of writes.

The checks (Check, below) say how to read it: what must be set before a service can be
used at all, how to test it once now, what fixes a problem. statuses() is every check's
state for the dashboard, /healthz (staff) and /api/status; job_setup_problem() tells the
runner that a job's service is not set up, so the run is skipped with that reason.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.module_loading import import_string

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


# --- the checks: what the dashboard, /healthz (for staff) and /api/status read --------------


@dataclass(frozen=True)
class Check:
    """One dependency the site needs, as staff see it on the dashboard.

    The functions are dotted paths, as in the job registry, so `scheduling` knows the
    services of `catalog` only through settings.HEALTH_CHECKS:
    - setup() -> the setting to fix, in words, when the service cannot be used at all
      (not configured, a folder missing); None when it can. Cheap: no network.
    - probe() -> None: one harmless request through the client's normal rate limit; it
      records what it learned with record(). The dashboard's "Test" button calls it.
    - live() -> (ok, summary, details): computed when read instead of recorded (database,
      scheduler).
    - in_use() -> bool: an optional service (Audiobookshelf, Hardcover, notifications) that
      is not set up is "not used", not a problem.
    - facts() -> str: more to know, in words (when a session was given, rotated, ...).
    """

    service: str
    title: str
    fix: str = ""  # what to do when the service refuses or fails
    readme: str = ""  # the README section (its anchor) that explains the settings
    setup: str = ""
    probe: str = ""
    live: str = ""
    in_use: str = ""
    facts: str = ""

    def call(self, attribute):
        dotted = getattr(self, attribute)
        return import_string(dotted)() if dotted else None


@dataclass
class Status:
    check: Check
    state: str  # OK, PROBLEM, NEEDS_SETUP, UNKNOWN or NOT_USED
    summary: str
    checked_at: datetime | None = None
    details: dict = field(default_factory=dict)
    last_ok_at: datetime | None = None
    last_problem_at: datetime | None = None
    facts: str = ""

    @property
    def service(self):
        return self.check.service

    @property
    def state_words(self):
        return STATE_WORDS[self.state]

    @property
    def needs_attention(self):
        return self.state in (NEEDS_SETUP, PROBLEM)

    @property
    def fix(self):
        return self.check.fix if self.state == PROBLEM else ""

    @property
    def testable(self):
        return bool(self.check.probe) and self.state not in (NOT_USED, NEEDS_SETUP)

    def as_json(self):
        return {
            "service": self.service,
            "title": self.check.title,
            "state": self.state,
            "summary": self.summary,
            "facts": self.facts,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }


OK, PROBLEM, NEEDS_SETUP, UNKNOWN, NOT_USED = "ok", "problem", "needs_setup", "unknown", "off"
STATE_WORDS = {
    OK: "OK",
    PROBLEM: "Problem",
    NEEDS_SETUP: "Needs setup",
    UNKNOWN: "Not checked yet",
    NOT_USED: "Not used",
}


def database_live():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True, f"answering ({connection.vendor})", {"vendor": connection.vendor}


def scheduler_live():
    from scheduling.models import SchedulerProcess

    leader = SchedulerProcess.alive_leader()
    standbys = SchedulerProcess.alive().filter(is_leader=False).count()
    if leader is None:
        last = SchedulerProcess.objects.order_by("-last_beat").first()
        since = f"; last beat {timezone.localtime(last.last_beat):%Y-%m-%d %H:%M}" if last else ""
        return False, f"no scheduler is running{since}", {"standbys": standbys}
    return (
        True,
        f"leader {leader.host} pid {leader.pid}, {standbys} standby",
        {"leader": str(leader), "standbys": standbys, "last_beat": leader.last_beat.isoformat()},
    )


def notifications_in_use():
    return bool(settings.NOTIFY_URLS)


def notifications_probe():
    from scheduling import notify

    notify.send_test("A test from the dashboard: notifications work.")


BUILT_IN = [
    Check(
        "database",
        "Database",
        fix="Check DATABASE_URL and that the database server is running.",
        readme="settings",
        live="scheduling.health.database_live",
    ),
    Check(
        "scheduler",
        "Scheduler",
        fix="Start it: `python manage.py runscheduler` (the `scheduler` service in Docker).",
        readme="running-it",
        live="scheduling.health.scheduler_live",
    ),
    Check(
        "notifications",
        "Notifications",
        fix="Check the NOTIFY_URLS (Apprise URLs): the service refused or could not be reached.",
        readme="notifications",
        in_use="scheduling.health.notifications_in_use",
        probe="scheduling.health.notifications_probe",
    ),
]


def all_checks():
    """The built-in checks, then those of settings.HEALTH_CHECKS (dotted paths to lists)."""
    checks = list(BUILT_IN)
    for dotted in settings.HEALTH_CHECKS:
        checks.extend(import_string(dotted))
    return checks


def get(service):
    for check in all_checks():
        if check.service == service:
            return check
    raise KeyError(service)


def statuses():
    """Every check's state now: one query for the recorded rows, plus the live checks."""
    from scheduling.models import ServiceCheck

    rows = {row.service: row for row in ServiceCheck.objects.all()}
    return [status_of(check, rows.get(check.service)) for check in all_checks()]


def status_of(check, row):
    if check.in_use and not check.call("in_use"):
        return Status(check, NOT_USED, "not set up (optional)")
    if check.live:
        try:
            ok, summary, details = check.call("live")
        except DatabaseError as error:
            ok, summary, details = False, f"error: {type(error).__name__}", {}
        return Status(check, OK if ok else PROBLEM, summary, timezone.now(), details)
    facts = check.call("facts") or ""
    setup = check.call("setup") if check.setup else None
    if setup:
        return Status(check, NEEDS_SETUP, setup, facts=facts)
    if row is None or row.ok is None:
        summary = "nothing learned yet: press Test, or wait for a job"
        return Status(check, UNKNOWN, summary, facts=facts)
    return Status(
        check,
        OK if row.ok else PROBLEM,
        row.summary,
        row.checked_at,
        row.details or {},
        row.last_ok_at,
        row.last_problem_at,
        facts,
    )


def needing_attention(found):
    """Of these statuses, the problems first (a failing service), then what to set up."""
    return sorted(
        (status for status in found if status.needs_attention),
        key=lambda status: status.state != PROBLEM,
    )


def test(service):
    """Staff's Test button: the service's probe, its answer recorded. -> its Status."""
    check = get(service)
    forget(service)
    try:
        check.call("probe")
    except Exception as error:  # the probe's own failure is the answer we show
        record(service, False, str(error) or type(error).__name__)
    from scheduling.models import ServiceCheck

    return status_of(check, ServiceCheck.objects.filter(service=service).first())


def forget(service):
    with _lock:
        _last.pop(service, None)


def setup_problems(services):
    """{service: what to set} for those of `services` that cannot be used at all."""
    checks = {check.service: check for check in all_checks()}
    found = {}
    for service in dict.fromkeys(services):
        check = checks.get(service)
        problem = check.call("setup") if check and check.setup else None
        if problem:
            found[service] = problem
    return found


def job_setup_problem(job, problems=None):
    """Why `job` cannot run before something is set (its first need not set up), or None."""
    problems = setup_problems(job.needs) if problems is None else problems
    return next((problems[need] for need in job.needs if need in problems), None)
