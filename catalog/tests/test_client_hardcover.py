"""Hardcover's GraphQL API against a fake that answers as PROVIDERS-DETAIL.md §5 says."""

import pytest

from catalog.clients.hardcover import BY_ISBN, HardcoverClient, QueryRefused
from catalog.clients.http import AccessRefused, RateLimited
from catalog.tests.fakes import hardcover_book

LEVIATHAN = hardcover_book(
    428263,
    "Leviathan Wakes",
    ["James S. A. Corey"],
    isbn13="9780316129084",
    series=("The Expanse", 1.0),
    audio_seconds=69420,
    audio_release_date="2011-06-02",
)


def test_it_is_off_without_a_token(settings):
    settings.HARDCOVER_TOKEN = ""
    assert not HardcoverClient().enabled


def test_a_book_by_isbn_brings_its_series_and_audio_edition(hardcover):
    hardcover.books = [LEVIATHAN]
    record = HardcoverClient().book_by_isbn("0316129089")
    assert (record.source, record.title, record.authors) == (
        "hardcover",
        "Leviathan Wakes",
        ["James S. A. Corey"],
    )
    assert (record.series_name, record.series_position) == ("The Expanse", "1")
    assert (record.runtime_minutes, record.release_date) == (1157, "2011-06-02")


def test_an_unknown_isbn_is_no_answer(hardcover):
    assert HardcoverClient().book_by_isbn("9780316129060") is None


def test_a_title_search_reads_the_typesense_hits(hardcover):
    hardcover.books = [LEVIATHAN]
    records = HardcoverClient().search("Leviathan Wakes", "James S. A. Corey")
    assert [(r.title, r.series_name, r.series_position) for r in records] == [
        ("Leviathan Wakes", "The Expanse", "1")
    ]
    assert records[0].isbn_13 == "9780316129084"


def test_each_request_carries_one_top_level_query(hardcover):
    hardcover.books = [LEVIATHAN]
    client = HardcoverClient()
    client.book_by_isbn("9780316129084")
    client.search("Leviathan Wakes")
    assert hardcover.queries == [["editions"], ["search"]]


def test_the_fake_refuses_more_than_five_top_level_queries(hardcover):
    client = HardcoverClient()
    six = "query { " + " ".join(f"e{n}: editions(limit: 1) {{ id }}" for n in range(6)) + " }"
    with pytest.raises(QueryRefused, match="top_level_limit_exceeded"):
        client._query(six, {})
    assert BY_ISBN.count("editions(") == 1


def test_errors_with_http_200_are_a_refused_query(hardcover):
    with pytest.raises(QueryRefused, match="not found in type"):
        HardcoverClient()._query("query { no_such_field { id } }", {})


def test_a_refused_token_is_access_refused_and_never_shown(hardcover, settings):
    settings.HARDCOVER_TOKEN = "hc_pat_wrong-token-5678"
    with pytest.raises(AccessRefused) as refused:
        HardcoverClient().book_by_isbn("9780316129084")
    assert "HARDCOVER_TOKEN" in str(refused.value)
    assert "wrong-token" not in str(refused.value)


def test_a_429_waits_for_retry_after_and_then_answers(hardcover, settings, sleeps):
    settings.HTTP_RETRIES = 2
    hardcover.books = [LEVIATHAN]
    hardcover.throttle = [7]
    assert HardcoverClient().book_by_isbn("9780316129084").title == "Leviathan Wakes"
    assert sleeps == [7]


def test_a_429_beyond_the_retries_is_rate_limited_with_its_retry_after(hardcover, sleeps):
    hardcover.throttle = [30]
    with pytest.raises(RateLimited) as limited:
        HardcoverClient().book_by_isbn("9780316129084")
    assert limited.value.retry_after == 30
