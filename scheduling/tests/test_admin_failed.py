"""Failed attempts: the items jobs could not handle, retried with backoff or resolved."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scheduling.models import FailedAttempt, Task

pytestmark = pytest.mark.django_db

FAILED_URL = reverse("admin:scheduling_failedattempt_changelist")


def failure(key="1", task_name="series_completion", item_type="series", **fields):
    error = fields.pop("error", "HTTP 503")
    return FailedAttempt.record(task_name, item_type, key, error, **fields)


def listed(response):
    return {obj.item_key for obj in response.context["cl"].result_list}


def act(client, action, *attempts):
    return client.post(
        FAILED_URL,
        {
            "action": action,
            "index": 0,
            "select_across": 0,
            "_selected_action": [a.pk for a in attempts],
        },
    )


@pytest.fixture
def viewer_client(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_failedattempt"))
    client.force_login(user)
    return client


def test_it_lists_open_failures_with_attempts_error_and_next_retry(admin_client):
    attempt = failure("7", label="The Expanse", error="Goodreads answered 503\nmore detail")
    FailedAttempt.record("series_completion", "series", "7", "again", label="The Expanse")
    page = admin_client.get(FAILED_URL).content.decode()
    assert "The Expanse" in page and "again" in page
    attempt.refresh_from_db()
    assert attempt.attempts == 2
    assert f"{timezone.localtime(attempt.next_retry_at):%Y-%m-%d %H:%M}" in page


def test_resolved_failures_are_hidden_unless_asked_for(admin_client):
    failure("open")
    failure("done").mark_resolved()
    assert listed(admin_client.get(FAILED_URL)) == {"open"}
    assert listed(admin_client.get(FAILED_URL, {"state": "resolved"})) == {"done"}
    assert listed(admin_client.get(FAILED_URL, {"state": "all"})) == {"open", "done"}


def test_it_filters_due_and_waiting_failures(admin_client):
    failure("waiting")
    due = failure("due")
    due.retry_now()
    assert listed(admin_client.get(FAILED_URL, {"state": "due"})) == {"due"}
    assert listed(admin_client.get(FAILED_URL, {"state": "waiting"})) == {"waiting"}


def test_it_filters_by_job_and_item_type(admin_client):
    failure("s1")
    failure("b1", task_name="metadata_full_refresh", item_type="book")
    assert listed(admin_client.get(FAILED_URL, {"task_name": "metadata_full_refresh"})) == {"b1"}
    assert listed(admin_client.get(FAILED_URL, {"item_type": "series"})) == {"s1"}


def test_it_links_to_the_run_that_failed(admin_client):
    run = Task.objects.create(task_name="series_completion", trigger="schedule", status="failed")
    failure("9", task=run)
    page = admin_client.get(FAILED_URL).content.decode()
    assert reverse("admin:scheduling_task_change", args=[run.pk]) in page
    assert listed(admin_client.get(FAILED_URL, {"task__id__exact": run.pk})) == {"9"}


def test_retry_now_clears_the_backoff(admin_client):
    attempt = failure()
    act(admin_client, "retry_now", attempt)
    attempt.refresh_from_db()
    assert attempt.next_retry_at is None
    assert FailedAttempt.objects.due().filter(pk=attempt.pk).exists()


def test_mark_resolved_closes_the_failure(admin_client):
    attempt = failure()
    act(admin_client, "mark_resolved", attempt)
    attempt.refresh_from_db()
    assert attempt.resolved_at is not None


def test_mark_resolved_keeps_an_earlier_resolution_date(admin_client):
    attempt = failure()
    earlier = timezone.now() - timedelta(days=3)
    FailedAttempt.objects.filter(pk=attempt.pk).update(resolved_at=earlier)
    act(admin_client, "mark_resolved", attempt)
    attempt.refresh_from_db()
    assert attempt.resolved_at == earlier


@pytest.mark.parametrize("action", ["retry_now", "mark_resolved"])
def test_actions_need_the_change_permission(viewer_client, action):
    attempt = failure()
    before = FailedAttempt.objects.values().get(pk=attempt.pk)
    act(viewer_client, action, attempt)
    assert FailedAttempt.objects.values().get(pk=attempt.pk) == before


def test_staff_without_view_permission_see_nothing(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user("nobody", password="pw", is_staff=True)
    )
    assert client.get(FAILED_URL).status_code == 403


def test_the_list_costs_the_same_queries_at_5_and_200_rows(admin_client):
    counts = []
    for total in (5, 200):
        FailedAttempt.objects.all().delete()
        run = Task.objects.create(task_name="series_completion", trigger="schedule")
        for key in range(total):
            failure(str(key), task=run)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(FAILED_URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # session, user, the MAM session banner, item types for the filter, the capped count, the page
    assert counts[0] <= 6
