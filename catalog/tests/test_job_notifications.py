"""What the jobs tell the user, end to end: the real jobs, a real Apprise, a loopback
receiver (json://). Grouping per run and per event, the bodies, no secret, and a dead
receiver that fails no job. (scheduling/tests/test_notify.py covers the runner's side.)"""

import json

import pytest

from catalog.clients import mam_session
from catalog.models import Author, Book, Series, ServiceSession
from catalog.tests.fakes import days_ago, goodreads_series_page, mam_account, mam_item
from scheduling import health, notify
from scheduling.models import ServiceCheck, Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)
WELLS = "Martha Wells"
SESSION_EXPIRED = "audiobook-site: MyAnonamouse session needs attention"


@pytest.fixture(autouse=True)
def _every_event(settings, notification_receiver):
    settings.NOTIFY_URLS = [notification_receiver.url]
    settings.NOTIFY_EVENTS = [event for event in notify.EVENTS if event != "test"]
    health.forget_cache()


def by_title(receiver):
    """{title: [message bodies]} of everything the receiver got."""
    found = {}
    for message in receiver.messages():
        found.setdefault(message["title"], []).append(message["message"])
    return found


@pytest.fixture
def diaries(goodreads, mam):
    """A monitored series with its first book owned and the next two missing on MAM."""
    series = Series.objects.create(name="The Murderbot Diaries", goodreads_id="777", monitored=True)
    owned = Book.objects.create(
        title="All Systems Red", series=series, series_position="1", status=Book.OWNED
    )
    owned.authors.add(Author.objects.create(name=WELLS))
    goodreads.expect_request("/series/777").respond_with_data(
        goodreads_series_page(
            series.name,
            [
                [
                    ("Book 1", 1, "All Systems Red", WELLS),
                    ("Book 2", 2, "Artificial Condition", WELLS),
                    ("Book 3", 3, "Rogue Protocol", WELLS),
                ]
            ],
        ),
        content_type="text/html",
    )
    mam.items = [
        mam_item(302, "Artificial Condition", authors=[WELLS], added=days_ago(2)),
        mam_item(303, "Rogue Protocol", authors=[WELLS], free="true", added=days_ago(2)),
    ]
    return mam


@pytest.mark.qbittorrent
def test_a_completion_run_sends_one_message_per_event_listing_every_book(
    diaries, qbittorrent, notification_receiver
):
    task = run_task("series_completion", Task.CLI)

    assert task.status == Task.COMPLETED, task.error_message
    messages = by_title(notification_receiver)
    assert messages["audiobook-site: New books in followed series and authors"] == [
        "Artificial Condition by Martha Wells (The Murderbot Diaries #2), now wanted\n"
        "Rogue Protocol by Martha Wells (The Murderbot Diaries #3), now wanted"
    ]
    assert messages["audiobook-site: Sent to qBittorrent"] == [
        "Artificial Condition: Artificial Condition (MAM 302, costs ratio)\n"
        "Rogue Protocol: Rogue Protocol (MAM 303, site freeleech)"
    ]
    assert len(notification_receiver.messages()) == 2


def test_a_dry_run_announces_new_books_but_no_download(diaries, settings, notification_receiver):
    settings.DOWNLOAD_DRY_RUN = True

    run_task("series_completion", Task.CLI)

    assert list(by_title(notification_receiver)) == [
        "audiobook-site: New books in followed series and authors"
    ]


def test_an_expired_session_is_told_once_however_many_runs_meet_it(diaries, notification_receiver):
    diaries.expired = True

    tasks = [run_task(job, Task.CLI) for job in ("series_completion", "mam_scraping")]
    tasks.append(run_task("series_completion", Task.CLI))

    assert [task.status for task in tasks] == [Task.SKIPPED] * 3
    [body] = by_title(notification_receiver)[SESSION_EXPIRED]
    assert body.splitlines() == [
        "MyAnonamouse refused the session (HTTP 403: the session expired or is invalid).",
        "MAM work stopped: set a new mam_id on the admin's MyAnonamouse session page (or in "
        "MAM_SESSION_ID).",
    ]
    assert "audiobook-site: A job failed" not in by_title(notification_receiver)


def test_each_new_expiry_is_told_again(diaries, notification_receiver):
    diaries.expired = True
    run_task("mam_scraping", Task.CLI)
    mam_session.give("second-cookie", ServiceSession.ADMIN)  # accepted by nobody either

    run_task("mam_scraping", Task.CLI)

    assert len(by_title(notification_receiver)[SESSION_EXPIRED]) == 2


def test_the_unsatisfied_limit_is_told_once_per_run(diaries, settings, notification_receiver):
    settings.DOWNLOAD_DRY_RUN = True
    diaries.account = mam_account(unsat=(99, 100))

    run_task("series_completion", Task.CLI)
    run_task("series_completion", Task.CLI)

    assert (
        by_title(notification_receiver)["audiobook-site: MyAnonamouse unsatisfied limit reached"]
        == [
            "Stopped sending: unsatisfied torrents 99 + reserve 2 (MAM_UNSAT_RESERVE) reach the "
            "limit of 100. Wanted books stay wanted."
        ]
        * 2
    )


def test_no_secret_reaches_any_message(diaries, settings, notification_receiver):
    settings.DOWNLOAD_DRY_RUN = True
    settings.MAM_SESSION_ID = diaries.session = "secret-mam-cookie-value"
    run_task("series_completion", Task.CLI)
    diaries.expired = True
    run_task("mam_scraping", Task.CLI)

    sent = json.dumps(notification_receiver.messages())
    handed_out = [f"session-rotated-{n}" for n in range(1, diaries.rotation + 1)]
    assert diaries.rotation >= 2 and SESSION_EXPIRED in sent
    for secret in ["secret-mam-cookie-value", *handed_out, notification_receiver.url]:
        assert secret not in sent


def test_a_dead_receiver_fails_no_job_even_when_the_session_is_refused(diaries, settings):
    settings.NOTIFY_URLS = ["json://127.0.0.1:9/hook"]
    settings.DOWNLOAD_DRY_RUN = True
    completed = run_task("series_completion", Task.CLI)
    diaries.expired = True

    refused = run_task("mam_scraping", Task.CLI)

    assert (completed.status, refused.status) == (Task.COMPLETED, Task.SKIPPED)
    assert "Notification mam_session_expired not delivered" in refused.log_output
    assert ServiceCheck.objects.get(service="notifications").ok is False
