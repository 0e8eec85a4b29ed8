"""One audiobook as the shelf describes it, before it is matched to the catalog."""

from dataclasses import asdict, dataclass, field


@dataclass
class FoundBook:
    source: str  # BookLocation.FOLDER or AUDIOBOOKSHELF
    path: str  # the book's folder (or single file); for Audiobookshelf, its item's path
    root: str = ""  # the LIBRARY_PATHS root (or Audiobookshelf library id) it is under
    fingerprint: str = ""  # unchanged: not re-read
    title: str = ""
    subtitle: str = ""
    authors: list = field(default_factory=list)
    narrators: list = field(default_factory=list)
    series: str = ""
    position: str = ""
    year: str = ""
    genres: list = field(default_factory=list)
    asin: str = ""
    isbn: str = ""
    runtime_seconds: int | None = None
    size_bytes: int = 0
    file_count: int = 0
    audio_format: str = ""
    external_id: str = ""
    listing: tuple | None = None  # a folder's listing to remember (folders.BookFolder)

    def fill(self, **values):
        """Set each field that is still empty (the earlier source wins)."""
        for name, value in values.items():
            if value and not getattr(self, name):
                setattr(self, name, value)

    def described(self):
        """The fields a review shows."""
        keep = ("title", "authors", "narrators", "series", "position", "year", "asin", "isbn")
        return {key: value for key, value in asdict(self).items() if key in keep and value}


@dataclass
class Unreadable:
    """A file or folder that could not be read: counted, kept with its path, skipped."""

    path: str
    reason: str
