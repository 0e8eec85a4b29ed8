"""The admin's index is a dashboard: what needs attention first, then the rest at a glance."""

import pytest
from lxml import html as lxml_html

from scheduling.models import SchedulerProcess, Task

pytestmark = pytest.mark.django_db


def attention(response):
    """The text of the dashboard's "Needs your attention" panel."""
    assert response.status_code == 200
    return " ".join(
        lxml_html.fromstring(response.content).get_element_by_id("attention").itertext()
    )


def test_a_fresh_install_lists_what_to_set_up(admin_client, settings):
    settings.MAM_SESSION_ID = ""
    settings.LIBRARY_PATHS = []

    text = attention(admin_client.get("/admin/"))

    assert "MyAnonamouse has no session" in text
    assert "LIBRARY_PATHS is not set" in text
    assert "no scheduler is running" in text


def test_setting_the_library_clears_its_problem(admin_client, settings, tmp_path):
    settings.LIBRARY_PATHS = [tmp_path]

    assert "LIBRARY_PATHS" not in attention(admin_client.get("/admin/"))


def test_a_job_that_failed_its_last_run_needs_attention(admin_client):
    SchedulerProcess.objects.create(host="box", pid=1, is_leader=True)
    Task.objects.create(
        task_name="cleanup_old_tasks",
        trigger="schedule",
        status=Task.FAILED,
        error_message="disk full\n\nTraceback ...",
    )

    text = attention(admin_client.get("/admin/"))

    assert "Clean up task history" in text and "disk full" in text


def test_the_dashboards_queries_do_not_grow_with_the_history(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_with(runs):
        Task.objects.bulk_create(
            Task(task_name="cleanup_old_tasks", trigger="schedule", status=Task.COMPLETED)
            for _ in range(runs)
        )
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/").status_code == 200
        return len(captured)

    assert queries_with(5) == queries_with(500)


def test_any_staff_member_may_read_the_readme_the_problems_link_to(staff_client):
    response = staff_client().get("/admin/scheduling/servicecheck/readme/")

    assert response.status_code == 200
    assert 'id="keeping-your-mam-account-safe"' in response.content.decode()
