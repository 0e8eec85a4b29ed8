"""Settings, all read from the environment (or a `.env` file beside manage.py).

Every setting is documented in `.env.example` and the README. A bad value stops start-up
with ImproperlyConfigured naming the setting (see audiobook_site/env.py).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from audiobook_site import env
from catalog.regions import AUDIBLE_HOSTS
from scheduling.notify import EVENTS as NOTIFICATION_EVENTS

BASE_DIR = Path(__file__).resolve().parent.parent
environ.Env.read_env(BASE_DIR / ".env")

# --- Django core -------------------------------------------------------------------------

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
DEBUG = env.flag("DEBUG", True)
SECRET_KEY = env.text("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "Setting SECRET_KEY is invalid: with DEBUG off it must be a random value of 50 "
        "characters or more, not the development default (python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))' makes one)."
    )
ALLOWED_HOSTS = env.words("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env.words("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_apscheduler",
    "scheduling",
    "catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "audiobook_site.urls"
WSGI_APPLICATION = "audiobook_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "catalog.context_processors.mam_session_banner",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------

DATABASES = {"default": env.database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The site and the scheduler share the file: WAL lets readers and one writer proceed
    # together, IMMEDIATE transactions take the write lock up front (no upgrade deadlock),
    # and the busy timeout waits instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Staff passwords (the admin's forms, changepassword, createsuperuser): Django's four checks.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ----------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves the admin's static files in production (no separate web server needed).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Security (see README "Production") --------------------------------------------------

SECURE_COOKIES = env.flag("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.flag("SECURE_HSTS_PRELOAD", False)
if env.flag("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Jobs: schedules (standard cron, in TIME_ZONE) and switches ---------------------------

TASK_SCHEDULES = {
    "mam_scraping": env.cron("TASK_MAM_TIME", "0 2 * * *", TIME_ZONE),
    "top10_discovery": env.cron("TASK_TOP10_TIME", "0 3 * * 0", TIME_ZONE),
    "metadata_full_refresh": env.cron("TASK_METADATA_FULL_TIME", "0 4 1 * *", TIME_ZONE),
    "metadata_new_books": env.cron("TASK_METADATA_NEW_TIME", "30 4 * * 0", TIME_ZONE),
    "series_completion": env.cron("TASK_SERIES_TIME", "0 3 2 * *", TIME_ZONE),
    "author_completion": env.cron("TASK_AUTHOR_TIME", "0 3 3 * *", TIME_ZONE),
    "cleanup_old_tasks": env.cron("TASK_CLEANUP_TIME", "0 1 * * *", TIME_ZONE),
    "announced_releases": env.cron("TASK_ANNOUNCED_TIME", "0 6 * * *", TIME_ZONE),
}
FEATURE_FLAGS = {
    "ENABLE_MAM_SCRAPING": env.flag("ENABLE_MAM_SCRAPING", True),
    "ENABLE_TOP10_DISCOVERY": env.flag("ENABLE_TOP10_DISCOVERY", True),
    "ENABLE_METADATA_CORRECTION": env.flag("ENABLE_METADATA_CORRECTION", True),
    "ENABLE_SERIES_COMPLETION": env.flag("ENABLE_SERIES_COMPLETION", True),
    "ENABLE_AUTHOR_COMPLETION": env.flag("ENABLE_AUTHOR_COMPLETION", True),
    "ENABLE_ANNOUNCED_RELEASES": env.flag("ENABLE_ANNOUNCED_RELEASES", True),
}
HISTORY_RETENTION_DAYS = env.integer("HISTORY_RETENTION_DAYS", 30, minimum=1)
NEW_BOOKS_DAYS = env.integer("NEW_BOOKS_DAYS", 7, minimum=1)
MAM_LOOKBACK_DAYS = env.integer("MAM_LOOKBACK_DAYS", 7, minimum=1)
TOP10_AUTO_WANT = env.flag("TOP10_AUTO_WANT", False)
MAX_DOWNLOADS_PER_RUN = env.integer("MAX_DOWNLOADS_PER_RUN", 10, minimum=0)
PREFERRED_FORMATS = env.words("PREFERRED_FORMATS", "m4b,mp3")
TASK_JITTER_SECONDS = env.integer("TASK_JITTER_SECONDS", 0, minimum=0)
# How often the scheduler looks for staff's requests (pause, resume, run now, cancel).
SCHEDULER_POLL_SECONDS = env.number("SCHEDULER_POLL_SECONDS", 2, minimum=0.1)
# How often a running job writes its heartbeat and progress and looks for a cancel
# request; a row whose heartbeat is older than TASK_STALE_AFTER_SECONDS belongs to a
# dead process and is closed as abandoned.
TASK_HEARTBEAT_SECONDS = env.number("TASK_HEARTBEAT_SECONDS", 2, minimum=0.1)
TASK_STALE_AFTER_SECONDS = env.number("TASK_STALE_AFTER_SECONDS", 120, minimum=1)
# A module whose JOBS list adds jobs to the registry (used by the process tests).
EXTRA_JOBS = env.text("EXTRA_JOBS", "")
# On SIGTERM, how long runscheduler waits for running jobs before cancelling them.
SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS = env.number("SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS", 60, minimum=0)
SCHEDULER_LOCK_FILE = env.text("SCHEDULER_LOCK_FILE", str(BASE_DIR / ".scheduler.lock"))

# --- Outside services --------------------------------------------------------------------

HTTP_USER_AGENT = env.text(
    "HTTP_USER_AGENT",
    "audiobook-site/0.1 (+https://github.com/audiobook-site/audiobook-site; self-hosted)",
)
HTTP_TIMEOUT_SECONDS = env.number("HTTP_TIMEOUT_SECONDS", 20, minimum=1)
HTTP_RETRIES = env.integer("HTTP_RETRIES", 3, minimum=0, maximum=10)
# Longest Retry-After we wait for inside a run; longer answers end the provider's run.
HTTP_MAX_RETRY_AFTER_SECONDS = env.integer("HTTP_MAX_RETRY_AFTER_SECONDS", 120, minimum=0)
# Every call ends within this, retries and a slow body included; bodies are capped.
HTTP_DEADLINE_SECONDS = env.number("HTTP_DEADLINE_SECONDS", 300, minimum=1)
HTTP_MAX_BODY_BYTES = env.integer("HTTP_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024)

MAM_URL = env.url("MAM_URL", "https://www.myanonamouse.net")
MAM_SESSION_ID = env.text("MAM_SESSION_ID", "")
MAM_REQUESTS_PER_SECOND = env.number("MAM_REQUESTS_PER_SECOND", 0.3, minimum=0)
MAM_LANGUAGES = env.words("MAM_LANGUAGES", "")
# The careful member's rules (README "Keeping your MAM account safe").
MAM_UNSAT_RESERVE = env.integer("MAM_UNSAT_RESERVE", 2, minimum=0)
MAM_MIN_RATIO = env.number("MAM_MIN_RATIO", 1.0, minimum=0)
MAM_FREELEECH_ONLY = env.flag("MAM_FREELEECH_ONLY", False)

GOOGLE_BOOKS_API_URL = env.url("GOOGLE_BOOKS_API_URL", "https://www.googleapis.com/books/v1")
GOOGLE_BOOKS_API_KEY = env.text("GOOGLE_BOOKS_API_KEY", "")
GOOGLE_BOOKS_REQUESTS_PER_SECOND = env.number("GOOGLE_BOOKS_REQUESTS_PER_SECOND", 1, minimum=0)

GOODREADS_URL = env.url("GOODREADS_URL", "https://www.goodreads.com")
GOODREADS_REQUESTS_PER_SECOND = env.number("GOODREADS_REQUESTS_PER_SECOND", 0.5, minimum=0)

OPENLIBRARY_URL = env.url("OPENLIBRARY_URL", "https://openlibrary.org")
OPENLIBRARY_REQUESTS_PER_SECOND = env.number("OPENLIBRARY_REQUESTS_PER_SECOND", 1, minimum=0)

# Audiobook metadata: Audible's catalog (regional hosts) and Audnexus, both keyless;
# Hardcover only with a token. See README "Audiobook metadata".
AUDIBLE_REGION = env.choice("AUDIBLE_REGION", "us", AUDIBLE_HOSTS)
AUDIBLE_URL = env.url("AUDIBLE_URL", AUDIBLE_HOSTS[AUDIBLE_REGION])
AUDIBLE_REQUESTS_PER_SECOND = env.number("AUDIBLE_REQUESTS_PER_SECOND", 1, minimum=0)
AUDNEXUS_URL = env.url("AUDNEXUS_URL", "https://api.audnex.us")
AUDNEXUS_REQUESTS_PER_SECOND = env.number("AUDNEXUS_REQUESTS_PER_SECOND", 1, minimum=0)
HARDCOVER_URL = env.url("HARDCOVER_URL", "https://api.hardcover.app/v1/graphql")
HARDCOVER_TOKEN = env.text("HARDCOVER_TOKEN", "")
# Hardcover allows 60 requests a minute; the client sends one query per request.
HARDCOVER_REQUESTS_PER_SECOND = env.number("HARDCOVER_REQUESTS_PER_SECOND", 1, minimum=0)

QBITTORRENT_URL = env.url("QBITTORRENT_URL", "http://127.0.0.1:8080")
QBITTORRENT_USERNAME = env.text("QBITTORRENT_USERNAME", "admin")
QBITTORRENT_PASSWORD = env.text("QBITTORRENT_PASSWORD", "")
QBITTORRENT_CATEGORY = env.text("QBITTORRENT_CATEGORY", "audiobooks")
QBITTORRENT_TAGS = env.words("QBITTORRENT_TAGS", "audiobook-site")
DOWNLOAD_DRY_RUN = env.flag("DOWNLOAD_DRY_RUN", False)
LIBRARY_LANGUAGES = env.words("LIBRARY_LANGUAGES", "en")

# --- Following downloads to the shelf (download_monitor; see README "Following downloads") -

TASK_SCHEDULES["download_monitor"] = env.cron(
    "TASK_DOWNLOAD_MONITOR_TIME", "*/5 * * * *", TIME_ZONE
)
FEATURE_FLAGS["ENABLE_DOWNLOAD_MONITOR"] = env.flag("ENABLE_DOWNLOAD_MONITOR", True)
# The library folders (also read by the library scan); imports go to the first by default.
LIBRARY_PATHS = env.paths("LIBRARY_PATHS", "")
LIBRARY_IMPORT_PATH = env.path("LIBRARY_IMPORT_PATH", LIBRARY_PATHS[0] if LIBRARY_PATHS else "")
LIBRARY_LAYOUT = env.library_layout(
    "LIBRARY_LAYOUT", "{author}/{series}/Book {series_position} - {title}|{author}/{title}"
)
DOWNLOAD_PATH_MAP = env.path_map("DOWNLOAD_PATH_MAP", "")
IMPORT_MODE = env.choice("IMPORT_MODE", "hardlink", {"hardlink", "copy"})
DOWNLOAD_STALLED_MINUTES = env.integer("DOWNLOAD_STALLED_MINUTES", 1440, minimum=1)
REMOVE_FAILED_DOWNLOADS = env.flag("REMOVE_FAILED_DOWNLOADS", True)
# Audiobookshelf (optional): asked to scan its library after an import.
AUDIOBOOKSHELF_URL = env.optional_url("AUDIOBOOKSHELF_URL")
AUDIOBOOKSHELF_TOKEN = env.text("AUDIOBOOKSHELF_TOKEN", "")

# --- The library scan (issue 12): LIBRARY_PATHS and Audiobookshelf read as owned books ----
TASK_SCHEDULES["library_scan"] = env.cron("TASK_LIBRARY_SCAN_TIME", "15 * * * *", TIME_ZONE)
FEATURE_FLAGS["ENABLE_LIBRARY_SCAN"] = env.flag("ENABLE_LIBRARY_SCAN", True)
# A book folder whose own modification time is unchanged is not listed again, its files only
# stat'ed; every folder is listed anyway once its listing is this old (0: every scan lists
# every folder; for file systems that keep folder times badly).
LIBRARY_FULL_LISTING_HOURS = env.integer("LIBRARY_FULL_LISTING_HOURS", 24, minimum=0)
# Audiobookshelf library ids to read (empty: every library of books it has).
AUDIOBOOKSHELF_LIBRARY_IDS = env.words("AUDIOBOOKSHELF_LIBRARY_IDS", "")

# Panels other apps add to the admin's jobs page, by dotted path (scheduling never imports
# them): a function (request) -> HTML or "".
JOBS_PAGE_PANELS = ["catalog.admin.account.jobs_page_panel"]

# --- Health, the dashboard and /api/status (see README "Health and status") ---------------
# The dependencies of catalog, by dotted path to a list of scheduling.health.Check (the
# database, the scheduler and notifications are built in).
HEALTH_CHECKS = ["catalog.health.CHECKS"]
# Panels of the admin's index (the dashboard) after what needs attention: (request) -> HTML.
DASHBOARD_PANELS = ["catalog.dashboard.library_panel"]
# What /api/status adds to health and jobs: {"key": dotted path to a () -> JSON-able value}.
STATUS_SECTIONS = {"library": "catalog.dashboard.library_counts"}

# --- Notifications (Apprise URLs; see README "Notifications") -----------------------------

NOTIFY_URLS = env.url_list("NOTIFY_URLS", "")
NOTIFY_EVENTS = env.choices(
    "NOTIFY_EVENTS",
    ",".join(name for name in NOTIFICATION_EVENTS if name != "test"),
    set(NOTIFICATION_EVENTS) - {"test"},
)

# Values that must never reach a log line, a Task row, an error or a page.
SECRET_SETTING_NAMES = (
    "SECRET_KEY",
    "MAM_SESSION_ID",
    "GOOGLE_BOOKS_API_KEY",
    "QBITTORRENT_PASSWORD",
    "NOTIFY_URLS",
    "AUDIOBOOKSHELF_TOKEN",
    "HARDCOVER_TOKEN",
)
# Django's error pages (DEBUG's, and the mails to ADMINS) hide every one of them too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "scheduling.redaction.SecretsReporterFilter"

# --- Logging -----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "scheduling.redaction.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {
        "apscheduler": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
