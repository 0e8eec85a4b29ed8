"""Audible's catalog search and Audnexus against fakes that answer as PROVIDERS-DETAIL.md says."""

import pytest

from catalog.clients.audible import AudibleClient
from catalog.clients.audnexus import AsinUnavailable, AudnexusClient
from catalog.clients.http import BadResponse, RateLimited
from catalog.tests.fakes import audible_product

LEVIATHAN = audible_product(
    "B073H9PF2D",
    "Leviathan Wakes",
    ["James S. A. Corey"],
    ["Jefferson Mays"],
    series=("The Expanse", "Book 1"),
    release_date="2011-06-15",
    runtime=1157,
)
STANDALONE = audible_product("B0036I54I6", "The Martian", ["Andy Weir"], ["R. C. Bray"])


def test_audnexus_gives_narrators_runtime_series_and_release_date(audnexus):
    audnexus.add(LEVIATHAN)
    record = AudnexusClient().book("B073H9PF2D")
    assert (record.source, record.title, record.narrators) == (
        "audible",
        "Leviathan Wakes",
        ["Jefferson Mays"],
    )
    assert (record.runtime_minutes, record.release_date) == (1157, "2011-06-15")
    assert (record.series_name, record.series_position) == ("The Expanse", "1")
    assert record.abridged is False
    assert record.language == "en"
    assert record.genres == ["Science Fiction & Fantasy"]  # tags are not genres


def test_a_book_without_series_has_no_series_key_and_no_series(audnexus):
    audnexus.add(STANDALONE)
    assert "seriesPrimary" not in audnexus.regions["us"]["B0036I54I6"]
    record = AudnexusClient().book("B0036I54I6")
    assert (record.series_name, record.series_position) == ("", "")


def test_a_book_of_another_region_is_a_regional_miss_naming_the_region(audnexus, settings):
    audnexus.add(LEVIATHAN, region="uk")
    with pytest.raises(AsinUnavailable) as miss:
        AudnexusClient().book("B073H9PF2D")
    assert miss.value.code == "REGION_UNAVAILABLE"
    assert "region 'us'" in str(miss.value)
    settings.AUDIBLE_REGION = "uk"
    assert AudnexusClient().book("B073H9PF2D").title == "Leviathan Wakes"


def test_a_delisted_book_is_a_miss_with_its_own_reason(audnexus):
    audnexus.add(LEVIATHAN)
    audnexus.delisted.add("B073H9PF2D")
    with pytest.raises(AsinUnavailable) as miss:
        AudnexusClient().book("B073H9PF2D")
    assert miss.value.code == "PRODUCT_DELISTED"


def test_a_podcast_asin_is_not_a_book(audnexus):
    audnexus.podcasts.add("B08K56V638")
    with pytest.raises(AsinUnavailable) as miss:
        AudnexusClient().book("B08K56V638")
    assert miss.value.code == "CONTENT_TYPE_MISMATCH"


def test_a_malformed_asin_is_never_sent(audnexus):
    assert AudnexusClient().book("not-an-asin") is None
    assert audnexus.requests == []


def test_audnexus_rate_limit_is_a_rate_limited_error(service_server, settings):
    server = service_server()
    settings.AUDNEXUS_URL = server.url_for("").rstrip("/")
    server.expect_request("/books/B073H9PF2D").respond_with_json(
        {
            "error": {
                "code": "RATE_LIMIT_EXCEEDED",
                "message": "Rate limit reached. Please try again later.",
                "details": None,
            }
        },
        status=429,
    )
    with pytest.raises(RateLimited):
        AudnexusClient().book("B073H9PF2D")


def test_audible_search_finds_audiobooks_with_their_facts(audible):
    audible.products = [LEVIATHAN, STANDALONE]
    records = AudibleClient().search("Leviathan Wakes", "James S. A. Corey")
    assert [r.asin for r in records] == ["B073H9PF2D"]
    assert records[0].narrators == ["Jefferson Mays"]
    assert (records[0].series_name, records[0].series_position) == ("The Expanse", "1")
    assert audible.requests[0]["num_results"] == "10"
    assert "series" in audible.requests[0]["response_groups"]


def test_audible_leaves_podcasts_out_of_a_search(audible):
    podcast = audible_product(
        "B08K56V638", "Leviathan Wakes Podcast", content_delivery_type="PodcastParent"
    )
    audible.products = [podcast, LEVIATHAN]
    assert [r.asin for r in AudibleClient().search("Leviathan")] == ["B073H9PF2D"]


def test_an_asin_audible_does_not_sell_answers_a_stub_that_is_not_found(audible):
    audible.products = [LEVIATHAN]
    assert AudibleClient().product("B000000000") is None
    assert AudibleClient().product("B073H9PF2D").title == "Leviathan Wakes"


def test_audible_newest_lists_an_authors_latest_release_first(audible):
    coming = audible_product(
        "B0DX000001", "Book Nine", ["James S. A. Corey"], release_date="2031-02-01"
    )
    audible.products = [LEVIATHAN, coming]
    records = AudibleClient().newest("James S. A. Corey")
    assert [r.release_date for r in records] == ["2031-02-01", "2011-06-15"]
    assert audible.requests[0]["products_sort_by"] == "-ReleaseDate"


def test_audible_validation_error_is_a_bad_response(service_server, settings):
    server = service_server()
    settings.AUDIBLE_URL = server.url_for("").rstrip("/")
    server.expect_request("/1.0/catalog/products").respond_with_json(
        {"message": "1 validation error detected: Value '500' at 'numResults'"}, status=400
    )
    with pytest.raises(BadResponse):
        AudibleClient().search("Leviathan")


def test_the_region_picks_the_audible_host(monkeypatch):
    from audiobook_site import env

    monkeypatch.setenv("AUDIBLE_REGION", "uk")
    assert env.choice("AUDIBLE_REGION", "us", {"us": 1, "uk": 2}) == "uk"
    monkeypatch.setenv("AUDIBLE_REGION", "br")
    with pytest.raises(Exception, match="AUDIBLE_REGION"):
        env.choice("AUDIBLE_REGION", "us", {"us": 1, "uk": 2})
