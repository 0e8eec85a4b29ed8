"""A realistic library with the real jobs: the pages fit the screen, the dashboard's counts
are the library's, and the README's screenshots are taken from it (SAVE_SCREENSHOTS=1)."""

import pytest

from scheduling.tests.browser.conftest import logged_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDE, PHONE = 1280, 390
LISTS = {
    "jobs": "/admin/scheduling/jobcontrol/",
    "tasks": "/admin/scheduling/task/",
    "books": "/admin/catalog/book/",
    "downloads": "/admin/catalog/download/",
}
# What the page would need to show without a horizontal scroll bar: the document's width
# and that of every box that scrolls sideways by itself (Django's .results does).
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter(element => {
        const style = getComputedStyle(element);
        const scrolls = ['auto', 'scroll'].includes(style.overflowX);
        return scrolls && element.scrollWidth > element.clientWidth + 1;
    }).map(element => element.tagName + '.' + element.className);
    return {width, scrollWidth: document.documentElement.scrollWidth, wide};
}"""


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture(scope="module")
def wide(browser, library_site):
    tab = logged_in(browser, library_site, width=WIDE)
    yield tab
    tab.context.close()


@pytest.fixture(scope="module")
def phone(browser, library_site):
    tab = logged_in(browser, library_site, width=PHONE, height=844)
    yield tab
    tab.context.close()


def fits(tab):
    measured = tab.evaluate(OVERFLOW)
    return measured["scrollWidth"] <= measured["width"] and not measured["wide"], measured


@pytest.mark.parametrize("name", [*LISTS, "dashboard"])
def test_the_page_fits_1280_pixels_without_a_horizontal_scroll(wide, library_site, name):
    wide.goto(library_site.url + LISTS.get(name, "/admin/"))
    ok, measured = fits(wide)
    assert ok, measured


@pytest.mark.parametrize("name", ["dashboard", "jobs"])
def test_the_page_fits_a_phone(phone, library_site, name):
    phone.goto(library_site.url + LISTS.get(name, "/admin/"))
    ok, measured = fits(phone)
    assert ok, measured


def test_a_long_reason_is_cut_with_the_full_text_on_hover(wide, library_site):
    wide.goto(library_site.url + LISTS["downloads"] + "?status__exact=import_blocked")
    reason = wide.locator("td.field-where_or_why span")
    assert reason.get_attribute("title").endswith("check the torrent's files in qBittorrent")


def test_the_dashboard_counts_are_the_librarys(wide, library_site):
    counted = dict(
        library_site.db.query("SELECT status, COUNT(*) FROM catalog_book GROUP BY status")
    )
    blocked = library_site.db.query(
        "SELECT COUNT(*) FROM catalog_download WHERE status = ?", ("import_blocked",)
    )[0][0]
    wide.goto(library_site.url + "/admin/")

    def shown(name):
        return int(wide.locator(f'[data-count="{name}"]').inner_text())

    assert shown("books") == sum(counted.values())
    for status in ("owned", "wanted", "downloading", "announced", "discovered"):
        assert shown(f"books-{status}") == counted.get(status, 0), status
    assert shown("import-blocked") == blocked == 1


def test_the_dashboard_says_first_what_needs_attention(wide, library_site, screenshot):
    wide.goto(library_site.url + "/admin/")
    attention = wide.locator("#attention")
    expect(attention.locator('[data-service="goodreads"]')).to_contain_text("Problem")
    expect(attention.locator('[data-service="goodreads"]')).to_contain_text(
        "GOODREADS_REQUESTS_PER_SECOND"
    )
    expect(attention.locator('[data-service="mam"]')).to_have_count(0)
    screenshot(wide, "dashboard")


def test_the_readme_link_of_a_problem_opens_its_section(wide, library_site):
    wide.goto(library_site.url + "/admin/")
    wide.locator('#attention [data-service="goodreads"] .health-readme').click()
    expect(wide.locator("#conduct-toward-outside-services")).to_be_visible()


def test_screenshots_of_the_main_pages(wide, phone, library_site, screenshot):
    """The README's pictures, from this realistic library (SAVE_SCREENSHOTS=1 to refresh)."""
    phone.goto(library_site.url + "/admin/")
    screenshot(phone, "dashboard-phone")
    pages = {
        "jobs": LISTS["jobs"],
        "task-history": LISTS["tasks"],
        "books": LISTS["books"],
        "downloads": LISTS["downloads"],
        "health": "/admin/scheduling/servicecheck/",
        "failed-attempts": "/admin/scheduling/failedattempt/",
    }
    for name, path in pages.items():
        wide.goto(library_site.url + path)
        screenshot(wide, name, full_page=name not in ("task-history", "books"))
    wide.goto(library_site.url + LISTS["tasks"] + "?task_name=mam_scraping&status__exact=failed")
    wide.locator("#result_list tbody tr").first.locator("th a, td a").first.click()
    expect(wide.locator("pre.task-error")).to_contain_text("HTTP 503")
    screenshot(wide, "task-detail")
    wide.goto(library_site.url + "/admin/")
    wide.get_by_role("link", name="Release calendar").click()
    expect(wide.locator("tr.announced-book").first).to_contain_text("Children of Strife")
    screenshot(wide, "release-calendar")
    wide.goto(library_site.url + "/admin/catalog/series/")
    wide.locator("tr", has_text="The Expanse").get_by_role("link", name="books in order").click()
    expect(wide.locator("tr.series-book").first).to_contain_text("Leviathan Wakes")
    screenshot(wide, "series-books")
