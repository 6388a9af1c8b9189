"""Catalogue pages. Thin: queries are scoped to the signed-in user, writes go through services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views import generic

from . import services
from .forms import ProductForm, SupplierForm
from .models import Product, Supplier
from .test_order_panels import panel_context, reminders_context


class OwnedMixin(LoginRequiredMixin):
    """Every object is looked up among the signed-in user's own: anyone else's id is a 404."""

    def get_queryset(self):
        return super().get_queryset().filter(owner=self.request.user)


class SupplierList(OwnedMixin, generic.ListView):
    model = Supplier
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().annotate(product_count=Count("products"))


class SupplierDetail(OwnedMixin, generic.DetailView):
    model = Supplier

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["products"] = self.object.products.all()
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


class SupplierUpdate(OwnedMixin, SupplierFormMixin, generic.UpdateView):
    pass


class SupplierDelete(OwnedMixin, generic.DeleteView):
    model = Supplier
    success_url = reverse_lazy("supplier_list")


class ProductList(OwnedMixin, generic.ListView):
    model = Product
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("supplier")


class ProductDetail(OwnedMixin, generic.DetailView):
    model = Product

    def get_queryset(self):
        return super().get_queryset().select_related("supplier")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(panel_context(self.request, supplier=self.object.supplier, product=self.object))
        return ctx


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
            )
        except services.DuplicateError as exc:
            form.add_error("url", str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "Product added. Dropwatch will read it within a minute.")
        return redirect(self.object)


class ProductUpdate(OwnedMixin, ProductFormMixin, generic.UpdateView):
    def form_valid(self, form):
        services.product_update_url(
            product=form.instance, url=form.cleaned_data["url"], platform=form.cleaned_data["platform"]
        )
        return super().form_valid(form)


class ProductDelete(OwnedMixin, generic.DeleteView):
    model = Product
    success_url = reverse_lazy("product_list")


class Dashboard(LoginRequiredMixin, generic.TemplateView):
    template_name = "dashboard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["suppliers"] = Supplier.objects.filter(owner=user).annotate(product_count=Count("products"))[:50]
        ctx["products"] = Product.objects.filter(owner=user).select_related("supplier")[:50]
        ctx.update(reminders_context(user))
        return ctx
