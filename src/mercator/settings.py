"""Mercator settings: everything comes from the environment, with safe defaults.

Variables: DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, MERCATOR_VAR_DIR,
MERCATOR_TIME_ZONE, MERCATOR_IDEMPOTENCY_TTL_HOURS, EMAIL_URL-style settings via
EMAIL_BACKEND / DEFAULT_FROM_EMAIL. See docs/operations.md.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("MERCATOR_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _installation_secret(filename: str) -> str:
    """A secret generated once per installation and kept under var/ (mode 600)."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    return os.environ.get("SECRET_KEY") or _installation_secret("secret_key")


SECRET_KEY = _secret_key()
# Old keys still accepted (sessions, reset links, two-factor secrets) during a rotation.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "mercator.core.apps.MercatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "huey.contrib.djhuey",
    "mercator.core",
    "mercator.companies",
    "mercator.payments",
    "mercator.catalog",
    "mercator.membership",
    "mercator.pricing",
    "mercator.trading",
    "mercator.markets",
    "mercator.logistics",
    "mercator.fieldsales",
    "mercator.community",
    "mercator.insights",
    "mercator.demo",
]

MIDDLEWARE = [
    # First: a database that cannot take a write answers 503 with Retry-After, never 500.
    "mercator.core.unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mercator.core.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Chinese unless the member (profile) or visitor (cookie) chose otherwise; the API
    # honours Accept-Language. Replaces LocaleMiddleware (see mercator.core.language).
    "mercator.core.language.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "mercator.companies.middleware.ActorMiddleware",
    "mercator.companies.middleware.TimeZoneMiddleware",
    "mercator.companies.activity_middleware.ActivityMiddleware",
    "mercator.core.middleware.ApiErrorMiddleware",
    "mercator.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "mercator.urls"
WSGI_APPLICATION = "mercator.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mercator.companies.context_processors.actor",
                "mercator.navigation.navigation",
            ],
        },
    },
]

# Databases: SQLite file under var/ by default (WAL, write transactions take the lock up
# front and queue at a write gate first: mercator.core.sqlite); PostgreSQL when
# DATABASE_URL says so.
# How long a write may wait for the database's one write lock before it answers 503
# database_busy. Sized to the work: 16 busy clients on 2 cores queue behind at most a few
# hundred short write transactions; the gunicorn worker timeout (30 s) stays above it.
SQLITE_BUSY_TIMEOUT = float(os.environ.get("MERCATOR_SQLITE_BUSY_TIMEOUT", "20"))
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_BUSY_TIMEOUT,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)};"
    ),
}
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mercator.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["ENGINE"] = "mercator.core.sqlite"
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = SQLITE_OPTIONS
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache (login rate limits): Redis when REDIS_URL is set, else a database table shared
# by every web worker.
REDIS_URL = os.environ.get("REDIS_URL", "")
# The invoice PDF's CJK TrueType font (path, or path.ttc#index); empty: look it up
# (mercator.trading.pdf).
MERCATOR_PDF_FONT = os.environ.get("MERCATOR_PDF_FONT", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("MERCATOR_CACHE_PREFIX", "mercator"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "mercator_cache",
        }
    }

# Background work: Huey on Redis when REDIS_URL is set, else on a SQLite file under var/.
HUEY_NAME = os.environ.get("MERCATOR_HUEY_NAME", "mercator")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": HUEY_NAME,
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": HUEY_NAME,
        "filename": os.environ.get("MERCATOR_HUEY_FILE", str(VAR_DIR / "huey.sqlite3")),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# Excel catalog import (catalog/excel.py). A workbook is a zip: a 400 KB file can hold
# 400 MB of XML. The upload is refused from the zip's directory alone (file size,
# members, each member's and the total uncompressed size, compression ratio); the worker
# then streams the XML and refuses too many rows or columns or too long a cell before
# openpyxl reads it. A job keeps at most MAX_ERRORS errors, plus their count.
CATALOG_IMPORT = {
    "MAX_FILE_BYTES": int(os.environ.get("MERCATOR_IMPORT_MAX_FILE_BYTES", str(10 * 2**20))),
    "MAX_UNCOMPRESSED_BYTES": int(
        os.environ.get("MERCATOR_IMPORT_MAX_UNCOMPRESSED_BYTES", str(60 * 2**20))
    ),
    "MAX_MEMBER_BYTES": int(os.environ.get("MERCATOR_IMPORT_MAX_MEMBER_BYTES", str(40 * 2**20))),
    "MAX_RATIO": int(os.environ.get("MERCATOR_IMPORT_MAX_RATIO", "100")),
    "MAX_MEMBERS": int(os.environ.get("MERCATOR_IMPORT_MAX_MEMBERS", "100")),
    "MAX_ROWS": int(os.environ.get("MERCATOR_IMPORT_MAX_ROWS", "20000")),
    "MAX_COLUMNS": int(os.environ.get("MERCATOR_IMPORT_MAX_COLUMNS", "64")),
    "MAX_CELL_CHARS": int(os.environ.get("MERCATOR_IMPORT_MAX_CELL_CHARS", "2000")),
    "MAX_ERRORS": int(os.environ.get("MERCATOR_IMPORT_MAX_ERRORS", "500")),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Simplified Chinese is the default, English the other.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("MERCATOR_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "mercator.core.storage.StaticStorage"},
}
# Serve straight from the app folders when collectstatic has not run (tests, dev).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mercator@localhost")
# A password-reset link works once, for this many seconds.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("MERCATOR_PASSWORD_RESET_SECONDS", "3600"))
# Where links in emails point (no trailing slash).
MERCATOR_BASE_URL = os.environ.get("MERCATOR_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

NINJA_PAGINATION_MAX_LIMIT = 100

# Mercator's own knobs.
MERCATOR = {
    # The merchant community: posts and replies one person may write per hour.
    "COMMUNITY_POSTS_PER_HOUR": int(os.environ.get("MERCATOR_COMMUNITY_POSTS_PER_HOUR", "5")),
    "COMMUNITY_REPLIES_PER_HOUR": int(os.environ.get("MERCATOR_COMMUNITY_REPLIES_PER_HOUR", "30")),
    "IDEMPOTENCY_TTL_HOURS": int(os.environ.get("MERCATOR_IDEMPOTENCY_TTL_HOURS", "24")),
    # Login throttling: failures allowed per account and per address in the window.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(os.environ.get("MERCATOR_LOGIN_MAX_PER_ACCOUNT", "5")),
    "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("MERCATOR_LOGIN_MAX_PER_ADDRESS", "20")),
    "LOGIN_WINDOW_SECONDS": int(os.environ.get("MERCATOR_LOGIN_WINDOW_SECONDS", "900")),
    # Password-reset requests allowed per email and per address in the window.
    "PASSWORD_RESET_MAX_PER_ACCOUNT": int(os.environ.get("MERCATOR_RESET_MAX_PER_ACCOUNT", "3")),
    "PASSWORD_RESET_MAX_PER_ADDRESS": int(os.environ.get("MERCATOR_RESET_MAX_PER_ADDRESS", "10")),
    "PASSWORD_RESET_WINDOW_SECONDS": int(os.environ.get("MERCATOR_RESET_WINDOW_SECONDS", "3600")),
    # Between a right password and the two-factor code: how long the half-signed-in
    # state lasts.
    "TWO_FACTOR_PENDING_SECONDS": int(os.environ.get("MERCATOR_2FA_PENDING_SECONDS", "300")),
    # Content-Security-Policy header; empty means the strict default of
    # mercator.core.security.
    "CONTENT_SECURITY_POLICY": os.environ.get("MERCATOR_CSP", ""),
    # A worker whose heartbeat is older than this is reported as down by /healthz.
    "WORKER_STALE_SECONDS": int(os.environ.get("MERCATOR_WORKER_STALE_SECONDS", "180")),
    # /healthz reports the SQLite database unwritable below this much free disk space.
    "HEALTH_MIN_FREE_MB": int(os.environ.get("MERCATOR_HEALTH_MIN_FREE_MB", "64")),
    # Orders and escrow (DOMAIN.md §4): the platform's information fee taken from the
    # seller at settlement, how long an unpaid order keeps its stock, and how long after
    # the last shipment escrow is released to the seller unless the buyer disputes.
    "PLATFORM_FEE_PERCENT": os.environ.get("MERCATOR_PLATFORM_FEE_PERCENT", "0.5"),
    # Field sales' three guns: a self-serve order within this many days of a rep's visit
    # or pushed order counts as semi-automatic.
    "FIELDSALES_SEMI_DAYS": int(os.environ.get("MERCATOR_FIELDSALES_SEMI_DAYS", "30")),
    "ORDER_RESERVATION_HOURS": int(os.environ.get("MERCATOR_ORDER_RESERVATION_HOURS", "48")),
    "AUTO_SETTLE_DAYS": int(os.environ.get("MERCATOR_AUTO_SETTLE_DAYS", "10")),
    # The capital flow (§8): what a credit period costs, as an annual rate in percent.
    "CAPITAL_COST_ANNUAL_PERCENT": os.environ.get("MERCATOR_CAPITAL_COST_PERCENT", "4.35"),
    # VAT on invoices (增值税), percent.
    "INVOICE_TAX_PERCENT": os.environ.get("MERCATOR_INVOICE_TAX_PERCENT", "13"),
    # Payment providers (payments/providers.py). The sandbox gateway fakes the outside
    # world (a buyer "pays" with a button): off unless MERCATOR_SANDBOX_PAYMENTS turns it
    # on (`make run` and the tests do); off, its pages and its webhook answer 404. Its
    # webhook secret (HMAC-SHA256) has no default: one is generated per installation
    # under var/ unless the environment sets it.
    "SANDBOX_PAYMENTS": env_bool("MERCATOR_SANDBOX_PAYMENTS"),
    # (Set but empty in the environment stays empty: the deploy check refuses it.)
    "SANDBOX_GATEWAY_SECRET": os.environ.get("MERCATOR_SANDBOX_GATEWAY_SECRET")
    if "MERCATOR_SANDBOX_GATEWAY_SECRET" in os.environ
    else _installation_secret("sandbox_gateway_secret"),
    # Further providers: dotted paths of ``payments.providers.Provider`` subclasses.
    "PAYMENT_PROVIDERS": env_list("MERCATOR_PAYMENT_PROVIDERS", ""),
    # Webhooks older than this (by their signed timestamp) are refused as replays.
    "WEBHOOK_TOLERANCE_SECONDS": int(os.environ.get("MERCATOR_WEBHOOK_TOLERANCE", "300")),
    # The market price index publishes a cell only when it aggregates at least this many
    # deals, from at least this many sellers and buyers (trading.selectors.index).
    "PRICE_INDEX_MIN_DEALS": int(os.environ.get("MERCATOR_PRICE_INDEX_MIN_DEALS", "3")),
    "PRICE_INDEX_MIN_SELLERS": int(os.environ.get("MERCATOR_PRICE_INDEX_MIN_SELLERS", "2")),
    "PRICE_INDEX_MIN_BUYERS": int(os.environ.get("MERCATOR_PRICE_INDEX_MIN_BUYERS", "3")),
    # An inquiry not answered within this many hours of reaching a member flags him idle
    # in the boss's member report (companies.selectors.activity).
    "INQUIRY_RESPONSE_TARGET_HOURS": int(
        os.environ.get("MERCATOR_INQUIRY_RESPONSE_TARGET_HOURS", "24")
    ),
    # Where buyers send bank transfers (shown with the transfer code).
    "PLATFORM_BANK_ACCOUNT": os.environ.get(
        "MERCATOR_PLATFORM_BANK_ACCOUNT", "中国工商银行 上海分行 1001 2345 6789 0000 888"
    ),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "[%(asctime)s] %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # The worker's task log, once: with a handler here, run_huey adds none of its own.
    "loggers": {"huey": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
