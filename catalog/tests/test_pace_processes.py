"""The pace of MAM is one for the install: three processes together keep to it."""

import pytest

from catalog.tests.pace_scenario import most_in_any_window, searches_seen

pytestmark = pytest.mark.slow

RATE = 4  # requests per second: a quick test; MAM's default is 0.3


def test_the_scheduler_and_two_runtasks_together_never_exceed_mams_rate(tmp_path):
    moments = searches_seen(tmp_path, RATE, searches=8)
    assert len(moments) == 24
    # Spaced by 1/RATE from all three processes, a second holds RATE searches; one more
    # allows for a request that left its process late. Unshared, it was 3 * RATE.
    assert most_in_any_window(moments) <= RATE + 1
