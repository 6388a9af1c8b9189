"""The user's catalogue: the suppliers and products they rely on.

Rows carry their latest observed values (denormalised by monitoring after each check), so lists and the
dashboard never scan history.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from monitoring.statuses import CheckStatus

from .margins import margin_pct
from .platforms import STORE_PAGE_PLATFORMS, Platform

MONEY = {"max_digits": 18, "decimal_places": 4}


class Checkable(models.Model):
    """Scheduling state shared by everything the beat tick checks.

    The tick claims rows whose `next_check_at` has passed; `pending_slot` names the scheduled slot a
    dispatched check belongs to, so a redelivered or duplicated task can never write a second snapshot
    for it, and a task that vanished is re-dispatched once its lease (`next_check_at`) runs out.
    """

    active = models.BooleanField(default=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    pending_slot = models.DateTimeField(null=True, blank=True, editable=False)
    check_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who holds the running check (the Celery task id): its own retries may resume the claim.
    check_claim = models.CharField(max_length=64, blank=True, editable=False)

    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_ok_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_status = models.CharField(
        max_length=16, choices=CheckStatus.choices, default=CheckStatus.PENDING, editable=False
    )
    last_message = models.CharField(max_length=500, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    # Per-item threshold overrides by setting name (see monitoring.detect.thresholds).
    threshold_overrides = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class Supplier(Checkable):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suppliers")
    platform = models.CharField(max_length=16, choices=Platform.choices, default=Platform.ALIEXPRESS)
    name = models.CharField(max_length=200)
    store_url = models.URLField(max_length=2000, blank=True)
    platform_store_id = models.CharField(max_length=64, blank=True, db_index=True)
    notes = models.TextField(blank=True)
    test_order_cadence_days = models.PositiveIntegerField(
        default=90, help_text="Place a test order every this many days (0 = no reminders)."
    )
    check_interval = models.DurationField(default=timedelta(hours=24))
    created_at = models.DateTimeField(auto_now_add=True)

    # Latest store metrics (the freshest from product pages, the store page or the API).
    positive_feedback_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, editable=False)
    followers = models.PositiveIntegerField(null=True, blank=True, editable=False)
    opened_on = models.DateField(null=True, blank=True, editable=False)
    rating_described = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, editable=False)
    rating_communication = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, editable=False)
    rating_shipping = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, editable=False)
    metrics_at = models.DateTimeField(null=True, blank=True, editable=False)
    trust_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    trust_reasons = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "platform", "platform_store_id"],
                condition=~Q(platform_store_id=""),
                name="supplier_unique_store_per_owner",
            )
        ]
        indexes = [
            # Serves the beat tick: active suppliers whose next check is due.
            models.Index(fields=["next_check_at"], condition=Q(active=True), name="supplier_due_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("supplier_detail", args=[self.pk])

    @property
    def publishes_store_metrics(self) -> bool:
        """AliExpress publishes positive feedback, seller ratings, followers and store age; Shopify and
        schema.org shops never do (their store is known only through its products)."""
        return self.platform in STORE_PAGE_PLATFORMS


class Product(Checkable):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="products")
    supplier = models.ForeignKey(Supplier, on_delete=models.SET_NULL, null=True, blank=True, related_name="products")
    url = models.URLField("Product URL", max_length=2000)
    host = models.CharField(max_length=255, editable=False, db_index=True)
    platform = models.CharField(max_length=16, choices=Platform.choices, default=Platform.STRUCTURED)
    platform_product_id = models.CharField(max_length=128, blank=True)
    title = models.CharField(max_length=500, blank=True)
    my_price = models.DecimalField("My selling price", **MONEY, null=True, blank=True)
    my_currency = models.CharField("Currency", max_length=3, blank=True, default="USD")
    shipping_cost = models.DecimalField(
        "Shipping I pay per unit",
        **MONEY,
        null=True,
        blank=True,
        help_text="In the supplier's currency; used for the margin.",
    )
    # The variant the user sells: the platform's own SKU id (AliExpress skuId, Shopify variant id, schema.org
    # sku). Empty on a single-variant listing, or until the user picks one (the rules then watch the lowest price).
    variant_sku = models.CharField("Variant you sell", max_length=128, blank=True)
    variant_name = models.CharField(max_length=300, blank=True, editable=False)
    # The user's CSS selector for the price on the page, tried first on every check; when it stops matching,
    # the check is unverifiable (monitoring.sources.selector), never a vanished price.
    price_selector = models.CharField(
        "Price selector",
        max_length=300,
        blank=True,
        help_text="A CSS selector for the price on the page; empty lets Dropwatch find it.",
    )
    check_interval = models.DurationField(default=timedelta(hours=6))
    created_at = models.DateTimeField(auto_now_add=True)
    # A backup source: another supplier's listing of the same item. Checked like any listing (every 24 h),
    # with its own history, but findings-free until it is promoted (suppliers.backups.alternative_promote).
    backs_up = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="alternatives", editable=False
    )

    # Latest observed values.
    price = models.DecimalField(**MONEY, null=True, blank=True, editable=False)
    price_max = models.DecimalField(**MONEY, null=True, blank=True, editable=False)
    original_price = models.DecimalField(**MONEY, null=True, blank=True, editable=False)
    currency = models.CharField(max_length=3, blank=True, editable=False)
    baseline_price = models.DecimalField(**MONEY, null=True, blank=True, editable=False)
    in_stock = models.BooleanField(null=True, blank=True, editable=False)
    stock_quantity = models.PositiveIntegerField(null=True, blank=True, editable=False)
    rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, editable=False)
    review_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    rating_histogram = models.JSONField(null=True, blank=True, editable=False)
    orders_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    ships_to_buyer = models.BooleanField(null=True, blank=True, editable=False)
    labels = models.JSONField(default=list, blank=True, editable=False)
    # The listing's variants as last read ([{id, name, price, currency, in_stock, stock_quantity}]), for the
    # variant picker and the "pick the variant you sell" hint.
    variants = models.JSONField(default=list, blank=True, editable=False)
    # Delivery to the user's ship-to country as the source last stated it (unknown: None).
    shipping_fee = models.DecimalField(**MONEY, null=True, blank=True, editable=False)
    shipping_currency = models.CharField(max_length=3, blank=True, editable=False)
    delivery_days_min = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    delivery_days_max = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    shipping_method = models.CharField(max_length=100, blank=True, editable=False)
    # What the watched variant costs the user landed, in their selling currency, and the margin that leaves
    # (monitoring.costs), kept so lists sort and show it without converting every row; None when unknown.
    landed_cost = models.DecimalField(**MONEY, null=True, blank=True, editable=False)
    landed_margin_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True, editable=False)
    # Per finding kind, the moment its baseline restarts (a currency switch, or the user accepting a change).
    baseline_since = models.JSONField(default=dict, blank=True, editable=False)
    # What the last full read of the page left, so an unchanged page costs a request and little more
    # (monitoring.checking): the shop's validators for a conditional request, the digest of the body that was
    # parsed (with what the reading depended on), and when the page was last parsed in full. db_default: a
    # worker of the previous release still inserts rows while a deployment rolls.
    page_etag = models.CharField(max_length=200, blank=True, default="", db_default="", editable=False)
    page_last_modified = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    page_digest = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    page_read_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            # Several products may watch one listing, one per variant the user sells.
            models.UniqueConstraint(
                fields=["owner", "url", "variant_sku"], name="product_unique_url_variant_per_owner"
            ),
        ]
        indexes = [
            # Serves the beat tick: active products whose next check is due.
            models.Index(fields=["next_check_at"], condition=Q(active=True), name="product_due_idx"),
            models.Index(fields=["owner", "supplier"]),
        ]

    def __str__(self):
        return self.title or self.url

    def get_absolute_url(self):
        return reverse("product_detail", args=[self.pk])

    @property
    def is_alternative(self) -> bool:
        return self.backs_up_id is not None

    @property
    def needs_variant(self) -> bool:
        """A listing with several variants and none chosen: the rules watch the lowest price meanwhile."""
        return not self.variant_sku and len(self.variants or []) > 1

    @property
    def margin_pct(self):
        return margin_pct(
            my_price=self.my_price,
            price=self.price,
            shipping_cost=self.shipping_cost,
            my_currency=self.my_currency,
            currency=self.currency,
        )
