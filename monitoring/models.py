"""History (snapshots, store snapshots, reviews), findings with their events, and the notification outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from suppliers.models import MONEY, Product, Supplier

from .severity import Severity
from .statuses import CheckStatus


class Snapshot(models.Model):
    """One check of one product, failed ones included. `slot` is the scheduled slot the check belongs to:
    at most one snapshot per slot, whatever retries, redeliveries or racing workers do."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="snapshots")
    slot = models.DateTimeField()
    taken_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=CheckStatus.choices)
    message = models.CharField(max_length=500, blank=True)
    price = models.DecimalField(**MONEY, null=True)
    price_max = models.DecimalField(**MONEY, null=True)
    original_price = models.DecimalField(**MONEY, null=True)
    currency = models.CharField(max_length=3, blank=True)
    in_stock = models.BooleanField(null=True)
    stock_quantity = models.PositiveIntegerField(null=True)
    rating = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    review_count = models.PositiveIntegerField(null=True)
    # The star histogram as columns: charts and the negative-shift rule read them without parsing JSON.
    stars_5 = models.PositiveIntegerField(null=True)
    stars_4 = models.PositiveIntegerField(null=True)
    stars_3 = models.PositiveIntegerField(null=True)
    stars_2 = models.PositiveIntegerField(null=True)
    stars_1 = models.PositiveIntegerField(null=True)
    orders_count = models.PositiveIntegerField(null=True)
    ships_to_buyer = models.BooleanField(null=True)
    # Delivery to the user's country, and the variant the reading is of ("" = the listing's lowest price).
    shipping_fee = models.DecimalField(**MONEY, null=True)
    shipping_currency = models.CharField(max_length=3, blank=True)
    delivery_days_max = models.PositiveSmallIntegerField(null=True)
    variant_sku = models.CharField(max_length=128, blank=True)
    # What identifies the listing as read (the listing_changed rule compares it with earlier checks):
    # {"title": str, "image": str, "variant_ids": [str], "option_names": [str]}; null on failed checks.
    identity = models.JSONField(null=True, blank=True)
    # Who fetched the page: the server, or the user's own browser through the companion (monitoring/companion.py).
    via = models.CharField(
        max_length=8, choices=[("server", "Dropwatch"), ("browser", "Your browser")], default="server"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "slot"], name="snapshot_one_per_slot")]
        indexes = [
            models.Index(fields=["product", "taken_at"]),
            models.Index(fields=["taken_at"]),  # health strip: checks done today; thinning
        ]

    def __str__(self):
        return f"{self.product_id} @ {self.taken_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def histogram(self) -> dict[int, int] | None:
        values = {5: self.stars_5, 4: self.stars_4, 3: self.stars_3, 2: self.stars_2, 1: self.stars_1}
        return None if any(v is None for v in values.values()) else values


class StoreSnapshot(models.Model):
    """Store metrics as read at one moment, from a product page's store block, the store page or the API."""

    class Source(models.TextChoices):
        PRODUCT_PAGE = "product_page", "Product page"
        STORE_PAGE = "store_page", "Store page"
        API = "api", "Open Platform API"

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="store_snapshots")
    taken_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices)
    # What produced it ("product:12:2026-11-25T10:00:00+00:00", "store:<slot>"): one row per source check.
    source_key = models.CharField(max_length=80)
    status = models.CharField(max_length=16, choices=CheckStatus.choices, default=CheckStatus.OK)
    message = models.CharField(max_length=500, blank=True)
    name = models.CharField(max_length=200, blank=True)
    positive_feedback_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    followers = models.PositiveIntegerField(null=True)
    opened_on = models.DateField(null=True)
    rating_described = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    rating_communication = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    rating_shipping = models.DecimalField(max_digits=3, decimal_places=2, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["supplier", "source_key"], name="store_snapshot_one_per_source")]
        indexes = [models.Index(fields=["supplier", "taken_at"])]

    def __str__(self):
        return f"{self.supplier_id} @ {self.taken_at:%Y-%m-%d %H:%M}"


class Review(models.Model):
    """A product review, stored once (by the platform's review id)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    platform_review_id = models.CharField(max_length=128)
    stars = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    translated_text = models.TextField(blank=True)
    date = models.DateField(null=True)
    country = models.CharField(max_length=8, blank=True)
    themes = models.JSONField(default=list, blank=True)  # complaint themes found in a 1–2★ review
    first_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "platform_review_id"], name="review_once_per_product")
        ]
        indexes = [models.Index(fields=["product", "stars", "first_seen_at"])]

    def __str__(self):
        return f"{self.stars}★ {self.platform_review_id}"


class FindingKind(models.TextChoices):
    PRICE_INCREASE = "price_increase", "Price increase"
    MARGIN_LOW = "margin_low", "Margin too low"
    PRICE_COLLAPSE = "price_collapse", "Suspicious price collapse"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    LISTING_REMOVED = "listing_removed", "Listing removed"
    SHIPPING_UNAVAILABLE = "shipping_unavailable", "Does not ship to you"
    RATING_DROP = "rating_drop", "Rating drop"
    STORE_FEEDBACK_DROP = "store_feedback_drop", "Store feedback drop"
    SELLER_RATING_DROP = "seller_rating_drop", "Seller rating drop"
    NEGATIVE_REVIEW_SHIFT = "negative_review_shift", "More 1–2★ reviews"
    COMPLAINT_THEME = "complaint_theme", "Complaints in reviews"
    REVIEW_BURST = "review_burst", "Brushing suspected"
    NEW_STORE = "new_store", "New or tiny store"
    UNVERIFIABLE = "unverifiable", "Can't verify"
    VARIANT_REMOVED = "variant_removed", "Your variant was removed"
    LOW_STOCK = "low_stock", "Low stock"
    SHIPPING_COST_UP = "shipping_cost_up", "Shipping cost up"
    DELIVERY_SLOW = "delivery_slow", "Delivery too slow"
    LISTING_CHANGED = "listing_changed", "Listing became another item"


# "Can't verify" is a health problem of our own checks, shown apart and never counted as deterioration.
HEALTH_KINDS = {FindingKind.UNVERIFIABLE}


class Finding(models.Model):
    """One open (or past) problem on one product or supplier. Opened once, updated while it lasts,
    resolved when the metric recovers past a margin, or by the user."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="findings")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True, related_name="findings")
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, null=True, blank=True, related_name="findings")
    kind = models.CharField(max_length=32, choices=FindingKind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.WARNING)
    message = models.CharField(max_length=500)
    baseline_value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    current_value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    evidence = models.JSONField(default=dict, blank=True)
    # What to do, in plain words with the numbers worked out, and "how we know" (the statistics behind it):
    # written by monitoring.detect.advice when the finding opens or changes.
    advice = models.TextField(blank=True, default="")
    advice_how = models.TextField(blank=True, default="")
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_user = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # The checks that saw the problem since it opened, and the last of them: kept without an event, so a
    # problem that merely lasts does not fill its history (monitoring.findings._update).
    checks_seen = models.PositiveIntegerField(default=1)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-severity", "-opened_at"]
        constraints = [
            # One open finding of a kind per product, and per supplier for store-level kinds.
            models.UniqueConstraint(
                fields=["product", "kind"],
                condition=Q(resolved_at__isnull=True, product__isnull=False),
                name="finding_one_open_per_product_kind",
            ),
            models.UniqueConstraint(
                fields=["supplier", "kind"],
                condition=Q(resolved_at__isnull=True, product__isnull=True),
                name="finding_one_open_per_supplier_kind",
            ),
        ]
        indexes = [
            # Serves the overview: a user's open findings by severity.
            models.Index(
                fields=["owner", "-severity", "-opened_at"],
                condition=Q(resolved_at__isnull=True),
                name="finding_open_idx",
            ),
        ]

    def __str__(self):
        return f"{self.kind} on {self.product_id or self.supplier_id}"

    def get_absolute_url(self):
        return reverse("finding_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_health(self) -> bool:
        return self.kind in HEALTH_KINDS


class FindingEvent(models.Model):
    class Event(models.TextChoices):
        OPENED = "opened", "Opened"
        UPDATED = "updated", "Updated"
        WORSENED = "worsened", "Worsened"
        RESOLVED = "resolved", "Resolved"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    event = models.CharField(max_length=10, choices=Event.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    message = models.CharField(max_length=500)
    current_value = models.DecimalField(max_digits=18, decimal_places=4, null=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["finding", "at"])]

    def __str__(self):
        return f"{self.event} {self.finding_id} @ {self.at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """The outbox: one row per thing a user should be told, written in the same transaction as its cause.
    A sender task (monitoring.alerts.email) groups a user's pending rows into one email and claims them by
    conditional UPDATE, so nothing is sent twice or lost."""

    class Category(models.TextChoices):
        ALERT = "alert", "Deterioration"
        HEALTH = "health", "Can't verify"
        REMINDER = "reminder", "Reminder"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    category = models.CharField(max_length=10, choices=Category.choices)
    # Stable per occasion: "finding:12:opened", "reminder:test_order_due:5:2026-12-01". A second write for
    # the same occasion is refused by the unique constraint.
    dedup_key = models.CharField(max_length=200)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.WARNING)
    finding = models.ForeignKey(Finding, on_delete=models.SET_NULL, null=True, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)  # plain-text detail: the numbers, since when
    link = models.CharField(max_length=300, blank=True)  # path in the dashboard
    created_at = models.DateTimeField()
    # The email that carries it (set by a conditional UPDATE when the email is built: exactly one).
    email = models.ForeignKey("Email", on_delete=models.SET_NULL, null=True, blank=True, related_name="items")
    # Not emailed, and why ("below your minimum severity", "email is off"); still shown in the app.
    skipped = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "dedup_key"], name="notification_once")]
        indexes = [
            models.Index(fields=["owner", "created_at"]),
            # Serves the email builder: notifications not yet in an email.
            models.Index(
                fields=["owner"], condition=Q(email__isnull=True, skipped=""), name="notification_pending_idx"
            ),
        ]

    def __str__(self):
        return self.subject


class Email(models.Model):
    """One email to one user, carrying a batch of notifications. Sent by a worker that claims it with a
    conditional UPDATE (no two workers send the same email); its Message-ID never changes, so a re-send
    after a crash is recognisable as the same message."""

    class Kind(models.TextChoices):
        ALERT = "alert", "Deterioration alert"
        DIGEST = "digest", "Daily digest"
        HEALTH = "health", "Can't-verify notice"
        REMINDER = "reminder", "Reminder"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)  # a sender's lease
    last_error = models.CharField(max_length=500, blank=True)
    permanent_failure = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Serves the sender: what is due to (re)try now.
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=["pending", "sending"]), name="email_due_idx"
            ),
            models.Index(fields=["owner", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.kind} to {self.to} ({self.status})"


class ExchangeRate(models.Model):
    """The European Central Bank's euro reference rate of one currency on one day: 1 EUR = `per_eur` units.
    Every table fetched is kept; conversions use the newest day known (its date is shown beside the number)."""

    currency = models.CharField(max_length=3)
    per_eur = models.DecimalField(max_digits=18, decimal_places=6)
    on = models.DateField()
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["currency", "on"], name="exchange_rate_once_per_day")]
        indexes = [models.Index(fields=["currency", "-on"])]

    def __str__(self):
        return f"1 EUR = {self.per_eur} {self.currency} on {self.on}"


class WorkerHeartbeat(models.Model):
    """The last time a worker (or beat's tick) ran, per role: the dashboard's health strip reads it."""

    role = models.CharField(max_length=32, unique=True)
    seen_at = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)

    def __str__(self):
        return f"{self.role} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Channel(models.Model):
    """A place besides email where a user's alerts go, given as an Apprise URL (Slack, Telegram, ntfy, a JSON
    webhook, ...). The URL holds the channel's secrets (tokens, passwords): it is stored as given, used only
    by the sender, and never shown back in full (`masked_url`)."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately"
        DIGEST = "digest", "A daily digest"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=100)
    url = models.TextField()
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    min_severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.WARNING)
    health_notices = models.BooleanField(default=True, help_text="Also send “can't verify” notices.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    last_digest_on = models.DateField(null=True, blank=True, editable=False)  # the user's local date

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def masked_url(self) -> str:
        from .alerts.channel_urls import mask

        return mask(self.url)


class ChannelMessage(models.Model):
    """One message to one channel carrying a batch of notifications: the channel's twin of `Email`, with the
    same outbox fields (claimed by a conditional UPDATE with a lease, retried with backoff)."""

    Status = Email.Status

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_messages")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Email.Kind.choices)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=200, unique=True)  # stable: a re-send carries the same id
    status = models.CharField(max_length=10, choices=Email.Status.choices, default=Email.Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)  # a sender's lease
    last_error = models.CharField(max_length=500, blank=True)
    permanent_failure = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    items = models.ManyToManyField(Notification, through="ChannelItem", related_name="channel_messages")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="channelmessage_due_idx",
            ),
            models.Index(fields=["owner", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.kind} to {self.channel_id} ({self.status})"


class ChannelItem(models.Model):
    """A notification's fate on one channel: in exactly one message, or skipped (and why). The unique pair
    is what makes one notification go at most once to each channel."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="items")
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="channel_items")
    message = models.ForeignKey(ChannelMessage, on_delete=models.CASCADE, null=True, blank=True)
    skipped = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "notification"], name="channelitem_once")]

    def __str__(self):
        return f"notification {self.notification_id} on channel {self.channel_id}"


class ChannelAttempt(models.Model):
    """Each try at sending a channel message, as listed on the "What Dropwatch sent you" page."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        RETRY = "retry", "Will retry"
        FAILED = "failed", "Failed"

    message = models.ForeignKey(ChannelMessage, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.outcome} at {self.at}"


class ListingImage(models.Model):
    """A listing's main image, fetched once per image URL and kept as its perceptual hash (monitoring/images.py).
    Shared by every product and user: the same URL is the same bytes, and the fetch is never repeated. A
    refused or failed fetch is kept too, with its reason, so a bad URL is not retried at every check."""

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        OK = "ok", "Hashed"
        REFUSED = "refused", "Refused (not a public address)"
        FAILED = "failed", "Could not be read"

    url_digest = models.CharField(max_length=64, unique=True)  # sha256 of the URL: URLs are too long to index
    url = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    message = models.CharField(max_length=500, blank=True)
    phash = models.CharField(max_length=16, blank=True)  # 64-bit pHash, hex
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    byte_count = models.PositiveIntegerField(null=True)
    created_at = models.DateTimeField()
    fetched_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"{self.url[:80]} {self.status} {self.phash}"


class CompanionClaim(models.Model):
    """One check handed to the user's browser companion (monitoring/companion.py): the product, the slot it
    holds, until when, and when it was answered. The signed claim the extension carries names this row; a
    claim is answered at most once (a conditional UPDATE of `answered_at`)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="companion_claims")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="companion_claims")
    slot = models.DateTimeField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, blank=True)  # the check's outcome once answered

    class Meta:
        # The hand-out counts a user's unanswered claims per site; the answer looks one up by id and owner.
        indexes = [models.Index(fields=["owner", "expires_at"], name="companionclaim_owner_exp_idx")]

    def __str__(self):
        return f"claim {self.pk} of product {self.product_id}"


class CompanionPage(models.Model):
    """A page the companion's "Add this page" sent, as Dropwatch read it (the Observation's JSON, never the
    HTML): the add-product preview opens from it. `key` is the unguessable part of the preview's address."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="companion_pages")
    key = models.CharField(max_length=32, unique=True)
    url = models.CharField(max_length=2000)
    platform = models.CharField(max_length=20)
    observation = models.JSONField()
    created_at = models.DateTimeField()

    def __str__(self):
        return f"page {self.key[:6]}… of {self.owner_id}"
