"""Writes to the test-order log: plain functions with keyword-only arguments (`order_<action>`).

Every write validates the order as the forms do and refreshes the supplier's trust score, which counts
its test orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from monitoring.detect.trust import supplier_trust_update
from suppliers.models import Supplier

from .models import (
    AWAITING_DELIVERY,
    Order,
    OrderPhoto,
    OrderStatus,
)
from .photos import PhotoFiles, ValidatedPhoto, delete_files_on_commit, store_photos
from .selectors import protection_end_default


class OrderStateError(ValueError):
    """That step does not apply to the order in its current state (the message says why)."""


# --- Services -------------------------------------------------------------------------------------


def _trust_refresh(supplier: Supplier) -> None:
    """The supplier's trust score counts its test orders: recompute it after every change to them."""
    supplier_trust_update(supplier=supplier, now=timezone.now())


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("supplier", "product").get(pk=order.pk)


def _save(order: Order) -> Order:
    order.full_clean()  # the same rules as the forms: a service never writes a date that cannot be true
    order.save()
    return order


def order_create(
    *,
    owner,
    supplier: Supplier,
    ordered_on: date,
    product=None,
    order_number: str = "",
    amount_paid: Decimal | None = None,
    currency: str = "USD",
    shipping_method: str = "",
    tracking_number: str = "",
    promised_from: date | None = None,
    promised_to: date | None = None,
    protection_ends_on: date | None = None,
    notes: str = "",
) -> Order:
    """Log a test order. Without `protection_ends_on`, protection ends the platform's days after `ordered_on`."""
    if protection_ends_on is None:
        protection_ends_on = protection_end_default(platform=supplier.platform, ordered_on=ordered_on)
    order = Order(
        owner=owner,
        supplier=supplier,
        product=product,
        ordered_on=ordered_on,
        order_number=order_number.strip(),
        amount_paid=amount_paid,
        currency=(currency or "").strip().upper(),
        shipping_method=shipping_method.strip(),
        tracking_number=tracking_number.strip(),
        promised_from=promised_from,
        promised_to=promised_to,
        protection_ends_on=protection_ends_on,
        notes=notes,
    )
    with transaction.atomic():
        _save(order)
        _trust_refresh(supplier)
        return order


EDITABLE_FIELDS = (
    "product",
    "ordered_on",
    "order_number",
    "amount_paid",
    "currency",
    "shipping_method",
    "tracking_number",
    "promised_from",
    "promised_to",
    "protection_ends_on",
    "notes",
    # The seller's requests can come at any time (a dispute is often after the check): correctable here too.
    "extra_fees_asked",
    "off_platform_payment_asked",
    "close_dispute_asked",
    "confirm_early_asked",
    "partial_refund_asked",
)


def order_update(*, order: Order, **changes) -> Order:
    """Correct the facts of an order (not its status). An empty `protection_ends_on` means the default again."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"test_order_update() cannot change {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = _locked(order)
        for field, value in changes.items():
            setattr(locked, field, value)
        if "currency" in changes:
            locked.currency = (locked.currency or "").strip().upper()
        if locked.protection_ends_on is None:
            locked.protection_ends_on = protection_end_default(
                platform=locked.supplier.platform, ordered_on=locked.ordered_on
            )
        _save(locked)
        _trust_refresh(locked.supplier)
        return locked


def order_mark_shipped(*, order: Order, shipped_on: date, tracking_number: str | None = None) -> Order:
    """The seller shipped it. Also corrects the date of an order already marked shipped."""
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in (OrderStatus.ORDERED, OrderStatus.SHIPPED):
            raise OrderStateError(f"This order is already {locked.get_status_display().lower()}.")
        locked.shipped_on = shipped_on
        if tracking_number is not None:
            locked.tracking_number = tracking_number.strip()
        locked.status = OrderStatus.SHIPPED
        return _save(locked)


def order_mark_delivered(*, order: Order, delivered_on: date) -> Order:
    """It arrived (mark it only once it has: never confirm delivery before). Also corrects the date.

    An order awaiting delivery (ordered, shipped or lost) becomes "delivered"; a disputed, refunded or
    already checked order keeps its status and only gains the date.
    """
    with transaction.atomic():
        locked = _locked(order)
        locked.delivered_on = delivered_on
        if locked.status in AWAITING_DELIVERY:
            locked.status = OrderStatus.DELIVERED
        locked.lost_on = None  # it arrived after all
        _save(locked)
        _trust_refresh(locked.supplier)
        return locked


def order_record_check(
    *,
    order: Order,
    as_described: str,
    genuine: str,
    overall_score: int,
    outcome: str,
    works: str = "",
    dimensions_as_listed: str = "",
    packaging: str = "",
    tracking_was_real: str = "",
    extra_fees_asked: bool = False,
    off_platform_payment_asked: bool = False,
    close_dispute_asked: bool = False,
    confirm_early_asked: bool = False,
    partial_refund_asked: bool = False,
    communication: str = "",
    check_notes: str = "",
    photos: Sequence[ValidatedPhoto] = (),
) -> Order:
    """Record (or correct) the quality check on arrival, with its photos. All or nothing: a photo that
    cannot be stored leaves the order as it was and no file behind."""
    with PhotoFiles() as stored, transaction.atomic():
        locked = _locked(order)
        if locked.delivered_on is None:
            raise OrderStateError("Mark the order delivered first: check it once it has arrived.")
        locked.as_described = as_described
        locked.genuine = genuine
        locked.works = works
        locked.dimensions_as_listed = dimensions_as_listed
        locked.packaging = packaging
        locked.tracking_was_real = tracking_was_real
        locked.extra_fees_asked = extra_fees_asked
        locked.off_platform_payment_asked = off_platform_payment_asked
        locked.close_dispute_asked = close_dispute_asked
        locked.confirm_early_asked = confirm_early_asked
        locked.partial_refund_asked = partial_refund_asked
        locked.communication = communication
        locked.overall_score = overall_score
        locked.check_notes = check_notes
        locked.outcome = outcome
        locked.checked_at = timezone.now()
        if locked.status in (OrderStatus.DELIVERED, OrderStatus.CHECKED):
            locked.status = OrderStatus.CHECKED
        _save(locked)
        store_photos(order=locked, photos=photos, stored=stored)
        _trust_refresh(locked.supplier)
        return locked


def order_open_dispute(*, order: Order, disputed_on: date | None = None) -> Order:
    with transaction.atomic():
        locked = _locked(order)
        if locked.status in (OrderStatus.DISPUTED, OrderStatus.REFUNDED):
            raise OrderStateError(f"This order is already {locked.get_status_display().lower()}.")
        locked.status = OrderStatus.DISPUTED
        locked.disputed_on = disputed_on or timezone.localdate()
        _save(locked)
        _trust_refresh(locked.supplier)
        return locked


def order_mark_refunded(*, order: Order) -> Order:
    with transaction.atomic():
        locked = _locked(order)
        if locked.status == OrderStatus.REFUNDED:
            raise OrderStateError("This order is already refunded.")
        locked.status = OrderStatus.REFUNDED
        _save(locked)
        _trust_refresh(locked.supplier)
        return locked


def order_mark_lost(*, order: Order, lost_on: date | None = None) -> Order:
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in (OrderStatus.ORDERED, OrderStatus.SHIPPED):
            raise OrderStateError(f"This order is already {locked.get_status_display().lower()}.")
        locked.status = OrderStatus.LOST
        locked.lost_on = lost_on or timezone.localdate()
        _save(locked)
        _trust_refresh(locked.supplier)
        return locked


def order_photos_add(*, order: Order, photos: Sequence[ValidatedPhoto]) -> list[OrderPhoto]:
    """Keep photos as evidence. All or nothing."""
    with PhotoFiles() as stored, transaction.atomic():
        locked = _locked(order)
        return store_photos(order=locked, photos=photos, stored=stored)


def order_photo_delete(*, photo: OrderPhoto) -> None:
    with transaction.atomic():
        name = photo.image.name
        photo.delete()
        delete_files_on_commit([name])


def order_delete(*, order: Order) -> None:
    with transaction.atomic():
        supplier = order.supplier
        names = list(OrderPhoto.objects.filter(order=order).values_list("image", flat=True))
        order.delete()
        delete_files_on_commit(names)
        _trust_refresh(supplier)
