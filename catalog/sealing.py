"""Secrets kept in the database are sealed: Fernet (AES with an HMAC), keyed from SECRET_KEY.

A copy of the database (a backup, a `db.sqlite3` left in an image) then holds no usable
MyAnonamouse cookie. The key is derived with HKDF rather than used raw, so the sealing
key is not the key Django signs sessions with. A token sealed under another SECRET_KEY
does not open: the caller treats that as "no stored value" and asks for a new one.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"audiobook-site: sealed service sessions"


def _fernet():
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text):
    """The text, encrypted and authenticated, as a string for a TextField."""
    return _fernet().encrypt(text.encode()).decode()


def unseal(token):
    """The text sealed in token, or None when it was not sealed with this SECRET_KEY."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
