"""The audiobook domain's models, one module per idea:

- books: authors, series, genres and books (the catalog);
- releases: MyAnonamouse releases and the downloads sent to the torrent client;
- blocklist: releases that failed for a book and are not sent for it again;
- shelf: where owned books live on disk (folders, Audiobookshelf, imports);
- sessions: rotating session values of outside services;
- announced: the release calendar's view of announced books;
- account: the latest reading of the MyAnonamouse account.
"""

from catalog.models.account import MamAccount
from catalog.models.announced import AnnouncedBook
from catalog.models.blocklist import Blocklist
from catalog.models.books import Author, Book, Genre, Series
from catalog.models.releases import Download, Release
from catalog.models.sessions import ServiceSession
from catalog.models.shelf import BookLocation, ShelfReview

__all__ = [
    "AnnouncedBook",
    "Author",
    "Blocklist",
    "Book",
    "BookLocation",
    "Download",
    "Genre",
    "MamAccount",
    "Release",
    "Series",
    "ServiceSession",
    "ShelfReview",
]
