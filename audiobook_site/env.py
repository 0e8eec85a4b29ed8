"""Read settings from the environment, refusing bad values by name.

django-environ does the reading (and `.env` files); this module adds the checks it does not
make: a flag that is not a boolean, a URL without a scheme or host, a negative number, a
cron expression that is not standard cron. Each failure raises ImproperlyConfigured naming
the setting and the value, so start-up stops with a message a user can act on. Values of
secret settings are never echoed.
"""

import os
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


# --- paths (library folders, the download path map) ---------------------------------------


def paths(name, default=""):
    """Absolute folders separated by commas; a relative one is refused."""
    folders = [item.strip() for item in _raw(name, default).split(",") if item.strip()]
    for folder in folders:
        if not os.path.isabs(folder):
            _refuse(name, folder, "expected absolute folders separated by commas")
    return [os.path.normpath(folder) for folder in folders]


def path(name, default=""):
    """One absolute folder, or empty."""
    value = _raw(name, default).strip()
    if value and not os.path.isabs(value):
        _refuse(name, value, "expected an absolute folder")
    return os.path.normpath(value) if value else ""


def path_map(name, default=""):
    """`remote=local` pairs separated by `;`: [(remote, local)], the longest remote first.

    The remote side is the path as the other program (qBittorrent, perhaps in a container
    or on Windows) reports it, so only the local side must be absolute here.
    """
    pairs = []
    for item in _raw(name, default).split(";"):
        if not item.strip():
            continue
        remote, sep, local = (part.strip() for part in item.partition("="))
        if not sep or not remote or not local:
            _refuse(name, item, "expected remote=local pairs separated by ;")
        if not os.path.isabs(local):
            _refuse(name, item, f"the local side {local!r} is not an absolute folder")
        pairs.append((remote.rstrip("/\\") or remote, os.path.normpath(local)))
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


def optional_url(name, secret=False):
    """Like url(), but empty means "not used"."""
    return url(name, "", secret) if _raw(name, "").strip() else ""


LAYOUT_FIELDS = ("author", "title", "series", "series_position", "year", "narrator")
SERIES_FIELDS = ("series", "series_position")


def library_layout(name, default):
    """Folder layouts for a book in a series and for one without: (series, standalone).

    The value is one layout, or two separated by `|` (in a series | not in one). Each is a
    relative path of `/`-separated parts naming fields in braces; a single layout must not
    name series fields, which a book without a series lacks.
    """
    value = _raw(name, default).strip()
    layouts = [part.strip().strip("/") for part in value.split("|")]
    if len(layouts) > 2 or not all(layouts):
        _refuse(name, value, "expected one layout, or two separated by | (series | standalone)")
    for layout in layouts:
        if any(part.strip() in ("", ".", "..") for part in layout.split("/")):
            _refuse(name, value, "a layout is a relative path without empty, . or .. parts")
        fields = _layout_fields(name, value, layout)
        if "title" not in fields:
            _refuse(name, value, "each layout must name {title}")
    if len(layouts) == 1:
        if set(_layout_fields(name, value, layouts[0])) & set(SERIES_FIELDS):
            _refuse(name, value, "add a second layout after | for books without a series")
        layouts.append(layouts[0])
    elif set(_layout_fields(name, value, layouts[1])) & set(SERIES_FIELDS):
        _refuse(name, value, "the layout after | is for books without a series: no series fields")
    return tuple(layouts)


def _layout_fields(name, value, layout):
    import string

    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(layout) if field is not None]
    except ValueError as error:
        _refuse(name, value, f"not a layout ({error})")
    for field in fields:
        if field not in LAYOUT_FIELDS:
            _refuse(name, value, f"unknown field {{{field}}}; use {', '.join(LAYOUT_FIELDS)}")
    return fields
