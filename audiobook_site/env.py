"""Read settings from the environment, refusing bad values by name.

django-environ does the reading (and `.env` files); this module adds the checks it does not
make: a flag that is not a boolean, a URL without a scheme or host, a negative number, a
cron expression that is not standard cron. Each failure raises ImproperlyConfigured naming
the setting and the value, so start-up stops with a message a user can act on. Values of
secret settings are never echoed.
"""

import re
import warnings
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on", "y", "t"}
FALSE_WORDS = {"0", "false", "no", "off", "n", "f", ""}

env = environ.Env()


def _raw(name, default):
    return env.str(name, default=default)


def _refuse(name, value, why, secret=False):
    shown = "(value hidden)" if secret else repr(value)
    # from None: the parsing error behind it would only repeat the value.
    raise ImproperlyConfigured(f"Setting {name}={shown} is invalid: {why}") from None


def text(name, default=""):
    return _raw(name, default)


def flag(name, default):
    value = _raw(name, str(default))
    if value.strip().lower() in TRUE_WORDS:
        return True
    if value.strip().lower() in FALSE_WORDS:
        return False
    _refuse(name, value, "expected true or false")


def integer(name, default, minimum=None, maximum=None):
    value = _raw(name, str(default))
    try:
        number = int(value)
    except ValueError:
        _refuse(name, value, "expected a whole number")
    if minimum is not None and number < minimum:
        _refuse(name, value, f"must be at least {minimum}")
    if maximum is not None and number > maximum:
        _refuse(name, value, f"must be at most {maximum}")
    return number


def number(name, default, minimum=None):
    value = _raw(name, str(default))
    try:
        result = float(value)
    except ValueError:
        _refuse(name, value, "expected a number")
    if minimum is not None and result < minimum:
        _refuse(name, value, f"must be at least {minimum}")
    return result


def url(name, default, secret=False):
    """An http(s) URL without a trailing slash."""
    value = _raw(name, default).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        _refuse(name, value, "expected an http:// or https:// URL with a host", secret)
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        _refuse(name, value, "the port is not a number in 1-65535", secret)
    return value.rstrip("/")


def words(name, default):
    return [item.strip() for item in _raw(name, default).split(",") if item.strip()]


_URL_START = re.compile(r"[\s,]+(?=[A-Za-z][A-Za-z0-9+.-]*://)")


def url_list(name, default="", secret=True):
    """Apprise-style URLs separated by spaces or commas (a comma inside a URL's query stays)."""
    urls = [part.strip(" ,") for part in _URL_START.split(_raw(name, default).strip())]
    urls = [u for u in urls if u]
    for value in urls:
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$", value):
            _refuse(name, value, "expected URLs such as json://host/path or ntfy://topic", secret)
    return urls


def choices(name, default, allowed):
    """Comma-separated words, each one of `allowed`."""
    values = words(name, default)
    for value in values:
        if value not in allowed:
            _refuse(name, value, f"unknown value; choose among {', '.join(sorted(allowed))}")
    return values


def choice(name, default, allowed):
    """One word of `allowed`, in lower case."""
    value = _raw(name, default).strip().lower()
    if value not in allowed:
        _refuse(name, value, f"unknown value; choose among {', '.join(sorted(allowed))}")
    return value


def timezone(name, default):
    value = _raw(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        _refuse(name, value, "not an IANA time zone such as Europe/Berlin or UTC")
    return value


def cron(name, default, tz):
    from scheduling.cron import CronError, validate

    value = _raw(name, default)
    try:
        validate(value, ZoneInfo(tz))
    except CronError as error:
        _refuse(name, value, f"not a standard cron expression ({error})")
    return value.strip()


SUPPORTED_DATABASES = ("django.db.backends.sqlite3", "django.db.backends.postgresql")


def database(name, default):
    value = _raw(name, default)
    try:
        # django-environ warns about an unknown scheme with the whole URL (password and
        # all) in the message: keep that warning off the console.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = environ.Env.db_url_config(value)
    except Exception:  # environ raises a handful of types for a malformed URL
        config = None
    if not config or config.get("ENGINE") not in SUPPORTED_DATABASES:
        _refuse(
            name,
            value,
            "not a database URL such as sqlite:///db.sqlite3 or postgres://...",
            secret=True,
        )
    return config
