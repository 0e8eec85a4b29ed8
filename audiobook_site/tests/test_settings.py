"""A bad setting stops start-up with a message naming the setting and its value.

Each test starts Django in a fresh interpreter (settings are read once per process), with
an environment holding nothing but the settings under test: nothing from the developer's
shell, and no `.env` file either (settings.py reads one beside manage.py, filling in what
the environment lacks, so the child turns that reading off).
"""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
START_UP = """
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)  # no developer .env
import django
django.setup()
from django.conf import settings
print(settings.TASK_SCHEDULES["mam_scraping"], settings.TIME_ZONE, settings.MAM_URL)
"""
LONG_SECRET_KEY = "test-only-" + "k" * 50


def start_up(**settings):
    """Start Django with only these settings in the environment; the finished process."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "audiobook_site.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
        **settings,
    }
    return subprocess.run(
        [sys.executable, "-c", START_UP],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def refusal(result):
    """The last line of a failed start-up: the error a user reads first."""
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


def test_the_defaults_start_fine():
    result = start_up()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "2", "*", "*", "*", "UTC", "https://www.myanonamouse.net"]


def test_good_values_start_fine_and_are_used(tmp_path):
    result = start_up(
        TASK_MAM_TIME="30 4 * * sun",
        ENABLE_MAM_SCRAPING="off",
        HISTORY_RETENTION_DAYS="7",
        MAM_URL="https://mam.example.org/",
        GOOGLE_BOOKS_API_URL="http://127.0.0.1:8000/books",
        TIME_ZONE="Australia/Lord_Howe",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEBUG="false",
        SECRET_KEY=LONG_SECRET_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        *["30", "4", "*", "*", "sun"],
        "Australia/Lord_Howe",
        "https://mam.example.org",
    ]


def test_a_schedule_that_is_not_standard_cron_stops_start_up():
    message = refusal(start_up(TASK_MAM_TIME="61 * * * *"))
    assert "TASK_MAM_TIME='61 * * * *'" in message
    assert "minute: 61 is outside 0-59" in message


def test_a_schedule_with_too_few_fields_stops_start_up():
    message = refusal(start_up(TASK_CLEANUP_TIME="* * * *"))
    assert "TASK_CLEANUP_TIME='* * * *'" in message
    assert "expected 5 fields" in message


def test_a_feature_flag_that_is_neither_true_nor_false_stops_start_up():
    message = refusal(start_up(ENABLE_MAM_SCRAPING="maybe"))
    assert "ENABLE_MAM_SCRAPING='maybe'" in message
    assert "expected true or false" in message


def test_a_negative_retention_stops_start_up():
    message = refusal(start_up(HISTORY_RETENTION_DAYS="-1"))
    assert "HISTORY_RETENTION_DAYS='-1'" in message
    assert "must be at least 1" in message


def test_a_retention_that_is_not_a_number_stops_start_up():
    message = refusal(start_up(HISTORY_RETENTION_DAYS="a month"))
    assert "HISTORY_RETENTION_DAYS='a month'" in message


def test_a_service_url_that_is_not_a_url_stops_start_up():
    message = refusal(start_up(MAM_URL="not a url"))
    assert "MAM_URL='not a url'" in message
    assert "http:// or https://" in message


def test_a_service_url_that_is_not_http_stops_start_up():
    message = refusal(start_up(GOOGLE_BOOKS_API_URL="ftp://x"))
    assert "GOOGLE_BOOKS_API_URL='ftp://x'" in message


def test_an_unknown_time_zone_stops_start_up():
    message = refusal(start_up(TIME_ZONE="Mars/Base"))
    assert "TIME_ZONE='Mars/Base'" in message
    assert "IANA time zone" in message


def test_a_database_url_with_an_unknown_scheme_stops_start_up_naming_the_setting():
    message = refusal(start_up(DATABASE_URL="nonsense://"))
    assert "DATABASE_URL" in message


def test_a_database_url_that_does_not_parse_stops_start_up_naming_the_setting():
    message = refusal(start_up(DATABASE_URL="postgres://bob:hunter2@db:notaport/app"))
    assert "DATABASE_URL" in message
    assert "not a database URL" in message


def test_a_refused_database_url_never_shows_its_password():
    result = start_up(DATABASE_URL="postgres://bob:hunter2@db:notaport/app")
    assert result.returncode != 0
    assert "hunter2" not in result.stdout + result.stderr


def test_a_database_url_without_a_scheme_never_shows_its_password():
    result = start_up(DATABASE_URL="//bob:hunter2@db/app")
    assert "DATABASE_URL" in refusal(result)
    assert "hunter2" not in result.stdout + result.stderr


def test_debug_off_with_the_development_secret_key_stops_start_up():
    message = refusal(start_up(DEBUG="false"))
    assert "SECRET_KEY" in message
    assert "DEBUG off" in message


def test_a_refused_secret_key_is_never_shown():
    result = start_up(DEBUG="false", SECRET_KEY="short-secret-xyz")
    assert "SECRET_KEY" in refusal(result)
    assert "short-secret-xyz" not in result.stdout + result.stderr


def test_debug_off_with_a_secret_key_under_50_characters_stops_start_up():
    message = refusal(start_up(DEBUG="false", SECRET_KEY="k" * 49))
    assert "SECRET_KEY" in message and "50 characters" in message


def test_debug_off_with_a_secret_key_of_50_characters_starts():
    result = start_up(DEBUG="false", SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
