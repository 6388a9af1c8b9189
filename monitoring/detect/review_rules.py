"""Rules on what buyers say: the rating, the 1–2★ share of new reviews, complaint themes, brushing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from . import themes
from .context import (
    CLEAR,
    CRITICAL,
    HOLD,
    HUNDRED,
    WARNING,
    Point,
    ProductContext,
    Signal,
    Verdict,
    frozen,
    in_window,
    median_of,
    restart_of,
)
from .stats import fisher_greater


def rule_rating_drop(ctx: ProductContext) -> Verdict:
    obs, t = ctx.obs, ctx.thresholds
    if obs.rating is None or (obs.review_count is not None and obs.review_count < t.rating_min_reviews):
        return HOLD
    points = in_window(ctx.history, ctx.now, t.baseline_days, restart_of(ctx, "rating_drop"))
    baseline = frozen(ctx.open.get("rating_drop"), median_of(p.rating for p in points))
    if baseline is None:
        return HOLD
    drop = baseline - obs.rating
    if drop >= t.rating_drop or obs.rating < t.rating_floor:
        severity = CRITICAL if obs.rating < 4 or drop >= 2 * t.rating_drop else WARNING
        why = f"down {drop:.1f} from {baseline:.1f}" if drop > 0 else f"below your floor of {t.rating_floor}"
        return Verdict.fire(
            Signal(
                "rating_drop",
                severity,
                f"Product rating {obs.rating:.1f}★ ({why}; {obs.review_count or '?'} reviews).",
                baseline,
                obs.rating,
                {"review_count": obs.review_count},
            )
        )
    if "rating_drop" in ctx.open and (drop > t.rating_drop / 2 or obs.rating < t.rating_floor + Decimal("0.1")):
        return HOLD
    return CLEAR


def _shrank(old: dict[int, int], new: dict[int, int]) -> bool:
    return any(new.get(s, 0) < old.get(s, 0) for s in range(1, 6))


def _histogram_points(ctx: ProductContext, kind: str) -> list[Point]:
    """Points whose histogram can be compared with today's: after the last re-count (a shrinking
    histogram means the platform re-counted; earlier counts are no longer comparable)."""
    since = restart_of(ctx, kind)
    points = [p for p in ctx.history if p.histogram and (since is None or p.at >= since)]
    start = 0
    for i in range(1, len(points)):
        if _shrank(points[i - 1].histogram, points[i].histogram):
            start = i
    return points[start:]


def rule_negative_review_shift(ctx: ProductContext) -> Verdict:
    """Is the 1–2★ share among reviews added since the baseline significantly above the baseline share?

    New reviews are the change in the star histogram (so the result does not depend on which reviews we
    happened to sample), and the test is a one-sided Fisher's exact test of new vs. earlier reviews, with a
    minimum number of new reviews and a minimum rise in points: two bad reviews out of five page no one.
    """
    obs, t = ctx.obs, ctx.thresholds
    h1 = obs.rating_histogram
    if not h1 or len(h1) < 5:
        return HOLD
    found = ctx.open.get("negative_review_shift")
    if found:
        h0 = {int(k): v for k, v in found.evidence["baseline_histogram"].items()}
        h0_at = datetime.fromisoformat(found.evidence["baseline_at"])
    else:
        points = _histogram_points(ctx, "negative_review_shift")
        if not points or _shrank(points[-1].histogram, h1):
            return HOLD
        cutoff = ctx.now - timedelta(days=t.review_window_days)
        older = [p for p in points if p.at <= cutoff]
        base = older[-1] if older else points[0]
        h0, h0_at = base.histogram, base.at
    if _shrank(h0, h1):
        return HOLD  # re-counted since the baseline: not comparable
    new = {s: h1.get(s, 0) - h0.get(s, 0) for s in range(1, 6)}
    n_new, k_new = sum(new.values()), new[1] + new[2]
    n0, k0 = sum(h0.values()), h0.get(1, 0) + h0.get(2, 0)
    if n_new < t.negative_shift_min_reviews or n0 == 0:
        return HOLD
    p0, p1 = Decimal(k0) / n0, Decimal(k_new) / n_new
    p_value = fisher_greater(k_new, n_new - k_new, k0, n0 - k0)
    rise = (p1 - p0) * HUNDRED
    if p_value < float(t.negative_shift_alpha) and rise >= t.negative_shift_min_points:
        severity = CRITICAL if p1 >= 2 * p0 and p1 >= Decimal("0.2") else WARNING
        return Verdict.fire(
            Signal(
                "negative_review_shift",
                severity,
                f"1–2★ share of new reviews {p0:.0%} → {p1:.0%} ({k_new} of {n_new} new reviews since "
                f"{h0_at:%Y-%m-%d}).",  # the test and its p-value: in "how we know" (advice.py)
                (p0 * HUNDRED).quantize(Decimal("0.01")),
                (p1 * HUNDRED).quantize(Decimal("0.01")),
                {
                    "baseline_histogram": {str(k): v for k, v in h0.items()},
                    "baseline_at": h0_at.isoformat(),
                    "new_reviews": n_new,
                    "new_negative": k_new,
                    "p_value": p_value,
                },
            )
        )
    if found and p_value < 0.05 and rise >= t.negative_shift_min_points / 2:
        return HOLD
    return CLEAR


def rule_complaint_theme(ctx: ProductContext) -> Verdict:
    t = ctx.thresholds
    cutoff = (ctx.now - timedelta(days=t.review_window_days)).date()
    counts = Counter(theme for r in ctx.negative_reviews if r.seen_on >= cutoff for theme in r.themes)
    top = [(theme, n) for theme, n in counts.most_common() if n >= t.complaint_min_reviews]
    if not top:
        return CLEAR
    serious = {"counterfeit", "extra_fees", "never_arrived", "pay_off_platform", "close_dispute", "confirm_early"}
    severity = CRITICAL if any(th in serious and n >= 2 * t.complaint_min_reviews for th, n in top) else WARNING
    listed = ", ".join(f"{themes.label(th)} ({n})" for th, n in top)
    return Verdict.fire(
        Signal(
            "complaint_theme",
            severity,
            f"Recent 1–2★ reviews complain: {listed} (last {t.review_window_days} days).",
            None,
            Decimal(sum(n for _, n in top)),
            {"themes": dict(top)},
        )
    )


def rule_review_burst(ctx: ProductContext) -> Verdict:
    """Brushing: far more 5★ reviews in a few days than the product's usual rate, almost all 5★.
    A J-shaped histogram alone is normal on AliExpress and is not a finding."""
    obs, t = ctx.obs, ctx.thresholds
    h1 = obs.rating_histogram
    points = _histogram_points(ctx, "review_burst")
    if not h1 or not points:
        return HOLD
    window_start = ctx.now - timedelta(days=t.burst_window_days)
    before = [p for p in points if p.at <= window_start]
    if not before:
        return HOLD  # no history old enough to know the usual rate
    start = before[-1]
    if _shrank(start.histogram, h1):
        return HOLD
    new5 = h1[5] - start.histogram[5]
    new_total = sum(h1.values()) - sum(start.histogram.values())
    earliest = before[0]
    span_days = (start.at - earliest.at).total_seconds() / 86400
    if span_days >= 1:
        usual_per_day = Decimal(max(0, sum(start.histogram.values()) - sum(earliest.histogram.values()))) / Decimal(
            str(span_days)
        )
    else:
        usual_per_day = None
    burst_days = Decimal(str((ctx.now - start.at).total_seconds() / 86400))
    expected = usual_per_day * burst_days if usual_per_day is not None else None
    burst = (
        expected is not None
        and new5 >= t.burst_min_reviews
        and new5 >= t.burst_factor * max(expected, Decimal(1))
        and new_total > 0
        and Decimal(new5) / new_total >= Decimal("0.9")
    )
    if burst:
        return Verdict.fire(
            Signal(
                "review_burst",
                WARNING,
                f"Brushing suspected: {new5} new 5★ reviews in {burst_days:.1f} days, about "
                f"{(Decimal(new5) / max(expected, Decimal(1))):.0f}× the usual rate ({expected:.1f} expected).",
                expected.quantize(Decimal("0.01")),
                Decimal(new5),
                {"new_5_star": new5, "new_reviews": new_total},
            )
        )
    found = ctx.open.get("review_burst")
    if found and ctx.now - found.opened_at < timedelta(days=t.burst_window_days):
        return HOLD  # let the burst window pass before calling it over
    return CLEAR
