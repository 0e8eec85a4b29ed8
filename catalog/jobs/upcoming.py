"""What is coming: the newest audiobooks of followed authors and series, from Audible.

Audible lists pre-orders with their release date, so an author's catalogue sorted by
release date (latest first) shows the next book of a series before any other source does.
Asked once per author per run; when Audible is down or refuses us it is skipped for the
rest of the run, and the jobs go on with their other sources.
"""

from datetime import date

from catalog import matching
from catalog.clients.audible import AudibleClient
from catalog.jobs.metadata_sources import Provider

NEWEST = 25  # an author's latest releases asked for; the next books are among them


class Upcoming:
    def __init__(self, run):
        self.run = run
        self.audible = Provider("Audible", AudibleClient())
        self.by_author = {}

    def of_author(self, name):
        """The author's audiobooks on Audible, latest release first ([] when it is down)."""
        key = matching.clean_author(name)
        if key not in self.by_author:
            found = self.audible.ask(self.run, lambda client: client.newest(name, NEWEST))
            self.by_author[key] = [
                record
                for record in found or []
                if any(matching.clean_author(a) == key for a in record.authors)
            ]
        return self.by_author[key]

    def in_series(self, series, authors):
        """The series' books among its authors' newest (matched by the series' name)."""
        wanted = matching.clean_title(series.name)
        return [
            record
            for author in authors
            for record in self.of_author(author)
            if record.series_name and matching.clean_title(record.series_name) == wanted
        ]


def release_day(record):
    try:
        return date.fromisoformat(record.release_date)
    except (TypeError, ValueError):
        return None


def audible_facts(record):
    """What an Audible record adds to a wanted book: its audio release day, ASIN, narrators."""
    return {"release_date": release_day(record), "asin": record.asin, "narrators": record.narrators}
