"""The test-order log: services (writes) and selectors (reads), as plain functions with keyword-only arguments.

Buyers' advice: order the product yourself first and again at regular intervals, keep records and photos,
never confirm delivery before it arrives, and open a dispute before buyer protection runs out.

**Cadence rule.** A supplier with a cadence of N days (0 = off) is due for a test order N days after its
last test order was placed (the latest `ordered_on`). If that last order *failed* — its check outcome is
"fail", or it was disputed, refunded or lost — the interval is halved (rounded up: 90 → 45, 7 → 4), so a
supplier that just let the user down is re-tested sooner. A supplier never tested is due from the day it
was added. Paused (inactive) suppliers are not listed as due.

**Buyer protection.** Each order carries its own `protection_ends_on`; when the user leaves it empty it is
the order date plus the platform's days from `settings.BUYER_PROTECTION_DAYS`.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import BooleanField, Case, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from .models import (
    AWAITING_DELIVERY,
    FAILED_Q,
    CheckOutcome,
    OrderStatus,
    Supplier,
    TestOrder,
    TestOrderPhoto,
)

# This module's functions are named test_order_*: tell pytest they are not tests, so a test module can
# import them by name (pytest collects any imported callable whose name starts with "test").
__test__ = False


class TestOrderStateError(ValueError):
    """That step does not apply to the order in its current state (the message says why)."""

    __test__ = False


# --- Buyer protection ---------------------------------------------------------------------------


def protection_days_for(*, platform: str) -> int:
    days = settings.BUYER_PROTECTION_DAYS
    return int(days.get(platform, days.get("structured", 30)))


def protection_end_default(*, platform: str, ordered_on: date) -> date:
    """The order date plus the platform's buyer-protection days."""
    return ordered_on + timedelta(days=protection_days_for(platform=platform))


# --- Photos -------------------------------------------------------------------------------------

PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
PHOTO_MAX_PIXELS = 50_000_000  # larger than any phone photo; refuses decompression bombs early
PHOTOS_PER_ORDER = 30


@dataclass(frozen=True)
class ValidatedPhoto:
    """An upload that `photo_validate` has decoded as a real image. Only it creates these."""

    __test__ = False

    upload: File
    content_type: str
    size: int
    width: int
    height: int


def _display_name(upload) -> str:
    name = PurePath(getattr(upload, "name", "") or "the file").name
    return name if len(name) <= 60 else name[:57] + "…"


def _size_text(size: int, *, round_up: bool) -> str:
    """Bytes for people; a file's size rounds up and a limit down, so "5.1 MB; at most 5.0 MB", never "5.0; 5.0"."""
    step = math.ceil if round_up else math.floor
    if size < 1024 * 1024:
        return f"{step(size / 1024)} KB"
    return f"{step(size * 10 / (1024 * 1024)) / 10:.1f} MB"


def photo_max_size_text() -> str:
    return _size_text(settings.TEST_ORDER_PHOTO_MAX_BYTES, round_up=False)


def photo_validate(upload) -> ValidatedPhoto:
    """Decode the upload with Pillow and return what it really is, or raise a ValidationError to show.

    The file name and the type the browser claims are ignored: only the content counts. Accepted: JPEG,
    PNG, WebP and GIF up to `settings.TEST_ORDER_PHOTO_MAX_BYTES`.
    """
    name = _display_name(upload)
    max_bytes = settings.TEST_ORDER_PHOTO_MAX_BYTES
    size = upload.size or 0
    if size <= 0:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    if size > max_bytes:
        raise ValidationError(
            f"“{name}” is {_size_text(size, round_up=True)}; a photo can be at most {photo_max_size_text()}.",
            code="too_large",
        )
    not_an_image = ValidationError(f"“{name}” is not a JPEG, PNG, WebP or GIF image.", code="not_an_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=list(PHOTO_FORMATS)) as image:
                image_format = image.format
                width, height = image.size
                if width * height > PHOTO_MAX_PIXELS:
                    raise ValidationError(f"“{name}” has too many pixels ({width} x {height}).", code="too_many_pixels")
                image.verify()
            # verify() checks the structure only; decoding the pixels catches truncated files.
            upload.seek(0)
            with Image.open(upload, formats=list(PHOTO_FORMATS)) as image:
                image.load()
    except ValidationError:
        raise
    except UnidentifiedImageError:
        raise not_an_image from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(f"“{name}” has too many pixels.", code="too_many_pixels") from None
    except Exception:  # any other decoder error on user input: damaged, truncated or crafted
        raise ValidationError(f"“{name}” is damaged or incomplete.", code="damaged") from None
    finally:
        upload.seek(0)
    if image_format not in PHOTO_FORMATS:  # pragma: no cover - Image.open(formats=...) already refuses
        raise not_an_image
    return ValidatedPhoto(
        upload=upload, content_type=PHOTO_FORMATS[image_format], size=size, width=width, height=height
    )


def _store_photos(*, order: TestOrder, photos: Sequence[ValidatedPhoto], stored: list[str]) -> list[TestOrderPhoto]:
    if order.photos.count() + len(photos) > PHOTOS_PER_ORDER:
        raise ValidationError(f"An order keeps at most {PHOTOS_PER_ORDER} photos.", code="too_many_photos")
    rows = []
    for photo in photos:
        if not isinstance(photo, ValidatedPhoto):
            raise TypeError("Pass photos through photo_validate() first.")
        row = TestOrderPhoto(
            order=order, content_type=photo.content_type, size=photo.size, width=photo.width, height=photo.height
        )
        row.image.save("photo", photo.upload, save=False)  # the name comes from photo_upload_to
        stored.append(row.image.name)
        row.save()
        rows.append(row)
    return rows


def _delete_files_on_commit(names: Iterable[str]) -> None:
    names = [n for n in names if n]
    if not names:
        return
    storage = TestOrderPhoto._meta.get_field("image").storage

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


class _PhotoFiles:
    """Files written inside a transaction are removed again when the transaction does not commit."""

    def __init__(self):
        self.stored: list[str] = []

    def __enter__(self):
        return self.stored

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            storage = TestOrderPhoto._meta.get_field("image").storage
            for name in self.stored:
                storage.delete(name)
        return False


# --- Services -------------------------------------------------------------------------------------


def _trust_refresh(supplier: Supplier) -> None:
    """The supplier's trust score counts its test orders: recompute it after every change to them."""
    from monitoring.trust import supplier_trust_update  # monitoring depends on suppliers, not the reverse

    supplier_trust_update(supplier=supplier, now=timezone.now())


def _locked(order: TestOrder) -> TestOrder:
    return TestOrder.objects.select_for_update(of=("self",)).select_related("supplier", "product").get(pk=order.pk)


def _save(order: TestOrder) -> TestOrder:
    order.full_clean()  # the same rules as the forms: a service never writes a date that cannot be true
    order.save()
    return order


def test_order_create(
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
) -> TestOrder:
    """Log a test order. Without `protection_ends_on`, protection ends the platform's days after `ordered_on`."""
    if protection_ends_on is None:
        protection_ends_on = protection_end_default(platform=supplier.platform, ordered_on=ordered_on)
    order = TestOrder(
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
)


def test_order_update(*, order: TestOrder, **changes) -> TestOrder:
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


def test_order_mark_shipped(*, order: TestOrder, shipped_on: date, tracking_number: str | None = None) -> TestOrder:
    """The seller shipped it. Also corrects the date of an order already marked shipped."""
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in (OrderStatus.ORDERED, OrderStatus.SHIPPED):
            raise TestOrderStateError(f"This order is already {locked.get_status_display().lower()}.")
        locked.shipped_on = shipped_on
        if tracking_number is not None:
            locked.tracking_number = tracking_number.strip()
        locked.status = OrderStatus.SHIPPED
        return _save(locked)


def test_order_mark_delivered(*, order: TestOrder, delivered_on: date) -> TestOrder:
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


def test_order_record_check(
    *,
    order: TestOrder,
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
    communication: str = "",
    check_notes: str = "",
    photos: Sequence[ValidatedPhoto] = (),
) -> TestOrder:
    """Record (or correct) the quality check on arrival, with its photos. All or nothing: a photo that
    cannot be stored leaves the order as it was and no file behind."""
    with _PhotoFiles() as stored, transaction.atomic():
        locked = _locked(order)
        if locked.delivered_on is None:
            raise TestOrderStateError("Mark the order delivered first: check it once it has arrived.")
        locked.as_described = as_described
        locked.genuine = genuine
        locked.works = works
        locked.dimensions_as_listed = dimensions_as_listed
        locked.packaging = packaging
        locked.tracking_was_real = tracking_was_real
        locked.extra_fees_asked = extra_fees_asked
        locked.off_platform_payment_asked = off_platform_payment_asked
        locked.communication = communication
        locked.overall_score = overall_score
        locked.check_notes = check_notes
        locked.outcome = outcome
        locked.checked_at = timezone.now()
        if locked.status in (OrderStatus.DELIVERED, OrderStatus.CHECKED):
            locked.status = OrderStatus.CHECKED
        _save(locked)
        _store_photos(order=locked, photos=photos, stored=stored)
        _trust_refresh(locked.supplier)
        return locked


def test_order_open_dispute(*, order: TestOrder, disputed_on: date | None = None) -> TestOrder:
    with transaction.atomic():
        locked = _locked(order)
        if locked.status in (OrderStatus.DISPUTED, OrderStatus.REFUNDED):
            raise TestOrderStateError(f"This order is already {locked.get_status_display().lower()}.")
        locked.status = OrderStatus.DISPUTED
        locked.disputed_on = disputed_on or timezone.localdate()
        _save(locked)
        _trust_refresh(locked.supplier)
        return locked


def test_order_mark_refunded(*, order: TestOrder) -> TestOrder:
    with transaction.atomic():
        locked = _locked(order)
        if locked.status == OrderStatus.REFUNDED:
            raise TestOrderStateError("This order is already refunded.")
        locked.status = OrderStatus.REFUNDED
        _save(locked)
        _trust_refresh(locked.supplier)
        return locked


def test_order_mark_lost(*, order: TestOrder, lost_on: date | None = None) -> TestOrder:
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in (OrderStatus.ORDERED, OrderStatus.SHIPPED):
            raise TestOrderStateError(f"This order is already {locked.get_status_display().lower()}.")
        locked.status = OrderStatus.LOST
        locked.lost_on = lost_on or timezone.localdate()
        _save(locked)
        _trust_refresh(locked.supplier)
        return locked


def test_order_photos_add(*, order: TestOrder, photos: Sequence[ValidatedPhoto]) -> list[TestOrderPhoto]:
    """Keep photos as evidence. All or nothing."""
    with _PhotoFiles() as stored, transaction.atomic():
        locked = _locked(order)
        return _store_photos(order=locked, photos=photos, stored=stored)


def test_order_photo_delete(*, photo: TestOrderPhoto) -> None:
    with transaction.atomic():
        name = photo.image.name
        photo.delete()
        _delete_files_on_commit([name])


def test_order_delete(*, order: TestOrder) -> None:
    with transaction.atomic():
        supplier = order.supplier
        names = list(TestOrderPhoto.objects.filter(order=order).values_list("image", flat=True))
        order.delete()
        _delete_files_on_commit(names)
        _trust_refresh(supplier)


# --- Selectors: cadence ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TestOrderDue:
    """When a supplier's next test order is due, seen from `today`."""

    __test__ = False

    supplier: Supplier
    due_on: date
    days_overdue: int  # today - due_on: 0 = due today, > 0 overdue, < 0 due in that many days
    interval_days: int  # the interval applied: the cadence, or half of it after a failed test
    last_ordered_on: date | None
    last_failed: bool
    days_since_last: int | None = None  # days from the last test order to today

    @property
    def is_due(self) -> bool:
        return self.days_overdue >= 0

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def never_tested(self) -> bool:
        return self.last_ordered_on is None

    @property
    def days_until_due(self) -> int:
        return -self.days_overdue


def test_order_interval_days(*, cadence_days: int, last_failed: bool) -> int:
    """The cadence, halved (rounded up) after a failed test order."""
    if last_failed:
        return max(1, math.ceil(cadence_days / 2))
    return cadence_days


def _due(*, supplier: Supplier, last_ordered_on: date | None, last_failed: bool, today: date) -> TestOrderDue | None:
    cadence = supplier.test_order_cadence_days
    if not cadence:
        return None
    interval = test_order_interval_days(cadence_days=cadence, last_failed=last_failed)
    if last_ordered_on is None:
        due_on = timezone.localdate(supplier.created_at) if supplier.created_at else today
    else:
        due_on = last_ordered_on + timedelta(days=interval)
    return TestOrderDue(
        supplier=supplier,
        due_on=due_on,
        days_overdue=(today - due_on).days,
        interval_days=interval,
        last_ordered_on=last_ordered_on,
        last_failed=last_failed,
        days_since_last=(today - last_ordered_on).days if last_ordered_on else None,
    )


def _failed_case():
    return Case(When(FAILED_Q, then=Value(True)), default=Value(False), output_field=BooleanField())


def supplier_test_order_due(*, supplier: Supplier, today: date | None = None) -> TestOrderDue | None:
    """The supplier's next test order (None when its cadence is 0 = off)."""
    if not supplier.test_order_cadence_days:
        return None
    last = (
        TestOrder.objects.filter(supplier=supplier)
        .annotate(failed_flag=_failed_case())
        .order_by("-ordered_on", "-id")
        .values("ordered_on", "failed_flag")
        .first()
    )
    return _due(
        supplier=supplier,
        last_ordered_on=last["ordered_on"] if last else None,
        last_failed=bool(last and last["failed_flag"]),
        today=today or timezone.localdate(),
    )


def supplier_test_order_due_on(*, supplier: Supplier) -> date | None:
    """The date the supplier's next test order is due, or None when its cadence is off."""
    due = supplier_test_order_due(supplier=supplier)
    return due.due_on if due else None


def suppliers_due_for_test_order(*, owner, today: date | None = None, within_days: int = 0) -> list[TestOrderDue]:
    """The owner's active suppliers due (or overdue) for a test order by `today + within_days`, most overdue
    first. One query."""
    today = today or timezone.localdate()
    last = TestOrder.objects.filter(supplier=OuterRef("pk")).order_by("-ordered_on", "-id")
    suppliers = (
        Supplier.objects.filter(owner=owner, active=True, test_order_cadence_days__gt=0)
        .annotate(
            last_test_ordered_on=Subquery(last.values("ordered_on")[:1]),
            last_test_failed=Subquery(last.annotate(failed_flag=_failed_case()).values("failed_flag")[:1]),
        )
        .order_by()
    )
    horizon = today + timedelta(days=within_days)
    due = []
    for supplier in suppliers:
        item = _due(
            supplier=supplier,
            last_ordered_on=supplier.last_test_ordered_on,
            last_failed=bool(supplier.last_test_failed),
            today=today,
        )
        if item is not None and item.due_on <= horizon:
            due.append(item)
    due.sort(key=lambda d: (d.due_on, d.supplier.name.lower(), d.supplier.pk))
    return due


# --- Selectors: orders ----------------------------------------------------------------------------

OPEN_STATUSES = (OrderStatus.ORDERED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.DISPUTED)
LIST_FILTERS = {"all": "All", "open": "Open", "failed": "Failed", "due": "Due"}


def test_order_list(*, owner, show: str = "all", supplier: Supplier | None = None) -> QuerySet[TestOrder]:
    """The owner's test orders, newest first. `show`: "all", "open" (not finished: awaiting delivery, a
    check or the end of a dispute) or "failed" (failed check, disputed, refunded or lost)."""
    orders = TestOrder.objects.filter(owner=owner).select_related("supplier", "product")
    if supplier is not None:
        orders = orders.filter(supplier=supplier)
    if show == "open":
        orders = orders.filter(status__in=OPEN_STATUSES)
    elif show == "failed":
        orders = orders.filter(FAILED_Q)
    return orders.order_by("-ordered_on", "-id")


def orders_with_protection_ending(*, owner, today: date | None = None, within_days: int = 7) -> QuerySet[TestOrder]:
    """Orders still awaited (ordered, shipped or lost, not delivered) whose buyer protection ends between
    today and `within_days` from now: the user should open a dispute before then."""
    today = today or timezone.localdate()
    return (
        TestOrder.objects.filter(
            owner=owner,
            status__in=AWAITING_DELIVERY,
            delivered_on__isnull=True,
            protection_ends_on__gte=today,
            protection_ends_on__lte=today + timedelta(days=within_days),
        )
        .select_related("supplier", "product")
        .order_by("protection_ends_on", "id")
    )


def delivered_orders_without_check(*, owner) -> QuerySet[TestOrder]:
    """Orders marked delivered whose quality check has not been recorded yet, oldest delivery first."""
    return (
        TestOrder.objects.filter(owner=owner, status=OrderStatus.DELIVERED, outcome="")
        .select_related("supplier", "product")
        .order_by("delivered_on", "id")
    )


# --- Selectors: the supplier's record (consumed by the trust score) -------------------------------


@dataclass(frozen=True)
class TestOrderSummary:
    """What the user's own test orders say about a supplier.

    `disputed` and `lost` count orders ever disputed or lost (also when later refunded); `failed` counts
    checks with the outcome "fail"; `late` counts deliveries after the promised window; `last_outcome` is
    the outcome of the most recent order that has a check ("" when none has).
    """

    __test__ = False

    count: int = 0
    passed: int = 0
    passed_with_issues: int = 0
    failed: int = 0
    disputed: int = 0
    lost: int = 0
    refunded: int = 0
    delivered: int = 0
    late: int = 0
    avg_days_to_deliver: float | None = None
    last_ordered_on: date | None = None
    last_outcome: str = ""


def test_order_summaries(*, suppliers: Iterable[Supplier] | QuerySet[Supplier]) -> dict[int, TestOrderSummary]:
    """Summaries for many suppliers in one query, keyed by supplier id (every supplier gets one)."""
    ids = [s.pk for s in suppliers]
    rows = (
        TestOrder.objects.filter(supplier_id__in=ids)
        .order_by("supplier_id", "ordered_on", "id")
        .values_list(
            "supplier_id",
            "ordered_on",
            "delivered_on",
            "promised_to",
            "status",
            "outcome",
            "disputed_on",
            "lost_on",
        )
    )
    acc: dict[int, dict] = {pk: {"count": 0, "outcomes": [], "days": [], "late": 0, "last": None} for pk in ids}
    counts: dict[int, dict[str, int]] = {
        pk: dict.fromkeys(("passed", "passed_with_issues", "failed", "disputed", "lost", "refunded"), 0) for pk in ids
    }
    for supplier_id, ordered_on, delivered_on, promised_to, status, outcome, disputed_on, lost_on in rows:
        a, c = acc[supplier_id], counts[supplier_id]
        a["count"] += 1
        a["last"] = ordered_on
        if outcome == CheckOutcome.PASS:
            c["passed"] += 1
        elif outcome == CheckOutcome.PASS_WITH_ISSUES:
            c["passed_with_issues"] += 1
        elif outcome == CheckOutcome.FAIL:
            c["failed"] += 1
        if outcome:
            a["outcomes"].append(outcome)
        c["disputed"] += disputed_on is not None
        c["lost"] += lost_on is not None
        c["refunded"] += status == OrderStatus.REFUNDED
        if delivered_on is not None:
            a["days"].append((delivered_on - ordered_on).days)
            a["late"] += bool(promised_to and delivered_on > promised_to)
    return {
        pk: TestOrderSummary(
            count=a["count"],
            **counts[pk],
            delivered=len(a["days"]),
            late=a["late"],
            avg_days_to_deliver=round(sum(a["days"]) / len(a["days"]), 1) if a["days"] else None,
            last_ordered_on=a["last"],
            last_outcome=a["outcomes"][-1] if a["outcomes"] else "",
        )
        for pk, a in acc.items()
    }


def test_order_summary(*, supplier: Supplier) -> TestOrderSummary:
    return test_order_summaries(suppliers=[supplier])[supplier.pk]


# --- CSV export -----------------------------------------------------------------------------------

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading single quote
    (OWASP "CSV injection"). Leading spaces are looked through, since some spreadsheets skip them."""
    text = "" if value is None else str(value)
    if text.lstrip(" ").startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


def _plain_amount(amount: Decimal | None) -> str:
    """12.5000 → "12.50", 0.1250 → "0.125": no trailing zeros beyond the cents, never an exponent."""
    if amount is None:
        return ""
    cents = amount.quantize(Decimal("0.01"))
    return f"{cents:f}" if cents == amount else f"{amount.normalize():f}"


CSV_COLUMNS = (
    ("id", lambda o: o.pk),
    ("supplier", lambda o: o.supplier.name),
    ("product", lambda o: str(o.product) if o.product else ""),
    ("product_url", lambda o: o.product.url if o.product else ""),
    ("ordered_on", lambda o: o.ordered_on),
    ("order_number", lambda o: o.order_number),
    ("amount_paid", lambda o: _plain_amount(o.amount_paid)),
    ("currency", lambda o: o.currency),
    ("shipping_method", lambda o: o.shipping_method),
    ("tracking_number", lambda o: o.tracking_number),
    ("promised_from", lambda o: o.promised_from),
    ("promised_to", lambda o: o.promised_to),
    ("shipped_on", lambda o: o.shipped_on),
    ("delivered_on", lambda o: o.delivered_on),
    ("days_to_deliver", lambda o: o.days_to_deliver),
    ("protection_ends_on", lambda o: o.protection_ends_on),
    ("status", lambda o: o.status),
    ("disputed_on", lambda o: o.disputed_on),
    ("as_described", lambda o: o.as_described),
    ("genuine", lambda o: o.genuine),
    ("works", lambda o: o.works),
    ("dimensions_as_listed", lambda o: o.dimensions_as_listed),
    ("packaging", lambda o: o.packaging),
    ("tracking_was_real", lambda o: o.tracking_was_real),
    ("extra_fees_asked", lambda o: "yes" if o.extra_fees_asked else "no"),
    ("off_platform_payment_asked", lambda o: "yes" if o.off_platform_payment_asked else "no"),
    ("communication", lambda o: o.communication),
    ("overall_score", lambda o: o.overall_score),
    ("outcome", lambda o: o.outcome),
    ("check_notes", lambda o: o.check_notes),
    ("notes", lambda o: o.notes),
)


def test_order_csv_rows(*, orders: Iterable[TestOrder]) -> Iterator[list[str]]:
    """The header, then one row per order, every cell made spreadsheet-safe."""
    yield [name for name, _ in CSV_COLUMNS]
    for order in orders:
        yield [spreadsheet_safe(get(order)) for _, get in CSV_COLUMNS]


def test_order_csv(*, orders: Iterable[TestOrder]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(test_order_csv_rows(orders=orders))
    return out.getvalue()


# pytest collects imported callables named test_*; these are not tests.
for _function in list(globals().values()):
    if callable(_function) and getattr(_function, "__name__", "").startswith("test_"):
        _function.__test__ = False
