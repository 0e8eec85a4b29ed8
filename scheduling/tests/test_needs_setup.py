"""Jobs that cannot run say so: skipped with what to set, and runtask says it in one line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from scheduling.models import Task
from scheduling.tests.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def jobs(settings):
    settings.EXTRA_JOBS = "scheduling.tests.jobs"


def runtask(*args):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as error:
        call_command("runtask", *args, stdout=out, stderr=err)
    return error.value, out.getvalue(), err.getvalue()


@pytest.mark.slow
def test_the_scheduled_mam_scraping_without_a_session_is_skipped_with_the_reason(spawn, process_db):
    spawn("runscheduler", MAM_SESSION_ID="", TASK_MAM_TIME="*/2 * * * * *")

    def ended():  # a run's row is written running first, then closed as skipped
        return [run for run in process_db.runs("mam_scraping") if run["status"] != "running"]

    runs = wait_until(ended, 30, "a mam_scraping row closed")

    assert runs[0]["status"] == "skipped" and runs[0]["trigger"] == "schedule"
    assert "MyAnonamouse has no session" in runs[0]["error_message"]
    assert "Traceback" not in runs[0]["error_message"]


def test_runtask_of_a_job_whose_service_is_not_set_up_says_what_to_set(settings):
    settings.MAM_SESSION_ID = ""

    error, _, _ = runtask("mam_scraping")

    assert error.returncode == 5
    assert str(error).startswith("Needs setup: MyAnonamouse has no session")
    assert Task.objects.get(task_name="mam_scraping").status == Task.SKIPPED


def test_runtask_tells_a_refusing_service_in_one_line(jobs):
    error, _, stderr = runtask("refused")

    assert error.returncode == 1
    assert stderr.splitlines()[0] == "Example service refused the login: check EXAMPLE_PASSWORD"
    assert "Traceback" not in stderr
    assert "Traceback" in Task.objects.get(task_name="refused").error_message


def test_runtask_verbosity_2_prints_the_traceback_of_a_known_problem(jobs):
    _, _, stderr = runtask("refused", "-v", "2")

    assert "Traceback" in stderr


def test_runtask_prints_the_traceback_of_a_real_failure(jobs):
    _, _, stderr = runtask("boom")

    assert "the job blew up" in stderr and "Traceback" in stderr


def test_the_jobs_page_marks_a_job_that_needs_setup_with_the_setting(admin_client, settings):
    from lxml import html as lxml_html

    settings.MAM_SESSION_ID = ""

    page = lxml_html.fromstring(admin_client.get("/admin/scheduling/jobcontrol/").content)

    row = page.xpath('//tr[@data-job="mam_scraping"]')[0]
    assert row.xpath('.//*[contains(@class, "badge-setup")]')[0].text == "Needs setup"
    assert "MyAnonamouse has no session" in row.text_content()
    cleanup = page.xpath('//tr[@data-job="cleanup_old_tasks"]')[0]
    assert not cleanup.xpath('.//*[contains(@class, "badge-setup")]')
