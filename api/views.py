"""Pages (session sign-in, CSRF) around the API: the user's tokens, and the history exports linked from the
product and supplier pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import settings_for
from suppliers.models import Product, Supplier
from suppliers.platforms import Platform

from . import history
from .models import ApiToken, TokenKind
from .tokens import rate_limit, token_create, token_revoke

TOKENS_TEMPLATE = "api/tokens.html"


def _tokens_page(request, *, created=None, plain="", error="", name="", status=200):
    partial = request.htmx and not request.htmx.history_restore_request
    context = {
        "tokens": ApiToken.objects.filter(owner=request.user, kind=TokenKind.API),
        "created": created,
        "plain": plain,  # the new token itself: in this one response only
        "error": error,
        "name": name,
        "rate_limit": rate_limit(),
    }
    template = f"{TOKENS_TEMPLATE}#tokens" if partial else TOKENS_TEMPLATE
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a new token
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    """List the user's tokens; POST creates one and shows it this once (only its digest is kept)."""
    if request.method == "GET":
        return _tokens_page(request)
    name = request.POST.get("name", "")
    try:
        created, plain = token_create(owner=request.user, name=name)
    except ValidationError as exc:
        return _tokens_page(request, error=" ".join(exc.messages), name=name[:100], status=400)
    return _tokens_page(request, created=created, plain=plain)


@login_required
@require_POST
def token_revoke_view(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, owner=request.user)
    token_revoke(token=token)
    if request.htmx:
        return _tokens_page(request)
    return redirect("api_tokens")


# --- the browser companion: its tokens and where it may check -------------------------------------

COMPANION_TEMPLATE = "api/companion.html"


def _companion_page(request, *, created=None, plain="", error="", status=200):
    prefs = settings_for(request.user)
    context = {
        "tokens": ApiToken.objects.filter(owner=request.user, kind=TokenKind.COMPANION),
        "created": created,
        "plain": plain,  # the new token itself: in this one response only
        "error": error,
        "platforms": [(value, label, value in prefs.companion_platforms) for value, label in Platform.choices],
        "site_url": request.build_absolute_uri("/").rstrip("/"),
    }
    response = render(request, COMPANION_TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def companion_settings(request):
    """Companion tokens (made, shown once, revoked) and the platforms "Check from my browser" is on for."""
    if request.method == "GET":
        return _companion_page(request)
    if request.POST.get("action") == "platforms":
        prefs = settings_for(request.user)
        prefs.companion_platforms = [p for p in Platform.values if p in request.POST.getlist("platforms")]
        prefs.save(update_fields=["companion_platforms"])
        messages.success(request, "Saved where your browser may check.")
        return redirect("companion_settings")
    try:
        created, plain = token_create(
            owner=request.user, name=request.POST.get("name", "") or "Browser companion", kind=TokenKind.COMPANION
        )
    except ValidationError as exc:
        return _companion_page(request, error=" ".join(exc.messages), status=400)
    return _companion_page(request, created=created, plain=plain)


@login_required
@require_POST
def companion_token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, owner=request.user, kind=TokenKind.COMPANION)
    token_revoke(token=token)
    return redirect("companion_settings")


# --- history exports (the links on the product and supplier pages) --------------------------------


@login_required
@require_GET
def product_history_csv(request, pk):
    product = get_object_or_404(Product, pk=pk, owner=request.user)
    return history.csv_response(
        history.product_history(product), history.SNAPSHOT_FIELDS, f"product-{product.pk}-history.csv"
    )


@login_required
@require_GET
def product_history_json(request, pk):
    product = get_object_or_404(Product, pk=pk, owner=request.user)
    rows = [history.json_row(r) for r in history.product_history(product)]
    return _json_download(
        {"product_id": product.pk, "count": len(rows), "items": rows}, f"product-{product.pk}-history.json"
    )


@login_required
@require_GET
def supplier_history_csv(request, pk):
    supplier = get_object_or_404(Supplier, pk=pk, owner=request.user)
    return history.csv_response(
        history.supplier_history(supplier), history.STORE_SNAPSHOT_FIELDS, f"supplier-{supplier.pk}-history.csv"
    )


@login_required
@require_GET
def supplier_history_json(request, pk):
    supplier = get_object_or_404(Supplier, pk=pk, owner=request.user)
    rows = [history.json_row(r) for r in history.supplier_history(supplier)]
    return _json_download(
        {"supplier_id": supplier.pk, "count": len(rows), "items": rows}, f"supplier-{supplier.pk}-history.json"
    )


def _json_download(data: dict, filename: str) -> JsonResponse:
    response = JsonResponse(data)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
