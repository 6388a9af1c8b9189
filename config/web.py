"""What every app's views share: owner scoping, and the one htmx decision (the whole page or a fragment).

htmx, the Django way: one view serves the page and, asked by htmx, the named partial of its template
(`page.html#fragment`, django-template-partials). A history restore asks for the whole page again. Because
one URL answers two ways, every response varies on the HX-Request header (the middleware below sets it, so no
view can forget and no cache serves a fragment as a page).
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.cache import patch_vary_headers


def wants_fragment(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def page_or_fragment(request, template: str, fragment: str) -> str:
    """The template name to render: `template#fragment` for an htmx swap, else the whole page."""
    return f"{template}#{fragment}" if wants_fragment(request) else template


class VaryOnHtmxMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response


class OwnedMixin(LoginRequiredMixin):
    """Every object is looked up among the signed-in user's own: anyone else's id is a 404."""

    def get_queryset(self):
        return super().get_queryset().filter(owner=self.request.user)
