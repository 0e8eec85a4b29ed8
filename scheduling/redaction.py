"""Keep secrets out of every line we write: logs, Task.log_output, error messages, and
Django's error pages (SecretsReporterFilter).

The secret values are the ones named in settings.SECRET_SETTING_NAMES plus the latest
MyAnonamouse cookie (which rotates, so it is registered at run time by its client).
"""

import logging
import re

from django.conf import settings
from django.utils.functional import cached_property
from django.views.debug import SafeExceptionReporterFilter

MASK = "[redacted]"
_runtime_secrets = set()
# Cookie and credential shapes, whatever their value: belt and braces for values we
# were never told about (an old rotated mam_id, a password in a URL).
_PATTERNS = [
    re.compile(r"(mam_id=)[^;&\s'\"]+", re.IGNORECASE),
    re.compile(r"(SID=)[^;&\s'\"]+"),
    re.compile(r"([?&]key=)[^&\s'\"]+"),
    re.compile(r"(password=)[^&\s'\"]+", re.IGNORECASE),
    re.compile(r"(://[^:/@\s]+:)[^@/\s]+(@)"),
]


def register_secret(value):
    """Treat value as a secret from now on (e.g. a freshly rotated session cookie)."""
    if value and len(value) >= 4:
        _runtime_secrets.add(value)


def _secret_values():
    values = set()
    for name in settings.SECRET_SETTING_NAMES:
        value = getattr(settings, name, "")
        values.update(value if isinstance(value, list | tuple) else [value])
    return sorted(
        (v for v in values | _runtime_secrets if v and len(v) >= 4), key=len, reverse=True
    )


def redact(text):
    if not text:
        return text
    text = str(text)
    for value in _secret_values():
        text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(
            lambda m: m.group(1) + MASK + (m.group(2) if m.lastindex > 1 else ""), text
        )
    return text


class RedactSecretsFilter(logging.Filter):
    """A logging filter that rewrites the message and traceback with secrets masked."""

    def filter(self, record):
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class SecretsReporterFilter(SafeExceptionReporterFilter):
    """Django's error pages (DEBUG's yellow page, the mails to ADMINS) without our secrets.

    Django hides settings and request.META entries whose names contain KEY, TOKEN, SECRET,
    PASS, API, AUTH or SIGNATURE; MAM_SESSION_ID and NOTIFY_URLS are none of those. Every
    name in SECRET_SETTING_NAMES is hidden too (a setting, or an environment variable of the
    same name in request.META), and so is any value holding a secret, whatever its name:
    a frame's local variable or a setting that quotes a cookie or a key.
    """

    @cached_property
    def hidden_settings(self):
        names = "|".join(re.escape(name) for name in settings.SECRET_SETTING_NAMES)
        return re.compile(f"{super().hidden_settings.pattern}|{names}", re.IGNORECASE)

    def is_active(self, request):
        return True  # also under DEBUG: DEBUG is this project's default

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str) and redact(cleansed) != cleansed:
            return self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleansed_substitute if _holds_secret(value) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


def _holds_secret(value):
    try:
        text = repr(value)
    except Exception:  # a repr that fails shows nothing either
        return False
    return redact(text) != text
