"""Text normalisation shared by the models (stored keys) and the matcher."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def fold(text):
    """Lowercase, accents removed ("Émile" -> "emile"), ligatures expanded."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalize_title(text):
    """A key for comparing names and titles: folded, punctuation gone, spaces single."""
    folded = fold(text).replace("&", " and ").replace("_", " ")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()[:500]
