"""The API's request and response shapes (Pydantic, through django-ninja): they are the OpenAPI schema."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema


class ErrorBody(Schema):
    status: int
    code: str = Field(description="not_found, unauthorized, rate_limited, invalid, duplicate, conflict, …")
    message: str
    details: list[dict] | dict | None = None


class Error(Schema):
    error: ErrorBody


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A page of `item`s: `count` in all, this `page` of `page_size`, and `items`."""
    return type(
        name,
        (Schema,),
        {"__annotations__": {"count": int, "page": int, "page_size": int, "items": list[item]}},
    )


# --- suppliers ------------------------------------------------------------------------------------


class SupplierOut(Schema):
    id: int
    name: str
    platform: str
    store_url: str
    platform_store_id: str
    notes: str
    active: bool
    test_order_cadence_days: int
    positive_feedback_pct: Decimal | None
    followers: int | None
    opened_on: date | None
    rating_described: Decimal | None
    rating_communication: Decimal | None
    rating_shipping: Decimal | None
    metrics_at: datetime | None
    trust_score: int | None
    last_status: str
    last_checked_at: datetime | None
    next_check_at: datetime | None
    created_at: datetime
    product_count: int = 0
    open_findings: int = 0


class SupplierPreviewIn(Schema):
    store_url: str = Field(description="The store's address, as on the add-supplier form")
    platform: str = Field("", description="Empty: detected from the address")


class SupplierIn(SupplierPreviewIn):
    name: str = Field("", max_length=200, description="Empty: the store's own name (read by the preview)")
    token: str = Field("", description="The stamp of POST /suppliers/preview, to keep the store name it read")


class StorePreviewOut(Schema):
    url: str
    platform: str
    store_id: str
    status: str = Field(
        description="The store page's check status; empty when this platform's store pages are not read"
    )
    advice: str
    can_add: bool
    existing_supplier_id: int | None
    store_name: str
    token: str = Field(description="Send it back with POST /suppliers within an hour")


class TrustReason(Schema):
    points: int
    reason: str


class TrustOut(Schema):
    supplier_id: int
    score: int | None = Field(description="0–100; null until the supplier's first check")
    reasons: list[TrustReason]


# --- products -------------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    url: str
    title: str
    platform: str
    platform_product_id: str
    supplier_id: int | None
    variant: str = Field(description="The variant / SKU you sell (stored as variant_sku)")
    price_selector: str = Field(description="Your CSS selector for the price, tried first on every check; empty: none")
    my_price: Decimal | None
    my_currency: str
    shipping_cost: Decimal | None
    price: Decimal | None
    price_max: Decimal | None
    original_price: Decimal | None
    baseline_price: Decimal | None
    currency: str
    margin_pct: Decimal | None
    in_stock: bool | None
    stock_quantity: int | None
    rating: Decimal | None
    review_count: int | None
    orders_count: int | None
    ships_to_buyer: bool | None
    active: bool
    last_status: str
    last_message: str
    last_checked_at: datetime | None
    next_check_at: datetime | None
    created_at: datetime
    open_findings: int = 0


class ProductPreviewIn(Schema):
    url: str
    platform: str = Field("", description="Empty: detected from the address")
    price_selector: str = Field(
        "",
        max_length=300,
        description="A CSS selector for the price (one of `price_choices`' or your own): tried first on every "
        "check; when it stops matching, the check is unverifiable. The preview says what it reads.",
    )


class ProductIn(ProductPreviewIn):
    token: str = Field(
        "",
        description="The stamp of POST /products/preview. Without it the page is previewed now, the same way, "
        "and added when the preview allows it.",
    )
    my_price: Decimal | None = Field(None, description="Your selling price")
    my_currency: str = Field("", description="Empty: the currency of your settings")
    shipping_cost: Decimal | None = Field(None, description="Shipping you pay per unit, in the supplier's currency")
    variant: str = Field("", max_length=128, description="The variant you sell: its id or name from the preview")


class StoreOut(Schema):
    id: str
    name: str
    url: str


class VariantOut(Schema):
    id: str
    name: str
    price: Decimal | None
    currency: str
    in_stock: bool | None


class PriceChoiceOut(Schema):
    text: str = Field(description="The price as the page writes it")
    value: Decimal
    currency: str
    around: str = Field(description="The text around it")
    where: str = Field(description="Where it sits: next to the buy button, struck through, per unit, …")
    kind: str = Field(description="current, was, unit, instalment, saving, opening-bid, shipping, text, other-product")
    confidence: int = Field(description="0–100 that this is the page's current price")
    selector: str = Field(description="Send it as `price_selector` to watch this price")
    read: bool = Field(description="The price Dropwatch reads from the page has this value")


class ProductPreviewOut(Schema):
    url: str
    platform: str
    status: str
    message: str
    advice: str
    can_add: bool
    existing_product_id: int | None
    title: str
    price: Decimal | None
    price_max: Decimal | None
    currency: str
    in_stock: bool | None
    rating: Decimal | None
    review_count: int | None
    store: StoreOut | None
    supplier_id: int | None = Field(description="Your supplier for the page's store, when you have one")
    new_supplier_name: str = Field(description="The supplier adding it will create, if any")
    variants: list[VariantOut]
    price_choices: list[PriceChoiceOut] = Field(description="The page's visible prices, to pick one by its selector")
    needs_javascript: str = Field(description="Why the page needs JavaScript to show its price; empty when not")
    price_selector: str = Field(description="The selector you sent, as it will be stored")
    selector_price: Decimal | None = Field(description="What your selector reads on the page")
    selector_error: str = Field(description="Why your selector reads no price there (or cannot be read)")
    token: str = Field(description="Send it back with POST /products within an hour")


# --- history --------------------------------------------------------------------------------------


class SnapshotOut(Schema):
    taken_at: datetime
    status: str
    message: str
    price: Decimal | None
    price_max: Decimal | None
    original_price: Decimal | None
    currency: str
    in_stock: bool | None
    stock_quantity: int | None
    rating: Decimal | None
    review_count: int | None
    stars_5: int | None
    stars_4: int | None
    stars_3: int | None
    stars_2: int | None
    stars_1: int | None
    orders_count: int | None
    ships_to_buyer: bool | None
    via: str = "server"  # "browser": fetched by the user's browser companion


class StoreSnapshotOut(Schema):
    taken_at: datetime
    source: str
    status: str
    message: str
    name: str
    positive_feedback_pct: Decimal | None
    followers: int | None
    opened_on: date | None
    rating_described: Decimal | None
    rating_communication: Decimal | None
    rating_shipping: Decimal | None


# --- findings -------------------------------------------------------------------------------------


class FindingOut(Schema):
    id: int
    kind: str
    kind_label: str
    severity: str = Field(description="info, warning or critical")
    state: str = Field(description="open, acknowledged, snoozed or resolved")
    message: str
    product_id: int | None
    supplier_id: int | None
    baseline_value: Decimal | None
    current_value: Decimal | None
    evidence: dict
    opened_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    snoozed_until: datetime | None
    resolved_at: datetime | None
    resolved_by_user: bool


class SnoozeIn(Schema):
    until: str = Field(description="ISO 8601 date or date-time in the future (a date means its midnight)")


# --- test orders ----------------------------------------------------------------------------------


class OrderOut(Schema):
    id: int
    supplier_id: int
    product_id: int | None
    ordered_on: date
    order_number: str
    amount_paid: Decimal | None
    currency: str
    shipping_method: str
    tracking_number: str
    promised_from: date | None
    promised_to: date | None
    shipped_on: date | None
    delivered_on: date | None
    protection_ends_on: date
    status: str
    disputed_on: date | None
    lost_on: date | None
    notes: str
    as_described: str
    genuine: str
    works: str
    dimensions_as_listed: str
    packaging: str
    tracking_was_real: str
    extra_fees_asked: bool
    off_platform_payment_asked: bool
    communication: str
    overall_score: int | None
    check_notes: str
    outcome: str
    checked_at: datetime | None
    created_at: datetime
    updated_at: datetime


class OrderIn(Schema):
    supplier_id: int
    product_id: int | None = None
    ordered_on: date
    order_number: str = Field("", max_length=100)
    amount_paid: Decimal | None = None
    currency: str = Field("USD", max_length=3)
    shipping_method: str = Field("", max_length=100)
    tracking_number: str = Field("", max_length=100)
    promised_from: date | None = None
    promised_to: date | None = None
    protection_ends_on: date | None = Field(None, description="Empty: the platform's buyer-protection days")
    notes: str = ""
