"""The release calendar and a series' books in order, in a real browser."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_the_release_calendar_shows_whats_coming_by_month(page, site):
    page.goto(site.url + "/admin/")
    page.get_by_role("link", name="Release calendar").click()
    expect(page.locator("h1")).to_have_text("Release calendar")
    books = page.locator("tr.announced-book")
    expect(books).to_have_count(3)
    first = books.first
    expect(first).to_contain_text("The Last Light")
    expect(first).to_contain_text("The Expanse #10")
    expect(first).to_contain_text("James S. A. Corey")
    expect(first).to_contain_text("Jefferson Mays")
    assert page.locator(".month").count() >= 2


def test_a_series_page_shows_its_books_in_order_with_what_is_missing(page, site):
    page.goto(site.url + "/admin/catalog/series/")
    page.locator("tr", has_text="The Expanse").get_by_role("link", name="books in order").click()
    rows = page.locator("tr.series-book")
    statuses = [rows.nth(n).get_attribute("data-status") for n in range(rows.count())]
    assert statuses == [
        "owned",
        "owned",
        "wanted",
        "downloading",
        *["gap"] * 5,
        "announced",
        "announced",
    ]
    expect(page.locator(".summary")).to_contain_text("5 not in the library")
    page.locator("tr.series-book", has_text="The Last Light").get_by_role("link").click()
    expect(page.locator("#id_title")).to_have_value("The Last Light")
    page.go_back()
