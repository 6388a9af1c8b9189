"""Forms of the test-order log. Validation only: the rules on dates live in Order.clean() (run by every
ModelForm here), photos are checked by orderlog.photos.photo_validate, and the writes are services."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from config.currencies import clean_currency_code
from suppliers.models import Product, Supplier

from . import photos, selectors
from .models import CheckOutcome, Order, OrderStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once, each decoded and checked; cleans to a list of ValidatedPhoto."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})

    def __init__(self, *, max_files: int = 10, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise forms.ValidationError("Choose at least one photo.", code="required")
            return []
        if len(files) > self.max_files:
            raise forms.ValidationError(f"Upload at most {self.max_files} photos at a time.", code="too_many")
        validated, errors = [], []
        for upload in files:
            try:
                validated.append(photos.photo_validate(super().clean(upload, initial)))
            except forms.ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise forms.ValidationError(errors)
        return validated


class ModelRulesForm(forms.ModelForm):
    """A ModelForm over some of TestOrder's fields: TestOrder.clean() checks the whole order, so an error it
    reports on a field this form does not show (say "delivered before shipped" while marking it shipped)
    is shown as an error of the form instead of crashing it."""

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            shown: dict[str, list] = {}
            for field, messages in errors.error_dict.items():
                key = field if field in self.fields else NON_FIELD_ERRORS
                shown.setdefault(key, []).extend(messages)
            errors = ValidationError(shown)
        super()._update_errors(errors)


def _clean_currency(value: str) -> str:
    return clean_currency_code(value, required=False)


REQUEST_FIELDS = (
    "close_dispute_asked",
    "off_platform_payment_asked",
    "extra_fees_asked",
    "confirm_early_asked",
    "partial_refund_asked",
)


class OrderForm(ModelRulesForm):
    """Log a test order, or correct one (then the supplier is fixed)."""

    # Longer than a code, so "dollars" gets the helpful message rather than "at most 3 characters".
    currency = forms.CharField(max_length=12, required=False, initial="USD")

    class Meta:
        model = Order
        fields = [
            "supplier",
            "product",
            "ordered_on",
            "order_number",
            "amount_paid",
            "currency",
            "shipping_method",
            "tracking_number",
            "promised_from",
            "promised_to",
            "protection_ends_on",
            "notes",
            *REQUEST_FIELDS,
        ]
        widgets = {
            "ordered_on": DateInput(),
            "promised_from": DateInput(),
            "promised_to": DateInput(),
            "protection_ends_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "amount_paid": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }
        help_texts = {
            "protection_ends_on": "Leave empty for the order date plus the platform's buyer-protection days; "
            "copy the countdown from the order page when you know it.",
            "promised_from": "The delivery window the shop promised.",
        }

    def __init__(self, *args, owner, products_of: Supplier | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        if self.instance.pk is None:
            self.instance.owner = owner
            self.fields["ordered_on"].initial = timezone.localdate
            for name in REQUEST_FIELDS:  # nothing asked yet on a new order: the checklist is on its edit page
                del self.fields[name]
            self.fields["supplier"].queryset = Supplier.objects.filter(owner=owner)
        else:
            # An order stays with its supplier; only the product can be corrected.
            del self.fields["supplier"]
            products_of = self.instance.supplier
        products = Product.objects.filter(owner=owner)
        if products_of is not None:
            products = products.filter(supplier=products_of)
        self.fields["product"].queryset = products.select_related(None)
        self.fields["product"].required = False
        self.fields["protection_ends_on"].required = False

    def clean_currency(self):
        return _clean_currency(self.cleaned_data.get("currency"))

    def clean(self):
        data = super().clean()
        supplier = data.get("supplier") if "supplier" in self.fields else self.instance.supplier
        if not data.get("protection_ends_on") and supplier is not None and data.get("ordered_on"):
            data["protection_ends_on"] = selectors.protection_end_default(
                platform=supplier.platform, ordered_on=data["ordered_on"]
            )
        return data


class OrderShipForm(ModelRulesForm):
    class Meta:
        model = Order
        fields = ["shipped_on", "tracking_number"]
        widgets = {"shipped_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipped_on"].required = True
        if not self.instance.shipped_on:
            self.fields["shipped_on"].initial = timezone.localdate


class OrderDeliverForm(ModelRulesForm):
    class Meta:
        model = Order
        fields = ["delivered_on"]
        widgets = {"delivered_on": DateInput()}
        help_texts = {"delivered_on": "Only once it is in your hands: never confirm delivery before it arrives."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivered_on"].required = True
        if not self.instance.delivered_on:
            self.fields["delivered_on"].initial = timezone.localdate


SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]


class OrderCheckForm(ModelRulesForm):
    """The quality check on arrival, with photos."""

    overall_score = forms.TypedChoiceField(
        label="Overall score (1 = bad, 5 = excellent)", choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    outcome = forms.ChoiceField(choices=CheckOutcome.choices, widget=forms.RadioSelect)
    photos = PhotosField(label="Photos (JPEG, PNG, WebP or GIF)")

    class Meta:
        model = Order
        fields = [
            "as_described",
            "genuine",
            "works",
            "dimensions_as_listed",
            "packaging",
            "tracking_was_real",
            "extra_fees_asked",
            "off_platform_payment_asked",
            "close_dispute_asked",
            "confirm_early_asked",
            "partial_refund_asked",
            "communication",
            "overall_score",
            "check_notes",
            "outcome",
        ]
        labels = {"as_described": "As described", "tracking_was_real": "Tracking was real"}
        widgets = {"check_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_described"].required = True
        self.fields["genuine"].required = True
        self.fields[
            "photos"
        ].help_text = f"Up to {self.fields['photos'].max_files} at a time, {photos.photo_max_size_text()} each."


class OrderPhotoForm(forms.Form):
    photos = PhotosField(label="Add photos", required=True)


STATUS_ACTIONS = [
    (OrderStatus.DISPUTED, "Dispute opened"),
    (OrderStatus.REFUNDED, "Refunded"),
    (OrderStatus.LOST, "Lost"),
]


class OrderStatusForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_ACTIONS)
