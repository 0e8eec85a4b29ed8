"""The books of an Audiobookshelf server, as FoundBooks.

The minified item of the paged list says whether an item changed (updatedAt, size); only
changed items are asked for in full (authors, narrators, series with sequence).
"""

from catalog.models import BookLocation
from catalog.shelf.found import FoundBook
from catalog.shelf.layout import names


def fingerprint(item):
    media = item.get("media") or {}
    return f"{item.get('updatedAt')}:{item.get('size')}:{media.get('duration')}"[:64]


def present(item):
    """A book item that is there (Audiobookshelf keeps vanished folders as isMissing)."""
    return item.get("mediaType", "book") == "book" and not item.get("isMissing")


def item_path(item):
    """Where the shelf keeps an item: its folder on the server (its id when it has none)."""
    return str(item.get("path") or f"audiobookshelf:{item['id']}")[:1024]


def found_book(item, library_id, expanded=None):
    """A FoundBook from a minified item, completed by its expanded form when given."""
    media = item.get("media") or {}
    metadata = media.get("metadata") or {}
    full = ((expanded or {}).get("media") or {}).get("metadata") or {}
    series = [s for s in full.get("series") or [] if isinstance(s, dict) and s.get("name")]
    authors = [a.get("name", "") for a in full.get("authors") or [] if isinstance(a, dict)]
    narrators = [n for n in full.get("narrators") or [] if isinstance(n, str)]
    duration = media.get("duration")
    return FoundBook(
        source=BookLocation.AUDIOBOOKSHELF,
        path=item_path(item),
        root=library_id,
        fingerprint=fingerprint(item),
        title=_text(metadata.get("title")),
        subtitle=_text(metadata.get("subtitle")),
        authors=[a for a in authors if a]
        or names(_text(metadata.get("authorName")).replace(", ", ";")),
        narrators=narrators or names(_text(metadata.get("narratorName")).replace(", ", ";")),
        series=_text(series[0]["name"]) if series else "",
        position=_text(series[0].get("sequence")) if series else "",
        year=_text(metadata.get("publishedYear"))[:4],
        genres=[g for g in metadata.get("genres") or [] if isinstance(g, str)],
        asin=_text(metadata.get("asin")),
        isbn=_text(metadata.get("isbn")),
        runtime_seconds=round(duration) if isinstance(duration, int | float) and duration else None,
        size_bytes=item.get("size") if isinstance(item.get("size"), int) else 0,
        file_count=media.get("numAudioFiles") if isinstance(media.get("numAudioFiles"), int) else 0,
        audio_format="",
        external_id=str(item["id"])[:64],
    )


def _text(value):
    return str(value).strip() if isinstance(value, str | int | float) else ""
