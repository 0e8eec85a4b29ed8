"""Is this release (or record) that book? Titles and authors compared as people read them.

Release titles carry noise: "(Unabridged)", "[M4B]", "{128kbps}", "A Novel", editions,
"(The Expanse, #1)", "The Expanse 01 - ", accents, punctuation, HTML entities. A title is
taken apart (titles.anatomy) into the title proper, its subtitle, the series and position a
descriptor names and its form; the scores compare what is left with rapidfuzz. Authors are
read in authors.py.

Policy, decided here and tested in catalog/tests/test_matching*.py:
- Noise is not the book: "(Unabridged)", "Abridged", format tags, "A Novel" / "A Thriller",
  "Deluxe Edition", "Movie Tie-In", bracketed years and every other bracketed annotation.
- A series descriptor is not the title: "(The Expanse, #1)", "(Expanse 1)", ": The Expanse,
  Book 1", ": Book One of the Stormlight Archive", "The Expanse 01 - Leviathan Wakes",
  "The Dark Tower II: The Drawing of the Three" all name the book "Leviathan Wakes" (etc.) at
  a position. Two positions in one series (or an unknown one) are two books; positions in
  two different series ("Mort": Discworld #4, Death #1) don't clash.
- Numbers matter: "Book 1" / "Book 2", "Volume II" / "Volume 3", "2001" / "2010" are
  different books; roman, word and arabic volume numbers are equal ("Book Three" = "Book 3").
- Two titles (title_score, match_score): a subtitle is optional. "Sapiens: A Brief History of
  Humankind" matches "Sapiens" (score SUBTITLE_DROPPED) and "Mistborn: The Final Empire"
  matches "The Final Empire" (a series-like prefix dropped, PREFIX_DROPPED, a little
  higher: when both books exist, the subtitle names the book). Two *different* subtitles of
  one main title are different books ("The Hunger Games: Catching Fire" / "... :
  Mockingjay"). Without a separator, extra words are a different book: "Dune" / "Dune
  Messiah", "Foundation" / "Foundation and Empire".
- A release (or record) against the library's book (book_score, best_match; what the jobs
  link and download by): "Title: Something" is often another book of the same world (a
  prequel by co-authors, a spin-off, a novella: "Dune: House Atreides", "Mistborn: Secret
  History", "Thrawn: Alliances"). A subtitle is dropped only when it is the book's own (its
  `subtitle` from metadata), a descriptor ("A Novel", "Book 3", "Unabridged" never count)
  or an alternative title ("The Hobbit, or There and Back Again"); any other dropped
  subtitle caps the score at OTHER_WORK_CAP. A series-like prefix ("Star Wars: Thrawn",
  "The Witcher: Blood of Elves") may still be dropped, but when either title has a part
  the other lacks, the authors must be the same people: an author added or a different
  set ("Dune: House Atreides" by Brian Herbert and Kevin J. Anderson against "Dune" by
  Frank Herbert) is another book.
- Every content word must have a counterpart, allowing a typo (one letter in a short word,
  two in a long one): "The Stand" / "The Standard" and "Magic Bites" / "Magic Binds" don't
  match, "Fifty Shades of Grey" / "... Gray" does.
- Leading (and all) English articles, "&" / "and", case, accents, apostrophes and spacing
  don't count: "The Way of Kings" = "Way of Kings, The", "Ender's Game" = "Enders Game".
- "Harry Potter and the Philosopher's Stone" and "... Sorcerer's Stone" are one book (the
  UK and US titles): a tiny alias table says so, since no string measure can.
- A dramatized / full-cast / radio / BBC adaptation (or a "complete series" of them) and a
  graphic novel are different products from the book read in full: each matches another
  of its own form, but against the book it scores at most ADAPTATION_CAP (below the
  threshold), so a job never fetches a radio play for a wanted audiobook. clean_title()
  keeps the difference ("hobbit dramatized"), and so does display_title() ("The Hobbit
  (Dramatized)"), so a book created from one stays apart.
- Authors: unknown (empty, "Various", "Anonymous") neither helps nor hurts; a different
  author lowers the score below the threshold; the same author never raises it (one
  author's similar titles stay apart).
- A title with no letters or digits left matches nothing, not even itself: it is unknown.
- Every public function is total: any text, None, numbers, 10 MB strings (only the first
  MAX_LENGTH characters are read); it never raises (an internal error is logged and gives
  the "no match" answer). The guard (guard.never_raises) wraps the public names here only:
  the code calls the unguarded functions of titles.py and authors.py, so the tests of
  __wrapped__ see any internal error, and the guard is tested apart.
"""

import functools
import re

from rapidfuzz import fuzz, process
from stdnum import isbn as isbn_lib

from catalog.matching import authors as people
from catalog.matching import titles
from catalog.matching.authors import AUTHOR_SAME
from catalog.matching.guard import never_raises
from catalog.matching.text import MAX_LENGTH, as_text
from catalog.matching.titles import (
    ADAPTATION_CAP,
    MATCH_THRESHOLD,
    PREFIX_DROPPED,
    SUBTITLE_DROPPED,
    WORD_MISMATCH_CAP,
)

__all__ = [
    "ADAPTATION_CAP",
    "AUTHOR_SAME",
    "MATCH_THRESHOLD",
    "MAX_LENGTH",
    "NEAR_TIE",
    "OTHER_WORK_CAP",
    "PREFIX_DROPPED",
    "SUBTITLE_DROPPED",
    "TITLE_FLOOR",
    "TITLE_WEIGHT",
    "WORD_MISMATCH_CAP",
    "author_score",
    "best_match",
    "book_score",
    "clean_author",
    "clean_title",
    "display_title",
    "is_non_book",
    "match_keys",
    "match_score",
    "might_match",
    "texts_of",
    "forget_caches",
    "word_initials",
    "same_isbn",
    "title_score",
]

OTHER_WORK_CAP = 80.0  # an unknown subtitle dropped, or other authors: another book
TITLE_WEIGHT = 0.75  # share of the title in match_score when the authors differ
NEAR_TIE = 3.0  # best_match refuses two different books scoring closer than this
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


@never_raises("")
def clean_title(text):
    """A comparison key: noise, series descriptor, punctuation, case, accents, articles gone.

    "The Way of Kings (The Stormlight Archive, #1) [Unabridged]" -> "way of kings".
    """
    return titles.clean_title(text)


@never_raises("")
def display_title(text):
    """The title as a person would write it: noise and series descriptor gone, case kept."""
    return titles.display_title(text)


@never_raises(0.0)
def title_score(a, b):
    """0-100: how surely two titles name the same book (symmetric)."""
    return titles.title_score(a, b)


@never_raises("")
def clean_author(name):
    """One key per person: 'Le Guin, Ursula K.' = 'Ursula K. Le Guin'; 'J.R.R.' = 'JRR'."""
    return people.clean_author(name)


@never_raises(None)
def author_score(authors_a, authors_b):
    """0-100 for the best-matching pair of authors; None when either side is unknown."""
    return people.author_score(authors_a, authors_b)


def _with_authors(title, author):
    """The title's score, lowered when the authors differ (author None: unknown, neutral)."""
    if author is None or author >= AUTHOR_SAME:
        return title
    return round(TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * author, 2)


def _match_score(title_a, authors_a, title_b, authors_b):
    return _with_authors(
        titles.title_score(title_a, title_b), people.author_score(authors_a, authors_b)
    )


@never_raises(0.0)
def match_score(title_a, authors_a, title_b, authors_b):
    """0-100: the title's score, lowered when the authors differ; unknown authors are neutral.

    Matching authors never raise a title's score: one author's similar titles ("Harry
    Potter and the Goblet of Fire" / "... Order of the Phoenix") stay apart.
    """
    return _match_score(title_a, authors_a, title_b, authors_b)


def _book_score(title, authors, book_title, book_authors, book_subtitle=""):
    release = titles.anatomy(as_text(title))
    score = 0.0
    for full in _book_titles(as_text(book_title), as_text(book_subtitle)):
        found, dropped = titles.title_match(release, titles.anatomy(full))
        # A subtitle that is not the book's own may name another book of its world; so may
        # any dropped part when the authors are other people (asked only when it matters).
        if dropped == titles.SUBTITLE:
            found = min(found, OTHER_WORK_CAP)
        elif dropped and found > OTHER_WORK_CAP:
            if people.same_people(authors, book_authors) is False:
                found = OTHER_WORK_CAP
        score = max(score, found)
    return _with_authors(round(score, 2), people.author_score(authors, book_authors))


@functools.lru_cache(maxsize=65536)
def _book_titles(title, subtitle):
    """The book's title, and with its subtitle from metadata when the title lacks it."""
    words = titles.title_key(subtitle)
    if words and f" {words} " not in f" {titles.title_key(title)} ":
        return (title, f"{title}: {subtitle}")
    return (title,)


# The lowest title score from which book_score can still reach MATCH_THRESHOLD: authors that
# differ (below AUTHOR_SAME) are blended in with weight 1 - TITLE_WEIGHT, so a title a little
# under the threshold reaches it with authors just under AUTHOR_SAME. One point lower for
# the rounding to two decimals.
TITLE_FLOOR = (MATCH_THRESHOLD - (1 - TITLE_WEIGHT) * AUTHOR_SAME) / TITLE_WEIGHT - 1


@never_raises(())
def match_keys(title, subtitle=""):
    """The comparison strings book_score can score a title by (its key, and its parts alone:
    main title, subtitle, series-like prefix), with the subtitle from metadata as
    book_score adds it. For might_match."""
    keys = []
    for full in _book_titles(as_text(title), as_text(subtitle)):
        anatomy = titles.anatomy(full)
        keys += [anatomy.name, *(key for key, _, _ in anatomy.parts)]
    return tuple(dict.fromkeys(key for key in keys if key))


def texts_of(title, subtitle="", series=""):
    """The texts that clean_title and match_keys take apart (titles.anatomy) for a book of
    this title, subtitle and series: what another process can work out ahead of them
    (titles.worked_out there, titles.remember here)."""
    texts = [*_book_titles(as_text(title), as_text(subtitle)), as_text(series)]
    return [text for text in texts if text]


def forget_caches():
    """Empty every cache of titles and names taken apart, as in a new process (for a
    benchmark that repeats a first import in one process)."""
    titles.forget()
    _book_titles.cache_clear()
    people.forget()


def word_initials(key):
    """The first letters of a match key's words, but for little words ("of", "the"): a key
    might_match passes on its words has the same as the other (every word needs a
    counterpart that starts with its letter), so an index by them finds every candidate."""
    return titles.word_initials(key)


def might_match(keys, candidate_keys):
    """The indexes of candidate_keys (strings from match_keys of the candidates) that a title
    with these match_keys could score MATCH_THRESHOLD against with book_score, whatever the
    authors: a necessary condition, tested in C by rapidfuzz, so that a lookup scores only
    the few candidates that can match rather than every title sharing words with it.

    book_score reaches the threshold only when some pair of the two titles' keys scores
    TITLE_FLOOR with fuzz.ratio and has a counterpart for every word (else the pair is
    capped at WORD_MISMATCH_CAP), or is one word spaced two ways ("spider man").
    """
    found = set()
    squeezed = [key.replace(" ", "") for key in candidate_keys]
    for key in keys:
        for other, _, index in process.extract(
            key, candidate_keys, scorer=fuzz.ratio, score_cutoff=TITLE_FLOOR, limit=None
        ):
            if index not in found and not titles.words_differ(key, other):
                found.add(index)
        for _, _, index in process.extract(
            key.replace(" ", ""), squeezed, scorer=fuzz.ratio, score_cutoff=100, limit=None
        ):
            found.add(index)
    return found


@never_raises(0.0)
def book_score(title, authors, book_title, book_authors, book_subtitle=""):
    """0-100: is this release (or record) the library's book? match_score with the subtitle
    policy (see the module's docstring): a subtitle the book does not have, or other
    authors when a title part was dropped, make another book of the same world."""
    return _book_score(title, authors, book_title, book_authors, book_subtitle)


# -- identifiers, choice, non-books --------------------------------------------------------


@never_raises(False)
def same_isbn(a, b):
    """True when two ISBNs (10 or 13 digits, hyphens, "ISBN" prefix) name one edition."""

    def isbn13(value):
        text = re.sub(r"^\s*isbn(?:-1[03])?:?\s*", "", as_text(value), flags=re.IGNORECASE)
        return isbn_lib.to_isbn13(isbn_lib.validate(text))

    try:
        return isbn13(a) == isbn13(b)
    except Exception:  # stdnum's ValidationError subclasses: malformed is "not the same"
        return False


def _default_key(candidate):
    """A candidate given as a title, or as (title, authors) or (title, authors, subtitle)."""
    if isinstance(candidate, tuple | list) and len(candidate) in (2, 3):
        return tuple(candidate)
    return candidate, ()


def best_match(title, authors, candidates, key=_default_key, threshold=MATCH_THRESHOLD):
    """(candidate, score) of the library's book for a release or record, or None.

    The candidates are the library's books, scored with book_score. key(candidate) ->
    (title, authors) or (title, authors, subtitle). When another candidate scores within
    NEAR_TIE of the best and is a *different* book (the two titles don't match each other),
    there is no answer: guessing between "Book 1" and "Book 2" is worse than no match. A
    key function that raises is the caller's bug and is not hidden.
    """
    scored = []
    for index, candidate in enumerate(candidates or ()):
        cand_title, cand_authors, *subtitle = key(candidate)
        score = _book_score(title, authors, cand_title, cand_authors, *subtitle)
        if score >= threshold:
            scored.append((score, index, candidate, cand_title))
    if not scored:
        return None
    scored.sort(key=lambda item: (-item[0], item[1]))
    best_score, _, best, best_title = scored[0]
    for score, _, _, other_title in scored[1:]:
        if best_score - score >= NEAR_TIE:
            break
        if titles.title_score(best_title, other_title) < threshold:
            return None
    return best, best_score


@never_raises(False)
def is_non_book(title):
    """Summaries, study guides, workbooks, box sets and omnibuses: not a book to fetch."""
    return bool(_NON_BOOK.search(as_text(title)))
