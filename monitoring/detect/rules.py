"""Deterioration rules: plain functions over (history, new observation) -> a verdict per finding kind.

No database here: the pipeline (monitoring.checking) and `manage.py replay` build the contexts and apply
the verdicts. Each rule answers Fire (open or update the finding), Clear (resolve it) or Hold (no data, or
inside the hysteresis band: leave it as it is). Rules that compare with a baseline use a robust one — the
median of the baseline window — and, while a finding is open, the baseline frozen when it opened, so a
lasting change does not quietly become the new normal and resolve itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

from suppliers.margins import margin_pct

from ..observation import Observation, StoreInfo
from ..statuses import CheckStatus
from . import themes
from .stats import fisher_greater
from .thresholds import Thresholds

INFO, WARNING, CRITICAL = 10, 20, 30
FAILED = {CheckStatus.BLOCKED, CheckStatus.ERROR, CheckStatus.UNPARSEABLE, CheckStatus.REFUSED}
HUNDRED = Decimal(100)


@dataclass
class Signal:
    kind: str
    severity: int
    message: str
    baseline: Decimal | None = None
    current: Decimal | None = None
    evidence: dict = field(default_factory=dict)


@dataclass
class Verdict:
    action: str  # "fire" | "clear" | "hold"
    signal: Signal | None = None

    @classmethod
    def fire(cls, signal: Signal) -> Verdict:
        return cls("fire", signal)


CLEAR = Verdict("clear")
HOLD = Verdict("hold")


@dataclass
class OpenFinding:
    kind: str
    severity: int
    baseline: Decimal | None
    current: Decimal | None
    evidence: dict
    opened_at: datetime


@dataclass
class Point:
    """One successful product check in the past."""

    at: datetime
    price: Decimal | None = None
    currency: str = ""
    in_stock: bool | None = None
    rating: Decimal | None = None
    review_count: int | None = None
    histogram: dict[int, int] | None = None
    orders_count: int | None = None


@dataclass
class NegativeReview:
    stars: int
    themes: list[str]
    seen_on: date  # the review's own date, or when we first saw it


@dataclass
class ProductContext:
    now: datetime
    status: str
    obs: Observation | None
    history: list[Point]  # successful checks before this one, oldest first
    recent_statuses: list[str]  # statuses of the checks before this one, oldest first
    open: dict[str, OpenFinding]
    thresholds: Thresholds
    my_price: Decimal | None = None
    my_currency: str = ""
    shipping_cost: Decimal | None = None
    baseline_since: dict[str, datetime] = field(default_factory=dict)
    negative_reviews: list[NegativeReview] = field(default_factory=list)


@dataclass
class StorePoint:
    at: datetime
    positive_feedback_pct: Decimal | None = None
    rating_described: Decimal | None = None
    rating_communication: Decimal | None = None
    rating_shipping: Decimal | None = None


@dataclass
class StoreContext:
    now: datetime
    store: StoreInfo
    history: list[StorePoint]  # earlier store readings, oldest first
    open: dict[str, OpenFinding]
    thresholds: Thresholds


# --- helpers --------------------------------------------------------------------------------------------


def _pct(new: Decimal, old: Decimal) -> Decimal:
    return (new - old) / old * HUNDRED


def _fmt_money(value: Decimal | None) -> str:
    return "?" if value is None else f"{value:,.2f}"


def _since(ctx, kind: str) -> datetime | None:
    return ctx.baseline_since.get(kind) if hasattr(ctx, "baseline_since") else None


def _window(points, now: datetime, days: int, since: datetime | None = None):
    start = now - timedelta(days=days)
    if since and since > start:
        start = since
    return [p for p in points if start <= p.at < now]


def _median(values) -> Decimal | None:
    values = [v for v in values if v is not None]
    return Decimal(str(median(values))) if values else None


def _frozen(open_finding: OpenFinding | None, fallback: Decimal | None) -> Decimal | None:
    if open_finding is not None and open_finding.baseline is not None:
        return open_finding.baseline
    return fallback


# --- product rules --------------------------------------------------------------------------------------


def price_baseline(ctx: ProductContext) -> Decimal | None:
    """Median price over the baseline window, in the observation's currency only: a currency switch is
    not a price change, it starts a new baseline."""
    currency = ctx.obs.currency if ctx.obs else ""
    points = _window(ctx.history, ctx.now, ctx.thresholds.baseline_days, _since(ctx, "price"))
    return _median(p.price for p in points if p.price is not None and p.currency == currency)


def _open_price_baseline(ctx: ProductContext, kind: str, fallback):
    found = ctx.open.get(kind)
    if found and found.evidence.get("currency") == (ctx.obs.currency if ctx.obs else None):
        return found.baseline
    if found:  # opened in another currency: nothing to compare with until it switches back
        return None
    return fallback


def rule_price_increase(ctx: ProductContext) -> Verdict:
    obs, t = ctx.obs, ctx.thresholds
    baseline = _open_price_baseline(ctx, "price_increase", price_baseline(ctx))
    if obs.price is None or not baseline:
        return HOLD
    change = _pct(obs.price, baseline)
    is_open = "price_increase" in ctx.open
    if change >= t.price_increase_pct:
        severity = CRITICAL if change >= 2 * t.price_increase_pct else WARNING
        return Verdict.fire(
            Signal(
                "price_increase",
                severity,
                f"Price up {change:.1f}%: {_fmt_money(baseline)} → {_fmt_money(obs.price)} {obs.currency} "
                f"(baseline: median of {t.baseline_days} days).",
                baseline,
                obs.price,
                {"currency": obs.currency, "change_pct": float(round(change, 2))},
            )
        )
    if is_open and change > t.price_increase_pct - t.price_hysteresis_pct:
        return HOLD  # inside the recovery margin: no flapping around the threshold
    return CLEAR


def rule_price_collapse(ctx: ProductContext) -> Verdict:
    obs, t = ctx.obs, ctx.thresholds
    baseline = _open_price_baseline(ctx, "price_collapse", price_baseline(ctx))
    if obs.price is None or not baseline:
        return HOLD
    change = _pct(obs.price, baseline)
    if change <= -t.price_collapse_pct:
        return Verdict.fire(
            Signal(
                "price_collapse",
                WARNING,
                f"Price fell {-change:.0f}%: {_fmt_money(baseline)} → {_fmt_money(obs.price)} {obs.currency}. "
                "A sudden collapse is often a bait listing or a swapped variant: check the listing.",
                baseline,
                obs.price,
                {"currency": obs.currency, "change_pct": float(round(change, 2))},
            )
        )
    if "price_collapse" in ctx.open and change < -(t.price_collapse_pct - t.price_hysteresis_pct):
        return HOLD
    return CLEAR


def rule_margin_low(ctx: ProductContext) -> Verdict:
    obs, t = ctx.obs, ctx.thresholds
    margin = margin_pct(
        my_price=ctx.my_price,
        price=obs.price,
        shipping_cost=ctx.shipping_cost,
        my_currency=ctx.my_currency,
        currency=obs.currency,
    )
    if margin is None:
        return HOLD  # no selling price, no supplier price, or two currencies that cannot be compared
    if margin < t.min_margin_pct:
        severity = CRITICAL if margin < 0 else WARNING
        cost = obs.price + (ctx.shipping_cost or 0)
        return Verdict.fire(
            Signal(
                "margin_low",
                severity,
                f"Your margin is now {margin:.1f}% (minimum {t.min_margin_pct}%): you sell at "
                f"{_fmt_money(ctx.my_price)}, the supplier charges {_fmt_money(cost)} {obs.currency or ''} "
                "with shipping.",
                t.min_margin_pct,
                margin.quantize(Decimal("0.01")),
                {"currency": obs.currency},
            )
        )
    if "margin_low" in ctx.open and margin < t.min_margin_pct + t.price_hysteresis_pct:
        return HOLD
    return CLEAR


def rule_out_of_stock(ctx: ProductContext) -> Verdict:
    obs = ctx.obs
    out = obs.in_stock is False or (obs.in_stock is None and obs.stock_quantity == 0)
    if out:
        since = ctx.open["out_of_stock"].opened_at if "out_of_stock" in ctx.open else ctx.now
        return Verdict.fire(
            Signal(
                "out_of_stock",
                CRITICAL,
                f"Out of stock since {since:%Y-%m-%d %H:%M} UTC.",
                None,
                Decimal(0),
                {"since": since.isoformat()},
            )
        )
    if obs.in_stock or (obs.stock_quantity or 0) > 0:
        return CLEAR
    return HOLD


def rule_shipping_unavailable(ctx: ProductContext) -> Verdict:
    if ctx.obs.ships_to_buyer is False:
        return Verdict.fire(
            Signal(
                "shipping_unavailable",
                CRITICAL,
                "The supplier no longer ships this product to your country.",
            )
        )
    return CLEAR if ctx.obs.ships_to_buyer else HOLD


def rule_rating_drop(ctx: ProductContext) -> Verdict:
    obs, t = ctx.obs, ctx.thresholds
    if obs.rating is None or (obs.review_count is not None and obs.review_count < t.rating_min_reviews):
        return HOLD
    points = _window(ctx.history, ctx.now, t.baseline_days, _since(ctx, "rating_drop"))
    baseline = _frozen(ctx.open.get("rating_drop"), _median(p.rating for p in points))
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
    since = _since(ctx, kind)
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
                f"{h0_at:%Y-%m-%d}; Fisher's exact test p={p_value:.2g}).",
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
    serious = {"counterfeit", "extra_fees", "never_arrived"}
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


def rule_listing_removed(ctx: ProductContext) -> Verdict:
    if ctx.status == CheckStatus.NOT_FOUND:
        streak = 1
        for status in reversed(ctx.recent_statuses):
            if status != CheckStatus.NOT_FOUND:
                break
            streak += 1
        if streak >= ctx.thresholds.removed_after:
            return Verdict.fire(
                Signal(
                    "listing_removed",
                    CRITICAL,
                    f"Listing removed: the shop answered 'not found' on {streak} checks in a row.",
                    None,
                    Decimal(streak),
                    {"checks": streak},
                )
            )
        return HOLD
    return CLEAR if ctx.status == CheckStatus.OK else HOLD


def failure_streak(status: str, earlier: list[str]) -> int:
    if status not in FAILED:
        return 0
    streak = 1
    for previous in reversed(earlier):
        if previous not in FAILED:
            break
        streak += 1
    return streak


def rule_unverifiable(status: str, earlier: list[str], message: str, t: Thresholds) -> Verdict:
    """Repeated blocked or failed checks: a health problem of ours, never a deterioration."""
    streak = failure_streak(status, earlier)
    if streak >= t.unverifiable_after:
        why = {
            CheckStatus.BLOCKED: "the shop shows us a captcha / anti-bot page",
            CheckStatus.UNPARSEABLE: "the page could not be read (the shop may have changed its layout: parser broke?)",
            CheckStatus.REFUSED: "the address is refused",
        }.get(status, "the shop did not answer")
        return Verdict.fire(
            Signal(
                "unverifiable",
                INFO,
                f"Can't verify: {streak} checks in a row failed — {why}. Last: {message}"[:480],
                None,
                Decimal(streak),
                {"checks": streak, "last_status": str(status)},
            )
        )
    return CLEAR if status not in FAILED else HOLD


PRODUCT_RULES = {
    "price_increase": rule_price_increase,
    "price_collapse": rule_price_collapse,
    "margin_low": rule_margin_low,
    "out_of_stock": rule_out_of_stock,
    "shipping_unavailable": rule_shipping_unavailable,
    "rating_drop": rule_rating_drop,
    "negative_review_shift": rule_negative_review_shift,
    "complaint_theme": rule_complaint_theme,
    "review_burst": rule_review_burst,
}


def evaluate_product(ctx: ProductContext) -> dict[str, Verdict]:
    """Verdicts for one product check. A failed, blocked or unparsed check moves no baseline and opens
    nothing but 'unverifiable'; the first successful check only sets baselines."""
    verdicts = {
        "unverifiable": rule_unverifiable(
            ctx.status, ctx.recent_statuses, ctx.obs.message if ctx.obs else "", ctx.thresholds
        ),
        "listing_removed": rule_listing_removed(ctx),
    }
    if ctx.status != CheckStatus.OK or ctx.obs is None:
        return verdicts
    if not ctx.history:
        return verdicts
    for kind, rule in PRODUCT_RULES.items():
        verdicts[kind] = rule(ctx)
    return verdicts


# --- store rules -----------------------------------------------------------------------------------------


def rule_store_feedback_drop(ctx: StoreContext) -> Verdict:
    t, current = ctx.thresholds, ctx.store.positive_feedback_pct
    if current is None:
        return HOLD
    points = _window(ctx.history, ctx.now, t.baseline_days)
    baseline = _frozen(ctx.open.get("store_feedback_drop"), _median(p.positive_feedback_pct for p in points))
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
    points = _window(ctx.history, ctx.now, t.baseline_days)
    problems, any_known, holding = [], False, False
    worst_current, worst_base = None, None
    for name, label in _SELLER_RATINGS.items():
        current = getattr(ctx.store, name)
        if current is None:
            continue
        any_known = True
        frozen = (found.evidence.get("baselines") or {}).get(name) if found else None
        baseline = Decimal(str(frozen)) if frozen is not None else _median(getattr(p, name) for p in points)
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


STORE_RULES = {
    "store_feedback_drop": rule_store_feedback_drop,
    "seller_rating_drop": rule_seller_rating_drop,
    "new_store": rule_new_store,
}


def evaluate_store(ctx: StoreContext) -> dict[str, Verdict]:
    """Verdicts for one store reading; the first one only sets baselines."""
    if not ctx.history:
        return {}
    return {kind: rule(ctx) for kind, rule in STORE_RULES.items()}
