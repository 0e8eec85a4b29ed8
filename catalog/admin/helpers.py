"""Small helpers the catalog's admin pages share: links, counts, labels, yes/no filters."""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from catalog.models import Book


def plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def changelist_url(model, **filters):
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    url = reverse(f"admin:catalog_{model._meta.model_name}_changelist")
    return f"{url}?{query}" if query else url


def change_url(obj):
    return reverse(f"admin:catalog_{obj._meta.model_name}_change", args=[obj.pk])


def link_to(obj, text=None):
    """A link to the object's admin page, showing `text` (else the object), escaped."""
    return format_html('<a href="{}">{}</a>', change_url(obj), obj if text is None else text)


def count_of(model, field):
    """A correlated COUNT subquery: a per-row count inside the list's one SELECT."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def field_label(name):
    return str(Book._meta.get_field(name).verbose_name).capitalize()


METADATA_CHOICES = [(name, field_label(name)) for name in Book.METADATA_FIELDS]


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
