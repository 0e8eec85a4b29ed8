"""The librarian's admin: books, authors, series, genres, releases and downloads.

Every list costs a fixed number of queries (relations joined or prefetched, counts as
subqueries in the one SELECT). Text that came from providers (descriptions, titles) is
rendered through the templates' escaping or format_html, never marked safe.
ServiceSession's page (account) never shows the cookie: it only says its state and
takes a new one.

The pages live in one module per idea: books, following (authors, series, genres),
releases, downloads (downloads as download_monitor follows them, and the blocklist),
calendar (announced books by month), series_books (a series' books in order, with its
gaps), account (the MyAnonamouse session and account), shelf (the library scan's review list);
helpers holds what they share.
"""

from catalog.admin import (  # noqa: F401 - registers the pages
    account,
    books,
    calendar,
    downloads,
    following,
    releases,
    shelf,
)
