"""health.record(): the latest state of each dependency, cheap to call often."""

import pytest

from scheduling import health
from scheduling.models import ServiceCheck

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    health.forget_cache()


def test_a_problem_is_recorded_with_its_reason_and_time():
    health.record("mam", False, "MyAnonamouse session expired")

    check = ServiceCheck.objects.get(service="mam")
    assert (check.ok, check.summary) == (False, "MyAnonamouse session expired")
    assert check.last_problem_at is not None and check.last_ok_at is None


def test_recovery_keeps_when_the_last_problem_was():
    health.record("mam", False, "refused")
    health.record("mam", True, "answering")

    check = ServiceCheck.objects.get(service="mam")
    assert check.ok is True and check.last_problem_at is not None


def test_an_unchanged_state_is_not_rewritten_on_every_call(django_assert_num_queries):
    health.record("google_books", True, "answering")

    with django_assert_num_queries(0):
        for _ in range(100):
            health.record("google_books", True, "answering")


def test_a_secret_never_reaches_the_summary(settings):
    settings.MAM_SESSION_ID = "the-secret-cookie"

    health.record("mam", False, "refused cookie the-secret-cookie")

    assert "the-secret-cookie" not in ServiceCheck.objects.get(service="mam").summary
