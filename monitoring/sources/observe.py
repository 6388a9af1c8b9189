"""Read one URL or one saved document into an Observation: the path shared by `inspect`, the add-product
preview and the scheduled checks. It never raises for a shop's behaviour: every failure is a status."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.models import settings_for
from suppliers.platforms import Platform, clean_shop_url, detect

from ..fetch import FetchError, blocks, get_fetcher
from ..observation import Observation
from ..sanitize import clean_observation
from ..statuses import CheckStatus
from .appshell import needs_javascript, needs_javascript_message
from .base import FetchContext, Page, observe_page
from .registry import adapter_for, adapter_for_content
from .selector import NO_LONGER_MATCHES, apply_selector, is_html, page_tree

log = logging.getLogger(__name__)


def fetch_context_for(user) -> FetchContext:
    """Who is looking: the user's currency and ship-to country (AliExpress prices and shipping depend on them)."""
    prefs = settings_for(user)
    return FetchContext(currency=prefs.currency, ship_to=prefs.ship_to_country)


def observe_url(
    url: str, *, platform: str = "", ctx: FetchContext | None = None, fetcher=None, price_selector: str = ""
) -> Observation:
    """What the page at `url` says. With the user's `price_selector`, that is tried first (sources.selector)."""
    return read_url(url, platform=platform, ctx=ctx, fetcher=fetcher, price_selector=price_selector).obs


@dataclass
class Reading:
    """An observation and the HTML page it was read from (None when the platform answered in JSON only, or
    nothing was fetched): the add and edit pages list that page's price candidates."""

    obs: Observation
    page: Page | None = None


def read_url(
    url: str,
    *,
    platform: str = "",
    ctx: FetchContext | None = None,
    fetcher=None,
    price_selector: str = "",
    want_page: bool = False,
) -> Reading:
    """observe_url, keeping the product's HTML page. `want_page`: fetch it when the adapter read only JSON."""
    try:
        url = clean_shop_url(url)
    except ValidationError as exc:
        return Reading(Observation.failed(CheckStatus.REFUSED, " ".join(exc.messages), url=url, platform=platform))
    try:
        adapter = adapter_for(platform or detect(url).platform)
    except Exception as exc:  # an unknown platform, an address detect() cannot read
        return Reading(Observation.failed(CheckStatus.ERROR, str(exc), url=url, platform=platform))
    kept = _KeepPages(fetcher or get_fetcher())
    try:
        obs = adapter.observe(url, kept, ctx or FetchContext())
    except FetchError as exc:
        return Reading(
            clean_observation(Observation.failed(exc.status, exc.message, url=url, platform=adapter.platform))
        )
    except SoftTimeLimitExceeded:
        raise  # the task's time is up: the check records that itself
    except Exception as exc:  # whatever else a shop made an adapter or the fetcher raise: a failed check
        log.exception("observing %s (%s) raised", url, adapter.platform)
        return Reading(
            clean_observation(
                Observation.failed(
                    CheckStatus.ERROR,
                    f"The check failed unexpectedly: {type(exc).__name__}: {exc}",
                    url=url,
                    platform=adapter.platform,
                )
            )
        )
    obs.url = obs.url or url
    obs.platform = obs.platform or adapter.platform
    page = kept.html_page()
    if page is None and (want_page or price_selector) and obs.status not in _NO_PAGE:
        page = _product_page(kept, url)  # a platform read from its JSON: the selector and the candidates need it
    if price_selector:
        if page is None and obs.status not in _NO_PAGE:
            obs = Observation.failed(
                CheckStatus.UNPARSEABLE,
                f"{NO_LONGER_MATCHES}: the product page could not be fetched to read it.",
                url=url,
                platform=adapter.platform,
            )
        else:
            obs = apply_selector(obs, page, price_selector)
    return Reading(clean_observation(explain_missing_price(obs, page)), page)


def _product_page(fetcher, url: str) -> Page | None:
    """The product's HTML page, when the adapter did not fetch it; None when the shop does not give it."""
    try:
        page = fetcher.get(url)
    except FetchError as exc:
        log.info("fetching the product page %s for its price selector failed: %s", url, exc.message)
        return None
    return page if page.status_code < 400 and not page.blocked_reason and is_html(page) else None


# Answers that carry no product page to read a selector on.
_NO_PAGE = (CheckStatus.BLOCKED, CheckStatus.NOT_FOUND, CheckStatus.REFUSED, CheckStatus.ERROR)


class _KeepPages:
    """The fetcher, remembering the HTML pages it returned: the product page the user's selector reads, read
    once by the adapter and once more by the selector, never fetched twice."""

    def __init__(self, fetcher):
        self.fetcher = fetcher
        self.pages: list[Page] = []

    def get(self, url: str, **kwargs) -> Page:
        page = self.fetcher.get(url, **kwargs)
        self.pages.append(page)
        return page

    def __getattr__(self, name):  # post(), and anything else an adapter asks the fetcher for
        return getattr(self.fetcher, name)

    def html_page(self) -> Page | None:
        """The first HTML page the adapter fetched that the shop answered (the product's own page)."""
        return next((p for p in self.pages if p.status_code < 400 and not p.blocked_reason and is_html(p)), None)


def explain_missing_price(obs: Observation, page: Page | None) -> Observation:
    """A page that needs JavaScript to show its price says so plainly, instead of "no price found"."""
    if page is None or obs.status not in (CheckStatus.OK, CheckStatus.UNPARSEABLE) or obs.price is not None:
        return obs
    if obs.platform == Platform.ALIEXPRESS:  # its data is always in scripts: a miss there is a layout change
        return obs
    if obs.message.startswith(NO_LONGER_MATCHES):
        return obs  # said already, with the reason
    tree = page_tree(page)
    reason = needs_javascript(tree) if tree is not None else ""
    if not reason:
        return obs
    words = needs_javascript_message(reason)
    obs.message = words if obs.status == CheckStatus.UNPARSEABLE else f"{obs.message} {words}".strip()
    return obs


def observe_url_shared(
    url: str, *, platform: str = "", ctx: FetchContext | None = None, price_selector: str = ""
) -> Observation:
    """observe_url, shared by every check of the same listing in one round: the first fetches, the others
    (products selling other variants of it, due in the same tick) read that answer from the cache, so the
    shop sees one request per round. The key holds who is looking (currency, ship-to)."""
    ctx = ctx or FetchContext()
    key = f"{url}|{platform}|{ctx.currency}|{ctx.ship_to}" + (f"|{price_selector}" if price_selector else "")
    key = "observe:" + hashlib.sha256(key.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return Observation.from_json(cached)
    obs = observe_url(url, platform=platform, ctx=ctx, price_selector=price_selector)
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
    return clean_observation(explain_missing_price(observe_page(adapter, page, url), page))
