"""Audible's catalog API, keyless and regional, as Audiobookshelf uses it.

Search `GET /1.0/catalog/products?title=&author=&num_results=&products_sort_by=` finds a
book's ASIN (and, with response_groups, its audiobook facts); one product is
`GET /1.0/catalog/products/{asin}`. The host is AUDIBLE_REGION's (catalog/regions.py) or
AUDIBLE_URL. An ASIN Audible does not sell in the region answers HTTP 200 with a stub
product that has no title: that is "not found", not a book. A podcast parent has no series
and no runtime and is not an audiobook.
"""

from django.conf import settings

from catalog.clients.http import build_session
from catalog.clients.json_api import request_json
from catalog.clients.records import (
    MetadataRecord,
    cover_url,
    isbn_forms,
    iso_day,
    language_code,
    names,
    plain_text,
    positive_int,
    series_number,
)

SERVICE = "Audible"
RESPONSE_GROUPS = (
    "category_ladders,contributors,media,product_attrs,product_desc,product_details,"
    "product_extended_attrs,series"
)
NOT_AUDIOBOOKS = {"PodcastParent", "PodcastEpisode", "PodcastSeason", "Periodical"}
MAX_RESULTS = 50


class AudibleClient:
    def __init__(self, session=None):
        self.base_url = settings.AUDIBLE_URL
        self.session = session or build_session(settings.AUDIBLE_REQUESTS_PER_SECOND)

    def _get(self, path, **params):
        params.update(response_groups=RESPONSE_GROUPS, image_sizes="500,1024")
        return request_json(SERVICE, self.session, "GET", self.base_url + path, params=params)

    def search(self, title="", author="", num_results=10, sort="Relevance"):
        """Audiobooks for a title and/or author, best first (podcasts and stubs left out)."""
        params = {"num_results": max(1, min(MAX_RESULTS, num_results)), "products_sort_by": sort}
        if title:
            params["title"] = str(title)[:200]
        if author:
            params["author"] = str(author)[:200]
        if not (title or author):
            return []
        data = self._get("/1.0/catalog/products", **params)
        products = data.get("products") if isinstance(data, dict) else None
        records = (product_record(p) for p in products if isinstance(p, dict)) if products else ()
        return [record for record in records if record is not None]

    def newest(self, author, num_results=20):
        """The author's audiobooks, latest release first: where pre-orders show up."""
        return self.search(author=author, num_results=num_results, sort="-ReleaseDate")

    def product(self, asin):
        """The audiobook with this ASIN in the region, or None (the 200-with-stub answer)."""
        data = self._get(f"/1.0/catalog/products/{asin}")
        product = data.get("product") if isinstance(data, dict) else None
        return product_record(product) if isinstance(product, dict) else None


def product_record(product):
    """One Audible product -> MetadataRecord(source "audible"), or None for a stub (no
    title) or something that is not an audiobook."""
    title = str(product.get("title") or "").strip()
    if not title or product.get("content_delivery_type") in NOT_AUDIOBOOKS:
        return None
    series_name, position = _primary_series(product)
    isbn_10, isbn_13 = isbn_forms(product.get("isbn"))
    images = product.get("product_images")
    images = images if isinstance(images, dict) else {}
    format_type = str(product.get("format_type") or "").lower()
    return MetadataRecord(
        source="audible",
        title=title[:500],
        subtitle=str(product.get("subtitle") or "").strip()[:500],
        authors=names(product.get("authors")),
        narrators=names(product.get("narrators")),
        asin=str(product.get("asin") or "").strip()[:10],
        isbn_10=isbn_10,
        isbn_13=isbn_13,
        publisher=str(product.get("publisher_name") or "").strip()[:255],
        release_date=iso_day(product.get("release_date")),
        runtime_minutes=positive_int(product.get("runtime_length_min")),
        description=plain_text(
            product.get("publisher_summary") or product.get("merchandising_summary")
        ),
        language=language_code(product.get("language")),
        cover_url=cover_url(images.get("500") or images.get("1024") or "", upgrade_http=True),
        series_name=series_name[:255],
        series_position=position,
        genres=_genres(product.get("category_ladders")),
        abridged={"abridged": True, "unabridged": False}.get(format_type),
    )


def _primary_series(product):
    """The series whose title is the product's publication_name (as Audnexus decides),
    else the first; (name, position)."""
    entries = [s for s in product.get("series") or [] if isinstance(s, dict) and s.get("title")]
    if not entries:
        return "", ""
    primary = next(
        (s for s in entries if s.get("title") == product.get("publication_name")), entries[0]
    )
    return str(primary["title"]).strip(), series_number(primary.get("sequence"))


def _genres(ladders):
    found = []
    for ladder in ladders if isinstance(ladders, list) else []:
        steps = ladder.get("ladder") if isinstance(ladder, dict) else None
        for step in steps if isinstance(steps, list) else []:
            name = str(step.get("name") or "").strip() if isinstance(step, dict) else ""
            if name and name not in found:
                found.append(name[:100])
    return found
