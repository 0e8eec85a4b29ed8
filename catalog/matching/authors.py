"""Author names as people write them: "Le Guin, Ursula K." is "Ursula K. Le Guin"."""

import functools
import html
import re

from rapidfuzz import fuzz

from catalog.matching.text import as_text
from catalog.normalize import ascii_fold

AUTHOR_SAME = 90.0  # an author score at or above this: the same person
_NON_WORD = re.compile(r"[^\w\s]+")
_AUTHOR_BRACKETS = re.compile(r"[\(\[][^\)\]]*[\)\]]?")
_AUTHOR_ROLE = re.compile(
    r"\s*[-–,:]\s*(?:narrator|narrated|reader|translator|translated|editor|edited|"
    r"illustrator|foreword|introduction|afterword|contributor|adapter|adaptor)s?\b.*$",
    re.IGNORECASE,
)
_AUTHOR_BY = re.compile(r"^\s*(?:(?:written|read|narrated|translated|edited)\s+)?by\s+", re.I)
_AUTHOR_SUFFIX = re.compile(r"[\s,]+(?:jr|sr|ph\.?\s?d|m\.?d|ii|iii|iv|esq)\.?\s*$", re.I)
_AUTHOR_LIST = re.compile(r"\s*(?:;|&|/|\band\b|\bwith\b|\bet al\.?)\s*", re.IGNORECASE)
_PARTICLES = {"le", "la", "de", "del", "della", "di", "da", "du", "van", "von", "der", "st", "mc"}
_PLACEHOLDERS = {"various", "various authors", "unknown", "unknown author", "anonymous", "anon"}
_PLACEHOLDERS |= {"na", "n a", "none", "full cast", "uncredited"}


def _is_last_first(text):
    """'Le Guin, Ursula K.', 'Tolkien, J.R.R.', 'García Márquez, Gabriel' (not 'A B, C D')."""
    if text.count(",") != 1:
        return False
    last, first = (part.split() for part in text.split(","))
    if not last or not first:
        return False
    full_first_names = [word for word in first if len(word.strip(".")) > 1]
    return len(last) == 1 or last[0].lower() in _PARTICLES or len(full_first_names) <= 1


def _strip_author_noise(text):
    text = _AUTHOR_BRACKETS.sub(" ", html.unescape(text))
    text = _AUTHOR_BY.sub("", _AUTHOR_ROLE.sub("", text))
    for _ in range(2):
        text = _AUTHOR_SUFFIX.sub("", text)
    return text.strip(" ,")


def clean_author(name):
    """One key per person (cached for text: the jobs and the library scan read the same
    names again and again)."""
    return _cached_author(name) if isinstance(name, str) else _clean_author(name)


@functools.lru_cache(maxsize=65536)
def _cached_author(name):
    return _clean_author(name)


def forget():
    """Empty the caches (a benchmark's next first import starts as a new process would)."""
    _cached_author.cache_clear()
    _cached_keys.cache_clear()


def _clean_author(name):
    text = _strip_author_noise(as_text(name))
    if _is_last_first(text):
        last, first = text.split(",")
        text = f"{first} {last}"
    words = _NON_WORD.sub(" ", ascii_fold(text.replace(".", ". ")).replace("'", "")).split()
    joined, initials = [], ""
    for word in words:  # "j r r tolkien" -> "jrr tolkien"
        if len(word) == 1:
            initials += word
            continue
        joined += [initials, word] if initials else [word]
        initials = ""
    return " ".join(joined + ([initials] if initials else []))


def _author_names(authors):
    """A list of names from a list, a string ("A & B", "Abraham, Daniel; Franck, Ty") or None."""
    if authors is None:
        return []
    if isinstance(authors, str | bytes):
        items = [authors]
    else:
        try:
            items = list(authors)[:20]
        except TypeError:
            items = [authors]
    names = []
    for item in items:
        for piece in _AUTHOR_LIST.split(as_text(item)):
            piece = _strip_author_noise(piece)
            names += [piece] if _is_last_first(piece) else piece.split(",")
    return names[:20]


def author_keys(authors):
    """One key per known author ("Various" and the like left out), as a tuple."""
    if isinstance(authors, str):
        return _cached_keys((authors,))
    if isinstance(authors, list | tuple) and all(isinstance(name, str) for name in authors):
        return _cached_keys(tuple(authors[:20]))
    return _keys(authors)


@functools.lru_cache(maxsize=65536)
def _cached_keys(names):
    # The jobs compare one release's authors with many books': parse each list once.
    return _keys(names)


def _keys(authors):
    keys = (clean_author(name) for name in _author_names(authors))
    return tuple(key for key in keys if key and key not in _PLACEHOLDERS)


def author_score(authors_a, authors_b):
    keys_a, keys_b = author_keys(authors_a), author_keys(authors_b)
    if not keys_a or not keys_b:
        return None
    return float(max(fuzz.token_sort_ratio(a, b) for a in keys_a for b in keys_b))


def same_people(authors_a, authors_b):
    """True when every author of each side is one of the other's; None when either is unknown.

    "Brian Herbert, Kevin J. Anderson" and "Frank Herbert" are not; neither are "Frank
    Herbert, Brian Herbert" and "Frank Herbert" (an author added).
    """
    keys_a, keys_b = author_keys(authors_a), author_keys(authors_b)
    if not keys_a or not keys_b:
        return None

    def covered(keys, others):
        return all(any(fuzz.token_sort_ratio(k, o) >= AUTHOR_SAME for o in others) for k in keys)

    return covered(keys_a, keys_b) and covered(keys_b, keys_a)
