"""What a product costs its user now, landed at their customer in their currency: the plain function in
suppliers/margins.py fed with the user's per-order costs, the rates known (monitoring/rates.py) and the
shipping the source states (else the product's own shipping cost, in the supplier's currency)."""

from __future__ import annotations

from decimal import Decimal

from suppliers.margins import LandedCost, landed_cost
from suppliers.models import Product

from .rates import rates_for


def _lazy_rate(currency: str, manual):
    """A rate lookup that reads the rate table only when something needs converting (most checks compare
    prices in one currency and never ask)."""
    table = None

    def rate(source: str, target: str):
        nonlocal table
        if table is None:
            table = rates_for(currency=currency, manual=manual)
        return table.rate(source, target)

    return rate


def product_landed_cost(
    product: Product,
    prefs,
    *,
    price: Decimal | None,
    currency: str,
    shipping_fee: Decimal | None,
    shipping_currency: str = "",
) -> LandedCost:
    if shipping_fee is None:
        shipping_fee, shipping_currency = product.shipping_cost, currency
    my_currency = product.my_currency or prefs.currency
    return landed_cost(
        price=price,
        currency=currency,
        my_price=product.my_price,
        my_currency=my_currency,
        shipping_fee=shipping_fee,
        shipping_currency=shipping_currency or currency,
        fee_pct=prefs.order_fee_pct,
        fixed_fee=prefs.order_fee_fixed,
        rate=_lazy_rate(my_currency, prefs.manual_rates),
    )


LIMIT = Decimal("9999999")


def keep_landed(product: Product, landed: LandedCost | None) -> None:
    """The landed cost and margin on the product row (bounded to their columns; unknown stays None)."""
    total = landed.total if landed is not None else None
    margin = landed.margin_pct if landed is not None else None
    product.landed_cost = total.quantize(Decimal("0.0001")) if total is not None and abs(total) < LIMIT else None
    product.landed_margin_pct = (
        max(-LIMIT, min(LIMIT, margin)).quantize(Decimal("0.01")) if margin is not None else None
    )


def product_landed_cost_now(product: Product, prefs) -> LandedCost:
    """From the latest values kept on the product row (the product page)."""
    return product_landed_cost(
        product,
        prefs,
        price=product.price,
        currency=product.currency,
        shipping_fee=product.shipping_fee,
        shipping_currency=product.shipping_currency,
    )
