"""Celery tasks: thin shells that take ids and call plain functions."""

import socket

from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(name="monitoring.heartbeat")
def heartbeat(role: str = "worker") -> str:
    """Record that a worker is alive and consuming tasks."""
    WorkerHeartbeat.objects.update_or_create(
        role=role, defaults={"seen_at": timezone.now(), "hostname": socket.gethostname()}
    )
    return role


@shared_task(name="monitoring.tick")
def tick() -> None:
    """Beat's one-minute tick: claims due items and dispatches their checks."""
    heartbeat("tick")
