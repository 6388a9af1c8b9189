"""Real `celery worker` processes on the test database and broker, and what tests ask of the database."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from .paths import ROOT


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
