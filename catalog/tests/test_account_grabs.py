"""Grabbing like a careful MAM member: fake account answers (VIP, not VIP, at the unsatisfied
limit, low ratio, expired session) and what each run grabs, what it leaves and why."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Author, Book, Download, MamAccount
from catalog.tests.fakes import days_ago, mam_account, mam_item
from scheduling.models import Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)
WELLS = "Martha Wells"


@pytest.fixture
def murderbot(mam, settings):
    """Three wanted books; one has a paid m4b and a freeleech mp3, one a VIP-freeleech
    release, one only a release that costs ratio."""
    settings.DOWNLOAD_DRY_RUN = True
    author = Author.objects.create(name=WELLS)
    for title in ("All Systems Red", "Artificial Condition", "Rogue Protocol"):
        Book.objects.create(title=title, status=Book.WANTED).authors.add(author)
    mam.items = [
        mam_item(301, "All Systems Red", authors=[WELLS], seeders=20, added=days_ago(1)),
        mam_item(
            302, "All Systems Red", authors=[WELLS], filetype="mp3", free=1, added=days_ago(1)
        ),
        mam_item(303, "Artificial Condition", authors=[WELLS], fl_vip="1", added=days_ago(2)),
        mam_item(304, "Rogue Protocol", authors=[WELLS], added=days_ago(3)),
    ]
    return mam


def grabbed():
    return sorted(Download.objects.values_list("release__mam_id", flat=True))


def test_a_vip_account_grabs_freeleech_first_and_vip_freeleech_as_free(murderbot):
    murderbot.account = mam_account(classname="VIP", ratio=5.0)

    task = run_task("mam_scraping", Task.CLI)

    assert grabbed() == [302, 303, 304]
    assert "would send 'All Systems Red' (MAM 302, site freeleech)" in task.log_output
    assert "(MAM 303, VIP freeleech)" in task.log_output
    assert "(MAM 304, costs ratio)" in task.log_output


def test_vip_freeleech_costs_a_non_vip_account_ratio(murderbot):
    murderbot.account = mam_account(classname="Power User", ratio=5.0)

    task = run_task("mam_scraping", Task.CLI)

    assert grabbed() == [302, 303, 304]
    assert "(MAM 303, costs ratio)" in task.log_output


def test_a_vip_until_in_the_future_makes_the_account_vip(murderbot):
    future = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    murderbot.account = mam_account(classname="Power User", ratio=5.0, vip_until=future)

    task = run_task("mam_scraping", Task.CLI)

    assert "(MAM 303, VIP freeleech)" in task.log_output


def test_under_the_minimum_ratio_only_freeleech_is_grabbed(murderbot):
    murderbot.account = mam_account(classname="User", ratio=0.62)

    task = run_task("mam_scraping", Task.CLI)

    assert grabbed() == [302]
    assert (
        "'Rogue Protocol': its best release (MAM 304) costs ratio, not grabbed: "
        "the ratio 0.62 is under MAM_MIN_RATIO 1." in task.log_output
    )
    assert Book.objects.get(title="Rogue Protocol").status == Book.WANTED


def test_a_low_ratio_vip_account_still_grabs_vip_freeleech(murderbot):
    murderbot.account = mam_account(classname="VIP", ratio=0.5)

    run_task("mam_scraping", Task.CLI)

    assert grabbed() == [302, 303]


def test_freeleech_only_is_a_hard_rule_whatever_the_ratio(murderbot, settings):
    settings.MAM_FREELEECH_ONLY = True
    murderbot.account = mam_account(ratio=50.0)

    task = run_task("mam_scraping", Task.CLI)

    assert grabbed() == [302]
    assert "not grabbed: MAM_FREELEECH_ONLY is on" in task.log_output


def test_at_the_unsatisfied_limit_nothing_is_sent_and_the_run_says_why(murderbot):
    murderbot.account = mam_account(unsat=(98, 100))

    task = run_task("mam_scraping", Task.CLI)

    assert task.status == Task.COMPLETED
    assert grabbed() == []
    assert (
        "Stopped sending: unsatisfied torrents 98 + reserve 2 (MAM_UNSAT_RESERVE) reach the "
        "limit of 100. Wanted books stay wanted." in task.log_output
    )
    assert set(Book.objects.values_list("status", flat=True)) == {Book.WANTED}
    assert murderbot.downloads == []


def test_it_stops_the_reserve_short_of_the_limit(murderbot):
    murderbot.account = mam_account(unsat=(96, 100), nested=True)

    task = run_task("mam_scraping", Task.CLI)

    assert len(grabbed()) == 2  # 96 + 2 sent + reserve 2 makes 100: a third would pass it
    assert (
        "Stopped sending: unsatisfied torrents 96 + 2 sent since the reading + reserve 2 "
        "(MAM_UNSAT_RESERVE) reach the limit of 100." in task.log_output
    )


def test_a_reserve_of_zero_allows_up_to_the_limit(murderbot, settings):
    settings.MAM_UNSAT_RESERVE = 0
    murderbot.account = mam_account(unsat=(97, 100))

    run_task("mam_scraping", Task.CLI)

    assert len(grabbed()) == 3


def test_grabs_sent_since_the_reading_count_before_mam_catches_up(murderbot):
    account = MamAccount.keep(classname="User", ratio=2.0, unsat_count=45, unsat_limit=50)
    release = Download.objects.model.release.field.related_model.objects.create(
        mam_id=999, title="Sent by another job"
    )
    book = Book.objects.get(title="Rogue Protocol")
    before = Download.objects.create(release=release, book=book, status=Download.SENT)
    Download.objects.filter(pk=before.pk).update(requested_at=account.read_at - timedelta(1))
    for _ in range(3):
        Download.objects.create(release=release, book=book, status=Download.SENT)

    from catalog.account_rules import AccountRules

    assert AccountRules(account).unsatisfied_block() == (
        "unsatisfied torrents 45 + 3 sent since the reading + reserve 2 (MAM_UNSAT_RESERVE) "
        "reach the limit of 50"
    )


def test_the_account_is_read_once_per_run_and_kept_with_its_time(murderbot):
    murderbot.account = mam_account(classname="VIP", ratio=5.0, wedges=7, seedbonus=4321)

    run_task("mam_scraping", Task.CLI)

    assert murderbot.account_reads == 1
    account = MamAccount.latest()
    assert (account.classname, account.ratio, account.wedges, account.seedbonus) == (
        "VIP",
        5.0,
        7,
        4321,
    )
    assert (account.unsat_count, account.unsat_limit) == (12, 100)
    assert timezone.now() - account.read_at < timedelta(minutes=5)


def test_a_run_with_nothing_to_grab_does_not_read_the_account(mam, settings):
    mam.items = [mam_item(401, "Nobody Wants This", added=days_ago(1))]

    run_task("mam_scraping", Task.CLI)

    assert mam.account_reads == 0


def test_no_wedge_is_ever_spent(murderbot, settings):
    settings.DOWNLOAD_DRY_RUN = False
    settings.QBITTORRENT_URL = "http://127.0.0.1:9"  # sending fails after the fetch
    murderbot.account = mam_account(wedges=40)

    run_task("mam_scraping", Task.CLI)

    download_asks = [
        r.args.to_dict(flat=False) for r, _ in murderbot.server.log if "download" in r.path
    ]
    assert download_asks and all(set(args) == {"tid"} for args in download_asks)
    assert not [path for path in murderbot.asked_paths() if "bonusBuy" in path]


def test_an_account_answer_without_the_unsatisfied_count_sends_nothing(murderbot):
    murderbot.account = {"uid": 1, "username": "x", "classname": "User", "ratio": 3}

    task = run_task("mam_scraping", Task.CLI)

    assert grabbed() == []
    assert "Stopped sending: the MyAnonamouse account could not be read" in task.log_output


def test_an_expired_session_skips_the_run_and_grabs_nothing(murderbot):
    murderbot.expired = True

    task = run_task("mam_scraping", Task.CLI)

    assert task.status == Task.SKIPPED
    assert task.error_message.startswith("MyAnonamouse refused the session (HTTP 403")
    assert grabbed() == []


def test_after_a_refusal_mam_jobs_are_skipped_without_asking_mam(murderbot):
    murderbot.expired = True
    run_task("mam_scraping", Task.CLI)
    asked = len(murderbot.server.log)

    for job in ("mam_scraping", "top10_discovery", "series_completion", "author_completion"):
        task = run_task(job, Task.CLI)
        assert task.status == Task.SKIPPED, job
        assert "MAM work is stopped until you set a new mam_id" in task.error_message

    assert len(murderbot.server.log) == asked


def test_a_session_refused_while_reading_the_account_skips_the_run(murderbot):
    murderbot.account = {"error": "not logged in"}

    task = run_task("mam_scraping", Task.CLI)

    assert task.status == Task.SKIPPED
    assert "names no user: logged out" in task.error_message
