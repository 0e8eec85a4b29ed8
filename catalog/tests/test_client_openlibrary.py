from catalog.clients.openlibrary import OpenLibraryClient
from catalog.tests.fakes import openlibrary_search, openlibrary_works


def test_an_authors_works_are_read_page_by_page(openlibrary):
    first = [f"Work {i}" for i in range(100)]
    openlibrary.expect_request(
        "/authors/OL1A/works.json", query_string="limit=100&offset=0"
    ).respond_with_json(openlibrary_works(first, size=130))
    openlibrary.expect_request(
        "/authors/OL1A/works.json", query_string="limit=100&offset=100"
    ).respond_with_json(
        openlibrary_works([f"Work {i}" for i in range(100, 130)], size=130, offset=100)
    )
    works = OpenLibraryClient().author_works("OL1A")
    assert len(works) == 130 and works[-1].title == "Work 129"


def test_search_gives_titles_with_languages(openlibrary):
    openlibrary.expect_request("/search.json").respond_with_json(
        openlibrary_search(
            [
                {
                    "key": "/works/OL1W",
                    "title": "Dune",
                    "author_name": ["Frank Herbert"],
                    "author_key": ["OL79034A"],
                    "first_publish_year": 1965,
                    "language": ["eng", "ger"],
                    "isbn": ["9780441013593"],
                }
            ]
        )
    )
    work = OpenLibraryClient().search(author="Frank Herbert")[0]
    assert (work.title, work.languages, work.first_publish_year) == ("Dune", ["eng", "ger"], 1965)


def test_an_author_id_is_found_by_name(openlibrary):
    openlibrary.expect_request("/search.json").respond_with_json(
        openlibrary_search(
            [
                {
                    "author_name": ["Brian Herbert", "Frank Herbert"],
                    "author_key": ["OL2A", "OL79034A"],
                }
            ]
        )
    )
    assert OpenLibraryClient().find_author_id("Herbert, Frank") == "OL79034A"


def test_the_requests_identify_the_project(openlibrary, settings):
    openlibrary.expect_request("/search.json").respond_with_json(openlibrary_search([]))
    OpenLibraryClient().search(title="Dune")
    assert openlibrary.log[0][0].headers["User-Agent"] == settings.HTTP_USER_AGENT
