"""Staff at the console, in a real browser, against a real site and a real scheduler."""

import re

import pytest

from scheduling.tests.processes import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

JOBS = "/admin/scheduling/jobcontrol/"
HISTORY = "/admin/scheduling/task/"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def job_row(page, name):
    return page.locator(f'tr[data-job="{name}"]')


def press(page, name, command):
    job_row(page, name).locator(f'button[data-command="{command}"]').click()
    page.wait_for_load_state()


def test_pausing_a_job_is_applied_by_the_scheduler_and_resuming_undoes_it(page, site):
    page.goto(site.url + JOBS)
    expect(page.locator(".scheduler-up")).to_contain_text("Scheduler alive")
    row = job_row(page, "tick")
    expect(row.locator(".badge-active")).to_be_visible()

    press(page, "tick", "pause")
    expect(page.locator(".messagelist")).to_contain_text("Paused 1 job: tick")
    # The page polls and redraws the row once the scheduler has applied the pause.
    expect(row.locator(".badge-paused")).to_be_visible()
    expect(row.locator(".badge-pending")).to_have_count(0, timeout=20_000)
    assert site.control("tick")[:2] in [(True, True), (1, 1)]
    expect(row.locator(".job-next")).to_contain_text("(paused)")

    press(page, "tick", "resume")
    expect(row.locator(".badge-active")).to_be_visible()
    expect(row.locator(".badge-pending")).to_have_count(0, timeout=20_000)
    assert site.control("tick")[:2] in [(False, False), (0, 0)]


def test_run_now_queues_a_run_that_appears_and_finishes_in_the_history(page, site):
    page.goto(site.url + JOBS)
    press(page, "tick", "run")
    expect(page.locator(".messagelist")).to_contain_text("Queued 1 job to run now: tick")
    # The scheduler starts it; the jobs page redraws the row with the finished run.
    expect(job_row(page, "tick").locator(".job-last")).to_contain_text("Completed", timeout=30_000)

    page.goto(site.url + HISTORY)
    page.locator("#changelist-filter").get_by_role("link", name="Test job tick").click()
    expect(page).to_have_url(re.compile(r"task_name=tick"))
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("Completed")
    expect(first).to_contain_text("Admin")
    expect(first).to_contain_text("3 of 3")
    expect(page.locator(".job-history-chart svg rect")).to_have_count(1)

    page.locator("#changelist-filter").get_by_role("link", name="Failed").click()
    expect(page.locator("#result_list")).to_have_count(0)
    expect(page.locator("p.paginator")).to_contain_text("0 tasks")

    page.goto(site.url + HISTORY)


def test_a_failed_run_shows_its_log_and_traceback(page, site):
    page.goto(site.url + JOBS)
    press(page, "boom", "run")
    expect(job_row(page, "boom").locator(".job-last")).to_contain_text("Failed", timeout=30_000)

    page.goto(site.url + HISTORY + "?task_name=boom&status__exact=failed")
    page.locator("#result_list tbody tr").first.locator("th a, td a").first.click()
    expect(page.locator(".job-status-failed")).to_be_visible()
    expect(page.locator("pre.task-error")).to_contain_text("the job blew up")
    expect(page.locator("pre.task-error")).to_contain_text("Traceback (most recent call last)")
    expect(page.locator("pre.task-log")).to_contain_text("boom Item two failed")
    expect(page.locator("pre.task-log")).to_contain_text("RuntimeError: the job blew up")

    page.get_by_role("link", name="(see the failed attempts of this run)").click()
    expect(page.locator("#result_list")).to_contain_text("Item two")
    page.goto(site.url + "/admin/scheduling/failedattempt/")
    expect(page.locator("#result_list")).to_contain_text("item two is broken")


def test_a_running_task_shows_live_progress_and_can_be_cancelled(page, site):
    page.goto(site.url + JOBS)
    press(page, "sleepy", "run")
    row = job_row(page, "sleepy")
    expect(row.locator(".task-progress")).to_be_visible(timeout=20_000)
    expect(row.locator(".progress-text")).to_contain_text(re.compile(r"[1-9]\d* of 40 items"))

    row.locator(".job-running a").first.click()
    progress = page.locator(".task-progress .progress-text")
    expect(progress).to_contain_text("of 40 items")
    # Progress moves without a reload: a mark left on the window survives.
    page.evaluate("window.stillTheSamePage = true")
    first = progress.inner_text()
    wait_until(lambda: progress.inner_text() != first, 15, "the progress text to move")
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_role("button", name="Cancel this run").click()
    expect(page.locator(".messagelist")).to_contain_text("Asked sleepy")
    # When the run ends the page reloads itself, showing the cancelled status.
    expect(page.locator(".job-status-cancelled")).to_be_visible(timeout=30_000)
    expect(page.locator("pre.task-log")).to_contain_text("Cancelled by request")


def test_the_book_list_and_the_schedule_form(page, site):
    page.goto(site.url + "/admin/catalog/book/")
    expect(page.locator("#result_list")).to_contain_text("Leviathan Wakes")
    page.locator("#changelist-filter").get_by_role("link", name="Has no release").click()
    expect(page.locator("#result_list")).not_to_contain_text("Leviathan Wakes")
    expect(page.locator("#result_list")).to_contain_text("Abaddon's Gate")
    page.goto(site.url + "/admin/catalog/book/")

    page.goto(site.url + JOBS + "mam_scraping/change/")
    field = page.locator("#id_schedule_override")
    field.fill("30 4 * * 0")
    expect(page.locator(".cron-preview")).to_contain_text("At 04:30, only on Sunday")
    field.fill("61 4 * * 0")
    expect(page.locator(".cron-preview")).to_contain_text("minute: 61 is outside 0-59")
