"""Announced books: a view of the catalog for the release calendar (no table of its own)."""

from catalog.models.books import Book


class AnnouncedBook(Book):
    """Books of followed series and authors announced for a release date."""

    class Meta:
        proxy = True
        verbose_name = "announced book"
        verbose_name_plural = "release calendar"
