"""Which shop platform a URL belongs to, and the ids we can read from the URL itself."""

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models


class Platform(models.TextChoices):
    ALIEXPRESS = "aliexpress", "AliExpress"
    SHOPIFY = "shopify", "Shopify"
    STRUCTURED = "structured", "Other shop (schema.org data)"


# Platforms whose store pages an adapter can read (the others' stores are known through their products).
STORE_PAGE_PLATFORMS = {"aliexpress"}

_ALIEXPRESS_HOST = re.compile(r"(^|\.)aliexpress\.(com|us|ru)$|(^|\.)aliexpress\.[a-z]{2,3}(\.[a-z]{2})?$")
_ALIEXPRESS_ITEM = re.compile(r"/item/(?:[^/]*?/)?(\d{6,})\.html")
_ALIEXPRESS_STORE = re.compile(r"/store/(?:[a-z-]+/)?(\d+)")
_SHOPIFY_PRODUCT = re.compile(r"/products/([A-Za-z0-9][A-Za-z0-9\-_.%]*?)(?:\.json|\.js|\.oembed)?/?$")

_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
_http_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class UrlInfo:
    url: str  # normalised: scheme and host lower-cased, fragment dropped
    platform: str
    product_id: str = ""
    store_id: str = ""


def clean_shop_url(raw: str) -> str:
    """Return a normalised http(s) URL or raise ValidationError with a message a user can act on."""
    value = (raw or "").strip()
    if not value:
        raise ValidationError("Enter the address of the page, starting with https://")
    if not _HAS_SCHEME.match(value) and "." in value.split("/")[0]:
        value = "https://" + value  # people paste "aliexpress.com/item/..." without a scheme
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError for a port that is out of range or not a number
    except ValueError:
        raise ValidationError(f"{raw.strip()[:200]!r} is not a valid web address.") from None
    if parts.scheme.lower() not in ("http", "https"):
        if parts.scheme:
            raise ValidationError(
                f"Only http:// and https:// addresses can be watched (this one starts with “{parts.scheme[:20]}:”)."
            )
        raise ValidationError(
            "Only http:// and https:// addresses can be watched: enter the whole address, such as "
            "https://shop.example/products/mug"
        )
    if parts.username or parts.password:
        raise ValidationError("Remove the user name and password from the address.")
    try:
        _http_url(value)
    except ValidationError:
        raise ValidationError(f"{raw.strip()[:200]!r} is not a valid web address.") from None
    host = (parts.hostname or "").lower()
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def is_aliexpress_host(host: str) -> bool:
    return bool(_ALIEXPRESS_HOST.search(host.lower()))


def detect(url: str) -> UrlInfo:
    """Recognise the platform from a normalised URL (AliExpress, Shopify, or any other shop)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path
    if is_aliexpress_host(host):
        item = _ALIEXPRESS_ITEM.search(path)
        store = _ALIEXPRESS_STORE.search(path)
        return UrlInfo(
            url,
            Platform.ALIEXPRESS,
            product_id=item.group(1) if item else "",
            store_id=store.group(1) if store else "",
        )
    # "/products/<handle>" is Shopify's product path (also under /collections/...). Other shops use it
    # too: the Shopify adapter falls back to schema.org data when the .json endpoint is not there.
    shopify = _SHOPIFY_PRODUCT.search(path)
    if shopify or host.endswith(".myshopify.com"):
        return UrlInfo(url, Platform.SHOPIFY, product_id=shopify.group(1) if shopify else "")
    return UrlInfo(url, Platform.STRUCTURED)


# Query parameters that name one variant of a listing: AliExpress `skuId`, Shopify (and many shops) `variant`.
VARIANT_PARAMS = ("skuid", "sku_id", "variant")


def split_variant(url: str) -> tuple[str, str]:
    """The listing's address without the parameter that picks a variant, and that variant's id ("" if none).
    Products selling different variants of one listing share its address, so one fetch serves them all."""
    parts = urlsplit(url)
    kept, variant = [], ""
    for pair in parts.query.split("&") if parts.query else []:
        name, _, value = pair.partition("=")
        if name.lower() in VARIANT_PARAMS and value and not variant:
            variant = unquote(value)[:128]
        else:
            kept.append(pair)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), "")), variant


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
