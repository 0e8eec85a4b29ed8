"""With REQUIRE_REAL_SERVICES set (CI), a skip fails the run (scheduling/tests/real_services.py).

Each test runs pytest in a child process on a small test file, with the plugin loaded as
the root conftest.py loads it, and reads its exit status.
"""

import os
import subprocess
import sys
import textwrap

import pytest

from scheduling.tests.processes import PROJECT

SKIPPING = """
import pytest
from scheduling.tests.real_services import require


def test_needing_a_service_the_machine_lacks():
    require(False, "qbittorrent-nox is not installed")


def test_skipping_by_hand():
    pytest.skip("not today")


def test_fine():
    pass
"""
POSTGRES_ONLY = """
from scheduling.tests.real_services import postgres_only


@postgres_only("terminated backends")
def test_of_postgresql_itself():
    pass
"""


def run_pytest(tmp_path, source, **env):
    (tmp_path / "test_child.py").write_text(textwrap.dedent(source))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    child_env = {k: v for k, v in os.environ.items() if k not in ("REQUIRE_REAL_SERVICES",)}
    child_env.update({"PYTHONPATH": str(PROJECT), "DATABASE_URL": "sqlite:///unused", **env})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "scheduling.tests.real_services",
         "-p", "no:django", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, env=child_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_developer_machine_may_skip(tmp_path):
    result = run_pytest(tmp_path, SKIPPING)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 2 skipped" in result.stdout


def test_ci_refuses_every_skip_whoever_wrote_it(tmp_path):
    result = run_pytest(tmp_path, SKIPPING, REQUIRE_REAL_SERVICES="1")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    assert "qbittorrent-nox is not installed, and REQUIRE_REAL_SERVICES is set" in result.stdout
    assert (
        "REQUIRE_REAL_SERVICES is set, so this skip fails the run: "
        "test_child.py::test_skipping_by_hand: not today"
    ) in result.stdout


def test_ci_lets_a_postgresql_only_test_skip_on_sqlite(tmp_path):
    result = run_pytest(tmp_path, POSTGRES_ONLY, REQUIRE_REAL_SERVICES="1")
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout


def test_ci_refuses_a_skip_of_a_postgresql_only_test_on_postgresql(tmp_path):
    source = POSTGRES_ONLY.replace('@postgres_only("terminated backends")', "")
    source += "\n\ndef test_skipped():\n    import pytest\n    pytest.skip('PostgreSQL only: x')\n"
    result = run_pytest(
        tmp_path, source, REQUIRE_REAL_SERVICES="1", DATABASE_URL="postgres://x@127.0.0.1/x"
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
