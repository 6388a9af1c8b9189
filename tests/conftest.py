"""Shared fixtures: personas (alice owns things, bob is an outsider who must get 404s), the saved real
pages in ../shared/fixtures, and real Celery workers started as processes."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = Path(os.environ.get("DROPWATCH_FIXTURES", ROOT.parent / "shared" / "fixtures"))
REQUIRE_FIXTURES = os.environ.get("REQUIRE_FIXTURES", "") not in ("", "0")


def pytest_report_header(config):
    from django.conf import settings as s

    db = s.DATABASES["default"]
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    where = f"{db.get('HOST')}:{db.get('PORT') or 5432}/{db.get('NAME')}" if db.get("HOST") else db.get("NAME")
    db_note = getattr(s, "TEST_DATABASE_NOTE", "")  # what config/testenv.py did or why it fell back
    broker = s.CELERY_BROKER_URL.split("@")[-1]
    broker_note = getattr(s, "TEST_BROKER_NOTE", "")
    return [
        f"dropwatch: database {engine} {where}{f' ({db_note})' if db_note else ''}, "
        f"broker {broker}{f' ({broker_note})' if broker_note else ''}",
        f"dropwatch: shared fixtures {'found' if SHARED_FIXTURES.is_dir() else 'absent'} at {SHARED_FIXTURES}",
    ]


@pytest.fixture
def shared_fixture():
    """Path to a saved real page; skips when ../shared/fixtures is absent (fails under REQUIRE_FIXTURES=1)."""

    def get(relative: str) -> Path:
        path = SHARED_FIXTURES / relative
        if not path.exists():
            if REQUIRE_FIXTURES:
                pytest.fail(f"REQUIRE_FIXTURES=1 but {path} is missing")
            pytest.skip(f"saved page {relative} not available")
        return path

    return get


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "alice-password-1")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "bob-password-1")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob):
    from django.test import Client

    c = Client()
    c.force_login(bob)
    return c


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def uses_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis")


class WorkerProcess:
    """A real `celery worker` process on the test database and broker."""

    def __init__(self, name: str, extra_env: dict | None = None, concurrency: int = 1):
        db = settings.DATABASES["default"]
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATA_DIR=str(settings.DATA_DIR),
            SECRET_KEY="tests-only-not-secret",
            REDIS_URL=settings.REDIS_URL,
            DATABASE_URL=_database_url(db),
            FETCH_ALLOWED_HOSTS=",".join(settings.FETCH_ALLOWED_HOSTS),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env or {})
        self.env = env
        self.log = Path(settings.DATA_DIR) / f"{name}.log"
        self._log_file = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
            if b" ready." in self.log.read_bytes():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def kill(self, sig=signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc.poll() is None:
            self.kill(signal.SIGTERM)
        self._log_file.close()


def _database_url(db: dict) -> str:
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_factory(transactional_db):
    """Start real worker processes against the test database; they are stopped after the test."""
    workers: list[WorkerProcess] = []

    def start(name: str = "w1", **kwargs) -> WorkerProcess:
        worker = WorkerProcess(name, **kwargs)
        workers.append(worker)
        return worker.wait_ready()

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture(scope="session", autouse=True)
def _clean_test_broker():
    """Tests own Redis database 15: drop what an earlier, interrupted run left queued there."""
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()
