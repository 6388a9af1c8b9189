"""Catalogue pages. Thin: queries are scoped to the signed-in user, writes go through services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.views import generic

from accounts.forms import ThresholdsForm
from accounts.models import settings_for
from config.web import OwnedMixin, page_or_fragment
from dashboard import charts, selectors
from monitoring.costs import keep_landed, product_landed_cost_now
from monitoring.detect.thresholds import thresholds_for
from orderlog.panels import panel_context

from . import backups, intake, services
from .forms import TYPED, ProductDeleteForm, ProductForm, SupplierForm, picked_selector
from .models import Product, Supplier


def _list_params(request, sorts: dict, default_sort: str) -> dict:
    sort = request.GET.get("sort", default_sort)
    return {
        "q": request.GET.get("q", "").strip()[:100],
        "status": request.GET.get("status", "") if request.GET.get("status", "") in selectors.STATUS_FILTERS else "",
        "sort": sort if sort in sorts else default_sort,
        "page": request.GET.get("page", 1),
    }


def _list_context(params: dict, sorts: dict) -> dict:
    query = {k: v for k, v in params.items() if k != "page" and v}
    return {
        **params,
        "sorts": {k: label for k, (_, label) in sorts.items()},
        "status_filters": selectors.STATUS_FILTERS,
        "query": urlencode(query),
    }


class SupplierList(LoginRequiredMixin, generic.TemplateView):
    """Filter, sort, search and paginate; with htmx only the results are swapped."""

    template_name = "suppliers/supplier_list.html"

    def get_template_names(self):
        return [page_or_fragment(self.request, self.template_name, "results")]

    def get_context_data(self, **kwargs):
        params = _list_params(self.request, selectors.SUPPLIER_SORTS, "name")
        page = selectors.supplier_page(self.request.user, **params)
        return {
            **super().get_context_data(**kwargs),
            **_list_context(params, selectors.SUPPLIER_SORTS),
            "page_obj": page,
            "suppliers": page.object_list,
        }


class SupplierDetail(OwnedMixin, generic.DetailView):
    model = Supplier

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        ctx["now"] = now
        days = selectors.chart_days(self.request.GET.get("days"))
        ctx.update(selectors.supplier_history(self.object, now, days=days))
        ctx["chart_days"], ctx["chart_ranges"] = days, selectors.CHART_RANGES
        ctx["products"] = selectors.supplier_products(self.object)
        ctx["products_checked_at"] = max(
            (p.last_checked_at for p in ctx["products"] if p.last_checked_at), default=None
        )
        ctx["limits"] = selectors.list_limits(self.request.user, self.object.threshold_overrides)
        s = self.object
        known = (s.positive_feedback_pct, s.rating_described, s.followers, s.opened_on)
        ctx["publishes_store_metrics"] = s.publishes_store_metrics or any(v is not None for v in known)
        ctx["findings"] = selectors.findings_for(supplier=self.object)
        ctx.update(panel_context(self.request, supplier=self.object))
        return ctx


class SupplierFormMixin:
    model = Supplier
    form_class = SupplierForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "owner": self.request.user}


class SupplierCreate(LoginRequiredMixin, SupplierFormMixin, generic.CreateView):
    def form_valid(self, form):
        data = form.cleaned_data
        self.object = services.supplier_create(
            owner=self.request.user,
            name=data["name"],
            platform=data["platform"],
            store_url=data["store_url"],
            platform_store_id=data["platform_store_id"],
            notes=data["notes"],
            test_order_cadence_days=data["test_order_cadence_days"],
            check_interval=data["check_interval"],
        )
        return redirect(self.object)


class ThresholdOverridesMixin:
    """The edit page also holds this item's own thresholds (empty = the user's settings)."""

    def thresholds_form(self):
        inherited = thresholds_for(self.request.user, *self.inherited_layers())
        data = self.request.POST if self.request.method == "POST" else None
        return ThresholdsForm(data, overrides=self.object.threshold_overrides, inherited=inherited, prefix="t")

    def inherited_layers(self):
        return []

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "thresholds": kwargs.get("thresholds") or self.thresholds_form()}

    def form_valid(self, form):
        thresholds = self.thresholds_form()
        if not thresholds.is_valid():
            return self.render_to_response(self.get_context_data(form=form, thresholds=thresholds))
        form.instance.threshold_overrides = thresholds.overrides()
        return super().form_valid(form)


class SupplierUpdate(OwnedMixin, SupplierFormMixin, ThresholdOverridesMixin, generic.UpdateView):
    pass


class SupplierDelete(OwnedMixin, generic.DeleteView):
    model = Supplier
    success_url = reverse_lazy("supplier_list")


class ProductList(LoginRequiredMixin, generic.TemplateView):
    template_name = "suppliers/product_list.html"

    def get_template_names(self):
        return [page_or_fragment(self.request, self.template_name, "results")]

    def get_context_data(self, **kwargs):
        params = _list_params(self.request, selectors.PRODUCT_SORTS, "health")
        supplier = self.request.GET.get("supplier", "")
        page = selectors.product_page(self.request.user, supplier=supplier, **params)
        ctx = _list_context({**params, "supplier": supplier if supplier.isdigit() else ""}, selectors.PRODUCT_SORTS)
        return {
            **super().get_context_data(**kwargs),
            **ctx,
            "page_obj": page,
            "products": page.object_list,
            "sort_label": selectors.PRODUCT_SORTS[ctx["sort"]][1],
            "limits": selectors.list_limits(self.request.user),
        }


class ProductDetail(OwnedMixin, generic.DetailView):
    model = Product

    def get_queryset(self):
        return super().get_queryset().select_related("supplier")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        product = self.object
        ctx["now"] = now
        days = selectors.chart_days(self.request.GET.get("days"))
        ctx.update(selectors.product_history(product, now, days=days))
        ctx["chart_days"], ctx["chart_ranges"] = days, selectors.CHART_RANGES
        ctx["histogram"] = charts.histogram_bars(product.rating_histogram)
        ctx["negative_reviews"] = selectors.negative_reviews(product)
        ctx["themes"] = selectors.theme_counts(product, now)
        ctx["findings"] = selectors.findings_for(product=product)
        ctx["landed"] = product_landed_cost_now(product, settings_for(self.request.user))
        ctx["comparison"] = backups.comparison(product, now=now)
        ctx.update(panel_context(self.request, supplier=product.supplier, product=product))
        return ctx


class AlternativePromote(LoginRequiredMixin, generic.TemplateView):
    """Switch supplier: GET asks for confirmation, POST makes the backup the product's primary source."""

    template_name = "suppliers/alternative_promote.html"

    def _pair(self):
        from django.shortcuts import get_object_or_404

        primary = get_object_or_404(Product, pk=self.kwargs["pk"], owner=self.request.user, backs_up__isnull=True)
        alternative = get_object_or_404(
            Product.objects.select_related("supplier"), pk=self.kwargs["alt"], owner=self.request.user, backs_up=primary
        )
        return primary, alternative

    def get_context_data(self, **kwargs):
        primary, alternative = self._pair()
        rows = {row.product.pk: row for row in backups.comparison(primary, now=timezone.now())}
        return {
            **super().get_context_data(**kwargs),
            "primary": primary,
            "alternative": alternative,
            "primary_row": rows.get(primary.pk),
            "alternative_row": rows.get(alternative.pk),
        }

    def post(self, request, *args, **kwargs):
        primary, alternative = self._pair()
        promoted = backups.alternative_promote(primary=primary, alternative=alternative, now=timezone.now())
        messages.success(
            request,
            f"Switched: {promoted} is now the primary source, checked every "
            f"{int(promoted.check_interval.total_seconds() // 3600)} hours; the previous listing stays as a backup.",
        )
        return redirect(promoted)


class ProductFormMixin:
    model = Product
    form_class = ProductForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "owner": self.request.user}


class ProductCreate(LoginRequiredMixin, ProductFormMixin, generic.CreateView):
    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self.object = services.product_create(
                owner=self.request.user,
                url=data["url"],
                platform=data["platform"],
                supplier=data["supplier"],
                title=data["title"],
                my_price=data["my_price"],
                my_currency=data["my_currency"],
                shipping_cost=data["shipping_cost"],
                variant_sku=data["variant_sku"],
                price_selector=data["price_selector"],
            )
        except services.DuplicateError as exc:
            form.add_error("url", str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "Product added. Dropwatch will read it within a minute.")
        return redirect(self.object)


class ProductUpdate(OwnedMixin, ProductFormMixin, ThresholdOverridesMixin, generic.UpdateView):
    """The edit page. "Show the prices on the page" (`?prices=1`, an htmx swap of the price fieldset or the whole
    page) reads the page and lists its prices to pick; "Try this selector" reads it with the picked or typed
    selector without saving; saving a new selector tries it on the page first."""

    def inherited_layers(self):
        return [self.object.supplier.threshold_overrides if self.object.supplier else None]

    def get_template_names(self):
        asked = (
            self.request.GET.get("prices") if self.request.method == "GET" else self.request.POST.get("try_selector")
        )
        if asked:  # asked by htmx: only the price fieldset is swapped
            return [page_or_fragment(self.request, "suppliers/product_form.html", "prices")]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        trial = kwargs.get("trial")
        if trial is None and self.request.method == "GET" and self.request.GET.get("prices"):
            trial = intake.product_prices(owner=self.request.user, url=self.object.url, platform=self.object.platform)
        return {**ctx, **_price_pick_context(self.request, self.object, ctx["form"], trial)}

    def post(self, request, *args, **kwargs):
        if "try_selector" not in request.POST:
            return super().post(request, *args, **kwargs)
        self.object = self.get_object()
        form = self.get_form()
        form.is_valid()  # the other fields' errors show as they are; nothing is saved
        trial = intake.product_prices(
            owner=request.user,
            url=self.object.url,
            platform=self.object.platform,
            price_selector=picked_selector(request.POST),
        )
        return self.render_to_response(self.get_context_data(form=form, trial=trial))

    def form_valid(self, form):
        selector, previous = form.cleaned_data["price_selector"], form.initial.get("price_selector", "")
        if selector and selector != previous:
            trial = intake.product_prices(
                owner=self.request.user,
                url=form.cleaned_data["url"],
                platform=form.cleaned_data["platform"],
                price_selector=selector,
            )
            if trial.page_read and trial.selector_error:
                form.add_error("price_selector", trial.selector_error)
                return self.render_to_response(self.get_context_data(form=form, trial=trial))
            if not trial.page_read:
                messages.warning(
                    self.request,
                    "Your price selector is saved, but the page could not be read just now to try it: the next "
                    "check will (and says so if it matches nothing).",
                )
        services.product_price_selector_changed(product=form.instance, previous=previous)
        services.product_update_url(
            product=form.instance, url=form.cleaned_data["url"], platform=form.cleaned_data["platform"]
        )
        services.product_variant_changed(product=form.instance, previous=form.initial.get("variant_sku", ""))
        # The selling price or currency may have changed: the landed margin the lists show follows at once.
        keep_landed(form.instance, product_landed_cost_now(form.instance, settings_for(self.request.user)))
        return super().form_valid(form)


def _price_pick_context(request, product, form, trial) -> dict:
    """What templates/suppliers/_price_pick.html shows on the edit page: the pick, the typed selector, the
    page's prices when they were read (`trial`), and what the selector reads there."""
    bound = form.is_bound
    typed = (request.POST.get("price_selector", "") if bound else product.price_selector) or ""
    pick = request.POST.get("price_pick", TYPED if typed else "") if bound else (TYPED if typed else "")
    choices = trial.price_choices if trial is not None else []
    if pick == TYPED and typed in {c.selector for c in choices}:
        pick = typed  # the stored selector is one of the listed prices: show it picked there
    errors = form.errors.get("price_selector") if bound else None
    return {
        "pick": pick,
        "typed": typed,
        "choices": choices,
        "prices_read": trial is not None and trial.page_read,
        "prices_unread": trial is not None and not trial.page_read,
        "trial_message": trial.obs.message if trial is not None and trial.obs is not None else "",
        "auto_price": product.price,
        "auto_currency": product.currency,
        "selector_error": (trial.selector_error if trial is not None else "") or " ".join(errors or []),
        "selector_price": trial.selector_price if trial is not None else None,
        "selector_currency": trial.selector_currency if trial is not None else "",
        "selector_text": trial.selector_text if trial is not None else "",
        "needs_javascript": trial.needs_javascript if trial is not None else "",
        "try_name": "try_selector",
        "try_value": "1",
        "try_url": request.path,
        "try_target": "#price-pick-area",
        "try_swap": "outerHTML",
    }


class ProductDelete(OwnedMixin, generic.DeleteView):
    """GET asks (and, when the product has backups, what to do with them); POST deletes."""

    model = Product
    form_class = ProductDeleteForm
    success_url = reverse_lazy("product_list")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs() | {"product": self.object}
        ranking = backups.ranking_for(self.object, now=timezone.now()) if self.request.method == "GET" else None
        if ranking is not None and ranking.best is not None:
            kwargs["initial"] = {"backups": backups.PROMOTE, "promote": ranking.best.product_id}
        return kwargs

    def form_valid(self, form):
        name = str(self.object)
        promoted = backups.product_delete(
            product=self.object, backups=form.cleaned_data.get("backups", ""), promote=form.cleaned_data.get("promote")
        )
        if promoted is not None:
            messages.success(
                self.request, f"Deleted {name}. {promoted} is now a product of its own, the primary source."
            )
            return redirect(promoted)
        messages.success(self.request, f"Deleted {name}.")
        return redirect(self.get_success_url())
