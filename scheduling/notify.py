"""Tell the user what happened, through Apprise: one entry point, never a secret, never a
failed job because a notifier failed.

NOTIFY_URLS holds the user's Apprise URLs (Discord, Telegram, ntfy, Gotify, e-mail, JSON
webhooks, ...); NOTIFY_EVENTS which events are sent. A job does not call Apprise: it tells
its RunContext `run.notify(event, line)`, and the runner sends one message per event when
the job has returned (its data committed), so a run that sends ten downloads sends one
message listing them. Code outside a run calls `notify(event, lines)` directly; inside a
database transaction the message waits for the commit (and is dropped on rollback).

A failing notifier is logged and counted (the health of the "notifications" service),
never raised.
"""

import logging

from django.conf import settings
from django.db import transaction

from scheduling.redaction import redact

logger = logging.getLogger(__name__)

# Event name -> the title of its message. NOTIFY_EVENTS picks among these.
EVENTS = {
    "job_failed": "A job failed",
    "download_sent": "Sent to qBittorrent",
    "book_imported": "Imported into the library",
    "download_failed": "Download failed or import blocked",
    "mam_session_expired": "MyAnonamouse session needs attention",
    "new_book": "New books in followed series and authors",
    "unsat_limit": "MyAnonamouse unsatisfied limit reached",
    "test": "Test notification",
}
MAX_LINES = 40  # a message lists at most this many items, then says how many more
TITLE_PREFIX = "audiobook-site"


class UnknownEvent(ValueError):
    pass


def enabled(event):
    if event not in EVENTS:
        raise UnknownEvent(f"unknown notification event {event!r}")
    return bool(settings.NOTIFY_URLS) and (event == "test" or event in settings.NOTIFY_EVENTS)


def notify(event, lines, title=None):
    """Send one message for `event` listing `lines`, after the current transaction commits.

    Returns nothing: the outcome is logged and recorded in the health of "notifications".
    """
    if not enabled(event):
        return
    lines = [lines] if isinstance(lines, str) else list(lines)
    if not lines:
        return
    transaction.on_commit(lambda: send(event, lines, title=title))


def send(event, lines, title=None):
    """Send now. True when every URL accepted the message."""
    return _send(event, lines, title)[0]


def send_test(line):
    """Staff's test message: (delivered, what happened in words)."""
    if not settings.NOTIFY_URLS:
        return False, "No NOTIFY_URLS are set: there is nowhere to send a notification."
    ok, detail = _send("test", [line])
    count = len(settings.NOTIFY_URLS)
    if ok:
        return True, f"Test notification delivered to {count} URL{'s' if count > 1 else ''}."
    return False, f"Test notification not delivered: {detail}"


def _send(event, lines, title=None):
    from scheduling import health

    title = redact(f"{TITLE_PREFIX}: {title or EVENTS[event]}")
    body = redact(message_body(lines))
    try:
        ok, detail = _deliver(title, body)
    except Exception as error:  # a notifier must never take a job down with it
        ok, detail = False, f"{type(error).__name__}: {redact(str(error))}"
    if ok:
        logger.info("Notification sent: %s (%d lines).", event, len(lines))
        health.record("notifications", True, f"last message ({event}) delivered")
    else:
        logger.warning("Notification %s not delivered: %s", event, detail)
        health.record("notifications", False, f"a message ({event}) was not delivered: {detail}")
    return ok, detail


def message_body(lines):
    shown = [str(line) for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        shown.append(f"... and {len(lines) - MAX_LINES} more.")
    return "\n".join(shown)


def _deliver(title, body):
    import apprise

    # Apprise logs the URLs it is given at debug level: keep its lines out of ours unless
    # they are warnings (which name the service, not the URL's tokens).
    logging.getLogger("apprise").setLevel(logging.WARNING)
    sender = apprise.Apprise()
    for url in settings.NOTIFY_URLS:
        if not sender.add(url):
            return False, "a NOTIFY_URLS entry is not a URL Apprise knows (scheme unknown?)"
    with _AppriseWords() as words:
        result = sender.notify(title=title, body=body)
    if result:
        return True, ""
    reason = "; ".join(dict.fromkeys(words.lines)) or "it refused the message or was not reached"
    return False, f"the notification service said: {redact(reason)}"


class _AppriseWords(logging.Handler):
    """Apprise's own warnings while it sends (a refused connection, an HTTP status): they
    say in words why a message was not delivered."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage().strip()[:300])

    def __enter__(self):
        logging.getLogger("apprise").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("apprise").removeHandler(self)
