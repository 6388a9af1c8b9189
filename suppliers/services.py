"""Writes to the catalogue. Plain functions with keyword-only arguments (`<entity>_<action>`)."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import platforms
from .models import Product, Supplier


class DuplicateError(ValueError):
    """The user already watches this item."""


def supplier_create(
    *,
    owner,
    name: str,
    platform: str = "",
    store_url: str = "",
    platform_store_id: str = "",
    notes: str = "",
    test_order_cadence_days: int = 90,
    check_interval=None,
) -> Supplier:
    if store_url:
        info = platforms.detect(platforms.clean_shop_url(store_url))
        store_url = info.url
        platform = platform or info.platform
        platform_store_id = platform_store_id or info.store_id
    try:
        with transaction.atomic():
            return Supplier.objects.create(
                owner=owner,
                name=name,
                platform=platform or platforms.Platform.STRUCTURED,
                store_url=store_url,
                platform_store_id=platform_store_id,
                notes=notes,
                test_order_cadence_days=test_order_cadence_days,
                **({"check_interval": check_interval} if check_interval else {}),
                # A store page the adapter can read is checked by the tick; otherwise the supplier's
                # metrics come from its products' pages.
                next_check_at=_store_check_start(platform, store_url),
            )
    except IntegrityError:
        raise DuplicateError(f"You already watch the store {platform_store_id}.") from None


def supplier_for_store(*, owner, platform: str, store_id: str, name: str = "", store_url: str = "") -> Supplier:
    """The owner's supplier for a store seen on a product page, created on first sight. The store URL is
    scraped text: it is kept only when it is a valid http(s) address."""
    try:
        store_url = platforms.clean_shop_url(store_url) if store_url else ""
    except ValidationError:
        store_url = ""
    supplier = Supplier.objects.filter(owner=owner, platform=platform, platform_store_id=store_id).first()
    if supplier:
        return supplier
    try:
        with transaction.atomic():
            return Supplier.objects.create(
                owner=owner,
                platform=platform,
                platform_store_id=store_id,
                name=name or f"Store {store_id}",
                store_url=store_url,
                next_check_at=_store_check_start(platform, store_url),
            )
    except IntegrityError:  # created meanwhile by a concurrent check
        return Supplier.objects.get(owner=owner, platform=platform, platform_store_id=store_id)


def _store_check_start(platform: str, store_url: str):
    return timezone.now() if store_url and platform in platforms.STORE_PAGE_PLATFORMS else None


ALTERNATIVE_INTERVAL = timedelta(hours=24)  # a backup source is checked daily
PRIMARY_INTERVAL = timedelta(hours=6)


def product_create(
    *,
    owner,
    url: str,
    platform: str = "",
    supplier: Supplier | None = None,
    title: str = "",
    my_price: Decimal | None = None,
    my_currency: str = "USD",
    shipping_cost: Decimal | None = None,
    variant_sku: str = "",
    backs_up: Product | None = None,
    price_selector: str = "",
) -> Product:
    """Add a product to watch (or, with `backs_up`, a backup source of one of the user's products: checked
    every 24 h, findings-free until promoted, selling at the product's price). It is due at once: the next
    tick (or "check now") reads it. A variant named in the address (skuId=, variant=) is the one watched
    unless `variant_sku` says otherwise."""
    url, named = platforms.split_variant(platforms.clean_shop_url(url))
    variant_sku = (variant_sku or named).strip()[:128]
    info = platforms.detect(url)
    if supplier is not None and supplier.owner_id != owner.pk:
        raise PermissionError("That supplier belongs to someone else.")
    extra = {}
    if backs_up is not None:
        if backs_up.owner_id != owner.pk:
            raise PermissionError("That product belongs to someone else.")
        if backs_up.backs_up_id is not None:
            backs_up = backs_up.backs_up  # a backup of a backup backs up the same product
        extra = {"backs_up": backs_up, "check_interval": ALTERNATIVE_INTERVAL}
        my_price, my_currency = backs_up.my_price, backs_up.my_currency
    try:
        with transaction.atomic():
            return Product.objects.create(
                owner=owner,
                url=info.url,
                host=platforms.host_of(info.url),
                platform=platform or info.platform,
                platform_product_id=info.product_id,
                supplier=supplier,
                title=title,
                my_price=my_price,
                my_currency=(my_currency or "").upper(),
                shipping_cost=shipping_cost,
                variant_sku=variant_sku,
                price_selector=price_selector,
                next_check_at=timezone.now(),
                **extra,
            )
    except IntegrityError:
        what = f"variant {variant_sku} of this product" if variant_sku else "this product"
        raise DuplicateError(f"You already watch {what}.") from None


def product_update_url(*, product: Product, url: str, platform: str = "") -> None:
    url, named = platforms.split_variant(platforms.clean_shop_url(url))
    info = platforms.detect(url)
    if named and not product.variant_sku:
        product.variant_sku = named
    product.url = info.url
    product.host = platforms.host_of(info.url)
    product.platform = platform or info.platform
    product.platform_product_id = info.product_id


def product_price_selector_changed(*, product: Product, previous: str) -> None:
    """The price is read another way from now on (the user's selector, or automatically again): it may read
    another number on the same page, which is not a price change, so the price baseline starts again."""
    if (product.price_selector or "") == (previous or ""):
        return
    product.baseline_since = {**(product.baseline_since or {}), "price": timezone.now().isoformat()}


def product_variant_changed(*, product: Product, previous: str) -> None:
    """Another variant is watched from now on: its price, stock and shipping start their own baselines."""
    if (product.variant_sku or "") == (previous or ""):
        return
    now = timezone.now().isoformat()
    product.baseline_since = {**(product.baseline_since or {}), "price": now, "shipping": now, "low_stock": now}
    chosen = next((v for v in product.variants or [] if v.get("id") == product.variant_sku), None)
    product.variant_name = (chosen or {}).get("name") or ""
