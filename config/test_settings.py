"""Settings for the test suite: real PostgreSQL and Redis when they are reachable.

DATABASE_URL / REDIS_URL win when set; otherwise the default local ports are tried. With
REQUIRE_SERVICES=1 (as .ci/run sets) a missing service fails the run instead of falling back to
SQLite and the filesystem broker.
"""

import os
import socket
import tempfile
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://dropwatch@127.0.0.1:5432/dropwatch"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0", "false", "no")


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port or 0), timeout=1):
            return True
    except OSError:
        return False


def _choose(name: str, default: str) -> str:
    url = os.environ.get(name) or default
    if _reachable(url):
        return url
    if REQUIRE_SERVICES:
        raise RuntimeError(f"REQUIRE_SERVICES=1 but {name} ({url}) is not reachable")
    return ""


# Everything a test run writes lives in its own temporary data folder.
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="dropwatch-test-"))
os.environ["DATABASE_URL"] = _choose("DATABASE_URL", DEFAULT_DATABASE_URL) or (
    f"sqlite:///{os.environ['DATA_DIR']}/test.sqlite3"
)
os.environ["REDIS_URL"] = _choose("REDIS_URL", DEFAULT_REDIS_URL)
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("DEBUG", "0")
os.environ.pop("EMAIL_URL", None)

from config.settings import *  # noqa: E402, F403

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not :memory:, so worker processes started by the tests see the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}  # noqa: F405
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests that run a local shop allow-list it themselves (see tests/conftest.py); SSRF tests need it empty.
FETCH_ALLOWED_HOSTS = []
AXES_ENABLED = True
STATIC_ROOT = DATA_DIR / "static"  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)
