from datetime import UTC, datetime

import pytest

from catalog.clients.goodreads import GoodreadsClient, GoodreadsUnavailable, parse_position
from catalog.tests.fakes import (
    CHALLENGE_PAGE,
    goodreads_book_page,
    goodreads_series_page,
    react_element,
)


def test_a_book_page_gives_title_series_genres_and_identifiers(goodreads):
    goodreads.expect_request("/book/show/8855321").respond_with_data(
        goodreads_book_page(
            8855321,
            "Leviathan Wakes",
            author="James S.A. Corey",
            isbn13="9780316129084",
            series=("The Expanse", "1"),
            genres=["Science Fiction", "Space Opera"],
            pages=561,
            published=datetime(2011, 6, 2, tzinfo=UTC),
            asin="B004FN1T2G",
            description="<i>A</i> story",
        ),
        content_type="text/html",
    )
    record = GoodreadsClient().book_by_id(8855321)
    assert (record.title, record.authors) == ("Leviathan Wakes", ["James S.A. Corey"])
    assert (record.series_name, record.series_position) == ("The Expanse", "1")
    assert record.genres == ["Science Fiction", "Space Opera"]
    assert (record.isbn_13, record.asin, record.page_count) == ("9780316129084", "B004FN1T2G", 561)
    assert record.published_date == "2011-06-02"
    assert record.description == "A story"
    assert record.language == "en"


def test_a_book_is_found_by_isbn(goodreads):
    goodreads.expect_request("/book/isbn/9780316129084").respond_with_data(
        goodreads_book_page(1, "Leviathan Wakes", isbn13="9780316129084"), content_type="text/html"
    )
    assert GoodreadsClient().book_by_isbn("0316129089").goodreads_id == "1"


def test_a_challenge_page_is_goodreads_unavailable(goodreads):
    goodreads.expect_request("/book/show/1").respond_with_data(
        CHALLENGE_PAGE, content_type="text/html"
    )
    with pytest.raises(GoodreadsUnavailable):
        GoodreadsClient().book_by_id(1)


@pytest.mark.parametrize("status", [202, 403])
def test_a_202_or_403_without_data_is_goodreads_unavailable(goodreads, status):
    goodreads.expect_request("/book/show/1").respond_with_data("", status=status)
    with pytest.raises(GoodreadsUnavailable):
        GoodreadsClient().book_by_id(1)


def test_a_changed_layout_is_goodreads_unavailable_not_a_crash(goodreads):
    goodreads.expect_request("/book/show/1").respond_with_data(
        '<script id="__NEXT_DATA__">{"props": {"somethingElse": 1}}</script>',
        content_type="text/html",
    )
    with pytest.raises(GoodreadsUnavailable):
        GoodreadsClient().book_by_id(1)


def test_a_missing_book_is_none(goodreads):
    goodreads.expect_request("/book/show/1").respond_with_data("gone", status=404)
    assert GoodreadsClient().book_by_id(1) is None


def test_a_series_spread_over_two_chunks_is_read_whole(goodreads):
    goodreads.expect_request("/series/40321").respond_with_data(
        goodreads_series_page(
            "The Expanse",
            [
                [
                    ("Book 1", 1, "Leviathan Wakes", "James S.A. Corey"),
                    ("Book 2", 2, "Caliban's War", "James S.A. Corey"),
                ],
                [
                    ("Book 2.5", 25, "Gods of Risk", "James S.A. Corey"),
                    ("Books 1-3", 123, "The Expanse Boxed Set", "James S.A. Corey"),
                ],
            ],
        ),
        content_type="text/html",
    )
    listing = GoodreadsClient().series(40321)
    assert listing.title == "The Expanse"
    assert [e.title for e in listing.entries] == [
        "Leviathan Wakes",
        "Caliban's War",
        "Gods of Risk",
        "The Expanse Boxed Set",
    ]
    assert [(e.is_fractional, e.is_omnibus) for e in listing.entries] == [
        (False, False),
        (False, False),
        (True, False),
        (False, True),
    ]
    assert listing.entries[1].book_id == "2"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Book 1", ("1", 1.0, False, False)),
        ("Book 1.5", ("1.5", 1.5, False, True)),
        ("Books 1-3", ("1-3", 1.0, True, False)),
        ("", ("", None, False, False)),
        ("Novella", ("", None, False, False)),
    ],
)
def test_series_headers_give_positions(header, expected):
    assert parse_position(header) == expected


def test_a_series_page_without_a_list_is_goodreads_unavailable(goodreads):
    goodreads.expect_request("/series/1").respond_with_data(
        "<html><body>new design</body></html>", content_type="text/html"
    )
    with pytest.raises(GoodreadsUnavailable):
        GoodreadsClient().series(1)


def test_series_books_without_headers_are_kept_unnumbered(goodreads):
    books = [{"book": {"bookId": "1", "bookTitleBare": "Prequel"}}, {"book": {"bookId": "2"}}]
    goodreads.expect_request("/series/7").respond_with_data(
        "<html><body>"
        + react_element("ReactComponents.SeriesHeader", {"title": "Loose"})
        + react_element("ReactComponents.SeriesList", {"series": books})
        + "</body></html>",
        content_type="text/html",
    )
    entries = GoodreadsClient().series(7).entries
    assert [(e.book_id, e.position_text, e.position) for e in entries] == [
        ("1", "", None),
        ("2", "", None),
    ]


@pytest.mark.parametrize(
    ("image", "cover"),
    [
        ("https://images.example/1.jpg", "https://images.example/1.jpg"),
        ("http://images.example/1.jpg", ""),
        ("data:image/png;base64,AAAA", ""),
    ],
    ids=["https kept", "http dropped", "data dropped"],
)
def test_a_goodreads_cover_link_is_https_or_nothing(goodreads, image, cover):
    page = goodreads_book_page(1, "Leviathan Wakes").replace("https://images.example/1.jpg", image)
    goodreads.expect_request("/book/show/1").respond_with_data(page, content_type="text/html")
    assert GoodreadsClient().book_by_id(1).cover_url == cover
