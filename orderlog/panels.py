"""Context for the test-order sections that other pages include: the "Test orders" panel of a supplier or
product page, and the reminders on the dashboard and the test-order list."""

from django.utils import timezone

from accounts.models import settings_for
from suppliers.models import Product, Supplier

from . import selectors
from .forms import OrderForm

PANEL_TEMPLATE = "orderlog/_panel.html"
PANEL_ORDERS = 10


def order_initial(supplier: Supplier | None, product: Product | None) -> dict:
    """A new test order prefilled from the page it is logged from."""
    initial = {}
    if supplier is not None:
        initial["supplier"] = supplier.pk
    if product is not None:
        initial.update(product=product.pk, currency=product.currency or product.my_currency or "USD")
        if product.price is not None:
            initial["amount_paid"] = product.price
    return initial


def reminders_context(user, *, include_due: bool = True) -> dict:
    today = timezone.localdate()
    # The same warning window as the reminder emails (orderlog.reminders).
    within_days = settings_for(user).protection_warning_days
    ctx = {
        "protection_ending": list(
            selectors.orders_with_protection_ending(owner=user, today=today, within_days=within_days)[:20]
        ),
        "unchecked": list(selectors.delivered_orders_without_check(owner=user)[:20]),
    }
    if include_due:
        ctx["due_suppliers"] = selectors.suppliers_due_for_test_order(owner=user, today=today)
    return ctx


def panel_context(request, *, supplier: Supplier | None, product: Product | None = None, form=None, logged=None):
    """Everything the "Test orders" section of a supplier or product page shows."""
    ctx = {"panel_supplier": supplier, "panel_product": product, "panel_logged": logged}
    if supplier is None:
        return ctx
    if form is None:
        form = OrderForm(owner=request.user, products_of=supplier, initial=order_initial(supplier, product))
    orders = selectors.order_list(owner=request.user, supplier=supplier)
    shown = list(orders[: PANEL_ORDERS + 1])
    ctx.update(
        panel_form=form,
        panel_orders=shown[:PANEL_ORDERS],
        panel_more=len(shown) > PANEL_ORDERS,
        panel_due=selectors.supplier_test_order_due(supplier=supplier),
        panel_summary=selectors.order_summary(supplier=supplier),
        panel_protection_days=selectors.protection_days_for(platform=supplier.platform),
    )
    return ctx
