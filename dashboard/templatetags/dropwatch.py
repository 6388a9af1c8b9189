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


@register.filter
def in_words(value) -> str:
    """A fetch error in words (no raw "[Errno -3]")."""
    from config.fetch_words import in_words as words

    return words(value)


@register.simple_tag(takes_context=True)
def nav_current(context, prefix: str) -> str:
    """aria-current for a navigation link: "page" on the page itself, "true" within its section."""
    from django.utils.safestring import mark_safe

    request = context.get("request")
    path = getattr(request, "path", "")
    if path == prefix:
        return mark_safe(' aria-current="page"')
    if prefix != "/" and path.startswith(prefix):
        return mark_safe(' aria-current="true"')
    return ""
