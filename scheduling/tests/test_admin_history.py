"""Task history: the list, its filters and search, the read-only detail, live progress."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scheduling.admin.lists import CappedCountPaginator
from scheduling.models import Task

pytestmark = pytest.mark.django_db

HISTORY_URL = reverse("admin:scheduling_task_changelist")


def task(name="tick", status=Task.COMPLETED, **fields):
    fields.setdefault("trigger", Task.SCHEDULE)
    fields.setdefault("actual_start", timezone.now())
    return Task.objects.create(task_name=name, status=status, **fields)


def detail_url(t):
    return reverse("admin:scheduling_task_change", args=[t.pk])


def rows(response):
    """The task ids listed on a changelist page, in order."""
    return [obj.pk for obj in response.context["cl"].result_list]


@pytest.fixture(autouse=True)
def _test_jobs(settings):
    settings.EXTRA_JOBS = "scheduling.tests.jobs"


@pytest.fixture
def viewer_client(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_task"))
    client.force_login(user)
    return client


def test_the_newest_run_comes_first(admin_client):
    old = task(date_created=timezone.now() - timedelta(hours=1))
    new = task()
    assert rows(admin_client.get(HISTORY_URL)) == [new.pk, old.pk]


def test_it_shows_status_colour_duration_and_counts(admin_client):
    task(
        "boom",
        Task.FAILED,
        duration_seconds=3.25,
        items_total=2,
        items_processed=2,
        items_failed=1,
        error_message="the job blew up\n\nTraceback (most recent call last): ...",
    )
    page = admin_client.get(HISTORY_URL).content.decode()
    assert 'class="job-status job-status-failed"' in page
    assert "3.2 s" in page and "2 of 2" in page
    assert '<span class="failed-count">1 failed</span>' in page
    assert "the job blew up" in page and "Traceback" not in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"task_name": "boom"}, {"boom-failed"}),
        ({"status": "completed"}, {"tick-completed"}),
        ({"trigger": "admin"}, {"boom-failed"}),
        ({"task_name": "tick", "status": "failed"}, set()),
    ],
)
def test_it_filters_by_job_status_and_trigger(admin_client, query, expected):
    task("tick", Task.COMPLETED)
    task("boom", Task.FAILED, trigger=Task.ADMIN)
    listed = admin_client.get(HISTORY_URL, query).context["cl"].result_list
    assert {f"{t.task_name}-{t.status}" for t in listed} == expected


def test_it_filters_by_a_date_range(admin_client):
    now = timezone.now()
    inside = task(date_created=now - timedelta(days=3))
    task(date_created=now - timedelta(days=10))
    task(date_created=now + timedelta(days=2))
    day = timezone.localdate()
    query = {
        "date_created_from": (day - timedelta(days=5)).isoformat(),
        "date_created_to": (day - timedelta(days=1)).isoformat(),
    }
    assert rows(admin_client.get(HISTORY_URL, query)) == [inside.pk]


def test_the_date_range_form_keeps_the_other_filters(admin_client):
    page = admin_client.get(HISTORY_URL, {"task_name": "tick", "q": "x"}).content.decode()
    form = page.split('class="date-range-form"')[1].split("</form>")[0]
    assert 'name="task_name" value="tick"' in form and 'name="q" value="x"' in form


def test_it_offers_the_registry_jobs_as_filter_choices(admin_client):
    page = admin_client.get(HISTORY_URL).content.decode()
    assert "?task_name=mam_scraping" in page and "?task_name=cleanup_old_tasks" in page


def test_it_searches_errors_and_logs(admin_client):
    by_error = task(error_message="HTTP 503 from Goodreads")
    by_log = task(log_output="INFO fetched Goodreads series 42")
    task(log_output="nothing to see")
    assert set(rows(admin_client.get(HISTORY_URL, {"q": "goodreads"}))) == {
        by_error.pk,
        by_log.pk,
    }


def test_the_list_does_not_load_logs(admin_client):
    task(log_output="x" * 10_000)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(HISTORY_URL)
    listing = [q["sql"] for q in queries if 'FROM "scheduling_task"' in q["sql"]]
    assert listing and all('"log_output"' not in sql.split("FROM")[0] for sql in listing)


def test_the_list_costs_the_same_queries_at_5_and_200_rows(admin_client):
    counts = []
    for total in (5, 200):
        Task.objects.all().delete()
        Task.objects.bulk_create(
            [Task(task_name="tick", trigger=Task.SCHEDULE, status=Task.COMPLETED)] * total
        )
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(HISTORY_URL, {"task_name": "tick"}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # session, user, the MAM session banner, the capped count, the page, the job's chart
    assert counts[0] <= 6


def test_the_list_never_counts_the_whole_table(admin_client):
    task()
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(HISTORY_URL)
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_the_paginator_says_more_than_when_the_cap_is_reached(admin_client, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    Task.objects.bulk_create(
        [Task(task_name="tick", trigger=Task.SCHEDULE, status=Task.COMPLETED)] * 5
    )
    page = admin_client.get(HISTORY_URL, {"status": "completed"}).content.decode()
    assert "more than 3 tasks" in page


def test_the_paginator_counts_exactly_below_the_cap():
    Task.objects.bulk_create(
        [Task(task_name="tick", trigger=Task.SCHEDULE, status=Task.COMPLETED)] * 7
    )
    paginator = CappedCountPaginator(Task.objects.all(), 5)
    assert paginator.count == 7 and paginator.count_label == ""
    assert paginator.num_pages == 2


def test_filtered_to_one_job_it_charts_its_runs(admin_client):
    task("tick", Task.FAILED, duration_seconds=2)
    task("tick", Task.COMPLETED, duration_seconds=1)
    page = admin_client.get(HISTORY_URL, {"task_name": "tick"}).content.decode()
    chart = page.split('<svg class="runs-chart"')[1].split("</svg>")[0]
    assert chart.count("<rect ") == 2 and 'class="bar-failed"' in chart


def test_the_detail_shows_the_log_and_the_traceback(admin_client):
    t = task(
        "boom",
        Task.FAILED,
        error_message='the job blew up\n\nTraceback (most recent call last):\n  File "jobs.py"',
        log_output="INFO tick item 1\nERROR Failed: <RuntimeError>",
    )
    page = admin_client.get(detail_url(t)).content.decode()
    assert '<pre class="task-error">the job blew up' in page
    assert "Traceback (most recent call last):" in page
    assert '<pre class="task-log">INFO tick item 1\nERROR Failed: &lt;RuntimeError&gt;' in page


def test_the_detail_shows_the_tail_of_a_long_log(admin_client):
    t = task(log_output="\n".join(f"line {n}" for n in range(1000)))
    page = admin_client.get(detail_url(t)).content.decode()
    assert "Showing the last 500 of 1000 lines." in page
    assert "line 999" in page and "line 499\n" not in page


def test_the_detail_is_read_only(admin_client):
    t = task()
    page = admin_client.get(detail_url(t)).content.decode()
    assert 'name="_save"' not in page
    admin_client.post(detail_url(t), {"task_name": "changed", "status": "failed"})
    t.refresh_from_db()
    assert (t.task_name, t.status) == ("tick", Task.COMPLETED)


def test_a_running_task_cannot_be_deleted(admin_client):
    t = task(status=Task.RUNNING)
    url = reverse("admin:scheduling_task_delete", args=[t.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Task.objects.filter(pk=t.pk).exists()


def test_a_running_task_polls_its_progress(admin_client):
    t = task(status=Task.RUNNING, items_total=10, items_processed=3)
    page = admin_client.get(detail_url(t)).content.decode()
    progress = reverse("admin:scheduling_task_progress", args=[t.pk])
    assert f'data-progress-url="{progress}"' in page
    assert "scheduling/admin/scheduling.js" in page
    assert ">Cancel this run<" in page


def test_a_finished_task_does_not_poll(admin_client):
    page = admin_client.get(detail_url(task())).content.decode()
    assert "data-progress-url" not in page and "Cancel this run" not in page


def test_progress_reports_counts_and_status(admin_client):
    t = task(status=Task.RUNNING, items_total=4, items_processed=1, items_succeeded=1)
    data = admin_client.get(reverse("admin:scheduling_task_progress", args=[t.pk])).json()
    assert data["status"] == "running" and data["finished"] is False
    assert data["percent"] == 25 and data["text"].startswith("1 of 4 items (25%)")
    Task.objects.filter(pk=t.pk).update(status=Task.COMPLETED, items_processed=4)
    data = admin_client.get(reverse("admin:scheduling_task_progress", args=[t.pk])).json()
    assert data["finished"] is True and data["percent"] == 100


def test_progress_of_an_unknown_task_is_not_found(admin_client):
    missing = reverse("admin:scheduling_task_progress", args=[999])
    assert admin_client.get(missing).status_code == 404


def test_staff_with_view_permission_see_history_but_no_cancel(viewer_client):
    t = task(status=Task.RUNNING)
    assert viewer_client.get(HISTORY_URL).status_code == 200
    page = viewer_client.get(detail_url(t)).content.decode()
    assert "Cancel this run" not in page


def test_staff_without_view_permission_see_nothing(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="pw", is_staff=True)
    client.force_login(user)
    t = task()
    assert client.get(HISTORY_URL).status_code == 403
    assert client.get(detail_url(t)).status_code == 403
    assert client.get(reverse("admin:scheduling_task_progress", args=[t.pk])).status_code == 403


def test_a_malformed_date_is_ignored(admin_client):
    t = task()
    response = admin_client.get(HISTORY_URL, {"date_created_from": "2026-13-45"})
    assert response.status_code == 200 and rows(response) == [t.pk]


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-13-45", "soon"])
def test_a_date_it_cannot_use_is_left_out_with_a_message_not_a_server_error(admin_client, value):
    t = task()
    response = admin_client.get(HISTORY_URL, {"date_created_to": value})
    assert response.status_code == 200 and rows(response) == [t.pk]
    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        f"{value!r} is not a date between 1970-01-01 and 9998-12-31 (YYYY-MM-DD): "
        "the date created filter left it out."
    ]
