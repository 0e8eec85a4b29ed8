import pytest

from scheduling.tests.processes import Process, ProcessDatabase


@pytest.fixture
def process_db(tmp_path):
    """A fresh migrated database (SQLite file or PostgreSQL) for subprocesses."""
    database = ProcessDatabase(tmp_path)
    yield database
    database.drop()


@pytest.fixture
def spawn(process_db, tmp_path):
    """Start manage.py commands in the background against process_db; all stopped at the end."""
    started = []

    def start(*args, **env):
        process = Process(
            *args, env={**process_db.env, **{k: str(v) for k, v in env.items()}}, log_dir=tmp_path
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop(timeout=15)
