"""Releases that failed for a book, so no job sends them for that book again."""

from django.db import models
from django.utils import timezone

from catalog.models.books import Book
from catalog.models.releases import Download, Release


class BlocklistQuerySet(models.QuerySet):
    def mam_ids_for(self, book):
        """The MyAnonamouse ids of the releases blocklisted for this book."""
        return set(self.filter(book=book).values_list("release__mam_id", flat=True))


class Blocklist(models.Model):
    """A release that failed for a book; staff may delete the entry to allow it again."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="blocklist")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="blocklist")
    download = models.ForeignKey(
        Download,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The download that failed.",
    )
    reason = models.TextField(help_text="Why the download failed, in words.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = BlocklistQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "blocklisted release"
        constraints = [
            models.UniqueConstraint(fields=["book", "release"], name="one_block_per_book_release")
        ]

    def __str__(self):
        return f"{self.release} blocked for {self.book}"
