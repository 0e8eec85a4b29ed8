"""Titles taken apart: the title proper, its subtitle, the series a descriptor names, the
form (the book, a dramatization, a graphic novel); and two titles compared.

The policy these implement is in catalog/matching/__init__.py's docstring. Nothing here is
guarded: the public functions there are (see catalog/matching/guard.py).
"""

import html
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from catalog.matching.text import as_text
from catalog.normalize import NUMBER_WORDS, ascii_fold, number_text, roman_to_int

MATCH_THRESHOLD = 85.0  # a score at or above this: the same book
SUBTITLE_DROPPED = 90.0  # "Sapiens: A Brief History of Humankind" vs "Sapiens"
PREFIX_DROPPED = 95.0  # "Mistborn: The Final Empire" vs "The Final Empire"
WORD_MISMATCH_CAP = 75.0  # a content word without a counterpart: another book
ADAPTATION_CAP = 70.0  # a dramatization against the book itself

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
# "Radio" alone is a word of titles ("Radio Silence"); with a second word it is a broadcast.
_DRAMATIZED = (
    r"dramati[sz](?:ed|ation)s?|full[\s-]cast|audio\s+drama|bbc|complete\s+(?:radio\s+)?series|"
    r"radio\s+(?:drama|play|series|serial|adaptation|production|collection|version|\d)"
)
_GRAPHIC = r"graphic\s+(?:novel|adaptation)"
_ADAPTATION = re.compile(rf"(?<!\w)(?:(?P<dramatized>{_DRAMATIZED})|{_GRAPHIC})(?!\w)", re.I)
_ADAPTATION_NOISE = re.compile(
    rf"(?<!\w)(?:{_DRAMATIZED}|{_GRAPHIC}|radio(?:\s+\d)?|adaptation|"
    r"production|recording|version)(?!\w)",
    re.IGNORECASE,
)
DRAMATIZED, GRAPHIC_NOVEL = "dramatized", "graphic novel"
_SEPARATOR = re.compile(r"\s*[:;]\s*(?:or,?\s+)?|\s+-+\s+|,\s+or,?\s+", re.IGNORECASE)
_OF_SERIES = re.compile(
    r"[\s,]*" + _MARKER + r"(?P<num>" + _NUM + r")\s+(?:of|in)\s+(?P<series>.+)$", re.I
)
_SERIES_LEAD = re.compile(r"^(?:(?:of|in)\s+)?(?:the\s+)?", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_ROMAN_WORD = re.compile(r"[ivx]+")
_POSITION = re.compile(r"\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?")
_OR = re.compile(r"\bor\b", re.IGNORECASE)


def title_key(text):
    """Comparison words: folded, no punctuation or articles, volume numbers as digits."""
    text = ascii_fold(text).replace("&", " and ").replace("_", " ")
    text = text.replace("'", "")
    text = _VOLUME.sub(lambda m: f" {_position(m.group('num')) or m.group(0)} ", text)
    text = _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip()
    for pattern, replacement in _ALIASES:
        text = pattern.sub(replacement, text)
    words = [word for word in text.split() if word not in _ARTICLES]
    # "Rocky II" is "Rocky 2"; a lone "I" is too often the pronoun to convert.
    if len(words) > 1 and words[-1] != "i" and _ROMAN_WORD.fullmatch(words[-1]):
        words[-1] = str(roman_to_int(words[-1]) or words[-1])
    return " ".join(str(int(w)) if w.isdecimal() and len(w) < 8 else w for w in words)


def _position(raw):
    """A volume number as digits ("03", "III", "three" -> "3"), or "" when it is none."""
    value = number_text(raw)
    return value if _POSITION.fullmatch(value) else ""


# What a comparison dropped: the SUBTITLE, a series-like PREFIX, an ALTERNATIVE title
# ("X, or Y"), or a series DESCRIPTOR only one of the two titles has.
SUBTITLE, PREFIX, ALTERNATIVE, DESCRIPTOR = "subtitle", "prefix", "alternative", "descriptor"


@dataclass(frozen=True)
class _Anatomy:
    name: str  # key of the title proper with its subtitle
    # ((key, cap, kind), ...): a part alone, comparable with another whole name; kind is
    # what comparing it drops (the SUBTITLE when the part is the main title, ...).
    parts: tuple
    display: str  # the title proper as a person writes it
    series: str  # key of the series a descriptor named, or ""
    position: str  # the position in that series ("1", "2.5", "1-3"), or ""
    form: str  # "" for the book, DRAMATIZED (full cast, radio, BBC) or GRAPHIC_NOVEL

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
    # Tracker tags first: "[MP3]" is a format, not volume 3 of a series "MP".
    first = _NOISE.sub(" ", content.split(";")[0]).strip()
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
        stripped = part.strip(" ,:;-")
        part = _TRAILING_NOISE.sub("", stripped)
        if part == stripped:  # nothing came off: nothing would in another pass
            break
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


def _form(text):
    """DRAMATIZED, GRAPHIC_NOVEL or "" (the book read in full)."""
    match = _ADAPTATION.search(text)
    if not match:
        return ""
    return DRAMATIZED if match.group("dramatized") else GRAPHIC_NOVEL


def _split_subtitle(text):
    """(main, subtitle, alternative): alternative when the subtitle is "or ..." another title."""
    match = _SEPARATOR.search(text)
    if not match:
        return text, "", False
    alternative = bool(_OR.search(match.group(0)))
    return text[: match.start()], text[match.end() :], alternative


# Large enough for a whole library's titles: the library scan and series completion compare
# each new title with many of the catalog's, and a cache smaller than the catalog is evicted
# before it is reused (at 10,000 books one of 8,192 made matching four times slower).
ANATOMY_CACHE = 65536
_anatomies = OrderedDict()  # text -> _Anatomy, the least recently used first
_anatomies_lock = threading.Lock()  # jobs run in threads of one process


def anatomy(text):
    """The title taken apart (cached: the jobs take the same titles apart many times)."""
    with _anatomies_lock:
        found = _anatomies.get(text)
        if found is not None:
            _anatomies.move_to_end(text)
            return found
    found = _anatomy(text)
    remember({text: found})
    return found


def worked_out(texts):
    """{text: anatomy} of these texts, for remember() in another process."""
    return {text: anatomy(text) for text in texts}


def remember(anatomies):
    """Anatomies another process worked out (the library scan's reading processes take the
    titles they read apart), kept as if worked out here: the same texts, the same answers."""
    with _anatomies_lock:
        _anatomies.update(anatomies)
        while len(_anatomies) > ANATOMY_CACHE:
            _anatomies.popitem(last=False)


def forget():
    """Empty the cache (a benchmark's next first import starts as a new process would)."""
    with _anatomies_lock:
        _anatomies.clear()


def _anatomy(text):
    text = unicodedata.normalize("NFKC", html.unescape(text)).translate(_TYPOGRAPHY)
    form = _form(text)
    if form:
        text = _ADAPTATION_NOISE.sub(" ", text)
    stripped, bracketed = _strip_brackets(text)
    main, sub, alternative = _split_subtitle(_NOISE.sub(" ", stripped))
    main, sub = _strip_noise(main), _strip_noise(sub)
    main, sub = (main, sub) if main else (sub, "")
    main, sub, described, prefix = _split_descriptor(main, sub)
    series, position = bracketed or described or ("", "")
    # A title of articles alone ("A A A (B)") keys on its whole text: without its tracker
    # tags, or "(Unabridged)" made "A A A (B)" a different book.
    name = title_key(f"{main} {sub}") or title_key(_NOISE.sub(" ", text))
    parts = [(title_key(prefix), SUBTITLE_DROPPED, SUBTITLE)] if prefix else []
    if sub:
        parts += [
            (title_key(main), SUBTITLE_DROPPED, ALTERNATIVE if alternative else SUBTITLE),
            (title_key(sub), PREFIX_DROPPED, ALTERNATIVE if alternative else PREFIX),
        ]
    display = _SPACES.sub(" ", f"{main}: {sub}" if sub else main).strip(" ,:;-")
    display = display or _SPACES.sub(" ", text).strip()
    return _Anatomy(
        name=name,
        parts=tuple(part for part in parts if part[0] and part[0] != name),
        # A book created from a dramatization must not pass for the book itself.
        display=f"{display} ({form.title()})" if form and display else display,
        series=title_key(_SERIES_LEAD.sub("", series)),
        position=_position(position),
        form=form,
    )


def clean_title(text):
    title = anatomy(as_text(text))
    return f"{title.name} {title.form}" if title.form and title.name else title.name


def display_title(text):
    return anatomy(as_text(text)).display


def _close(word, other):
    """A typo apart: one letter in a word of up to five, two in a longer one.

    Numbers must be equal, and so must first letters: "Grey" / "Gray" is a spelling,
    "Dead Beat" / "Dead Heat" are two books.
    """
    if word.isdecimal() or other.isdecimal() or word[0] != other[0]:
        return False
    allowed = 1 if max(len(word), len(other)) <= 5 else 2
    return Levenshtein.distance(word, other, score_cutoff=allowed) <= allowed


def word_initials(key):
    """The first letters of a key's words, stop words aside. Two keys words_differ() does
    not part have the same: a word is a counterpart of another only when _close, and _close
    words start with the same letter."""
    return frozenset(word[0] for word in key.split() if word not in _STOP_WORDS)


def words_differ(a, b):
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
    if score <= WORD_MISMATCH_CAP:  # the cap could not lower it: no need to look at words
        return score
    return WORD_MISMATCH_CAP if words_differ(a, b) else score


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


def title_match(x, y):
    """(score, kind) of two anatomies: kind is what the best score dropped ("": nothing)."""
    if not x.name or not y.name or _numbers_differ(x, y):
        return 0.0, ""
    score, dropped = _pair_score(x.name, y.name), ""
    for parts, other in ((x.parts, y.name), (y.parts, x.name)):
        for key, cap, kind in parts:
            part_score = min(cap, _pair_score(key, other))
            if part_score > score:
                score, dropped = part_score, kind
    if not dropped and bool(x.position) != bool(y.position):
        dropped = DESCRIPTOR  # "The Sandman: Act II" / "The Sandman"
    if x.form != y.form:
        score = min(score, ADAPTATION_CAP)
    return float(score), dropped


def title_score(a, b):
    return round(title_match(anatomy(as_text(a)), anatomy(as_text(b)))[0], 2)
