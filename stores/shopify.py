"""Shopify's Admin API, read-only: the shop (its currency), its products with their variants and selling
prices, and a product's metafields. GET requests only; nothing here can write to a store.

The REST Admin API, not GraphQL, because one `products.json` page carries everything a sync needs (each
product's variants with their prices, and its tags) with plain cursor pagination in the `Link` header, and
its limits are a simple call bucket (`X-Shopify-Shop-Api-Call-Limit: 32/40`, then 429 + Retry-After). A
custom app's token with `read_products` reads products, variants and product metafields. Shopify calls the
REST Admin API "legacy" for new public apps; custom apps keep it. Everything Shopify-specific is in this
module, so a GraphQL client could replace it without touching the sync.

Every request goes through the project's guarded fetcher (monitoring.fetch): the Admin API host is vetted
as every shop is (public addresses only, unless allow-listed), the body is capped, the deadline total.
Redirects are never followed here: the access token must not travel to wherever a Location points.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.conf import settings

from monitoring.fetch.client import Fetcher, FetchError
from monitoring.fetch.politeness import make_limiter

PAGE_SIZE = 250  # the most products.json gives per page
MAX_PAGES = 200  # 50,000 products: a catalogue larger than that is cut with a message, never loops forever
MAX_THROTTLE_RETRIES = 5
MAX_RETRY_AFTER = 60.0  # seconds; a longer wait fails this sync with a message (the next one tries again)
BUCKET_HEADROOM = 4  # keep this many calls free in the shop's bucket
LEAK_PER_SECOND = 2.0  # the standard plan's REST bucket drains 2 calls a second (Plus: 20; 2 is the safe one)
METAFIELD_NAMESPACES = ("dropwatch", "dsers")
METAFIELD_KEY = "supplier_url"

_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class StoreError(Exception):
    """A sync cannot go on. `kind` is the connection status it leaves (stores.models.SyncStatus)."""

    def __init__(self, message: str, kind: str = "error"):
        super().__init__(message)
        self.message = message
        self.kind = kind


# --- the shop's address ---------------------------------------------------------------------------------


def clean_shop_domain(raw: str) -> str:
    """The shop's host as typed ("my-shop.myshopify.com", a store URL, or the shop's own domain), lower case,
    without scheme or path. A port is accepted only for an allow-listed host (a local fake in tests)."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("Enter your shop's address, such as my-shop.myshopify.com.")
    if len(text) > 300:
        raise ValueError("That address is too long to be a shop's.")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"{raw.strip()[:100]!r} is not a web address.") from None
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        raise ValueError("Enter the shop's address only, such as my-shop.myshopify.com.")
    host = (parts.hostname or "").rstrip(".")
    allowed = {h.lower() for h in settings.FETCH_ALLOWED_HOSTS}
    if port is not None:
        if f"{host}:{port}" in allowed:
            return f"{host}:{port}"
        raise ValueError("Enter the shop's address without a port.")
    if host in allowed:
        return host
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise ValueError(f"{host[:100]!r} is not a shop's address: use my-shop.myshopify.com or your shop's domain.")
    return host


def is_admin_host(domain: str) -> bool:
    """Can the Admin API be asked at this host? Shopify serves it at `<shop>.myshopify.com`; a local
    allow-listed fake in tests and demos stands in for it."""
    allowed = {h.lower() for h in settings.FETCH_ALLOWED_HOSTS}
    return domain.endswith(".myshopify.com") or domain in allowed


def admin_host_for(domain: str, *, fetcher: Fetcher) -> str:
    """The `<shop>.myshopify.com` host behind a shop's own domain: every Shopify storefront answers
    `/meta.json` with it (public, no token). Nothing secret is sent while finding it."""
    if is_admin_host(domain):
        return domain
    url = f"{settings.SHOPIFY_ADMIN_SCHEME}://{domain}/meta.json"
    try:
        page = fetcher.get(url, headers={"Accept": "application/json"})
    except FetchError as exc:
        raise StoreError(f"{domain} could not be reached: {exc.message}") from None
    try:
        found = str(json.loads(page.text).get("myshopify_domain") or "").lower().strip()
    except (ValueError, AttributeError):
        found = ""
    try:
        valid = found.endswith(".myshopify.com") and clean_shop_domain(found) == found
    except ValueError:
        valid = False
    if page.status_code != 200 or not valid:
        raise StoreError(
            f"{domain} does not look like a Shopify store (it does not name its myshopify.com address). "
            "Enter the my-shop.myshopify.com address shown in your Shopify admin."
        )
    return found


# --- what the API gives ---------------------------------------------------------------------------------


@dataclass
class StoreVariantData:
    variant_id: str
    title: str
    sku: str
    price: Decimal | None


@dataclass
class StoreProductData:
    product_id: str
    title: str
    tags: list[str]
    variants: list[StoreVariantData] = field(default_factory=list)


def _price(value) -> Decimal | None:
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return price if price.is_finite() and Decimal(0) <= price < Decimal("1e12") else None


def _text(value, limit: int) -> str:
    if not isinstance(value, str | int | float):
        return ""
    return str(value).replace("\x00", "").strip()[:limit]  # PostgreSQL refuses NUL in text


def _id(value) -> str:
    """A Shopify id: digits, short enough for the column (a 64-bit integer has 20 digits at most)."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return text if text.isascii() and text.isdigit() and len(text) <= 20 else ""


def parse_product(raw: dict) -> StoreProductData | None:
    """One product of `products.json`; None when it has no usable id (never trusted blindly)."""
    if not isinstance(raw, dict) or not _id(raw.get("id")):
        return None
    tags_raw = raw.get("tags") or ""
    tags_list = tags_raw.split(",") if isinstance(tags_raw, str) else tags_raw if isinstance(tags_raw, list) else []
    tags = [t for t in (_text(t, 2100) for t in tags_list) if t]
    product = StoreProductData(product_id=_id(raw["id"]), title=_text(raw.get("title"), 500), tags=tags)
    variants = raw.get("variants")
    for v in variants if isinstance(variants, list) else []:
        if isinstance(v, dict) and _id(v.get("id")):
            product.variants.append(
                StoreVariantData(
                    variant_id=_id(v["id"]),
                    title=_text(v.get("title"), 300),
                    sku=_text(v.get("sku"), 255),
                    price=_price(v.get("price")),
                )
            )
    return product


def next_page_url(link_header: str) -> str:
    match = _LINK_NEXT.search(link_header or "")
    return match.group(1) if match else ""


def bucket_wait(call_limit: str) -> float:
    """Seconds to wait so the next call finds room in the shop's bucket ("used/size"); 0 when it has room."""
    try:
        used, size = (int(x) for x in call_limit.split("/"))
    except (ValueError, AttributeError):
        return 0.0
    over = used - (size - BUCKET_HEADROOM) + 1
    return max(0.0, over / LEAK_PER_SECOND)


# --- the client -----------------------------------------------------------------------------------------


class _PerShopLimiter:
    """The fetcher's limiter, keyed by the whole shop host: Shopify's bucket is per shop, and the shared
    limiter would count every *.myshopify.com shop as one site."""

    def __init__(self, inner):
        self.inner = inner

    @staticmethod
    def _key(host: str) -> str:
        return "shopify-admin-" + host.replace(".", "_")

    def reserve(self, host: str, max_wait: float) -> float:
        return self.inner.reserve(self._key(host), max_wait)

    def pause(self, host: str, seconds: float) -> None:
        self.inner.pause(self._key(host), seconds)


_fetcher: Fetcher | None = None
_fetcher_lock = threading.Lock()


def admin_fetcher() -> Fetcher:
    """The guarded fetcher for Admin API calls: no retries of its own (429s and their Retry-After are
    handled by AdminApi, which knows Shopify's headers), a per-shop pace."""
    global _fetcher
    with _fetcher_lock:
        if _fetcher is None:
            _fetcher = Fetcher(
                allowed_hosts=settings.FETCH_ALLOWED_HOSTS,
                user_agent="Dropwatch (read-only catalogue sync)",
                proxy=settings.FETCH_PROXY,
                total_timeout=settings.FETCH_TOTAL_TIMEOUT,
                max_bytes=settings.FETCH_MAX_BYTES,
                max_retries=0,
                limiter=_PerShopLimiter(make_limiter(settings.STORES_REQUEST_INTERVAL, settings.REDIS_URL)),
            )
        return _fetcher


def reset_admin_fetcher() -> None:
    global _fetcher
    with _fetcher_lock:
        _fetcher = None


class AdminApi:
    def __init__(self, *, shop_domain: str, token: str, fetcher: Fetcher | None = None, sleep=time.sleep):
        self.shop_domain = shop_domain
        self.token = token
        self.fetcher = fetcher or admin_fetcher()
        self.sleep = sleep
        self.base = f"{settings.SHOPIFY_ADMIN_SCHEME}://{shop_domain}/admin/api/{settings.SHOPIFY_API_VERSION}"
        self.calls = 0

    # --- endpoints ---
    def shop(self) -> dict:
        data = self._get_json(f"{self.base}/shop.json")
        shop = data.get("shop") if isinstance(data, dict) else None
        if not isinstance(shop, dict):
            raise StoreError("Shopify's answer about the shop was not understood.")
        return shop

    def products(self) -> Iterator[StoreProductData]:
        """Every product, page by page, following the `Link: <…page_info=…>; rel="next"` cursor."""
        url = f"{self.base}/products.json?limit={PAGE_SIZE}"
        for _page in range(MAX_PAGES):
            data, headers = self._get(url)
            items = data.get("products") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise StoreError("Shopify's product list was not understood.")
            for raw in items:
                product = parse_product(raw)
                if product is not None:
                    yield product
            url = next_page_url(headers.get("link", ""))
            if not url:
                return
            self._same_shop(url)
        raise StoreError(f"The store has more than {MAX_PAGES * PAGE_SIZE:,} products; only those were read.")

    def supplier_url_metafield(self, product_id: str) -> str:
        """The supplier address kept in the product's metafield (`dropwatch` or `dsers` . `supplier_url`)."""
        data = self._get_json(f"{self.base}/products/{product_id}/metafields.json")
        for item in data.get("metafields") or [] if isinstance(data, dict) else []:
            if (
                isinstance(item, dict)
                and item.get("namespace") in METAFIELD_NAMESPACES
                and item.get("key") == METAFIELD_KEY
                and isinstance(item.get("value"), str)
            ):
                return item["value"].strip()
        return ""

    # --- plumbing ---
    def _same_shop(self, url: str) -> None:
        """A next-page link goes back to the same shop's Admin API, or the token is not sent."""
        parts = urlsplit(url)
        if parts.netloc.lower() != self.shop_domain or not parts.path.startswith("/admin/api/"):
            raise StoreError("Shopify's next-page link points somewhere else; the sync stopped there.")

    def _get_json(self, url: str):
        return self._get(url)[0]

    def _get(self, url: str) -> tuple[object, dict]:
        headers = {"X-Shopify-Access-Token": self.token, "Accept": "application/json"}
        for _attempt in range(MAX_THROTTLE_RETRIES + 1):
            try:
                page = self.fetcher.get(url, headers=headers, follow_redirects=False)
            except FetchError as exc:
                raise StoreError(f"Shopify could not be reached: {exc.message}") from None
            self.calls += 1
            if page.status_code == 429:
                wait = _seconds(page.headers.get("retry-after", "")) or 2.0
                if wait > MAX_RETRY_AFTER:
                    raise StoreError(f"Shopify asked us to wait {wait:.0f} s; the next sync will try again.")
                self.sleep(wait)
                continue
            self._raise_for(page)
            wait = bucket_wait(page.headers.get("x-shopify-shop-api-call-limit", ""))
            if wait:
                self.sleep(wait)
            try:
                return json.loads(page.text), page.headers
            except ValueError:
                raise StoreError("Shopify's answer was not JSON; the next sync will try again.") from None
        raise StoreError("Shopify kept asking us to slow down (HTTP 429); the next sync will try again.")

    def _raise_for(self, page) -> None:
        code = page.status_code
        if code == 200:
            return
        if code == 401:
            raise StoreError(
                "Shopify refused the access token (it was revoked, or the app was uninstalled): "
                "create a new token and connect again. What was imported is kept.",
                kind="token_refused",
            )
        if code == 403:
            raise StoreError(
                "Shopify says the token lacks a permission: give the custom app the read_products scope.",
                kind="scope_missing",
            )
        if code == 402:
            raise StoreError("Shopify says the store is frozen (unpaid plan); nothing could be read.")
        if code == 423:
            raise StoreError("Shopify says the store is locked; nothing could be read.")
        if code == 404:
            raise StoreError(f"Shopify does not know a store at {self.shop_domain}.")
        if 300 <= code < 400:
            raise StoreError(
                f"{self.shop_domain} redirected the Admin API elsewhere; enter the my-shop.myshopify.com address."
            )
        if code >= 500:
            raise StoreError(f"Shopify answered with an error (HTTP {code}); the next sync will try again.")
        raise StoreError(f"Shopify answered HTTP {code}; nothing could be read.")


def _seconds(value: str) -> float | None:
    try:
        seconds = float(value.strip())
    except (ValueError, AttributeError):
        return None
    return seconds if 0 <= seconds < 86400 else None
