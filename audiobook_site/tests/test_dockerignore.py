"""The Docker build context: `COPY . .` must not put a developer's secrets in the image.

The context is computed as `docker build` computes it: the rules of .dockerignore read by
docker-py (Docker's own Python SDK, whose build sends exactly this file list), over a
checkout holding what a developer's machine holds.
"""

from pathlib import Path

import pytest
from docker.utils.build import exclude_paths

PROJECT = Path(__file__).resolve().parents[2]

NEVER_IN_THE_IMAGE = [
    ".env",
    ".env.production",
    "db.sqlite3",
    "db.sqlite3-wal",
    "db.sqlite3-shm",
    "data/db.sqlite3",
    ".admin-password",
    ".scheduler.lock",
    ".venv/bin/python",
    ".venv/lib/python3.11/site-packages/django/__init__.py",
    ".git/config",
    ".git/objects/ab/cdef",
    "catalog/__pycache__/matching.cpython-311.pyc",
    ".pytest_cache/v/cache/lastfailed",
    ".hypothesis/examples/abc",
    ".ruff_cache/0.1/x",
    "staticfiles/admin/css/base.css",
    "test-results/trace.zip",
    "bench/out/report.json",
    "docs/screenshots/jobs.png",
]
NEEDED_IN_THE_IMAGE = [
    "Dockerfile",
    "manage.py",
    "requirements.txt",
    "audiobook_site/settings.py",
    "catalog/matching/__init__.py",
    "scheduling/static/scheduling/admin/scheduling.css",
    "templates/admin/pagination.html",
    ".env.example",
]


def dockerignore_rules():
    """The patterns of .dockerignore, as docker-py's build reads them."""
    lines = (PROJECT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def build_context(root):
    return exclude_paths(str(root), dockerignore_rules(), dockerfile="Dockerfile")


@pytest.fixture
def developer_checkout(tmp_path):
    """A checkout as a developer's machine has it: code, and everything that must stay out."""
    for path in NEVER_IN_THE_IMAGE + NEEDED_IN_THE_IMAGE:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    return tmp_path


@pytest.mark.parametrize("path", NEVER_IN_THE_IMAGE)
def test_a_secret_database_or_cache_never_enters_the_build_context(developer_checkout, path):
    assert path not in build_context(developer_checkout)


def test_what_the_image_runs_on_enters_the_build_context(developer_checkout):
    context = build_context(developer_checkout)
    assert [path for path in NEEDED_IN_THE_IMAGE if path not in context] == []


def test_every_file_of_the_apps_in_this_checkout_enters_the_build_context():
    context = build_context(PROJECT)
    apps = [
        str(path.relative_to(PROJECT))
        for app in ("audiobook_site", "catalog", "scheduling", "templates")
        for path in (PROJECT / app).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert apps and [path for path in apps if path not in context] == []
    assert not [path for path in context if path.startswith((".git/", ".venv/"))]
