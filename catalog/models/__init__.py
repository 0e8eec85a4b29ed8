"""The audiobook domain's models, one module per idea:

- books: authors, series, genres and books (the catalog);
- releases: MyAnonamouse releases and the downloads sent to the torrent client;
- shelf: where owned books live on disk (folders, Audiobookshelf, imports);
- sessions: rotating session values of outside services;
- account: the latest reading of the MyAnonamouse account.
"""

from catalog.models.account import MamAccount
from catalog.models.books import Author, Book, Genre, Series
from catalog.models.releases import Download, Release
from catalog.models.sessions import ServiceSession
from catalog.models.shelf import BookLocation

__all__ = [
    "Author",
    "Book",
    "BookLocation",
    "Download",
    "Genre",
    "MamAccount",
    "Release",
    "Series",
    "ServiceSession",
]
