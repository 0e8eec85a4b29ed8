"""manage.py importlibrary [PATH ...] [--audiobookshelf] [--dry-run]: the library scan in
the foreground, with a progress bar and what it found. Without a PATH or --audiobookshelf,
every configured source (LIBRARY_PATHS, Audiobookshelf) is read."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from catalog.clients.http import ServiceError
from catalog.shelf.scan import scan


class DryRun(Exception):  # noqa: N818 - it names what happened
    """Raised at the end of a dry run, so that its transaction writes nothing."""


class Command(BaseCommand):
    help = "Import the audiobooks you already have (folders, Audiobookshelf) as owned books."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Library folders (default: LIBRARY_PATHS)")
        parser.add_argument("--audiobookshelf", action="store_true", help="Read Audiobookshelf")
        parser.add_argument("--dry-run", action="store_true", help="Say what, write nothing")

    def handle(self, *args, paths, audiobookshelf, dry_run, **options):
        if not paths and not audiobookshelf:
            paths, audiobookshelf = settings.LIBRARY_PATHS, bool(settings.AUDIOBOOKSHELF_URL)
        if not paths and not audiobookshelf:
            raise CommandError(
                "No library: give a PATH, or set LIBRARY_PATHS / AUDIOBOOKSHELF_URL."
            )
        if audiobookshelf and not settings.AUDIOBOOKSHELF_URL:
            raise CommandError(
                "--audiobookshelf needs AUDIOBOOKSHELF_URL and AUDIOBOOKSHELF_TOKEN."
            )
        for path in paths:
            if not os.path.isabs(path):
                raise CommandError(f"{path}: expected an absolute folder")
        try:
            summary = self._import(paths, audiobookshelf, dry_run)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        self._print(summary, dry_run)

    def _import(self, paths, audiobookshelf, dry_run):
        def progress(books, total, what):
            # The stream beneath Django's OutputWrapper, which would end every redraw of
            # the bar with a newline (and colour it as an error).
            return tqdm(books, total=total, desc=what, unit="book", file=self.stderr._out)

        result = None
        try:
            with transaction.atomic():
                result = scan(paths, with_audiobookshelf=audiobookshelf, progress=progress)
                if dry_run:
                    raise DryRun()
        except DryRun:
            pass
        return result

    def _print(self, summary, dry_run):
        out = self.stdout.write
        out(("Dry run, nothing written. " if dry_run else "") + summary.line())
        for item in summary.unreadable:
            out(self.style.WARNING(f"Unreadable: {item.path}: {item.reason}"))
