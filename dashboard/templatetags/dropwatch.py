"""Template helpers for scraped data."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def http_url(value) -> str:
    """The URL when it is http(s), else "": scraped links are rendered only when they are web addresses."""
    text = str(value or "").strip()
    return text if urlsplit(text).scheme.lower() in ("http", "https") and urlsplit(text).netloc else ""


@register.filter
def finding_kind(value) -> str:
    """The label of a finding kind's value ("price_increase" -> "Price increase")."""
    from monitoring.models import FindingKind

    try:
        return FindingKind(value).label
    except ValueError:
        return str(value or "")
