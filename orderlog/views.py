"""Pages of the test-order log. Thin: every query is scoped to the signed-in user (anyone else's id is a 404,
in full pages, htmx fragments, photo URLs and the CSV export alike); writes go through orderlog.services.

htmx, the Django way: one view serves the page and, when `request.htmx`, a partial of it. Each order is one
`<tbody id="test-order-N">` (the `order-row` partial of test_order_list.html), so the inline steps (mark
shipped, mark delivered, record the check, dispute...) answer an htmx request with that order's tbody, and a
plain request with a redirect. Forms keep their action and links their href: everything works without JS.
"""

from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import generic
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from config.web import OwnedMixin, page_or_fragment, wants_fragment
from suppliers.models import Product, Supplier

from . import evidence, export, selectors, services
from .forms import (
    OrderCheckForm,
    OrderDeliverForm,
    OrderForm,
    OrderPhotoForm,
    OrderShipForm,
    OrderStatusForm,
)
from .models import PHOTO_EXTENSIONS, Order, OrderPhoto
from .panels import PANEL_TEMPLATE, order_initial, panel_context, reminders_context

LIST_TEMPLATE = "orderlog/order_list.html"
ROW = LIST_TEMPLATE + "#order-row"


def _owned_id(request, model, param: str):
    """The object named by a query parameter among the user's own, a 404 for anyone else's (or garbage)."""
    raw = request.GET.get(param, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise Http404
    return get_object_or_404(model, pk=int(raw), owner=request.user)


def _add_service_error(form, exc: Exception) -> None:
    """Show a service's refusal on the form: ValidationError field by field where the form has the field."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc)
    else:
        form.add_error(None, str(exc))


# --- List, detail, export ------------------------------------------------------------------------


class OrderList(LoginRequiredMixin, generic.ListView):
    template_name = LIST_TEMPLATE
    context_object_name = "orders"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        show = request.GET.get("show", "all")
        self.show = show if show in selectors.LIST_FILTERS else "all"
        self.supplier = _owned_id(request, Supplier, "supplier")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if self.show == "due":
            return Order.objects.none()
        return selectors.order_list(owner=self.request.user, show=self.show, supplier=self.supplier)

    def get_template_names(self):
        return [page_or_fragment(self.request, LIST_TEMPLATE, "results")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(show=self.show, filters=selectors.LIST_FILTERS, filter_supplier=self.supplier)
        if self.show == "due":
            due = selectors.suppliers_due_for_test_order(owner=self.request.user)
            if self.supplier is not None:
                due = [d for d in due if d.supplier.pk == self.supplier.pk]
            ctx["due_suppliers"] = due
        if not wants_fragment(self.request):
            ctx.update(reminders_context(self.request.user, include_due=False))
        return ctx


class OrderDetail(OwnedMixin, generic.DetailView):
    """The order's page; asked by htmx (the "cancel" of an inline form), its row."""

    model = Order
    context_object_name = "order"

    def get_queryset(self):
        return super().get_queryset().select_related("supplier", "product")

    def get_template_names(self):
        return [ROW] if wants_fragment(self.request) else ["orderlog/order_detail.html"]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("photo_form", OrderPhotoForm())
        ctx["photos"] = self.object.photos.all()
        ctx["status_actions"] = OrderStatusForm.base_fields["status"].choices
        # A failed test order of a product with backup suppliers: which one to switch to (or why none).
        product = self.object.product
        if self.object.failed and product is not None and product.backs_up_id is None:
            from suppliers.backups import ranking_for

            ranking = ranking_for(product, now=timezone.now())
            ctx["recommendation"] = ranking.text if ranking is not None else ""
        return ctx


@login_required
@require_GET
def order_export(request):
    """CSV of the user's test orders (the list's filters apply), every cell spreadsheet-safe."""
    show = request.GET.get("show", "all")
    show = show if show in ("all", "open", "failed") else "all"
    supplier = _owned_id(request, Supplier, "supplier")
    orders = selectors.order_list(owner=request.user, show=show, supplier=supplier)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="test-orders-{timezone.localdate():%Y-%m-%d}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response.write("\ufeff")  # a BOM, so spreadsheets read the file as UTF-8
    response.write(export.order_csv(orders=orders.iterator()))
    return response


# --- Create and edit ----------------------------------------------------------------------------


class OrderCreate(LoginRequiredMixin, generic.CreateView):
    """The full "log a test order" page (prefilled by ?supplier=ID&product=ID), and the inline form of
    the "Test orders" section: an htmx post with ?supplier= answers with that section re-rendered."""

    model = Order
    form_class = OrderForm
    template_name = "orderlog/order_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.product = _owned_id(request, Product, "product")
        self.supplier = _owned_id(request, Supplier, "supplier")
        if self.supplier is None and self.product is not None:
            self.supplier = self.product.supplier
        self.panel = wants_fragment(request) and self.supplier is not None
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return order_initial(self.supplier, self.product)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "owner": self.request.user}
        if self.supplier is not None:  # opened from a supplier (its page, its row): only its products
            kwargs["products_of"] = self.supplier
        return kwargs

    def _panel(self, **ctx):
        return render(
            self.request,
            PANEL_TEMPLATE,
            panel_context(self.request, supplier=self.supplier, product=self.product, **ctx),
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            order = services.order_create(
                owner=self.request.user,
                supplier=data["supplier"],
                product=data["product"],
                ordered_on=data["ordered_on"],
                order_number=data["order_number"],
                amount_paid=data["amount_paid"],
                currency=data["currency"],
                shipping_method=data["shipping_method"],
                tracking_number=data["tracking_number"],
                promised_from=data["promised_from"],
                promised_to=data["promised_to"],
                protection_ends_on=data["protection_ends_on"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            _add_service_error(form, exc)
            return self.form_invalid(form)
        if self.panel:
            return self._panel(logged=order)
        messages.success(self.request, "Test order logged.")
        if wants_fragment(self.request):
            return HttpResponseClientRedirect(order.get_absolute_url())
        return redirect(order)

    def form_invalid(self, form):
        if self.panel:
            return self._panel(form=form)
        return super().form_invalid(form)


class OrderUpdate(OwnedMixin, generic.UpdateView):
    model = Order
    form_class = OrderForm
    template_name = "orderlog/order_form.html"
    context_object_name = "order"

    def get_queryset(self):
        return super().get_queryset().select_related("supplier", "product")

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "owner": self.request.user}
        kwargs["instance"] = copy(self.object)
        return kwargs

    def form_valid(self, form):
        changes = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in form.cleaned_data}
        try:
            order = services.order_update(order=self.object, **changes)
        except ValidationError as exc:
            _add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Test order saved.")
        return redirect(order)


class OrderDelete(OwnedMixin, generic.DeleteView):
    model = Order
    context_object_name = "order"
    template_name = "orderlog/order_confirm_delete.html"

    def form_valid(self, form):
        services.order_delete(order=self.object)
        messages.success(self.request, "Test order deleted.")
        return redirect("test_order_list")


# --- Inline steps ---------------------------------------------------------------------------------


class OrderStepView(OwnedMixin, generic.UpdateView):
    """One step on an order. GET: the form (a page, or with htmx the order's row holding the form inline).
    POST: the service; then a redirect to the order, or with htmx the updated row. A refused step shows
    its form again with the reason."""

    model = Order
    context_object_name = "order"
    template_name = "orderlog/order_step.html"
    title = ""
    step_url = ""
    submit_label = "Save"

    def get_queryset(self):
        return super().get_queryset().select_related("supplier", "product")

    def get_form_kwargs(self):
        # The form works on a copy: the page and the row keep showing the order as it is saved. Its ids are
        # per order, so inline forms never clash with each other or with the page's own form.
        return {**super().get_form_kwargs(), "instance": copy(self.object), "auto_id": f"id_{self.object.pk}_%s"}

    def get_template_names(self):
        return [ROW] if wants_fragment(self.request) else [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            inline_form=ctx["form"],
            inline_title=self.title,
            inline_url=reverse(self.step_url, args=[self.object.pk]),
            inline_submit=self.submit_label,
        )
        return ctx

    def perform(self, form) -> Order:  # pragma: no cover - every step defines it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            order = self.perform(form)
        except (ValidationError, services.OrderStateError) as exc:
            _add_service_error(form, exc)
            return self.form_invalid(form)
        if wants_fragment(self.request):
            return render(self.request, ROW, {"order": order})
        messages.success(self.request, f"{self.title}: saved.")
        return redirect(order)


class OrderShip(OrderStepView):
    form_class = OrderShipForm
    title = "Mark shipped"
    step_url = "test_order_ship"
    submit_label = "Mark shipped"

    def perform(self, form):
        return services.order_mark_shipped(
            order=self.object,
            shipped_on=form.cleaned_data["shipped_on"],
            tracking_number=form.cleaned_data["tracking_number"],
        )


class OrderDeliver(OrderStepView):
    form_class = OrderDeliverForm
    title = "Mark delivered"
    step_url = "test_order_deliver"
    submit_label = "It has arrived"

    def perform(self, form):
        return services.order_mark_delivered(order=self.object, delivered_on=form.cleaned_data["delivered_on"])


class OrderCheck(OrderStepView):
    form_class = OrderCheckForm
    title = "Quality check on arrival"
    step_url = "test_order_check"
    submit_label = "Save the check"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "inline_multipart": True}

    def perform(self, form):
        data = form.cleaned_data
        return services.order_record_check(
            order=self.object,
            as_described=data["as_described"],
            genuine=data["genuine"],
            works=data["works"],
            dimensions_as_listed=data["dimensions_as_listed"],
            packaging=data["packaging"],
            tracking_was_real=data["tracking_was_real"],
            extra_fees_asked=data["extra_fees_asked"],
            off_platform_payment_asked=data["off_platform_payment_asked"],
            close_dispute_asked=data["close_dispute_asked"],
            confirm_early_asked=data["confirm_early_asked"],
            partial_refund_asked=data["partial_refund_asked"],
            communication=data["communication"],
            overall_score=data["overall_score"],
            check_notes=data["check_notes"],
            outcome=data["outcome"],
            photos=data["photos"],
        )


class OrderStatus(OwnedMixin, generic.detail.SingleObjectMixin, generic.View):
    """Dispute opened, refunded, lost: a POST from a button."""

    model = Order
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        order = self.get_object()
        form = OrderStatusForm(request.POST)
        error = ""
        if form.is_valid():
            step = {
                "disputed": services.order_open_dispute,
                "refunded": services.order_mark_refunded,
                "lost": services.order_mark_lost,
            }[form.cleaned_data["status"]]
            try:
                order = step(order=order)
            except (ValidationError, services.OrderStateError) as exc:
                error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        else:
            error = "Choose what happened to the order."
        if wants_fragment(request):
            return render(request, ROW, {"order": order, "row_error": error})
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Marked {order.get_status_display().lower()}.")
        return redirect(order)


# --- Photos ---------------------------------------------------------------------------------------


class OrderPhotoAdd(OwnedMixin, generic.detail.SingleObjectMixin, generic.View):
    model = Order
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        order = self.object = self.get_object()
        form = OrderPhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.order_photos_add(order=order, photos=form.cleaned_data["photos"])
            except ValidationError as exc:
                form.add_error("photos", exc)
        if form.is_valid():
            if wants_fragment(request):
                form = OrderPhotoForm()
            else:
                messages.success(request, "Photos added.")
                return redirect(order)
        template = "orderlog/order_detail.html"
        ctx = {
            "order": order,
            "object": order,
            "photos": order.photos.all(),
            "photo_form": form,
            "status_actions": OrderStatusForm.base_fields["status"].choices,
        }
        return render(request, page_or_fragment(request, template, "photos"), ctx)


@login_required
@require_GET
def order_photo(request, order_pk: int, pk: int):
    """A photo, to its owner only. Served with the type it was validated as, never sniffed, never active."""
    photo = get_object_or_404(OrderPhoto, pk=pk, order_id=order_pk, order__owner=request.user)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    ext = PHOTO_EXTENSIONS.get(photo.content_type, "bin")
    response = FileResponse(handle, content_type=photo.content_type, filename=f"test-order-{order_pk}-{pk}.{ext}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def order_evidence(request, pk: int):
    """The evidence pack of one of the user's test orders, as a ZIP download."""
    order = get_object_or_404(Order.objects.select_related("supplier", "product"), pk=pk, owner=request.user)
    response = HttpResponse(evidence.evidence_pack(order=order), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="test-order-{order.pk}-evidence.zip"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class OrderPhotoDelete(LoginRequiredMixin, generic.View):
    http_method_names = ["post"]

    def post(self, request, order_pk: int, pk: int):
        photo = get_object_or_404(
            OrderPhoto.objects.select_related("order"), pk=pk, order_id=order_pk, order__owner=request.user
        )
        order = photo.order
        services.order_photo_delete(photo=photo)
        if wants_fragment(request):
            ctx = {"order": order, "photos": order.photos.all(), "photo_form": OrderPhotoForm()}
            return render(request, "orderlog/order_detail.html#photos", ctx)
        messages.success(request, "Photo deleted.")
        return redirect(order)
