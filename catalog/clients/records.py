"""The metadata record every metadata source returns, so the refresh job can merge them."""

import re
from dataclasses import dataclass, field
from html import unescape

from lxml import html as lxml_html
from stdnum import isbn as isbn_lib

from catalog.languages import to_alpha2


@dataclass
class MetadataRecord:
    source: str  # "google_books" or "goodreads"
    title: str = ""
    subtitle: str = ""
    authors: list = field(default_factory=list)
    isbn_10: str = ""
    isbn_13: str = ""
    asin: str = ""
    goodreads_id: str = ""
    google_books_id: str = ""
    publisher: str = ""
    published_date: str = ""  # ISO, possibly partial: "2004", "2004-05", "2004-05-17"
    description: str = ""  # plain text
    language: str = ""  # ISO 639-1
    cover_url: str = ""  # https
    page_count: int | None = None
    series_name: str = ""
    series_position: str = ""
    genres: list = field(default_factory=list)


def isbn_forms(value):
    """(isbn_10, isbn_13) of a valid ISBN; ('', '') for anything else."""
    try:
        number = isbn_lib.validate(str(value or ""))
    except Exception:  # stdnum's ValidationError family
        return "", ""
    isbn13 = isbn_lib.to_isbn13(number)
    try:
        isbn10 = isbn_lib.to_isbn10(isbn13)
    except Exception:  # 979- ISBNs have no ISBN-10
        isbn10 = ""
    return isbn10, isbn13


def plain_text(markup, limit=20000):
    """Text of an HTML fragment: tags gone, entities decoded, whitespace tidy."""
    markup = str(markup or "")[: limit * 4]
    if not markup.strip():
        return ""
    try:
        text = lxml_html.fromstring(f"<div>{markup}</div>").text_content()
    except Exception:  # lxml refuses some broken fragments: fall back to a crude strip
        text = re.sub(r"<[^>]+>", " ", markup)
    return re.sub(r"[ \t\r\f\v]+", " ", unescape(text)).strip()[:limit]


def https(url):
    url = str(url or "").strip()
    return "https://" + url[len("http://") :] if url.startswith("http://") else url


def partial_date(value):
    """'2004', '2004-05', '2004-05-17' kept; anything else ''."""
    value = str(value or "").strip()
    return value if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value) else ""


def language_code(value):
    return to_alpha2(value)


def positive_int(value, maximum=100000):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < maximum else None
