"""The user's own store (what they sell on), read-only: a connection to it and each of its variants as last
imported, mapped to the Dropwatch product that watches its supplier listing."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from suppliers.models import MONEY, Product


class SyncStatus(models.TextChoices):
    NEW = "new", "Not synced yet"
    OK = "ok", "Synced"
    TOKEN_REFUSED = "token_refused", "Access token refused"
    SCOPE_MISSING = "scope_missing", "Permission missing"
    ERROR = "error", "Sync failed"


class StoreConnection(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_connections")
    platform = models.CharField(max_length=16, default="shopify", editable=False)
    # The Admin API host (always `<shop>.myshopify.com` for a real store; a custom domain is resolved to it
    # when the store is connected), and what the user typed, for display.
    shop_domain = models.CharField(max_length=255)
    entered_domain = models.CharField(max_length=255, blank=True)
    shop_name = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # The Admin API access token, sealed by stores.secrets (encrypted when `cryptography` is installed);
    # never rendered: pages show `token_last4` only.
    token_sealed = models.TextField()
    token_last4 = models.CharField(max_length=4)
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.NEW)
    status_message = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)  # the last sync that read the whole catalogue
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop_domain", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "platform", "shop_domain"], name="store_unique_shop_per_owner")
        ]

    def __str__(self):
        return self.shop_name or self.shop_domain

    @property
    def token_hint(self) -> str:
        return f"…{self.token_last4}"


class StoreVariant(models.Model):
    """One variant of one store product, as the last sync read it. Never deleted by a sync: a variant the
    store no longer has is marked `gone_at`, and its Dropwatch product (and that product's history) stays."""

    connection = models.ForeignKey(StoreConnection, on_delete=models.CASCADE, related_name="variants")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False)
    store_product_id = models.CharField(max_length=32)
    variant_id = models.CharField(max_length=32)
    product_title = models.CharField(max_length=500, blank=True)
    variant_title = models.CharField(max_length=300, blank=True)
    sku = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # The supplier listing the store names for this product (metafield or `supplier:` tag), cleaned; "" if none.
    supplier_url = models.URLField(max_length=2000, blank=True)
    mapping_note = models.CharField(max_length=500, blank=True)  # why it is not mapped automatically
    # When its product's metafields were last read (they cost a call each: the oldest are read first).
    metafield_checked_at = models.DateTimeField(null=True, blank=True)
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="store_variants"
    )
    seen_at = models.DateTimeField()
    gone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["product_title", "variant_title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "variant_id"], name="store_variant_unique_per_store"),
            # One store variant sets one product's selling price (two would fight over `my_price`).
            models.UniqueConstraint(
                fields=["product"], condition=Q(product__isnull=False), name="store_variant_one_per_product"
            ),
        ]
        indexes = [models.Index(fields=["owner", "product"])]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        if self.variant_title and self.variant_title != "Default Title":
            return f"{self.product_title} — {self.variant_title}"
        return self.product_title

    @property
    def is_gone(self) -> bool:
        return self.gone_at is not None
