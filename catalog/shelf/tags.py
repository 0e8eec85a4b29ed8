"""What a book's own files say: its sidecar (Audiobookshelf's metadata.json, a Calibre .opf)
and its audio tags, read with mutagen. Tag names follow what Audiobookshelf reads
(PROVIDERS-DETAIL.md section 1, "Audio tags read"): MP4 atoms, ID3 frames and Vorbis
comments are brought to one lower-case vocabulary first.
"""

import json
import re

import mutagen
from lxml import etree
from mutagen.flac import FLAC
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from catalog.shelf.layout import names

# MP4 atoms and ID3 frames -> the names Vorbis comments (and ffprobe) use.
MP4_NAMES = {
    "\xa9nam": "title", "\xa9alb": "album", "\xa9ART": "artist", "aART": "albumartist",
    "\xa9wrt": "composer", "\xa9gen": "genre", "\xa9day": "date", "\xa9mvn": "mvnm",
    "\xa9mvi": "mvin", "\xa9grp": "grouping",
}  # fmt: skip
ID3_NAMES = {
    "TIT2": "title", "TALB": "album", "TPE1": "artist", "TPE2": "albumartist",
    "TCOM": "composer", "TCON": "genre", "TDRC": "date", "TYER": "date", "MVNM": "mvnm",
    "MVIN": "mvin", "GRP1": "grouping",
}  # fmt: skip
BY_EXTENSION = {
    "mp3": MP3, "m4b": MP4, "m4a": MP4, "mp4": MP4, "flac": FLAC, "opus": OggOpus,
    "ogg": OggVorbis,
}  # fmt: skip
PICTURES = ("covr", "APIC", "metadata_block_picture")
SERIES_ENTRY = re.compile(r"^(.*?)\s*#\s*([\d.]+)\s*$")


class TagError(Exception):
    """A file whose tags or audio cannot be read; the message says why."""


def read_audio(path):
    """(tags {name: [text]}, duration in seconds) of one audio file. Raises TagError."""
    try:
        audio = _open(path)
    except (mutagen.MutagenError, OSError, ValueError, IndexError, KeyError) as error:
        raise TagError(f"unreadable audio: {error or type(error).__name__}") from None
    if audio is None:
        raise TagError("not an audio file mutagen knows")
    length = getattr(audio.info, "length", None) or 0.0
    return _normalized(audio.tags), float(length)


def _open(path):
    """The file read by the mutagen class its extension names (mutagen.File would first
    try every format on it: a third of the time of a library import); one that is not what
    its name says is left to mutagen.File to recognise."""
    kind = BY_EXTENSION.get(path.rpartition(".")[2].lower())
    if kind is not None:
        try:
            return kind(path)
        except mutagen.MutagenError:
            pass
    return mutagen.File(path)


def _normalized(tags):
    found = {}
    if tags is None:
        return found
    for key, value in tags.items():
        name = _name(key)
        if name:
            found.setdefault(name, []).extend(_texts(value))
    return found


def _name(key):
    if key in MP4_NAMES:
        return MP4_NAMES[key]
    if key.startswith("----:"):  # MP4 freeform: ----:com.apple.iTunes:SERIES
        return key.rsplit(":", 1)[-1].lower()
    frame = key.split(":", 1)[0]
    if frame == "TXXX":  # ID3 user text: TXXX:SERIES
        return key.split(":", 1)[1].lower()
    if frame in ID3_NAMES:
        return ID3_NAMES[frame]
    if key.startswith(PICTURES):
        return None
    return key.lower()  # Vorbis comments: already the common vocabulary


def _texts(value):
    values = getattr(value, "text", value)
    if not isinstance(values, list | tuple):
        values = [values]
    texts = []
    for item in values:
        if isinstance(item, bytes):
            item = item.decode("utf-8", "replace")
        elif isinstance(item, tuple):  # MP4 track/disc pairs: not book metadata
            continue
        texts.append(str(item).strip())
    return [text for text in texts if text]


def described_by_tags(tags):
    """The book fields the tags give (the first audio file's, as Audiobookshelf does)."""

    def first(*keys):
        for key in keys:
            for value in tags.get(key, ()):
                return value
        return ""

    series, position = first("series", "mvnm", "show"), first("series-part", "mvin", "part")
    grouping = SERIES_ENTRY.match(first("grouping"))
    if not series and grouping:
        series, position = grouping.groups()
    return {
        "title": first("album", "title"),
        "authors": names(first("artist", "albumartist", "album_artist")),
        "narrators": names(first("composer", "narrator", "narratedby")),
        "genres": [g.strip() for g in re.split(r"/|;", first("genre")) if g.strip()],
        "year": first("date", "year")[:4],
        "series": series,
        "position": position.split("/")[0],
        "asin": first("asin", "audible_asin"),
        "isbn": first("isbn"),
    }


# --- sidecars --------------------------------------------------------------------------------


def read_metadata_json(path):
    """Audiobookshelf's metadata.json. Raises TagError when it is not JSON."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError) as error:
        raise TagError(f"unreadable metadata.json: {error}") from None
    if not isinstance(data, dict):
        raise TagError("metadata.json is not an object")
    series, position = "", ""
    for entry in data.get("series") or []:
        text = entry if isinstance(entry, str) else (entry or {}).get("name", "")
        match = SERIES_ENTRY.match(text or "")
        series, position = match.groups() if match else (text, "")
        break
    return {
        "title": _text(data.get("title")),
        "subtitle": _text(data.get("subtitle")),
        "authors": _list(data.get("authors")),
        "narrators": _list(data.get("narrators")),
        "genres": _list(data.get("genres")),
        "year": _text(data.get("publishedYear"))[:4],
        "series": series,
        "position": position,
        "asin": _text(data.get("asin")),
        "isbn": _text(data.get("isbn")),
    }


def _text(value):
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _list(value):
    if isinstance(value, str):
        return names(value)
    return [_text(v) for v in value or [] if _text(v)] if isinstance(value, list) else []


OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def read_opf(path):
    """A Calibre .opf: title, creators (role aut / nrt), identifiers, calibre:series."""
    try:
        tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError) as error:
        raise TagError(f"unreadable .opf: {error}") from None

    def texts(xpath):
        return [" ".join(e.text.split()) for e in tree.xpath(xpath, namespaces=OPF) if e.text]

    def role(element):
        return element.get(f"{{{OPF['opf']}}}role") or element.get("role") or "aut"

    creators = tree.xpath("//dc:creator", namespaces=OPF)
    found = {
        "title": next(iter(texts("//dc:title")), ""),
        "authors": [c.text.strip() for c in creators if c.text and role(c) == "aut"],
        "narrators": [c.text.strip() for c in creators if c.text and role(c) == "nrt"],
        "genres": texts("//dc:subject"),
        "year": next(iter(texts("//dc:date")), "")[:4],
        "series": _meta(tree, "calibre:series"),
        "position": _meta(tree, "calibre:series_index").removesuffix(".0"),
    }
    for element in tree.xpath("//dc:identifier", namespaces=OPF):
        scheme = (element.get(f"{{{OPF['opf']}}}scheme") or element.get("scheme") or "").lower()
        value = (element.text or "").strip()
        if scheme in ("isbn", "asin") and value:
            found[scheme] = value
        elif value.lower().startswith(("isbn:", "urn:isbn:")):
            found["isbn"] = value.rsplit(":", 1)[1]
    return found


def _meta(tree, name):
    values = tree.xpath(f"//opf:meta[@name='{name}']/@content", namespaces=OPF)
    return str(values[0]).strip() if values else ""
