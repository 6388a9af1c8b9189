"""Thinning old history: every snapshot is kept for SNAPSHOT_KEEP_ALL_DAYS, then one a day per product
(the day's last successful one, or its last one when none succeeded)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, F, IntegerField, Value, When, Window
from django.db.models.functions import RowNumber, TruncDate

from .models import Snapshot, StoreSnapshot


def thin_snapshots(*, now: datetime, batch: int = 5000) -> int:
    cutoff = now - timedelta(days=settings.SNAPSHOT_KEEP_ALL_DAYS)
    deleted = 0
    for model, owner in ((Snapshot, "product_id"), (StoreSnapshot, "supplier_id")):
        ranked = (
            model.objects.filter(taken_at__lt=cutoff)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F(owner), TruncDate("taken_at")],
                    order_by=[
                        Case(When(status="ok", then=Value(0)), default=Value(1), output_field=IntegerField()).asc(),
                        F("taken_at").desc(),
                    ],
                )
            )
            .filter(rank__gt=1)
            .values_list("pk", flat=True)
        )
        while True:
            ids = list(ranked[:batch])
            if not ids:
                break
            deleted += model.objects.filter(pk__in=ids).delete()[0]
    return deleted
