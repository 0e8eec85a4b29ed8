"""The librarian's admin: books, authors, series, genres, releases and downloads.

Every list costs a fixed number of queries (relations joined or prefetched, counts as
subqueries in the one SELECT). Text that came from providers (descriptions, titles) is
rendered through the templates' escaping or format_html, never marked safe.
ServiceSession is deliberately not registered: it holds a live session cookie.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from catalog.models import Author, Book, Download, Genre, Release, Series
from scheduling.admin.display import moment
from scheduling.admin.lists import CappedCountPaginator


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def _changelist(model, **filters):
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    url = reverse(f"admin:catalog_{model._meta.model_name}_changelist")
    return f"{url}?{query}" if query else url


def _change(obj):
    return reverse(f"admin:catalog_{obj._meta.model_name}_change", args=[obj.pk])


def _count_of(model, field):
    """A correlated COUNT subquery: a per-row count inside the list's one SELECT."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _field_label(name):
    return str(Book._meta.get_field(name).verbose_name).capitalize()


METADATA_CHOICES = [(name, _field_label(name)) for name in Book.METADATA_FIELDS]


# --- filters ------------------------------------------------------------------------------


class MissingMetadataFilter(admin.SimpleListFilter):
    title = "missing metadata"
    parameter_name = "missing"
    GAPS = {
        "isbn": ("ISBN", Q(isbn_13="", isbn_10="")),
        "description": ("Description", Q(description="")),
        "cover": ("Cover", Q(cover_url="")),
        "published": ("Publication date", Q(published_date="")),
        "authors": ("Authors", ~Exists(Book.authors.through.objects.filter(book=OuterRef("pk")))),
        "refreshed": ("Never refreshed", Q(metadata_refreshed_at__isnull=True)),
    }

    def lookups(self, request, model_admin):
        return [("any", "Any of these"), *((key, label) for key, (label, _) in self.GAPS.items())]

    def queryset(self, request, queryset):
        if self.value() == "any":
            condition = Q()
            for key in ("isbn", "description", "cover", "published", "authors"):
                condition |= self.GAPS[key][1]
            return queryset.filter(condition)
        if self.value() in self.GAPS:
            return queryset.filter(self.GAPS[self.value()][1])
        return queryset


class YesNoFilter(admin.SimpleListFilter):
    """A filter with two choices; subclasses say what each label reads and selects."""

    labels = ("Yes", "No")

    def lookups(self, request, model_admin):
        return [("yes", self.labels[0]), ("no", self.labels[1])]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return self.yes(queryset)
        if self.value() == "no":
            return self.no(queryset)
        return queryset


class HasReleaseFilter(YesNoFilter):
    title = "releases"
    parameter_name = "has_release"
    labels = ("Has a release", "Has no release")
    found = Exists(Release.objects.filter(book=OuterRef("pk")))

    def yes(self, queryset):
        return queryset.filter(self.found)

    def no(self, queryset):
        return queryset.filter(~self.found)


class LockedFilter(YesNoFilter):
    title = "locked fields"
    parameter_name = "locked"
    labels = ("Some fields locked", "None locked")

    def yes(self, queryset):
        return queryset.exclude(locked_fields=[])

    def no(self, queryset):
        return queryset.filter(locked_fields=[])


class SeriesMonitoredFilter(YesNoFilter):
    title = "series monitored"
    parameter_name = "series_monitored"
    labels = ("In a monitored series", "Not in a monitored series")

    def yes(self, queryset):
        return queryset.filter(series__monitored=True)

    def no(self, queryset):
        return queryset.exclude(series__monitored=True)


class LinkedToBookFilter(YesNoFilter):
    title = "linked to a book"
    parameter_name = "linked"
    labels = ("Linked", "Not linked")

    def yes(self, queryset):
        return queryset.filter(book__isnull=False)

    def no(self, queryset):
        return queryset.filter(book__isnull=True)


# --- books --------------------------------------------------------------------------------


class BookForm(forms.ModelForm):
    locked_fields = forms.MultipleChoiceField(
        choices=METADATA_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Fields corrected by hand: the metadata jobs leave them as they are.",
    )

    class Meta:
        model = Book
        fields = ["locked_fields"]  # the admin adds those of its fieldsets

    def clean_locked_fields(self):
        chosen = set(self.cleaned_data["locked_fields"])
        return [name for name in Book.METADATA_FIELDS if name in chosen]


class LockFieldsForm(forms.Form):
    field_names = forms.MultipleChoiceField(
        choices=METADATA_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    mode = forms.ChoiceField(
        choices=[("lock", "Lock these fields"), ("unlock", "Unlock these fields")],
        widget=forms.RadioSelect,
        initial="lock",
    )


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    form = BookForm
    list_display = [
        "title",
        "author_names",
        "series_link",
        "status",
        "source",
        "language",
        "releases",
        "gaps",
        "added",
    ]
    list_filter = [
        "status",
        "source",
        MissingMetadataFilter,
        HasReleaseFilter,
        LockedFilter,
        SeriesMonitoredFilter,
        "genres",
    ]
    list_select_related = ["series"]
    search_fields = ["title", "subtitle", "isbn_13", "isbn_10", "asin", "authors__name"]
    search_help_text = "Title, subtitle, ISBN, ASIN or author."
    autocomplete_fields = ["authors", "series"]
    filter_horizontal = ["genres"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["mark_wanted", "mark_ignored", "lock_fields"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per choice
    paginator = CappedCountPaginator
    readonly_fields = ["links", "sources", "metadata_refreshed_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "subtitle",
                    "authors",
                    "narrators",
                    ("series", "series_position"),
                    ("status", "source"),
                    "links",
                ]
            },
        ),
        (
            "Identifiers",
            {"fields": [("isbn_13", "isbn_10"), "asin", ("goodreads_id", "google_books_id")]},
        ),
        (
            "Publication",
            {
                "fields": [
                    ("publisher", "published_date"),
                    ("language", "page_count", "runtime_minutes"),
                    "genres",
                    "cover_url",
                    "description",
                ]
            },
        ),
        (
            "Metadata",
            {"fields": ["locked_fields", "sources", "metadata_refreshed_at", "date_added"]},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("authors")
            .annotate(release_count=_count_of(Release, "book"))
        )

    @admin.display(description="Added", ordering="date_added")
    def added(self, obj):
        return moment(obj.date_added)

    @admin.display(description="Authors")
    def author_names(self, obj):
        return format_html_join(
            ", ", '<a href="{}">{}</a>', ((_change(a), a.name) for a in obj.authors.all())
        )

    @admin.display(description="Series", ordering="series__name")
    def series_link(self, obj):
        if obj.series is None:
            return ""
        position = f" #{obj.series_position}" if obj.series_position else ""
        return format_html('<a href="{}">{}</a>{}', _change(obj.series), obj.series, position)

    @admin.display(description="Releases", ordering="release_count")
    def releases(self, obj):
        if not obj.release_count:
            return "none"
        url = _changelist(Release, book__id__exact=obj.pk)
        return format_html('<a href="{}">{}</a>', url, obj.release_count)

    @admin.display(description="Missing")
    def gaps(self, obj):
        missing = [
            label
            for label, gap in [
                ("ISBN", not obj.isbn),
                ("description", not obj.description),
                ("cover", not obj.cover_url),
                ("authors", not obj.authors.all()),
            ]
            if gap
        ]
        return ", ".join(missing)

    @admin.display(description="See also")
    def links(self, obj):
        if obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">its downloads</a>',
            _changelist(Release, book__id__exact=obj.pk),
            _plural(obj.release_count, "release"),
            _changelist(Download, book__id__exact=obj.pk),
        )

    @admin.display(description="Where the metadata came from")
    def sources(self, obj):
        rows = sorted((obj.metadata_sources or {}).items())
        if not rows:
            return "—"
        return format_html_join(
            "\n",
            "<div><code>{}</code>: {} {}</div>",
            (
                (field, source.get("source", "?"), source.get("at", ""))
                if isinstance(source, dict)
                else (field, source, "")
                for field, source in rows
            ),
        )

    @admin.action(description="Mark selected books wanted", permissions=["change"])
    def mark_wanted(self, request, queryset):
        settled = [Book.OWNED, Book.DOWNLOADING]
        count = queryset.exclude(status__in=settled).update(status=Book.WANTED)
        skipped = queryset.filter(status__in=settled).count()
        note = f" ({_plural(skipped, 'book')} owned or downloading left as is)" if skipped else ""
        self.message_user(request, f"Marked {_plural(count, 'book')} wanted{note}.")

    @admin.action(description="Mark selected books ignored", permissions=["change"])
    def mark_ignored(self, request, queryset):
        count = queryset.update(status=Book.IGNORED)
        self.message_user(request, f"Marked {_plural(count, 'book')} ignored.")

    @admin.action(description="Lock or unlock fields of selected books…", permissions=["change"])
    def lock_fields(self, request, queryset):
        form = LockFieldsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            fields, lock = (
                set(form.cleaned_data["field_names"]),
                form.cleaned_data["mode"] == "lock",
            )
            books = list(
                queryset.select_related(None).prefetch_related(None).only("pk", "locked_fields")
            )
            for book in books:
                kept = set(book.locked_fields or [])
                kept = kept | fields if lock else kept - fields
                book.locked_fields = [name for name in Book.METADATA_FIELDS if name in kept]
            Book.objects.bulk_update(books, ["locked_fields"])
            verb = "Locked" if lock else "Unlocked"
            self.message_user(
                request,
                f"{verb} {', '.join(sorted(fields))} on {_plural(len(books), 'book')}.",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Lock or unlock fields",
            "opts": self.opts,
            "form": form,
            "books": queryset,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/book/lock_fields.html", context)


# --- authors, series, genres --------------------------------------------------------------


class MonitorActions:
    """Monitor / unmonitor for authors and series: one UPDATE each."""

    @admin.action(
        description="Monitor selected (fetch their missing books)", permissions=["change"]
    )
    def monitor(self, request, queryset):
        count = queryset.update(monitored=True)
        self.message_user(request, f"Now monitoring {_plural(count, self.opts.verbose_name)}.")

    @admin.action(description="Stop monitoring selected", permissions=["change"])
    def unmonitor(self, request, queryset):
        count = queryset.update(monitored=False)
        self.message_user(request, f"Stopped monitoring {_plural(count, self.opts.verbose_name)}.")


@admin.register(Author)
class AuthorAdmin(MonitorActions, admin.ModelAdmin):
    list_display = [
        "name",
        "monitored",
        "book_list",
        "openlibrary_id",
        "goodreads_id",
        "date_added",
    ]
    list_filter = ["monitored"]
    search_fields = ["name"]
    actions = ["monitor", "unmonitor"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per choice
    paginator = CappedCountPaginator

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(book_count=_count_of(Book.authors.through, "author"))
        )

    @admin.display(description="Books", ordering="book_count")
    def book_list(self, obj):
        url = _changelist(Book, authors__id__exact=obj.pk)
        return format_html('<a href="{}">{}</a>', url, obj.book_count)


@admin.register(Series)
class SeriesAdmin(MonitorActions, admin.ModelAdmin):
    list_display = [
        "name",
        "monitored",
        "include_fractional",
        "include_omnibus",
        "book_list",
        "goodreads_id",
    ]
    list_filter = ["monitored", "include_fractional", "include_omnibus"]
    search_fields = ["name"]
    actions = ["monitor", "unmonitor"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per choice
    paginator = CappedCountPaginator

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(book_count=_count_of(Book, "series"))

    @admin.display(description="Books", ordering="book_count")
    def book_list(self, obj):
        url = _changelist(Book, series__id__exact=obj.pk)
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
            .annotate(book_count=_count_of(Book.genres.through, "genre"))
        )

    @admin.display(description="Books", ordering="book_count")
    def book_list(self, obj):
        url = _changelist(Book, genres__id__exact=obj.pk)
        return format_html('<a href="{}">{}</a>', url, obj.book_count)

    @admin.action(description="Turn top 10 discovery on", permissions=["change"])
    def enable_discovery(self, request, queryset):
        count = queryset.update(discovery_enabled=True)
        self.message_user(request, f"Discovery on for {_plural(count, 'genre')}.")

    @admin.action(description="Turn top 10 discovery off", permissions=["change"])
    def disable_discovery(self, request, queryset):
        count = queryset.update(discovery_enabled=False)
        self.message_user(request, f"Discovery off for {_plural(count, 'genre')}.")


# --- releases and downloads ---------------------------------------------------------------


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
        if obj.book is None:
            return "—"
        return format_html('<a href="{}">{}</a>', _change(obj.book), obj.book)

    @admin.display(description="MyAnonamouse")
    def on_mam(self, obj):
        if not obj.mam_id:
            return "—"
        url = f"{settings.MAM_URL.rstrip('/')}/t/{obj.mam_id}"
        return format_html('<a href="{}" rel="noreferrer" target="_blank">{}</a>', url, obj.mam_id)


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    list_display = [
        "book_link",
        "release_link",
        "status",
        "requested_at",
        "task_name",
        "error",
    ]
    list_filter = ["status", "task_name", "requested_at"]
    list_select_related = ["book", "release"]
    search_fields = ["book__title", "release__title", "client_hash"]
    autocomplete_fields = ["book", "release"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per choice
    paginator = CappedCountPaginator

    @admin.display(description="Book", ordering="book__title")
    def book_link(self, obj):
        return format_html('<a href="{}">{}</a>', _change(obj.book), obj.book)

    @admin.display(description="Release")
    def release_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', _change(obj.release), Truncator(obj.release.title).chars(60)
        )

    @admin.display(description="Error")
    def error(self, obj):
        return Truncator(obj.error_message.split("\n", 1)[0]).chars(80)
