"""Backup suppliers: other listings of the same item, kept beside a product (`Product.backs_up`).

An alternative is itself a Product row: it is checked like any listing (every 24 h), keeps its own
snapshots, and opens no findings (monitoring.checking skips them) until it is promoted. The product page
compares them side by side; the ranking that recommends one is monitoring.detect.backups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import settings_for
from monitoring.costs import product_landed_cost_now
from monitoring.detect.backups import Candidate, Ranking, rank_alternatives
from monitoring.detect.thresholds import thresholds_for

from .margins import LandedCost
from .models import Product
from .services import ALTERNATIVE_INTERVAL, PRIMARY_INTERVAL

CENT = Decimal("0.01")


@dataclass
class Row:
    """One column of the product page's comparison."""

    product: Product
    primary: bool
    landed: LandedCost
    candidate: Candidate
    problems: list[str]
    recommended: bool = False


def alternatives_of(product: Product):
    return product.alternatives.select_related("supplier").order_by("id")


def _name(product: Product) -> str:
    if product.supplier is not None:
        return product.supplier.name
    return product.title or product.host or product.url


def candidate_for(product: Product, landed: LandedCost) -> Candidate:
    return Candidate(
        name=_name(product),
        product_id=product.pk,
        landed=landed.total.quantize(CENT) if landed.total is not None else None,
        currency=landed.currency,
        margin_pct=landed.margin_pct.quantize(Decimal("0.1")) if landed.margin_pct is not None else None,
        days_min=product.delivery_days_min,
        days_max=product.delivery_days_max,
        trust=product.supplier.trust_score if product.supplier is not None else None,
        in_stock=product.in_stock,
        ships_to_buyer=product.ships_to_buyer,
        last_ok_at=product.last_ok_at,
    )


def _problems(product: Product, c: Candidate, t, now: datetime) -> list[str]:
    """What is wrong with a listing now, from its latest values (alternatives have no findings)."""
    found = []
    if product.last_ok_at is None:
        found.append("not read yet")
    elif (now - product.last_ok_at).days >= 3:
        found.append(f"last read {(now - product.last_ok_at).days} days ago")
    if product.last_status not in ("ok", "pending") and product.last_checked_at is not None:
        found.append(f"last check: {product.get_last_status_display().lower()}")
    if product.in_stock is False:
        found.append("out of stock")
    if product.ships_to_buyer is False:
        found.append("does not ship to you")
    if c.margin_pct is not None and c.margin_pct < t.min_margin_pct:
        found.append(f"margin under {t.min_margin_pct:.0f}%")
    if c.days_max is not None and c.days_max > t.max_delivery_days:
        found.append(f"delivery over {t.max_delivery_days} days")
    return found


def ranking_for(product: Product, *, now: datetime, prefs=None) -> Ranking | None:
    """The ranking of a primary's alternatives (None: it has none)."""
    alternatives = list(alternatives_of(product))
    if not alternatives:
        return None
    prefs = prefs or settings_for(product.owner)
    t = thresholds_for(product.owner, product.threshold_overrides)
    candidates = [candidate_for(a, product_landed_cost_now(a, prefs)) for a in alternatives]
    return rank_alternatives(
        candidates,
        min_margin_pct=t.min_margin_pct,
        max_delivery_days=t.max_delivery_days,
        now=now,
        priced=product.my_price is not None,
    )


def comparison(product: Product, *, now: datetime) -> list[Row]:
    """The primary and its alternatives, side by side, the recommended alternative marked."""
    if product.backs_up_id is not None:
        return []
    prefs = settings_for(product.owner)
    t = thresholds_for(product.owner, product.threshold_overrides)
    rows = []
    for item, primary in [(product, True), *((a, False) for a in alternatives_of(product))]:
        landed = product_landed_cost_now(item, prefs)
        c = candidate_for(item, landed)
        rows.append(Row(item, primary, landed, c, _problems(item, c, t, now)))
    if len(rows) > 1:
        ranking = ranking_for(product, now=now, prefs=prefs)
        best = ranking.best if ranking else None
        for row in rows:
            row.recommended = best is not None and row.product.pk == best.product_id
    return rows


def alternative_promote(*, primary: Product, alternative: Product, now: datetime) -> Product:
    """Make `alternative` the product's primary source. History stays with each listing: the new primary's
    rules start from its own snapshots; the old primary becomes an alternative (findings-free), its open
    findings resolved with a note of the switch, so nothing pages for a listing the user left."""
    from monitoring.models import Finding, FindingEvent

    with transaction.atomic():
        primary = Product.objects.select_for_update().get(pk=primary.pk)
        alternative = Product.objects.select_for_update().get(pk=alternative.pk)
        if alternative.backs_up_id != primary.pk:
            raise ValueError("That listing is not a backup of this product.")
        note = f"Switched supplier: {_name(alternative)} is now the primary source; {_name(primary)} a backup."
        for finding in Finding.objects.filter(product=primary, resolved_at__isnull=True):
            finding.resolved_at = now
            finding.updated_at = now
            finding.save(update_fields=["resolved_at", "updated_at"])
            FindingEvent.objects.create(
                finding=finding,
                at=now,
                event=FindingEvent.Event.RESOLVED,
                severity=finding.severity,
                message=note[:500],
                current_value=finding.current_value,
            )
        # The others follow the new primary.
        Product.objects.filter(backs_up=primary).exclude(pk=alternative.pk).update(backs_up=alternative)
        alternative.backs_up = None
        alternative.check_interval = min(primary.check_interval, PRIMARY_INTERVAL)
        alternative.my_price, alternative.my_currency = primary.my_price, primary.my_currency
        alternative.next_check_at = now  # read it now, as a primary
        alternative.save(update_fields=["backs_up", "check_interval", "my_price", "my_currency", "next_check_at"])
        primary.backs_up = alternative
        primary.check_interval = ALTERNATIVE_INTERVAL
        primary.save(update_fields=["backs_up", "check_interval"])
        return alternative


# What deleting a product does with its backups (the delete page asks).
PROMOTE, DELETE_TOO, KEEP_UNATTACHED = "promote", "delete", "keep"


def product_delete(*, product: Product, backups: str = "", promote: Product | None = None) -> Product | None:
    """Delete a product and do with its backups what the user chose:

    * PROMOTE — `promote` (one of them) becomes a product of its own, the primary source, checked every 6
      hours at the deleted product's price; the other backups now back it up. Returned.
    * DELETE_TOO — the backups go with it (history and all).
    * KEEP_UNATTACHED — each backup becomes a product of its own, at the deleted product's price, checked
      and alerted like any product from now on; its history stays, so its baselines are its own.

    A product without backups is simply deleted; one with backups and no valid choice is refused
    (ValueError), so the backups are never lost by a form that forgot to ask."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        alternatives = Product.objects.select_for_update().filter(backs_up=product, owner=product.owner)
        promoted = None
        if alternatives.exists():
            if backups == PROMOTE:
                if promote is None or not alternatives.filter(pk=promote.pk).exists():
                    raise ValueError("Choose which backup becomes the primary source.")
                promoted = alternatives.get(pk=promote.pk)
                alternatives.exclude(pk=promoted.pk).update(backs_up=promoted)
                _detach(promoted, product)
            elif backups == KEEP_UNATTACHED:
                for alternative in alternatives:
                    _detach(alternative, product)
            elif backups == DELETE_TOO:
                alternatives.delete()
            else:
                raise ValueError("Choose what happens to this product's backups.")
        product.delete()
        return promoted


def _detach(alternative: Product, deleted: Product) -> None:
    """A backup made a product of its own: findings and alerts from its next check on, every 6 hours."""
    alternative.backs_up = None
    alternative.check_interval = min(deleted.check_interval, PRIMARY_INTERVAL)
    if alternative.my_price is None:  # a backup sells at its product's price
        alternative.my_price, alternative.my_currency = deleted.my_price, deleted.my_currency
    alternative.save(update_fields=["backs_up", "check_interval", "my_price", "my_currency"])
