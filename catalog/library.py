"""The library as the jobs see it: find a book for a title, add books, upsert releases.

BookIndex loads the catalog once per run (a few queries, whatever its size) so that
matching thousands of releases costs no query per release.
"""

from collections import defaultdict
from itertools import chain

from django.db import transaction
from django.utils import timezone
from stdnum import isbn as isbn_lib

from catalog import matching
from catalog.models import Author, Book, Release, Series


def isbn13(value):
    """The ISBN-13 form of an ISBN-10/13, or '' when it is not a valid ISBN."""
    if not value:  # most books have none: no exception raised and caught for them
        return ""
    try:
        return isbn_lib.to_isbn13(isbn_lib.validate(value))
    except Exception:  # stdnum raises ValidationError subclasses; anything else is junk too
        return ""


class BookIndex:
    """Every book's identifiers and cleaned title, for matching without queries."""

    def __init__(self, books):
        self.by_isbn = {}
        self.by_asin = {}
        self.by_goodreads = {}
        self.by_title = defaultdict(list)
        self.order = {}  # cleaned title -> when it was first added (candidates keep this order)
        self.keys = {}  # cleaned title -> the matching.match_keys of its books
        # The cleaned titles by what a title that could match one of their keys must share
        # with that key (matching.might_match): the first letters of its words, or the key
        # itself without spaces.
        self.by_initials = defaultdict(set)
        self.by_squeezed = defaultdict(set)
        self.authors = {}  # id(book) -> its author names (a book not yet saved has no pk)
        for book in books:
            self.add(book)

    @classmethod
    def load(cls, queryset=None):
        queryset = queryset if queryset is not None else Book.objects.all()
        return cls(
            queryset.prefetch_related("authors").only(
                "id",
                "title",
                "subtitle",
                "isbn_10",
                "isbn_13",
                "asin",
                "goodreads_id",
                "status",
                "series_id",
                "series_position",
                "release_date",
            )
        )

    def add(self, book, author_names=None):
        """Index the book; author_names when known (else read from the book)."""
        for value in (book.isbn_13, book.isbn_10):
            if found := isbn13(value):
                self.by_isbn[found] = book
        if book.asin:
            self.by_asin[book.asin.upper()] = book
        if book.goodreads_id:
            self.by_goodreads[str(book.goodreads_id)] = book
        group = matching.clean_title(book.title)
        self.order.setdefault(group, len(self.order))
        self.by_title[group].append(book)
        known = self.keys.setdefault(group, ())
        new = [key for key in matching.match_keys(book.title, book.subtitle) if key not in known]
        if new:
            self.keys[group] = known + tuple(new)
            for key in new:
                self.by_initials[matching.word_initials(key)].add(group)
                self.by_squeezed[key.replace(" ", "")].add(group)
        if author_names is None:
            author_names = [author.name for author in book.authors.all()]
        self.authors[id(book)] = list(author_names)

    def find(self, title, authors=(), isbn="", asin="", goodreads_id=""):
        """The library's book for this title: ISBN, then ASIN, then Goodreads id, then title
        (matching.best_match: a subtitle the book's metadata does not know, or other authors,
        make another book of the same world)."""
        book = (
            self.by_isbn.get(isbn13(isbn))
            or self.by_asin.get((asin or "").upper())
            or self.by_goodreads.get(str(goodreads_id or ""))
        )
        if book:
            return book
        candidates = self.candidates(title)
        if not candidates:
            return None
        found = matching.best_match(
            title,
            list(authors),
            candidates,
            key=lambda b: (b.title, self.authors.get(id(b), []), b.subtitle),
        )
        return found[0] if found else None

    def candidates(self, title):
        """The books a title could be, in the order they were added: those with its key;
        else those with a key that could score the threshold against one of the title's
        (matching.might_match, in C), looked for only among the keys that share its words'
        first letters or its letters (two dictionary lookups, whatever the library's size),
        so that only those few are scored in Python.

        A title of only punctuation or blanks names no book (it used to match, and merge
        into one, every other such title)."""
        group = matching.clean_title(title)
        if not group:
            return []
        if self.by_title.get(group):
            return self.by_title[group]
        keys = matching.match_keys(title)
        near = set()
        for key in keys:
            near.update(self.by_initials.get(matching.word_initials(key), ()))
            near.update(self.by_squeezed.get(key.replace(" ", ""), ()))
        near = list(near)
        per_group = [self.keys[group] for group in near]
        their_keys = list(chain.from_iterable(per_group))
        # Most groups have one key only (no subtitle, no parts), and when all have, a key's
        # index is its group's.
        owners = near
        if len(their_keys) != len(near):
            owners = [group for group, its in zip(near, per_group, strict=True) for _ in its]
        hits = {owners[i] for i in matching.might_match(keys, their_keys)}
        return [
            book
            for group in sorted(hits, key=self.order.__getitem__)
            for book in self.by_title[group]
        ]


class NameCache:
    """Authors and series by cleaned name, loaded once per run; new names are created."""

    def __init__(self):
        self.authors = {matching.clean_author(a.name): a for a in Author.objects.only("id", "name")}
        self.series = {matching.clean_title(s.name): s for s in Series.objects.only("id", "name")}

    def authors_named(self, names):
        result = []
        for name in names:
            name = (name or "").strip()[:255]
            key = matching.clean_author(name)
            if not key:
                continue
            if key not in self.authors:
                self.authors[key] = self.new_author(name)
            if self.authors[key] not in result:
                result.append(self.authors[key])
        return result

    def series_named(self, name):
        name = (name or "").strip()[:255]
        key = matching.clean_title(name)
        if not key:
            return None
        if key not in self.series:
            self.series[key] = self.new_series(name)
        return self.series[key]

    def new_author(self, name):
        return Author.objects.create(name=name)

    def new_series(self, name):
        return Series.objects.create(name=name)


RELEASE_FIELDS = [
    "title",
    "author_text",
    "narrator_text",
    "series_text",
    "series_position",
    "format",
    "size_bytes",
    "seeders",
    "leechers",
    "times_snatched",
    "category_id",
    "language",
    "isbn",
    "added_at",
]


def release_values(torrent):
    series = torrent.series[0] if torrent.series else ("", "")
    return {
        "title": (torrent.title or "")[:500],
        "author_text": ", ".join(torrent.authors)[:500],
        "narrator_text": ", ".join(torrent.narrators)[:500],
        "series_text": (series[0] or "")[:500],
        "series_position": (series[1] or "")[:16],
        "format": (torrent.filetype or "")[:32],
        "size_bytes": torrent.size_bytes,
        "seeders": max(0, torrent.seeders or 0),
        "leechers": max(0, torrent.leechers or 0),
        "times_snatched": max(0, torrent.times_completed or 0),
        "category_id": torrent.category,
        "language": (torrent.lang_code or "")[:16],
        "isbn": isbn13(torrent.isbn) or "",
        "added_at": torrent.added,
    }


@transaction.atomic
def upsert_releases(torrents):
    """Create or refresh a Release per torrent. Returns ({mam_id: Release}, created count)."""
    now = timezone.now()
    by_id = {t.id: t for t in torrents}
    existing = {r.mam_id: r for r in Release.objects.filter(mam_id__in=by_id)}
    new = []
    for mam_id, torrent in by_id.items():
        values = release_values(torrent)
        release = existing.get(mam_id)
        if release is None:
            new.append(Release(mam_id=mam_id, first_seen=now, last_seen=now, **values))
            continue
        for field, value in values.items():
            setattr(release, field, value)
        release.last_seen = now
    Release.objects.bulk_create(new)  # PostgreSQL and SQLite hand back the new ids
    Release.objects.bulk_update(existing.values(), [*RELEASE_FIELDS, "last_seen"], batch_size=500)
    missing_ids = [n.mam_id for n in new if n.pk is None]
    releases = {
        **existing,
        **{n.mam_id: n for n in new if n.pk is not None},
        **{r.mam_id: r for r in Release.objects.filter(mam_id__in=missing_ids)},
    }
    return releases, len(new)


def keep_release(torrent, book):
    """The torrent's Release, created or refreshed and linked to the book, in one
    statement (an upsert on the MAM id; first_seen kept)."""
    now = timezone.now()
    release = Release(
        mam_id=torrent.id, first_seen=now, last_seen=now, book=book, **release_values(torrent)
    )
    Release.objects.bulk_create(
        [release],
        update_conflicts=True,
        unique_fields=["mam_id"],
        update_fields=[*RELEASE_FIELDS, "last_seen", "book"],
    )
    if release.pk is None:  # a database that does not return ids from an upsert
        release = Release.objects.get(mam_id=torrent.id)
    return release
