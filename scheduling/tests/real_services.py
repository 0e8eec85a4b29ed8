"""Skips that CI refuses: a test needing a real service this machine lacks skips on a
developer's machine, and fails where REQUIRE_REAL_SERVICES is set (.ci/run sets it).

Loaded as a pytest plugin by the root conftest.py. Two parts:
- require(available, reason): the one way a test or fixture says "this needs X";
- a session check: with REQUIRE_REAL_SERVICES set, a run that skipped anything fails,
  whoever wrote the skip. The one skip it lets through is a test marked `postgres_only`
  (its reason starts with POSTGRES_ONLY) on SQLite: such a test is about PostgreSQL
  itself (read-only transactions, terminated backends, a server restart) and runs in the
  PostgreSQL pass of CI, where it cannot skip.
"""

import os

import pytest

POSTGRES_ONLY = "PostgreSQL only: "
REQUIRED = "REQUIRE_REAL_SERVICES"


def require(available, reason):
    """Skip (a developer's machine) or fail (CI) when what the test needs is missing."""
    if available:
        return
    if os.environ.get(REQUIRED):
        pytest.fail(f"{reason}, and {REQUIRED} is set", pytrace=False)
    pytest.skip(reason)


def postgres_only(what):
    """Mark a test of PostgreSQL's own behaviour: skipped on SQLite, in either pass."""
    return pytest.mark.skipif(not on_postgres(), reason=POSTGRES_ONLY + what)


def on_postgres():
    try:
        from django.conf import settings

        return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    except Exception:  # no Django in this session: the environment says
        return os.environ.get("DATABASE_URL", "").startswith("postgres")


_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        _skipped.append((report.nodeid, str(reason).removeprefix("Skipped: ")))


def pytest_sessionfinish(session, exitstatus):
    if not os.environ.get(REQUIRED):
        return
    refused = [
        (test, reason)
        for test, reason in _skipped
        if not (reason.startswith(POSTGRES_ONLY) and not on_postgres())
    ]
    if refused:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for test, reason in refused:
            reporter.write_line(f"{REQUIRED} is set, so this skip fails the run: {test}: {reason}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
