"""The store connections in the REST API (/api/v1/stores): read them and their unmapped variants, ask for a
sync. Connecting needs the token typed into the page (and so stays there): the API never sees it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from api.schemas import Error, page_of

from . import selectors
from .models import StoreConnection
from .services import store_sync_queue

ERRORS = {401: Error, 404: Error, 422: Error, 429: Error}
MAX_PAGE_SIZE = 200

stores = Router(tags=["stores"])


class StoreOut(Schema):
    id: int
    platform: str
    shop_domain: str
    shop_name: str
    currency: str
    token_hint: str  # the token's last four characters, never more
    status: str
    status_message: str
    last_attempt_at: datetime | None
    last_sync_at: datetime | None


class StoreVariantOut(Schema):
    id: int
    store_id: int
    store_product_id: str
    variant_id: str
    title: str
    sku: str
    price: Decimal | None
    currency: str
    supplier_url: str
    mapping_note: str
    product_id: int | None


class SyncQueuedOut(Schema):
    message: str


StorePage = page_of(StoreOut, "StorePage")
StoreVariantPage = page_of(StoreVariantOut, "StoreVariantPage")


def _variant_out(v) -> dict:
    return {
        "id": v.pk,
        "store_id": v.connection_id,
        "store_product_id": v.store_product_id,
        "variant_id": v.variant_id,
        "title": v.title,
        "sku": v.sku,
        "price": v.price,
        "currency": v.currency,
        "supplier_url": v.supplier_url,
        "mapping_note": v.mapping_note,
        "product_id": v.product_id,
    }


def _page(qs, page: int, page_size: int, serialize=lambda r: r) -> dict:
    page = max(1, min(page, 1_000_000))
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": [serialize(r) for r in qs[start : start + page_size]],
    }


@stores.get("", response={200: StorePage, **ERRORS}, operation_id="store_list")
def store_list(request, page: int = 1, page_size: int = 50):
    """Your connected stores, their sync status and its message."""
    return _page(selectors.connections_for(request.auth), page, page_size)


@stores.get("/unmapped", response={200: StoreVariantPage, **ERRORS}, operation_id="store_unmapped")
def store_unmapped(request, page: int = 1, page_size: int = 50):
    """Store variants no product watches yet (map them on the Unmapped page, or add the product by URL)."""
    return _page(selectors.unmapped_for(request.auth), page, page_size, _variant_out)


@stores.post("/{int:store_id}/sync", response={200: SyncQueuedOut, **ERRORS}, operation_id="store_sync")
def store_sync(request, store_id: int):
    """Ask for a sync now (it runs on a worker; read the store's status afterwards)."""
    connection = get_object_or_404(StoreConnection, pk=store_id, owner=request.auth)
    return {"message": store_sync_queue(connection=connection)}
