"""The synthetic world the benchmarks use: books, series and authors, derived from numbers.

Both sides build it from the same few parameters: bench/data.py writes the library's part
into the database, bench/fake_services.py answers for the outside services' part. Same
parameters, same world, nothing passed between the processes but the sizes.

Titles are two to four words drawn from word lists in a shuffled (seeded) order, so
neighbouring books do not look alike and the title matcher works on realistic overlap
(about a quarter of them contain "of").
"""

import random
from dataclasses import dataclass, field
from functools import cache

ADJECTIVES = (
    "silent hollow crimson broken gilded frozen hidden burning distant ancient shattered "
    "wandering forgotten bitter golden iron silver scarlet wild quiet restless drowned "
    "sleeping painted secret endless fallen crooked bright cold pale stolen final lonely "
    "savage tender midnight northern southern eastern"
).split()
NOUNS = (
    "harbor garden crown river tower engine lantern orchard citadel compass meadow throne "
    "forest mirror voyage kingdom archive empire signal falcon serpent winter summer ember "
    "glacier island canyon machine cathedral library prophet heiress gambit covenant "
    "labyrinth tide storm raven wolf"
).split()
# About a quarter of the titles carry "of" (as "The Way of Kings" does): common words in
# titles are part of what the matcher must cope with, but not in every title.
TAILS = (
    [""]
    + [f" of {word}" for word in "ashes bones glass salt thorns embers dust stars".split()]
    + [
        f" {word}"
        for word in (
            "rising falling returning awakening unbound reborn ascendant eternal undying "
            "forsaken reclaimed remembered divided united unleashed betrayed triumphant "
            "lost found waking dreaming hunted chosen burning"
        ).split()
    ]
)
FIRST_NAMES = (
    "ada basil clara dmitri elena felix greta hugo iris jonah kira leon mara nils olive "
    "pavel quinn rosa silas tara ulric vera wendell xenia yusuf zora amos bianca cyrus "
    "delia emeric fiona gideon hana ivo juno kasper lydia milo nadia otto petra rufus "
    "sabine theo una viktor willa yara zeno anouk bram celia dorian esme farid gwen "
    "hector ines jasper katya lorenzo maeve nico oona percy"
).split()
LAST_NAMES = (
    "abernathy blackwood castellan drummond everhart fairweather grayson holloway "
    "ingram jessup kingsley lockhart merriweather northcott oakes pemberton quill "
    "ravenscroft sterling thornbury underhill vance whitlock yardley zimmerman ashdown "
    "brightwater cole dunmore ellery frost galloway hartley ives jarrow kettering "
    "langley marlowe nash osgood prescott ramsey shaw templeton upton vickers wren "
    "ashford bellamy carrow davenport eastwood fenwick gilchrist hawthorne irvine "
    "jolliffe keats lovell moreau nightingale ormsby"
).split()
GENRES = (
    "Fantasy",
    "Science Fiction",
    "Mystery",
    "Thriller",
    "Historical Fiction",
    "Romance",
    "Horror",
    "Adventure",
    "Literary Fiction",
    "Young Adult",
    "Biography",
    "History",
)
SEED = 20261125


@cache
def _titles():
    combos = [_capitalized(f"{a} {n}{t}") for a in ADJECTIVES for n in NOUNS for t in TAILS]
    random.Random(SEED).shuffle(combos)
    return combos


def _capitalized(text):
    return " ".join(word if word == "of" else word.capitalize() for word in text.split())


@cache
def _names():
    names = [f"{f} {last}".title() for f in FIRST_NAMES for last in LAST_NAMES]
    random.Random(SEED + 1).shuffle(names)
    return names


def title(number):
    titles = _titles()
    if number >= len(titles):
        raise ValueError(f"the world has {len(titles)} distinct titles; asked for #{number}")
    return titles[number]


def person(number):
    return _names()[number % len(_names())]


def isbn13(number):
    body = f"978{number:09d}"
    total = sum(int(digit) * (1 if index % 2 == 0 else 3) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


# --- metadata_full_refresh -----------------------------------------------------------------


@dataclass(frozen=True)
class MetadataBook:
    """A library book and what the metadata sources know about it.

    The mix (by number mod 20): 14 of 20 have an ISBN both services know (Google by ISBN,
    Goodreads by ISBN); 3 also carry a Goodreads id (Goodreads by id); 2 have no ISBN in the
    library (Google by title and author, then Goodreads by the ISBN Google gave); 1 has an
    ISBN Google does not know (by ISBN, empty, then by title and author). So Google Books is
    asked 1.05 times per book, Goodreads once.

    Audiobook sources: half the books (0-9) carry their ASIN (Audnexus by ASIN), one of
    which (4) Audnexus does not have in the region (a 404, then Audible's catalog by title);
    the other half are found by title in Audible's catalog, except one (13) that Audible
    does not sell. Hardcover (with a token) is asked only about the book Audible does not
    describe (13): one ISBN query each.
    """

    number: int
    title: str
    author: str
    isbn13: str
    goodreads_id: str
    library_has_isbn: bool
    library_has_goodreads_id: bool
    google_knows_isbn: bool
    series: tuple = ()  # (name, position) on Goodreads and Audible
    genres: tuple = ()
    asin: str = ""
    library_has_asin: bool = False
    audnexus_knows: bool = True
    audible_knows: bool = True


def metadata_books(count):
    books = []
    for number in range(count):
        kind = number % 20
        series = ()
        if number % 3 == 0:
            series = (f"{person(number // 4).split()[1]} Saga", str(number % 7 + 1))
        books.append(
            MetadataBook(
                number=number,
                title=title(number),
                author=person(number // 3),  # about three books per author
                isbn13=isbn13(number),
                goodreads_id=str(1_000_000 + number),
                library_has_isbn=kind not in (9, 19),
                library_has_goodreads_id=kind in (1, 2, 3),
                google_knows_isbn=kind != 5,
                series=series,
                genres=(GENRES[number % len(GENRES)], GENRES[(number * 7 + 3) % len(GENRES)]),
                asin=f"B0{number:08d}",
                library_has_asin=kind < 10,
                audnexus_knows=kind != 4,
                audible_knows=kind != 13,
            )
        )
    return books


def metadata_expected_requests(count):
    """{host: requests} one full refresh of the world makes."""
    kinds = [number % 20 for number in range(count)]
    return {
        "google": sum(2 if kind == 5 else 1 for kind in kinds),
        "goodreads": count,
        "audnexus": sum(1 for kind in kinds if kind < 10),
        "audible": sum(1 for kind in kinds if kind >= 10 or kind == 4),
        "hardcover": sum(1 for kind in kinds if kind == 13),
    }


# --- series and author completion --------------------------------------------------------

SERIES_BOOKS = 5  # numbered entries per series on Goodreads
SERIES_OWNED = 3  # of which the library holds the first three
AUTHOR_WORKS = 5  # works per author on Open Library
AUTHOR_OWNED = 3


@dataclass(frozen=True)
class Entry:
    header: str  # "Book 2", "Book 2.5"
    book_id: int
    title: str
    author: str
    owned: bool


@dataclass(frozen=True)
class SeriesSpec:
    number: int
    goodreads_id: str
    name: str
    author: str
    entries: tuple


@dataclass(frozen=True)
class AuthorSpec:
    number: int
    name: str
    olid: str
    works: tuple  # (title, owned)
    extra_titles: tuple = ()  # on Open Library, not books to fetch (a summary, an edition)


@dataclass
class CompletionWorld:
    series: list
    authors: list
    missing: list = field(default_factory=list)  # (title, author) the jobs should want

    def mam_torrents(self):
        """{'title author' lowercased: [(torrent id, title, author, filetype, seeders)]}."""
        torrents = {}
        for index, (book_title, author) in enumerate(self.missing):
            tid = 500_000 + 2 * index
            torrents[f"{book_title} {author}".lower()] = [
                (tid, book_title, author, "m4b", 12),
                (tid + 1, book_title, author, "mp3", 30),
            ]
        return torrents


def completion_world(series_count, author_count):
    """Series by their own authors, then monitored authors; titles never repeat."""
    next_title = 0
    series_list, authors, missing = [], [], []
    for number in range(series_count):
        author = person(number)
        entries = []
        for position in range(1, SERIES_BOOKS + 1):
            book_title = title(next_title)
            next_title += 1
            owned = position <= SERIES_OWNED
            entries.append(
                Entry(f"Book {position}", 7_000_000 + next_title, book_title, author, owned=owned)
            )
            if not owned:
                missing.append((book_title, author))
        # A novella between books 2 and 3: not wanted (include_fractional is off).
        entries.insert(
            2, Entry("Book 2.5", 7_000_000 + next_title + 10**6, title(next_title), author, False)
        )
        next_title += 1
        series_list.append(
            SeriesSpec(
                number,
                str(5_000_000 + number),
                f"{title(next_title).split()[-1]} Cycle {number}",
                author,
                tuple(entries),
            )
        )
    for number in range(author_count):
        name = person(series_count + number)
        works = []
        for index in range(AUTHOR_WORKS):
            work_title = title(next_title)
            next_title += 1
            owned = index < AUTHOR_OWNED
            works.append((work_title, owned))
            if not owned:
                missing.append((work_title, name))
        extra = (f"Summary of {works[0][0]}", works[0][0])  # a non-book and a second edition
        authors.append(
            AuthorSpec(number, name, f"OL{100_000 + number}A", tuple(works), extra_titles=extra)
        )
    return CompletionWorld(series_list, authors, missing)
