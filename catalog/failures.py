"""A failed download: recorded with its reason, its release blocklisted for the book, the
book wanted again (so the next completion or mam_scraping run sends the next-best release),
and the torrent marked for removal from qBittorrent when REMOVE_FAILED_DOWNLOADS is on.

download_monitor calls it for what qBittorrent reports; the admin's "mark failed" for what
staff decide. The removal itself is download_monitor's (it knows what else qBittorrent holds).
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import Blocklist, Book, Download


def fail_download(download, reason):
    """Fail a download that is not already failed. True when this call failed it."""
    if download.status == Download.FAILED:
        return False
    now = timezone.now()
    remove = settings.REMOVE_FAILED_DOWNLOADS and bool(download.client_hash)
    with transaction.atomic():
        # Re-filter on the status it had: staff or another pass may have changed it.
        updated = Download.objects.filter(pk=download.pk, status=download.status).update(
            status=Download.FAILED,
            error_message=reason,
            failed_at=now,
            remove_from_client=remove,
        )
        if not updated:
            return False
        Blocklist.objects.get_or_create(
            book_id=download.book_id,
            release_id=download.release_id,
            defaults={"reason": reason, "download": download, "created_at": now},
        )
        Book.objects.filter(pk=download.book_id, status=Book.DOWNLOADING).update(status=Book.WANTED)
    download.status, download.error_message, download.failed_at = Download.FAILED, reason, now
    download.remove_from_client = remove
    return True
