"""The supplier trust score (0–100), always with its reasons.

It summarises the checks buyers make by hand (store age, positive feedback, detailed seller ratings,
followers, review health) plus what Dropwatch found (open findings) and the user's own test orders.
Start at 100 and subtract; each deduction (or bonus) is one listed reason with its points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q

from orderlog.selectors import OrderSummary, order_summary

from ..models import HEALTH_KINDS, Finding
from ..severity import Severity


@dataclass
class TrustInputs:
    today: date
    positive_feedback_pct: Decimal | None = None
    ratings: dict[str, Decimal | None] = field(default_factory=dict)  # detailed seller ratings
    opened_on: date | None = None
    followers: int | None = None
    reviews_total: int = 0  # summed over the supplier's products' histograms
    reviews_negative: int = 0  # of which 1–2★
    open_critical: int = 0
    open_warning: int = 0
    test_orders: OrderSummary | None = None  # the user's test orders with this supplier
    # False for platforms that never publish store metrics (Shopify, schema.org shops): what they never
    # publish is unknown by design, not a risk, so it costs no points.
    publishes_store_metrics: bool = True


def score(inputs: TrustInputs) -> tuple[int, list[dict]]:
    reasons: list[dict] = []

    def add(points: int, text: str):
        reasons.append({"points": points, "reason": text})

    pf = inputs.positive_feedback_pct
    if pf is None and not inputs.publishes_store_metrics:
        add(0, "Positive feedback: not published on this platform")
    elif pf is None:
        add(-5, "Positive feedback unknown")
    elif pf < 90:
        add(-25, f"Positive feedback {pf:.1f}% (under 90%)")
    elif pf < 95:
        add(-15, f"Positive feedback {pf:.1f}% (under 95%)")
    elif pf < 97:
        add(-5, f"Positive feedback {pf:.1f}% (under 97%)")
    else:
        add(0, f"Positive feedback {pf:.1f}%")

    known = [v for v in inputs.ratings.values() if v is not None]
    if known:
        low = min(known)
        if low < Decimal("4.5"):
            add(-15, f"A detailed seller rating is {low:.1f} (under 4.5)")
        elif low < Decimal("4.7"):
            add(-5, f"Lowest detailed seller rating {low:.1f}")
        else:
            add(0, f"Detailed seller ratings {low:.1f} or better")

    if inputs.opened_on is None and not inputs.publishes_store_metrics:
        add(0, "Store age: not published on this platform")
    elif inputs.opened_on is None:
        add(-5, "Store age unknown")
    else:
        days = (inputs.today - inputs.opened_on).days
        if days < 180:
            add(-20, f"Store open only {days} days")
        elif days < 365:
            add(-10, f"Store open {days // 30} months")
        else:
            add(0, f"Store open {days // 365} year{'s' if days >= 730 else ''}")

    if inputs.followers is not None and inputs.followers < 100:
        add(-5, f"Only {inputs.followers} followers")

    if inputs.reviews_total >= 20:
        share = inputs.reviews_negative / inputs.reviews_total
        if share > 0.2:
            add(-20, f"{share:.0%} of its reviews are 1–2★")
        elif share > 0.1:
            add(-10, f"{share:.0%} of its reviews are 1–2★")
        else:
            add(0, f"{share:.0%} of its reviews are 1–2★")

    finding_points = -min(30, 10 * inputs.open_critical + 5 * inputs.open_warning)
    if finding_points:
        warnings = f"{inputs.open_warning} warning{'s' if inputs.open_warning != 1 else ''}"
        add(finding_points, f"Open problems: {inputs.open_critical} critical, {warnings}")

    summary = inputs.test_orders
    if summary is None or not summary.count:
        add(-5, "Never test-ordered")
    else:
        last = summary.last_outcome
        if last == "fail":
            add(-25, "Last test order failed the quality check")
        elif last == "pass_with_issues":
            add(-5, "Last test order passed with issues")
        elif last == "pass":
            add(5, "Last test order passed")
        bad = summary.disputed + summary.lost
        if bad:
            add(-min(20, 10 * bad), f"{bad} test order(s) disputed or lost")
        if summary.seller_asked:
            asked = ", ".join(summary.requests)
            orders = f"{summary.seller_asked} order{'s' if summary.seller_asked != 1 else ''}"
            add(-min(30, 15 * summary.seller_asked), f"The seller asked you to {asked} ({orders})")
        days = summary.avg_days_to_deliver
        if days is not None and days > 20:
            add(-5, f"Test orders took {days:.0f} days to arrive on average")

    total = max(0, min(100, 100 + sum(r["points"] for r in reasons)))
    return total, reasons


def supplier_trust_update(*, supplier, now: datetime) -> int:
    """Recompute and store a supplier's score (called after each of its checks, and on test-order changes)."""
    counts = (
        Finding.objects.filter(Q(supplier=supplier) | Q(product__supplier=supplier), resolved_at__isnull=True)
        .exclude(kind__in=HEALTH_KINDS)
        .aggregate(
            critical=Count("pk", filter=Q(severity=Severity.CRITICAL)),
            warning=Count("pk", filter=Q(severity=Severity.WARNING)),
        )
    )
    total = negative = 0
    for histogram in supplier.products.exclude(rating_histogram=None).values_list("rating_histogram", flat=True):
        values = {int(k): int(v or 0) for k, v in (histogram or {}).items()}
        total += sum(values.values())
        negative += values.get(1, 0) + values.get(2, 0)
    inputs = TrustInputs(
        today=now.date(),
        positive_feedback_pct=supplier.positive_feedback_pct,
        ratings={
            "described": supplier.rating_described,
            "communication": supplier.rating_communication,
            "shipping": supplier.rating_shipping,
        },
        opened_on=supplier.opened_on,
        followers=supplier.followers,
        reviews_total=total,
        reviews_negative=negative,
        open_critical=counts["critical"],
        open_warning=counts["warning"],
        test_orders=order_summary(supplier=supplier),
        publishes_store_metrics=supplier.publishes_store_metrics,
    )
    value, reasons = score(inputs)
    type(supplier).objects.filter(pk=supplier.pk).update(trust_score=value, trust_reasons=reasons)
    supplier.trust_score, supplier.trust_reasons = value, reasons
    return value
