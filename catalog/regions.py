"""Audible's marketplaces: the catalog API host of each region Audnexus also serves.

A plain table with no Django in it, so settings can check AUDIBLE_REGION against it.
Brazil (.com.br) is left out: Audnexus refuses it.
"""

AUDIBLE_HOSTS = {
    "us": "https://api.audible.com",
    "ca": "https://api.audible.ca",
    "uk": "https://api.audible.co.uk",
    "au": "https://api.audible.com.au",
    "fr": "https://api.audible.fr",
    "de": "https://api.audible.de",
    "jp": "https://api.audible.co.jp",
    "it": "https://api.audible.it",
    "in": "https://api.audible.in",
    "es": "https://api.audible.es",
}
