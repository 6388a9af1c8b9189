"""The user's margin on a product: one plain function for the pages, the add preview and the margin rule."""


def margin_pct(*, my_price, price, shipping_cost=None, my_currency: str = "", currency: str = ""):
    """(selling price - supplier price - shipping) / selling price, in percent. None when it cannot be known
    honestly: no selling price, no supplier price, or prices in two different currencies."""
    if not my_price or my_price <= 0 or price is None:
        return None
    if my_currency and currency and my_currency != currency:
        return None
    return (my_price - price - (shipping_cost or 0)) / my_price * 100
