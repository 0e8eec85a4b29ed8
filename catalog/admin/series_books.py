"""A series' books in order, with what is owned, wanted, downloading and announced, and the
numbered places the library has no book for: the "missing books in a series" page."""

import math

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from catalog.models import Book, Series


class SeriesBooksPage:
    """Adds /admin/catalog/series/<id>/books/ and a link to it to the series admin."""

    def get_urls(self):
        page = self.admin_site.admin_view(self.books_view)
        return [path("<int:pk>/books/", page, name="catalog_series_books"), *super().get_urls()]

    @admin.display(description="In order")
    def books_in_order(self, obj):
        url = reverse("admin:catalog_series_books", args=[obj.pk])
        return format_html('<a href="{}">books in order</a>', url)

    def books_view(self, request, pk):
        series = get_object_or_404(Series, pk=pk)
        if not self.has_view_permission(request, series):
            raise PermissionDenied
        rows = series_rows(series.books_in_order())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{series.name}: books in order",
            "series": series,
            "rows": rows,
            "counts": {
                status: sum(1 for row in rows if row["status"] == status)
                for status in (Book.OWNED, Book.WANTED, Book.DOWNLOADING, Book.ANNOUNCED, "gap")
            },
        }
        return TemplateResponse(request, "admin/catalog/series_books.html", context)


def series_rows(books):
    """One row per book, and one per whole-numbered place before it that has no book (a
    novella 9.5 after book 4 comes after the missing 5 to 9)."""
    rows, last = [], 0
    for book in books:
        number = _place(book.series_position)
        if number is not None:
            up_to = math.ceil(number)
            rows += [{"position": str(gap), "status": "gap"} for gap in range(last + 1, up_to)]
            last = max(last, up_to if number == up_to else up_to - 1)
        rows.append({"position": book.series_position, "status": book.status, "book": book})
    return rows


def _place(position):
    try:
        number = float(position)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 10000 else None
