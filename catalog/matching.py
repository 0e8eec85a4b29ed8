"""Is this release (or record) that book? Titles and authors compared as people read them.

Release titles carry noise: "(Unabridged)", "[M4B]", "A Novel", "(The Expanse, #1)",
"Book 3", accents, punctuation. clean_title() removes it; the scores use rapidfuzz on
what is left.

Policy, decided here and tested in catalog/tests/test_matching.py:
- A subtitle is optional: "Mistborn: The Final Empire" matches "The Final Empire" and
  "Mistborn". Leading articles don't count ("The Hobbit" = "Hobbit, The").
- Numbers matter: "Book 1" and "Book 2" of one title are different books, and a title
  that *extends* another ("Dune" / "Dune Messiah") is a different book.
- "Dramatized" / "Full cast" adaptations are kept as distinct words, so they score lower
  against the plain book but still clear the threshold when nothing better exists.
- Unknown authors (either side empty) neither help nor hurt the score; a different
  author lowers it; the same author never raises it.
- Every function is total: any text, None, huge strings; it never raises.
"""

import re

from rapidfuzz import fuzz
from stdnum import isbn as isbn_lib

from catalog.normalize import fold

MATCH_THRESHOLD = 85  # match_score at or above this is the same book
TITLE_WEIGHT = 0.75
AUTHOR_SAME = 90  # author_score at or above this: the same person
MAX_LENGTH = 1000  # longer input is truncated before any work

_BRACKETED_NOISE = re.compile(
    r"[\(\[\{][^\)\]\}]*(?:unabridged|abridged|audiobook|audio book|m4b|mp3|kbps|retail|"
    r"narrated|read by|#\s*\d|\bbook\s+\d|\bvol\w*\.?\s*\d|\bseries\b|\d+\s*of\s*\d+)"
    r"[^\)\]\}]*[\)\]\}]",
    re.IGNORECASE,
)
_BRACKETED_SERIES = re.compile(r"\(([^()]*),\s*#?\s*[\d.]+(?:-\d+)?\)")
_TRAILING_NOISE = re.compile(
    r"(?:[:\-,]\s*)?\b(?:a novel|a thriller|a mystery|a memoir|a romance|unabridged|abridged|"
    r"audiobook|m4b|mp3)\s*$",
    re.IGNORECASE,
)
_BOOK_NUMBER = re.compile(
    r"\b(?:book|volume|vol\.?|part|#|no\.?)\s*([0-9]+|[ivxlc]+|one|two|three|four|five|"
    r"six|seven|eight|nine|ten)\b\s*[,:\-]?",
    re.IGNORECASE,
)
_WORD_NUMBERS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
}
_TRAILING_ROMAN = re.compile(r"\s([IVX]{1,5})\s*$")
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_ARTICLES = {"the", "a", "an"}
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_NON_BOOK = re.compile(
    r"\b(?:summary of|summary and analysis|study guide|sparknotes|cliffsnotes|cliff'?s notes|"
    r"analysis of|workbook for|quiz ?book|trivia|book club guide|reader'?s guide|"
    r"unofficial guide|coloring book|boxed? set|box-set|collection set|"
    r"books? \d+\s*-\s*\d+|complete series|omnibus)\b",
    re.IGNORECASE,
)


def _text(value):
    return str(value or "")[:MAX_LENGTH]


def _roman_to_int(token):
    total, previous = 0, 0
    for char in reversed(token):
        value = _ROMAN[char]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return total


def _number_word(token):
    token = token.lower()
    if token.isdigit():
        return str(int(token))
    if token in _WORD_NUMBERS:
        return _WORD_NUMBERS[token]
    if token and all(char in _ROMAN for char in token):
        return str(_roman_to_int(token))
    return token


def _words(text):
    folded = fold(text).replace("&", " and ").replace("_", " ").replace("'", "")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()


def split_title(title):
    """(main title, subtitle, volume number or '') with the noise removed; case kept."""
    text = _text(title)
    text = _BRACKETED_SERIES.sub(" ", text)
    text = _BRACKETED_NOISE.sub(" ", text)
    number = ""
    match = _BOOK_NUMBER.search(text)
    if match:
        number = _number_word(match.group(1))
        text = text[: match.start()] + " " + text[match.end() :]
    for _ in range(3):
        text = _TRAILING_NOISE.sub("", text.strip())
    main, _, subtitle = text.partition(":")
    if " - " in main and not subtitle:
        main, _, subtitle = main.partition(" - ")
    # "The Dark Tower II": a trailing roman numeral numbers the volume.
    roman = _TRAILING_ROMAN.search(main)
    if roman and not number and len(main.split()) > 1:
        number = _number_word(roman.group(1))
        main = main[: roman.start()]
    return main.strip(" -,"), subtitle.strip(" -,"), number


def _key(text):
    words = _words(text).split()
    # "Way of Kings, The" and "The Way of Kings" are one title: drop a leading or
    # trailing article.
    if words and words[0] in _ARTICLES:
        words = words[1:]
    if words and words[-1] in _ARTICLES and len(words) > 1:
        words = words[:-1]
    return " ".join(words)


def clean_title(title):
    """A comparison key: noise, punctuation, case, accents and articles gone."""
    try:
        main, subtitle, number = split_title(title)
        key = _key(f"{main} {subtitle}") or _key(title)
        return f"{key} {number}".strip()
    except Exception:  # never let odd input stop a job
        return _key(_text(title))


def display_title(title):
    """The title as a person would write it: noise gone, case and subtitle kept."""
    try:
        main, subtitle, _ = split_title(title)
        text = f"{main}: {subtitle}" if subtitle else main
        return _SPACES.sub(" ", text).strip() or _text(title).strip()
    except Exception:
        return _text(title).strip()


def clean_author(name):
    """'Le Guin, Ursula K.' and 'Ursula K. Le Guin' give one key; initials joined."""
    text = _text(name)
    text = re.sub(r"\((?:narrator|translator|editor|author|foreword)[^)]*\)", " ", text, flags=re.I)
    text = re.sub(r"\s*-\s*(?:narrator|translator|editor)\b.*$", "", text, flags=re.I)
    if text.count(",") == 1:
        last, first = text.split(",")
        if first.strip() and not re.search(r"\b(?:jr|sr|ii|iii|phd)\.?\s*$", first, re.I):
            text = f"{first} {last}"
    words = _words(text.replace(".", ". ")).split()
    joined, initials = [], ""
    for word in words:
        if len(word) == 1:
            initials += word
            continue
        if initials:
            joined.append(initials)
            initials = ""
        joined.append(word)
    if initials:
        joined.append(initials)
    return " ".join(joined)


def title_score(a, b):
    """0-100: how surely two titles name the same book."""
    try:
        main_a, sub_a, num_a = split_title(a)
        main_b, sub_b, num_b = split_title(b)
        if num_a and num_b and num_a != num_b:
            return 0.0
        full_a, full_b = _key(f"{main_a} {sub_a}"), _key(f"{main_b} {sub_b}")
        digits_a, digits_b = _DIGITS.findall(full_a), _DIGITS.findall(full_b)
        if digits_a and digits_b and digits_a != digits_b:
            return 0.0  # "Fantasy Hit 1" / "Fantasy Hit 2", "2001" / "2010": other books
        if not full_a or not full_b:
            return 100.0 if full_a == full_b else 0.0
        candidates = [fuzz.ratio(full_a, full_b)]
        # A subtitle is optional: compare the main titles, and each side's main title
        # with the other's subtitle ("Mistborn: The Final Empire" / "The Final Empire").
        for x, y in [(main_a, main_b), (main_a, sub_b), (sub_a, main_b)]:
            kx, ky = _key(x), _key(y)
            if kx and ky and min(len(kx), len(ky)) >= 4:
                candidates.append(fuzz.ratio(kx, ky))
        score = max(candidates)
        if _extends(_key(main_a), _key(main_b)) and score < 100:
            score = min(score, 60.0)
        return float(round(score, 2))
    except Exception:
        return 0.0


def _extends(a, b):
    """True when one title is the other plus more words: 'dune' / 'dune messiah'."""
    short, long = sorted((a.split(), b.split()), key=len)
    return len(long) > len(short) and long[: len(short)] == short


def author_score(authors_a, authors_b):
    """0-100 for the best-matching pair of authors; None when either side is unknown."""
    keys_a = [k for k in (clean_author(a) for a in _listify(authors_a)) if k]
    keys_b = [k for k in (clean_author(b) for b in _listify(authors_b)) if k]
    if not keys_a or not keys_b:
        return None
    return float(max(fuzz.token_sort_ratio(x, y) for x in keys_a for y in keys_b))


def _listify(authors):
    if authors is None:
        return []
    if isinstance(authors, str):
        return [authors]
    try:
        return [str(a) for a in list(authors)[:50]]
    except TypeError:
        return [str(authors)]


def match_score(title_a, authors_a, title_b, authors_b):
    """0-100: the title's score, lowered when the authors differ; unknown authors are neutral.

    Matching authors never raise a title's score: one author's similar titles ("Harry
    Potter and the Goblet of Fire" / "... Order of the Phoenix") stay apart.
    """
    title = title_score(title_a, title_b)
    author = author_score(authors_a, authors_b)
    if author is None or author >= AUTHOR_SAME:
        return title
    return float(round(TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * author, 2))


def same_isbn(a, b):
    """True when two ISBNs (10 or 13 digits, any hyphens) name the same edition."""
    try:
        return isbn_lib.to_isbn13(isbn_lib.validate(a)) == isbn_lib.to_isbn13(isbn_lib.validate(b))
    except Exception:
        return False


def best_match(title, authors, candidates, key, threshold=MATCH_THRESHOLD):
    """(candidate, score) of the best candidate at or over threshold, or None.

    key(candidate) -> (title, authors). A near-tie between two *different* titles is
    refused: guessing between "Book 1" and "Book 2" is worse than no match.
    """
    scored = []
    for candidate in candidates:
        cand_title, cand_authors = key(candidate)
        scored.append(
            (match_score(title, authors, cand_title, cand_authors), candidate, cand_title)
        )
    scored = [item for item in scored if item[0] >= threshold]
    if not scored:
        return None
    scored.sort(key=lambda item: item[0], reverse=True)
    best = scored[0]
    for other in scored[1:]:
        if best[0] - other[0] < 2 and clean_title(other[2]) != clean_title(best[2]):
            return None
    return best[1], best[0]


def is_non_book(title):
    """Summaries, study guides, box sets and the like: not a book to fetch."""
    return bool(_NON_BOOK.search(_text(title)))
