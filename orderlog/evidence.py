"""The evidence pack for a dispute: one ZIP per test order with a readable summary (HTML, every scraped or
typed text escaped), the listing as Dropwatch last read it on or before the order date, the order's
timeline, the quality check, what the seller asked for, the notes, and the photos as they were uploaded
(stored without their location metadata)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from monitoring.models import Snapshot
from monitoring.statuses import CheckStatus

from .models import PHOTO_EXTENSIONS, Order


@dataclass(frozen=True)
class TimelineEntry:
    on: date | datetime
    what: str


def listing_on_order_date(order: Order) -> Snapshot | None:
    """The last successful reading of the ordered product up to the end of the order day; else the first after."""
    if order.product_id is None:
        return None
    end = timezone.make_aware(datetime.combine(order.ordered_on + timedelta(days=1), time.min))
    ok = Snapshot.objects.filter(product_id=order.product_id, status=CheckStatus.OK)
    return ok.filter(taken_at__lt=end).order_by("-taken_at").first() or ok.order_by("taken_at").first()


def timeline(order: Order) -> list[TimelineEntry]:
    steps = [
        (order.ordered_on, f"Ordered{f' (order {order.order_number})' if order.order_number else ''}"),
        (order.shipped_on, f"Shipped{f', tracking {order.tracking_number}' if order.tracking_number else ''}"),
        (order.promised_to, "Latest promised delivery"),
        (order.delivered_on, "Delivered"),
        (order.checked_at, "Quality check recorded"),
        (order.disputed_on, "Dispute opened"),
        (order.lost_on, "Reported lost"),
        (order.protection_ends_on, "Buyer protection ends"),
    ]
    entries = [TimelineEntry(on, what) for on, what in steps if on]
    return sorted(entries, key=lambda e: (e.on.date(), 1) if isinstance(e.on, datetime) else (e.on, 0))


def evidence_pack(*, order: Order) -> bytes:
    snapshot = listing_on_order_date(order)
    photos = list(order.photos.all())
    names = [f"photos/{i + 1:02d}.{PHOTO_EXTENSIONS.get(p.content_type, 'bin')}" for i, p in enumerate(photos)]
    summary = render_to_string(
        "orderlog/evidence.html",
        {
            "order": order,
            "snapshot": snapshot,
            "identity": (snapshot.identity or {}) if snapshot else {},
            "timeline": timeline(order),
            "photos": list(zip(photos, names, strict=True)),
            "made_at": timezone.now(),
        },
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("summary.html", summary)
        if snapshot is not None:
            listing = {
                "taken_at": snapshot.taken_at.isoformat(),
                "price": None if snapshot.price is None else str(snapshot.price),
                "currency": snapshot.currency,
                "variant": snapshot.variant_sku,
                "in_stock": snapshot.in_stock,
                "identity": snapshot.identity,
                "url": order.product.url if order.product else "",
            }
            pack.writestr("listing.json", json.dumps(listing, ensure_ascii=False, indent=2))
        for photo, name in zip(photos, names, strict=True):
            try:
                with photo.image.open("rb") as handle:
                    pack.writestr(name, handle.read())
            except FileNotFoundError:
                continue  # the summary still lists it; a missing file is not a reason to refuse the pack
    return buffer.getvalue()
