"""The release calendar: announced books by month, with their series, author and narrator.

A page of its own (the AnnouncedBook proxy's list), read-only: books get announced by the
completion jobs and the metadata refresh, never by hand here. Books whose day has come but
no release was found yet stay on it, marked "out, not found yet".
"""

from itertools import groupby

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone

from catalog.models import AnnouncedBook, Book
from scheduling.admin.display import ReadOnlyAdmin


@admin.register(AnnouncedBook)
class CalendarAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    def changelist_view(self, request, extra_context=None):
        today = timezone.localdate()
        books = (
            Book.objects.filter(status=Book.ANNOUNCED)
            .select_related("series")
            .prefetch_related("authors")
            .order_by("release_date", "series__name", "series_position", "title")
        )
        months = [
            {"month": month, "books": list(entries)}
            for month, entries in groupby(books, key=lambda book: _month(book.release_date))
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Release calendar",
            "months": months,
            "today": today,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/catalog/calendar.html", context)


def _month(day):
    return day.replace(day=1) if day else None
