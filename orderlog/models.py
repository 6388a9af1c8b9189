"""The test-order log. Experienced buyers order the product themselves, again at regular intervals, and keep
records and photos. An Order is one such test order; its quality check is recorded on the same row once it
arrives. The rules that move an order along live in orderlog/services.py; the model only validates itself.

The tables keep the names they had when the log lived in the suppliers app (no data moved).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from suppliers.models import MONEY, Product, Supplier


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", "Ordered"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered, not checked"
    CHECKED = "checked", "Checked"
    DISPUTED = "disputed", "Disputed"
    REFUNDED = "refunded", "Refunded"
    LOST = "lost", "Lost"


# Not delivered yet, so the buyer-protection deadline still matters.
AWAITING_DELIVERY = (OrderStatus.ORDERED, OrderStatus.SHIPPED, OrderStatus.LOST)


class CheckOutcome(models.TextChoices):
    PASS = "pass", "Pass"
    PASS_WITH_ISSUES = "pass_with_issues", "Pass with issues"
    FAIL = "fail", "Fail"


class AsDescribed(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class YesNoUnsure(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNSURE = "unsure", "Unsure"


class YesNoNA(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "na", "Not applicable / not checked"


class Packaging(models.TextChoices):
    GOOD = "good", "Good"
    POOR = "poor", "Poor but intact"
    DAMAGED = "damaged", "Damaged"


class Communication(models.TextChoices):
    GOOD = "good", "Good"
    SLOW = "slow", "Slow"
    POOR = "poor", "Poor or unhelpful"
    NONE = "none", "No contact needed"


def validate_not_negative(value):
    if value is not None and value < 0:
        raise ValidationError("The amount paid cannot be negative.", code="negative")


class Order(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="test_orders")
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="test_orders")
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="test_orders")

    ordered_on = models.DateField()
    order_number = models.CharField(max_length=100, blank=True)
    amount_paid = models.DecimalField(**MONEY, null=True, blank=True, validators=[validate_not_negative])
    currency = models.CharField(max_length=3, blank=True, default="USD")
    shipping_method = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    promised_from = models.DateField("Promised delivery from", null=True, blank=True)
    promised_to = models.DateField("Promised delivery by", null=True, blank=True)
    shipped_on = models.DateField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    protection_ends_on = models.DateField("Buyer protection ends on")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.ORDERED)
    disputed_on = models.DateField(null=True, blank=True)
    # Kept after a refund, so a lost parcel still counts against the supplier.
    lost_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    # The quality check on arrival (blank until recorded).
    as_described = models.CharField(max_length=8, choices=AsDescribed.choices, blank=True)
    genuine = models.CharField(max_length=8, choices=YesNoUnsure.choices, blank=True)
    works = models.CharField(max_length=8, choices=YesNoNA.choices, blank=True)
    dimensions_as_listed = models.CharField(
        "Dimensions and weight as listed", max_length=8, choices=YesNoNA.choices, blank=True
    )
    packaging = models.CharField(max_length=8, choices=Packaging.choices, blank=True)
    tracking_was_real = models.CharField(max_length=8, choices=YesNoUnsure.choices, blank=True)
    # "The seller asked me to…": the scam patterns buyers warn about, as they happened on this order.
    extra_fees_asked = models.BooleanField("Seller asked for extra fees", default=False)
    off_platform_payment_asked = models.BooleanField("Seller asked to pay outside the platform", default=False)
    close_dispute_asked = models.BooleanField("Seller asked me to close the dispute", default=False)
    confirm_early_asked = models.BooleanField("Seller asked me to confirm delivery before it arrived", default=False)
    partial_refund_asked = models.BooleanField("Seller pushed a partial refund to close the case", default=False)
    communication = models.CharField("Seller communication", max_length=8, choices=Communication.choices, blank=True)
    overall_score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, "The overall score is from 1 to 5."),
            MaxValueValidator(5, "The overall score is from 1 to 5."),
        ],
    )
    check_notes = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, choices=CheckOutcome.choices, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "suppliers_testorder"
        verbose_name = "test order"
        ordering = ["-ordered_on", "-id"]
        indexes = [
            # The user's log, newest first; a supplier's orders, newest first (also its last one, for the cadence).
            models.Index(fields=["owner", "-ordered_on"], name="testorder_owner_recent_idx"),
            models.Index(fields=["supplier", "-ordered_on"], name="testorder_supplier_recent_idx"),
            models.Index(fields=["owner", "status"], name="testorder_owner_status_idx"),
            # Serves the buyer-protection reminders: orders not delivered yet, by deadline.
            models.Index(
                fields=["protection_ends_on"],
                condition=Q(status__in=AWAITING_DELIVERY),
                name="testorder_protection_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="testorder_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(shipped_on__isnull=True) | Q(shipped_on__gte=F("ordered_on")),
                name="testorder_shipped_after_ordered",
            ),
            models.CheckConstraint(
                condition=Q(delivered_on__isnull=True) | Q(delivered_on__gte=F("ordered_on")),
                name="testorder_delivered_after_ordered",
            ),
            models.CheckConstraint(
                condition=Q(delivered_on__isnull=True)
                | Q(shipped_on__isnull=True)
                | Q(delivered_on__gte=F("shipped_on")),
                name="testorder_delivered_after_shipped",
            ),
            models.CheckConstraint(
                condition=Q(protection_ends_on__gte=F("ordered_on")), name="testorder_protection_after_ordered"
            ),
            models.CheckConstraint(
                condition=Q(promised_to__isnull=True)
                | Q(promised_from__isnull=True)
                | Q(promised_to__gte=F("promised_from")),
                name="testorder_promised_window",
            ),
            models.CheckConstraint(
                condition=Q(overall_score__isnull=True) | Q(overall_score__gte=1, overall_score__lte=5),
                name="testorder_score_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[OrderStatus.DELIVERED, OrderStatus.CHECKED]) | Q(delivered_on__isnull=False),
                name="testorder_delivered_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.CHECKED) | ~Q(outcome=""), name="testorder_checked_has_outcome"
            ),
        ]

    def __str__(self):
        number = f" #{self.order_number}" if self.order_number else ""
        return f"Test order{number} of {self.ordered_on:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("test_order_detail", args=[self.pk])

    def clean(self):
        """Dates that cannot be true, each reported on the field the user has to fix."""
        errors = {}
        ordered = self.ordered_on
        latest = timezone.localdate() + timedelta(days=1)  # a day of slack for users east of the server
        for field in ("ordered_on", "shipped_on", "delivered_on"):
            value = getattr(self, field)
            if value is not None and value > latest:
                errors[field] = f"{value:%Y-%m-%d} is in the future."
        if ordered is not None:
            if self.shipped_on is not None and self.shipped_on < ordered and "shipped_on" not in errors:
                errors["shipped_on"] = (
                    f"Shipped on {self.shipped_on:%Y-%m-%d} is before the order date ({ordered:%Y-%m-%d})."
                )
            if self.delivered_on is not None and self.delivered_on < ordered and "delivered_on" not in errors:
                errors["delivered_on"] = (
                    f"Delivered on {self.delivered_on:%Y-%m-%d} is before the order date ({ordered:%Y-%m-%d})."
                )
            if self.protection_ends_on is not None and self.protection_ends_on < ordered:
                errors["protection_ends_on"] = (
                    f"Buyer protection cannot end ({self.protection_ends_on:%Y-%m-%d}) "
                    f"before the order date ({ordered:%Y-%m-%d})."
                )
            if self.promised_from is not None and self.promised_from < ordered:
                errors["promised_from"] = "The promised delivery cannot start before the order date."
        if (
            self.delivered_on is not None
            and self.shipped_on is not None
            and self.delivered_on < self.shipped_on
            and "delivered_on" not in errors
        ):
            errors["delivered_on"] = (
                f"Delivered on {self.delivered_on:%Y-%m-%d} is before it was shipped ({self.shipped_on:%Y-%m-%d})."
            )
        if self.promised_from and self.promised_to and self.promised_to < self.promised_from:
            errors["promised_to"] = "The end of the promised delivery window is before its start."
        if self.product_id is not None and self.supplier_id is not None:
            product = self.product
            if product.owner_id != self.owner_id or product.supplier_id != self.supplier_id:
                errors["product"] = "That product is not one of this supplier's products."
        if self.supplier_id is not None and self.owner_id is not None and self.supplier.owner_id != self.owner_id:
            errors["supplier"] = "Select one of your suppliers."
        if errors:
            raise ValidationError(errors)

    @property
    def seller_requests(self) -> list[str]:
        """What the seller asked for, in words (empty when nothing)."""
        return [label for field, label in SELLER_REQUESTS if getattr(self, field)]

    @property
    def days_to_deliver(self) -> int | None:
        if self.delivered_on is None or self.ordered_on is None:
            return None
        return (self.delivered_on - self.ordered_on).days

    @property
    def awaiting_delivery(self) -> bool:
        return self.status in AWAITING_DELIVERY

    @property
    def protection_days_left(self) -> int | None:
        """Days until buyer protection ends while the parcel is still awaited (negative once it has ended)."""
        if not self.awaiting_delivery:
            return None
        return (self.protection_ends_on - timezone.localdate()).days

    @property
    def delivered_late(self) -> bool:
        return bool(self.delivered_on and self.promised_to and self.delivered_on > self.promised_to)

    @property
    def has_check(self) -> bool:
        return bool(self.outcome)

    @property
    def failed(self) -> bool:
        """A failed test: the check failed, or the order ended in a dispute, a refund or a lost parcel."""
        return (
            self.outcome == CheckOutcome.FAIL
            or self.disputed_on is not None
            or self.lost_on is not None
            or self.status in FAILED_ORDER_STATUSES
        )

    # Which next steps the pages offer (suppliers.test_orders enforces the rules, and also accepts corrections).
    @property
    def can_mark_shipped(self) -> bool:
        return self.status == OrderStatus.ORDERED

    @property
    def can_mark_delivered(self) -> bool:
        return self.delivered_on is None and self.status != OrderStatus.REFUNDED

    @property
    def needs_check(self) -> bool:
        return self.delivered_on is not None and not self.outcome

    @property
    def can_record_check(self) -> bool:
        return self.delivered_on is not None

    @property
    def can_dispute(self) -> bool:
        return self.status not in (OrderStatus.DISPUTED, OrderStatus.REFUNDED)

    @property
    def can_mark_refunded(self) -> bool:
        return self.status != OrderStatus.REFUNDED

    @property
    def can_mark_lost(self) -> bool:
        return self.status in (OrderStatus.ORDERED, OrderStatus.SHIPPED)


FAILED_ORDER_STATUSES = (OrderStatus.DISPUTED, OrderStatus.REFUNDED, OrderStatus.LOST)
# The same rule as TestOrder.failed, for queries.
FAILED_Q = (
    Q(outcome=CheckOutcome.FAIL)
    | Q(status__in=FAILED_ORDER_STATUSES)
    | Q(disputed_on__isnull=False)
    | Q(lost_on__isnull=False)
)

PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


# The "seller asked me to…" checklist: field, and how the pages and the evidence pack say it.
SELLER_REQUESTS = (
    ("close_dispute_asked", "close the dispute"),
    ("off_platform_payment_asked", "pay outside the platform"),
    ("extra_fees_asked", "pay extra fees after the order"),
    ("confirm_early_asked", "confirm delivery before it arrived"),
    ("partial_refund_asked", "accept a partial refund to close the case"),
)

PHOTO_ROOT = "test-orders"  # under MEDIA_ROOT: one folder per user


def photo_upload_to(instance, filename):
    """A per-user folder and a random name: the user's own file name never reaches the file system."""
    ext = PHOTO_EXTENSIONS.get(instance.content_type, "bin")
    return f"{PHOTO_ROOT}/{instance.order.owner_id}/{uuid.uuid4().hex}.{ext}"


class OrderPhoto(models.Model):
    """A photo kept as evidence. Stored under MEDIA_ROOT, served only to its owner (never as a static file)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_upload_to, max_length=255)
    content_type = models.CharField(max_length=32, editable=False)
    size = models.PositiveIntegerField(editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "suppliers_testorderphoto"
        verbose_name = "test-order photo"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"Photo {self.pk} of {self.order}"

    def get_absolute_url(self):
        return reverse("test_order_photo", args=[self.order_id, self.pk])
