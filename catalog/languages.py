"""Language codes as the providers give them: ISO 639-1 ("en"), 639-2 ("eng", "ger")."""

from functools import lru_cache

import pycountry
from django.conf import settings


@lru_cache(maxsize=512)
def to_alpha2(code):
    """'eng' / 'ger' / 'deu' / 'en' / 'English' -> 'en'; '' when unknown."""
    code = (code or "").strip().lower()
    if not code:
        return ""
    language = None
    for attribute in ("alpha_2", "alpha_3", "bibliographic", "name"):
        try:
            language = pycountry.languages.get(**{attribute: code})
        except (KeyError, LookupError):
            language = None
        if language is not None:
            break
    return getattr(language, "alpha_2", "") if language else ""


def in_library_languages(languages):
    """True when the languages are unknown or one of them is in LIBRARY_LANGUAGES."""
    if isinstance(languages, str):
        languages = [languages]
    known = {to_alpha2(code) for code in languages or []} - {""}
    if not known:
        return True
    return bool(known & {to_alpha2(code) or code for code in settings.LIBRARY_LANGUAGES})
