"""Open Library's search.json and works.json answers.

As PROVIDERS.md says: works.json entries carry no language (a translation is a work of its
own under its translated title); search.json docs carry `language` and the editions'
titles (`alternative_title`).
"""


def openlibrary_works(titles, size=None, offset=0):
    return {
        "links": {},
        "size": len(titles) if size is None else size,
        "entries": [
            {"key": f"/works/OL{offset + i}W", "title": t, "type": {"key": "/type/work"}}
            for i, t in enumerate(titles)
        ],
    }


def openlibrary_search(docs):
    return {"numFound": len(docs), "start": 0, "docs": docs}


def openlibrary_doc(key, title, languages=(), alternative_titles=()):
    """One search.json doc of a work: its languages (MARC codes) and its editions' titles."""
    return {
        "key": key,
        "title": title,
        "language": list(languages),
        "alternative_title": [title, *alternative_titles],
    }
