"""AliExpress: item pages in every layout AliExpress has used, store pages, and the reviews JSON.

`parse(page)` reads a fetched or saved document:
- JSON documents: a runParams JSON (modules or hierarchy layout), the mtop pdp JSON, the feedback JSON, or
  an Open Platform `aliexpress.ds.product.get` answer;
- HTML / JS: `window.runParams = { data: ... }` (modules or components layout), found by string search
  and decoded at the brace, so the page is never built into a tree; a "page not found" page; a store page;
  or, when runParams is empty (the client-rendered shell saved by a browser), the JSON-LD and the DOM.
A page that is clearly AliExpress but carries none of these raises ParseError naming what was missing.

`observe(url, fetcher, ctx)` is the live check (see live.py).
"""

from __future__ import annotations

import re

from ...observation import Observation
from ...statuses import CheckStatus
from ..base import Adapter, FetchContext, Page, ParseError
from .api import parse_ds_product_document
from .common import PLATFORM
from .documents import find_run_params, load_json_document
from .dom import looks_like_store_page, not_found_message, not_found_observation, parse_rendered, parse_store_page
from .feedback import feedback_parts, parse_feedback
from .layouts import detect_layout, parse_layout
from .live import locale_cookies, mtop_params, mtop_sign
from .live import observe as observe_live

__all__ = [
    "AliExpressAdapter",
    "locale_cookies",
    "mtop_params",
    "mtop_sign",
    "parse_feedback",
    "parse_store",
]

# What only AliExpress documents carry. "aliexpress" or alicdn.com alone is not enough: dropshipping
# shops on other platforms show AliExpress images and mention AliExpress in their text.
_SNIFF_DATA = (
    "runParams",
    "_init_data_",
    "mtop.aliexpress",
    "aliexpress_ds_product_get_response",
    '"buyerEval"',
    '"priceModule"',
    '"priceComponent"',
    '"hierarchy"',
    '"PC_RATING"',
)
_SNIFF_SITE = re.compile(r"<(?:link|meta)\b[^>]*(?:canonical|og:url)[^>]*>", re.IGNORECASE)
_ALIEXPRESS_HOST = re.compile(r"//[\w.-]*aliexpress\.(?:com|us|ru)(?:[:/]|$)", re.IGNORECASE)


class AliExpressAdapter(Adapter):
    platform = PLATFORM

    def sniff(self, text: str) -> bool:
        head = text[:300_000]
        if "aliexpress" not in head.lower():
            return False
        if any(marker in head for marker in _SNIFF_DATA):
            return True
        return any(_ALIEXPRESS_HOST.search(tag) for tag in _SNIFF_SITE.findall(head[:100_000]))

    def parse(self, page: Page) -> Observation:
        text = page.text or ""
        if not text.strip():
            raise ParseError("The AliExpress document is empty.")
        document = load_json_document(text)
        obs = self._parse_json(document) if document is not None else self._parse_html(text, page.url)
        obs.url = obs.url or page.url
        obs.platform = PLATFORM
        return obs

    def parse_store(self, page: Page) -> Observation:
        return parse_store(page)

    def observe(self, url: str, fetcher, ctx: FetchContext) -> Observation:
        return observe_live(self, url, fetcher, ctx)

    # --- dispatch ----------------------------------------------------------------------------------
    def _parse_json(self, document) -> Observation:
        if isinstance(document, dict) and (
            "aliexpress_ds_product_get_response" in document or "error_response" in document
        ):
            return parse_ds_product_document(document)
        if feedback_parts(document) is not None:
            return _feedback_observation(document)
        for candidate in (document, document.get("data") if isinstance(document, dict) else None):
            layout = detect_layout(candidate)
            if layout:
                return parse_layout(layout, candidate)
        if isinstance(document, dict) and document.get("ret"):
            raise ParseError(f"AliExpress's API answered without product data: {document['ret']}.")
        raise ParseError(
            "JSON document with no AliExpress product data: none of data.result (mtop), data.hierarchy, "
            "priceModule/titleModule (modules), priceComponent (components), evaViewList (reviews)."
        )

    def _parse_html(self, text: str, url: str) -> Observation:
        if looks_like_store_page(text, url):
            return parse_store_page(text, url)
        if not_found_message(text):
            return not_found_observation(text, url)
        data, has_run_params = find_run_params(text)
        layout = detect_layout(data)
        if layout:
            return parse_layout(layout, data)
        rendered = parse_rendered(text, url)
        if rendered is not None:
            return rendered
        if data is not None:
            raise ParseError(
                "AliExpress page whose runParams.data has none of the known layouts "
                f"(keys: {', '.join(sorted(data)[:12])})."
            )
        if has_run_params:
            raise ParseError(
                "AliExpress item page without product data: window.runParams is empty (the client-rendered "
                "shell; its data comes from the mtop.aliexpress.pdp.pc.query API) and the page has no JSON-LD "
                "Product or rendered product block."
            )
        raise ParseError(
            "No AliExpress product data in the page: no window.runParams, no JSON-LD Product, no rendered "
            "product block, and it is neither a store page nor a 'page not found' page."
        )


def parse_store(page: Page) -> Observation:
    """A store page: only `store` is filled (a shell store page gives just its id and name)."""
    obs = parse_store_page(page.text or "", page.url)
    if obs.store is None:
        raise ParseError("AliExpress store page without a store id or name (no storeId, canonical or title).")
    return obs


def _feedback_observation(document) -> Observation:
    reviews, histogram, average, total, _positive = parse_feedback(document)
    return Observation(
        status=CheckStatus.OK,
        platform=PLATFORM,
        rating=average if total != 0 else None,
        review_count=total,
        rating_histogram=histogram,
        reviews=reviews,
    )
