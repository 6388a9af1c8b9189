"""Writing to the outbox. One row per occasion: a second write of the same `dedup_key` for the same user is
refused by the unique constraint, so a retried check or an hourly reminder never tells the user twice."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from ..models import Notification
from ..severity import Severity


def notification_add(
    *,
    owner_id: int,
    category: str,
    dedup_key: str,
    subject: str,
    body: str,
    link: str,
    now: datetime,
    severity: int = Severity.WARNING,
    finding=None,
) -> bool:
    """Queue one notification; False when this occasion was already queued. Runs inside the caller's
    transaction (a savepoint keeps a duplicate from aborting it)."""
    try:
        with transaction.atomic():
            Notification.objects.create(
                owner_id=owner_id,
                category=category,
                dedup_key=dedup_key[:200],
                severity=severity,
                finding=finding,
                subject=subject[:300],
                body=body,
                link=link[:300],
                created_at=now,
            )
    except IntegrityError:
        return False
    return True
