"""Open Library's search.json and works.json answers."""


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
