"""Downloads as download_monitor follows them, and the blocklist of failed releases.

Both actions record staff's wish and queue a download_monitor run: the scheduler carries
it out (the web request never imports files or calls qBittorrent).
"""

from django.contrib import admin, messages
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from catalog.admin.helpers import change_url, link_to, plural
from catalog.failures import fail_download
from catalog.models import Blocklist, Download
from scheduling.admin.lists import CappedCountPaginator
from scheduling.models import JobControl

MONITOR = "download_monitor"
FIGURES = [
    "client_state", "progress", "seeders", "ratio", "content_path", "import_path",
    "stalled_since", "missing_listings", "completed_at", "imported_at", "failed_at",
    "remove_from_client",
]  # fmt: skip


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    list_display = [
        "book_and_release",
        "status_shown",
        "progress_shown",
        "seeding",
        "where_or_why",
        "sent_at",
    ]
    list_filter = ["status", "client_state", "task_name", "requested_at"]
    list_select_related = ["book", "release"]
    search_fields = ["book__title", "release__title", "client_hash", "import_path"]
    autocomplete_fields = ["book", "release"]
    readonly_fields = FIGURES
    actions = ["retry_import", "mark_failed"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per choice
    paginator = CappedCountPaginator

    @admin.display(description="Book and release", ordering="book__title")
    def book_and_release(self, obj):
        """The book, and the release sent for it below (one column: the list fits 1280 px)."""
        release = format_html(
            '<a href="{}" title="{}">{}</a>',
            change_url(obj.release),
            obj.release.title,
            Truncator(obj.release.title).chars(60),
        )
        return format_html('{}<div class="help">{}</div>', link_to(obj.book), release)

    @admin.display(description="Progress", ordering="progress")
    def progress_shown(self, obj):
        percent = round(obj.progress * 100)
        return format_html(
            '<progress max="100" value="{}" title="{}%"></progress> {}%', percent, percent, percent
        )

    @admin.display(description="Status", ordering="status")
    def status_shown(self, obj):
        """Ours, and qBittorrent's state below it (one column: the list fits 1280 px)."""
        if not obj.client_state:
            return obj.get_status_display()
        return format_html(
            '{}<div class="help" title="qBittorrent\'s state">{}</div>',
            obj.get_status_display(),
            obj.client_state,
        )

    @admin.display(description="Sent", ordering="requested_at")
    def sent_at(self, obj):
        moment = timezone.localtime(obj.requested_at)
        return format_html(
            '<span title="{}">{}<br>{}</span>',
            moment.strftime("%Y-%m-%d %H:%M:%S %Z"),
            moment.strftime("%Y-%m-%d"),
            moment.strftime("%H:%M"),
        )

    @admin.display(description="Seeds, ratio", ordering="ratio")
    def seeding(self, obj):
        seeders = "—" if obj.seeders is None else obj.seeders
        ratio = "—" if obj.ratio is None else floatformat(obj.ratio, 2)
        return format_html(
            '<span title="seeders seen">{}</span> · <span title="upload ratio">{}</span>',
            seeders,
            ratio,
        )

    @admin.display(description="Import path or reason")
    def where_or_why(self, obj):
        if obj.import_path:
            return obj.import_path
        first = obj.error_message.split("\n", 1)[0]
        if not first:
            return "—"
        return format_html('<span title="{}">{}</span>', first, Truncator(first).chars(120))

    @admin.action(description="Retry import (after fixing what blocked it)", permissions=["change"])
    def retry_import(self, request, queryset):
        retried = queryset.filter(status__in=[Download.IMPORT_BLOCKED, Download.COMPLETED]).update(
            status=Download.COMPLETED, error_message=""
        )
        self._queued(request, retried, "to import again", queryset.count() - retried)

    @admin.action(description="Mark failed (blocklist the release, want the book again)",
                  permissions=["change"])  # fmt: skip
    def mark_failed(self, request, queryset):
        user = request.user.get_username()
        failed = 0
        for download in queryset.filter(status__in=Download.ACTIVE_STATUSES).select_related("book"):
            failed += fail_download(download, f"marked failed by {user}")
        self._queued(request, failed, "failed and blocklisted", queryset.count() - failed)

    def _queued(self, request, done, what, untouched):
        if done:
            JobControl.request_run(MONITOR, requested_by=request.user.get_username())
            self.message_user(
                request,
                f"{plural(done, 'download')} {what}; download_monitor is queued to carry it "
                "out within seconds.",
            )
        if untouched:
            self.message_user(
                request,
                f"{plural(untouched, 'download')} left as they were: not in a state for that.",
                messages.WARNING,
            )


@admin.register(Blocklist)
class BlocklistAdmin(admin.ModelAdmin):
    list_display = ["release", "book_link", "reason_shown", "created_at"]
    list_select_related = ["book", "release"]
    search_fields = ["book__title", "release__title", "=release__mam_id", "reason"]
    autocomplete_fields = ["book", "release"]
    readonly_fields = ["download", "created_at"]
    actions = ["clear"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    @admin.display(description="Book", ordering="book__title")
    def book_link(self, obj):
        return link_to(obj.book)

    @admin.display(description="Reason")
    def reason_shown(self, obj):
        return Truncator(obj.reason).chars(120)

    @admin.action(description="Clear: allow these releases for their books again",
                  permissions=["delete"])  # fmt: skip
    def clear(self, request, queryset):
        cleared, _ = queryset.delete()
        self.message_user(
            request, f"{plural(cleared, 'release')} cleared from the blocklist: jobs may send "
            "them again."
        )  # fmt: skip
