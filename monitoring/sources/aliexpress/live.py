"""A live AliExpress check: the item page, the mtop JSON when the page is the client-rendered shell, and
the newest reviews. Only the item page may fail the check; the extra requests are best effort.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from urllib.parse import urlsplit

from suppliers.platforms import is_aliexpress_host

from ...fetch import FetchError
from ...observation import Observation
from ...statuses import CheckStatus
from ..base import FetchContext, ParseError, observe_page
from .api import OpenPlatformClient
from .common import ITEM_ID, PLATFORM, language_of
from .documents import find_run_params, load_json_document
from .feedback import parse_feedback
from .layouts import detect_layout, parse_layout

log = logging.getLogger(__name__)

FEEDBACK_URL = "https://feedback.aliexpress.com/pc/searchEvaluation.do"
REVIEW_PAGE_SIZE = 20
REVIEW_PAGES = 2  # at most 40 reviews per check: enough to follow new ones, light on the shop
# "complex_default" is the sort the public endpoint is known to accept; we order the result newest first.
REVIEW_SORT = "complex_default"

MTOP_API = "mtop.aliexpress.pdp.pc.query"
MTOP_URL = f"https://acs.aliexpress.com/h5/{MTOP_API}/1.0/"
MTOP_APP_KEY = "12574478"  # the public app key of AliExpress's own web pages
_H5_TOKEN = re.compile(r"(_m_h5_tk(?:_enc)?)=([^;,\s]+)")


def locale_cookies(ctx: FetchContext) -> dict[str, str]:
    """The cookies that pick AliExpress's currency, ship-to country and language (it otherwise uses our IP)."""
    language = ctx.language or "en_US"
    return {
        "aep_usuc_f": f"site=glo&c_tp={ctx.currency}&region={ctx.ship_to}&b_locale={language}",
        "intl_locale": language,
        "xman_us_f": f"x_locale={language}",
    }


def observe(adapter, url: str, fetcher, ctx: FetchContext) -> Observation:
    cookies = locale_cookies(ctx)
    page = fetcher.get(url, cookies=cookies)
    obs = observe_page(adapter, page, url)
    if obs.store is not None and not obs.product_id and obs.price is None and not obs.title:
        return obs  # a store page: nothing more to fetch
    product_id = obs.product_id or _item_id(url)
    if product_id and _is_shell(page, obs):
        from_api = _observe_mtop(product_id, url, fetcher, ctx, {**cookies, **_h5_tokens(page.headers)})
        if from_api is not None and (from_api.status != CheckStatus.BLOCKED or not obs.ok):
            obs = from_api
    if product_id:
        obs = _with_open_platform(obs, product_id, url, fetcher, ctx)
    if obs.ok and product_id:
        _add_reviews(obs, product_id, url, fetcher, ctx, cookies)
    return obs


def _with_open_platform(obs: Observation, product_id: str, url: str, fetcher, ctx: FetchContext) -> Observation:
    """With an app key configured, ask the official API too: it is the only source of the three detailed
    seller ratings, and it answers when the page shows us a captcha. The page's reading wins where both
    have a value (it is what buyers see); the API fills what the page lacks."""

    client = OpenPlatformClient.from_settings()
    if client is None:
        return obs
    api = client.observe_product(product_id, fetcher, ctx, url=url)
    if not api.ok:
        if obs.ok or obs.status == CheckStatus.NOT_FOUND:
            return obs
        return api if api.status == CheckStatus.NOT_FOUND else obs  # the page's failure explains itself better
    merged = api if not obs.ok else _merge(obs, api)  # a blocked or unreadable page: the API stands in for it
    _add_freight(merged, product_id, client, fetcher, ctx)
    return merged


def _add_freight(obs: Observation, product_id: str, client, fetcher, ctx: FetchContext) -> None:
    """When neither the page nor the product answer priced the delivery, ask aliexpress.ds.freight.query
    for the SKU the top level tracks (the cheapest in stock, else the cheapest). Not when the page already
    said the address is unreachable."""
    if obs.shipping is not None and (obs.shipping.fee is not None or obs.ships_to_buyer is False):
        return
    priced = [v for v in obs.variants if v.price is not None]
    candidates = [v for v in priced if v.in_stock is not False] or priced or obs.variants
    if not candidates:
        return
    chosen = min(candidates, key=lambda v: (v.price is None, v.price or 0))
    shipping = client.freight(product_id, chosen.id, fetcher, ctx)
    if shipping is not None and (shipping.fee is not None or obs.shipping is None):
        obs.shipping = shipping


def _merge(obs: Observation, api: Observation) -> Observation:
    for name in (
        "title",
        "price",
        "price_max",
        "original_price",
        "currency",
        "in_stock",
        "stock_quantity",
        "rating",
        "review_count",
        "rating_histogram",
        "orders_count",
        "ships_to_buyer",
        "image",
    ):
        if getattr(obs, name) in (None, ""):
            setattr(obs, name, getattr(api, name))
    if not obs.variants:
        obs.variants = api.variants
    if obs.shipping is None:
        obs.shipping = api.shipping
    if api.store is not None:
        if obs.store is None:
            obs.store = api.store
        else:
            for name, value in vars(api.store).items():
                if getattr(obs.store, name) in (None, "") and value not in (None, ""):
                    setattr(obs.store, name, value)
    return obs


def feedback_url(item_url: str) -> str:
    """Reviews live on feedback.aliexpress.com for AliExpress itself; a mirror of its formats (the demo shop,
    a test server) serves the same endpoint from its own origin."""
    parts = urlsplit(item_url)
    if is_aliexpress_host(parts.hostname or ""):
        return FEEDBACK_URL
    return f"{parts.scheme}://{parts.netloc}{urlsplit(FEEDBACK_URL).path}"


def _item_id(url: str) -> str:
    match = ITEM_ID.search(url or "")
    return match.group(1) if match else ""


def _is_shell(page, obs: Observation) -> bool:
    """The client-rendered item page (empty runParams) that we could not read, or read without a price."""
    if page.blocked_reason or page.status_code >= 400 or obs.status in (CheckStatus.BLOCKED, CheckStatus.NOT_FOUND):
        return False
    if obs.ok and obs.price is not None:
        return False
    data, has_run_params = find_run_params(page.text)
    return data is None and (has_run_params or obs.status == CheckStatus.UNPARSEABLE)


# --- mtop --------------------------------------------------------------------------------------------


def mtop_sign(token: str, timestamp: str, app_key: str, data: str) -> str:
    """mtop's request signature: md5("token&t&appKey&data"), the token being the _m_h5_tk cookie's first part."""
    return hashlib.md5(f"{token}&{timestamp}&{app_key}&{data}".encode(), usedforsecurity=False).hexdigest()


def mtop_params(product_id: str, ctx: FetchContext, token: str, timestamp: str) -> dict[str, str]:
    ext = {"site": "glo", "crawler": False, "signedIn": False, "host": "www.aliexpress.com"}
    data = json.dumps(
        {
            "productId": product_id,
            "_lang": ctx.language,
            "_currency": ctx.currency,
            "country": ctx.ship_to,
            "clientType": "pc",
            "ext": json.dumps(ext, separators=(",", ":")),
        },
        separators=(",", ":"),
    )
    return {
        "jsv": "2.5.1",
        "appKey": MTOP_APP_KEY,
        "t": timestamp,
        "sign": mtop_sign(token, timestamp, MTOP_APP_KEY, data),
        "api": MTOP_API,
        "v": "1.0",
        "type": "originaljson",
        "dataType": "json",
        "timeout": "15000",
        "data": data,
    }


def _h5_tokens(headers: dict[str, str]) -> dict[str, str]:
    """The _m_h5_tk / _m_h5_tk_enc cookies a response set (mtop signs requests with them)."""
    return dict(_H5_TOKEN.findall(headers.get("set-cookie", "")))


def _observe_mtop(product_id: str, url: str, fetcher, ctx: FetchContext, cookies: dict) -> Observation | None:
    """The mtop pdp JSON for the item. The first call without a token is answered with FAIL_SYS_TOKEN_EMPTY
    and a fresh _m_h5_tk cookie; the second call is signed with it. None when it cannot be had."""

    for _attempt in range(2):
        token = cookies.get("_m_h5_tk", "").split("_")[0]
        params = mtop_params(product_id, ctx, token, str(int(time.time() * 1000)))
        try:
            page = fetcher.get(MTOP_URL, params=params, cookies=cookies, headers={"Referer": url})
        except FetchError as exc:
            log.info("mtop request for %s failed: %s", product_id, exc.message)
            return None
        if page.blocked_reason:
            return Observation.failed(CheckStatus.BLOCKED, page.blocked_reason, url=url, platform=PLATFORM)
        document = load_json_document(page.text)
        if not isinstance(document, dict):
            return None
        if detect_layout(document) == "mtop":
            obs = parse_layout("mtop", document)
            obs.url = url
            return obs
        ret = " ".join(str(r) for r in document.get("ret") or [])
        fresh = _h5_tokens(page.headers)
        if "TOKEN" not in ret.upper() or not fresh:
            log.info("mtop answered %s for %s", ret or "no data", product_id)
            return None
        cookies = {**cookies, **fresh}
    return None


# --- reviews -----------------------------------------------------------------------------------------


def _add_reviews(obs: Observation, product_id: str, url: str, fetcher, ctx: FetchContext, cookies: dict) -> None:
    """The newest reviews (at most REVIEW_PAGES pages), and the histogram when the item page lacked it."""

    language = language_of(ctx.language)
    collected = []
    stats = None
    for number in range(1, REVIEW_PAGES + 1):
        params = {
            "productId": product_id,
            "lang": ctx.language,
            "country": ctx.ship_to,
            "page": str(number),
            "pageSize": str(REVIEW_PAGE_SIZE),
            "filter": "all",
            "sort": REVIEW_SORT,
        }
        try:
            page = fetcher.get(feedback_url(url), params=params, cookies=cookies, headers={"Referer": url})
            if page.blocked_reason or page.status_code >= 400:
                break
            reviews, histogram, average, total, _positive = parse_feedback(page.text, language)
        except FetchError as exc:
            log.info("reviews of %s not fetched: %s", product_id, exc.message)
            break
        except (ParseError, ValueError) as exc:
            log.info("reviews of %s not readable: %s", product_id, exc)
            break
        collected.extend(reviews)
        stats = stats or (histogram, average, total)
        if len(reviews) < REVIEW_PAGE_SIZE:
            break
    if collected:
        unique = {review.id: review for review in collected}
        obs.reviews = sorted(unique.values(), key=lambda r: (r.date is not None, r.date), reverse=True)
    if stats:
        histogram, average, total = stats
        obs.rating_histogram = obs.rating_histogram if obs.rating_histogram is not None else histogram
        obs.rating = obs.rating if obs.rating is not None else average
        obs.review_count = obs.review_count if obs.review_count is not None else total
