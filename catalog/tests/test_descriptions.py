"""Descriptions keep their paragraphs, whichever source wrote them and however."""

import pytest

from catalog.clients import audible, audnexus, goodreads, google_books

PARAGRAPHS = "It has begun.\n\nIn the ruins, a child waits."

SOURCES = {
    "Google Books": lambda text: google_books.volume_record(
        {"id": "g1", "volumeInfo": {"title": "Ruins", "description": text}}
    ),
    "Goodreads": lambda text: goodreads.book_record({"title": "Ruins", "description": text}, {}),
    "Audible": lambda text: audible.product_record(
        {"asin": "B000000001", "title": "Ruins", "publisher_summary": text}
    ),
    "Audnexus": lambda text: audnexus.book_record(
        {"asin": "B000000001", "title": "Ruins", "summary": text}
    ),
}

MARKUPS = {
    "paragraphs": "<p>It has begun.</p><p>In the ruins, a child waits.</p>",
    "line breaks": "It has begun.<br /><br />In the ruins, a child waits.",
    "one line break": "It has begun.<br>In the ruins, a child waits.",
    "plain text": "It has begun.\n\nIn the ruins, a child waits.",
    "divs and newlines": "<div>It has begun.</div>\n<div>In the ruins,\n a child waits.</div>",
}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("markup", MARKUPS)
def test_a_description_keeps_its_paragraphs_apart_by_a_blank_line(source, markup):
    assert SOURCES[source](MARKUPS[markup]).description == PARAGRAPHS


def test_inline_markup_does_not_break_a_paragraph():
    record = SOURCES["Google Books"]("<p>A <b>fine</b> book, <i>truly</i>.</p>")
    assert record.description == "A fine book, truly."
