from decimal import Decimal

from django import forms

from monitoring.detect.thresholds import DEFAULTS, SETTINGS, coerce

from .models import UserSettings


class NotificationSettingsForm(forms.ModelForm):
    email = forms.EmailField(label="Email address", required=False, help_text="Where alerts and reminders go.")

    class Meta:
        model = UserSettings
        fields = [
            "notify_mode",
            "digest_hour",
            "time_zone",
            "min_severity",
            "protection_warning_days",
            "currency",
            "ship_to_country",
        ]
        labels = {
            "notify_mode": "Email me",
            "min_severity": "Only email problems at least this serious",
            "ship_to_country": "Ship-to country",
        }

    def clean_currency(self):
        value = (self.cleaned_data.get("currency") or "").strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise forms.ValidationError("Use a three-letter currency code such as USD or EUR.")
        return value

    def clean_ship_to_country(self):
        value = (self.cleaned_data.get("ship_to_country") or "").strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise forms.ValidationError("Use a two-letter country code such as US or DE.")
        return value


class ThresholdsForm(forms.Form):
    """One field per rule threshold; empty means the default (shown as the placeholder)."""

    def __init__(self, *args, overrides: dict | None = None, inherited=DEFAULTS, **kwargs):
        """`inherited`: what applies when a field is left empty (the defaults, or the user's own settings
        on a supplier or product page)."""
        super().__init__(*args, **kwargs)
        overrides = overrides or {}
        self.inherited = inherited
        for name, meta in SETTINGS.items():
            default = getattr(inherited, name)
            field_class = forms.DecimalField if isinstance(default, Decimal) else forms.IntegerField
            self.fields[name] = field_class(
                label=meta["label"],
                required=False,
                min_value=meta["min"],
                max_value=meta["max"],
                help_text=(meta["help"] + " " if meta["help"] else "")
                + f"{'Default' if inherited is DEFAULTS else 'Empty: yours'}: {default}.",
                initial=overrides.get(name),
                widget=forms.NumberInput(attrs={"placeholder": str(default), "step": "any"}),
            )

    def overrides(self) -> dict:
        """Only the values that differ from the default, stored as strings (JSON has no Decimal)."""
        result = {}
        for name, value in self.cleaned_data.items():
            if value is None or coerce(name, value) is None or value == getattr(self.inherited, name):
                continue
            result[name] = str(value)
        return result
