from datetime import timedelta

from django import forms

from config.currencies import clean_currency_code
from monitoring.sources.selector import clean_selector

from . import platforms
from .models import Product, Supplier

PLATFORM_CHOICES = [("", "Detect from the address"), *platforms.Platform.choices]
TYPED = "typed"  # the price pick that is not a listed price's selector ("" is "let Dropwatch find it")


def picked_selector(data) -> str:
    """The price selector a form names (templates/suppliers/_price_pick.html): a listed price's selector, the
    typed one, or none ("let Dropwatch find it"). A form sent without the pick (a script) means the typed one."""
    if "price_pick" not in data:
        return (data.get("price_selector") or "").strip()
    pick = (data.get("price_pick") or "").strip()
    if pick == TYPED:
        return (data.get("price_selector") or "").strip()
    return pick


class ShopUrlField(forms.CharField):
    """An http(s) shop address, normalised; anything else is a clear form error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("widget", forms.URLInput(attrs={"placeholder": "https://www.aliexpress.com/item/…"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value and not self.required:
            return ""
        return platforms.clean_shop_url(value)


class HoursField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=24 * 30, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, timedelta):
            return int(value.total_seconds() // 3600)
        return value

    def clean(self, value):
        value = super().clean(value)
        return timedelta(hours=value) if value is not None else None


class SupplierForm(forms.ModelForm):
    store_url = ShopUrlField(label="Store URL", required=False)
    platform = forms.ChoiceField(choices=PLATFORM_CHOICES, required=False)
    check_interval = HoursField(label="Check every (hours)", initial=24)

    class Meta:
        model = Supplier
        fields = [
            "name",
            "store_url",
            "platform",
            "platform_store_id",
            "test_order_cadence_days",
            "check_interval",
            "notes",
            "active",
        ]
        labels = {
            "platform_store_id": "Store id on the platform",
            "test_order_cadence_days": "Test order every (days)",
        }

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner

    def clean(self):
        data = super().clean()
        url = data.get("store_url")
        if url:
            info = platforms.detect(url)
            data["platform"] = data.get("platform") or info.platform
            data["platform_store_id"] = data.get("platform_store_id") or info.store_id
        data["platform"] = data.get("platform") or platforms.Platform.STRUCTURED
        store_id = data.get("platform_store_id")
        if store_id:
            others = Supplier.objects.filter(owner=self.owner, platform=data["platform"], platform_store_id=store_id)
            if others.exclude(pk=self.instance.pk).exists():
                self.add_error("platform_store_id", "You already watch this store.")
        return data


class ProductForm(forms.ModelForm):
    url = ShopUrlField(label="Product URL")
    platform = forms.ChoiceField(choices=PLATFORM_CHOICES, required=False)
    check_interval = HoursField(label="Check every (hours)", initial=6)
    # Longer than a code, so "dollars" is answered in words rather than cut to "dol" by the browser.
    my_currency = forms.CharField(label="Currency", max_length=20, required=False, initial="USD")

    class Meta:
        model = Product
        fields = [
            "url",
            "platform",
            "supplier",
            "title",
            "my_price",
            "my_currency",
            "shipping_cost",
            "variant_sku",
            "price_selector",
            "check_interval",
            "active",
        ]

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        # Only the user's own suppliers can be chosen.
        self.fields["supplier"].queryset = Supplier.objects.filter(owner=owner)
        self.fields["title"].required = False
        # The variant sold: chosen from the listing's variants once a check has read them.
        variants = (self.instance.variants or []) if self.instance.pk else []
        if variants:
            choices = [("", "None: watch the listing's lowest price")]
            for v in variants:
                price = f" — {v['price']} {v.get('currency') or ''}" if v.get("price") else ""
                stock = " (out of stock)" if v.get("in_stock") is False else ""
                choices.append((v["id"], f"{v.get('name') or v['id']}{price}{stock}"))
            known = {c[0] for c in choices}
            if self.instance.variant_sku and self.instance.variant_sku not in known:
                choices.append((self.instance.variant_sku, f"{self.instance.variant_sku} (no longer on the listing)"))
            self.fields["variant_sku"] = forms.ChoiceField(
                label="Variant you sell",
                choices=choices,
                required=False,
                help_text="Dropwatch watches this variant's price and stock.",
            )

    def clean_my_price(self):
        value = self.cleaned_data.get("my_price")
        if value is not None and value <= 0:
            raise forms.ValidationError("Your selling price must be more than zero.")
        return value

    def clean_shipping_cost(self):
        value = self.cleaned_data.get("shipping_cost")
        if value is not None and value < 0:
            raise forms.ValidationError("Shipping cannot be negative.")
        return value

    def clean_my_currency(self):
        return clean_currency_code(self.cleaned_data.get("my_currency"), required=False)

    def clean_price_selector(self):
        return clean_selector(picked_selector(self.data))

    def clean(self):
        data = super().clean()
        url = data.get("url")
        if url:
            url, named = platforms.split_variant(url)
            data["url"] = url
            variant = data.get("variant_sku") or named
            data["variant_sku"] = variant
            qs = Product.objects.filter(owner=self.owner, url=url, variant_sku=variant)
            if self.instance.pk:
                qs = qs.exclude(pk=self.instance.pk)
            if qs.exists():
                self.add_error("url", "You already watch this product (this variant of it).")
            info = platforms.detect(url)
            data["platform"] = data.get("platform") or info.platform
        return data


class ProductDeleteForm(forms.Form):
    """What deleting a product does with its backups; asked only when it has some."""

    backups = forms.ChoiceField(
        label="Its backup suppliers",
        widget=forms.RadioSelect,
        choices=[
            ("promote", "Make one of them a product of its own, the primary source"),
            ("keep", "Keep them all, each as a product of its own (checked and alerted like any product)"),
            ("delete", "Delete them too, with their history"),
        ],
        required=False,
    )
    promote = forms.ModelChoiceField(
        label="Backup to make the primary", queryset=Product.objects.none(), required=False, empty_label=None
    )

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        # Only this product's own backups (of the same owner) can be chosen.
        self.fields["promote"].queryset = Product.objects.filter(backs_up=product, owner=product.owner).order_by("pk")
        self.has_backups = self.fields["promote"].queryset.exists()
        if not self.has_backups:
            del self.fields["backups"], self.fields["promote"]

    def clean(self):
        data = super().clean()
        if not self.has_backups:
            return data
        if not data.get("backups"):
            self.add_error("backups", "Choose what happens to the backups.")
        elif data["backups"] == "promote" and not data.get("promote"):
            self.add_error("promote", "Choose which backup becomes the primary source.")
        return data
