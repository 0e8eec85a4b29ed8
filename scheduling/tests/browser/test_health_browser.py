"""A fresh install, as a new user meets it: the dashboard names what to set up, each
setting made right clears its problem, and a Test button asks the service once."""

import pytest

from scheduling.tests.browser.conftest import (
    PASSWORD,
    USERNAME,
    _answers,
    _free_port,
    logged_in,
)
from scheduling.tests.processes import Process, ProcessDatabase, manage, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


class FreshInstall:
    """An empty database and runserver; the scheduler and settings come as the test says."""

    def __init__(self, tmp, env):
        self.tmp, self.db = tmp, ProcessDatabase(tmp)
        self.env = {**self.db.env, "DEBUG": "true", "EXTRA_JOBS": "", **env}
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = self.scheduler = None
        manage(
            "createsuperuser",
            "--no-input",
            f"--username={USERNAME}",
            "--email=admin@example.com",
            env={**self.env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
            check=True,
        )

    def serve(self, **settings):
        """(Re)start runserver with these settings added: as a user edits .env and restarts."""
        if self.server:
            self.server.stop(timeout=10)
        self.env.update(settings)
        args = ("runserver", "--noreload", f"127.0.0.1:{self.port}")
        self.server = Process(*args, env=self.env, log_dir=self.tmp)
        wait_until(lambda: _answers(f"{self.url}/healthz"), 60, "runserver to answer")

    def start_scheduler(self):
        self.scheduler = Process("runscheduler", env=self.env, log_dir=self.tmp)
        self.scheduler.wait_for_output("Leader", timeout=60)

    def stop(self):
        for process in (self.scheduler, self.server):
            if process:
                process.stop(timeout=20)
        self.db.drop()


@pytest.fixture
def fresh(tmp_path, fake_qbittorrent_server):
    from catalog.tests.fakes.qbittorrent import PASSWORD as QBIT_PASSWORD
    from catalog.tests.fakes.qbittorrent import USERNAME as QBIT_USERNAME

    install = FreshInstall(
        tmp_path,
        {
            "MAM_SESSION_ID": "",
            "LIBRARY_PATHS": "",
            "QBITTORRENT_URL": fake_qbittorrent_server.url,
            "QBITTORRENT_USERNAME": QBIT_USERNAME,
            "QBITTORRENT_PASSWORD": QBIT_PASSWORD,
        },
    )
    install.serve()
    yield install
    install.stop()


def attention_item(page, service):
    return page.locator(f'#attention [data-service="{service}"]')


def test_a_fresh_install_shows_what_to_set_up_and_each_setting_clears_its_problem(
    browser, fresh, tmp_path
):
    page = logged_in(browser, fresh)
    expect(attention_item(page, "mam")).to_contain_text("MyAnonamouse has no session")
    expect(attention_item(page, "library")).to_contain_text("LIBRARY_PATHS is not set")
    expect(attention_item(page, "scheduler")).to_contain_text("no scheduler is running")
    jobs = page.locator("#dashboard-jobs")
    expect(jobs.locator('[data-job="mam_scraping"] .badge-setup')).to_be_visible()

    # MyAnonamouse: a cookie pasted on its admin page (no setting, no restart).
    page.goto(fresh.url + "/admin/catalog/servicesession/")
    page.fill("#id_cookie", "a-fresh-mam-id")
    page.get_by_role("button", name="Store the new cookie").click()
    page.goto(fresh.url + "/admin/")
    expect(attention_item(page, "mam")).to_have_count(0)
    expect(jobs.locator('[data-job="mam_scraping"] .badge-setup')).to_have_count(0)

    # The scheduler: started.
    fresh.start_scheduler()
    page.reload()
    expect(attention_item(page, "scheduler")).to_have_count(0)

    # The library: LIBRARY_PATHS set to a folder that exists, and the site restarted.
    shelf = tmp_path / "audiobooks"
    shelf.mkdir()
    fresh.serve(LIBRARY_PATHS=str(shelf))
    page.goto(fresh.url + "/admin/")
    expect(attention_item(page, "library")).to_have_count(0)
    expect(page.locator("#attention .health-all-well")).to_be_visible()
    page.context.close()


def test_the_test_button_records_an_answer_and_a_refusal(browser, fresh, fake_qbittorrent_server):
    page = logged_in(browser, fresh)
    services = page.locator("#services")
    services.locator('[data-test="qbittorrent"]').click()
    expect(page.locator(".messagelist")).to_contain_text("logged in, qBittorrent v5.2.0")
    expect(services.locator('[data-service="qbittorrent"]')).to_contain_text("OK")

    fake_qbittorrent_server.password = "changed-in-qbittorrent"
    try:
        page.locator('#services [data-test="qbittorrent"]').click()
        expect(page.locator(".messagelist")).to_contain_text("login refused")
        item = attention_item(page, "qbittorrent")
        expect(item).to_contain_text("Problem")
        expect(item).to_contain_text("QBITTORRENT_PASSWORD")
    finally:
        from catalog.tests.fakes.qbittorrent import PASSWORD as QBIT_PASSWORD

        fake_qbittorrent_server.password = QBIT_PASSWORD
    page.context.close()
