"""The bench's fake Audible catalog, Audnexus and Hardcover, answering from bench/world.py
with the test suite's payload builders (catalog/tests/fakes/), which follow PROVIDERS-DETAIL.md."""

import json

from bench.fake_answers import Answer, Service
from catalog.tests.fakes import audible_product, audnexus_book, hardcover_book, hardcover_edition


def _product(book):
    """The world's book as Audible sells it."""
    return audible_product(
        book.asin,
        book.title,
        [book.author],
        [f"{book.author.split()[0]} Reader"],
        series=book.series or None,
        release_date=f"{1990 + book.number % 35}-05-17",
        runtime=300 + book.number % 900,
    )


class Audible(Service):
    """/1.0/catalog/products: a title search finds the book, an author search (completion's
    newest releases) finds none of the metadata world's books."""

    name = "audible"

    def __init__(self, books):
        self.by_title = {b.title.lower(): b for b in books if b.audible_knows}

    def answer(self, method, path, query, body):
        if path != "/1.0/catalog/products":
            return Answer({"message": "Not found"}, status=404)
        book = self.by_title.get(query.get("title", [""])[0].strip().lower())
        return Answer({"products": [_product(book)] if book else [], "total_results": 1})


class Audnexus(Service):
    name = "audnexus"

    def __init__(self, books):
        self.by_asin = {b.asin: b for b in books if b.audnexus_knows}

    def answer(self, method, path, query, body):
        book = self.by_asin.get(path.rsplit("/", 1)[-1]) if path.startswith("/books/") else None
        if book is None:
            region = query.get("region", ["us"])[0]
            error = {
                "code": "REGION_UNAVAILABLE",
                "message": f"Item not available in region '{region}' for ASIN: {path[7:]}",
                "details": None,
            }
            return Answer({"error": error}, status=404)
        return Answer(audnexus_book(_product(book)))


class Hardcover(Service):
    """The GraphQL endpoint, for the one query the metadata job sends (editions by ISBN)."""

    name = "hardcover"

    def __init__(self, books):
        self.by_isbn = {b.isbn13: b for b in books}

    def answer(self, method, path, query, body):
        request = json.loads(body or b"{}")
        if "editions(" not in request.get("query", ""):
            return Answer({"errors": [{"message": "the bench serves editions only"}]})
        isbns = request.get("variables", {}).get("isbns") or []
        book = next((self.by_isbn[i] for i in isbns if i in self.by_isbn), None)
        editions = []
        if book:
            series = (book.series[0], float(book.series[1])) if book.series else None
            found = hardcover_book(
                book.number,
                book.title,
                [book.author],
                isbn13=book.isbn13,
                series=series,
                audio_seconds=60 * (300 + book.number % 900),
                audio_release_date=f"{1990 + book.number % 35}-05-17",
            )
            editions = [hardcover_edition(found)]
        return Answer({"data": {"editions": editions}})
