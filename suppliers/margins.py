"""What a product costs the user, landed at their customer, and the margin that leaves: one plain function
for the product page, the add preview and the margin rule.

Landed cost = the price of the variant sold + shipping to the user's country + the user's per-order costs
(a payment or marketplace fee in % of the selling price, a fixed fee per order), each converted into the
user's selling currency with a dated rate. A margin that cannot be known honestly (no selling price, no
supplier price, no rate yet) is None with the reason, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CostTerm:
    label: str  # "Variant price", "Shipping", "Payment fee 3%", "Fixed fee per order"
    amount: Decimal  # in the user's currency
    note: str = ""  # how it was worked out: "9.40 USD at 1 USD = 0.92 EUR (ECB of 2026-11-30)"


@dataclass(frozen=True)
class LandedCost:
    currency: str  # the user's selling currency
    terms: tuple[CostTerm, ...] = ()
    total: Decimal | None = None
    margin_pct: Decimal | None = None
    unknown: str = ""  # why the total or the margin cannot be known ("" when both are)
    fee_pct: Decimal = Decimal(0)  # the per-order fee in % of the selling price, counted among the terms
    rates: tuple[str, ...] = field(default_factory=tuple)  # the rates used, as labels

    @property
    def converted(self) -> bool:
        return bool(self.rates)


def landed_cost(
    *,
    price: Decimal | None,
    currency: str,
    my_price: Decimal | None,
    my_currency: str = "",
    shipping_fee: Decimal | None = None,
    shipping_currency: str = "",
    fee_pct: Decimal | None = None,
    fixed_fee: Decimal | None = None,
    rate: Callable | None = None,
) -> LandedCost:
    """`rate(source, target)` answers a monitoring.rates.Rate (or None when none is known)."""
    target = (my_currency or currency or "").upper()
    if price is None:
        return LandedCost(target, unknown="No supplier price has been read yet.")
    terms, labels = [], []

    def convert(amount: Decimal, source: str, label: str) -> CostTerm | str:
        source = (source or currency or target).upper()
        if source == target:
            return CostTerm(label, amount)
        found = rate(source, target) if rate else None
        if found is None:
            return f"No exchange rate from {source} to {target} yet: the margin cannot be worked out."
        if found.label(source, target) not in labels:
            labels.append(found.label(source, target))
        return CostTerm(label, amount * found.value, f"{amount:.2f} {source} at {found.label(source, target)}")

    for amount, source, label in (
        (price, currency, "Supplier price"),
        (shipping_fee, shipping_currency or currency, "Shipping"),
    ):
        if amount is None:
            continue
        term = convert(amount, source, label)
        if isinstance(term, str):
            return LandedCost(target, tuple(terms), unknown=term, rates=tuple(labels))
        terms.append(term)
    if fee_pct and my_price:
        terms.append(CostTerm(f"Payment / marketplace fee {fee_pct.normalize():f}%", my_price * fee_pct / HUNDRED))
    if fixed_fee:
        terms.append(CostTerm("Fixed fee per order", fixed_fee))
    total = sum((t.amount for t in terms), Decimal(0))
    fee = fee_pct if (fee_pct and my_price) else Decimal(0)
    if not my_price or my_price <= 0:
        return LandedCost(target, tuple(terms), total, unknown="Set your selling price to see the margin.", fee_pct=fee)
    margin = (my_price - total) / my_price * HUNDRED
    return LandedCost(target, tuple(terms), total, margin, rates=tuple(labels), fee_pct=fee)


def margin_pct(*, my_price, price, shipping_cost=None, my_currency: str = "", currency: str = ""):
    """The margin without conversion or per-order costs (lists and the add preview before a variant is
    chosen): None when the two prices are in different currencies."""
    if my_currency and currency and my_currency != currency:
        return None
    return landed_cost(
        price=price, currency=currency, my_price=my_price, my_currency=my_currency, shipping_fee=shipping_cost
    ).margin_pct


def price_for_margin(*, landed: LandedCost, my_price: Decimal, min_margin_pct: Decimal) -> Decimal | None:
    """The selling price that gives back the minimum margin with the same costs (the percentage fee grows
    with the price): p such that (p - fixed - p*fee%) / p = min%."""
    if landed.total is None or my_price is None or my_price <= 0:
        return None
    pct_fee = landed.fee_pct / HUNDRED
    fixed = landed.total - pct_fee * my_price
    share = 1 - min_margin_pct / HUNDRED - pct_fee
    if share <= 0:
        return None
    return (fixed / share).quantize(CENT)
