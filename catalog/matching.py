"""Is this release (or record) that book? Titles and authors compared as people read them.

Release titles carry noise: "(Unabridged)", "[M4B]", "{128kbps}", "A Novel", editions,
"(The Expanse, #1)", "The Expanse 01 - ", accents, punctuation, HTML entities. A title is
taken apart (_anatomy) into the title proper, its subtitle, and the series and position a
descriptor names; the scores compare what is left with rapidfuzz.

Policy, decided here and tested in catalog/tests/test_matching.py:
- Noise is not the book: "(Unabridged)", "Abridged", format tags, "A Novel" / "A Thriller",
  "Deluxe Edition", "Movie Tie-In", bracketed years and every other bracketed annotation.
- A series descriptor is not the title: "(The Expanse, #1)", "(Expanse 1)", ": The Expanse,
  Book 1", ": Book One of the Stormlight Archive", "The Expanse 01 - Leviathan Wakes",
  "The Dark Tower II: The Drawing of the Three" all name the book "Leviathan Wakes" (etc.) at
  a position. Two positions in one series (or an unknown one) are two books; positions in
  two different series ("Mort": Discworld #4, Death #1) don't clash.
- Numbers matter: "Book 1" / "Book 2", "Volume II" / "Volume 3", "2001" / "2010" are
  different books; roman, word and arabic volume numbers are equal ("Book Three" = "Book 3").
- A subtitle is optional: "Sapiens: A Brief History of Humankind" matches "Sapiens" (score
  SUBTITLE_DROPPED) and "Mistborn: The Final Empire" matches "The Final Empire" (a series-like
  prefix dropped, PREFIX_DROPPED, a little higher: when both books exist, the subtitle
  names the book). Two *different* subtitles of one main title are different books
  ("The Hunger Games: Catching Fire" / "... : Mockingjay"). Without a separator, extra words
  are a different book: "Dune" / "Dune Messiah", "Foundation" / "Foundation and Empire".
- Every content word must have a counterpart, allowing a typo (one letter in a short word,
  two in a long one): "The Stand" / "The Standard" and "Magic Bites" / "Magic Binds" don't
  match, "Fifty Shades of Grey" / "... Gray" does.
- Leading (and all) English articles, "&" / "and", case, accents, apostrophes and spacing
  don't count: "The Way of Kings" = "Way of Kings, The", "Ender's Game" = "Enders Game".
- "Harry Potter and the Philosopher's Stone" and "... Sorcerer's Stone" are one book (the
  UK and US titles): a tiny alias table says so, since no string measure can.
- A dramatized / full-cast / radio adaptation is a different product from the book read
  in full: it matches another adaptation of the book, but against the book it scores at
  most ADAPTATION_CAP (below the threshold), so a job never fetches a radio play for a
  wanted audiobook. clean_title() keeps the difference ("hobbit dramatized"), and so
  does display_title() ("The Hobbit (Dramatized)"), so a book created from one stays apart.
- Authors: unknown (empty, "Various", "Anonymous") neither helps nor hurts; a different
  author lowers the score below the threshold; the same author never raises it (one
  author's similar titles stay apart).
- A title with no letters or digits left matches nothing, not even itself: it is unknown.
- Every public function is total: any text, None, numbers, 10 MB strings (only the first
  MAX_LENGTH characters are read); it never raises (an internal error is logged and gives
  the "no match" answer).
"""

import functools
import html
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from stdnum import isbn as isbn_lib

from catalog.normalize import NUMBER_WORDS, ascii_fold, number_text, roman_to_int

logger = logging.getLogger(__name__)

MATCH_THRESHOLD = 85.0  # match_score at or above this: the same book
SUBTITLE_DROPPED = 90.0  # "Sapiens: A Brief History of Humankind" vs "Sapiens"
PREFIX_DROPPED = 95.0  # "Mistborn: The Final Empire" vs "The Final Empire"
WORD_MISMATCH_CAP = 75.0  # a content word without a counterpart: another book
ADAPTATION_CAP = 70.0  # a dramatization against the book itself
TITLE_WEIGHT = 0.75  # share of the title in match_score when the authors differ
AUTHOR_SAME = 90.0  # author_score at or above this: the same person
NEAR_TIE = 3.0  # best_match refuses two different books scoring closer than this
MAX_LENGTH = 1000  # longer input is truncated before any work

_ARTICLES = {"the", "a", "an"}
_STOP_WORDS = _ARTICLES | {"and", "of", "in", "on", "to", "for", "with", "at", "by", "from"}
_SERIES_WORDS = {"series", "saga", "trilogy", "chronicles", "cycle", "sequence", "novels", "books"}
_ALIASES = [(re.compile(r"\bphilosophers stone\b"), "sorcerers stone")]
_TYPOGRAPHY = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "—": " - ", "―": " - ", "–": "-"}
)

_NUM = r"(?:\d+(?:\.\d+)?(?:\s*-\s*\d+(?:\.\d+)?)?|[ivxlc]+|" + "|".join(NUMBER_WORDS) + r")(?!\w)"
_MARKER = (
    r"(?:(?<!\w)(?:books?|bk|volumes?|vols?|parts?|tome|tomo|band|teil|folge|episode)"
    r"\.?\s*|#\s*)"
)
_VOLUME = re.compile(_MARKER + r"(?P<num>" + _NUM + ")", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"(?<=[^\W\d_])[\s,]+(?P<num>\d{1,2}(?:\.\d+)?|[ivx]{1,5})\s*$", re.I)
_BRACKET_NUMBER = re.compile(r"^(?P<series>.*?)[\s,]*(?P<num>\d{1,3}(?:\.\d+)?(?:-\d+)?)$")
_BRACKETS = re.compile(r"[\(\[\{]([^\(\)\[\]\{\}]*)[\)\]\}]")
_EDITION = (
    r"(?:(?:\d+(?:st|nd|rd|th)|tenth|twentieth|fiftieth|anniversary|deluxe|special|"
    r"collector'?s|illustrated|revised|updated|expanded|movie|film|tv|media|tie-in|"
    r"international|export|kindle|english|us|uk|american|british|new|definitive|annotated|"
    r"large print|author'?s preferred text|reissue|complete)[\s,-]+){1,4}(?:edition|tie-in)"
)
_NOISE = re.compile(
    r"(?<!\w)(?:unabridged|abridged|audio\s?books?|audible(?:\s+(?:audio|original))?"
    r"(?:\s+edition)?|m4b|mp3|aac|flac|\d+\s*k(?:bps|hz)|retail|complete and uncut|"
    + _EDITION
    + r")(?!\w)",
    re.IGNORECASE,
)
_TRAILING_NOISE = re.compile(
    r"(?:^|[\s,:;-]+)(?:an?\s+(?:novel(?:la)?(?: of suspense)?|(?:psychological )?thriller|"
    r"mystery|memoir|romance|love story|true story)|a novel in stories)\s*$",
    re.IGNORECASE,
)
_ADAPTATION = re.compile(
    r"(?<!\w)(?:dramati[sz](?:ed|ation)|full[\s-]cast|radio\s+(?:drama|play)|audio\s+drama)"
    r"(?!\w)",
    re.IGNORECASE,
)
_ADAPTATION_NOISE = re.compile(
    r"(?<!\w)(?:dramati[sz](?:ed|ation)|full[\s-]cast|radio\s+(?:drama|play)|audio\s+drama|"
    r"bbc(?:\s+radio(?:\s+\d)?)?|adaptation|production|recording|version)(?!\w)",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"\s*[:;]\s*|\s+-+\s+|,\s+or,?\s+", re.IGNORECASE)
_OF_SERIES = re.compile(
    r"[\s,]*" + _MARKER + r"(?P<num>" + _NUM + r")\s+(?:of|in)\s+(?P<series>.+)$", re.I
)
_SERIES_LEAD = re.compile(r"^(?:(?:of|in)\s+)?(?:the\s+)?", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_NON_BOOK = re.compile(
    r"(?:^\s*summary\b|\bsummary\s*(?:of|and|&|:|-)|[:(\[-]\s*summary\b|\bbook summary\b|"
    r"\bstudy guide|\b(?:reader|teacher|literature|reading|discussion)'?s? guide|"
    r"\bbook club (?:guide|kit)|\bunofficial (?:guide|companion)|\bspark\s?notes|"
    r"\bcliff'?s?\s?notes|\bbookrags|\binstaread|\bquicklet|\bshmoop|\bconversation starters|"
    r"\bkey takeaways|\banalysis of\b|\bsummary and analysis|\bworkbook\b|\bquiz\s?book|"
    r"\btrivia\b|\bcoloring book|\bbox(?:ed)?[\s-]?set|\bgift set|\bomnibus\b|"
    r"\bcomplete (?:series|trilogy|saga|collection)|\b(?:series|trilogy|\d+[\s-]book)\s+"
    r"(?:collection|bundle)|\bcollection\s+(?:set|of books|\d)|\bbundle\b|"
    r"\b(?:books|vols?\.?|volumes)\s+\d+\s*(?:-|to|through)\s*\d+)",
    re.IGNORECASE,
)


def _never_raises(default):
    """Return default (and log) instead of raising: a matcher bug must not stop a job.

    The jobs call these functions on whatever a tracker or a web page sent; one odd title
    should cost one match, not the run. The wrapped function stays reachable as
    __wrapped__, so the tests can still see an internal error.
    """

    def decorate(function):
        @functools.wraps(function)
        def guarded(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception:
                logger.exception("%s failed; answering %r", function.__name__, default)
                return default

        return guarded

    return decorate


def _text(value):
    """Any value as text, cut to MAX_LENGTH before any other work."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value[: MAX_LENGTH * 4].decode("utf-8", "replace")
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # a __str__ that raises is junk like any other
        return ""
    return text[:MAX_LENGTH]


def _key(text):
    """Comparison words: folded, no punctuation or articles, volume numbers as digits."""
    text = ascii_fold(text).replace("&", " and ").replace("_", " ")
    text = re.sub(r"'", "", text)
    text = _VOLUME.sub(lambda m: f" {_position(m.group('num')) or m.group(0)} ", text)
    text = _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip()
    for pattern, replacement in _ALIASES:
        text = pattern.sub(replacement, text)
    words = [word for word in text.split() if word not in _ARTICLES]
    # "Rocky II" is "Rocky 2"; a lone "I" is too often the pronoun to convert.
    if len(words) > 1 and words[-1] != "i" and re.fullmatch(r"[ivx]+", words[-1]):
        words[-1] = str(roman_to_int(words[-1]) or words[-1])
    return " ".join(str(int(w)) if w.isdecimal() and len(w) < 8 else w for w in words)


def _position(raw):
    """A volume number as digits ("03", "III", "three" -> "3"), or "" when it is none."""
    value = number_text(raw)
    return value if re.fullmatch(r"\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?", value) else ""


@dataclass(frozen=True)
class _Anatomy:
    name: str  # key of the title proper with its subtitle
    parts: tuple  # ((key, cap), ...): a part alone, comparable with another whole name
    display: str  # the title proper as a person writes it
    series: str  # key of the series a descriptor named, or ""
    position: str  # the position in that series ("1", "2.5", "1-3"), or ""
    adaptation: bool  # dramatized / full cast / radio play

    @property
    def digits(self):
        return tuple(sorted(word for word in self.name.split() if word.isdecimal()))


def _descriptor(part, roman_one=False):
    """(series, position) when a title part is a series descriptor, else None.

    "The Expanse, Book 1", "Book One of the Stormlight Archive", "Expanse 01" and (with
    roman_one, for a part followed by a subtitle) "The Dark Tower I" are descriptors.
    """
    for match in _VOLUME.finditer(part):
        position = _position(match.group("num"))
        if position:
            rest = part[: match.start()] + " " + part[match.end() :]
            return _SERIES_LEAD.sub("", rest.strip(" ,.-")).strip(" ,.-"), position
    match = _BARE_NUMBER.search(part)
    if match and (roman_one or match.group("num").lower() != "i"):
        position = _position(match.group("num"))
        if position:
            return part[: match.start()].strip(" ,.-"), position
    return None


def _bracket_descriptor(content):
    """(series, position) from bracketed text such as "The Expanse, #1" or "Expanse 1"."""
    first = content.split(";")[0].strip()
    found = _descriptor(first)
    if found:
        return found
    match = _BRACKET_NUMBER.match(first)
    if match and _position(match.group("num")):
        return match.group("series").strip(" ,.-"), _position(match.group("num"))
    return None


def _strip_brackets(text):
    """The text without bracketed annotations, and the first series descriptor among them."""
    found = None
    for _ in range(10):  # nested brackets come off one layer per pass
        contents = _BRACKETS.findall(text)
        if not contents:
            break
        for content in contents:
            found = found or _bracket_descriptor(content)
        text = _BRACKETS.sub(" ", text)
    return text, found


def _strip_noise(part):
    for _ in range(3):
        part = _TRAILING_NOISE.sub("", part.strip(" ,:;-"))
    return part.strip(" ,:;-.")


def _split_descriptor(main, sub):
    """(main, subtitle, (series, position) or None, prefix) with a series descriptor split off.

    prefix is a descriptor that stood before the title ("The Expanse 01"): kept as a part,
    since "Apollo 13: The Untold Story" looks the same and is also called "Apollo 13".
    """
    if sub and (found := _descriptor(sub)):  # "Leviathan Wakes: The Expanse, Book 1"
        return main, "", found, ""
    if sub and (found := _descriptor(main, roman_one=True)):  # "The Expanse 01 - Leviathan Wakes"
        return sub, "", found, main
    if not sub and (match := _OF_SERIES.search(main)) and match.start():
        return main[: match.start()], "", (match.group("series"), match.group("num")), ""
    return main, sub, None, ""


@functools.lru_cache(maxsize=8192)
def _anatomy(text):
    text = unicodedata.normalize("NFKC", html.unescape(text)).translate(_TYPOGRAPHY)
    adaptation = bool(_ADAPTATION.search(text))
    if adaptation:
        text = _ADAPTATION_NOISE.sub(" ", text)
    stripped, bracketed = _strip_brackets(text)
    main, sub = [*_SEPARATOR.split(_NOISE.sub(" ", stripped), maxsplit=1), ""][:2]
    main, sub = _strip_noise(main), _strip_noise(sub)
    main, sub = (main, sub) if main else (sub, "")
    main, sub, described, prefix = _split_descriptor(main, sub)
    series, position = bracketed or described or ("", "")
    # A title of articles alone ("A A A (B)") keys on its whole text: without its tracker
    # tags, or "(Unabridged)" made "A A A (B)" a different book.
    name = _key(f"{main} {sub}") or _key(_NOISE.sub(" ", text))
    parts = [(_key(prefix), SUBTITLE_DROPPED)] if prefix else []
    if sub:
        parts += [(_key(main), SUBTITLE_DROPPED), (_key(sub), PREFIX_DROPPED)]
    display = _SPACES.sub(" ", f"{main}: {sub}" if sub else main).strip(" ,:;-")
    display = display or _SPACES.sub(" ", text).strip()
    return _Anatomy(
        name=name,
        parts=tuple((key, cap) for key, cap in parts if key and key != name),
        # A book created from a dramatization must not pass for the book itself.
        display=f"{display} (Dramatized)" if adaptation and display else display,
        series=_key(_SERIES_LEAD.sub("", series)),
        position=_position(position),
        adaptation=adaptation,
    )


@_never_raises("")
def clean_title(text):
    """A comparison key: noise, series descriptor, punctuation, case, accents, articles gone.

    "The Way of Kings (The Stormlight Archive, #1) [Unabridged]" -> "way of kings".
    """
    anatomy = _anatomy(_text(text))
    return f"{anatomy.name} dramatized" if anatomy.adaptation and anatomy.name else anatomy.name


@_never_raises("")
def display_title(text):
    """The title as a person would write it: noise and series descriptor gone, case kept."""
    return _anatomy(_text(text)).display


def _close(word, other):
    """A typo apart: one letter in a word of up to five, two in a longer one.

    Numbers must be equal, and so must first letters: "Grey" / "Gray" is a spelling,
    "Dead Beat" / "Dead Heat" are two books.
    """
    if word.isdecimal() or other.isdecimal() or word[0] != other[0]:
        return False
    allowed = 1 if max(len(word), len(other)) <= 5 else 2
    return Levenshtein.distance(word, other, score_cutoff=allowed) <= allowed


def _words_differ(a, b):
    """True when a content word of one title has no counterpart (or typo) in the other."""
    words_a, words_b = Counter(a.split()), Counter(b.split())
    only_a = [w for w in (words_a - words_b).elements() if w not in _STOP_WORDS]
    only_b = [w for w in (words_b - words_a).elements() if w not in _STOP_WORDS]
    if len(only_a) * len(only_b) > 400:  # dozens of words apart: no need to look for typos
        return True
    return any(not any(_close(w, v) for v in only_b) for w in only_a) or any(
        not any(_close(v, w) for w in only_a) for v in only_b
    )


def _pair_score(a, b):
    if not a or not b:
        return 0.0
    if a.replace(" ", "") == b.replace(" ", ""):  # "spider man" / "spiderman"
        return 100.0
    score = fuzz.ratio(a, b)
    return min(score, WORD_MISMATCH_CAP) if _words_differ(a, b) else score


def _same_series(a, b):
    """Unknown counts as the same: "Book 1" and "Book 2" of an unnamed series still differ."""
    words_a, words_b = set(a.split()) - _SERIES_WORDS, set(b.split()) - _SERIES_WORDS
    if not words_a or not words_b:
        return True
    return words_a <= words_b or words_b <= words_a or fuzz.ratio(a, b) >= MATCH_THRESHOLD


def _numbers_differ(x, y):
    if x.position and y.position and x.position != y.position:
        if _same_series(x.series, y.series):
            return True
    return bool(x.digits and y.digits and x.digits != y.digits)


@_never_raises(0.0)
def title_score(a, b):
    """0-100: how surely two titles name the same book (symmetric)."""
    x, y = _anatomy(_text(a)), _anatomy(_text(b))
    if not x.name or not y.name or _numbers_differ(x, y):
        return 0.0
    score = _pair_score(x.name, y.name)
    for key, cap in x.parts:
        score = max(score, min(cap, _pair_score(key, y.name)))
    for key, cap in y.parts:
        score = max(score, min(cap, _pair_score(x.name, key)))
    if x.adaptation != y.adaptation:
        score = min(score, ADAPTATION_CAP)
    return round(float(score), 2)


# -- authors -------------------------------------------------------------------------------

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


@_never_raises("")
def clean_author(name):
    """One key per person: 'Le Guin, Ursula K.' = 'Ursula K. Le Guin'; 'J.R.R.' = 'JRR'."""
    text = _strip_author_noise(_text(name))
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
        for piece in _AUTHOR_LIST.split(_text(item)):
            piece = _strip_author_noise(piece)
            names += [piece] if _is_last_first(piece) else piece.split(",")
    return names[:20]


def _author_keys(authors):
    keys = (clean_author(name) for name in _author_names(authors))
    return [key for key in keys if key and key not in _PLACEHOLDERS]


@_never_raises(None)
def author_score(authors_a, authors_b):
    """0-100 for the best-matching pair of authors; None when either side is unknown."""
    keys_a, keys_b = _author_keys(authors_a), _author_keys(authors_b)
    if not keys_a or not keys_b:
        return None
    return float(max(fuzz.token_sort_ratio(a, b) for a in keys_a for b in keys_b))


@_never_raises(0.0)
def match_score(title_a, authors_a, title_b, authors_b):
    """0-100: the title's score, lowered when the authors differ; unknown authors are neutral.

    Matching authors never raise a title's score: one author's similar titles ("Harry
    Potter and the Goblet of Fire" / "... Order of the Phoenix") stay apart.
    """
    title = title_score(title_a, title_b)
    author = author_score(authors_a, authors_b)
    if author is None or author >= AUTHOR_SAME:
        return title
    return round(TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * author, 2)


# -- identifiers, choice, non-books --------------------------------------------------------


@_never_raises(False)
def same_isbn(a, b):
    """True when two ISBNs (10 or 13 digits, hyphens, "ISBN" prefix) name one edition."""

    def isbn13(value):
        text = re.sub(r"^\s*isbn(?:-1[03])?:?\s*", "", _text(value), flags=re.IGNORECASE)
        return isbn_lib.to_isbn13(isbn_lib.validate(text))

    try:
        return isbn13(a) == isbn13(b)
    except Exception:  # stdnum's ValidationError subclasses: malformed is "not the same"
        return False


def _default_key(candidate):
    """A candidate given as a title, or as (title, authors)."""
    if isinstance(candidate, tuple | list) and len(candidate) == 2:
        return candidate[0], candidate[1]
    return candidate, ()


def best_match(title, authors, candidates, key=_default_key, threshold=MATCH_THRESHOLD):
    """(candidate, score) of the best candidate at or over threshold, or None.

    key(candidate) -> (title, authors). When another candidate scores within NEAR_TIE of
    the best and is a *different* book (the two titles don't match each other), there is
    no answer: guessing between "Book 1" and "Book 2" is worse than no match. A key
    function that raises is the caller's bug and is not hidden.
    """
    scored = []
    for index, candidate in enumerate(candidates or ()):
        cand_title, cand_authors = key(candidate)
        score = match_score(title, authors, cand_title, cand_authors)
        if score >= threshold:
            scored.append((score, index, candidate, cand_title))
    if not scored:
        return None
    scored.sort(key=lambda item: (-item[0], item[1]))
    best_score, _, best, best_title = scored[0]
    for score, _, _, other_title in scored[1:]:
        if best_score - score >= NEAR_TIE:
            break
        if title_score(best_title, other_title) < threshold:
            return None
    return best, best_score


@_never_raises(False)
def is_non_book(title):
    """Summaries, study guides, workbooks, box sets and omnibuses: not a book to fetch."""
    return bool(_NON_BOOK.search(_text(title)))
