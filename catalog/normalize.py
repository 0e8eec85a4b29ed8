"""Text normalisation shared by the models (stored keys) and the matcher."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def fold(text):
    """Lowercase, accents removed ("Émile" -> "emile"), ligatures expanded."""
    if not text:
        return ""
    if text.isascii():  # nothing to decompose, and casefold() is lower() (most titles)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalize_title(text):
    """A key for comparing names and titles: folded, punctuation gone, spaces single."""
    folded = fold(text).replace("&", " and ").replace("_", " ")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()[:500]


# Letters NFKD leaves whole: without this "Nesbø" never meets "Nesbo".
_LATIN_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}
)
_ROMAN_NUMERAL = re.compile(
    r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
)
_RANGE = re.compile(r"[\d.]+\s*[-–]\s*[\d.]+")
_RANGE_DASH = re.compile(r"\s*[-–]\s*")
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


def ascii_fold(text):
    """fold(), then the Latin letters that have no accent to strip ("ø" -> "o", "æ" -> "ae")."""
    return fold(text).translate(_LATIN_LETTERS)


def roman_to_int(token):
    """The value of a roman numeral ("xiv" -> 14), or None when the token is not one."""
    token = (token or "").lower()
    if not token or not _ROMAN_NUMERAL.fullmatch(token):
        return None
    total = 0
    for char, following in zip(token, token[1:] + " ", strict=True):
        value = _ROMAN_VALUES[char]
        total += -value if _ROMAN_VALUES.get(following, 0) > value else value
    return total


def number_text(token):
    """A volume number as digits: "03" -> "3", "III" -> "3", "three" -> "3", "1.50" -> "1.5".

    Ranges keep their shape ("1-3"); anything else comes back lowercased and unchanged.
    """
    token = (token or "").strip().lower()
    if _RANGE.fullmatch(token):
        return "-".join(number_text(part) for part in _RANGE_DASH.split(token))
    if _DECIMAL.fullmatch(token):
        whole, _, fraction = token.partition(".")
        fraction = fraction.rstrip("0")
        return str(int(whole)) + (f".{fraction}" if fraction else "")
    if token in NUMBER_WORDS:
        return NUMBER_WORDS[token]
    value = roman_to_int(token)
    return str(value) if value is not None else token
