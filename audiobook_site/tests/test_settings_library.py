"""The library scan's settings: a bad schedule or switch stops start-up naming it."""

import pytest

from audiobook_site.tests.test_settings import refusal, start_up


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("TASK_LIBRARY_SCAN_TIME", "every hour", "TASK_LIBRARY_SCAN_TIME"),
        ("ENABLE_LIBRARY_SCAN", "sometimes", "expected true or false"),
        ("LIBRARY_PATHS", "audiobooks", "expected absolute folders"),
    ],
)
def test_a_bad_library_scan_setting_stops_start_up_naming_it(name, value, why):
    line = refusal(start_up(**{name: value}))
    assert f"Setting {name}=" in line and why in line
