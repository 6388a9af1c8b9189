"""Thinning old history: everything kept for 90 days, then one snapshot a day (the day's last good one)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from monitoring.models import Snapshot, StoreSnapshot
from monitoring.retention import thin_snapshots
from suppliers import services

pytestmark = pytest.mark.django_db

MIDNIGHT = datetime(2026, 11, 25, tzinfo=UTC)


def test_old_snapshots_are_thinned_to_one_good_one_a_day(alice):
    product = services.product_create(owner=alice, url="https://shop.example/p/1", platform="structured")
    supplier = services.supplier_create(owner=alice, name="S")
    rows = []
    for day in range(100, 80, -1):  # 20 days, 10 of them older than 90 days
        for hour, status in ((0, "ok"), (6, "ok"), (12, "ok"), (18, "blocked")):
            at = MIDNIGHT - timedelta(days=day) + timedelta(hours=hour)
            rows.append(
                Snapshot(
                    product=product,
                    slot=at,
                    taken_at=at,
                    status=status,
                    price=Decimal(hour + 1) if status == "ok" else None,
                )
            )
    Snapshot.objects.bulk_create(rows)
    StoreSnapshot.objects.bulk_create(
        StoreSnapshot(
            supplier=supplier,
            taken_at=MIDNIGHT - timedelta(days=95) + timedelta(hours=h),
            source="product_page",
            source_key=f"k{h}",
            positive_feedback_pct=Decimal("97"),
        )
        for h in range(4)
    )
    deleted = thin_snapshots(now=MIDNIGHT)
    old = Snapshot.objects.filter(taken_at__lt=MIDNIGHT - timedelta(days=90))
    recent = Snapshot.objects.filter(taken_at__gte=MIDNIGHT - timedelta(days=90))
    assert recent.count() == 10 * 4  # nothing within 90 days is touched
    assert old.count() == 10  # one a day...
    assert set(old.values_list("status", flat=True)) == {"ok"}  # ...the day's last good one, not the blocked one
    assert set(old.values_list("price", flat=True)) == {Decimal(13)}
    assert StoreSnapshot.objects.count() == 1
    assert deleted == 30 + 3
    assert thin_snapshots(now=MIDNIGHT) == 0  # idempotent
