"""Shopify stores, read from their public product JSON.

Three shapes, all public and unauthenticated:
- `/products/<handle>.js`: the product at the top level; prices are integer cents (799 = 7.99), every variant
  says whether it is `available`.
- `/products/<handle>.json`: `{"product": {...}}`; prices are decimal strings ("7.99"); `available` is often
  missing, inventory fields sometimes present.
- `/products.json`: `{"products": [...]}`, a page of the catalogue.
Rule for money: an integer is cents (the .js format), a string or a float is an amount (the .json format).
None of them carries a currency, a stock count (except inventory_quantity on some stores) or a rating.

Every variant is listed in `Observation.variants`: id = the variant id, name = "Size: M; Color: Red" from the
product's option names and the variant's option values (else the variant's title; a product's lone
"Default Title" variant has no options and no name), price, compare_at_price as original_price, available
as in_stock, inventory_quantity as stock_quantity when the store shows it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..fetch import FetchError
from ..observation import Observation, Variant, description_digest
from ..statuses import CheckStatus
from .base import Adapter, FetchContext, Page, ParseError, observe_page
from .locale import parse_number
from .structured import StructuredAdapter

MAX_REQUESTS = 3  # per observe(): .js, then .json, then the product page (structured data or the currency)

# Where a Shopify storefront page names the currency it shows prices in, most specific first.
_HTML_CURRENCY = (
    re.compile(r"""Shopify\.currency\s*=\s*\{[^}]*?["']active["']\s*:\s*["']([A-Z]{3})["']"""),
    re.compile(r"""ShopifyAnalytics\.meta\.currency\s*=\s*["']([A-Z]{3})["']"""),
    re.compile(r"""property\s*=\s*["'](?:og|product):price:currency["'][^>]*?content\s*=\s*["']([A-Za-z]{3})["']"""),
    re.compile(r"""content\s*=\s*["']([A-Za-z]{3})["'][^>]*?property\s*=\s*["'](?:og|product):price:currency["']"""),
    re.compile(r""""priceCurrency"\s*:\s*"([A-Z]{3})\""""),
)
_COOKIE_CURRENCY = re.compile(r"\bcart_currency=([A-Z]{3})\b")
_PLAIN_AMOUNT = re.compile(r"\d+(?:\.\d+)?")
_ISO_CODE = re.compile(r"[A-Z]{3}")
_JSON_SUFFIXES = (".json", ".js", ".oembed", ".xml", ".atom")


class ShopifyAdapter(Adapter):
    platform = "shopify"

    def __init__(self) -> None:
        self.structured = StructuredAdapter()

    def sniff(self, text: str) -> bool:
        if not text.lstrip().startswith("{"):
            return False
        try:
            data = json.loads(text)
        except ValueError:
            return False
        return isinstance(data, dict) and _products_in(data) is not None

    def parse(self, page: Page, *, variant_sku: str = "") -> Observation:
        text = page.text.strip()
        if not text:
            raise ParseError("The shop answered an empty body where product data was expected.")
        if text.startswith("<"):  # the product page itself (or a JSON endpoint answering HTML)
            obs = self.structured.parse(page)
            obs.currency = obs.currency or currency_from_html(text)
            return obs
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ParseError(f"The shop's product JSON is not valid JSON: {exc}") from None
        product = _choose_product(data, page.url, variant_sku)
        obs = read_product(product, variant_sku=variant_sku)
        obs.currency = obs.currency or currency_from_headers(page.headers)
        fill_variant_currency(obs)
        obs.platform = self.platform
        obs.url = page.url
        return obs

    def observe(self, url: str, fetcher, ctx: FetchContext, *, variant_sku: str = "") -> Observation:
        """.js first (it says `available` per variant), then .json, then the page itself: shops that are not
        Shopify use /products/ paths too, and a store can switch its JSON off. Transport failures (FetchError)
        of the first requests propagate like any fetch's; at most MAX_REQUESTS requests are made."""
        product_url = product_base_url(url)
        if product_url is None:
            return observe_page(self.structured, fetcher.get(url), url)
        reader = _VariantReader(self, variant_sku)
        for requests, endpoint in enumerate((f"{product_url}.js", f"{product_url}.json"), start=1):
            page = fetcher.get(endpoint, headers={"Accept": "application/json"})
            if page.blocked_reason or page.status_code == 429 or page.status_code >= 500:
                return _at(observe_page(reader, page, url), url)  # blocked or failing: do not hammer the shop
            if page.status_code < 400 and _is_product_json(page.text):
                obs = _at(observe_page(reader, page, url), url)
                if obs.ok and not obs.currency and requests < MAX_REQUESTS:
                    obs.currency = self._currency_from_page(url, fetcher)
                    fill_variant_currency(obs)
                return obs
        return _at(observe_page(self.structured, fetcher.get(url), url), url)

    def _currency_from_page(self, url: str, fetcher) -> str:
        """The JSON has no currency; the storefront page says which one its prices are in. Best effort: a
        failure here must not lose the prices already read."""
        try:
            page = fetcher.get(url)
        except FetchError:
            return ""
        if page.blocked_reason or page.status_code >= 400:
            return ""
        return currency_from_html(page.text) or currency_from_headers(page.headers)


class _VariantReader(Adapter):
    """ShopifyAdapter.parse with the user's chosen variant, in the shape observe_page() expects."""

    platform = ShopifyAdapter.platform

    def __init__(self, shopify: ShopifyAdapter, variant_sku: str):
        self.shopify = shopify
        self.variant_sku = variant_sku

    def parse(self, page: Page) -> Observation:
        return self.shopify.parse(page, variant_sku=self.variant_sku)


def _at(obs: Observation, url: str) -> Observation:
    obs.url = url  # the product page the user watches, not the endpoint that answered
    return obs


# --- URLs ------------------------------------------------------------------------------------------------------


def product_base_url(url: str) -> str | None:
    """https://shop/collections/x/products/blue-mug?variant=1 -> https://shop/products/blue-mug (a market prefix
    such as /en-gb is kept: the JSON then answers in that market). None when the URL names no product."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    positions = [i for i, s in enumerate(segments[:-1]) if s == "products"]
    if not positions:
        return None
    at = positions[-1]
    handle = _strip_suffix(segments[at + 1])
    prefix = segments[:at]
    if len(prefix) >= 2 and prefix[-2] == "collections":
        prefix = prefix[:-2]
    path = "/" + "/".join([*prefix, "products", handle])
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def handle_of(url: str) -> str:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    positions = [i for i, s in enumerate(segments[:-1]) if s == "products"]
    return _strip_suffix(segments[positions[-1] + 1]) if positions else ""


def _strip_suffix(handle: str) -> str:
    for suffix in _JSON_SUFFIXES:
        if handle.endswith(suffix):
            return handle[: -len(suffix)]
    return handle


# --- reading the JSON -------------------------------------------------------------------------------------------


def _is_product_json(text: str) -> bool:
    if not text.lstrip().startswith("{"):
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and _products_in(data) is not None


def _products_in(data: dict) -> list[dict] | None:
    """The products of any of the three shapes, or None when this is not Shopify product JSON."""
    if isinstance(data.get("product"), dict):
        candidates = [data["product"]]
    elif isinstance(data.get("products"), list):
        candidates = [p for p in data["products"] if isinstance(p, dict)]
    else:
        candidates = [data]
    if candidates and all(isinstance(p.get("variants"), list) for p in candidates):
        return candidates
    return None


def _choose_product(data: Any, url: str, variant_sku: str) -> dict:
    """The product a /products.json list is about: the one holding the chosen variant, else the one whose
    handle is in the URL, else the only one."""
    products = _products_in(data) if isinstance(data, dict) else None
    if not products:
        raise ParseError("No Shopify product in the JSON (expected product, products or variants).")
    if len(products) == 1:
        return products[0]
    if variant_sku:
        for product in products:
            if any(_is_variant(v, variant_sku) for v in _variants(product)):
                return product
    handle = handle_of(url)
    for product in products:
        if handle and product.get("handle") == handle:
            return product
    raise ParseError(f"{len(products)} products in the list and none is the one asked for (handle {handle!r}).")


def _variants(product: dict) -> list[dict]:
    return [v for v in product.get("variants") or [] if isinstance(v, dict)]


def _is_variant(variant: dict, wanted: str) -> bool:
    wanted = wanted.strip()
    return bool(wanted) and wanted in (str(variant.get("sku") or "").strip(), str(variant.get("id") or ""))


@dataclass
class _Variant:
    price: Decimal | None
    compare_at: Decimal | None
    available: bool | None
    quantity: int | None


def read_product(product: dict, *, variant_sku: str = "") -> Observation:
    """One product's variants summed up, or the chosen variant alone (`variants` lists them all either way)."""
    variants = _variants(product)
    listed = list_variants(product)
    if variant_sku:
        chosen = [v for v in variants if _is_variant(v, variant_sku)]
        if not chosen:  # the variant the user sells is gone: for them the listing is
            return Observation.failed(
                CheckStatus.NOT_FOUND, f"The variant {variant_sku!r} is no longer offered on this product."
            )
        variants = chosen[:1]
    read = [_read_variant(v) for v in variants]
    prices = [v.price for v in read if v.price is not None]
    price = min(prices) if prices else None
    highest = max(prices) if prices else None
    was = [v.compare_at for v in read if v.compare_at is not None and v.price is not None and v.compare_at > v.price]
    availability = [v.available for v in read if v.available is not None]
    in_stock = any(availability) if availability else None
    if in_stock is None and not variant_sku and isinstance(product.get("available"), bool):
        in_stock = product["available"]  # the .js product-level flag
    quantities = [v.quantity for v in read]
    return Observation(
        product_id=str(product.get("id") or ""),
        title=" ".join(str(product.get("title") or "").split()),
        price=price,
        price_max=highest if highest != price else None,
        original_price=min(was) if was else None,
        currency=_variant_currency(variants),
        in_stock=in_stock,
        # Only a sum over every variant is a stock count; an oversold (negative) variant holds none.
        stock_quantity=sum(max(q, 0) for q in quantities if q is not None)
        if quantities and None not in quantities
        else None,
        variants=listed,
        image=main_image(product),
        # .js has the description as HTML, .json as body_html
        description_digest=description_digest(str(product.get("description") or product.get("body_html") or "")),
    )


def list_variants(product: dict) -> list[Variant]:
    """Every variant of the product as a Variant (the currency is filled in later, when it is known)."""
    names = _option_names(product)
    currency = _variant_currency(_variants(product))
    result = []
    seen: set[str] = set()
    for variant in _variants(product):
        variant_id = str(variant.get("id") or "").strip()
        if not variant_id or variant_id in seen:
            continue
        seen.add(variant_id)
        read = _read_variant(variant)
        original = read.compare_at
        if original is not None and read.price is not None and original < read.price:
            original = None  # a stale compare-at below the price is no "was" price
        result.append(
            Variant(
                id=variant_id,
                name=_variant_name(variant, names),
                price=read.price,
                original_price=original,
                currency=_variant_currency([variant]) or currency,
                in_stock=read.available,
                stock_quantity=max(read.quantity, 0) if read.quantity is not None else None,
            )
        )
    return result


def _option_names(product: dict) -> list[str]:
    """The product's option names in position order: .json gives [{name, position, values}], old .js
    answers a list of plain names."""
    options = product.get("options")
    if not isinstance(options, list):
        return []
    named = []
    for index, option in enumerate(options):
        if isinstance(option, dict):
            position = option.get("position")
            position = position if isinstance(position, int) and not isinstance(position, bool) else index + 1
            named.append((position, " ".join(str(option.get("name") or "").split())))
        elif isinstance(option, str):
            named.append((index + 1, " ".join(option.split())))
        else:
            named.append((index + 1, ""))
    return [name for _position, name in sorted(named, key=lambda pair: pair[0])]


def _variant_name(variant: dict, names: list[str]) -> str:
    """ "Size: M; Color: Red" from option1..3 (or the .js `options` list of values) and the product's option
    names; the variant title when the values are unknown; "" for Shopify's placeholder "Default Title"."""
    values = [variant.get(f"option{n}") for n in (1, 2, 3)]
    if all(v in (None, "") for v in values) and isinstance(variant.get("options"), list):
        values = list(variant["options"])
    values = [" ".join(str(v).split()) if v not in (None, "") else "" for v in values]
    while values and not values[-1]:
        values.pop()
    if values == ["Default Title"]:
        return ""
    if values and names:
        parts = []
        for index, value in enumerate(values):
            if not value:
                continue
            name = names[index] if index < len(names) else ""
            parts.append(f"{name}: {value}" if name else value)
        return "; ".join(parts)
    title = " ".join(str(variant.get("title") or "").split())
    return "" if title == "Default Title" else title


def fill_variant_currency(obs: Observation) -> None:
    """The variants' currency is the listing's when the JSON named none per variant."""
    for variant in obs.variants:
        variant.currency = variant.currency or obs.currency


def main_image(product: dict) -> str:
    """The product's first image: .js `featured_image` / `images` (URL strings), .json `image.src` /
    `images[].src`; protocol-relative URLs become https."""
    candidates = [product.get("featured_image"), product.get("image")]
    images = product.get("images")
    if isinstance(images, list) and images:
        candidates.append(images[0])
    for candidate in candidates:
        if isinstance(candidate, dict):
            candidate = candidate.get("src") or candidate.get("url")
        if isinstance(candidate, str) and candidate.strip():
            url = candidate.strip()
            return "https:" + url if url.startswith("//") else url
    return ""


def _read_variant(variant: dict) -> _Variant:
    quantity = variant.get("inventory_quantity")
    quantity = quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else None
    available = variant.get("available")
    if not isinstance(available, bool):
        # .json often lacks `available`: selling past zero ("continue") or a positive count means orderable.
        if variant.get("inventory_policy") == "continue":
            available = True
        elif quantity is not None:
            available = quantity > 0
        else:
            available = None
    return _Variant(
        price=money(variant.get("price")),
        compare_at=money(variant.get("compare_at_price")),
        available=available,
        quantity=quantity,
    )


def money(value: Any) -> Decimal | None:
    """799 (int, .js cents) -> 7.99; "7.99" (str, .json) -> 7.99; None or "" -> None."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, int):
        return Decimal(value).scaleb(-2)
    text = str(value).strip()
    if _PLAIN_AMOUNT.fullmatch(text):
        return Decimal(text)
    return parse_number(text)


def _variant_currency(variants: list[dict]) -> str:
    """Some stores' .json names the currency per variant: `price_currency`, or among `presentment_prices` the
    one currency whose amount is the variant's price (several currencies at that amount say nothing)."""
    for variant in variants:
        code = variant.get("price_currency")
        if isinstance(code, str) and _ISO_CODE.fullmatch(code):
            return code
        price = money(variant.get("price"))
        matching = {
            entry["price"].get("currency_code")
            for entry in variant.get("presentment_prices") or []
            if isinstance(entry, dict)
            and isinstance(entry.get("price"), dict)
            and money(entry["price"].get("amount")) == price
        }
        if len(matching) == 1:
            code = matching.pop()
            if isinstance(code, str) and _ISO_CODE.fullmatch(code):
                return code
    return ""


def currency_from_headers(headers: dict[str, str]) -> str:
    match = _COOKIE_CURRENCY.search(headers.get("set-cookie", ""))
    return match.group(1) if match else ""


def currency_from_html(text: str) -> str:
    for pattern in _HTML_CURRENCY:
        match = pattern.search(text)
        if match:
            return match.group(1).upper()
    return ""
