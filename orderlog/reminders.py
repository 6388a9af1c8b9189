"""Reminders from the test-order log, written to the outbox once per occasion (not every day):
- a test order is due for a supplier (its cadence; sooner after a failed one) — once per due date;
- the buyer-protection window of an awaited order closes within the user's warning days — once per order
  and end date: open a dispute now;
- a delivered test order has no quality check recorded yet — once per order.
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import settings_for
from monitoring.alerts.outbox import notification_add
from monitoring.models import Notification
from monitoring.severity import Severity

from . import selectors


def _add(owner, key: str, subject: str, body: str, link: str, now: datetime, severity=Severity.WARNING) -> bool:
    """False when this occasion was reminded already."""
    return notification_add(
        owner_id=owner.pk,
        category=Notification.Category.REMINDER,
        dedup_key=key,
        subject=subject,
        body=body,
        link=link,
        now=now,
        severity=severity,
    )


def reminders_for(owner, *, now: datetime, today: date) -> int:
    prefs = settings_for(owner)
    added = 0
    for due in selectors.suppliers_due_for_test_order(owner=owner, today=today):
        if due.never_tested:
            why = "you have never placed a test order with it"
        else:
            why = f"the last one was {due.days_since_last} days ago"
            if due.last_failed:
                why += " and failed its quality check"
        when = "is due today" if due.days_overdue == 0 else f"is {due.days_overdue} days overdue"
        added += _add(
            owner,
            f"reminder:test_order_due:{due.supplier.pk}:{due.due_on.isoformat()}",
            f"Test order {when}: {due.supplier.name}",
            f"Place a test order with {due.supplier.name}: {why}. Order it yourself, as your customers do, and "
            "record what arrives.",
            due.supplier.get_absolute_url(),
            now,
        )
    for order in selectors.orders_with_protection_ending(
        owner=owner, today=today, within_days=prefs.protection_warning_days
    ):
        days = (order.protection_ends_on - today).days
        added += _add(
            owner,
            f"reminder:protection:{order.pk}:{order.protection_ends_on.isoformat()}",
            f"Buyer protection for order {order.order_number or order.pk} ends in {days} days",
            f"Your test order from {order.supplier.name} (ordered {order.ordered_on:%Y-%m-%d}) has not arrived and "
            f"buyer protection ends on {order.protection_ends_on:%Y-%m-%d}. Open a dispute before then, and do not "
            "confirm delivery before it arrives.",
            reverse("test_order_detail", args=[order.pk]),
            now,
            severity=Severity.CRITICAL,
        )
    for order in selectors.delivered_orders_without_check(owner=owner):
        added += _add(
            owner,
            f"reminder:unchecked:{order.pk}",
            f"Record the quality check of your test order from {order.supplier.name}",
            f"Your test order (delivered {order.delivered_on:%Y-%m-%d}) has no quality check yet: was it as "
            "described, genuine, working? Add photos while you still have it.",
            reverse("test_order_detail", args=[order.pk]),
            now,
            severity=Severity.INFO,
        )
    return added


def generate_reminders(*, now: datetime) -> int:
    from django.utils import timezone

    today = timezone.localdate(now)
    users = get_user_model().objects.filter(is_active=True, suppliers__isnull=False).distinct()
    return sum(reminders_for(user, now=now, today=today) for user in users)
