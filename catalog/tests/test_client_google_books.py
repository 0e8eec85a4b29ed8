import pytest

from catalog.clients.google_books import GoogleBooksClient
from catalog.clients.http import RateLimited, ServiceError
from catalog.tests.fakes import google_rate_limited, google_volume, google_volumes

ISBN = "9780316129084"


def test_it_finds_a_volume_by_isbn_and_maps_it(google):
    google.volumes = [
        google_volume(
            "gb1",
            "Leviathan Wakes",
            ["James S. A. Corey"],
            isbn13="9780316129084",
            publishedDate="2011-06",
            pageCount=592,
            publisher="Orbit",
            description="<p>Humanity has <b>colonized</b> the solar system.</p>",
        )
    ]
    record = GoogleBooksClient().find_by_isbn("978-0-316-12908-4")
    assert (record.title, record.authors, record.isbn_13) == (
        "Leviathan Wakes",
        ["James S. A. Corey"],
        "9780316129084",
    )
    assert record.isbn_10 == "0316129089"
    assert record.published_date == "2011-06"
    assert record.description == "Humanity has colonized the solar system."
    assert record.cover_url == "https://books.example/gb1.jpg"
    assert record.google_books_id == "gb1"


def test_absent_items_mean_no_match(google):
    assert GoogleBooksClient().find_by_isbn("9780316129084") is None


def test_a_malformed_isbn_asks_nothing(google):
    assert GoogleBooksClient().find_by_isbn("12345") is None
    assert google.queries == []


def test_missing_volume_info_fields_are_left_empty(google):
    google.server.clear()
    google.server.expect_request("/volumes").respond_with_json(
        google_volumes([{"id": "x", "volumeInfo": {"title": "Bare"}}])
    )
    record = GoogleBooksClient().search("Bare")[0]
    assert (record.authors, record.isbn_13, record.page_count, record.published_date) == (
        [],
        "",
        None,
        "",
    )


def test_search_asks_by_title_and_author(google):
    GoogleBooksClient().search("Dune", "Frank Herbert")
    assert google.queries == ['intitle:"Dune" inauthor:"Frank Herbert"']


def test_the_api_key_is_sent_only_when_configured(google, settings):
    GoogleBooksClient().search("Dune")
    assert "key" not in google.server.log[-1][0].args
    settings.GOOGLE_BOOKS_API_KEY = "the-key"
    GoogleBooksClient().search("Dune")
    assert google.server.log[-1][0].args["key"] == "the-key"


def test_a_429_with_retry_after_is_rate_limited_after_the_retries(google, settings, sleeps):
    settings.HTTP_RETRIES = 2
    google.server.clear()
    google.server.expect_request("/volumes").respond_with_json(
        google_rate_limited(), status=429, headers={"Retry-After": "7"}
    )
    with pytest.raises(RateLimited) as error:
        GoogleBooksClient().search("Dune")
    assert error.value.retry_after == 7
    assert sleeps == [7, 7]
    assert len(google.server.log) == 3


def test_a_quota_error_in_the_body_is_rate_limited(google):
    google.server.clear()
    google.server.expect_request("/volumes").respond_with_json(google_rate_limited())
    with pytest.raises(RateLimited):
        GoogleBooksClient().search("Dune")


def test_partial_dates_are_kept_and_junk_dates_dropped(google):
    google.volumes = [
        google_volume("a", "Dune", publishedDate="1965"),
        google_volume("b", "Dune Messiah", publishedDate="circa 1969"),
    ]
    records = GoogleBooksClient().search("Dune")
    assert [r.published_date for r in records] == ["1965", ""]


def test_the_api_key_never_appears_in_an_error(google, settings):
    settings.GOOGLE_BOOKS_API_KEY = "AIzaSy-secret-key-0042"
    google.server.clear()
    google.server.expect_request("/volumes").respond_with_data("bad key", status=400)
    with pytest.raises(ServiceError) as error:
        GoogleBooksClient().search("Dune")
    assert "AIzaSy-secret-key-0042" not in str(error.value)
    assert google.server.log[0][0].args["key"] == "AIzaSy-secret-key-0042"


@pytest.mark.parametrize(
    ("thumbnail", "cover"),
    [
        (
            "http://books.google.com/books/content?id=gb1",
            "https://books.google.com/books/content?id=gb1",
        ),
        (
            "https://books.google.com/books/content?id=gb1",
            "https://books.google.com/books/content?id=gb1",
        ),
        ("javascript:alert(1)", ""),
        ("//books.google.com/x.jpg", ""),
    ],
    ids=["http upgraded", "https kept", "a script dropped", "no scheme dropped"],
)
def test_a_cover_link_is_https_or_nothing(google, thumbnail, cover):
    google.volumes = [
        google_volume(
            "gb1", "Leviathan Wakes", isbn13="9780316129084", imageLinks={"thumbnail": thumbnail}
        )
    ]
    assert GoogleBooksClient().find_by_isbn(ISBN).cover_url == cover
