"""The REST API, version 1 (django-ninja), mounted at /api/v1/.

Every route but the schema and the docs needs `Authorization: Bearer <token>` (a personal token made in
Settings → API tokens); every query is scoped to the token's owner, so another user's ids answer 404 just
like ids that do not exist. Errors always have the same body: {"error": {"status", "code", "message",
"details"}}. Writes go through the same services as the web forms (suppliers.intake, monitoring.findings,
the test-order log), so the API cannot do what the forms refuse.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from dashboard.selectors import with_list_columns
from monitoring import companion
from monitoring import findings as finding_services
from monitoring.models import HEALTH_KINDS, Finding, FindingKind
from monitoring.scheduling import check_now
from monitoring.severity import Severity
from monitoring.sources.selector import clean_selector
from monitoring.statuses import FAILED_CHECKS as FAILED_STATUSES
from monitoring.statuses import CheckStatus
from orderlog import selectors as orderlog_selectors
from orderlog import services as orderlog_services
from orderlog.models import Order
from stores.api import stores as stores_router
from suppliers import intake
from suppliers.models import Product, Supplier
from suppliers.services import DuplicateError

from . import history
from .companion import router as companion_router
from .models import TokenKind
from .schemas import (
    Error,
    FindingOut,
    OrderIn,
    OrderOut,
    ProductIn,
    ProductOut,
    ProductPreviewIn,
    ProductPreviewOut,
    SnapshotOut,
    SnoozeIn,
    StorePreviewOut,
    StoreSnapshotOut,
    SupplierIn,
    SupplierOut,
    SupplierPreviewIn,
    TrustOut,
    page_of,
)
from .tokens import rate_check, token_authenticate

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # far past any real list; keeps OFFSET inside the database's integer range
DEFAULT_PAGE_SIZE = 50


def _first_check(item) -> None:
    """As the add forms do: a new item is checked at once, not at the next tick (a supplier only when its
    store page is read at all). With the broker down it stays due and the next tick takes it."""
    if item.next_check_at is None:
        return
    result = check_now(item)
    if not result.queued:
        logger.warning("first check of %s %s not queued: %s", type(item).__name__, item.pk, result.message)


# --- auth and the rate limit --------------------------------------------------------------------


class RateLimited(Exception):
    def __init__(self, retry_after: int, limit: int):
        super().__init__("rate limited")
        self.retry_after = retry_after
        self.limit = limit


class TokenAuth(HttpBearer):
    """A personal API token, and one request counted against its per-minute limit."""

    kind = TokenKind.API

    def authenticate(self, request, token):
        found = token_authenticate(token, kind=self.kind)
        if found is None:
            return None
        verdict = rate_check(found)
        if not verdict.allowed:
            raise RateLimited(verdict.retry_after, verdict.limit)
        request.api_token = found
        return found.owner


class CompanionAuth(TokenAuth):
    """A browser companion token: the companion's routes only (api/companion.py), and no other."""

    kind = TokenKind.COMPANION


api = NinjaAPI(
    title="Dropwatch API",
    version="1",
    description=(
        "Suppliers, products, findings, test orders and their history, for the owner of the token. "
        "Authenticate with `Authorization: Bearer <token>`; make a token in Settings → API tokens."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)

ERRORS = {401: Error, 404: Error, 422: Error, 429: Error}
WRITE_ERRORS = {**ERRORS, 409: Error}


def _error(request, status: int, code: str, message: str, details=None, headers: dict | None = None):
    response = api.create_response(
        request, {"error": {"status": status, "code": code, "message": message, "details": details}}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return _error(
        request,
        401,
        "unauthorized",
        (
            "A valid companion token is required (make one in Settings → Browser companion)."
            if "/companion/" in request.path
            else "A valid API token is required: send `Authorization: Bearer <token>` "
            "(make one in Settings → API tokens)."
        ),
        headers={"WWW-Authenticate": 'Bearer realm="dropwatch"'},
    )


@api.exception_handler(RateLimited)
def _rate_limited(request, exc):
    return _error(
        request,
        429,
        "rate_limited",
        f"More than {exc.limit} requests a minute with this token: retry after {exc.retry_after} s.",
        headers={"Retry-After": str(exc.retry_after)},
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(NinjaValidationError)
def _invalid_request(request, exc):
    details = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors]
    return _error(request, 422, "invalid", "The request is not valid.", details)


@api.exception_handler(DjangoValidationError)
def _invalid_value(request, exc):
    details = exc.message_dict if hasattr(exc, "error_dict") else None
    return _error(request, 422, "invalid", " ".join(exc.messages), details)


@api.exception_handler(intake.PreviewMismatch)
def _preview_mismatch(request, exc):
    return _error(request, 422, "preview_mismatch", str(exc))


@api.exception_handler(DuplicateError)
def _duplicate(request, exc):
    return _error(request, 409, "duplicate", str(exc))


@api.exception_handler(orderlog_services.OrderStateError)
def _conflict(request, exc):
    return _error(request, 409, "conflict", str(exc))


@api.exception_handler(companion.ClaimRefused)
def _claim_refused(request, exc):
    return _error(request, exc.status, exc.code, exc.message)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict"}
    return _error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


@api.exception_handler(Exception)
def _server_error(request, exc):
    logger.exception("API error on %s %s", request.method, request.path)
    return _error(request, 500, "server_error", "Something went wrong on our side; it has been logged.")


# --- helpers ------------------------------------------------------------------------------------


def _page(request, qs, page: int, page_size: int, serialize=None) -> dict:
    page = max(1, min(page, MAX_PAGE))
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = (page - 1) * page_size
    rows = list(qs[start : start + page_size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": [serialize(r) for r in rows] if serialize else rows,
    }


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _amount(value: Decimal | None, label: str) -> Decimal | None:
    """The form's amount rules (at most 4 decimals, not absurdly large) for a JSON number or string."""
    if value is None:
        return None
    try:
        return intake.parse_amount(f"{value:f}")
    except DjangoValidationError as exc:
        raise DjangoValidationError({label: exc.messages}) from None


def _suppliers(user):
    return Supplier.objects.filter(owner=user).annotate(
        product_count=Count("products", distinct=True),
        open_findings=Count(
            "findings",
            filter=Q(findings__resolved_at__isnull=True) & ~Q(findings__kind__in=HEALTH_KINDS),
            distinct=True,
        ),
    )


def _products(user):
    return with_list_columns(Product.objects.filter(owner=user))


def _product_out(p: Product) -> dict:
    data = {f: getattr(p, f) for f in ProductOut.model_fields if hasattr(p, f) and f not in ("variant",)}
    data["variant"] = p.variant_sku
    data["margin_pct"] = getattr(p, "margin", None)  # the list columns' margin: landed and converted when known
    data["open_findings"] = getattr(p, "open_count", 0)
    return data


def finding_state(f: Finding, now: datetime) -> str:
    if f.resolved_at is not None:
        return "resolved"
    if f.snoozed_until is not None and f.snoozed_until > now:
        return "snoozed"
    if f.acknowledged_at is not None:
        return "acknowledged"
    return "open"


SEVERITY_NAMES = {s.label.lower(): s.value for s in Severity}


def _finding_out(f: Finding, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        **{f_: getattr(f, f_) for f_ in FindingOut.model_fields if hasattr(f, f_)},
        "kind_label": f.get_kind_display(),
        "severity": Severity(f.severity).label.lower() if f.severity in Severity.values else str(f.severity),
        "state": finding_state(f, now),
        "evidence": f.evidence or {},
    }


# --- suppliers ----------------------------------------------------------------------------------

suppliers = Router(tags=["suppliers"])

SupplierPage = page_of(SupplierOut, "SupplierPage")


@suppliers.get("", response={200: SupplierPage, **ERRORS}, operation_id="supplier_list")
def supplier_list(
    request, q: str = "", platform: str = "", active: bool | None = None, page: int = 1, page_size: int = 50
):
    """Your suppliers, by name. `q` searches the name, store id and notes."""
    qs = _suppliers(request.auth)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(platform_store_id__icontains=q) | Q(notes__icontains=q))
    if platform:
        qs = qs.filter(platform=platform)
    if active is not None:
        qs = qs.filter(active=active)
    return _page(request, qs.order_by("name", "id"), page, page_size)


@suppliers.post("/preview", response={200: StorePreviewOut, **ERRORS}, operation_id="supplier_preview")
def supplier_preview(request, payload: SupplierPreviewIn):
    """What adding this store would do; reads the store page when Dropwatch reads that platform's store pages."""
    preview = intake.supplier_preview(owner=request.auth, url=payload.store_url, platform=payload.platform)
    store = preview.store
    return {
        "url": preview.url,
        "platform": preview.platform,
        "store_id": preview.store_id,
        "status": str(preview.obs.status) if preview.obs else "",
        "advice": preview.advice,
        "can_add": preview.can_add,
        "existing_supplier_id": preview.existing.pk if preview.existing else None,
        "store_name": store.name if store else "",
        "token": preview.token,
    }


@suppliers.post("", response={201: SupplierOut, **WRITE_ERRORS}, operation_id="supplier_create")
def supplier_create(request, payload: SupplierIn):
    """Add a supplier by its store address (as the add-by-URL form does). Nothing is fetched here; with a
    preview's `token` the store name the preview read is used when you give none."""
    supplier = intake.supplier_add_from_url(
        owner=request.auth, url=payload.store_url, platform=payload.platform, name=payload.name, token=payload.token
    )
    _first_check(supplier)
    return Status(201, _suppliers(request.auth).get(pk=supplier.pk))


@suppliers.get("/{int:supplier_id}", response={200: SupplierOut, **ERRORS}, operation_id="supplier_detail")
def supplier_detail(request, supplier_id: int):
    return get_object_or_404(_suppliers(request.auth), pk=supplier_id)


@suppliers.get("/{int:supplier_id}/trust", response={200: TrustOut, **ERRORS}, operation_id="supplier_trust")
def supplier_trust(request, supplier_id: int):
    """The trust score (0–100) and every reason for it, as recomputed after the supplier's last check."""
    supplier = get_object_or_404(Supplier, pk=supplier_id, owner=request.auth)
    return {"supplier_id": supplier.pk, "score": supplier.trust_score, "reasons": supplier.trust_reasons or []}


StoreSnapshotPage = page_of(StoreSnapshotOut, "StoreSnapshotPage")


@suppliers.get(
    "/{int:supplier_id}/history",
    response={200: StoreSnapshotPage, **ERRORS},
    operation_id="supplier_history",
)
def supplier_history(
    request,
    supplier_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    fmt: str = Query("json", alias="format", pattern="^(json|csv)$"),
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """The store's readings (positive feedback, followers, detailed ratings), oldest first. JSON is paginated;
    `?format=csv` answers every reading in the range as one CSV file."""
    supplier = get_object_or_404(Supplier, pk=supplier_id, owner=request.auth)
    rows = history.supplier_history(supplier, since=_aware(since), until=_aware(until))
    if fmt == "csv":
        return history.csv_response(rows, history.STORE_SNAPSHOT_FIELDS, f"supplier-{supplier.pk}-history.csv")
    return _page(request, rows, page, page_size)


# --- products -----------------------------------------------------------------------------------

products = Router(tags=["products"])

ProductPage = page_of(ProductOut, "ProductPage")
PRODUCT_STATUSES = "^(|problems|failing|ok)$"


@products.get("", response={200: ProductPage, **ERRORS}, operation_id="product_list")
def product_list(
    request,
    q: str = "",
    supplier: int | None = None,
    platform: str = "",
    status: str = Query("", pattern=PRODUCT_STATUSES, description="problems, failing or ok"),
    in_stock: bool | None = None,
    active: bool | None = None,
    backups: bool = False,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """Your products, by title. `q` searches title, address and supplier name; `status=problems` has open
    findings, `failing` can't be verified, `ok` is healthy. Backup sources of a product are not listed here
    (`backs_up` is their product); ask with `backups=true` to list them too."""
    qs = _products(request.auth)
    if not backups:
        qs = qs.filter(backs_up__isnull=True)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(url__icontains=q) | Q(supplier__name__icontains=q))
    if supplier is not None:
        qs = qs.filter(supplier_id=supplier)
    if platform:
        qs = qs.filter(platform=platform)
    if in_stock is not None:
        qs = qs.filter(in_stock=in_stock)
    if active is not None:
        qs = qs.filter(active=active)
    if status == "problems":
        qs = qs.filter(open_count__gt=0)
    elif status == "failing":
        qs = qs.filter(last_status__in=FAILED_STATUSES)
    elif status == "ok":
        qs = qs.filter(last_status=CheckStatus.OK, open_count=0)
    return _page(request, qs.order_by("title", "id"), page, page_size, _product_out)


@products.post("/preview", response={200: ProductPreviewOut, **ERRORS}, operation_id="product_preview")
def product_preview(request, payload: ProductPreviewIn):
    """Read the page as the add-product form's "Preview" does (nothing is saved): what Dropwatch sees, its
    variants, and the `token` to confirm with."""
    return _preview_out(
        intake.product_preview(
            owner=request.auth, url=payload.url, platform=payload.platform, price_selector=payload.price_selector
        )
    )


def _preview_out(preview) -> dict:
    obs = preview.obs
    store = preview.store
    return {
        "url": preview.url,
        "platform": preview.platform,
        "status": preview.status,
        "message": obs.message if obs else "",
        "advice": preview.advice,
        "can_add": preview.can_add,
        "existing_product_id": preview.existing.pk if preview.existing else None,
        "title": obs.title if obs else "",
        "price": obs.price if obs else None,
        "price_max": obs.price_max if obs else None,
        "currency": obs.currency if obs else "",
        "in_stock": obs.in_stock if obs else None,
        "rating": obs.rating if obs else None,
        "review_count": obs.review_count if obs else None,
        "store": {"id": store.id, "name": store.name, "url": preview.store_link} if store else None,
        "supplier_id": preview.supplier.pk if preview.supplier else None,
        "new_supplier_name": preview.new_supplier_name,
        "variants": [
            {"id": v.id, "name": v.name, "price": v.price, "currency": v.currency, "in_stock": v.in_stock}
            for v in (obs.variants if obs else [])
        ],
        "price_choices": [vars(c) for c in preview.price_choices],
        "needs_javascript": preview.needs_javascript,
        "price_selector": preview.price_selector,
        "selector_price": preview.selector_price,
        "selector_error": preview.selector_error,
        "token": preview.token,
    }


@products.post("", response={201: ProductOut, **WRITE_ERRORS}, operation_id="product_create")
def product_create(request, payload: ProductIn):
    """Add a product by its address, through the add-product form's own preview and validation: with the
    `token` of POST /products/preview, or without one (the page is previewed now and added if it can be).
    Its supplier is created from the page's store block, as on the form. The product is due at once."""
    owner = request.auth
    my_price = _amount(payload.my_price, "my_price")
    shipping_cost = _amount(payload.shipping_cost, "shipping_cost")
    token, url = payload.token, payload.url
    try:
        selector = clean_selector(payload.price_selector)
    except DjangoValidationError as exc:
        raise DjangoValidationError({"price_selector": exc.messages}) from None
    for _attempt in range(2):
        if not token:
            preview = intake.product_preview(owner=owner, url=url, platform=payload.platform, price_selector=selector)
            if preview.existing is not None:
                raise DuplicateError("You already watch this product.")
            if not preview.can_add:
                raise DjangoValidationError(preview.advice or f"This page cannot be added ({preview.status}).")
            if preview.selector_error:
                raise DjangoValidationError({"price_selector": [preview.selector_error]})
            token, url = preview.token, preview.url
        try:
            product = intake.product_add_from_preview(
                owner=owner,
                url=url,
                token=token,
                platform=payload.platform,
                my_price=my_price,
                my_currency=payload.my_currency,
                shipping_cost=shipping_cost,
                variant=payload.variant.strip(),
                price_selector=selector,
            )
        except intake.SelectorNotPreviewed:
            token = ""  # a selector the token's preview did not try: preview again with it
            continue
        break
    else:
        raise DjangoValidationError({"price_selector": ["The page could not be read again with your selector."]})
    _first_check(product)
    return Status(201, _product_out(_products(owner).get(pk=product.pk)))


@products.get("/{int:product_id}", response={200: ProductOut, **ERRORS}, operation_id="product_detail")
def product_detail(request, product_id: int):
    return _product_out(get_object_or_404(_products(request.auth), pk=product_id))


SnapshotPage = page_of(SnapshotOut, "SnapshotPage")


@products.get("/{int:product_id}/history", response={200: SnapshotPage, **ERRORS}, operation_id="product_history")
def product_history(
    request,
    product_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    fmt: str = Query("json", alias="format", pattern="^(json|csv)$"),
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """Every check of the product (failed ones too), oldest first. JSON is paginated; `?format=csv` answers
    every check in the range as one CSV file."""
    product = get_object_or_404(Product, pk=product_id, owner=request.auth)
    rows = history.product_history(product, since=_aware(since), until=_aware(until))
    if fmt == "csv":
        return history.csv_response(rows, history.SNAPSHOT_FIELDS, f"product-{product.pk}-history.csv")
    return _page(request, rows, page, page_size)


# --- findings -----------------------------------------------------------------------------------

findings = Router(tags=["findings"])

FindingPage = page_of(FindingOut, "FindingPage")


@findings.get("", response={200: FindingPage, **ERRORS}, operation_id="finding_list")
def finding_list(
    request,
    kind: str = Query("", description="e.g. price_increase, out_of_stock"),
    severity: str = Query("", pattern="^(|info|warning|critical)$"),
    state: str = Query("", pattern="^(|open|acknowledged|snoozed|resolved)$"),
    product: int | None = None,
    supplier: int | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """Your findings, most severe and newest first. `state`: open (not acknowledged, not snoozed),
    acknowledged, snoozed (until a future time) or resolved."""
    now = timezone.now()
    qs = Finding.objects.filter(owner=request.auth)
    if kind:
        if kind not in FindingKind.values:
            raise DjangoValidationError({"kind": [f"Not a finding kind: one of {', '.join(FindingKind.values)}."]})
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=SEVERITY_NAMES[severity])
    unresolved = Q(resolved_at__isnull=True)
    snoozed = Q(snoozed_until__gt=now)
    if state == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    elif state == "snoozed":
        qs = qs.filter(unresolved & snoozed)
    elif state == "acknowledged":
        qs = qs.filter(unresolved, acknowledged_at__isnull=False).exclude(snoozed)
    elif state == "open":
        qs = qs.filter(unresolved, acknowledged_at__isnull=True).exclude(snoozed)
    if product is not None:
        qs = qs.filter(product_id=product)
    if supplier is not None:
        qs = qs.filter(Q(supplier_id=supplier) | Q(product__supplier_id=supplier))
    qs = qs.order_by("-severity", "-opened_at", "-id")
    return _page(request, qs, page, page_size, lambda f: _finding_out(f, now))


def _finding(request, finding_id: int) -> Finding:
    return get_object_or_404(Finding.objects.select_related("product", "supplier"), pk=finding_id, owner=request.auth)


def _still_open(finding: Finding) -> None:
    if finding.resolved_at is not None:
        raise HttpError(409, "This finding is resolved already.")


@findings.get("/{int:finding_id}", response={200: FindingOut, **ERRORS}, operation_id="finding_detail")
def finding_detail(request, finding_id: int):
    return _finding_out(_finding(request, finding_id))


@findings.post(
    "/{int:finding_id}/acknowledge", response={200: FindingOut, **WRITE_ERRORS}, operation_id="finding_acknowledge"
)
def finding_acknowledge(request, finding_id: int):
    """Seen it: it stays open but leaves the "open" state (a worse reading shows it again)."""
    finding = _finding(request, finding_id)
    _still_open(finding)
    finding_services.finding_acknowledge(finding=finding, now=timezone.now())
    return _finding_out(finding)


@findings.post("/{int:finding_id}/snooze", response={200: FindingOut, **WRITE_ERRORS}, operation_id="finding_snooze")
def finding_snooze(request, finding_id: int, payload: SnoozeIn):
    """No alerts for it until `until` (a future ISO date or date-time)."""
    finding = _finding(request, finding_id)
    until = _parse_until(payload.until)
    _still_open(finding)
    finding_services.finding_snooze(finding=finding, until=until)
    return _finding_out(finding)


@findings.post("/{int:finding_id}/resolve", response={200: FindingOut, **WRITE_ERRORS}, operation_id="finding_resolve")
def finding_resolve(request, finding_id: int):
    """This is fine: resolve it and restart the rule's baseline from now (resolving twice changes nothing)."""
    finding = _finding(request, finding_id)
    finding_services.finding_resolve(finding=finding, now=timezone.now())
    return _finding_out(finding)


def _parse_until(raw: str) -> datetime:
    text = (raw or "").strip()
    try:
        until = datetime.fromisoformat(text) if "T" in text or " " in text else None
        if until is None:
            until = datetime.combine(datetime.fromisoformat(text).date(), time.min)
    except ValueError:
        raise DjangoValidationError({"until": ["Give an ISO 8601 date or date-time, such as 2026-12-24."]}) from None
    until = _aware(until)
    if until <= timezone.now():
        raise DjangoValidationError({"until": ["Choose a time in the future to snooze until."]})
    return until


# --- test orders --------------------------------------------------------------------------------

test_orders = Router(tags=["test orders"])

OrderPage = page_of(OrderOut, "OrderPage")


@test_orders.get("", response={200: OrderPage, **ERRORS}, operation_id="order_list")
def order_list(
    request,
    show: str = Query("all", pattern="^(all|open|failed)$"),
    supplier: int | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """Your test orders, newest first. `show=open`: not finished; `show=failed`: failed, disputed, refunded or lost."""
    owner = request.auth
    supplier_obj = get_object_or_404(Supplier, pk=supplier, owner=owner) if supplier is not None else None
    return _page(request, orderlog_selectors.order_list(owner=owner, show=show, supplier=supplier_obj), page, page_size)


@test_orders.get("/{int:order_id}", response={200: OrderOut, **ERRORS}, operation_id="order_detail")
def order_detail(request, order_id: int):
    return get_object_or_404(Order, pk=order_id, owner=request.auth)


@test_orders.post("", response={201: OrderOut, **WRITE_ERRORS}, operation_id="order_create")
def order_create(request, payload: OrderIn):
    """Log a test order, with the form's rules (dates that can be true, amounts not negative). Without
    `protection_ends_on`, buyer protection ends the platform's days after `ordered_on`."""
    owner = request.auth
    supplier = Supplier.objects.filter(pk=payload.supplier_id, owner=owner).first()
    if supplier is None:
        raise DjangoValidationError({"supplier_id": ["You have no supplier with this id."]})
    product = None
    if payload.product_id is not None:
        product = Product.objects.filter(pk=payload.product_id, owner=owner).first()
        if product is None:
            raise DjangoValidationError({"product_id": ["You have no product with this id."]})
    order = orderlog_services.order_create(
        owner=owner,
        supplier=supplier,
        product=product,
        ordered_on=payload.ordered_on,
        order_number=payload.order_number,
        amount_paid=_amount(payload.amount_paid, "amount_paid"),
        currency=payload.currency,
        shipping_method=payload.shipping_method,
        tracking_number=payload.tracking_number,
        promised_from=payload.promised_from,
        promised_to=payload.promised_to,
        protection_ends_on=payload.protection_ends_on,
        notes=payload.notes,
    )
    return Status(201, order)


api.add_router("/suppliers", suppliers)
api.add_router("/products", products)
api.add_router("/findings", findings)
api.add_router("/test-orders", test_orders)
api.add_router("/stores", stores_router)
api.add_router("/companion", companion_router, auth=CompanionAuth())
