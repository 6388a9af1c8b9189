"""Reads of the test-order log: plain functions with keyword-only arguments, scoped to one owner.

Buyers' advice: order the product yourself first and again at regular intervals, keep records and photos,
never confirm delivery before it arrives, and open a dispute before buyer protection runs out.

**Cadence rule.** A supplier with a cadence of N days (0 = off) is due for a test order N days after its
last test order was placed (the latest `ordered_on`). If that last order *failed* — its check outcome is
"fail", or it was disputed, refunded or lost — the interval is halved (rounded up: 90 → 45, 7 → 4), so a
supplier that just let the user down is re-tested sooner. A supplier never tested is due from the day it
was added. Paused (inactive) suppliers are not listed as due.

**Buyer protection.** Each order carries its own `protection_ends_on`; when the user leaves it empty it is
the order date plus the platform's days from `settings.BUYER_PROTECTION_DAYS`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import BooleanField, Case, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone

from suppliers.models import Supplier

from .models import (
    AWAITING_DELIVERY,
    FAILED_Q,
    SELLER_REQUESTS,
    CheckOutcome,
    Order,
    OrderStatus,
)

# --- Buyer protection ---------------------------------------------------------------------------


def protection_days_for(*, platform: str) -> int:
    days = settings.BUYER_PROTECTION_DAYS
    return int(days.get(platform, days.get("structured", 30)))


def protection_end_default(*, platform: str, ordered_on: date) -> date:
    """The order date plus the platform's buyer-protection days."""
    return ordered_on + timedelta(days=protection_days_for(platform=platform))


# --- Selectors: cadence ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderDue:
    """When a supplier's next test order is due, seen from `today`."""

    supplier: Supplier
    due_on: date
    days_overdue: int  # today - due_on: 0 = due today, > 0 overdue, < 0 due in that many days
    interval_days: int  # the interval applied: the cadence, or half of it after a failed test
    last_ordered_on: date | None
    last_failed: bool
    days_since_last: int | None = None  # days from the last test order to today

    @property
    def is_due(self) -> bool:
        return self.days_overdue >= 0

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def never_tested(self) -> bool:
        return self.last_ordered_on is None

    @property
    def days_until_due(self) -> int:
        return -self.days_overdue


def order_interval_days(*, cadence_days: int, last_failed: bool) -> int:
    """The cadence, halved (rounded up) after a failed test order."""
    if last_failed:
        return max(1, math.ceil(cadence_days / 2))
    return cadence_days


def _due(*, supplier: Supplier, last_ordered_on: date | None, last_failed: bool, today: date) -> OrderDue | None:
    cadence = supplier.test_order_cadence_days
    if not cadence:
        return None
    interval = order_interval_days(cadence_days=cadence, last_failed=last_failed)
    if last_ordered_on is None:
        due_on = timezone.localdate(supplier.created_at) if supplier.created_at else today
    else:
        due_on = last_ordered_on + timedelta(days=interval)
    return OrderDue(
        supplier=supplier,
        due_on=due_on,
        days_overdue=(today - due_on).days,
        interval_days=interval,
        last_ordered_on=last_ordered_on,
        last_failed=last_failed,
        days_since_last=(today - last_ordered_on).days if last_ordered_on else None,
    )


def _failed_case():
    return Case(When(FAILED_Q, then=Value(True)), default=Value(False), output_field=BooleanField())


def supplier_test_order_due(*, supplier: Supplier, today: date | None = None) -> OrderDue | None:
    """The supplier's next test order (None when its cadence is 0 = off)."""
    if not supplier.test_order_cadence_days:
        return None
    last = (
        Order.objects.filter(supplier=supplier)
        .annotate(failed_flag=_failed_case())
        .order_by("-ordered_on", "-id")
        .values("ordered_on", "failed_flag")
        .first()
    )
    return _due(
        supplier=supplier,
        last_ordered_on=last["ordered_on"] if last else None,
        last_failed=bool(last and last["failed_flag"]),
        today=today or timezone.localdate(),
    )


def supplier_test_order_due_on(*, supplier: Supplier) -> date | None:
    """The date the supplier's next test order is due, or None when its cadence is off."""
    due = supplier_test_order_due(supplier=supplier)
    return due.due_on if due else None


def suppliers_due_for_test_order(*, owner, today: date | None = None, within_days: int = 0) -> list[OrderDue]:
    """The owner's active suppliers due (or overdue) for a test order by `today + within_days`, most overdue
    first. One query."""
    today = today or timezone.localdate()
    last = Order.objects.filter(supplier=OuterRef("pk")).order_by("-ordered_on", "-id")
    suppliers = (
        Supplier.objects.filter(owner=owner, active=True, test_order_cadence_days__gt=0)
        .annotate(
            last_test_ordered_on=Subquery(last.values("ordered_on")[:1]),
            last_test_failed=Subquery(last.annotate(failed_flag=_failed_case()).values("failed_flag")[:1]),
        )
        .order_by()
    )
    horizon = today + timedelta(days=within_days)
    due = []
    for supplier in suppliers:
        item = _due(
            supplier=supplier,
            last_ordered_on=supplier.last_test_ordered_on,
            last_failed=bool(supplier.last_test_failed),
            today=today,
        )
        if item is not None and item.due_on <= horizon:
            due.append(item)
    due.sort(key=lambda d: (d.due_on, d.supplier.name.lower(), d.supplier.pk))
    return due


# --- Selectors: orders ----------------------------------------------------------------------------

OPEN_STATUSES = (OrderStatus.ORDERED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.DISPUTED)
LIST_FILTERS = {"all": "All", "open": "Open", "failed": "Failed", "due": "Due"}


def order_list(*, owner, show: str = "all", supplier: Supplier | None = None) -> QuerySet[Order]:
    """The owner's test orders, newest first. `show`: "all", "open" (not finished: awaiting delivery, a
    check or the end of a dispute) or "failed" (failed check, disputed, refunded or lost)."""
    orders = Order.objects.filter(owner=owner).select_related("supplier", "product")
    if supplier is not None:
        orders = orders.filter(supplier=supplier)
    if show == "open":
        orders = orders.filter(status__in=OPEN_STATUSES)
    elif show == "failed":
        orders = orders.filter(FAILED_Q)
    return orders.order_by("-ordered_on", "-id")


def orders_with_protection_ending(*, owner, today: date | None = None, within_days: int = 7) -> QuerySet[Order]:
    """Orders still awaited (ordered, shipped or lost, not delivered) whose buyer protection ends between
    today and `within_days` from now: the user should open a dispute before then."""
    today = today or timezone.localdate()
    return (
        Order.objects.filter(
            owner=owner,
            status__in=AWAITING_DELIVERY,
            delivered_on__isnull=True,
            protection_ends_on__gte=today,
            protection_ends_on__lte=today + timedelta(days=within_days),
        )
        .select_related("supplier", "product")
        .order_by("protection_ends_on", "id")
    )


def delivered_orders_without_check(*, owner) -> QuerySet[Order]:
    """Orders marked delivered whose quality check has not been recorded yet, oldest delivery first."""
    return (
        Order.objects.filter(owner=owner, status=OrderStatus.DELIVERED, outcome="")
        .select_related("supplier", "product")
        .order_by("delivered_on", "id")
    )


# --- Selectors: the supplier's record (consumed by the trust score) -------------------------------


@dataclass(frozen=True)
class OrderSummary:
    """What the user's own test orders say about a supplier.

    `disputed` and `lost` count orders ever disputed or lost (also when later refunded); `failed` counts
    checks with the outcome "fail"; `late` counts deliveries after the promised window; `last_outcome` is
    the outcome of the most recent order that has a check ("" when none has).
    """

    count: int = 0
    passed: int = 0
    passed_with_issues: int = 0
    failed: int = 0
    disputed: int = 0
    lost: int = 0
    refunded: int = 0
    delivered: int = 0
    late: int = 0
    avg_days_to_deliver: float | None = None
    last_ordered_on: date | None = None
    last_outcome: str = ""
    seller_asked: int = 0  # orders on which the seller asked for something buyers are warned about
    requests: tuple[str, ...] = ()  # what was asked, in words, each once


def order_summaries(*, suppliers: Iterable[Supplier] | QuerySet[Supplier]) -> dict[int, OrderSummary]:
    """Summaries for many suppliers in one query, keyed by supplier id (every supplier gets one)."""
    ids = [s.pk for s in suppliers]
    rows = (
        Order.objects.filter(supplier_id__in=ids)
        .order_by("supplier_id", "ordered_on", "id")
        .values_list(
            "supplier_id",
            "ordered_on",
            "delivered_on",
            "promised_to",
            "status",
            "outcome",
            "disputed_on",
            "lost_on",
            *(field for field, _ in SELLER_REQUESTS),
        )
    )
    acc: dict[int, dict] = {
        pk: {"count": 0, "outcomes": [], "days": [], "late": 0, "last": None, "asked": 0, "requests": []} for pk in ids
    }
    counts: dict[int, dict[str, int]] = {
        pk: dict.fromkeys(("passed", "passed_with_issues", "failed", "disputed", "lost", "refunded"), 0) for pk in ids
    }
    for supplier_id, ordered_on, delivered_on, promised_to, status, outcome, disputed_on, lost_on, *asks in rows:
        a, c = acc[supplier_id], counts[supplier_id]
        asked = [label for (_, label), flag in zip(SELLER_REQUESTS, asks, strict=True) if flag]
        a["asked"] += bool(asked)
        a["requests"] += [r for r in asked if r not in a["requests"]]
        a["count"] += 1
        a["last"] = ordered_on
        if outcome == CheckOutcome.PASS:
            c["passed"] += 1
        elif outcome == CheckOutcome.PASS_WITH_ISSUES:
            c["passed_with_issues"] += 1
        elif outcome == CheckOutcome.FAIL:
            c["failed"] += 1
        if outcome:
            a["outcomes"].append(outcome)
        c["disputed"] += disputed_on is not None
        c["lost"] += lost_on is not None
        c["refunded"] += status == OrderStatus.REFUNDED
        if delivered_on is not None:
            a["days"].append((delivered_on - ordered_on).days)
            a["late"] += bool(promised_to and delivered_on > promised_to)
    return {
        pk: OrderSummary(
            count=a["count"],
            **counts[pk],
            delivered=len(a["days"]),
            late=a["late"],
            avg_days_to_deliver=round(sum(a["days"]) / len(a["days"]), 1) if a["days"] else None,
            last_ordered_on=a["last"],
            last_outcome=a["outcomes"][-1] if a["outcomes"] else "",
            seller_asked=a["asked"],
            requests=tuple(a["requests"]),
        )
        for pk, a in acc.items()
    }


def order_summary(*, supplier: Supplier) -> OrderSummary:
    return order_summaries(suppliers=[supplier])[supplier.pk]
