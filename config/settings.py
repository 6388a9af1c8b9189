"""Dropwatch settings, read from the environment (12-factor).

Every variable is documented in README.md and .env.example. With nothing set, Dropwatch runs on an
embedded default: a SQLite file and kombu's filesystem broker under DATA_DIR, mail kept as files there.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
# Local mode: one machine, plain http on localhost, a secret key kept in DATA_DIR. `make run` sets it.
LOCAL_MODE = env.bool("LOCAL_MODE", default=False)
# Demo mode: the demo login, demo data and the built-in demo shop. `make run` turns it on by default.
DEMO_MODE = env.bool("DEMO_MODE", default=False)
RELAXED = DEBUG or LOCAL_MODE


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not RELAXED:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production set SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'); "
            "to run on this machine only, use `make run` (it sets LOCAL_MODE=1)."
        )
    # Local use only: one key per data folder, so sessions survive a restart.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if RELAXED else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "ninja",
    "accounts",
    "suppliers",
    "monitoring",
    "orderlog",
    "dashboard",
    "demo",
    "api",
    "stores",
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
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.web.VaryOnHtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'dropwatch.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL and IMMEDIATE transactions avoid "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache when configured; otherwise nothing needs a server ---------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (read by config/celery.py with namespace="CELERY") ------------------------------------
# Keep the Celery settings here, in one place; tests/config/test_celery.py asserts the values that
# the app really ends up with, so a misspelt name cannot silently do nothing.
BROKER_DIR = DATA_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Must exceed the hard time limit plus the longest retry countdown, or Redis hands a task
        # still being worked on to a second worker (tests/config/test_celery.py checks it).
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=1800),
        "socket_connect_timeout": 2,
        "socket_timeout": 10,
    }
else:
    for sub in ("queue", "control", "processed"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    # A host in the URL, though the folder is the whole address: kombu warns on every connection without one.
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"  # kombu's, each message written whole before it shows
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        # How long an idle worker waits before looking at the queue folder again; it also sets the wait of every
        # check behind the one running (0.2 s capped the embedded default at ~5 checks/s). 10 ms costs an idle
        # worker about 2% of a core (0.2% at 0.2 s; measured 2026-12-01, README "Benchmarks").
        "polling_interval": env.float("BROKER_POLL_SECONDS", default=0.01),
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A check makes up to ~4 requests of at most FETCH_TOTAL_TIMEOUT each, plus politeness waits.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_MAX_RETRY_COUNTDOWN = 300  # the longest countdown any of our tasks retries with (retry_backoff_max)
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# A web request that enqueues a task must not hang when the broker is down: fail fast, the item
# stays due and the next tick picks it up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Keep a worker's database connection across tasks (Celery otherwise opens a new one per task: +37% checks/s
# in bench/pipeline.py); config/celery.py still applies CONN_MAX_AGE and health checks around every task.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
TICK_SECONDS = env.float("TICK_SECONDS", default=60.0)
# How long one fetched page serves every product watching the same URL (one request per round, not one
# per variant sold), in seconds: two ticks, so the next round fetches afresh.
FETCH_SHARE_SECONDS = env.int("FETCH_SHARE_SECONDS", default=int(max(5, min(300, 2 * TICK_SECONDS))))
CELERY_BEAT_SCHEDULE = {
    "tick": {"task": "monitoring.tick", "schedule": TICK_SECONDS, "options": {"expires": TICK_SECONDS}},
    "thin-snapshots": {"task": "monitoring.thin_snapshots", "schedule": 6 * 3600.0},
    "refresh-rates": {"task": "monitoring.refresh_rates", "schedule": 6 * 3600.0},
    "deliver-emails": {
        "task": "monitoring.deliver_emails",
        "schedule": TICK_SECONDS,
        "options": {"expires": TICK_SECONDS},
    },
    "reminders": {"task": "orderlog.reminders", "schedule": 3600.0},
    "sweep-photos": {"task": "orderlog.sweep_photos", "schedule": 3600.0},
    "sync-stores": {"task": "stores.sync_all", "schedule": 24 * 3600.0},  # the user's own store catalogue
}
TICK_BATCH = env.int("TICK_BATCH", default=500)  # items claimed per tick at most
SNAPSHOT_KEEP_ALL_DAYS = env.int("SNAPSHOT_KEEP_ALL_DAYS", default=90)  # then one snapshot a day

# --- Email --------------------------------------------------------------------------------------
MAIL_DIR = DATA_DIR / "mail"
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
else:
    # No server configured: every message is kept as a file under DATA_DIR/mail, readable locally.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(MAIL_DIR)
# Failed sends are retried with exponential backoff: BASE, 2×BASE, ... capped at MAX, at most ATTEMPTS times.
EMAIL_RETRY_BASE_SECONDS = env.float("EMAIL_RETRY_BASE_SECONDS", default=30)
EMAIL_RETRY_MAX_SECONDS = env.float("EMAIL_RETRY_MAX_SECONDS", default=1800)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=12)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Dropwatch <alerts@dropwatch.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth and security ----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not RELAXED:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # htmx inserts its indicator styles; everything else is in static CSS.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Uploaded photos live here and are served only through an owner-checking view, never as static files.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")  # the default zone for display; storage is UTC
USE_I18N = True
USE_TZ = True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},
    },
}

# --- Dropwatch ----------------------------------------------------------------------------------
# Hosts the fetcher may reach even though they resolve to non-public addresses. Empty in production;
# the demo shop and the tests name their own local servers here.
FETCH_ALLOWED_HOSTS = env.list("FETCH_ALLOWED_HOSTS", default=[])
FETCH_USER_AGENT = env.str(
    "FETCH_USER_AGENT",
    default="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
)
FETCH_ACCEPT_LANGUAGE = env.str("FETCH_ACCEPT_LANGUAGE", default="en-US,en;q=0.8")
FETCH_PROXY = env.str("FETCH_PROXY", default="") or None
FETCH_TOTAL_TIMEOUT = env.float("FETCH_TOTAL_TIMEOUT", default=30.0)
FETCH_MAX_BYTES = env.int("FETCH_MAX_BYTES", default=10 * 1024 * 1024)
FETCH_HOST_INTERVAL = env.float("FETCH_HOST_INTERVAL", default=1.0)  # seconds between requests per host
FETCH_MAX_RETRIES = env.int("FETCH_MAX_RETRIES", default=3)
# The user's own Shopify store (stores/): the Admin API version asked for, and the pace per shop (Shopify's
# REST bucket drains 2 calls a second). The scheme is "http" only for the tests' local fake Admin API.
SHOPIFY_API_VERSION = env.str("SHOPIFY_API_VERSION", default="2026-01")
SHOPIFY_ADMIN_SCHEME = "https"
STORES_REQUEST_INTERVAL = env.float("STORES_REQUEST_INTERVAL", default=0.5)
ALIEXPRESS_APP_KEY = env.str("ALIEXPRESS_APP_KEY", default="")
ALIEXPRESS_APP_SECRET = env.str("ALIEXPRESS_APP_SECRET", default="")
ALIEXPRESS_ACCESS_TOKEN = env.str("ALIEXPRESS_ACCESS_TOKEN", default="")
ALIEXPRESS_API_URL = env.str("ALIEXPRESS_API_URL", default="https://api-sg.aliexpress.com/sync")
# The euro reference rates margins are converted with (refreshed daily by beat; empty: no refresh).
ECB_RATES_URL = env.str("ECB_RATES_URL", default="https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml")

# --- Test-order log (orderlog) -------------------------------------------------------
# Days of buyer protection per platform, counted from the order date; each order can override its own
# end date. AliExpress documents no single number: an order is protected until its "order completion"
# time, shown as a countdown on the order page, which follows the seller's guaranteed delivery time
# (60 days for most destinations, longer for a few) counted from shipment, and a dispute can still be
# opened within 15 days after confirming receipt. 60 days from the order date is never later than that
# deadline, so a reminder comes early rather than too late. Shopify stores and other shops have no
# platform protection: 30 days is a typical store return window (the payment provider's own window,
# e.g. a card chargeback, is usually longer). Override with BUYER_PROTECTION_DAYS_<PLATFORM>.
BUYER_PROTECTION_DAYS = {
    "aliexpress": env.int("BUYER_PROTECTION_DAYS_ALIEXPRESS", default=60),
    "shopify": env.int("BUYER_PROTECTION_DAYS_SHOPIFY", default=30),
    "structured": env.int("BUYER_PROTECTION_DAYS_STRUCTURED", default=30),
}
# Largest accepted test-order photo, in bytes.
TEST_ORDER_PHOTO_MAX_BYTES = env.int("TEST_ORDER_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)

# --- The REST API (api/) ----------------------------------------------------------------------------
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=120)  # per token, in the cache
# How often the browser companion asks for due checks (it hands out those due within this window).
COMPANION_POLL_MINUTES = env.int("COMPANION_POLL_MINUTES", default=1 if DEMO_MODE else 5)

# --- The demo shop (make run) ---------------------------------------------------------------------------
DEMO_SHOP_PORT = env.int("DEMO_SHOP_PORT", default=8001)
DEMO_SHOP_URL = env.str("DEMO_SHOP_URL", default=f"http://127.0.0.1:{DEMO_SHOP_PORT}")
DEMO_MINUTE_SECONDS = env.float("DEMO_MINUTE_SECONDS", default=60.0)  # how long one scripted demo minute lasts
DEMO_CHECK_SECONDS = env.int("DEMO_CHECK_SECONDS", default=60)  # demo products are checked this often
if DEMO_MODE:
    # Only the demo shop's own port on this machine, and only in demo mode.
    FETCH_ALLOWED_HOSTS = [*FETCH_ALLOWED_HOSTS, f"127.0.0.1:{DEMO_SHOP_PORT}"]
    # The demo shop serves its own rate table (made-up numbers in the ECB's format).
    ECB_RATES_URL = env.str("ECB_RATES_URL", default=f"{DEMO_SHOP_URL}/ecb/eurofxref-daily.xml")

# --- Accounts (accounts/) ---------------------------------------------------------------------------
# Every form that sends an email (invitation, password reset, email change, a channel's "send a test") is
# limited per signed-in user (or, for the reset form, per address asked for) and per IP, counted in the cache.
EMAIL_FORM_LIMIT_PER_USER = env.int("EMAIL_FORM_LIMIT_PER_USER", default=5)
EMAIL_FORM_LIMIT_PER_IP = env.int("EMAIL_FORM_LIMIT_PER_IP", default=20)
EMAIL_FORM_LIMIT_WINDOW_SECONDS = env.int("EMAIL_FORM_LIMIT_WINDOW_SECONDS", default=3600)
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)
EMAIL_CHANGE_MAX_AGE_HOURS = env.int("EMAIL_CHANGE_MAX_AGE_HOURS", default=24)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 3600)  # seconds a reset link works
