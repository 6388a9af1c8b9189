"""The store pages: connect, sync now, disconnect (the Stores page), the unmapped variants, and mapping one
of them through the add preview. Thin: the work is in stores.services, stores.sync and suppliers.intake.
Every query goes through the signed-in owner; every change is a POST with Django's CSRF check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from monitoring.scheduling import check_now
from suppliers import intake
from suppliers.models import Product
from suppliers.services import DuplicateError

from . import selectors, services
from .models import StoreConnection, StoreVariant


@login_required
def store_list(request):
    """The user's connected stores; POST connects one (the token is checked with Shopify first)."""
    ctx = {"domain": "", "error": ""}
    if request.method == "POST":
        domain = request.POST.get("domain", "")
        try:
            connection = services.store_connect(owner=request.user, domain=domain, token=request.POST.get("token", ""))
        except ValidationError as exc:
            ctx.update(error=" ".join(exc.messages), domain=domain[:255])
        else:
            queued = services.store_sync_queue(connection=connection)
            messages.success(request, f"{connection.shop_domain} connected. {queued}")
            return redirect("store_list")
    ctx.update(
        connections=selectors.connections_for(request.user),
        unmapped_count=selectors.unmapped_for(request.user).count(),
        mapped=selectors.mapped_for(request.user).order_by("product_title", "variant_title")[:500],
    )
    return render(request, "stores/store_list.html", ctx, status=400 if ctx["error"] else 200)


@login_required
@require_POST
def store_sync_now(request, pk):
    connection = get_object_or_404(StoreConnection, pk=pk, owner=request.user)
    messages.info(request, services.store_sync_queue(connection=connection))
    return redirect("store_list")


@login_required
@require_POST
def store_disconnect(request, pk):
    connection = get_object_or_404(StoreConnection, pk=pk, owner=request.user)
    name = connection.shop_domain
    services.store_disconnect(connection=connection)
    messages.success(request, f"{name} disconnected; its token is deleted. Your products and their history stay.")
    return redirect("store_list")


@login_required
def store_unmapped(request):
    variants = list(selectors.unmapped_for(request.user)[:1000])
    return render(request, "stores/unmapped.html", {"variants": variants})


@login_required
def store_variant_map(request, pk):
    """Map one store variant: paste the supplier's address, see the add preview, pick the supplier's
    variant, confirm. The product is created selling at the store variant's price and currency; those
    come from the row, never from the browser."""
    variant = get_object_or_404(StoreVariant.objects.select_related("connection", "product"), pk=pk, owner=request.user)
    ctx = {"variant": variant, "url": variant.supplier_url, "preview": None, "error": ""}
    if request.method == "POST":
        step = request.POST.get("step", "preview")
        url = request.POST.get("url", "").strip()
        ctx["url"] = url[:2000]
        try:
            if variant.product_id is not None:
                raise ValidationError("This store variant is already mapped.")
            if step == "confirm":
                product = intake.product_add_from_preview(
                    owner=request.user,
                    url=url,
                    token=request.POST.get("token", ""),
                    my_price=variant.price if variant.price and variant.price > 0 else None,
                    my_currency=variant.currency,
                    variant=request.POST.get("variant", ""),
                )
                check_now(product)  # as after any add: read the supplier's page right away
                return _mapped(request, variant, product)
            if step == "existing":
                product = get_object_or_404(Product, pk=_int(request.POST.get("product")), owner=request.user)
                return _mapped(request, variant, product)
            ctx["preview"] = intake.product_preview(owner=request.user, url=url)
        except (ValidationError, DuplicateError, intake.PreviewMismatch, PermissionError) as exc:
            ctx["error"] = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return render(request, "stores/variant_map.html", ctx, status=400 if ctx["error"] else 200)


def _mapped(request, variant, product):
    services.store_variant_map(variant=variant, product=product)
    messages.success(request, f"“{variant.title}” now sets the selling price of {product}.")
    return redirect("store_unmapped")


def _int(value) -> int:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 12 else 0
