"""Settings for the test suite: real PostgreSQL and Redis when they are usable, else SQLite and the
filesystem broker.

DATABASE_URL / REDIS_URL win when set; otherwise the default local ports are tried. A local PostgreSQL
without the `dropwatch` role gets the role and its database (config/testenv.py decides and says why in
the test header). With REQUIRE_SERVICES=1 (as .ci/run sets) a service that cannot be used fails the run
instead of falling back.
"""

import os
import tempfile

from config.testenv import choose_broker, choose_database

DEFAULT_DATABASE_URL = "postgres://dropwatch@127.0.0.1:5432/dropwatch"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0", "false", "no")

# Everything a test run writes lives in its own temporary data folder.
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="dropwatch-test-"))
_database = choose_database(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL, require=REQUIRE_SERVICES)
_broker = choose_broker(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL, require=REQUIRE_SERVICES)
os.environ["DATABASE_URL"] = _database.url or f"sqlite:///{os.environ['DATA_DIR']}/test.sqlite3"
os.environ["REDIS_URL"] = _broker.url
# Shown by pytest_report_header (tests/conftest.py): why this database and broker.
TEST_DATABASE_NOTE = _database.note
TEST_BROKER_NOTE = _broker.note
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
# Every test comes from 127.0.0.1 and the cache outlives a test: the email-form limits would add up across the
# suite. The tests of the limits (tests/accounts/) set the numbers they check.
EMAIL_FORM_LIMIT_PER_USER = 1000
EMAIL_FORM_LIMIT_PER_IP = 1000
