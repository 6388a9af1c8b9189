"""Rules on the store: positive feedback, detailed seller ratings, a new or tiny store."""

from __future__ import annotations

from decimal import Decimal

from .context import (
    CLEAR,
    CRITICAL,
    HOLD,
    WARNING,
    Signal,
    StoreContext,
    Verdict,
    frozen,
    in_window,
    median_of,
)

# --- store rules -----------------------------------------------------------------------------------------


def rule_store_feedback_drop(ctx: StoreContext) -> Verdict:
    t, current = ctx.thresholds, ctx.store.positive_feedback_pct
    if current is None:
        return HOLD
    points = in_window(ctx.history, ctx.now, t.baseline_days)
    baseline = frozen(ctx.open.get("store_feedback_drop"), median_of(p.positive_feedback_pct for p in points))
    if baseline is None:
        return HOLD
    drop = baseline - current
    if drop >= t.store_feedback_drop or current < t.store_feedback_floor:
        severity = CRITICAL if current < t.store_feedback_floor - 5 or drop >= 2 * t.store_feedback_drop else WARNING
        return Verdict.fire(
            Signal(
                "store_feedback_drop",
                severity,
                f"Store positive feedback {baseline:.1f}% → {current:.1f}%"
                + (f" (below your floor of {t.store_feedback_floor}%)." if current < t.store_feedback_floor else "."),
                baseline,
                current,
            )
        )
    if "store_feedback_drop" in ctx.open and (
        drop > t.store_feedback_drop - Decimal("0.5") or current < t.store_feedback_floor + Decimal("0.5")
    ):
        return HOLD
    return CLEAR


_SELLER_RATINGS = {
    "rating_described": "item as described",
    "rating_communication": "communication",
    "rating_shipping": "shipping speed",
}


def rule_seller_rating_drop(ctx: StoreContext) -> Verdict:
    t = ctx.thresholds
    found = ctx.open.get("seller_rating_drop")
    points = in_window(ctx.history, ctx.now, t.baseline_days)
    problems, any_known, holding = [], False, False
    worst_current, worst_base = None, None
    for name, label in _SELLER_RATINGS.items():
        current = getattr(ctx.store, name)
        if current is None:
            continue
        any_known = True
        frozen = (found.evidence.get("baselines") or {}).get(name) if found else None
        baseline = Decimal(str(frozen)) if frozen is not None else median_of(getattr(p, name) for p in points)
        if baseline is None:
            continue
        drop = baseline - current
        if drop >= t.seller_rating_drop or current < t.seller_rating_floor:
            problems.append((name, label, baseline, current))
            if worst_current is None or current < worst_current:
                worst_current, worst_base = current, baseline
        elif found and (drop > t.seller_rating_drop / 2 or current < t.seller_rating_floor + Decimal("0.1")):
            holding = True
    if not any_known:
        return HOLD
    if problems:
        listed = "; ".join(f"{label} {b:.1f} → {c:.1f}" for _, label, b, c in problems)
        return Verdict.fire(
            Signal(
                "seller_rating_drop",
                CRITICAL if worst_current < 4 else WARNING,
                f"Detailed seller ratings fell: {listed}.",
                worst_base,
                worst_current,
                {"baselines": {n: float(b) for n, _, b, _ in problems}},
            )
        )
    return HOLD if holding else CLEAR


def rule_new_store(ctx: StoreContext) -> Verdict:
    opened = ctx.store.opened_on
    if opened is None:
        return HOLD
    age = (ctx.now.date() - opened).days
    if age < ctx.thresholds.new_store_days:
        return Verdict.fire(
            Signal(
                "new_store",
                WARNING if age >= 60 else CRITICAL,
                f"New store: open since {opened:%Y-%m-%d} ({age} days). Fake sellers often run young stores: "
                "place a test order before relying on it.",
                Decimal(ctx.thresholds.new_store_days),
                Decimal(age),
                {"opened_on": opened.isoformat()},
            )
        )
    return CLEAR
