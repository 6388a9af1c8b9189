"""The beat tick: claim due items and dispatch one check task per item.

Claims are made under `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite serialises writers anyway), so
two beats or two ticks never dispatch the same item twice. A claimed item keeps its slot in `pending_slot`
and gets a short lease in `next_check_at`: if its task vanishes (a flushed broker, a lost message), the
lease runs out and a later tick dispatches the same slot again — the slot's unique snapshot makes that
harmless. Per tick, at most `rate × tick` items of one host are dispatched and their tasks are spread out
with countdowns, so hundreds of AliExpress products are not fired at once.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from suppliers.models import Product, Supplier
from suppliers.platforms import host_of

from .fetch.politeness import host_key

log = logging.getLogger(__name__)


@dataclass
class Claim:
    pk: int
    slot: datetime
    countdown: float


def lease() -> timedelta:
    # Long enough for a dispatched task to start; short enough that a lost one is retried within two ticks.
    return timedelta(seconds=getattr(settings, "CHECK_LEASE_SECONDS", 2 * settings.TICK_SECONDS))


def per_host_budget() -> int:
    interval = max(settings.FETCH_HOST_INTERVAL, 0.01)
    return max(1, math.floor(settings.TICK_SECONDS / interval))


def in_flight_per_host(model, now: datetime, host_of_row) -> dict[str, int]:
    """Checks dispatched and not finished yet, per site: they count against this tick's budget."""
    counts: dict[str, int] = defaultdict(int)
    in_flight = model.objects.filter(active=True, pending_slot__isnull=False, next_check_at__gt=now)
    if model is Product:  # counted per host in SQL; suppliers are few
        for host, n in in_flight.values_list("host").annotate(n=Count("pk")).values_list("host", "n"):
            counts[host_key(host or "")] += n
        return counts
    for row in in_flight.only("store_url"):
        counts[host_key(host_of_row(row) or "")] += 1
    return counts


# The only columns the tick reads: never a row's scraped values, so a value a database stored but cannot read
# back (SQLite keeps whatever it is given) cannot stop the tick for every other row.
CLAIM_FIELDS = {Product: ("pk", "next_check_at", "host"), Supplier: ("pk", "next_check_at", "store_url")}


def claim_due(model, *, now: datetime, limit: int, host_of_row) -> list[Claim]:
    """Claim up to `limit` due rows of `model`, at most the per-host budget per host (minus what is
    still in flight there)."""
    budget = per_host_budget()
    claims: list[Claim] = []
    with transaction.atomic():
        rows = list(
            # A deactivated account's items wait (they resume when it is reactivated): nobody reads their alerts.
            model.objects.filter(active=True, owner__is_active=True, next_check_at__lte=now)
            .only(*CLAIM_FIELDS.get(model, ("pk", "next_check_at")))
            .order_by("next_check_at")
            .select_for_update(skip_locked=True, of=("self",))[: limit * 3]
        )
        busy = in_flight_per_host(model, now, host_of_row) if rows else {}
        per_host: dict[str, int] = defaultdict(int)
        chosen = []
        for row in rows:
            try:
                key = host_key(host_of_row(row) or "")
            except Exception:  # one row's unreadable address must not stop the others: its check reports it
                log.exception("tick: cannot tell the site of %s %s", model.__name__, row.pk)
                key = ""
            if per_host[key] + busy.get(key, 0) >= budget:
                continue
            countdown = (per_host[key] + busy.get(key, 0)) * settings.FETCH_HOST_INTERVAL
            per_host[key] += 1
            chosen.append((row, countdown))
            if len(chosen) >= limit:
                break
        if not chosen:
            return []
        ids = [row.pk for row, _ in chosen]
        model.objects.filter(pk__in=ids, pending_slot__isnull=True).update(pending_slot=F("next_check_at"))
        model.objects.filter(pk__in=ids).update(next_check_at=now + lease())
        slots = dict(model.objects.filter(pk__in=ids).values_list("pk", "pending_slot"))
        claims = [Claim(row.pk, slots[row.pk], countdown) for row, countdown in chosen]
    return claims


# The check task of each kind of item, by name: the tasks module calls into this one, not the reverse.
CHECK_TASKS = {Product: "monitoring.check_product", Supplier: "monitoring.check_supplier"}


def dispatch(model, claims: list[Claim], *, now: datetime) -> int:
    """Send one task per claim. When the broker is down, the items are made due again for the next tick."""
    task = current_app.tasks[CHECK_TASKS[model]]
    failed = []
    for claim in claims:
        try:
            task.apply_async((claim.pk, claim.slot.isoformat()), countdown=claim.countdown or None)
        except Exception as exc:  # kombu/redis raise many types; any of them means "not sent"
            log.warning("could not enqueue %s %s: %s", task.name, claim.pk, exc)
            failed.append(claim.pk)
    if failed:
        model.objects.filter(pk__in=failed).update(next_check_at=now)
    return len(claims) - len(failed)


def tick(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    now = now or timezone.now()
    limit = limit or getattr(settings, "TICK_BATCH", 500)
    done = {}
    for name, model, host_of_row in (
        ("products", Product, lambda p: p.host),
        ("suppliers", Supplier, lambda s: host_of(s.store_url)),
    ):
        try:
            claims = claim_due(model, now=now, limit=limit, host_of_row=host_of_row)
            done[name] = dispatch(model, claims, now=now)
        except (OperationalError, InterfaceError):
            raise  # the database is away: the task retries (tasks.DB_RETRY)
        except Exception:  # products failing must not stop suppliers, nor the other way round
            log.exception("tick: claiming %s failed", name)
            done[name] = 0
    return done


BUSY_MESSAGE = "The database is busy, try again in a moment."
BUSY_WAIT_SECONDS = 3.0  # how long "check now" waits for another writer before saying so


@contextmanager
def _short_lock_wait(seconds: float):
    """Wait at most `seconds` for a lock held by another writer (SQLite's single write lock; a row lock on
    PostgreSQL), instead of the connection's default, so a web request answers quickly."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        default_ms = int(float(settings.DATABASES["default"].get("OPTIONS", {}).get("timeout", 5)) * 1000)
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {default_ms}")
        return
    yield


@dataclass(frozen=True)
class CheckNow:
    """What "check now" did: `queued` is False when the task queue could not be reached."""

    queued: bool
    message: str  # in words for the user

    def __str__(self) -> str:
        return self.message


def check_now(item) -> CheckNow:
    """ "Check now" from the dashboard: the same path as the tick, for one item. With the broker down the item
    stays due and the next tick picks it up."""
    now = timezone.now()
    model = type(item)
    try:
        with _short_lock_wait(BUSY_WAIT_SECONDS), transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{int(BUSY_WAIT_SECONDS * 1000)}ms'")
            row = model.objects.only("pk", "pending_slot", "next_check_at").select_for_update().get(pk=item.pk)
            if row.pending_slot is not None and row.next_check_at and row.next_check_at > now:
                return CheckNow(True, "A check is already on its way.")
            if row.pending_slot is None:
                row.pending_slot = now
            row.next_check_at = now + lease()
            row.save(update_fields=["pending_slot", "next_check_at"])
            claim = Claim(row.pk, row.pending_slot, 0)
    except OperationalError as exc:  # "database is locked", a lock timeout: busy, not broken
        log.warning("check now for %s %s: %s", model.__name__, item.pk, exc)
        return CheckNow(False, BUSY_MESSAGE)
    if dispatch(model, [claim], now=now):
        return CheckNow(True, "Checking now.")
    return CheckNow(False, "The task queue is not reachable: the check will run at the next tick.")
