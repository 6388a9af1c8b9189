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
from .base import Adapter, FetchContext, Page, observe_page
from .registry import adapter_for, adapter_for_content
from .selector import NO_LONGER_MATCHES, apply_selector, is_html, page_tree

log = logging.getLogger(__name__)


def fetch_context_for(user) -> FetchContext:
    """Who is looking: the user's currency and ship-to country (AliExpress prices and shipping depend on them)."""
    return fetch_context_of(settings_for(user))


def fetch_context_of(prefs) -> FetchContext:
    """fetch_context_for from settings already read (a check reads them once)."""
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
    except (SoftTimeLimitExceeded, Unchanged):
        raise  # the task's time is up, or the page is the one read last time: the check records that itself
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


# --- an unchanged page: a conditional request, a content digest ------------------------------------------------


@dataclass(frozen=True)
class PageState:
    """What the last full read of a page left (kept on the product row): the shop's validators and the digest."""

    etag: str = ""
    last_modified: str = ""
    digest: str = ""


@dataclass
class PageRead:
    """One conditional read: the observation, or `unchanged` ("not_modified": a 304; "same_content": the body's
    digest equals the last one's) and no observation; the validators and digest to keep either way."""

    obs: Observation | None
    unchanged: str = ""
    etag: str = ""
    last_modified: str = ""
    digest: str = ""


class Unchanged(Exception):
    """The page is the one read last time (raised by the fetcher wrapper, through the adapter, to here)."""

    def __init__(self, how: str, page: Page):
        super().__init__(how)
        self.how = how
        self.page = page


def page_digest(key: str, text: str) -> str:
    """64 characters: 16 of the key (what else the reading depends on: the address, the variant, who is looking)
    and 48 of the key with the body. Validators are sent only when the key still matches (a changed variant or
    currency reads the page afresh); the same body under another key is another digest."""
    return (
        hashlib.sha256(key.encode()).hexdigest()[:16]
        + hashlib.sha256(key.encode() + b"\0" + text.encode("utf-8", "surrogatepass")).hexdigest()[:48]
    )


def conditional_possible(platform: str, url: str) -> bool:
    """Only an adapter that reads one page per check (the base `observe`): a second request (a reviews feed, a
    Shopify .js) could change while the page does not."""
    try:
        adapter = adapter_for(platform or detect(url).platform)
    except Exception:
        return False
    return type(adapter).observe is Adapter.observe


class _ConditionalFetcher:
    """The fetcher, with the check's one page asked for conditionally and its answer compared with the last."""

    def __init__(self, fetcher, state: PageState, key: str):
        self._fetcher = fetcher
        self._state = state
        self._key = key
        self.etag = self.last_modified = self.digest = ""

    def get(self, url: str, *, headers=None, **kwargs) -> Page:
        headers = dict(headers or {})
        state = self._state
        # The shop's validators belong to the reading they came with: only under the same key.
        asked = bool(state.digest[:16] == page_digest(self._key, "")[:16] and (state.etag or state.last_modified))
        if asked:
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.last_modified:
                headers["If-Modified-Since"] = state.last_modified
        page = self._fetcher.get(url, headers=headers, **kwargs)
        if page.status_code == 304 and asked:
            self.etag = page.headers.get("etag", "")[:200] or state.etag
            self.last_modified = page.headers.get("last-modified", "")[:64] or state.last_modified
            self.digest = state.digest
            raise Unchanged("not_modified", page)
        if page.status_code != 200 or page.blocked_reason:
            return page  # a failure or a block page: read as such, and nothing kept
        self.etag = page.headers.get("etag", "")[:200]
        self.last_modified = page.headers.get("last-modified", "")[:64]
        self.digest = page_digest(self._key, page.text)
        if state.digest and self.digest == state.digest:
            raise Unchanged("same_content", page)
        return page

    def __getattr__(self, name):
        return getattr(self._fetcher, name)


def observe_url_conditional(
    url: str,
    *,
    platform: str = "",
    ctx: FetchContext | None = None,
    state: PageState,
    key: str,
    fetcher=None,
    observe=observe_url,
) -> PageRead:
    """observe_url for a page read before: a 304 or a body equal to the last one is `unchanged` (not parsed);
    anything else is read in full. Validators and a digest are kept only from a successful read, so a failed
    fetch never counts as unchanged and the next check after a failure reads the page in full. `observe`: the
    caller's observe_url (the checks' own name for it, which tests may replace)."""
    watching = _ConditionalFetcher(fetcher or get_fetcher(), state, key)
    try:
        obs = observe(url, platform=platform, ctx=ctx, fetcher=watching)
    except Unchanged as same:
        return PageRead(None, same.how, watching.etag, watching.last_modified, watching.digest)
    if not obs.ok:
        return PageRead(obs)
    return PageRead(obs, "", watching.etag, watching.last_modified, watching.digest)
