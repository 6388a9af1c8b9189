"""A product's checks (snapshots) and a supplier's store readings (store snapshots) as rows for export:
CSV or JSON, for the API and for the session-authenticated links on the product and supplier pages.

Rows come oldest first, so a page of history stays the same page while new checks arrive at the end.
Text cells in CSV (the shop's own messages and store names are scraped text) are made spreadsheet-safe.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse

from monitoring.models import Snapshot, StoreSnapshot
from orderlog.export import spreadsheet_safe

SNAPSHOT_FIELDS = (
    "taken_at",
    "status",
    "message",
    "price",
    "price_max",
    "original_price",
    "currency",
    "in_stock",
    "stock_quantity",
    "rating",
    "review_count",
    "stars_5",
    "stars_4",
    "stars_3",
    "stars_2",
    "stars_1",
    "orders_count",
    "ships_to_buyer",
    "via",  # "server", or "browser": fetched by the user's browser companion
)
STORE_SNAPSHOT_FIELDS = (
    "taken_at",
    "source",
    "status",
    "message",
    "name",
    "positive_feedback_pct",
    "followers",
    "opened_on",
    "rating_described",
    "rating_communication",
    "rating_shipping",
)
TEXT_FIELDS = {"status", "message", "currency", "source", "name"}


def product_history(product, *, since: datetime | None = None, until: datetime | None = None):
    qs = Snapshot.objects.filter(product=product)
    if since is not None:
        qs = qs.filter(taken_at__gte=since)
    if until is not None:
        qs = qs.filter(taken_at__lt=until)
    return qs.order_by("taken_at", "id").values(*SNAPSHOT_FIELDS)


def supplier_history(supplier, *, since: datetime | None = None, until: datetime | None = None):
    qs = StoreSnapshot.objects.filter(supplier=supplier)
    if since is not None:
        qs = qs.filter(taken_at__gte=since)
    if until is not None:
        qs = qs.filter(taken_at__lt=until)
    return qs.order_by("taken_at", "id").values(*STORE_SNAPSHOT_FIELDS)


def _cell(field: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return spreadsheet_safe(value) if field in TEXT_FIELDS else str(value)


def csv_lines(rows: Iterable[dict], fields: tuple[str, ...]) -> Iterator[str]:
    class _Line:
        def write(self, text):
            return text

    writer = csv.writer(_Line())
    yield writer.writerow(fields)
    for row in rows:
        yield writer.writerow([_cell(f, row[f]) for f in fields])


def csv_response(rows, fields: tuple[str, ...], filename: str) -> StreamingHttpResponse:
    if hasattr(rows, "iterator"):
        rows = rows.iterator(chunk_size=2000)
    response = StreamingHttpResponse(csv_lines(rows, fields), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def json_row(row: dict) -> dict:
    """A row as JSON values: amounts as strings (no float rounding), times in ISO 8601."""
    out = {}
    for key, value in row.items():
        if isinstance(value, Decimal):
            out[key] = f"{value.normalize():f}"
        elif isinstance(value, datetime | date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out
