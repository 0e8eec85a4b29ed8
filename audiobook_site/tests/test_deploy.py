"""`manage.py check --deploy` passes with the production settings the README documents."""

import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def readme_production_settings():
    readme = (PROJECT / "README.md").read_text()
    block = readme.split("## Production", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    settings = {}
    for line in block.splitlines():
        match = re.match(r"^([A-Z_]+)=(\S+)", line.strip())
        if match:
            settings[match[1]] = match[2]
    return settings


def test_check_deploy_passes_with_the_documented_production_settings(tmp_path):
    env = readme_production_settings()
    env["SECRET_KEY"] = "x" * 20 + "production-secret-key-for-the-test-only-0123456789"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "audiobook_site.settings", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert env["DEBUG"] == "false"
