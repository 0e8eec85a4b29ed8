"""The books list and page: filters, the metadata lock form, actions."""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from catalog.admin.helpers import (
    METADATA_CHOICES,
    YesNoFilter,
    change_url,
    changelist_url,
    count_of,
    link_to,
    plural,
)
from catalog.models import Book, BookLocation, Download, Release
from scheduling.admin.display import moment
from scheduling.admin.lists import CappedCountPaginator


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

    def clean_cover_url(self):
        url = self.cleaned_data.get("cover_url", "")
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError(
                "Only https:// cover links: the admin would load an http one unencrypted."
            )
        return url


class LockFieldsForm(forms.Form):
    field_names = forms.MultipleChoiceField(
        choices=METADATA_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    mode = forms.ChoiceField(
        choices=[("lock", "Lock these fields"), ("unlock", "Unlock these fields")],
        widget=forms.RadioSelect,
        initial="lock",
    )


def _first_copy():
    """Annotations: the book's first copy (present ones first) and how many it has, as
    subqueries of the list's one SELECT."""
    first = BookLocation.objects.filter(book=OuterRef("pk")).order_by(
        F("missing_since").asc(nulls_first=True), "path"
    )
    return {
        "copy_path": Subquery(first.values("path")[:1]),
        "copy_missing_since": Subquery(first.values("missing_since")[:1]),
        "copy_count": count_of(BookLocation, "book"),
    }


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    form = BookForm
    list_display = [
        "title",
        "author_names",
        "series_link",
        "status",
        "releases",
        "gaps",
        "on_the_shelf",
        "runtime",
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
                    ("release_date", "abridged"),
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
            .annotate(release_count=count_of(Release, "book"), **_first_copy())
        )

    @admin.display(description="Added", ordering="date_added")
    def added(self, obj):
        return moment(obj.date_added)

    @admin.display(description="Authors")
    def author_names(self, obj):
        return format_html_join(
            ", ", '<a href="{}">{}</a>', ((change_url(a), a.name) for a in obj.authors.all())
        )

    @admin.display(description="Series", ordering="series__name")
    def series_link(self, obj):
        if obj.series is None:
            return ""
        position = f" #{obj.series_position}" if obj.series_position else ""
        return format_html("{}{}", link_to(obj.series), position)

    @admin.display(description="Releases", ordering="release_count")
    def releases(self, obj):
        if not obj.release_count:
            return "none"
        url = changelist_url(Release, book__id__exact=obj.pk)
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

    @admin.display(description="On the shelf")
    def on_the_shelf(self, obj):
        """Where it lives (the library scan, imports): a present copy first; one gone says so."""
        if not obj.copy_count:
            return ""
        gone = " (missing)" if obj.copy_missing_since else ""
        others = obj.copy_count - 1
        more = f" and {others} other cop{'y' if others == 1 else 'ies'}" if others else ""
        return format_html("{}{}{}", obj.copy_path, gone, more)

    @admin.display(description="Runtime", ordering="runtime_minutes")
    def runtime(self, obj):
        minutes = obj.runtime_minutes
        return f"{minutes // 60} h {minutes % 60:02} min" if minutes else ""

    @admin.display(description="See also")
    def links(self, obj):
        if obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">its downloads</a>',
            changelist_url(Release, book__id__exact=obj.pk),
            plural(obj.release_count, "release"),
            changelist_url(Download, book__id__exact=obj.pk),
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
        note = f" ({plural(skipped, 'book')} owned or downloading left as is)" if skipped else ""
        self.message_user(request, f"Marked {plural(count, 'book')} wanted{note}.")

    @admin.action(description="Mark selected books ignored", permissions=["change"])
    def mark_ignored(self, request, queryset):
        count = queryset.update(status=Book.IGNORED)
        self.message_user(request, f"Marked {plural(count, 'book')} ignored.")

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
                f"{verb} {', '.join(sorted(fields))} on {plural(len(books), 'book')}.",
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
