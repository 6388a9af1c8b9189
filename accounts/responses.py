"""The answer to a refused email-sending form: 429 with the reason, in place for htmx."""

from django.shortcuts import render

from .ratelimit import Refused


def too_many(request, refused: Refused, *, template: str = "accounts/rate_limited.html", context=None):
    """A 429 page (or, for htmx, the fragment `template`) that says why and when to try again."""
    response = render(request, template, {"message": refused.message, **(context or {})}, status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response
