"""Applying rule verdicts to findings, and what users do to findings (acknowledge, snooze, resolve).

Detection never sends email: opening or worsening a finding writes a Notification row (the outbox) in the
same transaction, and the alerts task sends it later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from .alerts.outbox import notification_add
from .detect.advice import Advice, AdviceInput, advice_for
from .detect.backups import SWITCH_KINDS
from .detect.context import OpenFinding, Signal, Verdict
from .models import HEALTH_KINDS, Finding, FindingEvent, Notification


@dataclass
class Change:
    """What a check did to one finding (the replay command prints these)."""

    finding: Finding
    event: str
    at: datetime


def open_findings_by_kind(*, product=None, supplier=None) -> dict[str, Finding]:
    qs = Finding.objects.filter(resolved_at__isnull=True)
    qs = qs.filter(product=product) if product is not None else qs.filter(supplier=supplier, product__isnull=True)
    return {f.kind: f for f in qs}


def as_open(findings: dict[str, Finding]) -> dict[str, OpenFinding]:
    return {
        kind: OpenFinding(kind, f.severity, f.baseline_value, f.current_value, f.evidence or {}, f.opened_at)
        for kind, f in findings.items()
    }


def findings_apply(
    *, owner, verdicts: dict[str, Verdict], current: dict[str, Finding], now: datetime, product=None, supplier=None
) -> list[Change]:
    """Open, update or resolve findings from verdicts. Must run inside the check's transaction."""
    changes: list[Change] = []
    for kind, verdict in verdicts.items():
        finding = current.get(kind)
        if verdict.action == "fire":
            if finding is None:
                finding = _open(owner, product, supplier, verdict.signal, now)
                if finding is not None:
                    changes.append(Change(finding, FindingEvent.Event.OPENED, now))
            else:
                event = _update(finding, verdict.signal, now)
                if event:
                    changes.append(Change(finding, event, now))
        elif verdict.action == "clear" and finding is not None:
            finding.resolved_at = now
            finding.updated_at = now
            finding.save(update_fields=["resolved_at", "updated_at"])
            _event(finding, FindingEvent.Event.RESOLVED, now, f"Resolved: {finding.message}"[:500])
            changes.append(Change(finding, FindingEvent.Event.RESOLVED, now))
    return changes


def advice_inputs(*, kind, severity, message, baseline, current, evidence, product, supplier, now) -> AdviceInput:
    """The facts the advice needs, read from the product, its supplier and the user's test-order log."""
    supplier = supplier if supplier is not None else getattr(product, "supplier", None)
    protection = None
    if supplier is not None:
        from orderlog.models import AWAITING_DELIVERY, Order

        protection = (
            Order.objects.filter(
                supplier=supplier,
                status__in=AWAITING_DELIVERY,
                delivered_on__isnull=True,
                protection_ends_on__gte=now.date(),
            )
            .order_by("protection_ends_on")
            .values_list("protection_ends_on", flat=True)
            .first()
        )
    recommendation = ""
    if product is not None and product.pk and product.backs_up_id is None and kind in SWITCH_KINDS:
        from suppliers.backups import ranking_for

        ranking = ranking_for(product, now=now)
        recommendation = ranking.text if ranking is not None else ""
    return AdviceInput(
        recommendation=recommendation,
        kind=kind,
        severity=severity,
        message=message,
        baseline=baseline,
        current=current,
        evidence=evidence or {},
        now=now,
        my_price=getattr(product, "my_price", None),
        my_currency=getattr(product, "my_currency", "") or "",
        variant_name=getattr(product, "variant_name", "") or "",
        supplier_name=supplier.name if supplier is not None else "",
        protection_ends_on=protection,
    )


def _advise(finding: Finding, now: datetime) -> Advice:
    return advice_for(
        advice_inputs(
            kind=finding.kind,
            severity=finding.severity,
            message=finding.message,
            baseline=finding.baseline_value,
            current=finding.current_value,
            evidence=finding.evidence,
            product=finding.product,
            supplier=finding.supplier,
            now=now,
        )
    )


def _open(owner, product, supplier, signal: Signal, now: datetime) -> Finding | None:
    supplier = supplier if supplier is not None else getattr(product, "supplier", None)
    advice = advice_for(
        advice_inputs(
            kind=signal.kind,
            severity=signal.severity,
            message=signal.message[:500],
            baseline=signal.baseline,
            current=signal.current,
            evidence=signal.evidence,
            product=product,
            supplier=supplier,
            now=now,
        )
    )
    try:
        with transaction.atomic():
            finding = Finding.objects.create(
                owner=owner,
                product=product,
                supplier=supplier,
                kind=signal.kind,
                severity=signal.severity,
                message=signal.message[:500],
                baseline_value=signal.baseline,
                current_value=signal.current,
                evidence=signal.evidence,
                advice=advice.text,
                advice_how=advice.how,
                opened_at=now,
                updated_at=now,
                last_seen_at=now,
            )
    except IntegrityError:
        return None  # already open (a concurrent check got there first): one finding per problem
    _event(finding, FindingEvent.Event.OPENED, now, finding.message)
    _notify(finding, "opened", now)
    return finding


# A finding's history records what a user would care about, not every check that saw it again.
# A value moving by less than this share of itself is the same problem seen again.
MEANINGFUL_MOVE = Decimal("0.05")
# Kinds whose value counts the checks that saw them ("not found on 11 checks in a row"): a higher count
# is the same problem, lasting, and goes to the finding's counter, never to its history.
COUNTER_KINDS = {"listing_removed", "unverifiable"}


def value_moved(kind: str, before: Decimal | None, after: Decimal | None) -> bool:
    """Has the finding's value moved enough to tell the user (in its history and on its card)?"""
    if kind in COUNTER_KINDS or before == after:
        return False
    if before is None or after is None:
        return True
    if before == 0:
        return after != 0
    return abs(after - before) >= abs(before) * MEANINGFUL_MOVE


def _gist(text: str) -> str:
    return re.sub(r"\d[\d.,]*", "#", text)


def _update(finding: Finding, signal: Signal, now: datetime) -> str | None:
    """The rule fired again on an open finding. Severity changing, the value moving by more than
    MEANINGFUL_MOVE or the advice changing for another reason (a new backup recommended, a protection
    deadline) rewrites the finding and logs an event; anything else only counts the check."""
    worsened = signal.severity > finding.severity
    meaningful = signal.severity != finding.severity or value_moved(finding.kind, finding.current_value, signal.current)
    if not meaningful and finding.advice:
        # The same numbers again: does the advice still say the same thing (the same backup, the same
        # deadline)? Its figures may wiggle (a backup's landed cost, its trust score): only words count.
        meaningful = _gist(_advise(finding, now).text) != _gist(finding.advice)
    if not meaningful:
        Finding.objects.filter(pk=finding.pk).update(last_seen_at=now, checks_seen=F("checks_seen") + 1)
        finding.last_seen_at, finding.checks_seen = now, finding.checks_seen + 1
        return None
    finding.severity = signal.severity
    finding.message = signal.message[:500]
    finding.current_value = signal.current
    finding.evidence = {**(finding.evidence or {}), **signal.evidence}
    finding.updated_at = finding.last_seen_at = now
    finding.checks_seen += 1
    advice = _advise(finding, now)
    finding.advice, finding.advice_how = advice.text, advice.how
    update_fields = ["severity", "message", "current_value", "evidence", "advice", "advice_how", "updated_at"]
    update_fields += ["last_seen_at", "checks_seen"]
    if worsened:
        finding.acknowledged_at = None  # worse than what the user acknowledged: show it again
        update_fields.append("acknowledged_at")
    finding.save(update_fields=update_fields)
    event = FindingEvent.Event.WORSENED if worsened else FindingEvent.Event.UPDATED
    _event(finding, event, now, finding.message)
    if worsened and not (finding.snoozed_until and finding.snoozed_until > now):
        _notify(finding, f"worsened-{finding.severity}", now)
    return event


def _event(finding: Finding, event: str, now: datetime, message: str) -> None:
    FindingEvent.objects.create(
        finding=finding,
        at=now,
        event=event,
        severity=finding.severity,
        message=message[:500],
        current_value=finding.current_value,
    )


def _notify(finding: Finding, occasion: str, now: datetime) -> None:
    target = finding.product or finding.supplier
    category = Notification.Category.HEALTH if finding.kind in HEALTH_KINDS else Notification.Category.ALERT
    verb = "got worse" if occasion.startswith("worsened") else ""
    subject = f"{finding.get_kind_display()}{' ' + verb if verb else ''}: {target}"
    notification_add(
        owner_id=finding.owner_id,
        category=category,
        dedup_key=f"finding:{finding.pk}:{occasion}",
        severity=finding.severity,
        finding=finding,
        subject=subject,
        # The statistics (a test's p-value) stay in "how we know", never in the subject or the first line.
        body=f"{finding.advice}\n\nHow we know: {finding.advice_how or finding.message}"
        if finding.advice
        else finding.message,
        link=finding.get_absolute_url(),
        now=now,
    )


# --- what users do ---------------------------------------------------------------------------------------


def finding_acknowledge(*, finding: Finding, now: datetime) -> None:
    finding.acknowledged_at = now
    finding.save(update_fields=["acknowledged_at"])


def finding_snooze(*, finding: Finding, until: datetime) -> None:
    finding.snoozed_until = until
    finding.save(update_fields=["snoozed_until"])


def finding_resolve(*, finding: Finding, now: datetime) -> None:
    """The user says this is fine: resolve it and restart the rule's baseline from now, so the same
    accepted change does not open it again at the next check."""
    with transaction.atomic():
        if finding.resolved_at is not None:
            return
        finding.resolved_at = now
        finding.resolved_by_user = True
        finding.updated_at = now
        finding.save(update_fields=["resolved_at", "resolved_by_user", "updated_at"])
        _event(finding, FindingEvent.Event.RESOLVED, now, f"Resolved by you: {finding.message}"[:500])
        target = finding.product
        if target is not None:
            kinds = {"price_increase": ["price"], "price_collapse": ["price"]}.get(finding.kind, [finding.kind])
            for kind in kinds:
                target.baseline_since[kind] = now.isoformat()
            target.save(update_fields=["baseline_since"])


def findings_bulk(*, owner, ids, action: str, now: datetime, until: datetime | None = None) -> int:
    """Acknowledge or snooze several of one user's open findings at once; ids of other users' findings (or of
    resolved ones) are ignored. Returns how many findings it changed."""
    qs = Finding.objects.filter(owner=owner, pk__in=list(ids), resolved_at__isnull=True)
    if action == "acknowledge":
        return qs.filter(acknowledged_at__isnull=True).update(acknowledged_at=now)
    if action == "snooze" and until is not None and until > now:
        return qs.update(snoozed_until=until)
    raise ValueError(f"not a bulk action: {action}")
