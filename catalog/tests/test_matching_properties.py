"""Random text never breaks the matcher, and its scores behave (hypothesis).

The public functions swallow internal errors (a job must not stop on one odd title), so
these properties call the unguarded functions (__wrapped__) too: an exception there is a
bug the guard would otherwise hide.
"""

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from catalog.matching import (
    MATCH_THRESHOLD,
    best_match,
    book_score,
    clean_author,
    clean_title,
    display_title,
    is_non_book,
    match_keys,
    match_score,
    might_match,
    same_isbn,
    title_score,
)

texts = st.text(max_size=200)
author_lists = st.lists(st.text(max_size=40), max_size=4)
# Titles that read like titles: words, numbers and the punctuation trackers use.
# Brackets come in pairs: an unclosed "(" lets a bracketed tag after it read as part of
# one long parenthesis, which no real title has.
word = st.from_regex(r"[A-Za-zÀ-ÿ']{1,12}", fullmatch=True)
title_like = st.tuples(
    word,  # a title starts with a word: "(Book)" alone is all bracket, which trackers drop
    st.lists(
        st.one_of(
            word,
            st.from_regex(r"\([A-Za-z]{1,8}\)", fullmatch=True),
            st.sampled_from(["1", "2", "II", "Book", "#3", ":", "-", "&", "The", "Vol."]),
        ),
        max_size=11,
    ),
).map(lambda parts: " ".join([parts[0], *parts[1]]))
everything = st.one_of(texts, title_like)
tracker_noise = st.sampled_from(
    ["(Unabridged)", "[Unabridged]", "[M4B]", "{128kbps}", "(Audiobook)", "[MP3]"]
)


@settings(max_examples=300, deadline=None)
@given(everything, everything)
def test_title_scores_stay_between_0_and_100_and_are_symmetric(a, b):
    score = title_score.__wrapped__(a, b)
    assert 0 <= score <= 100
    assert score == title_score.__wrapped__(b, a)


@settings(max_examples=300, deadline=None)
@given(everything)
def test_a_title_always_matches_itself(title):
    assume(clean_title(title))  # no letters or digits: an unknown title matches nothing
    assert title_score.__wrapped__(title, title) == 100


@settings(max_examples=300, deadline=None)
@given(everything, author_lists, everything, author_lists)
def test_match_scores_stay_between_0_and_100_and_are_symmetric(
    title_a, authors_a, title_b, authors_b
):
    score = match_score.__wrapped__(title_a, authors_a, title_b, authors_b)
    assert 0 <= score <= 100
    assert score == match_score.__wrapped__(title_b, authors_b, title_a, authors_a)


@settings(max_examples=300, deadline=None)
@given(everything, author_lists)
def test_a_book_always_matches_itself(title, authors):
    assume(clean_title(title))
    assert match_score.__wrapped__(title, authors, title, authors) == 100


@settings(max_examples=300, deadline=None)
@given(everything, author_lists)
def test_a_release_titled_and_written_as_the_book_is_the_book(title, authors):
    assume(clean_title(title))
    assert book_score.__wrapped__(title, authors, title, authors) == 100


@settings(max_examples=300, deadline=None)
@given(everything, author_lists, everything, author_lists)
def test_the_subtitle_policy_only_ever_lowers_a_match(title, authors, book, book_authors):
    # Without a subtitle from metadata, linking is stricter than comparing two titles.
    score = book_score.__wrapped__(title, authors, book, book_authors)
    assert 0 <= score <= match_score.__wrapped__(title, authors, book, book_authors)


@settings(max_examples=200, deadline=None)
@given(title_like, tracker_noise)
@example("A A A (B)", "(Unabridged)")  # articles alone: the name fell back to the raw text
@example("A A A A A 1 : A", "[MP3]")  # a bracketed format read as volume 3 of a series "MP"
def test_a_tracker_tag_never_changes_a_match(title, noise):
    assume(clean_title(title))
    assert title_score.__wrapped__(title, f"{title} {noise}") == 100


@settings(max_examples=300, deadline=None)
@given(everything, author_lists)
def test_the_helpers_never_raise_on_any_text(text, names):
    assert isinstance(clean_title.__wrapped__(text), str)
    assert isinstance(display_title.__wrapped__(text), str)
    assert isinstance(is_non_book.__wrapped__(text), bool)
    assert isinstance(same_isbn.__wrapped__(text, text), bool)
    assert all(isinstance(clean_author.__wrapped__(name), str) for name in names)


@settings(max_examples=200, deadline=None)
@given(everything, author_lists, st.lists(st.tuples(everything, author_lists), max_size=6))
def test_best_match_answers_one_of_the_candidates_or_none(title, authors, candidates):
    found = best_match(title, authors, candidates, key=lambda c: c)
    if found is not None:
        candidate, score = found
        assert candidate in candidates
        assert MATCH_THRESHOLD <= score <= 100


# A title and a variant of it a release or a library folder may carry: close enough that
# book_score often sits near the threshold, which random pairs of titles never do.
def _variant(title, change, extra):
    words = title.split()
    if change == "typo" and words and len(words[-1]) > 1:
        words[-1] = words[-1][:-1] + ("x" if words[-1][-1] != "x" else "y")
    elif change == "word":
        words.append(extra)
    elif change == "drop" and len(words) > 1:
        words.pop()
    elif change == "subtitle":
        words += [":", extra]
    elif change == "prefix":
        words = [extra, ":", *words]
    elif change == "squeeze" and len(words) > 1:
        words = ["".join(words)]
    elif change == "series":
        words += [f"({extra}, #2)"]
    return " ".join(words)


changes = st.sampled_from(
    ["same", "typo", "word", "drop", "subtitle", "prefix", "squeeze", "series"]
)
people = st.lists(
    st.sampled_from(["Ann Leckie", "Ann Leckey", "A. Leckie", "Bo Li", ""]), max_size=2
)


@settings(max_examples=600, deadline=None)
@given(title_like, changes, word, st.sampled_from(["", "A Novel", "The Story"]), people, people)
@example("X Y Z", "squeeze", "A", "", [], [])  # one word spaced two ways ("xyz", "x y z")
@example("Mistborn The Final Empire", "prefix", "Mistborn", "", ["Bo Li"], ["Bo Li"])
@example("The Abcdefgh Ijklm", "typo", "A", "", ["Ann Leckie"], ["Ann Leckey"])  # authors blend
def test_the_candidate_filter_never_drops_a_book_the_matcher_would_take(
    title, change, extra, subtitle, authors, book_authors
):
    release = _variant(title, change, extra)
    if book_score.__wrapped__(release, authors, title, book_authors, subtitle) < MATCH_THRESHOLD:
        return
    assert might_match(match_keys(release), list(match_keys(title, subtitle)))
