"""Languages as each source writes them, compared with LIBRARY_LANGUAGES (ISO 639-1)."""

import pytest

from catalog.clients.mam import parse_torrent
from catalog.downloads import release_score
from catalog.languages import in_library_languages
from catalog.tests.fakes.mam import mam_item


def _score(lang_code):
    torrent = parse_torrent(mam_item(1, "Dune", authors=("Frank Herbert",), lang_code=lang_code))
    return release_score("Dune", ["Frank Herbert"], torrent)


def test_an_english_mam_release_gets_the_language_points_a_german_one_does_not(settings):
    settings.LIBRARY_LANGUAGES = ["en"]
    assert _score("ENG") == _score("GER") + 5


def test_a_german_library_gives_the_points_to_the_german_release(settings):
    settings.LIBRARY_LANGUAGES = ["de"]
    assert _score("GER") == _score("ENG") + 5


@pytest.mark.parametrize(
    ("source", "language"),
    [
        ("MAM", "ENG"),
        ("Open Library", "eng"),
        ("Google Books", "en"),
        ("Goodreads", "English"),
    ],
)
def test_each_source_s_way_of_writing_english_is_in_an_english_library(settings, source, language):
    settings.LIBRARY_LANGUAGES = ["en"]
    assert in_library_languages(language)


@pytest.mark.parametrize("language", ["SPA", "tur", "fre", "de", "German"])
def test_other_languages_are_not_in_an_english_library(settings, language):
    settings.LIBRARY_LANGUAGES = ["en"]
    assert not in_library_languages(language)
