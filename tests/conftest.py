"""Fixtures every test may use, defined once: the personas (alice owns things; bob is an outsider who must
get 404s for all of them), the saved real pages in ../shared/fixtures, a private media folder, a broker that
records what would be sent, and real Celery workers started as processes."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.support.paths import REQUIRE_FIXTURES, SHARED_FIXTURES
from tests.support.workers import WorkerProcess


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


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded photos go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def queue(monkeypatch):
    """The broker, replaced: records the check tasks a request would send, as (task name, args)."""
    from monitoring import tasks

    sent = []
    for task in (tasks.check_product, tasks.check_supplier):
        monkeypatch.setattr(task, "apply_async", lambda args, _name=task.name, **kw: sent.append((_name, args)))
    return sent
