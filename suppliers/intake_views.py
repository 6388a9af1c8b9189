"""Pages for getting things into the catalogue: add a product or a supplier by URL (with a preview of what
Dropwatch reads from the page), and import a CSV of product URLs. Thin: the work is in suppliers.intake.

htmx, the Django way: each page is one view; asked by htmx, it answers with the partial that changes
(`#preview`, `#report`). Every form keeps its action and works without JavaScript: "Preview" is a plain
POST that renders the preview under the form, and the confirmation is a second plain POST carrying the
user's inputs as hidden fields plus the signed preview stamp. The confirmation validates everything again.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views import View
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from config.fetch_words import in_words
from config.web import page_or_fragment
from monitoring.scheduling import check_now
from monitoring.sources.selector import clean_selector
from monitoring.statuses import CheckStatus

from . import imports, intake
from .forms import PLATFORM_CHOICES, ShopUrlField, picked_selector
from .models import Product, margin_pct
from .platforms import Platform
from .services import DuplicateError

PRODUCT_TEMPLATE = "suppliers/intake/product_add.html"
SUPPLIER_TEMPLATE = "suppliers/intake/supplier_add.html"
IMPORT_TEMPLATE = "suppliers/intake/product_import.html"


def _done(request, obj):
    """After a successful add: a redirect to the new object (a client-side one for htmx)."""
    if request.htmx:
        return HttpResponseClientRedirect(obj.get_absolute_url())
    return redirect(obj)


def _say_added(request, what: str, obj) -> None:
    """Check the new item right away (a supplier only when its store page is read at all)."""
    if obj.next_check_at is None:
        messages.success(request, f"{what} added. Its figures will come from its products' pages.")
        return
    result = check_now(obj)
    level = messages.SUCCESS if result.queued else messages.WARNING
    messages.add_message(request, level, f"{what} added. {result.message}")


def _error_text(exc: Exception) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else in_words(exc)


def _status_label(status: str) -> str:
    return CheckStatus(status).label if status in CheckStatus.values else status


# --- Forms ---------------------------------------------------------------------------------------


class UrlField(ShopUrlField):
    """ShopUrlField, with the address checks of suppliers.intake (length; a bad port is a form error)."""

    def clean(self, value):
        value = forms.CharField.clean(self, value)
        return intake.clean_url(value) if value else value


class AmountField(forms.CharField):
    """A money amount as people type it (a decimal comma is fine); Decimal or None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return intake.parse_amount(super().clean(value))


class CurrencyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 4, "autocomplete": "off", "placeholder": "USD"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return intake.clean_currency(super().clean(value))


class ProductUrlForm(forms.Form):
    url = UrlField(label="Product URL")
    my_price = AmountField(label="My selling price", required=False)
    my_currency = CurrencyField(label="Currency of my price", required=False)
    shipping_cost = AmountField(
        label="Shipping I pay per unit", required=False, help_text="In the supplier's currency; used for the margin."
    )
    platform = forms.ChoiceField(label="Platform", choices=PLATFORM_CHOICES, required=False)
    # Adding a backup source of one of the user's products (its id): sold at that product's price.
    backs_up = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def clean_my_price(self):
        return intake.clean_selling_price(self.cleaned_data.get("my_price"))

    def clean_shipping_cost(self):
        return intake.clean_shipping_cost(self.cleaned_data.get("shipping_cost"))


class ProductConfirmForm(ProductUrlForm):
    token = forms.CharField(widget=forms.HiddenInput, error_messages={"required": "Preview the page first."})
    variant = forms.CharField(max_length=128, required=False)
    supplier = forms.CharField(max_length=20, required=False)  # a pk of the user's, or "new"
    new_supplier_name = forms.CharField(max_length=200, required=False)


class SupplierUrlForm(forms.Form):
    store_url = UrlField(
        label="Store URL", widget=forms.URLInput(attrs={"placeholder": "https://www.aliexpress.com/store/…"})
    )
    name = forms.CharField(
        label="Name", max_length=200, required=False, help_text="Leave empty to use the store's own name."
    )
    platform = forms.ChoiceField(label="Platform", choices=PLATFORM_CHOICES, required=False)


class SupplierConfirmForm(SupplierUrlForm):
    token = forms.CharField(widget=forms.HiddenInput, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="Up to 2,000 rows and 1 MiB.",
    )


# --- Add a product by URL ------------------------------------------------------------------------


def _valid_url_form(data) -> ProductUrlForm:
    """Step 1's form, validated (the preview under it reads its cleaned inputs)."""
    form = ProductUrlForm(data)
    form.is_valid()
    return form


class ProductAdd(LoginRequiredMixin, View):
    """Step 1: the address and the user's prices. Step 2 ("Preview"): what Dropwatch reads from the page.
    Step 3 (the confirmation, `step=confirm`): add it, attach its store's supplier, check it right away."""

    def get(self, request):
        initial = {"my_currency": intake.default_currency(request.user)}
        backs_up = request.GET.get("backs_up", "")
        if backs_up.isdigit():
            initial["backs_up"] = int(backs_up)
        return self._render(ProductUrlForm(initial=initial))

    def post(self, request):
        if request.POST.get("step") == "confirm" and "try_selector" not in request.POST:
            return self._confirm(request)
        # "Preview", or "Try this selector" on the preview (which sends the preview's fields again).
        form = ProductUrlForm(request.POST)
        preview = None
        if form.is_valid():
            preview = self._preview(form.cleaned_data, picked_selector(request.POST))
        return self._render(form, preview=preview)

    def _preview(self, data, selector: str):
        preview = intake.product_preview(
            owner=self.request.user, url=data["url"], platform=data["platform"], price_selector=selector
        )
        # What the user had chosen on the previous preview stays chosen.
        post = self.request.POST
        if post.get("variant"):
            preview.variant_hint = post["variant"]
        if post.get("supplier") and (post["supplier"] == "new" or post["supplier"].isdigit()):
            preview.supplier_choice = post["supplier"]
        if post.get("new_supplier_name", "").strip():
            preview.new_supplier_name_default = post["new_supplier_name"].strip()[:200]
        return preview

    def _confirm(self, request):
        form = ProductConfirmForm(request.POST)
        error = ""
        if form.is_valid():
            data = form.cleaned_data
            selector = picked_selector(request.POST)
            token = data["token"]
            try:
                clean_selector(selector)
            except ValidationError:
                return self._render(_valid_url_form(request.POST), preview=self._preview(data, selector))
            for _attempt in range(2):
                try:
                    product = intake.product_add_from_preview(
                        owner=request.user,
                        url=data["url"],
                        platform=data["platform"],
                        token=token,
                        my_price=data["my_price"],
                        my_currency=data["my_currency"],
                        shipping_cost=data["shipping_cost"],
                        variant=data["variant"],
                        backs_up=self._backs_up(data.get("backs_up")),
                        price_selector=selector,
                        supplier_choice=data["supplier"] if "supplier" in request.POST else None,
                        new_supplier_name=data["new_supplier_name"],
                    )
                except intake.SelectorNotPreviewed:
                    # A typed selector the preview did not try: read the page with it now, add only if it reads.
                    preview = self._preview(data, selector)
                    if preview.selector_error or not preview.token:
                        return self._render(_valid_url_form(request.POST), preview=preview)
                    token = preview.token
                    continue
                except (DuplicateError, intake.PreviewMismatch, ValidationError, PermissionError) as exc:
                    error = _error_text(exc)
                break
            else:
                error = "The page could not be read again with your price selector: preview it again."
            if not error:
                if product.backs_up_id is not None:
                    _say_added(request, "Backup supplier", product)
                    return _done(request, product.backs_up)
                _say_added(request, "Product", product)
                return _done(request, product)
        else:
            error = " ".join(form.errors.get("token", [])) or "Check the form: the product was not added."
        # Back to step 1 with the user's inputs (field errors shown there) and the reason.
        return self._render(ProductUrlForm(request.POST), confirm_error=error)

    def _backs_up(self, pk):
        if not pk:
            return None
        found = Product.objects.filter(owner=self.request.user, pk=pk).first()
        if found is None:
            raise ValidationError("The product this backs up is not yours, or no longer exists.")
        return found

    def _render(self, form, *, preview=None, confirm_error=""):
        ctx = {"form": form, "preview": preview, "confirm_error": confirm_error}
        backs_up = form["backs_up"].value() if form.is_bound else form.initial.get("backs_up")
        if backs_up and str(backs_up).isdigit():
            ctx["backs_up"] = Product.objects.filter(owner=self.request.user, pk=int(backs_up)).first()
        if preview is not None:
            data = form.cleaned_data
            currency = data["my_currency"] or intake.default_currency(self.request.user)
            ctx.update(
                status_label=_status_label(preview.status),
                platform_label=Platform(preview.platform).label if preview.platform in Platform.values else "",
                my_price=data["my_price"],
                my_currency=currency,
                shipping_cost=data["shipping_cost"],
                # The user's own inputs, normalised, for the confirmation's hidden fields.
                hidden=[
                    ("url", preview.url),
                    ("platform", data["platform"]),
                    ("my_price", "" if data["my_price"] is None else str(data["my_price"])),
                    ("my_currency", currency),
                    ("shipping_cost", "" if data["shipping_cost"] is None else str(data["shipping_cost"])),
                    ("token", preview.token),
                    ("backs_up", "" if not data.get("backs_up") else str(data["backs_up"])),
                ],
            )
            obs = preview.obs
            if obs is not None and obs.ok and obs.currency == currency:
                ctx["margin"] = margin_pct(
                    my_price=data["my_price"], price=obs.price, shipping_cost=data["shipping_cost"]
                )
        return render(self.request, page_or_fragment(self.request, PRODUCT_TEMPLATE, "preview"), ctx)


class ProductAddFromBrowser(ProductAdd):
    """The add preview of a page the browser companion sent ("Add this page"): the same page and confirmation
    as step 2 of ProductAdd, from what Dropwatch read of the HTML the browser sent (suppliers.intake)."""

    def get(self, request, key):
        preview = intake.browser_page_preview(owner=request.user, key=key)
        if preview is None:
            raise Http404("No such page, or it was sent more than an hour ago.")
        # The platform the page was read as (an AliExpress page on any address): the confirmation carries it.
        data = {"url": preview.url, "platform": preview.platform, "my_currency": intake.default_currency(request.user)}
        form = ProductUrlForm(data)
        if not form.is_valid():  # the address was cleaned when it was stored: this does not happen
            raise Http404("The address cannot be added.")
        return self._render(form, preview=preview)

    def post(self, request, key):
        return HttpResponseNotAllowed(["GET"])


# --- Add a supplier by its store URL -------------------------------------------------------------


class SupplierAddByUrl(LoginRequiredMixin, View):
    """ "Preview" reads the store page when Dropwatch can read that platform's store pages; "Add" adds the
    supplier (with a preview's stamp, under the store name the preview read)."""

    def get(self, request):
        return self._render(SupplierUrlForm())

    def post(self, request):
        if request.POST.get("step") == "add":
            return self._add(request)
        form = SupplierUrlForm(request.POST)
        preview = None
        if form.is_valid():
            preview = intake.supplier_preview(
                owner=request.user, url=form.cleaned_data["store_url"], platform=form.cleaned_data["platform"]
            )
        return self._render(form, preview=preview)

    def _add(self, request):
        form = SupplierConfirmForm(request.POST)
        error = ""
        if form.is_valid():
            data = form.cleaned_data
            try:
                supplier = intake.supplier_add_from_url(
                    owner=request.user,
                    url=data["store_url"],
                    platform=data["platform"],
                    name=data["name"],
                    token=data["token"],
                )
            except (DuplicateError, intake.PreviewMismatch, ValidationError) as exc:
                error = _error_text(exc)
            else:
                _say_added(request, "Supplier", supplier)
                return _done(request, supplier)
        else:
            error = "Check the form: the supplier was not added."
        return self._render(SupplierUrlForm(request.POST), confirm_error=error)

    def _render(self, form, *, preview=None, confirm_error=""):
        ctx = {"form": form, "preview": preview, "confirm_error": confirm_error}
        if preview is not None:
            data = form.cleaned_data
            ctx.update(
                status_label=_status_label(preview.obs.status) if preview.obs else "",
                platform_label=Platform(preview.platform).label if preview.platform in Platform.values else "",
                hidden=[
                    ("store_url", preview.url),
                    ("name", data["name"]),
                    ("platform", data["platform"]),
                    ("token", preview.token),
                ],
            )
        return render(self.request, page_or_fragment(self.request, SUPPLIER_TEMPLATE, "preview"), ctx)


# --- Import a CSV --------------------------------------------------------------------------------


class ProductImport(LoginRequiredMixin, View):
    def get(self, request):
        return self._render(ImportForm())

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            try:
                report = imports.products_import_csv(owner=request.user, file=form.cleaned_data["file"])
            except imports.ImportFileError as exc:
                form.add_error("file", str(exc))
        return self._render(form, report=report)

    def _render(self, form, *, report=None):
        ctx = {
            "form": form,
            "report": report,
            "max_rows": imports.MAX_IMPORT_ROWS,
            "columns": imports.COLUMNS,
        }
        return render(self.request, page_or_fragment(self.request, IMPORT_TEMPLATE, "report"), ctx)


@login_required
@require_GET
def product_import_example(request):
    response = HttpResponse(imports.EXAMPLE_CSV, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dropwatch-import-example.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
