"""Read one URL or one saved document into an Observation: the path shared by `inspect`, the add-product
preview and the scheduled checks. It never raises for a shop's behaviour: every failure is a status."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.models import settings_for
from suppliers.platforms import clean_shop_url, detect

from ..fetch import FetchError, blocks, get_fetcher
from ..observation import Observation
from ..statuses import CheckStatus
from .base import FetchContext, Page, observe_page
from .registry import adapter_for, adapter_for_content


def fetch_context_for(user) -> FetchContext:
    """Who is looking: the user's currency and ship-to country (AliExpress prices and shipping depend on them)."""
    prefs = settings_for(user)
    return FetchContext(currency=prefs.currency, ship_to=prefs.ship_to_country)


def observe_url(url: str, *, platform: str = "", ctx: FetchContext | None = None, fetcher=None) -> Observation:
    try:
        url = clean_shop_url(url)
    except ValidationError as exc:
        return Observation.failed(CheckStatus.REFUSED, " ".join(exc.messages), url=url, platform=platform)
    try:
        adapter = adapter_for(platform or detect(url).platform)
    except ValueError as exc:
        return Observation.failed(CheckStatus.ERROR, str(exc), url=url, platform=platform)
    try:
        obs = adapter.observe(url, fetcher or get_fetcher(), ctx or FetchContext())
    except FetchError as exc:
        return Observation.failed(exc.status, exc.message, url=url, platform=adapter.platform)
    obs.url = obs.url or url
    obs.platform = obs.platform or adapter.platform
    return obs


def observe_url_shared(url: str, *, platform: str = "", ctx: FetchContext | None = None) -> Observation:
    """observe_url, shared by every check of the same listing in one round: the first fetches, the others
    (products selling other variants of it, due in the same tick) read that answer from the cache, so the
    shop sees one request per round. The key holds who is looking (currency, ship-to)."""
    ctx = ctx or FetchContext()
    key = "observe:" + hashlib.sha256(f"{url}|{platform}|{ctx.currency}|{ctx.ship_to}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return Observation.from_json(cached)
    obs = observe_url(url, platform=platform, ctx=ctx)
    cache.set(key, obs.to_json(), timeout=settings.FETCH_SHARE_SECONDS)
    return obs


def observe_document(text: str, *, url: str = "", platform: str = "") -> Observation:
    """A saved page or API answer, parsed exactly as a fetched one would be."""
    adapter = adapter_for(platform) if platform else adapter_for_content(text, url)
    page = Page(url=url, text=text, blocked_reason=blocks.detect(text))
    return observe_page(adapter, page, url)
