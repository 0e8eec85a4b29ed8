"""The shelf in the admin: the review list of found audiobooks whose match was not sure.

Staff confirm the suggested book, pick the other candidate, or keep the copy as a book of
its own; each answer records the copy and removes it from the list.
"""

from django.contrib import admin

from catalog.admin.helpers import link_to, plural
from catalog.models import ShelfReview
from catalog.shelf.ownership import settle


@admin.register(ShelfReview)
class ShelfReviewAdmin(admin.ModelAdmin):
    list_display = [
        "found_title",
        "found_authors",
        "reason",
        "suggested_book",
        "other_book",
        "path",
    ]
    list_select_related = ["suggested", "other"]
    search_fields = ["path", "suggested__title", "other__title"]
    readonly_fields = ["source", "path", "library_root", "found", "reason", "suggested", "other"]
    fields = readonly_fields
    actions = ["confirm_suggested", "pick_other", "keep_both"]

    def has_add_permission(self, request):
        return False  # the scan files them

    @admin.display(description="Found title")
    def found_title(self, obj):
        return obj.found.get("title", "")

    @admin.display(description="Found authors")
    def found_authors(self, obj):
        return ", ".join(obj.found.get("authors", []))

    @admin.display(description="Suggested book", ordering="suggested__title")
    def suggested_book(self, obj):
        return _link(obj.suggested)

    @admin.display(description="Other candidate")
    def other_book(self, obj):
        return _link(obj.other)

    @admin.action(description="It is the suggested book", permissions=["change"])
    def confirm_suggested(self, request, queryset):
        self._settle(request, queryset, "suggested", "the suggested book")

    @admin.action(description="It is the other candidate", permissions=["change"])
    def pick_other(self, request, queryset):
        self._settle(request, queryset, "other", "the other candidate")

    @admin.action(description="Keep both: it is a book of its own", permissions=["change"])
    def keep_both(self, request, queryset):
        self._settle(request, queryset, None, "a book of its own")

    def _settle(self, request, queryset, candidate, what):
        """candidate: "suggested" or "other" (the book it is), None (a book of its own)."""
        done = skipped = 0
        for review in queryset.select_related("suggested", "other"):
            book = getattr(review, candidate) if candidate else None
            if candidate and book is None:
                skipped += 1  # no such candidate to pick
                continue
            settle(review, book)
            done += 1
        note = f" ({plural(skipped, 'found book')} without that candidate left)" if skipped else ""
        self.message_user(request, f"Recorded {plural(done, 'found book')} as {what}{note}.")


def _link(book):
    return "" if book is None else link_to(book, book.title)
