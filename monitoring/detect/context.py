"""What rules see and answer: the contexts a check builds (history, the new observation, open findings,
thresholds), the verdicts, and the small helpers the rules share. No database here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

from suppliers.margins import LandedCost

from ..observation import Observation, StoreInfo
from ..severity import Severity
from ..statuses import FAILED_CHECKS
from .thresholds import Thresholds

HUNDRED = Decimal(100)
INFO, WARNING, CRITICAL = Severity.INFO, Severity.WARNING, Severity.CRITICAL
FAILED = FAILED_CHECKS


@dataclass
class Signal:
    kind: str
    severity: int
    message: str
    baseline: Decimal | None = None
    current: Decimal | None = None
    evidence: dict = field(default_factory=dict)


@dataclass
class Verdict:
    action: str  # "fire" | "clear" | "hold"
    signal: Signal | None = None

    @classmethod
    def fire(cls, signal: Signal) -> Verdict:
        return cls("fire", signal)


CLEAR = Verdict("clear")
HOLD = Verdict("hold")


@dataclass
class OpenFinding:
    kind: str
    severity: int
    baseline: Decimal | None
    current: Decimal | None
    evidence: dict
    opened_at: datetime


@dataclass
class Point:
    """One successful product check in the past."""

    at: datetime
    price: Decimal | None = None
    currency: str = ""
    in_stock: bool | None = None
    rating: Decimal | None = None
    review_count: int | None = None
    histogram: dict[int, int] | None = None
    orders_count: int | None = None
    shipping_fee: Decimal | None = None
    shipping_currency: str = ""
    delivery_days_max: int | None = None
    variant_sku: str = ""  # which variant `price` is of ("" = the listing's lowest price)
    identity: dict | None = None  # what identified the listing (title, image, variants): listing_rules


@dataclass
class NegativeReview:
    stars: int
    themes: list[str]
    seen_on: date  # the review's own date, or when we first saw it


@dataclass
class ProductContext:
    now: datetime
    status: str
    obs: Observation | None
    history: list[Point]  # successful checks before this one, oldest first
    recent_statuses: list[str]  # statuses of the checks before this one, oldest first
    open: dict[str, OpenFinding]
    thresholds: Thresholds
    my_price: Decimal | None = None
    my_currency: str = ""
    shipping_cost: Decimal | None = None
    baseline_since: dict[str, datetime] = field(default_factory=dict)
    negative_reviews: list[NegativeReview] = field(default_factory=list)
    # The variant the user sells ("" = none chosen: the rules watch the listing's lowest price). `obs` is the
    # reading of that variant; `listing` the whole listing as read (all its variants).
    variant_id: str = ""
    variant_name: str = ""
    listing: Observation | None = None
    landed: LandedCost | None = None  # what the variant costs the user landed, in their currency
    image_hashes: dict[str, str] = field(default_factory=dict)  # known pHashes of image URLs (listing_rules)


@dataclass
class StorePoint:
    at: datetime
    positive_feedback_pct: Decimal | None = None
    rating_described: Decimal | None = None
    rating_communication: Decimal | None = None
    rating_shipping: Decimal | None = None


@dataclass
class StoreContext:
    now: datetime
    store: StoreInfo
    history: list[StorePoint]  # earlier store readings, oldest first
    open: dict[str, OpenFinding]
    thresholds: Thresholds


# --- helpers --------------------------------------------------------------------------------------------


def pct(new: Decimal, old: Decimal) -> Decimal:
    return (new - old) / old * HUNDRED


def fmt_money(value: Decimal | None) -> str:
    return "?" if value is None else f"{value:,.2f}"


def restart_of(ctx, kind: str) -> datetime | None:
    return ctx.baseline_since.get(kind) if hasattr(ctx, "baseline_since") else None


def in_window(points, now: datetime, days: int, since: datetime | None = None):
    start = now - timedelta(days=days)
    if since and since > start:
        start = since
    return [p for p in points if start <= p.at < now]


def median_of(values) -> Decimal | None:
    values = [v for v in values if v is not None]
    return Decimal(str(median(values))) if values else None


def frozen(open_finding: OpenFinding | None, fallback: Decimal | None) -> Decimal | None:
    if open_finding is not None and open_finding.baseline is not None:
        return open_finding.baseline
    return fallback
