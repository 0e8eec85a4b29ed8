"""Authors, series and genres: what the library follows."""

from django.contrib import admin
from django.utils.html import format_html

from catalog.admin.helpers import changelist_url, count_of, plural
from catalog.admin.series_books import SeriesBooksPage
from catalog.models import Author, Book, Genre, Series
from scheduling.admin.lists import CappedCountPaginator

# --- authors, series, genres --------------------------------------------------------------


class MonitorActions:
    """Monitor / unmonitor for authors and series: one UPDATE each."""

    @admin.action(
        description="Monitor selected (fetch their missing books)", permissions=["change"]
    )
    def monitor(self, request, queryset):
        count = queryset.monitor()
        self.message_user(request, f"Now monitoring {plural(count, self.opts.verbose_name)}.")

    @admin.action(description="Stop monitoring selected", permissions=["change"])
    def unmonitor(self, request, queryset):
        count = queryset.unmonitor()
        self.message_user(request, f"Stopped monitoring {plural(count, self.opts.verbose_name)}.")


@admin.register(Author)
class AuthorAdmin(MonitorActions, admin.ModelAdmin):
    list_display = [
        "name",
        "monitored",
        "new_books_only",
        "book_list",
        "openlibrary_id",
        "goodreads_id",
        "date_added",
    ]
    list_filter = ["monitored", "new_books_only"]
    search_fields = ["name"]
    actions = ["monitor", "unmonitor"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per choice
    paginator = CappedCountPaginator

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(book_count=count_of(Book.authors.through, "author"))
        )

    @admin.display(description="Books", ordering="book_count")
    def book_list(self, obj):
        url = changelist_url(Book, authors__id__exact=obj.pk)
        return format_html('<a href="{}">{}</a>', url, obj.book_count)


@admin.register(Series)
class SeriesAdmin(SeriesBooksPage, MonitorActions, admin.ModelAdmin):
    list_display = [
        "name",
        "monitored",
        "new_books_only",
        "include_fractional",
        "include_omnibus",
        "book_list",
        "books_in_order",
        "goodreads_id",
    ]
    list_filter = ["monitored", "new_books_only", "include_fractional", "include_omnibus"]
    search_fields = ["name"]
    actions = ["monitor", "unmonitor"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per choice
    paginator = CappedCountPaginator

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(book_count=count_of(Book, "series"))

    @admin.display(description="Books", ordering="book_count")
    def book_list(self, obj):
        url = changelist_url(Book, series__id__exact=obj.pk)
        return format_html('<a href="{}">{}</a>', url, obj.book_count)


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "mam_category_id", "discovery_enabled", "book_list"]
    list_filter = ["discovery_enabled"]
    search_fields = ["name"]
    actions = ["enable_discovery", "disable_discovery"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(book_count=count_of(Book.genres.through, "genre"))
        )

    @admin.display(description="Books", ordering="book_count")
    def book_list(self, obj):
        url = changelist_url(Book, genres__id__exact=obj.pk)
        return format_html('<a href="{}">{}</a>', url, obj.book_count)

    @admin.action(description="Turn top 10 discovery on", permissions=["change"])
    def enable_discovery(self, request, queryset):
        count = queryset.update(discovery_enabled=True)
        self.message_user(request, f"Discovery on for {plural(count, 'genre')}.")

    @admin.action(description="Turn top 10 discovery off", permissions=["change"])
    def disable_discovery(self, request, queryset):
        count = queryset.update(discovery_enabled=False)
        self.message_user(request, f"Discovery off for {plural(count, 'genre')}.")
