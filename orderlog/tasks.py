"""Celery tasks of the test-order log: thin shells around plain functions."""

from celery import shared_task
from django.utils import timezone

from monitoring.tasks import DB_RETRY

from .photos import photos_sweep
from .reminders import generate_reminders


@shared_task(name="orderlog.reminders", **DB_RETRY)
def reminders() -> int:
    """Write the reminders that are due (hourly): test orders due, buyer protection ending, checks missing."""
    return generate_reminders(now=timezone.now())


@shared_task(name="orderlog.sweep_photos", **DB_RETRY)
def sweep_photos() -> int:
    """Delete photo files left behind by orders deleted through a cascade (hourly)."""
    return photos_sweep(now=timezone.now())
