"""Notifications: one message per event per run, through a real Apprise into a local
receiver (its json:// scheme), never a secret, and a dead receiver never fails a job."""

import json

import pytest
from django.db import transaction

from scheduling import health, notify, runner
from scheduling.models import ServiceCheck, Task

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "mam-cookie-never-shown"


@pytest.fixture
def receiver(notification_receiver):
    return notification_receiver.server


@pytest.fixture(autouse=True)
def _setup(settings, receiver):
    settings.EXTRA_JOBS = "scheduling.tests.jobs"
    settings.TASK_HEARTBEAT_SECONDS = 0.2
    settings.MAM_SESSION_ID = SECRET
    settings.NOTIFY_URLS = [f"json://127.0.0.1:{receiver.port}/hook"]
    settings.NOTIFY_EVENTS = ["job_failed", "download_sent"]
    health.forget_cache()


def messages(receiver):
    return [json.loads(request.get_data()) for request, _ in receiver.log]


def test_a_run_that_sends_three_downloads_sends_one_message_listing_them(receiver):
    task = runner.run_task("notifies", Task.CLI)

    assert task.status == Task.COMPLETED
    [message] = messages(receiver)
    assert message["title"] == "audiobook-site: Sent to qBittorrent"
    assert message["message"].splitlines() == ["book 0 sent", "book 1 sent", "book 2 sent"]


def test_a_failed_job_is_notified_with_its_error(receiver):
    runner.run_task("boom", Task.CLI)

    [message] = messages(receiver)
    assert message["title"] == "audiobook-site: A job failed"
    assert "boom" in message["message"] and "the job blew up" in message["message"]


def test_an_event_switched_off_sends_nothing(settings, receiver):
    settings.NOTIFY_EVENTS = ["job_failed"]

    runner.run_task("notifies", Task.CLI)

    assert messages(receiver) == []


def test_no_secret_reaches_a_message(receiver):
    runner.run_task("chatty", Task.CLI, on_progress=None)
    notify.send("job_failed", [f"the site refused cookie {SECRET}"])

    assert all(SECRET not in json.dumps(message) for message in messages(receiver))
    assert messages(receiver)


def test_a_dead_receiver_does_not_fail_the_job_and_is_recorded(settings):
    settings.NOTIFY_URLS = ["json://127.0.0.1:9/hook"]

    task = runner.run_task("notifies", Task.CLI)

    assert task.status == Task.COMPLETED
    assert "Notification download_sent not delivered" in task.log_output
    assert ServiceCheck.objects.get(service="notifications").ok is False


def test_a_long_list_is_cut_with_a_count_of_the_rest():
    body = notify.message_body([f"line {n}" for n in range(notify.MAX_LINES + 5)])

    assert body.splitlines()[-1] == "... and 5 more."
    assert len(body.splitlines()) == notify.MAX_LINES + 1


def test_outside_a_run_a_message_waits_for_the_commit(receiver):
    with transaction.atomic():
        notify.notify("download_sent", ["one"])
        assert messages(receiver) == []

    assert [m["message"] for m in messages(receiver)] == ["one"]


def test_a_message_of_a_rolled_back_transaction_is_never_sent(receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify.notify("download_sent", ["one"])
        raise RuntimeError("the write failed")

    assert messages(receiver) == []
