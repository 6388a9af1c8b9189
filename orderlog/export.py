"""The test-order log as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from .models import (
    Order,
)

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
    ("close_dispute_asked", lambda o: "yes" if o.close_dispute_asked else "no"),
    ("confirm_early_asked", lambda o: "yes" if o.confirm_early_asked else "no"),
    ("partial_refund_asked", lambda o: "yes" if o.partial_refund_asked else "no"),
    ("communication", lambda o: o.communication),
    ("overall_score", lambda o: o.overall_score),
    ("outcome", lambda o: o.outcome),
    ("check_notes", lambda o: o.check_notes),
    ("notes", lambda o: o.notes),
)


def order_csv_rows(*, orders: Iterable[Order]) -> Iterator[list[str]]:
    """The header, then one row per order, every cell made spreadsheet-safe."""
    yield [name for name, _ in CSV_COLUMNS]
    for order in orders:
        yield [spreadsheet_safe(get(order)) for _, get in CSV_COLUMNS]


def order_csv(*, orders: Iterable[Order]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(order_csv_rows(orders=orders))
    return out.getvalue()
