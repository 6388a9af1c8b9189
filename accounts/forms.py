from decimal import Decimal

from django import forms

from config.currencies import clean_currency_code
from monitoring.alerts import channel_urls
from monitoring.detect.thresholds import DEFAULTS, SETTINGS, coerce
from monitoring.models import Channel

from .models import UserSettings


class NotificationSettingsForm(forms.ModelForm):
    email = forms.EmailField(
        label="Email address",
        required=False,
        help_text="Where alerts and reminders go. A new address is used once you follow the link we send to it.",
    )

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
            "order_fee_pct",
            "order_fee_fixed",
        ]
        labels = {
            "notify_mode": "Email me",
            "min_severity": "Only email problems at least this serious",
            "ship_to_country": "Ship-to country",
        }

    # Longer than a code, so "dollars" is answered in words rather than cut to "dol" by the browser.
    currency = forms.CharField(
        label="Currency", max_length=20, help_text="AliExpress prices are read in this currency (USD, EUR, GBP…)."
    )

    def clean_currency(self):
        return clean_currency_code(self.cleaned_data.get("currency"))

    manual_rates_text = forms.CharField(
        label="Your own exchange rates",
        required=False,
        max_length=500,
        help_text="Optional, one per line: “USD 0.92” means 1 USD = 0.92 of your selling currency. "
        "Otherwise the European Central Bank's daily rates are used.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rates = self.instance.manual_rates or {}
        self.fields["manual_rates_text"].initial = "\n".join(f"{code} {value}" for code, value in sorted(rates.items()))

    def clean_manual_rates_text(self):
        rates = {}
        for line in (self.cleaned_data.get("manual_rates_text") or "").splitlines():
            if not line.strip():
                continue
            parts = line.replace("=", " ").split()
            try:
                code, value = parts[0].upper(), Decimal(parts[1].replace(",", "."))
            except (IndexError, ArithmeticError, ValueError):
                raise forms.ValidationError(f"“{line.strip()[:40]}” is not “CODE RATE”, e.g. “USD 0.92”.") from None
            if not value.is_finite() or value <= 0 or value > 1_000_000:
                raise forms.ValidationError(f"“{line.strip()[:40]}”: a three-letter code and a rate above 0.")
            try:
                code = clean_currency_code(code)
            except forms.ValidationError as exc:
                raise forms.ValidationError(f"“{line.strip()[:40]}”: {exc.messages[0]}") from None
            rates[code] = str(value)
        return rates

    def clean_order_fee_pct(self):
        value = self.cleaned_data.get("order_fee_pct")
        if value is not None and not (0 <= value < 100):
            raise forms.ValidationError("A fee from 0 to 99.99 %.")
        return value or Decimal(0)

    def clean_order_fee_fixed(self):
        value = self.cleaned_data.get("order_fee_fixed")
        if value is not None and value < 0:
            raise forms.ValidationError("The fixed fee cannot be negative.")
        return value or Decimal(0)

    def save(self, commit=True):
        self.instance.manual_rates = self.cleaned_data.get("manual_rates_text") or {}
        return super().save(commit=commit)

    def clean_ship_to_country(self):
        value = (self.cleaned_data.get("ship_to_country") or "").strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise forms.ValidationError("Use a two-letter country code such as US or DE.")
        return value


# Plain words for every threshold (the table in monitoring.detect.thresholds names them for the code). The
# settings page and the supplier and product pages show these. name -> (label, help)
PLAIN_LABELS = {
    "price_increase_pct": ("Alert when the price rises by (%)", "Compared with the usual price of the last weeks."),
    "price_collapse_pct": (
        "Warn when the price suddenly falls by (%)",
        "A sudden big drop is often a bait listing or a different item put in its place.",
    ),
    "price_hysteresis_pct": (
        "Before a price alert clears (points below the alert level)",
        "A price alert ends only once the price is this many points under the rise that opened it, so a price "
        "hovering at the line does not alert on and off.",
    ),
    "min_margin_pct": (
        "Alert when my margin falls below (%)",
        "Your selling price minus what the product, shipping and fees cost you, as a share of your price.",
    ),
    "baseline_days": ("Compare with the last … days", "Prices and ratings now are compared with this period."),
    "rating_drop": ("Alert when the product's rating falls by (stars)", ""),
    "rating_floor": ("Alert when the product's rating is below (stars)", ""),
    "rating_min_reviews": ("Reviews a product needs before its rating counts", ""),
    "store_feedback_drop": ("Alert when the store's positive feedback falls by (points)", ""),
    "store_feedback_floor": ("Alert when the store's positive feedback is below (%)", ""),
    "seller_rating_drop": (
        "Alert when a seller rating falls by (stars)",
        "The store's own ratings for item as described, communication and shipping speed.",
    ),
    "seller_rating_floor": ("Alert when a seller rating is below (stars)", ""),
    "negative_shift_alpha": (
        "How sure before alerting on more 1–2★ reviews",
        "The false-alarm chance accepted: 0.01 means about 1 in 100. Smaller: fewer, surer alerts.",
    ),
    "negative_shift_min_reviews": ("New reviews needed before their share of 1–2★ counts", ""),
    "negative_shift_min_points": ("Smallest rise in the share of 1–2★ reviews worth an alert (points)", ""),
    "review_window_days": ("Recent reviews: those of the last … days", ""),
    "complaint_min_reviews": (
        "Bad reviews with the same complaint before an alert",
        "Complaints such as “not as described”, “never arrived” or “counterfeit”.",
    ),
    "burst_min_reviews": ("5★ reviews in a short time before fake reviews are suspected", ""),
    "burst_factor": ("…and how many times faster than usual they came", ""),
    "burst_window_days": ("…within this many days", ""),
    "new_store_days": ("A store open for fewer days than this is new", ""),
    "low_stock_below": ("Warn when fewer than this are left in stock", "For the variant you sell (or the listing)."),
    "max_delivery_days": ("Longest delivery time I accept (days)", "The supplier's slowest delivery to your country."),
    "shipping_rise_pct": ("Alert when shipping gets dearer by (%)", "Free shipping turning paid always alerts."),
    "unverifiable_after": ("Failed checks in a row before a product is marked “can't verify”", ""),
    "removed_after": ("Checks in a row finding the page gone before “listing removed”", ""),
}


class ThresholdsForm(forms.Form):
    """One field per rule threshold; empty means the inherited value, said in the help ("Default: 10"), not
    shown in the box: a grey value in an empty box looks filled in."""

    def __init__(self, *args, overrides: dict | None = None, inherited=DEFAULTS, **kwargs):
        """`inherited`: what applies when a field is left empty (the defaults, or the user's own settings
        on a supplier or product page)."""
        super().__init__(*args, **kwargs)
        overrides = overrides or {}
        self.inherited = inherited
        for name, meta in SETTINGS.items():
            default = getattr(inherited, name)
            field_class = forms.DecimalField if isinstance(default, Decimal) else forms.IntegerField
            label, help_text = PLAIN_LABELS.get(name, (meta["label"], meta["help"]))
            hint = f"Default: {default}." if inherited is DEFAULTS else f"Left empty: {default} (yours)."
            self.fields[name] = field_class(
                label=label,
                required=False,
                min_value=meta["min"],
                max_value=meta["max"],
                help_text=(help_text + " " if help_text else "") + hint,
                initial=overrides.get(name),
                widget=forms.NumberInput(attrs={"step": "any"}),
            )

    def overrides(self) -> dict:
        """Only the values that differ from the default, stored as strings (JSON has no Decimal)."""
        result = {}
        for name, value in self.cleaned_data.items():
            if value is None or coerce(name, value) is None or value == getattr(self.inherited, name):
                continue
            result[name] = str(value)
        return result


# The settings page, in groups a dropshipper recognises. "n:" fields are NotificationSettingsForm's, "t:" the
# thresholds'. tests/accounts/test_settings.py checks that every field of both is in exactly one group.
SETTINGS_GROUPS = [
    (
        "money",
        "Money & margin",
        "What each sale earns you, and which price changes matter.",
        [
            "n:currency",
            "n:order_fee_pct",
            "n:order_fee_fixed",
            "n:manual_rates_text",
            "t:min_margin_pct",
            "t:price_increase_pct",
            "t:price_collapse_pct",
            "t:price_hysteresis_pct",
        ],
    ),
    (
        "stock",
        "Stock & delivery",
        "Where you ship to, and when stock, shipping or a missing page deserves a warning.",
        ["n:ship_to_country", "t:low_stock_below", "t:max_delivery_days", "t:shipping_rise_pct", "t:removed_after"],
    ),
    (
        "reviews",
        "Reviews & ratings",
        "When a product's rating or its new reviews say it got worse, and when its 5★ reviews look fake.",
        [
            "t:rating_drop",
            "t:rating_floor",
            "t:rating_min_reviews",
            "t:review_window_days",
            "t:negative_shift_min_reviews",
            "t:negative_shift_min_points",
            "t:negative_shift_alpha",
            "t:complaint_min_reviews",
            "t:burst_min_reviews",
            "t:burst_factor",
            "t:burst_window_days",
        ],
    ),
    (
        "store",
        "Store reputation",
        "The supplier's store as a whole: its feedback, its seller ratings and its age.",
        [
            "t:store_feedback_drop",
            "t:store_feedback_floor",
            "t:seller_rating_drop",
            "t:seller_rating_floor",
            "t:new_store_days",
        ],
    ),
    (
        "alerts",
        "Alerts & channels",
        "How and when Dropwatch tells you. Channels besides email are set up below.",
        [
            "n:notify_mode",
            "n:digest_hour",
            "n:min_severity",
            "n:protection_warning_days",
            "t:baseline_days",
            "t:unverifiable_after",
        ],
    ),
    ("account", "Account", "", ["n:email", "n:time_zone"]),
]


def settings_groups(form, thresholds) -> list[tuple[str, str, str, list]]:
    """(id, title, intro, bound fields) for each group of the settings page."""
    forms_by_prefix = {"n": form, "t": thresholds}
    return [
        (key, title, intro, [forms_by_prefix[ref[0]][ref[2:]] for ref in refs])
        for key, title, intro, refs in SETTINGS_GROUPS
    ]


class ChannelForm(forms.ModelForm):
    """A channel besides email: a name and an Apprise URL, vetted (readable, and not pointing into our network)
    before it is saved. The URL field never renders its value back: it holds the channel's secrets."""

    url = forms.CharField(
        label="Apprise URL",
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="For example slack://TokenA/TokenB/TokenC, tgram://bottoken/ChatID, ntfys://ntfy.example.com/topic "
        "or jsons://hooks.example.com/dropwatch. It is never shown back in full.",
    )

    class Meta:
        model = Channel
        fields = ["name", "url", "mode", "min_severity", "health_notices"]
        labels = {
            "mode": "Send",
            "min_severity": "Only send problems at least this serious",
            "health_notices": "Also send “can't verify” notices",
        }

    def clean_url(self):
        url = (self.cleaned_data.get("url") or "").strip()
        try:
            channel_urls.vet(url)
        except channel_urls.ChannelRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return url
