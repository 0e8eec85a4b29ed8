"""Releases seen on MyAnonamouse (the downloads sent for them: catalog/admin/downloads.py)."""

from django.conf import settings
from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from catalog.admin.helpers import YesNoFilter, link_to
from catalog.models import Release
from scheduling.admin.lists import CappedCountPaginator


class LinkedToBookFilter(YesNoFilter):
    title = "linked to a book"
    parameter_name = "linked"
    labels = ("Linked", "Not linked")

    def yes(self, queryset):
        return queryset.filter(book__isnull=False)

    def no(self, queryset):
        return queryset.filter(book__isnull=True)


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "author_text",
        "format",
        "size",
        "seeders",
        "times_snatched",
        "added_at",
        "book_link",
        "on_mam",
    ]
    list_filter = [LinkedToBookFilter, "format", "language"]
    list_select_related = ["book"]
    search_fields = ["title", "author_text", "narrator_text", "series_text", "isbn", "=mam_id"]
    search_help_text = "Title, author, narrator, series, ISBN or MAM id."
    autocomplete_fields = ["book"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per choice
    paginator = CappedCountPaginator
    readonly_fields = ["on_mam", "first_seen", "last_seen"]

    @admin.display(description="Size", ordering="size_bytes")
    def size(self, obj):
        return filesizeformat(obj.size_bytes) if obj.size_bytes else "—"

    @admin.display(description="Book", ordering="book__title")
    def book_link(self, obj):
        return "—" if obj.book is None else link_to(obj.book)

    @admin.display(description="MyAnonamouse")
    def on_mam(self, obj):
        if not obj.mam_id:
            return "—"
        url = f"{settings.MAM_URL.rstrip('/')}/t/{obj.mam_id}"
        return format_html('<a href="{}" rel="noreferrer" target="_blank">{}</a>', url, obj.mam_id)
