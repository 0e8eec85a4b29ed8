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
    QUEUED = "queued"
    SENT = "sent"
    DRY_RUN = "dry_run"
    FAILED = "failed"
    COMPLETED = "completed"
    STATUS_CHOICES = [
        (QUEUED, "Queued"),
        (SENT, "Sent to client"),
        (DRY_RUN, "Dry run (not sent)"),
        (FAILED, "Failed"),
        (COMPLETED, "Completed"),
    ]
    ACTIVE_STATUSES = (QUEUED, SENT, COMPLETED)

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="downloads")
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="downloads")
    client_hash = models.CharField(max_length=64, blank=True, help_text="The torrent's info hash.")
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=QUEUED)
    requested_at = models.DateTimeField(default=timezone.now)
    error_message = models.TextField(blank=True)
    task_name = models.CharField(max_length=64, blank=True, help_text="The job that sent it.")

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.book} <- {self.release.mam_id} ({self.status})"
