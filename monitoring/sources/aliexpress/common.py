"""Helpers every AliExpress layout shares: money, SKU price ranges, star histograms, stores, shipping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from ...observation import Observation, StoreInfo
from ..locale import parse_count, parse_date, parse_number, parse_price

PLATFORM = "aliexpress"
STORE_URL = "https://www.aliexpress.com/store/{}"
ITEM_ID = re.compile(r"/(?:item|i)/(?:[^/?#]*?/)?(\d{6,})\.html")
STORE_ID = re.compile(r"/store/(?:[a-z-]+/)*(\d{3,})")
STARS = (5, 4, 3, 2, 1)
_STAR_WORDS = {5: "five", 4: "four", 3: "three", 2: "two", 1: "one"}


def dig(data, *path, default=None):
    """data[path[0]][path[1]]..., or `default` when any step is missing or not a container."""
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return default
        if data is None:
            return default
    return data


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def money(value) -> Decimal | None:
    """A price from a JSON number or numeric string; 746269.0 becomes 746269 (no spurious ".0")."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        amount = Decimal(str(value))
    else:
        amount = parse_number(str(value))
        if amount is None:
            return None
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount


def decimal_or_none(value) -> Decimal | None:
    """A rating or percentage: 4.8, "4.8", "86.6%" -> Decimal."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    return parse_number(str(value))


def int_or_none(value) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return parse_count(str(value))


def currency_code(value) -> str:
    code = str(value or "").strip().upper()
    return code if re.fullmatch(r"[A-Z]{3}", code) else ""


# --- SKUs and prices ---------------------------------------------------------------------------------


@dataclass
class Sku:
    price: Decimal | None  # what the buyer pays now
    original: Decimal | None = None  # the "was" price, when there is a discount
    stock: int | None = None
    currency: str = ""
    salable: bool | None = None


def amount(value) -> tuple[Decimal | None, str]:
    """A {"value": 1.73, "currency": "USD", "formatedAmount": "US $1.73"} amount: the numeric value wins."""
    if isinstance(value, dict):
        number = money(value.get("value"))
        code = currency_code(value.get("currency"))
        if number is None and value.get("formatedAmount"):
            number, parsed = parse_price(str(value["formatedAmount"]), code)
            code = code or parsed
        return number, code
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return money(value), ""
    return None, ""


def sku_from_val(entry: dict) -> Sku:
    """A SKU in the modules / hierarchy / components layouts: {skuVal: {skuActivityAmount, skuAmount, ...}}."""
    val = as_dict(entry.get("skuVal"))
    current, currency = amount(val.get("skuActivityAmount"))
    listed, listed_currency = amount(val.get("skuAmount"))
    if current is None:  # no promotion running: the listed price is what the buyer pays
        current, listed = listed, None
    stock = val.get("availQuantity")
    if stock is None:
        stock = val.get("inventory")
    salable = entry.get("salable")
    return Sku(
        price=current,
        original=listed,
        stock=int_or_none(stock),
        currency=currency or listed_currency,
        salable=salable if isinstance(salable, bool) else None,
    )


def apply_prices(obs: Observation, skus: list[Sku], summary: tuple | None = None, currency: str = "") -> None:
    """Lowest current price, highest (when the variants differ), lowest original, from SKUs or a summary.

    `summary` is (min_current, max_current, min_original, currency) from the page's price block, used
    when the page lists no per-SKU prices.
    """
    prices = [s.price for s in skus if s.price is not None]
    if prices:
        low, high = min(prices), max(prices)
        originals = [s.original for s in skus if s.original is not None]
        original = min(originals) if originals else None
        currency = next((s.currency for s in skus if s.currency), "") or currency
    elif summary:
        low, high, original, summary_currency = summary
        currency = summary_currency or currency
        if low is None:
            low, high = high, None
    else:
        return
    obs.price = low
    obs.price_max = high if high is not None and low is not None and high != low else None
    obs.original_price = original
    obs.currency = currency or obs.currency


def apply_stock(obs: Observation, total, skus: list[Sku], sold_out: bool | None = None) -> None:
    """Total available quantity (the page's total, else the SKU sum); in stock = quantity > 0."""
    quantity = int_or_none(total)
    if quantity is None:
        stocks = [s.stock for s in skus if s.stock is not None]
        quantity = sum(stocks) if stocks else None
    obs.stock_quantity = quantity
    if sold_out:
        obs.in_stock = False
    elif quantity is not None:
        obs.in_stock = quantity > 0
    elif skus and all(s.salable is False for s in skus):
        obs.in_stock = False
    elif sold_out is False:
        obs.in_stock = True


# --- ratings -----------------------------------------------------------------------------------------


def apply_feedback(obs: Observation, block: dict) -> None:
    """Rating, review count and star histogram from a feedbackRating / feedbackComponent block."""
    if not block:
        return
    total = int_or_none(block.get("totalValidNum", block.get("totalNum")))
    average = decimal_or_none(block.get("averageStar", block.get("evarageStar")))
    obs.review_count = total
    obs.rating = average if average is not None and total != 0 else None
    obs.rating_histogram = star_histogram(block, total)


def star_histogram(block: dict, total: int | None) -> dict[int, int] | None:
    """{5: n, ..., 1: n} from fiveStarNum..oneStarNum; when only the percentages (fiveStarRate..) and the
    total are given, counts are derived as round(total * rate / 100), so they may be off by one."""
    counts = {star: int_or_none(block.get(f"{_STAR_WORDS[star]}StarNum")) for star in STARS}
    if all(v is not None for v in counts.values()):
        return counts  # type: ignore[return-value]
    rates = {star: decimal_or_none(block.get(f"{_STAR_WORDS[star]}StarRate")) for star in STARS}
    if total is not None and all(v is not None for v in rates.values()):
        return {star: int((Decimal(total) * rates[star] / 100).to_integral_value()) for star in STARS}
    return None


# --- stores ------------------------------------------------------------------------------------------


def make_store(
    store_id,
    name="",
    *,
    positive=None,
    followers=None,
    opened=None,
    language: str = "",
) -> StoreInfo | None:
    store_id = str(store_id or "").strip()
    name = str(name or "").strip()
    if not store_id and not name:
        return None
    return StoreInfo(
        id=store_id,
        name=name,
        url=STORE_URL.format(store_id) if store_id else "",
        positive_feedback_pct=decimal_or_none(positive),
        followers=int_or_none(followers),
        opened_on=opened_on(opened, language),
    )


def opened_on(value, language: str = "") -> date | None:
    """A store's opening date from "Dec 9, 2019", "sep 28, 2019" (es), "2024-06-30 05:35:14" or epoch ms."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    return parse_date(str(value), language)


# --- shipping ----------------------------------------------------------------------------------------


def ships_to_buyer(layouts) -> bool | None:
    """False when every delivery option says the buyer's address is unreachable, True when one exists."""
    if not isinstance(layouts, list) or not layouts:
        return None
    reachable = unreachable = False
    for layout in layouts:
        biz = as_dict(as_dict(layout).get("bizData"))
        if biz.get("unreachable") is True or as_dict(layout).get("unreachableLayout"):
            unreachable = True
        elif biz.get("deliveryOptionCode") or biz.get("deliveryProviderCode") or biz.get("company"):
            reachable = True
    if reachable:
        return True
    return False if unreachable else None


def language_of(*candidates) -> str:
    """A two-letter language from "es", "pl_PL", "in_ID" (Java's old code for Indonesian)."""
    for candidate in candidates:
        code = str(candidate or "").replace("-", "_").split("_")[0].lower()
        if re.fullmatch(r"[a-z]{2}", code):
            return "id" if code == "in" else code
    return ""
