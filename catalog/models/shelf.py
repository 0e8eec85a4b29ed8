"""Where the owned books live: the shelf, as opposed to the catalog that describes them.

A BookLocation is one copy of a book that exists: a folder (or single audio file) under
one of LIBRARY_PATHS, an Audiobookshelf library item, or the folder a finished download was
imported into. A book may have several (an m4b folder and an mp3 folder are one book with
two locations). The scan finds a known location by its path, so a folder an import put in
place is recognised as that book, not read as a new one.
"""

from django.db import models
from django.utils import timezone

from catalog.models.books import Book


class BookLocation(models.Model):
    FOLDER = "folder"
    AUDIOBOOKSHELF = "audiobookshelf"
    IMPORT = "import"
    SOURCE_CHOICES = [
        (FOLDER, "Library folder"),
        (AUDIOBOOKSHELF, "Audiobookshelf"),
        (IMPORT, "Imported download"),
    ]

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="locations")
    source = models.CharField(max_length=16, choices=SOURCE_CHOICES, default=FOLDER)
    path = models.CharField(
        max_length=1024, help_text="Absolute path of the book's folder (or single file)."
    )
    library_root = models.CharField(
        max_length=1024, blank=True, help_text="The LIBRARY_PATHS root it was found under."
    )
    external_id = models.CharField(
        max_length=64, blank=True, help_text="Its Audiobookshelf item id, when it came from there."
    )
    audio_format = models.CharField(max_length=32, blank=True, help_text='"m4b", "mp3", ...')
    runtime_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="The sum of the audio files' durations."
    )
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    file_count = models.PositiveIntegerField(default=0)
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="Digest of the audio files' names, sizes and mtimes (unchanged: not re-read).",
    )
    # The folder's listing as the scan last made it, to be trusted while the folder's own
    # modification time is the one it had then (catalog/shelf/folders.py, "remembered").
    folder_mtime_ns = models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The folder's modification time (ns) when it was last listed; null: not "
        "to be trusted (changed moments before, or not a plain book folder).",
    )
    folder_entries = models.TextField(
        blank=True,
        editable=False,
        help_text="The audio files and sidecars that listing found, by name, '/' between them.",
    )
    listed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When that listing was made (trusted for LIBRARY_FULL_LISTING_HOURS).",
    )
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    missing_since = models.DateTimeField(
        null=True, blank=True, help_text="When a scan last found it gone (null while present)."
    )
    status_before = models.CharField(
        max_length=16,
        blank=True,
        help_text="The book's status before this copy made it owned; it returns to it when "
        "every copy is gone (empty: the library brought the book in).",
    )

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["source", "path"], name="one_location_per_path")
        ]

    def __str__(self):
        gone = " (missing)" if self.missing_since else ""
        return f"{self.path}{gone}"


class ShelfReview(models.Model):
    """An audiobook found on the shelf whose match is not sure enough to merge silently: a
    title that matches a book whose authors only partly agree, or two books it could be.
    Staff confirm the suggested book, pick the other candidate, or keep it as a new book."""

    source = models.CharField(
        max_length=16, choices=BookLocation.SOURCE_CHOICES, default=BookLocation.FOLDER
    )
    path = models.CharField(max_length=1024, help_text="The folder (or file) found.")
    library_root = models.CharField(max_length=1024, blank=True)
    found = models.JSONField(
        default=dict, help_text="What the shelf says the book is (title, authors, series, ...)."
    )
    reason = models.CharField(max_length=255, help_text="Why it was not merged by itself.")
    suggested = models.ForeignKey(
        Book, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    other = models.ForeignKey(
        Book,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The second candidate, when two books could be it.",
    )
    fingerprint = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["source", "path"], name="one_review_per_path")
        ]

    def __str__(self):
        return f"{self.found.get('title') or self.path} ({self.reason})"
