"""Which backup supplier to switch to: a plain ranking of a product's alternatives. No database here (the
caller, suppliers.backups, reads the alternatives' latest values into Candidates).

An alternative qualifies when all of these hold:

* it was read successfully in the last FRESH_DAYS days (older numbers may no longer be true);
* the variant is not known to be out of stock, and the listing is not known to skip the user's country;
* its landed cost is known, and so is its margin at the user's price when they set one — at least their
  minimum margin;
* its longest delivery time, when known, is within their maximum.

Qualifying alternatives are ranked by one score, highest first:

    score = margin (points)  +  0.2 × (trust score − 70)  −  0.5 × days of delivery beyond 10

so a margin point is worth five trust points, and two extra days of delivery cost one margin point. An
unknown trust score counts as 50 (a supplier never test-ordered is no safer than a poor one), an unknown
delivery time as the user's maximum, an unknown margin (no selling price) as 0. Ties go to the lower landed
cost, then to the name (stable output).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

FRESH_DAYS = 3
TRUST_WEIGHT = Decimal("0.2")
TRUST_PIVOT = 70
TRUST_UNKNOWN = 50
DAY_WEIGHT = Decimal("0.5")
DAYS_FREE = 10

# Findings on which the recommendation is worth giving: the primary supplier got worse in a way a switch
# fixes (a failed test order is a finding-less event; the test-order log links here itself).
SWITCH_KINDS = frozenset(
    {
        "margin_low",
        "price_increase",
        "out_of_stock",
        "variant_removed",
        "listing_removed",
        "listing_changed",
        "delivery_slow",
        "shipping_unavailable",
        "shipping_cost_up",
        "store_feedback_drop",
        "seller_rating_drop",
        "complaint_theme",
        "negative_review_shift",
        "rating_drop",
        "failed_test_order",
    }
)


@dataclass
class Candidate:
    name: str
    product_id: int | None = None
    landed: Decimal | None = None
    currency: str = ""
    margin_pct: Decimal | None = None
    days_min: int | None = None
    days_max: int | None = None
    trust: int | None = None
    in_stock: bool | None = None
    ships_to_buyer: bool | None = None
    last_ok_at: datetime | None = None


@dataclass
class Ranking:
    ranked: list[Candidate] = field(default_factory=list)  # qualifying, best first
    rejected: list[tuple[Candidate, str, str]] = field(default_factory=list)  # (candidate, category, reason)
    min_margin_pct: Decimal | None = None

    @property
    def best(self) -> Candidate | None:
        return self.ranked[0] if self.ranked else None

    @property
    def text(self) -> str:
        """The recommendation in one sentence ("" when the product has no backup at all)."""
        if self.best is not None:
            return f"Switch to {describe(self.best)}."
        if not self.rejected:
            return ""
        categories = {category for _, category, _ in self.rejected}
        if len(categories) == 1 and len(self.rejected) > 1:
            why = {
                "stock": "all are out of stock",
                "margin": f"all margins are below your minimum of {self.min_margin_pct:.0f}%",
                "stale": f"none was checked in the last {FRESH_DAYS} days",
                "delivery": "all deliver too slowly",
                "ships": "none ships to you",
                "price": "no price read yet",
            }[categories.pop()]
            return f"No backup supplier qualifies: {why}."
        return "No backup supplier qualifies: " + "; ".join(reason for _, _, reason in self.rejected) + "."


def _days(c: Candidate) -> str:
    if c.days_max is None:
        return ""
    if c.days_min is not None and c.days_min < c.days_max:
        return f"{c.days_min}–{c.days_max} days"
    return f"{c.days_max} days"


def describe(c: Candidate) -> str:
    """ "Casa Verde: landed 9.40 USD, margin 31%, 8–12 days, trust 86, in stock" """
    parts = []
    if c.landed is not None:
        parts.append(f"landed {c.landed:,.2f} {c.currency}".strip())
    if c.margin_pct is not None:
        parts.append(f"margin {c.margin_pct:.0f}%")
    if _days(c):
        parts.append(_days(c))
    if c.trust is not None:
        parts.append(f"trust {c.trust}")
    parts.append("in stock" if c.in_stock else "stock unknown")
    return f"{c.name}: {', '.join(parts)}"


def score(c: Candidate, *, max_delivery_days: int) -> Decimal:
    margin = c.margin_pct if c.margin_pct is not None else Decimal(0)
    trust = c.trust if c.trust is not None else TRUST_UNKNOWN
    days = c.days_max if c.days_max is not None else max_delivery_days
    return margin + TRUST_WEIGHT * (trust - TRUST_PIVOT) - DAY_WEIGHT * max(0, days - DAYS_FREE)


def _rejection(
    c: Candidate, *, min_margin_pct: Decimal, max_delivery_days: int, now: datetime, priced: bool
) -> tuple[str, str] | None:
    if c.last_ok_at is None or now - c.last_ok_at > timedelta(days=FRESH_DAYS):
        return "stale", f"{c.name} was not checked in the last {FRESH_DAYS} days"
    if c.in_stock is False:
        return "stock", f"{c.name} is out of stock"
    if c.ships_to_buyer is False:
        return "ships", f"{c.name} does not ship to you"
    if c.landed is None:
        return "price", f"{c.name} has no price read yet"
    if priced and c.margin_pct is None:
        return "price", f"{c.name}'s margin cannot be worked out yet"
    if c.margin_pct is not None and c.margin_pct < min_margin_pct:
        return "margin", f"{c.name}'s margin of {c.margin_pct:.0f}% is below your minimum of {min_margin_pct:.0f}%"
    if c.days_max is not None and c.days_max > max_delivery_days:
        return "delivery", f"{c.name} takes up to {c.days_max} days (your maximum is {max_delivery_days})"
    return None


def rank_alternatives(
    candidates: list[Candidate],
    *,
    min_margin_pct: Decimal,
    max_delivery_days: int,
    now: datetime,
    priced: bool = True,
) -> Ranking:
    """Rank a product's alternatives (see the module's docstring). `priced`: the user set a selling price,
    so a margin is required."""
    ranking = Ranking(min_margin_pct=min_margin_pct)
    for c in candidates:
        why = _rejection(c, min_margin_pct=min_margin_pct, max_delivery_days=max_delivery_days, now=now, priced=priced)
        if why is None:
            ranking.ranked.append(c)
        else:
            ranking.rejected.append((c, *why))
    ranking.ranked.sort(key=lambda c: (-score(c, max_delivery_days=max_delivery_days), c.landed or Decimal(0), c.name))
    return ranking
