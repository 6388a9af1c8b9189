"""Reads for the store pages, always through the owner."""

from .models import StoreConnection, StoreVariant


def connections_for(owner):
    return StoreConnection.objects.filter(owner=owner)


def unmapped_for(owner):
    """The owner's live store variants that no product watches yet."""
    return (
        StoreVariant.objects.filter(owner=owner, product__isnull=True, gone_at__isnull=True)
        .select_related("connection")
        .order_by("connection_id", "product_title", "variant_title", "id")
    )


def mapped_for(owner):
    return StoreVariant.objects.filter(owner=owner, product__isnull=False).select_related("product", "connection")
