"""What MyAnonamouse offers (releases) and what was sent to the torrent client (downloads)."""

from django.db import models
from django.utils import timezone

from catalog.models.books import Book


class Release(models.Model):
    """A torrent seen on MyAnonamouse."""

    mam_id = models.PositiveBigIntegerField(unique=True)
    title = models.CharField(max_length=500)
    author_text = models.CharField(max_length=500, blank=True)
    narrator_text = models.CharField(max_length=500, blank=True)
    series_text = models.CharField(max_length=500, blank=True)
    series_position = models.CharField(max_length=16, blank=True)
    format = models.CharField(max_length=32, blank=True, help_text='"m4b", "mp3", "m4b mp3"')
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    seeders = models.PositiveIntegerField(default=0)
    leechers = models.PositiveIntegerField(default=0)
    times_snatched = models.PositiveIntegerField(default=0)
    category_id = models.PositiveIntegerField(null=True, blank=True)
    language = models.CharField(max_length=16, blank=True)
    isbn = models.CharField(max_length=13, blank=True)
    added_at = models.DateTimeField(null=True, blank=True, db_index=True)
    book = models.ForeignKey(
        Book, null=True, blank=True, on_delete=models.SET_NULL, related_name="releases"
    )
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at"]

    def __str__(self):
        return f"{self.title} [{self.format or '?'}] (MAM {self.mam_id})"


class Download(models.Model):
    """One torrent sent to qBittorrent for a book, followed by download_monitor to the shelf.

    sent -> completed (qBittorrent has it all) -> imported (on the shelf, still seeding),
    or import blocked (the reason says what to fix; "retry import" in the admin), or failed
    (error, missing files, gone from qBittorrent, stalled without seeders: the release is
    blocklisted for the book and the book is wanted again).
    """

    QUEUED = "queued"
    SENT = "sent"
    DRY_RUN = "dry_run"
    FAILED = "failed"
    COMPLETED = "completed"
    IMPORT_BLOCKED = "import_blocked"
    IMPORTED = "imported"
    STATUS_CHOICES = [
        (QUEUED, "Queued"),
        (SENT, "Downloading"),
        (DRY_RUN, "Dry run (not sent)"),
        (FAILED, "Failed"),
        (COMPLETED, "Completed, to import"),
        (IMPORT_BLOCKED, "Import blocked"),
        (IMPORTED, "Imported"),
    ]
    # A book with one of these is not sent again: blocked waits for staff, not a new release.
    ACTIVE_STATUSES = (QUEUED, SENT, COMPLETED, IMPORT_BLOCKED)
    # download_monitor lists these in qBittorrent (imported ones for their ratio while seeding).
    FOLLOWED_STATUSES = (SENT, COMPLETED, IMPORT_BLOCKED, IMPORTED)

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="downloads")
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="downloads")
    client_hash = models.CharField(max_length=64, blank=True, help_text="The torrent's info hash.")
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=QUEUED)
    requested_at = models.DateTimeField(default=timezone.now)
    error_message = models.TextField(
        blank=True, help_text="Why it failed or why the import is blocked, in words."
    )
    task_name = models.CharField(max_length=64, blank=True, help_text="The job that sent it.")
    client_state = models.CharField(
        max_length=32, blank=True, help_text='qBittorrent\'s state ("stalledUP", "error", ...).'
    )
    progress = models.FloatField(default=0, help_text="0 to 1, as qBittorrent reports it.")
    seeders = models.PositiveIntegerField(null=True, blank=True, help_text="Seeders seen.")
    ratio = models.FloatField(null=True, blank=True, help_text="Upload ratio in qBittorrent.")
    content_path = models.CharField(
        max_length=1024, blank=True, help_text="The torrent's file or folder, as qBittorrent says."
    )
    import_path = models.CharField(
        max_length=1024, blank=True, help_text="The book's folder on the shelf, once imported."
    )
    stalled_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Since when it has made no progress with no seeder seen (time paused, "
        "queued or checking does not count).",
    )
    missing_listings = models.PositiveSmallIntegerField(
        default=0, help_text="Successive qBittorrent listings without it (2: removed)."
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    remove_from_client = models.BooleanField(
        default=False,
        help_text="A failed torrent download_monitor is to remove from qBittorrent.",
    )

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status"], name="download_status")]

    def __str__(self):
        return f"{self.book} <- {self.release.mam_id} ({self.status})"
