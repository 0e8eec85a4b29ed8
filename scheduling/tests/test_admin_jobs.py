"""The scheduled jobs page: what it shows, what its buttons ask of the scheduler, who may."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scheduling import registry
from scheduling.models import JobControl, SchedulerProcess, Task

pytestmark = pytest.mark.django_db

JOBS_URL = reverse("admin:scheduling_jobcontrol_changelist")


@pytest.fixture(autouse=True)
def _test_jobs(settings):
    settings.EXTRA_JOBS = "scheduling.tests.jobs"


def staff_with(django_user_model, username, *codenames):
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def viewer_client(client, django_user_model):
    """Staff with the model's view and change permissions, but not control_jobs."""
    client.force_login(
        staff_with(django_user_model, "viewer", "view_jobcontrol", "change_jobcontrol", "view_task")
    )
    return client


@pytest.fixture
def editor_client(client, django_user_model):
    """Staff who may change schedules: the model's change permission and control_jobs."""
    client.force_login(
        staff_with(
            django_user_model, "editor", "view_jobcontrol", "change_jobcontrol", "control_jobs"
        )
    )
    return client


@pytest.fixture
def operator_client(client, django_user_model):
    client.force_login(
        staff_with(django_user_model, "operator", "view_jobcontrol", "view_task", "control_jobs")
    )
    return client


@pytest.fixture
def alive_scheduler():
    return SchedulerProcess.objects.create(host="box", pid=42, is_leader=True)


def command_url(name, command):
    return reverse(f"admin:scheduling_jobcontrol_{command}", args=[name])


def run(name, status=Task.COMPLETED, seconds=1.5, **fields):
    now = timezone.now()
    return Task.objects.create(
        task_name=name,
        trigger=Task.SCHEDULE,
        status=status,
        actual_start=now,
        actual_end=None if status == Task.RUNNING else now,
        duration_seconds=None if status == Task.RUNNING else seconds,
        **fields,
    )


def bulk(client, action, *names):
    return client.post(
        JOBS_URL, {"action": action, "index": 0, "select_across": 0, "_selected_action": names}
    )


# --- what the page shows ------------------------------------------------------------------


def test_it_lists_every_registry_job_with_its_schedule_in_words(admin_client):
    page = admin_client.get(JOBS_URL).content.decode()
    for job in registry.all_jobs():
        assert f'data-job="{job.name}"' in page
    assert "At 02:00" in page and "0 2 * * *" in page  # mam_scraping


def test_it_creates_the_missing_job_controls(admin_client):
    JobControl.objects.create(name="tick", paused=True)
    admin_client.get(JOBS_URL)
    assert set(JobControl.objects.values_list("name", flat=True)) == set(registry.names())
    assert JobControl.objects.get(name="tick").paused


def test_it_warns_when_no_scheduler_is_alive(admin_client):
    SchedulerProcess.objects.create(
        host="box", pid=1, is_leader=True, last_beat=timezone.now() - timedelta(minutes=5)
    )
    page = admin_client.get(JOBS_URL).content.decode()
    assert "No scheduler is running" in page
    assert "python manage.py runscheduler" in page


def test_it_shows_no_warning_while_a_scheduler_is_alive(admin_client, alive_scheduler):
    page = admin_client.get(JOBS_URL).content.decode()
    assert "No scheduler is running" not in page
    assert "Scheduler alive" in page


def test_it_shows_a_running_task_with_its_progress(admin_client):
    task = run("tick", Task.RUNNING, items_total=4, items_processed=1)
    page = admin_client.get(JOBS_URL).content.decode()
    assert f"#{task.pk}</a>" in page
    assert "1 of 4 items (25%)" in page
    assert 'style="width: 25%"' in page


def test_it_shows_the_last_run_with_status_and_duration(admin_client):
    run("boom", Task.FAILED, seconds=75)
    page = admin_client.get(JOBS_URL).content.decode()
    assert 'class="job-status job-status-failed"' in page
    assert "1 min 15 s" in page


def test_it_shows_the_success_rate_of_recent_runs(admin_client):
    for status in [Task.COMPLETED, Task.COMPLETED, Task.COMPLETED, Task.FAILED, Task.SKIPPED]:
        run("tick", status)
    page = admin_client.get(JOBS_URL).content.decode()
    assert ">75% completed<" in page


def test_it_draws_the_last_runs_as_a_chart_coloured_by_outcome(admin_client):
    for _ in range(35):
        run("tick")
    run("tick", Task.FAILED)
    page = admin_client.get(JOBS_URL).content.decode()
    row = page.split('data-job="tick"')[1].split("</tr>")[0]
    assert row.count("<rect ") == 30
    assert row.count('class="bar-failed"') == 1


def test_a_paused_job_has_no_next_run_and_a_resume_button(admin_client):
    JobControl.objects.create(name="tick", paused=True, applied_paused=True)
    row = admin_client.get(JOBS_URL).content.decode().split('data-job="tick"')[1]
    row = row.split("</tr>")[0]
    assert "badge-paused" in row and "(paused)" in row
    assert ">Resume<" in row and ">Pause<" not in row


def test_it_marks_a_request_pending_until_the_scheduler_applied_it(admin_client):
    JobControl.objects.create(name="tick", paused=True, applied_paused=False)
    row = admin_client.get(JOBS_URL).content.decode().split('data-job="tick"')[1]
    assert "badge-pending" in row.split("</tr>")[0]
    assert "Pause not applied yet" in row


def test_an_applied_state_is_not_pending(admin_client):
    JobControl.objects.create(name="tick", paused=True, applied_paused=True)
    row = admin_client.get(JOBS_URL).content.decode().split('data-job="tick"')[1]
    assert "badge-pending" not in row.split("</tr>")[0]


def test_a_queued_run_now_is_pending(admin_client):
    JobControl.objects.create(name="tick", applied_paused=False, run_requested_at=timezone.now())
    row = admin_client.get(JOBS_URL).content.decode().split('data-job="tick"')[1]
    assert "Run now requested" in row.split("</tr>")[0]


def test_a_disabled_job_is_not_pending_forever(admin_client, settings):
    settings.FEATURE_FLAGS = {**settings.FEATURE_FLAGS, "ENABLE_MAM_SCRAPING": False}
    JobControl.objects.create(name="mam_scraping", paused=True)
    row = admin_client.get(JOBS_URL).content.decode().split('data-job="mam_scraping"')[1]
    row = row.split("</tr>")[0]
    assert "badge-disabled" in row and "badge-pending" not in row


def test_staff_without_control_permission_see_no_buttons(viewer_client):
    page = viewer_client.get(JOBS_URL).content.decode()
    assert ">Run now<" not in page and ">Pause<" not in page and 'name="action"' not in page


def test_staff_without_view_permission_are_refused(client, django_user_model):
    client.force_login(staff_with(django_user_model, "nobody"))
    assert client.get(JOBS_URL).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(JOBS_URL)
    assert response.status_code == 302 and "/login/" in response.url


def test_the_page_costs_the_same_queries_at_5_and_200_runs(admin_client, alive_scheduler):
    admin_client.get(JOBS_URL)  # creates the JobControl rows once
    counts = []
    for total in (5, 200):
        Task.objects.bulk_create(
            [
                Task(task_name=name, trigger=Task.SCHEDULE, status=Task.COMPLETED)
                for name, _ in zip(registry.names() * total, range(total), strict=False)
            ]
        )
        run("tick", Task.RUNNING, items_total=3)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(JOBS_URL).status_code == 200
        counts.append(len(queries))
        Task.objects.filter(status=Task.RUNNING).update(status=Task.FAILED)
    assert counts[0] == counts[1]
    # session, user, controls, running, leader + per job: recent runs and chart runs
    assert counts[0] <= 5 + 2 * len(registry.names())


# --- the row buttons ----------------------------------------------------------------------


def test_pause_asks_the_scheduler_to_pause_the_job(operator_client):
    response = operator_client.post(command_url("tick", "pause"))
    assert response.status_code == 302 and response.url == JOBS_URL
    control = JobControl.objects.get(name="tick")
    assert control.paused and control.pending_change


def test_resume_asks_the_scheduler_to_resume_the_job(operator_client):
    JobControl.objects.create(name="tick", paused=True, applied_paused=True)
    operator_client.post(command_url("tick", "resume"))
    assert not JobControl.objects.get(name="tick").paused


def test_run_now_queues_a_run_and_runs_nothing_itself(operator_client):
    operator_client.post(command_url("tick", "run"))
    control = JobControl.objects.get(name="tick")
    assert control.run_requested_at is not None
    assert control.run_requested_by == "operator"
    assert not Task.objects.exists()


def test_run_now_of_a_running_job_queues_nothing(operator_client):
    run("tick", Task.RUNNING)
    response = operator_client.post(command_url("tick", "run"), follow=True)
    assert "Already running" in response.content.decode()
    assert JobControl.objects.filter(name="tick", run_requested_at__isnull=False).count() == 0


def test_cancel_asks_the_running_task_to_stop(operator_client):
    task = run("tick", Task.RUNNING)
    operator_client.post(command_url("tick", "cancel"))
    task.refresh_from_db()
    assert task.cancel_requested_at is not None and task.status == Task.RUNNING


def test_cancel_without_a_running_task_says_so(operator_client):
    response = operator_client.post(command_url("tick", "cancel"), follow=True)
    assert "had no running task" in response.content.decode()


def test_a_button_returns_to_a_local_next_page_only(operator_client):
    task = run("tick", Task.RUNNING)
    detail = reverse("admin:scheduling_task_change", args=[task.pk])
    response = operator_client.post(command_url("tick", "cancel"), {"next": detail})
    assert response.url == detail
    response = operator_client.post(command_url("tick", "pause"), {"next": "https://evil.test/"})
    assert response.url == JOBS_URL


def test_buttons_are_post_only(operator_client):
    assert operator_client.get(command_url("tick", "pause")).status_code == 405
    assert not JobControl.objects.filter(paused=True).exists()


def test_buttons_need_a_csrf_token(django_user_model):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_with(django_user_model, "op", "view_jobcontrol", "control_jobs"))
    assert client.post(command_url("tick", "pause")).status_code == 403
    assert not JobControl.objects.filter(paused=True).exists()


def test_an_unknown_job_is_not_found(operator_client):
    assert operator_client.post(command_url("nope", "pause")).status_code == 404


@pytest.mark.parametrize("command", ["pause", "resume", "run", "cancel"])
def test_buttons_need_the_control_permission(viewer_client, command):
    JobControl.objects.create(name="tick", paused=command == "resume")
    task = run("tick", Task.RUNNING) if command == "cancel" else None
    assert viewer_client.post(command_url("tick", command)).status_code == 403
    control = JobControl.objects.get(name="tick")
    assert control.paused == (command == "resume")
    assert control.run_requested_at is None
    if task:
        task.refresh_from_db()
        assert task.cancel_requested_at is None


def test_a_pause_is_written_to_the_admin_log(operator_client):
    from django.contrib.admin.models import LogEntry

    operator_client.post(command_url("tick", "pause"))
    entry = LogEntry.objects.get()
    assert entry.object_id == "tick" and entry.user.username == "operator"


# --- bulk actions -------------------------------------------------------------------------


def test_bulk_pause_and_resume(operator_client):
    operator_client.get(JOBS_URL)  # the page makes a JobControl row for each job
    bulk(operator_client, "pause_jobs", "tick", "boom")
    assert set(JobControl.objects.filter(paused=True).values_list("name", flat=True)) == {
        "tick",
        "boom",
    }
    bulk(operator_client, "resume_jobs", "tick")
    assert list(JobControl.objects.filter(paused=True).values_list("name", flat=True)) == ["boom"]


def test_bulk_run_now(operator_client):
    JobControl.objects.create(name="tick")
    JobControl.objects.create(name="boom")
    response = bulk(operator_client, "run_jobs_now", "tick", "boom")
    assert response.status_code == 302
    assert JobControl.objects.filter(run_requested_at__isnull=False).count() == 2
    assert not Task.objects.exists()


def test_bulk_cancel(operator_client):
    JobControl.objects.create(name="tick")
    JobControl.objects.create(name="boom")
    tick, boom = run("tick", Task.RUNNING), run("boom", Task.RUNNING)
    bulk(operator_client, "cancel_runs", "tick", "boom")
    assert Task.objects.filter(cancel_requested_at__isnull=False).count() == 2
    assert {tick.pk, boom.pk} == set(
        Task.objects.filter(cancel_requested_at__isnull=False).values_list("pk", flat=True)
    )


@pytest.mark.parametrize("action", ["pause_jobs", "resume_jobs", "run_jobs_now", "cancel_runs"])
def test_bulk_actions_need_the_control_permission(viewer_client, action):
    JobControl.objects.create(name="tick", paused=action == "resume_jobs")
    task = run("tick", Task.RUNNING)
    assert bulk(viewer_client, action, "tick").status_code == 403
    control = JobControl.objects.get(name="tick")
    assert control.paused == (action == "resume_jobs") and control.run_requested_at is None
    task.refresh_from_db()
    assert task.cancel_requested_at is None


def test_jobs_cannot_be_added_or_deleted(admin_client):
    JobControl.objects.create(name="tick")
    assert admin_client.get(reverse("admin:scheduling_jobcontrol_add")).status_code == 403
    delete = reverse("admin:scheduling_jobcontrol_delete", args=["tick"])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


# --- the status endpoint the page polls ---------------------------------------------------


def test_status_reports_each_job_and_running_progress(admin_client):
    run("tick", Task.RUNNING, items_total=4, items_processed=2)
    data = admin_client.get(reverse("admin:scheduling_jobcontrol_status")).json()
    assert data["scheduler_alive"] is False
    by_name = {job["name"]: job for job in data["jobs"]}
    assert set(by_name) == set(registry.names())
    assert by_name["tick"]["running"]["percent"] == 50
    assert by_name["boom"]["running"] is None


def test_status_signature_matches_the_page(admin_client):
    admin_client.get(JOBS_URL)
    page = admin_client.get(JOBS_URL).content.decode()
    data = admin_client.get(reverse("admin:scheduling_jobcontrol_status")).json()
    for job in data["jobs"]:
        assert f'data-job="{job["name"]}" data-signature="{job["signature"]}"' in page


def test_status_needs_view_permission(client, django_user_model):
    client.force_login(staff_with(django_user_model, "nobody"))
    assert client.get(reverse("admin:scheduling_jobcontrol_status")).status_code == 403


# --- the schedule override ----------------------------------------------------------------


def change_url(name):
    return reverse("admin:scheduling_jobcontrol_change", args=[name])


def test_an_override_needs_the_control_permission(viewer_client):
    JobControl.objects.create(name="mam_scraping")
    viewer_client.post(change_url("mam_scraping"), {"schedule_override": "30 4 * * sun"})
    assert JobControl.objects.get(name="mam_scraping").schedule_override == ""


def test_the_change_form_shows_the_schedule_in_words(editor_client):
    JobControl.objects.create(name="mam_scraping")
    page = editor_client.get(change_url("mam_scraping")).content.decode()
    assert "0 2 * * *" in page and "At 02:00" in page
    assert 'name="schedule_override"' in page
    assert 'name="paused"' not in page


def test_a_valid_override_is_saved_and_shown_in_words(editor_client):
    JobControl.objects.create(name="mam_scraping")
    response = editor_client.post(
        change_url("mam_scraping"), {"schedule_override": " 30  4 * * sun "}, follow=True
    )
    assert JobControl.objects.get(name="mam_scraping").schedule_override == "30 4 * * sun"
    assert "At 04:30, only on Sunday" in response.content.decode()


def test_an_invalid_override_is_refused_with_the_reason(editor_client):
    JobControl.objects.create(name="mam_scraping")
    response = editor_client.post(change_url("mam_scraping"), {"schedule_override": "61 * * * *"})
    assert response.status_code == 200
    assert "Not a standard cron expression" in response.content.decode()
    assert "minute: 61 is outside 0-59" in response.content.decode()
    assert JobControl.objects.get(name="mam_scraping").schedule_override == ""


def test_an_empty_override_falls_back_to_the_setting(editor_client):
    JobControl.objects.create(name="mam_scraping", schedule_override="0 5 * * *")
    editor_client.post(change_url("mam_scraping"), {"schedule_override": ""})
    assert JobControl.objects.get(name="mam_scraping").schedule_override == ""


def test_the_form_cannot_unpause_a_job(viewer_client):
    JobControl.objects.create(name="tick", paused=True)
    viewer_client.post(change_url("tick"), {"schedule_override": "", "paused": ""})
    assert JobControl.objects.get(name="tick").paused


def test_overriding_needs_the_change_permission(operator_client):
    JobControl.objects.create(name="tick")
    operator_client.post(change_url("tick"), {"schedule_override": "0 5 * * *"})
    assert JobControl.objects.get(name="tick").schedule_override == ""


def test_describe_previews_an_expression(viewer_client):
    url = reverse("admin:scheduling_jobcontrol_describe")
    good = viewer_client.get(url, {"expression": "0 3 * * 0"}).json()
    assert good["valid"] and good["words"] == "At 03:00, only on Sunday"
    assert len(good["next_runs"]) == 3 and good["next_runs"][0].startswith("Sun")
    bad = viewer_client.get(url, {"expression": "0 3 * *"}).json()
    assert not bad["valid"] and "expected 5 fields" in bad["error"]
    assert viewer_client.get(url, {"expression": ""}).json() == {"valid": True, "empty": True}
