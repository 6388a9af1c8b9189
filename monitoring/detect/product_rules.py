"""Rules on what the listing sells: price, margin, stock, shipping, the listing itself, and "can't verify"."""

from __future__ import annotations

from decimal import Decimal

from suppliers.margins import LandedCost, margin_pct, price_for_margin

from ..statuses import CheckStatus
from .context import (
    CLEAR,
    CRITICAL,
    FAILED,
    HOLD,
    INFO,
    WARNING,
    ProductContext,
    Signal,
    Verdict,
    fmt_money,
    in_window,
    median_of,
    pct,
    restart_of,
)
from .thresholds import Thresholds

# --- product rules --------------------------------------------------------------------------------------


def price_baseline(ctx: ProductContext) -> Decimal | None:
    """Median price over the baseline window, in the observation's currency only: a currency switch is
    not a price change, it starts a new baseline."""
    currency = ctx.obs.currency if ctx.obs else ""
    points = in_window(ctx.history, ctx.now, ctx.thresholds.baseline_days, restart_of(ctx, "price"))
    return median_of(
        p.price for p in points if p.price is not None and p.currency == currency and p.variant_sku == ctx.variant_id
    )


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
    change = pct(obs.price, baseline)
    is_open = "price_increase" in ctx.open
    if change >= t.price_increase_pct:
        severity = CRITICAL if change >= 2 * t.price_increase_pct else WARNING
        return Verdict.fire(
            Signal(
                "price_increase",
                severity,
                f"Price up {change:.1f}%: {fmt_money(baseline)} → {fmt_money(obs.price)} {obs.currency} "
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
    change = pct(obs.price, baseline)
    if change <= -t.price_collapse_pct:
        return Verdict.fire(
            Signal(
                "price_collapse",
                WARNING,
                f"Price fell {-change:.0f}%: {fmt_money(baseline)} → {fmt_money(obs.price)} {obs.currency}. "
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
    if ctx.landed is not None:
        return _margin_verdict(ctx, ctx.landed)
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
                f"{fmt_money(ctx.my_price)}, the supplier charges {fmt_money(cost)} {obs.currency or ''} "
                "with shipping.",
                t.min_margin_pct,
                margin.quantize(Decimal("0.01")),
                {"currency": obs.currency},
            )
        )
    if "margin_low" in ctx.open and margin < t.min_margin_pct + t.price_hysteresis_pct:
        return HOLD
    return CLEAR


def _margin_verdict(ctx: ProductContext, landed: LandedCost) -> Verdict:
    """The margin on the landed cost: the variant's price, shipping to the user's country and their per-order
    costs, converted into their currency with a dated rate."""
    t, margin = ctx.thresholds, landed.margin_pct
    if margin is None:
        return HOLD  # no selling price, no supplier price, or no rate yet: the product page says which
    if margin < t.min_margin_pct:
        severity = CRITICAL if margin < 0 else WARNING
        terms = " + ".join(f"{term.label.lower()} {fmt_money(term.amount)}" for term in landed.terms)
        rates = f" Converted at {'; '.join(landed.rates)}." if landed.rates else ""
        target = price_for_margin(landed=landed, my_price=ctx.my_price, min_margin_pct=t.min_margin_pct)
        return Verdict.fire(
            Signal(
                "margin_low",
                severity,
                f"Your margin is now {margin:.1f}% (minimum {t.min_margin_pct}%): you sell at "
                f"{fmt_money(ctx.my_price)} {landed.currency}, it costs you {fmt_money(landed.total)} "
                f"{landed.currency} landed ({terms}).{rates}",
                t.min_margin_pct,
                margin.quantize(Decimal("0.01")),
                {
                    "currency": landed.currency,
                    "landed_cost": str(landed.total.quantize(Decimal("0.01"))),
                    "price_for_min_margin": str(target) if target is not None else None,
                    "rates": list(landed.rates),
                },
            )
        )
    if "margin_low" in ctx.open and margin < t.min_margin_pct + t.price_hysteresis_pct:
        return HOLD
    return CLEAR


def rule_variant_removed(ctx: ProductContext) -> Verdict:
    """The variant the user sells is gone from a listing that still answers (its other variants remain)."""
    listing = ctx.listing or ctx.obs
    if not ctx.variant_id or listing is None or not listing.variants:
        return HOLD  # no variant chosen, or this reading did not list variants: nothing to judge
    if listing.variant(ctx.variant_id) is not None:
        return CLEAR
    left = len(listing.variants)
    return Verdict.fire(
        Signal(
            "variant_removed",
            CRITICAL,
            f"The variant you sell ({ctx.variant_name or ctx.variant_id}) is no longer on the listing; "
            f"{left} other variant{'s remain' if left != 1 else ' remains'}. "
            "Contact the seller, or pick another variant.",
            None,
            Decimal(left),
            {"variant": ctx.variant_id, "variants_left": [v.id for v in listing.variants[:50]]},
        )
    )


def rule_low_stock(ctx: ProductContext) -> Verdict:
    """Fewer than N left of what the user sells (0 is "out of stock", another finding)."""
    quantity, limit = ctx.obs.stock_quantity, ctx.thresholds.low_stock_below
    if quantity is None or quantity == 0 or ctx.obs.in_stock is False:
        return HOLD
    if quantity < limit:
        return Verdict.fire(
            Signal(
                "low_stock",
                WARNING,
                f"Only {quantity} left (you are warned under {limit}).",
                Decimal(limit),
                Decimal(quantity),
                {"left": quantity},
            )
        )
    if "low_stock" in ctx.open and quantity < limit + max(1, (limit + 3) // 4):
        return HOLD  # recovered only with a quarter more than the threshold: no flapping on restocks of 1
    return CLEAR


SHIPPING_RECOVERY_POINTS = Decimal(5)


def rule_shipping_cost_up(ctx: ProductContext) -> Verdict:
    """Shipping to the user's country got dearer: free turned paid, or up by the threshold against the
    median fee of the baseline window (same currency), the baseline frozen while the finding is open."""
    shipping, t = ctx.obs.shipping, ctx.thresholds
    if shipping is None or shipping.fee is None:
        return HOLD
    currency = shipping.currency or ctx.obs.currency
    found = ctx.open.get("shipping_cost_up")
    if found is not None and found.evidence.get("currency") == currency:
        baseline = found.baseline
    else:
        points = in_window(ctx.history, ctx.now, t.baseline_days, restart_of(ctx, "shipping"))
        baseline = median_of(
            p.shipping_fee
            for p in points
            if p.shipping_fee is not None and (p.shipping_currency or p.currency) == currency
        )
    if baseline is None:
        return HOLD
    fee = shipping.fee
    evidence = {"currency": currency, "method": shipping.method}
    if baseline == 0:
        if fee > 0:
            return Verdict.fire(
                Signal(
                    "shipping_cost_up",
                    WARNING,
                    f"Shipping to you is no longer free: {fmt_money(fee)} {currency} per order.",
                    baseline,
                    fee,
                    evidence,
                )
            )
        return CLEAR
    change = pct(fee, baseline)
    if change >= t.shipping_rise_pct:
        return Verdict.fire(
            Signal(
                "shipping_cost_up",
                WARNING,
                f"Shipping up {change:.0f}%: {fmt_money(baseline)} → {fmt_money(fee)} {currency} per order.",
                baseline,
                fee,
                {**evidence, "change_pct": float(round(change, 2))},
            )
        )
    if found is not None and change > t.shipping_rise_pct - SHIPPING_RECOVERY_POINTS:
        return HOLD
    return CLEAR


DELIVERY_RECOVERY_DAYS = 2


def rule_delivery_slow(ctx: ProductContext) -> Verdict:
    """The supplier's longest delivery time to the user's country passes the user's maximum."""
    shipping, limit = ctx.obs.shipping, ctx.thresholds.max_delivery_days
    if shipping is None or shipping.days_max is None:
        return HOLD
    days = shipping.days_max
    if days > limit:
        low = shipping.days_min
        span = f"{low}–{days}" if low is not None and low < days else f"{days}"
        return Verdict.fire(
            Signal(
                "delivery_slow",
                WARNING,
                f"Delivery to you now takes up to {days} days ({span} days"
                f"{', ' + shipping.method if shipping.method else ''}); your maximum is {limit}.",
                Decimal(limit),
                Decimal(days),
                {"days_min": shipping.days_min, "days_max": days, "method": shipping.method},
            )
        )
    if "delivery_slow" in ctx.open and days > limit - DELIVERY_RECOVERY_DAYS:
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
