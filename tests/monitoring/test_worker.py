"""A task sent from Django is executed by a real Celery worker process over the real broker."""

import time

import pytest

from monitoring.models import WorkerHeartbeat
from monitoring.tasks import heartbeat

pytestmark = pytest.mark.services


def test_a_real_worker_runs_a_task_sent_from_django(celery_worker_factory):
    celery_worker_factory("w1")
    heartbeat.delay("from-test")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        beat = WorkerHeartbeat.objects.filter(role="from-test").first()
        if beat:
            break
        time.sleep(0.1)
    assert beat is not None, "the worker never ran the task"
    assert beat.hostname
