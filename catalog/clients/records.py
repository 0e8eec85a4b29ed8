"""The metadata record every metadata source returns, so the refresh job can merge them."""

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from html import unescape

from lxml import html as lxml_html
from stdnum import isbn as isbn_lib

from catalog.languages import to_alpha2


@dataclass
class MetadataRecord:
    source: str  # "audible", "google_books", "goodreads" or "hardcover"
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
    # What only audiobook sources know:
    narrators: list = field(default_factory=list)
    runtime_minutes: int | None = None
    release_date: str = ""  # the audio edition's, ISO "2026-03-04"
    abridged: bool | None = None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def scrub(data):
    """Decoded JSON with control characters (NUL above all) taken out of every string.

    JSON may carry "\\u0000", and PostgreSQL refuses NUL in text ("cannot contain NUL
    (0x00) bytes"): one such title failed a whole page of releases. Freshly decoded JSON
    is cleaned in place, without recursion: any depth a parser accepts is fine here.
    """
    if isinstance(data, str):
        return _CONTROL.sub("", data)
    stack = [data] if isinstance(data, list | dict) else []
    while stack:
        node = stack.pop()
        for key, value in list(node.items() if isinstance(node, dict) else enumerate(node)):
            if isinstance(value, str):
                node[key] = _CONTROL.sub("", value)
            elif isinstance(value, list | dict):
                stack.append(value)
    return data


def parse_json(text):
    """Scrubbed JSON of text or bytes. Anything that is not JSON Python can hold, nested
    too deep for its parser included, is a ValueError: a bad answer of one item, where a
    RecursionError failed the whole run."""
    try:
        return scrub(json.loads(text))
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def isbn_forms(value):
    """(isbn_10, isbn_13) of a valid ISBN; ('', '') for anything else."""
    return _isbn_forms(str(value or ""))


# Cached: a metadata run asks about each book's ISBN several times (the lookup, each
# source's record), and python-stdnum's checks were a tenth of its CPU.
@functools.lru_cache(maxsize=4096)
def _isbn_forms(value):
    try:
        number = isbn_lib.validate(value)
    except Exception:  # stdnum's ValidationError family
        return "", ""
    isbn13 = isbn_lib.to_isbn13(number)
    try:
        isbn10 = isbn_lib.to_isbn10(isbn13)
    except Exception:  # 979- ISBNs have no ISBN-10
        isbn10 = ""
    return isbn10, isbn13


_BLOCKS = frozenset(
    "p div li ul ol h1 h2 h3 h4 h5 h6 blockquote pre tr table section article".split()
)
_PARAGRAPH = "\n\n"


def plain_text(markup, limit=20000):
    """Text of an HTML fragment: tags gone, entities decoded, whitespace tidy, and every
    paragraph (<p>, <div>, <li>, a <br>, a blank line) kept apart by one blank line.

    text_content() alone glued paragraphs together ("begun.In the ruins").
    """
    markup = str(markup or "")[: limit * 4]
    if not markup.strip():
        return ""
    try:
        text = _block_text(lxml_html.fromstring(f"<div>{markup}</div>"))
    except Exception:  # lxml refuses some broken fragments: fall back to a crude strip
        text = re.sub(r"<br\s*/?>|</?(?:p|div|li)\b[^>]*>", _PARAGRAPH, markup, flags=re.I)
        text = re.sub(r"<[^>]+>", " ", text)
    return _tidy(unescape(text))[:limit]


def _block_text(root):
    # A script's or style's content is code, not text a reader should see.
    for element in root.xpath("//script|//style"):
        element.drop_tree()
    if len(root):  # markup: its own line breaks are spaces, its tags say where breaks go
        for element in root.iter():
            element.text = _spaces(element.text)
            element.tail = _spaces(element.tail)
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue  # a comment or processing instruction
            if element.tag == "br" or element.tag in _BLOCKS:
                element.tail = _PARAGRAPH + (element.tail or "")
            if element.tag in _BLOCKS:
                element.text = _PARAGRAPH + (element.text or "")
    return root.text_content()


def _spaces(text):
    return re.sub(r"\s+", " ", text) if text else text


def _tidy(text):
    """Spaces collapsed and lines trimmed; any run of blank lines is one blank line."""
    lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", _PARAGRAPH, "\n".join(lines)).strip()


def cover_url(url, upgrade_http=False):
    """An https:// cover link, or "": our pages never load an image over http (anyone on the
    way can read or swap it) or by another scheme. upgrade_http: the service serves the
    same image over https (Google Books' http:// links do)."""
    url = str(url or "").strip()
    if upgrade_http and url[: len("http://")].lower() == "http://":
        url = "https://" + url[len("http://") :]
    return url if url[: len("https://")].lower() == "https://" and len(url) > 8 else ""


def partial_date(value):
    """'2004', '2004-05', '2004-05-17' kept; anything else ''."""
    value = str(value or "").strip()
    return value if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value) else ""


def iso_day(value):
    """'2021-05-04T00:00:00.000Z' or '2021-05-04' -> '2021-05-04'; anything else ''."""
    match = re.match(r"^\s*(\d{4}-\d{2}-\d{2})", str(value or ""))
    if not match:
        return ""
    try:
        return date.fromisoformat(match[1]).isoformat()
    except ValueError:
        return ""


_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:\s*-\s*\d+(?:\.\d+)?)?")


def series_number(value):
    """The position in a series as a number: 'Book 1' -> '1', '2, Dramatized Adaptation'
    -> '2', 1.0 (Hardcover's float) -> '1', '1-3' kept, '' when there is none."""
    match = _NUMBER.search(str(value if value is not None else ""))
    if not match:
        return ""
    return re.sub(r"\.0+(?!\d)", "", re.sub(r"\s+", "", match[0]))[:16]


def names(people):
    """[{"name": ...}, ...] (any junk skipped) -> the names."""
    found = []
    for person in people if isinstance(people, list) else []:
        name = str(person.get("name") or "").strip() if isinstance(person, dict) else ""
        if name and name not in found:
            found.append(name[:255])
    return found


def language_code(value):
    return to_alpha2(value)


def positive_int(value, maximum=100000):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < maximum else None
