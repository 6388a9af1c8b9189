"""Writes for the user's store connections. Plain functions with keyword-only arguments (`store_<action>`)."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from suppliers.models import Product

from . import secrets
from .models import StoreConnection, StoreVariant, SyncStatus
from .shopify import AdminApi, StoreError, admin_fetcher, admin_host_for, clean_shop_domain
from .sync import price_sync
from .tasks import sync_one

log = logging.getLogger(__name__)

MIN_TOKEN = 16
MAX_TOKEN = 255


def clean_token(raw: str) -> str:
    token = (raw or "").strip()
    if not token:
        raise ValidationError("Paste the Admin API access token of your custom app (it starts with shpat_).")
    if not (MIN_TOKEN <= len(token) <= MAX_TOKEN) or not token.isascii() or any(c.isspace() for c in token):
        raise ValidationError("That does not look like an Admin API access token (it starts with shpat_).")
    return token


def store_connect(*, owner, domain: str, token: str, api_factory=AdminApi) -> StoreConnection:
    """Check the address and the token with one read of the shop (its name and currency), then save the
    connection. A refused token or an unknown shop is a ValidationError with Shopify's reason in words."""
    try:
        entered = clean_shop_domain(domain)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    token = clean_token(token)
    try:
        host = admin_host_for(entered, fetcher=admin_fetcher())
        shop = api_factory(shop_domain=host, token=token).shop()
    except StoreError as exc:
        raise ValidationError(exc.message) from None
    if StoreConnection.objects.filter(owner=owner, platform="shopify", shop_domain=host).exists():
        raise ValidationError(f"{host} is already connected.")
    currency = str(shop.get("currency") or "")[:3].upper()
    try:
        with transaction.atomic():
            return StoreConnection.objects.create(
                owner=owner,
                shop_domain=host,
                entered_domain=entered,
                shop_name=str(shop.get("name") or "")[:255],
                currency=currency if currency.isalpha() else "",
                token_sealed=secrets.seal(token),
                token_last4=secrets.last4(token),
                status=SyncStatus.NEW,
                status_message="Connected; the first sync is on its way.",
            )
    except IntegrityError:
        raise ValidationError(f"{host} is already connected.") from None


def store_disconnect(*, connection: StoreConnection) -> None:
    """Forget the connection, its token and its variant rows. The Dropwatch products it mapped stay, with
    their prices and history: they are the user's, not the store's."""
    connection.delete()


def store_variant_map(*, variant: StoreVariant, product: Product) -> None:
    """Map a store variant to one of the owner's products (after the add preview) and take its price."""
    if product.owner_id != variant.owner_id:
        raise PermissionError("That product belongs to someone else.")
    if product.backs_up_id is not None:
        raise ValidationError("That is a backup source: map the store variant to the product it backs up.")
    if StoreVariant.objects.filter(product=product).exclude(pk=variant.pk).exists():
        raise ValidationError("Another store variant already sets this product's selling price.")
    variant.product = product
    variant.mapping_note = ""
    variant.save(update_fields=["product", "mapping_note"])
    price_sync(variant)


def store_sync_queue(*, connection: StoreConnection) -> str:
    """Ask a worker to sync the store ("sync now"); the daily sync catches up when the queue is down."""
    try:
        sync_one.apply_async(args=[connection.pk])
    except Exception:  # the broker down must not turn "sync now" into an error page
        log.exception("could not queue the sync of store connection %s", connection.pk)
        return "The task queue is not reachable: the daily sync will read the store."
    return "A sync is on its way: refresh this page in a minute."
