"""The library at a glance, for the admin's dashboard and /api/status.

Listed in settings.DASHBOARD_PANELS and STATUS_SECTIONS (scheduling never imports catalog).
Two grouped queries, whatever the size of the library.
"""

from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse

from catalog.models import Book, Download


def library_counts():
    """{"books": {status: count, ...}, "books_total", "downloads": {status: count}}."""
    books = dict(Book.objects.order_by().values_list("status").annotate(n=Count("pk")))
    downloads = dict(Download.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return {
        "books_total": sum(books.values()),
        "books": {status: books.get(status, 0) for status, _ in Book.STATUS_CHOICES},
        "downloads": {status: downloads.get(status, 0) for status, _ in Download.STATUS_CHOICES},
    }


def library_panel(request):
    if not request.user.has_perm("catalog.view_book"):
        return ""
    counts = library_counts()
    books_url = reverse("admin:catalog_book_changelist")
    downloads_url = reverse("admin:catalog_download_changelist")
    books = [
        (label, counts["books"][status], f"{books_url}?status__exact={status}")
        for status, label in Book.STATUS_CHOICES
    ]
    blocked = counts["downloads"][Download.IMPORT_BLOCKED]
    context = {
        "books_total": counts["books_total"],
        "books_url": books_url,
        "books": books,
        "import_blocked": blocked,
        "import_blocked_url": f"{downloads_url}?status__exact={Download.IMPORT_BLOCKED}",
        "downloading": counts["downloads"][Download.SENT],
        "downloading_url": f"{downloads_url}?status__exact={Download.SENT}",
    }
    return render_to_string("admin/catalog/library_panel.html", context, request=request)
