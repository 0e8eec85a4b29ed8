import json

import pytest
from werkzeug import Response

from catalog.clients.http import BadResponse, RateLimited, SessionExpired
from catalog.clients.mam import MamClient, decode_names, decode_series, parse_size
from catalog.tests.fakes import mam_item, mam_page

pytestmark = pytest.mark.django_db


def test_it_decodes_authors_narrators_and_series_from_json_strings(mam):
    mam.items = [
        mam_item(
            1,
            "A Wizard of Earthsea",
            authors=["Ursula K. Le Guin"],
            narrators=["Rob Inglis"],
            series=[("Earthsea", "1")],
        )
    ]
    torrent = MamClient().search().results[0]
    assert torrent.authors == ["Ursula K. Le Guin"]
    assert torrent.narrators == ["Rob Inglis"]
    assert torrent.series == [("Earthsea", "1")]


@pytest.mark.parametrize("value", ["", None, "{}", "not json"])
def test_empty_or_null_series_info_gives_no_series(value):
    assert decode_series(value) == []


@pytest.mark.parametrize("position", ["", "1.5", "1-3"])
def test_series_positions_are_kept_as_written(position):
    assert decode_series(json.dumps({"9": ["Earthsea", position]})) == [("Earthsea", position)]


def test_null_author_info_gives_no_authors():
    assert decode_names(None) == []


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("412.3 MiB", int(412.3 * 1024**2)),
        ("1.2 GiB", int(1.2 * 1024**3)),
        ("900 KiB", 900 * 1024),
        ("junk", None),
    ],
)
def test_sizes_become_bytes(text, size):
    assert parse_size(text) == size


def test_added_is_an_aware_utc_datetime(mam):
    mam.items = [mam_item(1, "Dune")]
    added = MamClient().search().results[0].added
    assert added.utcoffset().total_seconds() == 0
    assert added.strftime("%Y-%m-%d %H:%M:%S") == mam.items[0]["added"]


def test_nothing_returned_is_an_empty_page_not_an_error(mam):
    page = MamClient().search(text="no such book")
    assert page.results == [] and page.found == 0


def test_it_searches_only_the_audiobook_category_with_the_asked_sort(mam):
    MamClient().search(text="dune", category=41, sort="snatchedDesc", per_page=10)
    asked = mam.searches[0]
    assert asked["tor[main_cat][]"] == ["13"]
    assert asked["tor[cat][]"] == ["41"]
    assert asked["tor[sortType]"] == ["snatchedDesc"]
    assert asked["perpage"] == ["10"]


def test_an_expired_session_is_a_clear_permanent_error(mam):
    mam.expired = True
    with pytest.raises(SessionExpired) as error:
        MamClient().search()
    assert str(error.value) == (
        "MyAnonamouse refused the session (HTTP 403: the session expired or is invalid): "
        "set a new mam_id on the admin's MyAnonamouse session page (or in MAM_SESSION_ID)"
    )
    assert error.value.permanent


def test_an_ip_mismatch_says_so(mam):
    mam.server.clear()
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_data("no", status=401)
    with pytest.raises(SessionExpired, match="does not match this IP"):
        MamClient().search()


def test_an_html_page_instead_of_json_is_reported_as_an_expired_session(mam):
    mam.server.clear()
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_data(
        "<!DOCTYPE html><html><body>Login</body></html>", content_type="text/html"
    )
    with pytest.raises(SessionExpired, match="web page, not JSON.*MAM_SESSION_ID"):
        MamClient().search()


def test_too_fast_is_rate_limited(mam):
    mam.server.clear()
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "30"}
    )
    with pytest.raises(RateLimited) as error:
        MamClient().search()
    assert error.value.retry_after == 30 and not error.value.permanent


def test_no_session_setting_fails_without_a_request(mam, settings):
    settings.MAM_SESSION_ID = ""
    with pytest.raises(SessionExpired, match="MAM_SESSION_ID"):
        MamClient().search()
    assert mam.searches == []


def test_the_session_cookie_never_appears_in_an_error(mam, settings):
    settings.MAM_SESSION_ID = "secret-cookie-value-123"
    mam.session = "secret-cookie-value-123"
    mam.server.clear()
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_data("x", status=500)
    with pytest.raises(Exception) as error:
        MamClient().search()
    assert "secret-cookie-value-123" not in str(error.value)


def test_negative_and_huge_counts_are_clamped(mam):
    mam.items = [mam_item(1, "Dune", seeders=-5, snatched=10**30)]
    torrent = MamClient().search().results[0]
    assert torrent.seeders == 0
    assert torrent.times_completed == 2**31 - 1


def test_an_unreadable_added_date_is_none(mam):
    mam.items = [mam_item(1, "Dune", added=None) | {"added": "0000-00-00 00:00:00"}]
    assert MamClient().search().results[0].added is None


def test_a_torrent_is_downloaded_as_bytes_with_the_session(mam):
    mam.items = [mam_item(7, "Dune")]
    body = MamClient().download_torrent(7)
    assert body.startswith(b"d") and mam.downloads == [7]


def test_a_download_answered_with_a_login_page_is_an_expired_session(mam):
    mam.server.clear()
    mam.server.expect_request("/tor/download.php").respond_with_handler(
        lambda request: Response("<html><body>login</body></html>", content_type="text/html")
    )
    with pytest.raises(SessionExpired):
        MamClient().download_torrent(7)


def test_a_search_refusal_other_than_no_results_is_a_bad_response(mam):
    mam.server.clear()
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_json(
        {"error": "Invalid search"}
    )
    with pytest.raises(BadResponse, match="Invalid search"):
        MamClient().search()


def test_a_page_reports_the_hits_of_the_whole_search_as_found(mam):
    mam.items = [mam_item(i, f"Book {i}") for i in range(30)]
    page = MamClient().search(per_page=10, start=10)
    assert page.found == 30 and len(page.results) == 10 and page.start == 10


def test_a_page_shaped_like_providers_md_parses(mam):
    mam.server.clear()
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_json(
        mam_page([mam_item(5, "Dune", series=[("Dune", "1")])], found=1)
    )
    assert MamClient().search().results[0].series == [("Dune", "1")]


def test_iter_search_pages_until_every_result_is_read(mam):
    mam.items = [mam_item(i, f"Book {i}") for i in range(1, 24)]
    pages = list(MamClient().iter_search(per_page=10, sort="titleAsc"))
    assert [len(page.results) for page in pages] == [10, 10, 3]
    assert [s["tor[startNumber]"] for s in mam.searches] == [["0"], ["10"], ["20"]]


def test_iter_search_reads_past_the_first_page_of_a_live_shaped_answer(mam):
    mam.server.clear()
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_json(
        # As captured live: total is this page's rows, found the hits of the whole search.
        {"perpage": 5, "start": 0, "total": 5, "found": 12, "data": [mam_item(1, "A")] * 5}
    )
    pages = list(MamClient().iter_search(per_page=5, max_pages=10))
    assert len(pages) == 3


def test_iter_search_stops_on_a_short_page(mam):
    mam.server.clear()
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_json(
        mam_page([mam_item(i, f"Book {i}") for i in range(1, 4)], found=1000, perpage=10)
    )
    pages = list(MamClient().iter_search(per_page=10))
    assert len(pages) == 1 and len(mam.server.log) == 1


def test_iter_search_of_nothing_asks_once(mam):
    assert [page.results for page in MamClient().iter_search(text="nothing")] == [[]]
    assert len(mam.searches) == 1


def test_iter_search_steps_over_unusable_items_without_asking_for_them_again(mam):
    mam.items = [mam_item(i, f"Book {i}") for i in range(1, 16)]
    mam.items[3]["id"] = "not a number"
    pages = list(MamClient().iter_search(per_page=10, sort="titleAsc"))
    assert sum(len(page.results) for page in pages) == 14
    assert [s["tor[startNumber]"] for s in mam.searches] == [["0"], ["10"]]


def test_iter_search_stops_when_mam_ignores_the_offset(mam):
    mam.server.clear()
    mam.server.expect_request("/tor/js/loadSearchJSONbasic.php").respond_with_json(
        mam_page([mam_item(i, f"Book {i}") for i in range(1, 6)], found=1000)
    )
    pages = list(MamClient().iter_search(per_page=5, max_pages=3))
    assert len(pages) == 3 and len(mam.server.log) == 3
