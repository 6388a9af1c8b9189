"""Helpers every AliExpress layout shares: money, SKUs and their option names, price ranges, star histograms,
stores, shipping options and the main image."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from hashlib import sha256
from urllib.parse import parse_qs, urlsplit

from ...observation import Observation, Shipping, StoreInfo, Variant
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
        return int(value) if math.isfinite(value) else None  # NaN / infinity in a JSON count: unknown
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
    id: str = ""  # the platform's skuId, as a string (it is above 2**53: never through a float)
    name: str = ""  # "Color: Black; Plug: USB-C"
    listed: Decimal | None = None  # the listed price (skuAmount), also when no promotion runs

    @property
    def in_stock(self) -> bool | None:
        """Not salable, or 0 available, is out of stock; unknown stays None."""
        if self.salable is False:
            return False
        if self.stock is not None:
            return self.stock > 0
        return True if self.salable is True else None

    def variant(self, currency: str = "") -> Variant:
        return Variant(
            id=self.id,
            name=self.name,
            price=self.price,
            original_price=self.listed if self.listed is not None else self.original,
            currency=self.currency or currency,
            in_stock=self.in_stock,
            stock_quantity=self.stock,
        )


def variants_of(skus: list[Sku], currency: str = "") -> list[Variant]:
    """Every SKU with an id as a Variant (a SKU without an id cannot be chosen, so it is not listed)."""
    seen: set[str] = set()
    variants = []
    for sku in skus:
        if sku.id and sku.id not in seen:
            seen.add(sku.id)
            variants.append(sku.variant(currency))
    return variants


def sku_id(entry: dict, *keys: str) -> str:
    """The SKU id as a string: the `...Str` field first (the numeric one is above 2**53)."""
    for key in (*keys, "skuIdStr", "skuId", "sku_id", "id"):
        value = entry.get(key)
        if isinstance(value, bool) or value in (None, ""):
            continue
        if isinstance(value, float):
            value = int(value)  # already damaged by a float; the best we can do
        return str(value).strip()
    return ""


# --- option names --------------------------------------------------------------------------------------

PropertyTable = list[tuple[str, str, dict[str, str]]]  # [(property id, property name, {value id: value name})]


def property_table(properties) -> PropertyTable:
    """The SKU property list (productSKUPropertyList / propertyList / skuProperties) as
    [(property id, name, {value id: the value's displayed name})]."""
    table: PropertyTable = []
    for prop in properties if isinstance(properties, list) else []:
        if not isinstance(prop, dict):
            continue
        values = {}
        for value in prop.get("skuPropertyValues") or []:
            if not isinstance(value, dict):
                continue
            value_id = value.get("propertyValueIdLong", value.get("propertyValueId"))
            text = _first_text(  # what the page displays; the custom name when the seller set one
                value.get("propertyValueDisplayName"),
                value.get("propertyValueDefinitionName"),
                value.get("propertyValueName"),
            )
            if value_id is not None and text:
                values[str(value_id)] = text
                if value.get("propertyValueId") is not None:
                    values.setdefault(str(value["propertyValueId"]), text)
        table.append((str(prop.get("skuPropertyId") or ""), _first_text(prop.get("skuPropertyName")), values))
    return table


def sku_name(sku_attr, table: PropertyTable, value_ids="") -> str:
    """ "Color: Black; Plug: USB-C" from a skuAttr ("14:193#Black;200007763:201336100"), in its order.

    The seller's custom name (after "#") is what the buyer sees, else the property list's display name.
    Without a skuAttr, the comma-separated value ids (skuPropIds) are matched to the properties in order.
    A property missing from the list gives its value alone; a value with no readable name is left out.
    """
    pairs: list[tuple[str, str, str]] = []  # (property id, value id, custom name)
    if isinstance(sku_attr, str) and sku_attr.strip():
        for piece in sku_attr.split(";"):
            key, _, custom = piece.partition("#")
            prop_id, _, value_id = key.partition(":")
            pairs.append((prop_id.strip(), value_id.strip(), custom.strip()))
    elif isinstance(value_ids, str) and value_ids.strip():
        for position, value_id in enumerate(v.strip() for v in value_ids.split(",")):
            prop_id = ""
            if position < len(table) and value_id in table[position][2]:
                prop_id = table[position][0]
            else:
                prop_id = next((pid for pid, _name, values in table if value_id in values), "")
            pairs.append((prop_id, value_id, ""))
    by_id = {pid: (name, values) for pid, name, values in table}
    parts = []
    for prop_id, value_id, custom in pairs:
        name, values = by_id.get(prop_id, ("", {}))
        value = custom or values.get(value_id, "")
        if value:
            parts.append(f"{name}: {value}" if name else value)
    return "; ".join(parts)


def _first_text(*values) -> str:
    for value in values:
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return " ".join(str(value).split())
    return ""


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


def sku_from_val(entry: dict, table: PropertyTable | None = None) -> Sku:
    """A SKU in the modules / hierarchy / components layouts: {skuIdStr, skuAttr, salable, skuVal:
    {skuActivityAmount, skuAmount, availQuantity, ...}}; `table` (from property_table) names its options."""
    val = as_dict(entry.get("skuVal"))
    current, currency = amount(val.get("skuActivityAmount"))
    listed, listed_currency = amount(val.get("skuAmount"))
    original = listed
    if current is None:  # no promotion running: the listed price is what the buyer pays
        current, original = listed, None
    stock = val.get("availQuantity")
    if stock is None:
        stock = val.get("inventory")
    if stock is None:
        stock = entry.get("skuStock")
    salable = entry.get("salable")
    return Sku(
        price=current,
        original=original,
        stock=int_or_none(stock),
        currency=currency or listed_currency,
        salable=salable if isinstance(salable, bool) else None,
        id=sku_id(entry),
        name=sku_name(entry.get("skuAttr"), table or [], entry.get("skuPropIds") or entry.get("skuPropertyIds")),
        listed=listed,
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


def read_shipping(layouts, *, currency: str = "", ship_to: str = "") -> Shipping | None:
    """The delivery option the page shows, from a freight block's originalLayoutResultList /
    deliveryLayoutInfo: the first option (the one the page displays); an unreachable address gives only `to`.

    fee = displayAmount in displayCurrency (utParams fAmount/fCurrency as a fallback; bizData.currency is
    the base currency, not the fee's); a "free" option costs 0 in the page currency (`currency`).
    None when the page has no freight block at all.
    """
    if not isinstance(layouts, list) or not layouts:
        return None
    options = [as_dict(as_dict(layout).get("bizData")) for layout in layouts if isinstance(layout, dict)]
    options = [o for o in options if o]
    if not options:
        return None
    reachable = [o for o in options if o.get("unreachable") is not True and _is_option(o)]
    if not reachable:
        first = options[0]
        ut = _json_object(first.get("utParams"))
        return Shipping(to=_country(first.get("shipToCode"), ut.get("shipToCountry"), ship_to))
    biz = reachable[0]
    ut = _json_object(biz.get("utParams"))
    fee, fee_currency = None, ""
    if str(biz.get("shippingFee") or "").strip().lower() == "free":
        fee = Decimal(0)
        fee_currency = currency_code(currency) or currency_code(biz.get("displayCurrency"))
    else:
        for value, code in (
            (biz.get("displayAmount"), biz.get("displayCurrency")),
            (ut.get("fAmount"), ut.get("fCurrency")),
        ):
            fee = money(value)
            if fee is not None:
                fee_currency = currency_code(code) or (currency_code(currency) if code in (None, "") else "")
                break
    days_min = int_or_none(biz.get("deliveryDayMin", ut.get("deliveryDayMin")))
    days_max = int_or_none(biz.get("deliveryDayMax", ut.get("deliveryDayMax")))
    if days_min is None and days_max is None:
        days_min, days_max = _day_range(biz.get("deliveryTime"))
    return Shipping(
        to=_country(biz.get("shipToCode"), ut.get("shipToCountry"), ship_to),
        fee=fee,
        currency=fee_currency if fee is not None else "",
        days_min=days_min,
        days_max=days_max,
        method=_first_text(
            biz.get("company"), biz.get("deliveryProviderName"), ut.get("serviceName"), biz.get("deliveryOptionCode")
        ),
    )


def read_old_freight(freight, *, currency: str = "", ship_to: str = "") -> Shipping | None:
    """The 2019-2021 modules page's shippingModule.freightCalculateInfo.freight: {company, freightAmount:
    {value, currency}, time: "15-45", ...} (a list of such options on some pages: the first is shown)."""
    if isinstance(freight, list):
        freight = next((f for f in freight if isinstance(f, dict)), None)
    if not isinstance(freight, dict) or not freight:
        return None
    fee, fee_currency = amount(freight.get("freightAmount"))
    if fee is None and freight.get("freeShipping") is True:
        fee = Decimal(0)
    days_min, days_max = _day_range(freight.get("time"))
    method = _first_text(freight.get("companyDisplayName"), freight.get("company"), freight.get("serviceName"))
    if fee is None and days_max is None and not method:
        return None
    return Shipping(
        to=_country(freight.get("receiveCountry"), freight.get("shipToCountry"), ship_to),
        fee=fee,
        currency=(fee_currency or currency_code(freight.get("currency")) or currency_code(currency))
        if fee is not None
        else "",
        days_min=days_min,
        days_max=days_max,
        method=method,
    )


def _is_option(biz: dict) -> bool:
    return (
        any(
            biz.get(key) not in (None, "")
            for key in (
                "company",
                "deliveryProviderName",
                "deliveryOptionCode",
                "deliveryProviderCode",
                "displayAmount",
            )
        )
        or str(biz.get("shippingFee") or "").lower() == "free"
    )


def _json_object(value) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            decoded = json.loads(value)
        except ValueError:
            return {}
        return decoded if isinstance(decoded, dict) else {}
    return {}


def _country(*candidates) -> str:
    for candidate in candidates:
        code = str(candidate or "").strip().upper()
        if re.fullmatch(r"[A-Z]{2}", code):
            return code
    return ""


def _day_range(text) -> tuple[int | None, int | None]:
    """ "15-45" -> (15, 45); "20" -> (20, 20); anything else -> (None, None)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text, text
    numbers = re.findall(r"\d+", str(text or ""))
    if len(numbers) == 1:
        return int(numbers[0]), int(numbers[0])
    if len(numbers) == 2:
        low, high = sorted(int(n) for n in numbers)
        return low, high
    return None, None


# --- the main image ----------------------------------------------------------------------------------


def first_image(*candidates) -> str:
    """The first image URL among lists / strings ("a.jpg;b.jpg"), made absolute ("//ae01..." -> https:)."""
    for candidate in candidates:
        items = candidate if isinstance(candidate, list) else [candidate]
        for item in items:
            if isinstance(item, dict):
                item = item.get("imageUrl") or item.get("url") or item.get("src")
            if not isinstance(item, str):
                continue
            url = item.split(";")[0].strip()
            if url.startswith("//"):
                url = "https:" + url
            if url.startswith(("http://", "https://")):
                return url
    return ""


def description_version(*urls) -> str:
    """The item description's identity from its address: AliExpress serves the description from a separate
    file named by the `key` parameter (".../desc.htm?productId=…&key=S47…O.zip&token=…"); the key names
    the stored description and changes when the seller edits it, while `token` changes per page view and
    is left out. A digest of the key, so the description is judged without a second fetch ("" if none)."""
    for url in urls:
        if not isinstance(url, str) or "key=" not in url:
            continue
        key = parse_qs(urlsplit(url).query).get("key", [""])[0].strip()
        if key:
            return sha256(f"aliexpress-description:{key}".encode()).hexdigest()[:32]
    return ""


def language_of(*candidates) -> str:
    """A two-letter language from "es", "pl_PL", "in_ID" (Java's old code for Indonesian)."""
    for candidate in candidates:
        code = str(candidate or "").replace("-", "_").split("_")[0].lower()
        if re.fullmatch(r"[a-z]{2}", code):
            return "id" if code == "in" else code
    return ""
