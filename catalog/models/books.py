"""The catalog: authors, series, genres and books."""

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.normalize import normalize_title


class FollowedQuerySet(models.QuerySet):
    """Monitor and unmonitor in one UPDATE, keeping when monitoring started."""

    def monitor(self):
        return self.update(
            monitored=True, monitored_since=Coalesce("monitored_since", timezone.now())
        )

    def unmonitor(self):
        return self.update(monitored=False, monitored_since=None)


class Followed(models.Model):
    """What authors and series share as things the library follows."""

    new_books_only = models.BooleanField(
        default=False,
        help_text="Follow without the back catalogue: only books released after monitoring "
        "started are wanted.",
    )
    monitored_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When monitoring last started."
    )

    objects = FollowedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.monitored:
            self.monitored_since = None
        elif self.monitored_since is None:
            self.monitored_since = timezone.now()
        super().save(*args, **kwargs)

    def wants_release(self, release_date):
        """The new-books-only policy: is a book released on this date wanted?

        An unknown date is not: nothing says the book is new.
        """
        if not self.new_books_only:
            return True
        since = timezone.localdate(self.monitored_since or timezone.now())
        return release_date is not None and release_date >= since


class Author(Followed):
    name = models.CharField(max_length=255)
    name_normalized = models.CharField(max_length=255, db_index=True, editable=False)
    monitored = models.BooleanField(
        default=False, help_text="author_completion looks for this author's missing books."
    )
    openlibrary_id = models.CharField(max_length=32, blank=True, help_text="e.g. OL26320A")
    goodreads_id = models.CharField(max_length=32, blank=True)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_normalized = normalize_title(self.name)
        super().save(*args, **kwargs)


class Series(Followed):
    name = models.CharField(max_length=255)
    name_normalized = models.CharField(max_length=255, db_index=True, editable=False)
    goodreads_id = models.CharField(max_length=32, blank=True)
    monitored = models.BooleanField(
        default=False, help_text="series_completion looks for this series' missing books."
    )
    include_fractional = models.BooleanField(
        default=False, help_text="Also fetch in-between entries such as book 1.5 (novellas)."
    )
    include_omnibus = models.BooleanField(
        default=False, help_text="Also fetch omnibus editions such as books 1-3."
    )
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_normalized = normalize_title(self.name)
        super().save(*args, **kwargs)

    def books_in_order(self):
        """The series' books by position (numbers as numbers: 2 before 10), then title."""
        return sorted(self.books.prefetch_related("authors"), key=series_order)


def series_order(book):
    try:
        number = float((book.series_position or "").split("-")[0])
    except ValueError:
        number = float("inf")
    return number, book.series_position, book.title


class Genre(models.Model):
    name = models.CharField(max_length=100, unique=True)
    mam_category_id = models.PositiveIntegerField(
        null=True, blank=True, unique=True, help_text="MyAnonamouse audiobook category id, e.g. 41."
    )
    discovery_enabled = models.BooleanField(
        default=False, help_text="top10_discovery takes this genre's week's top ten."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Book(models.Model):
    DISCOVERED = "discovered"
    WANTED = "wanted"
    DOWNLOADING = "downloading"
    OWNED = "owned"
    IGNORED = "ignored"
    ANNOUNCED = "announced"
    STATUS_CHOICES = [
        (ANNOUNCED, "Announced"),
        (DISCOVERED, "Discovered"),
        (WANTED, "Wanted"),
        (DOWNLOADING, "Downloading"),
        (OWNED, "Owned"),
        (IGNORED, "Ignored"),
    ]
    # Where the book entered the catalog.
    SOURCE_CHOICES = [
        ("manual", "Added by hand"),
        ("mam", "MyAnonamouse"),
        ("top10", "Top 10 discovery"),
        ("series", "Series completion"),
        ("author", "Author completion"),
        ("library", "Found in the library"),
    ]
    # Fields the metadata jobs may write, and staff may lock.
    METADATA_FIELDS = [
        "title",
        "subtitle",
        "isbn_10",
        "isbn_13",
        "asin",
        "goodreads_id",
        "google_books_id",
        "publisher",
        "published_date",
        "description",
        "language",
        "cover_url",
        "page_count",
        "series",
        "series_position",
        "genres",
        "narrators",
        "runtime_minutes",
        "release_date",
        "abridged",
    ]

    title = models.CharField(max_length=500)
    title_normalized = models.CharField(max_length=500, db_index=True, editable=False)
    subtitle = models.CharField(max_length=500, blank=True)
    authors = models.ManyToManyField(Author, related_name="books", blank=True)
    narrators = models.CharField(max_length=500, blank=True, help_text="Comma-separated.")
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="books"
    )
    series_position = models.CharField(max_length=16, blank=True, help_text='"1", "2.5", "1-3"')
    isbn_10 = models.CharField(max_length=10, blank=True, db_index=True)
    isbn_13 = models.CharField(max_length=13, blank=True, db_index=True)
    asin = models.CharField(max_length=10, blank=True, db_index=True)
    goodreads_id = models.CharField(max_length=32, blank=True, db_index=True)
    google_books_id = models.CharField(max_length=32, blank=True)
    publisher = models.CharField(max_length=255, blank=True)
    published_date = models.CharField(
        max_length=10, blank=True, help_text='ISO date, possibly partial: "2004", "2004-05".'
    )
    description = models.TextField(blank=True)
    language = models.CharField(max_length=16, blank=True, help_text="ISO 639-1 code, e.g. en")
    genres = models.ManyToManyField(Genre, related_name="books", blank=True)
    cover_url = models.URLField(max_length=1000, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    runtime_minutes = models.PositiveIntegerField(null=True, blank=True)
    release_date = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        help_text="The audiobook's release date; in the future, the book is announced.",
    )
    abridged = models.BooleanField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=STATUS_CHOICES, default=DISCOVERED, db_index=True
    )
    source = models.CharField(max_length=16, choices=SOURCE_CHOICES, default="manual")
    locked_fields = models.JSONField(
        default=list, blank=True, help_text="Fields corrected by hand; metadata jobs leave them."
    )
    metadata_sources = models.JSONField(
        default=dict, blank=True, help_text='Per field: {"source": "google_books", "at": "..."}'
    )
    date_added = models.DateTimeField(default=timezone.now, db_index=True)
    metadata_refreshed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title_normalized = normalize_title(self.title)
        super().save(*args, **kwargs)

    def is_locked(self, field):
        return field in (self.locked_fields or [])

    @property
    def isbn(self):
        return self.isbn_13 or self.isbn_10

    def not_out_yet(self, today=None):
        """True while the release date lies ahead: the book cannot be found before it."""
        return self.release_date is not None and self.release_date > (today or timezone.localdate())
