"""One sync of a user's store: read its whole catalogue (stores.shopify), then record each variant, map the
ones whose store product names its supplier listing, and keep the mapped products' selling prices in step.

Reading comes first and writing after: a sync cut short (a refused token, Shopify down, a 429 that lasts)
records the failure on the connection and changes nothing else, so nothing imported is lost and nothing is
marked gone because a page was missing. A variant the store no longer has is marked gone; its Dropwatch
product, its mapping and the product's history stay. Nothing is ever written to the store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import settings_for
from monitoring.costs import keep_landed, product_landed_cost_now
from suppliers import intake, platforms
from suppliers.models import Product
from suppliers.services import DuplicateError, product_create

from . import secrets
from .models import StoreConnection, StoreVariant, SyncStatus
from .shopify import AdminApi, StoreError, StoreProductData

log = logging.getLogger(__name__)

SUPPLIER_TAG = "supplier:"
# Metafields cost one call per product: looked up only for products whose tags name no supplier and that
# are not mapped yet, at most this many per sync (a big first import finishes over a few daily syncs).
METAFIELD_LOOKUPS_PER_SYNC = 100


@dataclass
class SyncResult:
    ok: bool
    message: str
    products: int = 0
    variants: int = 0
    mapped_now: int = 0
    prices_updated: int = 0
    gone: int = 0
    unmapped: int = 0


def supplier_url_from_tags(tags: list[str]) -> str:
    for tag in tags:
        if tag.lower().startswith(SUPPLIER_TAG):
            return tag[len(SUPPLIER_TAG) :].strip()
    return ""


def clean_supplier_url(raw: str) -> tuple[str, str]:
    """(the address, "") when the store's supplier address can be watched; ("", why not) otherwise."""
    if not raw:
        return "", ""
    try:
        url = intake.clean_url(raw)
    except ValidationError as exc:
        return "", f"The supplier address the store names is not usable: {' '.join(exc.messages)}"
    refused = intake.refused_host(url)
    if refused:
        return "", f"The supplier address the store names is not watched: {refused}"
    return url, ""


def _fail(connection: StoreConnection, *, status: str, message: str, now) -> SyncResult:
    StoreConnection.objects.filter(pk=connection.pk).update(
        status=status, status_message=message[:500], last_attempt_at=now
    )
    return SyncResult(ok=False, message=message)


def store_sync(*, connection: StoreConnection, api: AdminApi | None = None, now=None) -> SyncResult:
    """Sync one connection; never raises: every failure is the connection's status and message."""
    now = now or timezone.now()
    try:
        return _store_sync(connection=connection, api=api, now=now)
    except Exception as exc:  # a bug or a database error must not stop the other connections' syncs
        log.exception("sync of store connection %s failed", connection.pk)
        message = f"The sync failed unexpectedly ({type(exc).__name__}); the next sync will try again."
        return _fail(connection, status=SyncStatus.ERROR, message=message, now=now)


def stores_sync_all(*, now=None) -> dict[int, SyncResult]:
    """Every connection, one after the other (the management command; beat fans out per connection)."""
    return {c.pk: store_sync(connection=c, now=now) for c in StoreConnection.objects.select_related("owner")}


def _store_sync(*, connection: StoreConnection, api: AdminApi | None, now) -> SyncResult:
    try:
        token = secrets.unseal(connection.token_sealed)
    except secrets.SecretUnreadable as exc:
        return _fail(connection, status=SyncStatus.TOKEN_REFUSED, message=str(exc), now=now)
    api = api or AdminApi(shop_domain=connection.shop_domain, token=token)
    known, checked = set(), {}
    for pid, mapped, at in StoreVariant.objects.filter(connection=connection).values_list(
        "store_product_id", "product_id", "metafield_checked_at"
    ):
        if mapped is not None:
            known.add(pid)
        if at is not None:
            checked[pid] = min(at, checked.get(pid, at))
    try:
        shop = api.shop()
        products = list(api.products())
        metafield_urls, looked_up = _metafield_urls(api, products, mapped_products=known, checked=checked)
    except StoreError as exc:
        return _fail(connection, status=exc.kind, message=exc.message, now=now)
    currency = _currency(shop)
    with transaction.atomic():
        locked = StoreConnection.objects.select_for_update().get(pk=connection.pk)
        result = _record(locked, products, metafield_urls, currency=currency, now=now)
        StoreVariant.objects.filter(connection=locked, store_product_id__in=looked_up).update(metafield_checked_at=now)
        locked.status = SyncStatus.OK
        locked.status_message = result.message[:500]
        locked.last_attempt_at = locked.last_sync_at = now
        locked.shop_name = str(shop.get("name") or locked.shop_name)[:255]
        locked.currency = currency
        if secrets.needs_reseal(locked.token_sealed):
            locked.token_sealed = secrets.seal(token)
        locked.save()
    return result


def _currency(shop: dict) -> str:
    try:
        return intake.clean_currency(str(shop.get("currency") or ""))
    except ValidationError:
        return ""


def _metafield_urls(
    api: AdminApi, products: list[StoreProductData], *, mapped_products: set[str], checked: dict
) -> tuple[dict[str, str], set[str]]:
    """The supplier addresses in metafields of the products that need one, never read ones first, then the
    longest unread (so a large catalogue is covered over successive syncs); and which products were read."""
    todo = [
        p.product_id for p in products if not supplier_url_from_tags(p.tags) and p.product_id not in mapped_products
    ]
    todo.sort(key=lambda pid: (pid in checked, checked.get(pid) or 0))
    urls = {}
    looked_up = set(todo[:METAFIELD_LOOKUPS_PER_SYNC])
    for pid in todo[:METAFIELD_LOOKUPS_PER_SYNC]:
        found = api.supplier_url_metafield(pid)
        if found:
            urls[pid] = found
    return urls, looked_up


def _record(connection, products, metafield_urls, *, currency: str, now) -> SyncResult:
    owner = connection.owner
    rows = {v.variant_id: v for v in StoreVariant.objects.filter(connection=connection).select_related("product")}
    seen: set[str] = set()
    result = SyncResult(ok=True, message="", products=len(products))
    for product in products:
        raw_url = supplier_url_from_tags(product.tags) or metafield_urls.get(product.product_id, "")
        supplier_url, note = clean_supplier_url(raw_url)
        live = [v for v in product.variants if v.variant_id not in seen]
        fresh = set()  # rows new in this sync, or whose supplier address changed: the ones mapped automatically
        for variant in live:
            seen.add(variant.variant_id)
            row = rows.get(variant.variant_id)
            if row is None:
                row = StoreVariant(connection=connection, owner=owner, variant_id=variant.variant_id)
                fresh.add(variant.variant_id)
            elif supplier_url and supplier_url != row.supplier_url:
                fresh.add(variant.variant_id)
            row.store_product_id = product.product_id
            row.product_title = product.title
            row.variant_title = variant.title
            row.sku = variant.sku
            row.price = variant.price
            row.currency = currency
            if supplier_url or raw_url:  # a store that drops the tag keeps the address it gave before
                row.supplier_url = supplier_url
            row.mapping_note = note
            row.seen_at = now
            row.gone_at = None
            row.save()
            rows[variant.variant_id] = row
        result.variants += len(live)
        by_product = [rows[v.variant_id] for v in live]
        result.mapped_now += _map_automatically(owner, by_product, fresh=fresh)
    for row in rows.values():
        if row.variant_id not in seen and row.gone_at is None:
            row.gone_at = now
            row.save(update_fields=["gone_at"])
            result.gone += 1
    prefs = settings_for(owner)
    for row in rows.values():
        if row.gone_at is None and row.product is not None and price_sync(row, prefs=prefs):
            result.prices_updated += 1
    result.unmapped = sum(1 for r in rows.values() if r.gone_at is None and r.product is None)
    result.message = (
        f"Read {result.products} product{'s' * (result.products != 1)} ({result.variants} variants): "
        f"{result.mapped_now} mapped now, {result.unmapped} unmapped, {result.gone} gone from the store, "
        f"{result.prices_updated} selling price{'s' * (result.prices_updated != 1)} updated."
    )
    return result


def _map_automatically(owner, rows: list[StoreVariant], *, fresh: set[str]) -> int:
    """Map a store product's variant to the product watching the supplier address it names. A store product
    with several variants names one address for all: which supplier variant each one is cannot be known,
    so those wait on the Unmapped page with the address filled in.

    Only a variant seen for the first time, or whose address changed, is mapped by itself: when the user
    deletes the product a sync created, the next sync must not bring it back."""
    todo = [r for r in rows if r.product_id is None and r.supplier_url and r.variant_id in fresh]
    if not todo:
        return 0
    if len(rows) > 1:
        for row in todo:
            row.mapping_note = f"This store product has {len(rows)} variants: pick the supplier's variant for each one."
            row.save(update_fields=["mapping_note"])
        return 0
    (row,) = todo
    url, variant_sku = platforms.split_variant(row.supplier_url)
    url = platforms.detect(url).url
    product = Product.objects.filter(owner=owner, url=url, variant_sku=variant_sku, backs_up__isnull=True).first()
    if product is not None and StoreVariant.objects.filter(product=product).exists():
        row.mapping_note = "Another store variant already sets the selling price of the product watching this address."
        row.save(update_fields=["mapping_note"])
        return 0
    if product is None:
        try:
            product = product_create(
                owner=owner,
                url=row.supplier_url,
                title=row.title[:500],
                my_price=row.price,
                my_currency=row.currency or intake.default_currency(owner),
            )
        except (DuplicateError, ValidationError, PermissionError) as exc:
            row.mapping_note = str(exc)[:500]
            row.save(update_fields=["mapping_note"])
            return 0
    row.product = product
    row.mapping_note = ""
    row.save(update_fields=["product", "mapping_note"])
    return 1


def price_sync(row: StoreVariant, *, prefs=None) -> bool:
    """The mapped product sells at the store variant's price: set `my_price` (and its currency) when they
    differ, and the landed margin that follows. True when something changed."""
    product = row.product
    if product is None or row.price is None or row.price <= 0 or not row.currency:
        return False
    if product.my_price == row.price and product.my_currency == row.currency:
        return False
    product.my_price = row.price
    product.my_currency = row.currency
    keep_landed(product, product_landed_cost_now(product, prefs or settings_for(product.owner)))
    product.save(update_fields=["my_price", "my_currency", "landed_cost", "landed_margin_pct"])
    return True
