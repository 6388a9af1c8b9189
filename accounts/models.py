"""Per-user settings: notification choices, the currency and ship-to country prices are read in,
and threshold overrides for the deterioration rules."""

import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from monitoring.severity import Severity


class NotifyMode(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DIGEST = "digest", "A daily digest"
    OFF = "off", "No email"


TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz or tz == "UTC"]


class UserSettings(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dw_settings")
    notify_mode = models.CharField(max_length=10, choices=NotifyMode.choices, default=NotifyMode.IMMEDIATE)
    digest_hour = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(23)], help_text="Local hour the daily digest is sent."
    )
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    min_severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.WARNING)
    currency = models.CharField(max_length=3, default="USD", help_text="AliExpress prices are read in this currency.")
    ship_to_country = models.CharField(max_length=2, default="US", help_text="Two-letter country code.")
    # What each order costs the user besides the goods and shipping (counted in the margin): a payment or
    # marketplace fee in % of the selling price, and a fixed fee per order in the user's selling currency.
    order_fee_pct = models.DecimalField(
        "Payment / marketplace fee (%)", max_digits=5, decimal_places=2, default=0, help_text="Of your selling price."
    )
    order_fee_fixed = models.DecimalField(
        "Fixed fee per order", max_digits=12, decimal_places=2, default=0, help_text="In your selling currency."
    )
    # Rates the user sets by hand, overriding the ECB's: {"USD": "0.92"} means 1 USD = 0.92 of my currency.
    manual_rates = models.JSONField(default=dict, blank=True)
    protection_warning_days = models.PositiveSmallIntegerField(
        default=5, help_text="Remind me this many days before buyer protection ends."
    )
    # Threshold overrides by setting name (see monitoring.detect.thresholds for names and defaults).
    thresholds = models.JSONField(default=dict, blank=True)
    # Platforms whose blocked checks the browser companion may fetch from the user's browser (opt in, per platform).
    companion_platforms = models.JSONField(default=list, blank=True)
    last_digest_on = models.DateField(null=True, blank=True, editable=False)  # local date of the last digest

    class Meta:
        verbose_name_plural = "user settings"

    def __str__(self):
        return f"Settings of {self.user}"


def settings_for(user) -> UserSettings:
    obj, _ = UserSettings.objects.get_or_create(user=user)
    return obj


class Invitation(models.Model):
    """A staff member asked for `email` to join. The emailed link is signed and expires (accounts.invitations);
    it is single use because accepting sets `accepted_at` by a conditional UPDATE, and a revoked or
    superseded invitation is deleted, so its link no longer finds a row."""

    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Invitation for {self.email}"
