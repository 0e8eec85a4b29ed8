"""The library as the jobs see it: find a book for a title, add books, upsert releases.

BookIndex loads the catalog once per run (a few queries, whatever its size) so that
matching thousands of releases costs no query per release.
"""

from collections import Counter, defaultdict
from itertools import chain, combinations

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


LONG_TITLE = 12  # words: a longer title's near titles are counted, not intersected by pairs


class BookIndex:
    """Every book's identifiers and cleaned title, for matching without queries."""

    def __init__(self, books):
        self.by_isbn = {}
        self.by_asin = {}
        self.by_goodreads = {}
        self.by_title = defaultdict(list)
        self.by_word = defaultdict(set)  # word of a cleaned title -> the titles that have it
        self.order = {}  # cleaned title -> when it was first added (candidates keep this order)
        self.by_short_word = defaultdict(set)  # the same, for titles of one or two words
        self.words = {}  # cleaned title -> its words
        self.group_keys = GroupKeys(self.by_title)
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
        key = matching.clean_title(book.title)
        if key not in self.order:
            words = frozenset(key.split())
            self.order[key] = len(self.order)
            self.words[key] = words
            for word in words:
                self.by_word[word].add(key)
                if len(words) <= 2:
                    self.by_short_word[word].add(key)
        self.by_title[key].append(book)
        self.group_keys.pop(key, None)
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
        else those whose title shares words with it and could score the threshold
        (matching.might_match, in C), so that only those few are scored in Python.

        A title of only punctuation or blanks names no book (it used to match, and merge
        into one, every other such title)."""
        key = matching.clean_title(title)
        if not key:
            return []
        if self.by_title.get(key):
            return self.by_title[key]
        near = list(self._near(key))
        per_group = [self.group_keys[group] for group in near]
        keys = list(chain.from_iterable(per_group))
        # Every group has a key at least; most have one only (no subtitle, no parts), and
        # when all have, a key's index is its group's.
        owners = near
        if len(keys) != len(near):
            owners = [group for group, its in zip(near, per_group, strict=True) for _ in its]
        hits = {owners[i] for i in matching.might_match(matching.match_keys(title), keys)}
        return [
            book
            for group in sorted(hits, key=self.order.__getitem__)
            for book in self.by_title[group]
        ]

    def _near(self, key):
        """Title groups worth scoring: those sharing at least half the words of the shorter
        of the two titles (a title close enough to match shares that many).

        From the word index by set operations (in C), not a scan of every title: the scan
        made each lookup cost in proportion to the library. One shared word is half of a
        title of one or two words; two shared words (a pair's postings intersected) are
        half of three or four; longer titles on both sides are counted.
        """
        words = set(key.split())
        postings = [self.by_word[word] for word in words if word in self.by_word]
        if len(words) <= 2:
            near = set().union(*postings)
        elif len(words) > LONG_TITLE:  # too many pairs: count instead
            shared = Counter()
            for posting in postings:
                shared.update(posting)
            near = {o for o, n in shared.items() if 2 * n >= min(len(words), len(self.words[o]))}
        else:
            near = set().union(*(self.by_short_word.get(word, ()) for word in words))
            near.update(*(a & b for a, b in combinations(postings, 2)))
            if len(words) >= 5:  # a long title against a long title: three words or more
                near = {
                    o
                    for o in near
                    if 2 * len(words & self.words[o]) >= min(len(words), len(self.words[o]))
                }
        return near


class GroupKeys(dict):
    """cleaned title -> the matching.match_keys of its books (each book's subtitle counts),
    worked out when first asked."""

    def __init__(self, by_title):
        super().__init__()
        self.by_title = by_title

    def __missing__(self, group):
        keys = (matching.match_keys(b.title, b.subtitle) for b in self.by_title[group])
        self[group] = tuple(dict.fromkeys(k for each in keys for k in each))
        return self[group]


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
