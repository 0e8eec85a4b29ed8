"""The settings of following downloads: bad values stop start-up naming the setting."""

import os
import subprocess
import sys

import pytest

from audiobook_site.tests.test_settings import PROJECT, refusal, start_up

PRINT_SETTINGS = """
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
import django
django.setup()
from django.conf import settings
print(settings.LIBRARY_PATHS, settings.LIBRARY_IMPORT_PATH, settings.LIBRARY_LAYOUT)
print(settings.DOWNLOAD_PATH_MAP, settings.TASK_SCHEDULES["download_monitor"])
"""


def settings_read(**values):
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "audiobook_site.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=PROJECT,
        env={**env, **values},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("LIBRARY_PATHS", "/books,audiobooks", "expected absolute folders"),
        ("LIBRARY_IMPORT_PATH", "library", "expected an absolute folder"),
        ("DOWNLOAD_PATH_MAP", "/downloads", "expected remote=local pairs"),
        ("DOWNLOAD_PATH_MAP", "/downloads=downloads", "is not an absolute folder"),
        ("IMPORT_MODE", "move", "unknown value; choose among copy, hardlink"),
        ("DOWNLOAD_STALLED_MINUTES", "0", "must be at least 1"),
        ("LIBRARY_LAYOUT", "{author}/{isbn}", "unknown field {isbn}"),
        ("LIBRARY_LAYOUT", "{author}/../{title}", "without empty, . or .. parts"),
        ("LIBRARY_LAYOUT", "{author}/{series}/{title}", "add a second layout after |"),
        ("AUDIOBOOKSHELF_URL", "abs.local:13378", "expected an http:// or https:// URL"),
        ("TASK_LIBRARY_SCAN_TIME", "every hour", "TASK_LIBRARY_SCAN_TIME"),
        ("ENABLE_LIBRARY_SCAN", "sometimes", "expected true or false"),
        ("LIBRARY_FULL_LISTING_HOURS", "-1", "must be at least 0"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_setting(name, value, why):
    line = refusal(start_up(**{name: value}))
    assert f"Setting {name}=" in line and why in line


def test_the_import_folder_defaults_to_the_first_library_folder():
    paths, _ = settings_read(LIBRARY_PATHS="/srv/books/, /srv/more")
    assert paths.startswith("['/srv/books', '/srv/more'] /srv/books ")


def test_the_default_layout_has_series_and_sequence_for_audiobookshelf():
    paths, _ = settings_read()
    assert paths == (
        "[]  ('{author}/{series}/Book {series_position} - {title}', '{author}/{title}')"
    )


def test_the_path_map_is_read_longest_remote_first():
    _, path_map = settings_read(DOWNLOAD_PATH_MAP="/data=/mnt/a; /data/torrents=/mnt/b")
    assert path_map == "[('/data/torrents', '/mnt/b'), ('/data', '/mnt/a')] */5 * * * *"
