"""What one check read from a shop: the contract between the platform adapters and everything after them.

Every field is optional: unknown is None, never 0. Money is Decimal, never float. `to_json()` is the
`inspect --json` format; `from_json()` reads it back (the `replay` command feeds recorded histories in it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from hashlib import sha256
from html import unescape

from .statuses import CheckStatus


@dataclass
class Review:
    id: str
    stars: int  # 1..5
    text: str = ""
    date: date | None = None
    country: str = ""  # ISO 3166 alpha-2 when known
    translated_text: str = ""  # the platform's English translation, when it gives one


@dataclass
class StoreInfo:
    id: str = ""
    name: str = ""
    url: str = ""
    positive_feedback_pct: Decimal | None = None  # 86.6 means 86.6 %
    followers: int | None = None
    opened_on: date | None = None
    rating_described: Decimal | None = None  # detailed seller ratings, 0..5
    rating_communication: Decimal | None = None
    rating_shipping: Decimal | None = None

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) not in (None, "") for f in fields(self))


@dataclass
class Variant:
    """One SKU of a listing, as the platform names it."""

    id: str  # the platform's own SKU id (AliExpress skuId, Shopify variant id, schema.org sku / offer id)
    name: str = ""  # the human text of its options: "Color: Black; Plug: USB-C"
    price: Decimal | None = None
    original_price: Decimal | None = None
    currency: str = ""
    in_stock: bool | None = None
    stock_quantity: int | None = None


@dataclass
class Shipping:
    """What delivery to the user's ship-to country costs and takes, as the source states it."""

    to: str = ""  # ISO 3166 alpha-2
    fee: Decimal | None = None  # 0 means free shipping
    currency: str = ""
    days_min: int | None = None
    days_max: int | None = None
    method: str = ""


@dataclass
class Observation:
    status: CheckStatus = CheckStatus.OK
    message: str = ""
    platform: str = ""
    url: str = ""
    product_id: str = ""
    title: str = ""
    price: Decimal | None = None  # the lowest current price over the variants
    price_max: Decimal | None = None  # the highest, when variants differ
    original_price: Decimal | None = None  # the lowest "was" price, before discount
    currency: str = ""  # ISO 4217
    in_stock: bool | None = None
    stock_quantity: int | None = None
    rating: Decimal | None = None  # 0..5
    review_count: int | None = None
    rating_histogram: dict[int, int] | None = None  # {5: n, 4: n, 3: n, 2: n, 1: n}
    orders_count: int | None = None  # "10.000+" is read as its lower bound 10000
    store: StoreInfo | None = None
    labels: list[str] = field(default_factory=list)  # "Choice", "Guaranteed Genuine", ...
    ships_to_buyer: bool | None = None
    reviews: list[Review] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    shipping: Shipping | None = None
    image: str = ""  # the main image URL
    # What the page says the item is, as a digest only (`description_digest`): "" when the page gives none.
    description_digest: str = ""

    @property
    def ok(self) -> bool:
        return self.status == CheckStatus.OK

    @classmethod
    def failed(cls, status: CheckStatus, message: str, *, url: str = "", platform: str = "") -> Observation:
        return cls(status=status, message=message, url=url, platform=platform)

    # --- the inspect --json format -------------------------------------------------------------
    def to_json(self) -> dict:
        data = asdict(self)
        data["status"] = str(self.status)
        data["rating_histogram"] = (
            {str(star): self.rating_histogram.get(star, 0) for star in (5, 4, 3, 2, 1)}
            if self.rating_histogram is not None
            else None
        )
        data["store"] = _jsonable(data["store"]) if self.store is not None else None
        data["reviews"] = [_jsonable(r) for r in data["reviews"]]
        # In a variant and in shipping an unknown text (name, currency, method, to) is null, like every
        # other unknown; the id of a variant is always known.
        data["variants"] = [_unknown_as_null(_jsonable(v), keep=("id",)) for v in data["variants"]]
        data["shipping"] = _unknown_as_null(_jsonable(data["shipping"])) if self.shipping is not None else None
        return _jsonable(data)

    # --- variants ------------------------------------------------------------------------------
    def variant(self, variant_id) -> Variant | None:
        """The variant with this platform id ("12000026321052619", a Shopify variant id), or None."""
        wanted = str(variant_id if variant_id is not None else "").strip()
        if not wanted:
            return None
        return next((v for v in self.variants if v.id == wanted), None)

    def for_variant(self, variant_id) -> Observation | None:
        """This observation as seen by someone who sells one variant: a copy whose top-level price,
        original_price, currency, in_stock and stock_quantity are that variant's (price_max None: one
        variant has no range). Everything else (title, store, rating, the full `variants` list, shipping,
        image) is the listing's, unchanged; shipping is quoted per listing, not per SKU, by every source.

        None when the id is not among the variants: the caller decides what a vanished variant means
        (`variant_removed`); a copy with the listing's lowest price would hide exactly that. A variant whose
        own price or currency is unknown keeps None / the listing's currency: never another SKU's price.
        """
        chosen = self.variant(variant_id)
        if chosen is None:
            return None
        copy = replace(self, variants=list(self.variants), labels=list(self.labels), reviews=list(self.reviews))
        copy.price = chosen.price
        copy.price_max = None
        copy.original_price = chosen.original_price
        copy.currency = chosen.currency or self.currency
        copy.in_stock = chosen.in_stock
        copy.stock_quantity = chosen.stock_quantity
        return copy

    @classmethod
    def from_json(cls, data: dict) -> Observation:
        """Read back what `to_json` wrote. Values are taken as written (monitoring.sanitize judges them);
        only what cannot even be read as its type is left out, so a hostile line never raises here."""
        store = data.get("store") if isinstance(data.get("store"), dict) else None
        histogram = data.get("rating_histogram")
        if histogram is not None:
            histogram = _histogram(histogram)
        return cls(
            status=_status(data.get("status")),
            message=data.get("message") or "",
            platform=data.get("platform") or "",
            url=data.get("url") or "",
            product_id=str(data.get("product_id") or ""),
            title=data.get("title") or "",
            price=_decimal(data.get("price")),
            price_max=_decimal(data.get("price_max")),
            original_price=_decimal(data.get("original_price")),
            currency=_upper(data.get("currency")),
            in_stock=data.get("in_stock"),
            stock_quantity=data.get("stock_quantity"),
            rating=_decimal(data.get("rating")),
            review_count=data.get("review_count"),
            rating_histogram=histogram,
            orders_count=data.get("orders_count"),
            store=(
                StoreInfo(
                    id=str(store.get("id") or ""),
                    name=store.get("name") or "",
                    url=store.get("url") or "",
                    positive_feedback_pct=_decimal(store.get("positive_feedback_pct")),
                    followers=store.get("followers"),
                    opened_on=_date(store.get("opened_on")),
                    rating_described=_decimal(store.get("rating_described")),
                    rating_communication=_decimal(store.get("rating_communication")),
                    rating_shipping=_decimal(store.get("rating_shipping")),
                )
                if store
                else None
            ),
            labels=[label for label in data.get("labels") or [] if isinstance(label, str)]
            if isinstance(data.get("labels"), list)
            else [],
            ships_to_buyer=data.get("ships_to_buyer"),
            reviews=[
                Review(
                    id=str(r.get("id") or ""),
                    stars=_int(r.get("stars")),
                    text=str(r.get("text") or ""),
                    date=_date(r.get("date")),
                    country=str(r.get("country") or ""),
                    translated_text=str(r.get("translated_text") or ""),
                )
                for r in (data.get("reviews") if isinstance(data.get("reviews"), list) else [])
                if isinstance(r, dict) and _int(r.get("stars")) is not None
            ],
            variants=[
                Variant(
                    id=str(v.get("id") or ""),
                    name=v.get("name") or "",
                    price=_decimal(v.get("price")),
                    original_price=_decimal(v.get("original_price")),
                    currency=_upper(v.get("currency")),
                    in_stock=v.get("in_stock"),
                    stock_quantity=v.get("stock_quantity"),
                )
                for v in (data.get("variants") if isinstance(data.get("variants"), list) else [])
                if isinstance(v, dict)
            ],
            shipping=(
                Shipping(
                    to=_upper(shipping.get("to")),
                    fee=_decimal(shipping.get("fee")),
                    currency=_upper(shipping.get("currency")),
                    days_min=shipping.get("days_min"),
                    days_max=shipping.get("days_max"),
                    method=shipping.get("method") or "",
                )
                if isinstance(shipping := data.get("shipping"), dict)
                else None
            ),
            image=data.get("image") or "",
            # A recorded history may carry the digest, or the description text itself (replay digests it).
            description_digest=str(data.get("description_digest") or "")[:64]
            or description_digest(str(data.get("description") or "")),
        )


_TAG = re.compile(r"<[^>]*>")
DESCRIPTION_MIN_CHARS = 20  # less than this says nothing about which item it is ("Hot sale!")


_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)""", re.IGNORECASE)


def description_digest(text: str) -> str:
    """A digest of a description as read, normalised so that markup, entities, case, Unicode forms and
    spacing do not count: the same words give the same digest. The pictures' addresses count as part of it
    (many AliExpress descriptions are images only). "" when there is too little to go on."""
    text = text or ""
    pictures = " ".join(unescape(src).strip() for src in _IMG_SRC.findall(text))
    plain = unicodedata.normalize("NFKC", unescape(_TAG.sub(" ", text)) + " " + pictures).casefold()
    plain = " ".join(plain.split())
    if len(plain) < DESCRIPTION_MIN_CHARS:
        return ""
    return sha256(plain.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# Money goes out as a decimal string ("1.73"); ratings and percentages as numbers (4.5, 86.6).
_MONEY_FIELDS = {"price", "price_max", "original_price", "fee"}


def _jsonable(value, key: str = ""):
    if isinstance(value, dict):
        return {k: _jsonable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f") if key in _MONEY_FIELDS else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value)
    return value


def _unknown_as_null(data: dict, keep: tuple[str, ...] = ()) -> dict:
    return {k: (None if v == "" and k not in keep else v) for k, v in data.items()}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _upper(value) -> str:
    return str(value).upper() if value else ""


def _int(value) -> int | None:
    """A whole number as written, or None (bools, NaN, infinity and text that is not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite() or number.adjusted() > 30:  # "1e400" is no count of anything
            return None
        return int(number) if number == number.to_integral_value() else None
    except (InvalidOperation, ValueError, OverflowError):
        return None


def _histogram(value) -> dict[int, int] | None:
    if not isinstance(value, dict):
        return None
    bars = {_int(k): _int(v) for k, v in value.items() if v is not None}
    return None if None in bars or None in bars.values() else bars


def _status(value) -> CheckStatus:
    try:
        return CheckStatus(value or "ok")
    except ValueError:
        return CheckStatus.ERROR
