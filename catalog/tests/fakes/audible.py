"""Audible's catalog API and Audnexus, answering as PROVIDERS-DETAIL.md §3 and §4 say.

audible_product() and audnexus_book() build the two shapes of the same audiobook; FakeAudible
serves one region's catalog (search and single product, with the 200-with-stub answer for
an ASIN it does not sell), FakeAudnexus serves books per region with the 404 reasons.
"""

import json
import re
from dataclasses import dataclass, field

from werkzeug import Response


def audible_product(
    asin,
    title,
    authors=(),
    narrators=(),
    series=None,
    release_date="2021-05-04",
    runtime=600,
    language="english",
    format_type="unabridged",
    **extra,
):
    """A product as /1.0/catalog/products returns it with the response groups we ask for.

    series: (name, sequence) or None; the product's publication_name names the primary.
    """
    product = {
        "asin": asin,
        "title": title,
        "authors": [{"asin": f"A{n:09d}", "name": a} for n, a in enumerate(authors)],
        "narrators": [{"name": n} for n in narrators],
        "publisher_name": "Audio House",
        "release_date": release_date,
        "issue_date": release_date,
        "runtime_length_min": runtime,
        "language": language,
        "format_type": format_type,
        "content_delivery_type": "SinglePartBook",
        "content_type": "Product",
        "merchandising_summary": f"<p>{title}, read by {', '.join(narrators) or 'someone'}.</p>",
        "publisher_summary": f"<p>The publisher's summary of <b>{title}</b>.</p>",
        "product_images": {"500": f"https://m.media-amazon.example/{asin}._SL500_.jpg"},
        "category_ladders": [
            {"ladder": [{"id": "1", "name": "Science Fiction & Fantasy"}], "root": "Genres"}
        ],
        "is_adult_product": False,
        "sku": f"BK_{asin}",
    }
    if series:
        product["series"] = [{"asin": f"S{asin[1:]}", "title": series[0], "sequence": series[1]}]
        product["publication_name"] = series[0]
    product.update(extra)
    return product


def audible_stub(asin):
    """What Audible answers (HTTP 200) for an ASIN it does not sell in the region."""
    return {
        "product": {"asin": asin, "asset_details": [], "is_vvab": False},
        "response_groups": ["always-returned"],
    }


def audnexus_book(product, region="us"):
    """The Audnexus ApiBook of an Audible product (audible_product's dict)."""
    book = {
        "asin": product["asin"],
        "title": product["title"],
        "authors": product["authors"],
        "narrators": product["narrators"],
        "runtimeLengthMin": product["runtime_length_min"],
        "releaseDate": f"{product['release_date']}T00:00:00.000Z",
        "publisherName": product["publisher_name"],
        "description": "A plain merchandising description.",
        "summary": product["publisher_summary"],
        "image": product["product_images"]["500"],
        "genres": [
            {"asin": "18574426011", "name": "Science Fiction & Fantasy", "type": "genre"},
            {"asin": "18580607011", "name": "Space Opera", "type": "tag"},
        ],
        "language": product["language"],
        "formatType": product["format_type"],
        "isbn": product.get("isbn", ""),
        "isAdult": False,
        "rating": "4.6",
        "region": region,
    }
    for entry in product.get("series") or []:
        # Only a book in a series has the key: a standalone has no seriesPrimary at all.
        book["seriesPrimary"] = {
            "asin": entry["asin"],
            "name": entry["title"],
            "position": entry["sequence"],
        }
    return book


def _json(body, status=200, headers=None):
    return Response(
        json.dumps(body), status=status, content_type="application/json", headers=headers
    )


@dataclass
class FakeAudible:
    """One region's /1.0/catalog/products: search by title/author, one product by ASIN."""

    server: object
    products: list = field(default_factory=list)
    requests: list = field(default_factory=list)

    def install(self):
        self.server.expect_request("/1.0/catalog/products").respond_with_handler(self._search)
        self.server.expect_request(
            re.compile(r"^/1\.0/catalog/products/[^/]+$")
        ).respond_with_handler(self._product)
        return self

    def _search(self, request):
        self.requests.append(dict(request.args))
        title = request.args.get("title", "").lower()
        author = request.args.get("author", "").lower()
        found = [
            p
            for p in self.products
            if (not title or title in p["title"].lower())
            and (not author or any(author in a["name"].lower() for a in p["authors"]))
        ]
        if request.args.get("products_sort_by") == "-ReleaseDate":
            found.sort(key=lambda p: p["release_date"], reverse=True)
        found = found[: int(request.args.get("num_results", "10"))]
        return _json({"products": found, "response_groups": ["always-returned"]})

    def _product(self, request):
        asin = request.path.rsplit("/", 1)[1]
        self.requests.append({"asin": asin})
        for product in self.products:
            if product["asin"] == asin:
                return _json({"product": product, "response_groups": ["always-returned"]})
        return _json(audible_stub(asin))


@dataclass
class FakeAudnexus:
    """/books/{ASIN}?region=: books per region, 404 with Audnexus' reasons otherwise."""

    server: object
    regions: dict = field(default_factory=dict)  # region -> {asin: ApiBook}
    delisted: set = field(default_factory=set)
    podcasts: set = field(default_factory=set)
    requests: list = field(default_factory=list)

    def add(self, product, region="us"):
        self.regions.setdefault(region, {})[product["asin"]] = audnexus_book(product, region)

    def install(self):
        self.server.expect_request(re.compile(r"^/books/[^/]+$")).respond_with_handler(self._book)
        return self

    def _book(self, request):
        asin = request.path.rsplit("/", 1)[1]
        region = request.args.get("region", "us")
        self.requests.append((asin, region))
        if region not in {"au", "ca", "de", "es", "fr", "in", "it", "jp", "us", "uk"}:
            return _error(400, "BAD_REQUEST", f"Invalid region: {region}")
        if not re.match(r"^(B[0-9A-Z]{9}|\d{9}[\dX])$", asin):
            return _error(400, "BAD_REQUEST", "Bad ASIN")
        if asin in self.podcasts:
            return _error(400, "CONTENT_TYPE_MISMATCH", f"Item is a podcast, not a book: {asin}")
        if asin in self.delisted:
            return _error(
                404,
                "PRODUCT_DELISTED",
                f"Item is 'NOT_AVAILABLE_FOR_PURCHASE' in region '{region}' for ASIN: {asin}",
            )
        book = self.regions.get(region, {}).get(asin)
        if book is None:
            return _error(
                404,
                "REGION_UNAVAILABLE",
                f"Item not available in region '{region}' for ASIN: {asin}",
            )
        return _json(book)


def _error(status, code, message):
    return _json({"error": {"code": code, "message": message, "details": None}}, status=status)
