"""What a book's path says, read as Audiobookshelf reads it (PROVIDERS-DETAIL.md section 1,
"Folder conventions"): the last three folders are Author/Series/Title, two are Author/Title,
one is the Title; the title folder may carry an ASIN "[B0...]", narrators "{Name}", a
sequence ("Vol 1 - ", "Book 2 - ", "1. "; only below a series folder), a year ("2004 - ",
"(2004) - "), and the sequence at the end ("Title (Book 3)", "Title, Book 3").
"""

import re

AUDIO_EXTENSIONS = {
    ".m4b", ".m4a", ".mp3", ".mp4", ".aac", ".flac", ".ogg", ".oga", ".opus", ".wma",
    ".wav", ".aiff", ".webm", ".mka",
}  # fmt: skip
# Audiobookshelf reads a lone CD1 / Disc 2 sub-folder as part of its book; any other
# sub-folder would become a book of its own (the download importer folds those into the
# file names).
DISC_FOLDER = re.compile(r"^(cd|dis[ck])\s*\d{1,3}$", re.IGNORECASE)

ASIN = re.compile(r"\s*\[([A-Z0-9]{10})\]\s*")
NARRATOR = re.compile(r"\s*\{([^{}]+)\}\s*$")
SEQUENCE = re.compile(r"^(?:vol\.?|volume|book)\s*(\d{1,3}(?:\.\d{1,2})?)$", re.IGNORECASE)
NUMBERED = re.compile(r"^(\d{1,3}(?:\.\d{1,2})?)\.\s+(.+)$")
YEAR = re.compile(r"^\(?((?:1[5-9]|20)\d\d)\)?\s+-\s+(.+)$")
TRAILING_SEQUENCE = re.compile(
    r"^(.+?)(?:\s*\(\s*(?:book|vol\.?|volume)\s*(\d{1,3}(?:\.\d{1,2})?)\s*\)|"
    r",\s*(?:book|vol\.?|volume)\s*(\d{1,3}(?:\.\d{1,2})?))$",
    re.IGNORECASE,
)
NAME_SPLIT = re.compile(r"\s*(?:;|&|\band\b)\s*")


def from_path(parts):
    """{title, authors, series, position, year, narrators, asin} from the path's parts below
    the library root (the last one is the book's folder, or its file without extension)."""
    parts = [part for part in parts if part][-3:]
    if not parts:
        return {}
    author = parts[0] if len(parts) >= 2 else ""
    series = parts[1] if len(parts) == 3 else ""
    found = _title_folder(parts[-1], in_series=bool(series))
    found["authors"] = names(author)
    if series and "series" not in found:
        found["series"] = series
    return found


def _title_folder(text, in_series):
    found = {}
    asin = ASIN.search(text)
    if asin:
        found["asin"] = asin.group(1)
        text = ASIN.sub(" ", text).strip()
    narrator = NARRATOR.search(text)
    if narrator:
        found["narrators"] = names(narrator.group(1))
        text = text[: narrator.start()].strip()
    pieces = [piece.strip() for piece in text.split(" - ")]
    if len(pieces) > 1 and SEQUENCE.match(pieces[0]):
        found["position"] = SEQUENCE.match(pieces[0]).group(1)
        text = " - ".join(pieces[1:])
    elif in_series and NUMBERED.match(text):
        found["position"], text = NUMBERED.match(text).groups()
    year = YEAR.match(text)
    if year:
        found["year"], text = year.groups()
    trailing = TRAILING_SEQUENCE.match(text)
    if trailing and "position" not in found:
        text = trailing.group(1).strip()
        found["position"] = trailing.group(2) or trailing.group(3)
    found["title"] = text.strip()
    if "position" in found:
        found["position"] = _plain_number(found["position"])
    return found


def _plain_number(text):
    """'01' -> '1', '2.50' -> '2.5': positions compare as the catalog writes them."""
    whole, _, fraction = text.partition(".")
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def names(text):
    """'A & B', 'A; B', 'A and B' -> ['A', 'B']; 'Last, First' is one person."""
    return [name.strip() for name in NAME_SPLIT.split(text or "") if name.strip()]
