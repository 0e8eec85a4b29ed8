"""The jobs page's "Send test notification": a real Apprise message to a loopback receiver,
the outcome in words, and only for staff who may control jobs (POST with CSRF)."""

import pytest
from django.test import Client
from django.urls import reverse

from scheduling.models import ServiceCheck

pytestmark = pytest.mark.django_db(transaction=True)

TEST_URL = reverse("admin:scheduling_jobcontrol_test_notification")


@pytest.fixture
def operator(staff_client):
    return staff_client("view_jobcontrol", "control_jobs", name="op")


def said(response):
    return [f"{message.level_tag}: {message}" for message in response.context["messages"]]


def test_it_sends_a_test_message_and_says_it_was_delivered(
    operator, settings, notification_receiver
):
    settings.NOTIFY_URLS = [notification_receiver.url]

    response = operator.post(TEST_URL, follow=True)

    assert said(response) == ["success: Test notification delivered to 1 URL."]
    [message] = notification_receiver.messages()
    assert message["title"] == "audiobook-site: Test notification"
    assert message["message"] == "Sent by op from the jobs page."


def test_a_dead_receiver_is_reported_in_words(operator, settings):
    settings.NOTIFY_URLS = ["json://127.0.0.1:9/hook"]

    response = operator.post(TEST_URL, follow=True)

    assert said(response) == [
        "error: Test notification not delivered: the notification service said: A Connection error "
        "occurred sending JSON notification to 127.0.0.1."
    ]
    assert ServiceCheck.objects.get(service="notifications").ok is False


def test_without_notify_urls_it_says_there_is_nowhere_to_send(operator, settings):
    settings.NOTIFY_URLS = []

    response = operator.post(TEST_URL, follow=True)

    assert said(response) == [
        "error: No NOTIFY_URLS are set: there is nowhere to send a notification."
    ]


def test_it_needs_the_control_permission(staff_client, settings, notification_receiver):
    settings.NOTIFY_URLS = [notification_receiver.url]
    viewer = staff_client("view_jobcontrol")

    assert viewer.post(TEST_URL).status_code == 403
    assert notification_receiver.messages() == []


def test_it_only_answers_a_post_with_the_csrf_token(staff_client, settings, notification_receiver):
    settings.NOTIFY_URLS = [notification_receiver.url]
    client = staff_client(
        "view_jobcontrol",
        "control_jobs",
        client=Client(enforce_csrf_checks=True),
    )

    assert client.get(TEST_URL).status_code == 405
    assert client.post(TEST_URL).status_code == 403
    assert notification_receiver.messages() == []


def test_the_jobs_page_offers_the_button_to_operators_only(staff_client):
    jobs = reverse("admin:scheduling_jobcontrol_changelist")
    viewer_page = staff_client("view_jobcontrol", name="viewer").get(jobs).content.decode()
    operator = staff_client("view_jobcontrol", "control_jobs")

    assert "Send test notification" in operator.get(jobs).content.decode()
    assert "Send test notification" not in viewer_page
