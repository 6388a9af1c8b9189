"""Celery tasks: thin shells that take ids and call plain functions."""

import socket
from datetime import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .alerts import channels
from .alerts.email import deliver
from .checking import run_product_check, run_supplier_check
from .image_check import CLAIMED_RETRY_SECONDS, listing_image_step
from .models import ListingImage, WorkerHeartbeat
from .rates import rates_refresh
from .retention import thin_snapshots as thin
from .scheduling import tick as run_tick

# A database blip (PostgreSQL restarting) is retried with backoff; everything else a shop can do to us
# is recorded as a failed check by the check itself, never retried in a loop.
DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "max_retries": 5,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
}


@shared_task(name="monitoring.heartbeat")
def heartbeat(role: str = "worker") -> str:
    """Record that a worker is alive and consuming tasks."""
    WorkerHeartbeat.objects.update_or_create(
        role=role, defaults={"seen_at": timezone.now(), "hostname": socket.gethostname()}
    )
    return role


@shared_task(name="monitoring.tick", **DB_RETRY)
def tick() -> dict:
    """Beat's one-minute tick: claims due items and dispatches their checks."""
    heartbeat("tick")
    return run_tick()


@shared_task(name="monitoring.check_product", bind=True, **DB_RETRY)
def check_product(self, product_id: int, slot: str) -> str:
    retried = bool(self.request.retries)
    return run_product_check(product_id, datetime.fromisoformat(slot), self.request.id or "", retried).status


@shared_task(name="monitoring.check_supplier", bind=True, **DB_RETRY)
def check_supplier(self, supplier_id: int, slot: str) -> str:
    retried = bool(self.request.retries)
    return run_supplier_check(supplier_id, datetime.fromisoformat(slot), self.request.id or "", retried).status


@shared_task(name="monitoring.thin_snapshots", **DB_RETRY)
def thin_snapshots() -> int:
    return thin(now=timezone.now())


@shared_task(name="monitoring.deliver_emails", **DB_RETRY)
def deliver_emails() -> dict:
    """Build the emails and channel messages that are due from the outbox and send what is pending (one minute
    cadence). Email first; a channel problem never holds email back (each sender logs its own failures)."""
    now = timezone.now()
    counts = deliver(now=now)
    counts["channels"] = channels.deliver(now=now)
    return counts


@shared_task(name="monitoring.refresh_rates", **DB_RETRY)
def refresh_rates() -> str:
    """The ECB's euro reference rates, for margins in another currency than the supplier's."""
    return rates_refresh(now=timezone.now())


@shared_task(name="monitoring.hash_listing_image", bind=True, **DB_RETRY)
def hash_listing_image(self, product_id: int, url: str) -> str:
    """Queued after a check that saw a main image never fetched: fetch it once, hash it, judge the listing again.
    While another worker holds the same URL's fetch, look again shortly (DB_RETRY's max_retries bound it)."""
    row, _changes = listing_image_step(product_id=product_id, url=url)
    if row.status == ListingImage.Status.PENDING:
        raise self.retry(countdown=CLAIMED_RETRY_SECONDS)
    return row.status
