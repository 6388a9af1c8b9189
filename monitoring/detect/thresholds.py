"""Thresholds of the deterioration rules: defaults here, overridden per user, then per supplier, then per
product (each level a dict of {setting name: value} stored as JSON)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal

from accounts.models import settings_for


def _setting(default, label: str, help_text: str = "", minimum=0, maximum=None):
    return {"default": default, "label": label, "help": help_text, "min": minimum, "max": maximum}


# name -> metadata; the settings form is built from this table.
SETTINGS = {
    "price_increase_pct": _setting(
        Decimal("10"), "Price rise that alerts (%)", "Against the median price of the baseline window.", 1, 500
    ),
    "price_collapse_pct": _setting(
        Decimal("50"),
        "Price fall flagged as suspicious (%)",
        "A sudden fall is often a bait listing or a swapped variant.",
        10,
        95,
    ),
    "price_hysteresis_pct": _setting(
        Decimal("3"),
        "Recovery margin for prices (points)",
        "A price finding resolves only this far below its threshold.",
        0,
        50,
    ),
    "min_margin_pct": _setting(
        Decimal("20"),
        "Minimum margin (%)",
        "Your selling price minus supplier price and shipping, over your price.",
        -100,
        100,
    ),
    "baseline_days": _setting(14, "Baseline window (days)", "Prices and ratings are compared with this period.", 1, 90),
    "rating_drop": _setting(Decimal("0.2"), "Product rating drop that alerts (stars)", "", Decimal("0.05"), 5),
    "rating_floor": _setting(Decimal("4.5"), "Product rating floor (stars)", "", 0, 5),
    "rating_min_reviews": _setting(10, "Reviews needed before judging a rating", "", 0, 100000),
    "store_feedback_drop": _setting(
        Decimal("1.5"), "Store positive-feedback drop that alerts (points)", "", Decimal("0.1"), 100
    ),
    "store_feedback_floor": _setting(Decimal("95"), "Store positive-feedback floor (%)", "", 0, 100),
    "seller_rating_drop": _setting(
        Decimal("0.2"), "Detailed seller rating drop that alerts (stars)", "", Decimal("0.05"), 5
    ),
    "seller_rating_floor": _setting(Decimal("4.5"), "Detailed seller rating floor (stars)", "", 0, 5),
    "negative_shift_alpha": _setting(
        Decimal("0.01"),
        "Significance level of the 1–2★ shift test",
        "Smaller means fewer, surer alerts.",
        Decimal("0.0001"),
        Decimal("0.2"),
    ),
    "negative_shift_min_reviews": _setting(20, "New reviews needed before judging their 1–2★ share", "", 5, 100000),
    "negative_shift_min_points": _setting(Decimal("5"), "Smallest 1–2★ share rise worth an alert (points)", "", 0, 100),
    "review_window_days": _setting(30, "New-review window (days)", "", 1, 365),
    "complaint_min_reviews": _setting(3, "Negative reviews naming a complaint before it alerts", "", 1, 1000),
    "burst_min_reviews": _setting(30, "5★ reviews in a burst before brushing is suspected", "", 5, 100000),
    "burst_factor": _setting(Decimal("5"), "Burst: times the usual review rate", "", Decimal("1.5"), 1000),
    "burst_window_days": _setting(3, "Burst window (days)", "", 1, 30),
    "new_store_days": _setting(180, "A store younger than this is new (days)", "", 0, 3650),
    "low_stock_below": _setting(
        20, "Low stock: fewer left than", "For the variant you sell (or the listing).", 1, 100000
    ),
    "max_delivery_days": _setting(
        20, "Longest delivery you accept (days)", "The supplier's maximum delivery time to your country.", 1, 365
    ),
    "shipping_rise_pct": _setting(
        Decimal("25"), "Shipping cost rise that alerts (%)", "Free shipping turning paid always alerts.", 1, 1000
    ),
    "unverifiable_after": _setting(3, "Failed checks in a row before 'can't verify'", "", 1, 100),
    "removed_after": _setting(2, "'Not found' checks in a row before 'listing removed'", "", 1, 100),
}


@dataclass(frozen=True)
class Thresholds:
    price_increase_pct: Decimal = SETTINGS["price_increase_pct"]["default"]
    price_collapse_pct: Decimal = SETTINGS["price_collapse_pct"]["default"]
    price_hysteresis_pct: Decimal = SETTINGS["price_hysteresis_pct"]["default"]
    min_margin_pct: Decimal = SETTINGS["min_margin_pct"]["default"]
    baseline_days: int = SETTINGS["baseline_days"]["default"]
    rating_drop: Decimal = SETTINGS["rating_drop"]["default"]
    rating_floor: Decimal = SETTINGS["rating_floor"]["default"]
    rating_min_reviews: int = SETTINGS["rating_min_reviews"]["default"]
    store_feedback_drop: Decimal = SETTINGS["store_feedback_drop"]["default"]
    store_feedback_floor: Decimal = SETTINGS["store_feedback_floor"]["default"]
    seller_rating_drop: Decimal = SETTINGS["seller_rating_drop"]["default"]
    seller_rating_floor: Decimal = SETTINGS["seller_rating_floor"]["default"]
    negative_shift_alpha: Decimal = SETTINGS["negative_shift_alpha"]["default"]
    negative_shift_min_reviews: int = SETTINGS["negative_shift_min_reviews"]["default"]
    negative_shift_min_points: Decimal = SETTINGS["negative_shift_min_points"]["default"]
    review_window_days: int = SETTINGS["review_window_days"]["default"]
    complaint_min_reviews: int = SETTINGS["complaint_min_reviews"]["default"]
    burst_min_reviews: int = SETTINGS["burst_min_reviews"]["default"]
    burst_factor: Decimal = SETTINGS["burst_factor"]["default"]
    burst_window_days: int = SETTINGS["burst_window_days"]["default"]
    new_store_days: int = SETTINGS["new_store_days"]["default"]
    low_stock_below: int = SETTINGS["low_stock_below"]["default"]
    max_delivery_days: int = SETTINGS["max_delivery_days"]["default"]
    shipping_rise_pct: Decimal = SETTINGS["shipping_rise_pct"]["default"]
    unverifiable_after: int = SETTINGS["unverifiable_after"]["default"]
    removed_after: int = SETTINGS["removed_after"]["default"]

    def with_overrides(self, *layers: dict | None) -> Thresholds:
        """Apply override dicts in order (user, supplier, product); unknown or invalid entries are ignored."""
        values = {}
        for layer in layers:
            for name, raw in (layer or {}).items():
                value = coerce(name, raw)
                if value is not None:
                    values[name] = value
        return replace(self, **values)


def coerce(name: str, raw):
    """A stored override as the setting's type, or None when it is not a valid value for it."""
    meta = SETTINGS.get(name)
    if meta is None or raw is None or raw == "":
        return None
    kind = type(meta["default"])
    try:
        value = kind(str(raw)) if kind is Decimal else int(raw)
    except (ArithmeticError, ValueError, TypeError):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None  # NaN and infinity compare with nothing: never a threshold
    if meta["min"] is not None and value < meta["min"]:
        return None
    if meta["max"] is not None and value > meta["max"]:
        return None
    return value


DEFAULTS = Thresholds()
assert {f.name for f in fields(Thresholds)} == set(SETTINGS), "every setting needs a field and vice versa"


def thresholds_for(user, *layers) -> Thresholds:
    """The thresholds that apply to one item: defaults, then the user's settings, then each override layer
    (the supplier's, then the product's)."""
    return DEFAULTS.with_overrides(settings_for(user).thresholds, *layers)
