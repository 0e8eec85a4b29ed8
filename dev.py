#!/usr/bin/env python3
"""The README's two commands, needing nothing but Python 3.11+:

    python3 dev.py start   set up (virtualenv, packages, database, admin login) and run the
                           site on http://127.0.0.1:8000/admin/ together with the scheduler
    python3 dev.py test    lint, Django checks, migrations check and the whole test suite

Uses only the standard library: it builds .venv/ and re-runs commands inside it.
"""

import argparse
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
PASSWORD_FILE = ROOT / ".admin-password"


def say(message):
    print(f"==> {message}", flush=True)


def run(*args, env=None, check=True):
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=check)


def ensure_venv(requirements):
    """Create .venv and install requirements, again only when the file changed."""
    if not PYTHON.exists():
        say("Creating the virtual environment in .venv/")
        run(sys.executable, "-m", "venv", VENV)
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    stamp = VENV / f".installed-{requirements}"
    wanted = _requirements_digest(ROOT / requirements)
    if not stamp.exists() or stamp.read_text() != wanted:
        say(f"Installing {requirements}")
        run(PYTHON, "-m", "pip", "install", "--quiet", "-r", ROOT / requirements)
        stamp.write_text(wanted)


def _requirements_digest(path):
    digest = hashlib.sha256()
    for line in path.read_text().splitlines():
        digest.update(line.encode())
        if line.startswith("-r "):
            digest.update((ROOT / line[3:].strip()).read_bytes())
    return digest.hexdigest()


def manage(*args, env=None, check=True):
    return run(PYTHON, ROOT / "manage.py", *args, env=env, check=check)


def ensure_admin():
    """Create the staff login 'admin' once, with a random password kept in .admin-password."""
    exists = (
        subprocess.run(
            [
                PYTHON,
                ROOT / "manage.py",
                "shell",
                "-c",
                "from django.contrib.auth.models import User;"
                "print(User.objects.filter(is_superuser=True).exists())",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .endswith("True")
    )
    if not exists:
        password = secrets.token_urlsafe(12)
        env = {**os.environ, "DJANGO_SUPERUSER_PASSWORD": password}
        manage(
            "createsuperuser",
            "--no-input",
            "--username",
            "admin",
            "--email",
            "admin@localhost",
            env=env,
        )
        PASSWORD_FILE.write_text(password + "\n")
        PASSWORD_FILE.chmod(0o600)
    if PASSWORD_FILE.exists():
        return f"admin / {PASSWORD_FILE.read_text().strip()}  (also in .admin-password)"
    return "your existing superuser (reset with: .venv/bin/python manage.py changepassword admin)"


def start(args):
    ensure_venv("requirements.txt")
    say("Applying database migrations")
    manage("migrate", "--no-input")
    login = ensure_admin()
    address = f"{args.host}:{args.port}"
    children = [
        subprocess.Popen([PYTHON, ROOT / "manage.py", "runscheduler"], cwd=ROOT),
        subprocess.Popen(
            [PYTHON, ROOT / "manage.py", "runserver", "--noreload", address], cwd=ROOT
        ),
    ]
    say(f"Site: http://{address}/admin/   login: {login}")
    say("Scheduler running. Press Ctrl-C to stop both.")
    _supervise(children)


def _supervise(children):
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=70)
        except subprocess.TimeoutExpired:
            child.kill()
    sys.exit(0 if stopping else 1)


def test(args):
    ensure_venv("requirements-dev.txt")
    database = os.environ.get("DATABASE_URL", "sqlite (default)")
    say(f"Lint (ruff), Django checks and migrations check; database: {database.split('@')[-1]}")
    run(PYTHON, "-m", "ruff", "check", ".")
    run(PYTHON, "-m", "ruff", "format", "--check", ".")
    manage("check")
    manage("makemigrations", "--check", "--dry-run")
    say("Test suite")
    result = run(PYTHON, "-m", "pytest", *args.pytest_args, check=False)
    sys.exit(result.returncode)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="set up and run site + scheduler")
    start_parser.add_argument("--host", default="127.0.0.1")
    start_parser.add_argument("--port", default="8000")
    start_parser.set_defaults(func=start)
    test_parser = commands.add_parser("test", help="lint, checks and the whole test suite")
    test_parser.epilog = "Other arguments are passed on to pytest, e.g. -q -x -k cron."
    test_parser.set_defaults(func=test)
    args, extra = parser.parse_known_args()
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    try:
        args.func(args)
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode or 1)


if __name__ == "__main__":
    main()
