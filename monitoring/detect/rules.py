"""Which rules run, and in what order. The rules themselves are plain functions over (history, new
observation) -> a verdict per finding kind.

They live by subject in product_rules.py, review_rules.py and store_rules.py, and see a context
(context.py). No database here: the pipeline (monitoring.checking) and `manage.py replay` build the contexts and apply
the verdicts. Each rule answers Fire (open or update the finding), Clear (resolve it) or Hold (no data, or
inside the hysteresis band: leave it as it is). Rules that compare with a baseline use a robust one — the
median of the baseline window — and, while a finding is open, the baseline frozen when it opened, so a
lasting change does not quietly become the new normal and resolve itself.
"""

from __future__ import annotations

from ..statuses import CheckStatus
from .context import ProductContext, StoreContext, Verdict
from .listing_rules import rule_listing_changed
from .product_rules import (
    price_baseline,
    rule_delivery_slow,
    rule_listing_removed,
    rule_low_stock,
    rule_margin_low,
    rule_out_of_stock,
    rule_price_collapse,
    rule_price_increase,
    rule_shipping_cost_up,
    rule_shipping_unavailable,
    rule_unverifiable,
    rule_variant_removed,
)
from .review_rules import rule_complaint_theme, rule_negative_review_shift, rule_rating_drop, rule_review_burst
from .store_rules import rule_new_store, rule_seller_rating_drop, rule_store_feedback_drop

__all__ = [
    "PRODUCT_RULES",
    "STORE_RULES",
    "evaluate_product",
    "evaluate_store",
    "price_baseline",
    "rule_complaint_theme",
    "rule_delivery_slow",
    "rule_listing_changed",
    "rule_listing_removed",
    "rule_low_stock",
    "rule_margin_low",
    "rule_negative_review_shift",
    "rule_new_store",
    "rule_out_of_stock",
    "rule_price_collapse",
    "rule_price_increase",
    "rule_rating_drop",
    "rule_review_burst",
    "rule_seller_rating_drop",
    "rule_shipping_cost_up",
    "rule_shipping_unavailable",
    "rule_store_feedback_drop",
    "rule_unverifiable",
    "rule_variant_removed",
]

PRODUCT_RULES = {
    "price_increase": rule_price_increase,
    "price_collapse": rule_price_collapse,
    "margin_low": rule_margin_low,
    "out_of_stock": rule_out_of_stock,
    "shipping_unavailable": rule_shipping_unavailable,
    "variant_removed": rule_variant_removed,
    "low_stock": rule_low_stock,
    "shipping_cost_up": rule_shipping_cost_up,
    "delivery_slow": rule_delivery_slow,
    "rating_drop": rule_rating_drop,
    "negative_review_shift": rule_negative_review_shift,
    "complaint_theme": rule_complaint_theme,
    "review_burst": rule_review_burst,
    "listing_changed": rule_listing_changed,
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
