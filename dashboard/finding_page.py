"""What a finding's page shows: its numbers with their units, the chart of its metric with the baseline and the
alert threshold drawn, and the evidence behind it (the reviews, the checks, the listing before and after).

Plain functions over one finding the caller has already scoped to its owner; history is read only here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from monitoring.detect import themes
from monitoring.detect.thresholds import Thresholds, thresholds_for
from monitoring.models import Finding, Review, Snapshot, StoreSnapshot

from . import charts
from .selectors import CHART_DAYS, history_snapshots, negative_share_by_week

HISTOGRAM = ("stars_5", "stars_4", "stars_3", "stars_2", "stars_1")
PRICE_KINDS = {"price_increase", "price_collapse", "margin_low"}
REVIEW_KINDS = {"negative_review_shift", "complaint_theme", "rating_drop"}
# Kinds whose proof is the checks themselves: what each check answered, and when.
CHECK_KINDS = {
    "listing_removed",
    "unverifiable",
    "out_of_stock",
    "low_stock",
    "variant_removed",
    "shipping_unavailable",
}


@dataclass
class Fact:
    label: str
    value: str


@dataclass
class FindingPage:
    facts: list[Fact] = field(default_factory=list)
    chart: charts.LineChart | None = None
    reviews: list[dict] = field(default_factory=list)
    review_note: str = ""
    checks: list[Snapshot] = field(default_factory=list)
    how: list[str] = field(default_factory=list)  # "how we know": the rule, the statistics, the thresholds


def _num(value: Decimal | None, places: int = 2) -> str:
    return "?" if value is None else f"{value:,.{places}f}"


def _checks(n) -> str:
    n = int(n)
    return f"{n} check{'s' if n != 1 else ''}"


def facts_for(finding: Finding, t: Thresholds) -> list[Fact]:
    """The finding's baseline and current value, each with its unit and a label that says what it is."""
    b, c, ev, kind = finding.baseline_value, finding.current_value, finding.evidence or {}, finding.kind
    currency = ev.get("currency") or ""
    money = {
        "price_increase": ("Baseline price", "Price when last updated"),
        "price_collapse": ("Baseline price", "Price when last updated"),
        "shipping_cost_up": ("Shipping per order before", "Shipping per order now"),
    }
    if kind in money:
        before, now = money[kind]
        facts = [Fact(before, f"{_num(b)} {currency}".strip()), Fact(now, f"{_num(c)} {currency}".strip())]
        if ev.get("change_pct") is not None:
            facts.append(Fact("Change", f"{ev['change_pct']:+.1f}%"))
        return facts
    if kind == "margin_low":
        facts = [Fact("Your margin", f"{_num(c, 1)}%"), Fact("Your minimum", f"{_num(b, 0)}%")]
        if ev.get("landed_cost"):
            facts.append(Fact("Landed cost per order", f"{ev['landed_cost']} {currency}".strip()))
        if ev.get("price_for_min_margin"):
            facts.append(Fact("Selling price for your minimum", f"{ev['price_for_min_margin']} {currency}".strip()))
        return facts
    if kind in ("rating_drop", "seller_rating_drop"):
        return [Fact("Baseline rating", f"{_num(b, 1)}★"), Fact("Rating now", f"{_num(c, 1)}★")]
    if kind == "negative_review_shift":
        facts = [Fact("1–2★ share before", f"{_num(b, 1)}%"), Fact("1–2★ share of new reviews", f"{_num(c, 1)}%")]
        if "new_reviews" in ev:
            facts.append(Fact("New reviews", f"{ev.get('new_negative', '?')} of {ev['new_reviews']} are 1–2★"))
        return facts
    if kind == "store_feedback_drop":
        return [Fact("Positive feedback before", f"{_num(b, 1)}%"), Fact("Positive feedback now", f"{_num(c, 1)}%")]
    if kind == "listing_removed":
        return [Fact("Opened after", f"{_checks(c or 0)} in a row answered “not found”")]
    if kind == "unverifiable":
        return [Fact("Failed", f"{_checks(c or 0)} in a row")]
    if kind == "out_of_stock":
        return [Fact("Out of stock since", ev.get("since", "?")[:16].replace("T", " ") + " UTC")]
    if kind == "low_stock":
        return [Fact("Left", f"{_num(c, 0)}"), Fact("You are warned under", f"{_num(b, 0)}")]
    if kind == "delivery_slow":
        return [Fact("Longest delivery now", f"{_num(c, 0)} days"), Fact("Your maximum", f"{_num(b, 0)} days")]
    if kind == "complaint_theme":
        found = ev.get("themes") or {}
        listed = ", ".join(f"{themes.label(k)} ({n})" for k, n in found.items())
        return [Fact("Complaints", listed or "?"), Fact("Window", f"the last {t.review_window_days} days")]
    if kind == "review_burst":
        return [Fact("New 5★ reviews", f"{_num(c, 0)}"), Fact("Expected at the usual rate", f"{_num(b, 1)}")]
    if kind == "new_store":
        return [Fact("Store age", f"{_num(c, 0)} days"), Fact("You are warned under", f"{t.new_store_days} days")]
    if kind == "variant_removed":
        return [Fact("Other variants left", f"{_num(c, 0)}")]
    return []


def _price_chart(finding: Finding, snapshots, t: Thresholds, days: int) -> charts.LineChart:
    product = finding.product
    currency = (finding.evidence or {}).get("currency") or product.currency
    points = [
        (s.taken_at, charts.as_float(s.price) if s.status == "ok" and s.currency == currency else None)
        for s in snapshots
    ]
    guides = []
    base = finding.baseline_value if finding.kind != "margin_low" else product.baseline_price
    if base is not None:
        guides.append(charts.Guide("Baseline", float(base)))
        if finding.kind == "price_collapse":
            guides.append(
                charts.Guide(
                    f"Alert below (−{t.price_collapse_pct:g}%)",
                    float(base) * (1 - float(t.price_collapse_pct) / 100),
                    "threshold",
                )
            )
        elif finding.kind == "price_increase":
            guides.append(
                charts.Guide(
                    f"Alert above (+{t.price_increase_pct:g}%)",
                    float(base) * (1 + float(t.price_increase_pct) / 100),
                    "threshold",
                )
            )
    if finding.kind == "margin_low" and product.my_price is not None and product.my_currency in ("", currency):
        # The supplier price at which the margin falls under the minimum (same currency only; shipping counted).
        ceiling = float(product.my_price) * (1 - float(t.min_margin_pct) / 100) - float(product.shipping_cost or 0)
        guides.append(charts.Guide(f"Margin under {t.min_margin_pct:g}% above", ceiling, "threshold"))
    return charts.line_chart(
        f"Supplier price, last {days} days ({currency or 'unknown currency'})",
        [charts.Series("Supplier price", points)],
        currency,
        guides=guides,
    )


def chart_for(finding: Finding, t: Thresholds, now: datetime, days: int) -> charts.LineChart | None:
    """The finding's metric over the product's (or the store's) history, with its baseline and threshold."""
    kind, base = finding.kind, finding.baseline_value
    if finding.product_id is None:
        return _store_chart(finding, t, now, days)
    snapshots = list(
        history_snapshots(finding.product, now, days).only(
            "taken_at",
            "status",
            "price",
            "currency",
            "rating",
            "shipping_fee",
            "delivery_days_max",
            "stock_quantity",
            *HISTOGRAM,
        )
    )
    if kind in PRICE_KINDS:
        return _price_chart(finding, snapshots, t, days)
    if kind == "rating_drop":
        guides = [charts.Guide("Baseline", float(base))] if base is not None else []
        alert = max(float(base) - float(t.rating_drop), float(t.rating_floor)) if base else float(t.rating_floor)
        guides.append(charts.Guide(f"Alert below {alert:g}★", alert, "threshold"))
        points = [(s.taken_at, charts.as_float(s.rating) if s.status == "ok" else None) for s in snapshots]
        return charts.line_chart(
            f"Product rating, last {days} days", [charts.Series("Rating", points)], "★", guides=guides
        )
    if kind in ("negative_review_shift", "complaint_theme"):
        guides = []
        if kind == "negative_review_shift" and base is not None:
            guides = [
                charts.Guide("Baseline share", float(base)),
                charts.Guide(
                    f"Alert above (+{t.negative_shift_min_points:g} points, if significant)",
                    float(base) + float(t.negative_shift_min_points),
                    "threshold",
                ),
            ]
        return charts.line_chart(
            f"Share of 1–2★ among new reviews, by week, last {days} days",
            [negative_share_by_week(snapshots)],
            "%",
            zero_based=True,
            guides=guides,
            empty_note="not enough weeks of star counts yet.",
        )
    if kind == "shipping_cost_up":
        points = [(s.taken_at, charts.as_float(s.shipping_fee) if s.status == "ok" else None) for s in snapshots]
        guides = []
        if base is not None:
            guides = [charts.Guide("Baseline", float(base))]
            if base > 0:
                guides.append(
                    charts.Guide(
                        f"Alert above (+{t.shipping_rise_pct:g}%)",
                        float(base) * (1 + float(t.shipping_rise_pct) / 100),
                        "threshold",
                    )
                )
        currency = (finding.evidence or {}).get("currency", "")
        return charts.line_chart(
            f"Shipping per order, last {days} days ({currency})",
            [charts.Series("Shipping", points)],
            currency,
            zero_based=True,
            guides=guides,
        )
    if kind == "delivery_slow":
        points = [(s.taken_at, charts.as_float(s.delivery_days_max) if s.status == "ok" else None) for s in snapshots]
        return charts.line_chart(
            f"Longest delivery time, last {days} days (days)",
            [charts.Series("Delivery, days", points)],
            "",
            zero_based=True,
            guides=[charts.Guide(f"Your maximum: {t.max_delivery_days} days", float(t.max_delivery_days), "threshold")],
        )
    if kind == "low_stock":
        points = [(s.taken_at, charts.as_float(s.stock_quantity) if s.status == "ok" else None) for s in snapshots]
        return charts.line_chart(
            f"Stock left, last {days} days",
            [charts.Series("Stock", points)],
            "",
            zero_based=True,
            guides=[charts.Guide(f"Warn under {t.low_stock_below}", float(t.low_stock_below), "threshold")],
        )
    return None


def _store_chart(finding: Finding, t: Thresholds, now: datetime, days: int) -> charts.LineChart | None:
    if finding.kind not in ("store_feedback_drop", "seller_rating_drop") or finding.supplier_id is None:
        return None
    rows = list(
        StoreSnapshot.objects.filter(
            supplier=finding.supplier, status="ok", taken_at__gte=now - timedelta(days=days)
        ).order_by("taken_at")
    )
    base = finding.baseline_value
    if finding.kind == "store_feedback_drop":
        guides = [charts.Guide("Baseline", float(base))] if base is not None else []
        alert = float(t.store_feedback_floor)
        if base is not None:  # it fires on a drop of N points or under the floor, whichever comes first
            alert = max(float(base) - float(t.store_feedback_drop), alert)
        label = f"Alert below (−{t.store_feedback_drop:g} points, or under {t.store_feedback_floor:g}%)"
        guides.append(charts.Guide(label, alert, "threshold"))
        points = [(r.taken_at, charts.as_float(r.positive_feedback_pct)) for r in rows]
        return charts.line_chart(
            f"Store positive feedback, last {days} days",
            [charts.Series("Positive feedback", points)],
            "%",
            guides=guides,
        )
    points = [
        (r.taken_at, min(v for v in (r.rating_described, r.rating_communication, r.rating_shipping) if v is not None))
        if any(v is not None for v in (r.rating_described, r.rating_communication, r.rating_shipping))
        else (r.taken_at, None)
        for r in rows
    ]
    points = [(at, charts.as_float(v)) for at, v in points]
    guides = [charts.Guide("Baseline (lowest rating)", float(base))] if base is not None else []
    guides.append(charts.Guide(f"Alert below {t.seller_rating_floor:g}★", float(t.seller_rating_floor), "threshold"))
    return charts.line_chart(
        f"Lowest detailed seller rating, last {days} days", [charts.Series("Lowest rating", points)], "★", guides=guides
    )


def evidence_reviews(finding: Finding, t: Thresholds, limit: int = 12) -> tuple[list[dict], str]:
    """The 1–2★ reviews behind a complaint theme or a 1–2★ shift (those with the finding's themes first)."""
    product = finding.product
    if finding.kind not in REVIEW_KINDS or product is None:
        return [], ""
    wanted = set((finding.evidence or {}).get("themes") or {})
    since = finding.opened_at - timedelta(days=t.review_window_days)
    rows = list(
        Review.objects.filter(product=product, stars__lte=2, first_seen_at__gte=since).order_by(
            "-first_seen_at", "-pk"
        )[:200]
    )
    if wanted:
        rows.sort(key=lambda r: not (set(r.themes or []) & wanted))
    shown = rows[:limit]
    note = (
        f"{len(shown)} of the {len(rows)} 1–2★ reviews seen since {since:%Y-%m-%d} "
        f"({t.review_window_days} days before it opened)"
    )
    if finding.kind == "negative_review_shift":
        note += " (the share itself comes from the star counts, not from this sample)"
    return [{"review": r, "themes": [themes.label(x) for x in r.themes or []]} for r in shown], note + "."


def evidence_checks(finding: Finding, limit: int = 12) -> list[Snapshot]:
    """The checks behind a removal, a stock-out or a failing page: from just before it opened to now."""
    if finding.kind not in CHECK_KINDS or finding.product_id is None:
        return []
    start = finding.opened_at - timedelta(days=2)
    return list(
        Snapshot.objects.filter(product_id=finding.product_id, taken_at__gte=start)
        .order_by("-taken_at")
        .only("taken_at", "status", "message", "price", "currency", "in_stock", "stock_quantity")[:limit]
    )


BASELINE_KINDS = PRICE_KINDS | {"shipping_cost_up", "rating_drop", "store_feedback_drop", "seller_rating_drop"}


def how_we_know(finding: Finding, t: Thresholds) -> list[str]:
    """The rule and the statistics, in sentences: what the headline and the advice leave out."""
    how = finding.advice_how or ""
    # advice_how usually starts with the rule's message and adds to it: say it once
    lines = [how] if how.startswith(finding.message) else [line for line in (finding.message, how) if line]
    p_value = (finding.evidence or {}).get("p_value")
    if finding.kind == "negative_review_shift" and p_value is not None:
        lines.append(
            f"It counts only when the rise is at least {t.negative_shift_min_points:g} points, over at least "
            f"{t.negative_shift_min_reviews} new reviews, and the test's p-value ({float(p_value):.2g}) is under "
            f"your significance level of {t.negative_shift_alpha:g}."
        )
    if finding.kind in BASELINE_KINDS:
        lines.append(f"Baselines are the median of the last {t.baseline_days} days, frozen while a finding is open.")
    return lines


def finding_page(finding: Finding, now: datetime, days: int = CHART_DAYS) -> FindingPage:
    t = thresholds_for(
        finding.owner,
        finding.supplier.threshold_overrides if finding.supplier else None,
        finding.product.threshold_overrides if finding.product else None,
    )
    reviews, note = evidence_reviews(finding, t)
    return FindingPage(
        facts=facts_for(finding, t),
        chart=chart_for(finding, t, now, days),
        reviews=reviews,
        review_note=note,
        checks=evidence_checks(finding),
        how=how_we_know(finding, t),
    )
