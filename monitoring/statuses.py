"""The vocabulary of a check's outcome: one enum for what the adapters report, what a snapshot records and
what a product or supplier row shows as its last status."""

from django.db import models


class CheckStatus(models.TextChoices):
    PENDING = "pending", "Not checked yet"  # only on a product or supplier row, never an observation
    OK = "ok", "OK"
    BLOCKED = "blocked", "Blocked by the shop"  # a captcha / anti-bot page: never parsed as data
    NOT_FOUND = "not_found", "Not found"  # the listing is gone
    UNPARSEABLE = "unparseable", "Could not read the page"  # fetched, but none of the data we expect
    REFUSED = "refused", "Address refused"  # we would not fetch it (SSRF guard, bad scheme)
    ERROR = "error", "Fetch failed"  # timeouts, 5xx after retries, too large


# Checks that read nothing: they move no baseline and count towards "can't verify".
FAILED_CHECKS = (CheckStatus.BLOCKED, CheckStatus.ERROR, CheckStatus.UNPARSEABLE, CheckStatus.REFUSED)
