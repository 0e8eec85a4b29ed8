"""Random text never breaks the matcher (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.matching import clean_author, clean_title, match_score, title_score

texts = st.text(max_size=200)
author_lists = st.lists(st.text(max_size=40), max_size=4)


@settings(max_examples=300, deadline=None)
@given(texts, texts)
def test_title_scores_stay_between_0_and_100_and_are_symmetric(a, b):
    score = title_score(a, b)
    assert 0 <= score <= 100
    assert score == title_score(b, a)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_a_title_always_matches_itself(title):
    assert title_score(title, title) == 100


@settings(max_examples=300, deadline=None)
@given(texts, author_lists, texts, author_lists)
def test_match_score_never_raises_on_any_text(title_a, authors_a, title_b, authors_b):
    assert 0 <= match_score(title_a, authors_a, title_b, authors_b) <= 100
    assert isinstance(clean_title(title_a), str)
    assert all(isinstance(clean_author(name), str) for name in authors_a)
