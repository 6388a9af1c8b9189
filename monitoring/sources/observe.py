"""Read one URL or one saved document into an Observation: the path shared by `inspect`, the add-product
preview and the scheduled checks. It never raises for a shop's behaviour: every failure is a status."""

from __future__ import annotations

import hashlib
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.models import settings_for
from suppliers.platforms import clean_shop_url, detect

from ..fetch import FetchError, blocks, get_fetcher
from ..observation import Observation
from ..sanitize import clean_observation
from ..statuses import CheckStatus
from .base import FetchContext, Page, observe_page
from .registry import adapter_for, adapter_for_content

log = logging.getLogger(__name__)


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
    except Exception as exc:  # an unknown platform, an address detect() cannot read
        return Observation.failed(CheckStatus.ERROR, str(exc), url=url, platform=platform)
    try:
        obs = adapter.observe(url, fetcher or get_fetcher(), ctx or FetchContext())
    except FetchError as exc:
        return clean_observation(Observation.failed(exc.status, exc.message, url=url, platform=adapter.platform))
    except SoftTimeLimitExceeded:
        raise  # the task's time is up: the check records that itself
    except Exception as exc:  # whatever else a shop made an adapter or the fetcher raise: a failed check
        log.exception("observing %s (%s) raised", url, adapter.platform)
        return clean_observation(
            Observation.failed(
                CheckStatus.ERROR,
                f"The check failed unexpectedly: {type(exc).__name__}: {exc}",
                url=url,
                platform=adapter.platform,
            )
        )
    obs.url = obs.url or url
    obs.platform = obs.platform or adapter.platform
    return clean_observation(obs)


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
    try:
        adapter = adapter_for(platform) if platform else adapter_for_content(text, url)
        page = Page(url=url, text=text, blocked_reason=blocks.detect(text))
    except Exception as exc:  # a document that makes recognising it raise: unparseable, never a crash
        log.exception("recognising a saved document (%s) raised", url)
        return clean_observation(
            Observation.failed(
                CheckStatus.UNPARSEABLE, f"Could not read the document: {type(exc).__name__}: {exc}", url=url
            )
        )
    return clean_observation(observe_page(adapter, page, url))
