"""Domain validation of what a shop sent, in one place, before anything is stored or compared.

`clean_observation(obs, now=...)` returns a cleaned copy of an Observation: every value that does not fit its
domain or its column becomes unknown (None, or "" for text that must be a code), never a false value:

- money: finite, > 0 for prices (0 is not a price: it is a page that shows none), ≥ 0 for a shipping fee,
  below 10^14 and rounded to 4 decimals (the `MONEY` columns: 18 digits, 4 decimals);
- ratings (the product's and the three detailed seller ratings): 0–5, 2 decimals;
- percentages (positive feedback): 0–100, 2 decimals;
- counts (stock, reviews, orders, followers, shipping days, each bar of the star histogram): whole numbers
  0 … 2,147,483,647 (a PositiveIntegerField); a histogram with one bad bar is unknown as a whole;
- NaN, ±infinity, "1e400", booleans and anything that is not a number: unknown;
- dates: a review dated more than a day ahead is dropped (within a day, time zones: clamped to today); a store
  "opened" in the future or before 1995 is unknown;
- text: NUL and lone surrogates removed (PostgreSQL and UTF-8 refuse them), cut to its column's length;
  currencies and country codes must look like ISO codes;
- at most 100 reviews (newest first) and 200 variants per observation, 50 labels.

Values that were dropped are named in the observation's message, so a check that ignored garbage says so.
It is applied where observations enter: `monitoring.sources` (observe_page / observe_document / observe_url,
so `inspect --json` prints clean values) and `monitoring.checking.record_*_check` (replay feeds recorded
observations directly). It is idempotent.
"""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .observation import Observation, Review, Shipping, StoreInfo, Variant

MONEY_LIMIT = Decimal(10) ** 14  # max_digits=18, decimal_places=4: at most 14 digits before the point
MONEY_STEP = Decimal("0.0001")
RATING_STEP = Decimal("0.01")
COUNT_MAX = 2_147_483_647  # PositiveIntegerField on PostgreSQL (and what every database accepts)
EARLIEST_DATE = date(1995, 1, 1)  # no shop opened, and no review was written, before online shops existed

MAX_REVIEWS = 100
MAX_VARIANTS = 200
MAX_LABELS = 50

# Column lengths (monitoring/models.py, suppliers/models.py), and bounds for what has no column.
TITLE_MAX = 500
MESSAGE_MAX = 500
PRODUCT_ID_MAX = 128
STORE_ID_MAX = 64
STORE_NAME_MAX = 200
URL_MAX = 2000
REVIEW_ID_MAX = 128
REVIEW_TEXT_MAX = 5000
COUNTRY_MAX = 8
LABEL_MAX = 100
VARIANT_ID_MAX = 128
VARIANT_NAME_MAX = 500
SHIPPING_METHOD_MAX = 200
PLATFORM_MAX = 16

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL, and surrogates that have no UTF-8 form
_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def clean_observation(obs: Observation, *, now: datetime | date | None = None) -> Observation:
    """A cleaned copy of `obs` (see the module docstring); `now` is when it was read (today by default)."""
    today = _today(now)
    dropped: list[str] = []

    def drop(name: str, raw, kept):
        if raw is not None and kept is None and name not in dropped:
            dropped.append(name)
        return kept

    clean = dataclasses.replace(obs)
    clean.message = text(obs.message, MESSAGE_MAX)
    clean.platform = text(obs.platform, PLATFORM_MAX)
    clean.url = text(obs.url, URL_MAX)
    clean.product_id = text(obs.product_id, PRODUCT_ID_MAX)
    clean.title = text(obs.title, TITLE_MAX)
    clean.image = text(obs.image, URL_MAX)
    clean.description_digest = text(obs.description_digest, 64)
    clean.price = drop("price", obs.price, price(obs.price))
    clean.price_max = drop("price_max", obs.price_max, price(obs.price_max))
    clean.original_price = drop("original_price", obs.original_price, price(obs.original_price))
    if clean.price is not None and clean.price_max is not None and clean.price_max < clean.price:
        clean.price_max = drop("price_max", obs.price_max, None)  # a "highest" price below the lowest
    clean.currency = code(obs.currency, _CURRENCY)
    clean.in_stock = boolean(obs.in_stock)
    clean.stock_quantity = drop("stock_quantity", obs.stock_quantity, count(obs.stock_quantity))
    clean.rating = drop("rating", obs.rating, rating(obs.rating))
    clean.review_count = drop("review_count", obs.review_count, count(obs.review_count))
    clean.rating_histogram = drop("rating_histogram", obs.rating_histogram, histogram(obs.rating_histogram))
    clean.orders_count = drop("orders_count", obs.orders_count, count(obs.orders_count))
    clean.ships_to_buyer = boolean(obs.ships_to_buyer)
    clean.labels = _labels(obs.labels)
    clean.store = _store(obs.store, today, drop) if isinstance(obs.store, StoreInfo) else None
    clean.reviews = _reviews(obs.reviews, today)
    clean.variants = [_variant(v) for v in _items(obs.variants, Variant)[:MAX_VARIANTS]]
    clean.shipping = _shipping(obs.shipping) if isinstance(obs.shipping, Shipping) else None
    if dropped:
        note = f"Ignored values out of range: {', '.join(dropped)}."
        clean.message = text(f"{clean.message} {note}" if clean.message else note, MESSAGE_MAX)
    return clean


# --- one value at a time ------------------------------------------------------------------------------------


def number(value) -> Decimal | None:
    """Any finite number the shop wrote (int, float, Decimal or a numeric string), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)
    try:
        result = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not result.is_finite():
        return None
    if result.adjusted() > 30 or result.adjusted() < -30:  # "1e400", "1e-400": far outside every column
        return None if result.adjusted() > 30 else Decimal(0)
    return result


def money(value, *, minimum: Decimal = Decimal(0), above: bool = False) -> Decimal | None:
    result = number(value)
    if result is None or result < minimum or (above and result == minimum) or result >= MONEY_LIMIT:
        return None
    result = _round(result, MONEY_STEP)
    if result >= MONEY_LIMIT or (above and result <= minimum):  # rounding can carry over either bound
        return None
    return result


def price(value) -> Decimal | None:
    """A price: more than 0 (a page showing 0 shows no price) and within the column."""
    return money(value, above=True)


def fee(value) -> Decimal | None:
    """A shipping fee: 0 (free shipping) or more."""
    return money(value)


def bounded(value, low: Decimal, high: Decimal, step: Decimal) -> Decimal | None:
    result = number(value)
    if result is None or not low <= result <= high:
        return None
    return _round(result, step)


def _round(value: Decimal, step: Decimal) -> Decimal:
    """Rounded to the column's decimals only when it has more: "19.90" stays "19.90"."""
    if value.as_tuple().exponent < step.as_tuple().exponent:
        return value.quantize(step, rounding=ROUND_HALF_UP)
    return value


def rating(value) -> Decimal | None:
    return bounded(value, Decimal(0), Decimal(5), RATING_STEP)


def percentage(value) -> Decimal | None:
    return bounded(value, Decimal(0), Decimal(100), RATING_STEP)


def count(value) -> int | None:
    """A whole number 0 … 2,147,483,647; a fraction is rounded down ("10.5k" parsed as 10500.0 is fine)."""
    result = number(value)
    if result is None or result < 0 or result > COUNT_MAX:
        return None
    return int(result)


def histogram(value) -> dict[int, int] | None:
    """{5: n, 4: n, 3: n, 2: n, 1: n}: unknown as a whole when any bar is not a count or a star is not 1–5."""
    if not isinstance(value, dict):
        return None
    result: dict[int, int] = {}
    for star, n in value.items():
        star = count(star)
        n = count(n)
        if star is None or not 1 <= star <= 5 or n is None:
            return None
        result[star] = n
    return result


def boolean(value) -> bool | None:
    return value if isinstance(value, bool) else None


def text(value, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return _UNSTORABLE.sub("", value)[:limit]


def code(value, pattern: re.Pattern) -> str:
    value = text(value, 8).strip().upper()
    return value if pattern.fullmatch(value) else ""


def day(value, today: date, *, tolerance: timedelta = timedelta(0)) -> date | None:
    """A date that is not in the future (beyond `tolerance`, clamped to today) nor before 1995."""
    if isinstance(value, date):
        value = _as_date(value)
    if not isinstance(value, date) or value < EARLIEST_DATE or value > today + tolerance:
        return None
    return min(value, today)


# --- parts of an observation --------------------------------------------------------------------------------


def _today(now) -> date:
    if now is None:
        from django.utils import timezone

        now = timezone.now()
    return now.date() if isinstance(now, datetime) else now


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _items(values, kind) -> list:
    return [v for v in values if isinstance(v, kind)] if isinstance(values, (list, tuple)) else []


def _labels(values) -> list[str]:
    labels = []
    for value in values if isinstance(values, (list, tuple)) else []:
        label = text(value, LABEL_MAX).strip() if isinstance(value, str) else ""
        if label and label not in labels:
            labels.append(label)
        if len(labels) >= MAX_LABELS:
            break
    return labels


def _store(store: StoreInfo, today: date, drop) -> StoreInfo:
    return StoreInfo(
        id=text(store.id, STORE_ID_MAX),
        name=text(store.name, STORE_NAME_MAX),
        url=text(store.url, URL_MAX),
        positive_feedback_pct=drop(
            "positive_feedback_pct", store.positive_feedback_pct, percentage(store.positive_feedback_pct)
        ),
        followers=drop("followers", store.followers, count(store.followers)),
        opened_on=drop("opened_on", store.opened_on, day(store.opened_on, today)),
        rating_described=drop("rating_described", store.rating_described, rating(store.rating_described)),
        rating_communication=drop(
            "rating_communication", store.rating_communication, rating(store.rating_communication)
        ),
        rating_shipping=drop("rating_shipping", store.rating_shipping, rating(store.rating_shipping)),
    )


def _reviews(values, today: date) -> list[Review]:
    """At most MAX_REVIEWS, newest first (undated ones after the dated, in the page's order). A review dated
    in the future is dropped: it would count as recent forever."""
    kept = []
    for review in _items(values, Review):
        stars = count(review.stars)
        if stars is None or not 1 <= stars <= 5:
            continue
        if isinstance(review.date, date) and _as_date(review.date) > today + timedelta(days=1):
            continue  # dated in the future: it would count as recent forever
        when = day(review.date, today, tolerance=timedelta(days=1))
        kept.append(
            Review(
                id=text(review.id, REVIEW_ID_MAX),
                stars=stars,
                text=text(review.text, REVIEW_TEXT_MAX),
                date=when,
                country=text(review.country, COUNTRY_MAX).strip(),
                translated_text=text(review.translated_text, REVIEW_TEXT_MAX),
            )
        )
    kept.sort(key=lambda r: (r.date is None, -(r.date.toordinal() if r.date else 0)))
    return kept[:MAX_REVIEWS]


def _variant(variant: Variant) -> Variant:
    return Variant(
        id=text(variant.id, VARIANT_ID_MAX),
        name=text(variant.name, VARIANT_NAME_MAX),
        price=price(variant.price),
        original_price=price(variant.original_price),
        currency=code(variant.currency, _CURRENCY),
        in_stock=boolean(variant.in_stock),
        stock_quantity=count(variant.stock_quantity),
    )


def _shipping(shipping: Shipping) -> Shipping:
    days_min, days_max = count(shipping.days_min), count(shipping.days_max)
    if days_min is not None and days_max is not None and days_max < days_min:
        days_min = days_max = None
    return Shipping(
        to=code(shipping.to, _COUNTRY),
        fee=fee(shipping.fee),
        currency=code(shipping.currency, _CURRENCY),
        days_min=days_min,
        days_max=days_max,
        method=text(shipping.method, SHIPPING_METHOD_MAX),
    )
