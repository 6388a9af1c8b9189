"""Pages whose data is in the HTML rather than in runParams: browser-rendered item pages (JSON-LD plus the
DOM), "page not found" pages, and store pages.

Only the product's own blocks are read: the JSON-LD Product, and the elements AliExpress marks with
`data-pl` ("product-title", "product-price", "store-name", ...) or the item's own review list. The
"You may also like" / "More to love" cards carry prices and ratings of OTHER products and are never read.
"""

from __future__ import annotations

import hashlib
import html
import re

import lxml.html

from ...observation import Observation, Review
from ...statuses import CheckStatus
from ..locale import parse_count, parse_date, parse_number, parse_price
from .common import (
    ITEM_ID,
    PLATFORM,
    STORE_ID,
    currency_code,
    decimal_or_none,
    first_image,
    int_or_none,
    language_of,
    make_store,
    money,
)
from .documents import json_ld_blocks

_NOT_FOUND_MARKERS = (
    re.compile(r'class="[^"]*\bnot-found--(?:wrap|desc)'),
    re.compile(r">\s*Sorry, (?:the page you requested can not be found|this item is no longer available)", re.I),
)
_TITLE_SUFFIX = re.compile(r"\s+-\s+AliExpress(?:\s+\d+)?\s*$", re.IGNORECASE)
_STORE_TITLE_SUFFIX = re.compile(r"\s+-\s+[^-]*AliExpress\s*$", re.IGNORECASE)
_STORE_CONFIG_ID = re.compile(r"""storeId\s*[:=]\s*['"]?(\d{3,})""")
_CANONICAL = re.compile(r"""<link[^>]+rel=["']canonical["'][^>]*href=["']([^"']+)""", re.IGNORECASE)
_OG_IMAGE = re.compile(r"""<meta[^>]+property=["']og:image["'][^>]*content=["']([^"']+)""", re.IGNORECASE)
_OG = re.compile(r"""<meta[^>]+property=["']og:(title|url)["'][^>]*content=["']([^"']*)""", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_LANG = re.compile(r"""<html[^>]*\blang=["']([\w-]+)""", re.IGNORECASE)


def not_found_message(text: str) -> str:
    """Why this is a "page not found" page, or "" (the i18n strings every page carries do not count)."""
    for marker in _NOT_FOUND_MARKERS:
        if marker.search(text):
            return "AliExpress shows 'page not found' for this listing: it was removed or is unavailable."
    return ""


def not_found_observation(text: str, url: str) -> Observation:
    match = ITEM_ID.search(url or "") or ITEM_ID.search(_og(text).get("url", ""))
    return Observation(
        status=CheckStatus.NOT_FOUND,
        message=not_found_message(text) or "The listing is gone.",
        platform=PLATFORM,
        url=url,
        product_id=match.group(1) if match else "",
    )


# --- browser-rendered item pages ---------------------------------------------------------------------


def json_ld_product(text: str) -> dict | None:
    for item in json_ld_blocks(text):
        kinds = item.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "Product" in kinds:
            return item
        reviewed = item.get("itemReviewed")
        if isinstance(reviewed, dict) and reviewed.get("@type") == "Product":
            return {**reviewed, "aggregateRating": item}
    return None


def parse_rendered(text: str, url: str) -> Observation | None:
    """An item page as a browser saved it: JSON-LD for title/price/rating, the DOM for the rest."""
    product = json_ld_product(text)
    has_dom = 'data-pl="product-title"' in text or 'data-pl="product-price"' in text
    if product is None and not has_dom:
        return None
    doc = lxml.html.fromstring(text)
    lang_match = _HTML_LANG.search(text[:3000])
    language = language_of(lang_match.group(1) if lang_match else "")
    obs = Observation(platform=PLATFORM, url=url)
    _from_json_ld(obs, product or {})
    _from_dom(obs, doc, language)
    if not obs.image:
        match = _OG_IMAGE.search(text[:50000])
        obs.image = first_image(html.unescape(match.group(1))) if match else ""
    if not obs.product_id:
        match = ITEM_ID.search(url or "") or ITEM_ID.search(_og(text).get("url", ""))
        obs.product_id = match.group(1) if match else ""
    return obs


def _from_json_ld(obs: Observation, product: dict) -> None:
    obs.title = _TITLE_SUFFIX.sub("", str(product.get("name") or "")).strip()
    obs.image = first_image(product.get("image"))
    offers = product.get("offers")
    offers = offers[0] if isinstance(offers, list) and offers else offers
    if isinstance(offers, dict):
        obs.currency = currency_code(offers.get("priceCurrency"))
        low = money(offers.get("lowPrice")) if offers.get("lowPrice") not in (None, "") else None
        high = money(offers.get("highPrice")) if offers.get("highPrice") not in (None, "") else None
        obs.price = low if low is not None else money(offers.get("price"))  # "1542." reads as 1542
        obs.price_max = high if high is not None and high != obs.price else None
        availability = str(offers.get("availability") or "").lower()
        if availability.endswith(("instock", "limitedavailability", "onlineonly", "instoreonly")):
            obs.in_stock = True
        elif availability.endswith(("outofstock", "soldout", "discontinued")):
            obs.in_stock = False
        match = ITEM_ID.search(str(offers.get("url") or ""))
        if match:
            obs.product_id = match.group(1)
    rating = product.get("aggregateRating")
    if isinstance(rating, dict):
        obs.rating = decimal_or_none(rating.get("ratingValue"))
        obs.review_count = int_or_none(rating.get("reviewCount") or rating.get("ratingCount"))


def _from_dom(obs: Observation, doc, language: str) -> None:
    if not obs.title:
        obs.title = _text(_first(doc, '//*[@data-pl="product-title"]'))
    if obs.price is None:
        price_text = _text(_first(doc, '//*[@data-pl="product-price"]//*[contains(@class, "price--current")]'))
        obs.price, currency = parse_price(price_text, obs.currency)
        obs.currency = obs.currency or currency
    original = _text(_first(doc, '//*[@data-pl="product-price"]//*[contains(@class, "price--original")]'))
    if original:
        obs.original_price, _ = parse_price(original, obs.currency)
    _sold_and_rating(obs, doc)
    quantity = _text(_first(doc, '//*[contains(@class, "quantity--info")]'))
    if quantity and any(ch.isdigit() for ch in quantity):
        obs.stock_quantity = parse_count(quantity)
        if obs.stock_quantity is not None and obs.in_stock is None:
            obs.in_stock = obs.stock_quantity > 0
    obs.store = _dom_store(doc)
    if doc.xpath('//*[contains(@class, "store-info--name")]//img[contains(@class, "choiceTag")]'):
        obs.labels.append("Choice")
    obs.reviews = _dom_reviews(doc, language)


def _sold_and_rating(obs: Observation, doc) -> None:
    box = _first(doc, '//*[@data-pl="product-reviewer"]')
    if box is None:
        return
    sold = _text(_first(box, './/*[contains(@class, "reviewer--sold")]'))
    obs.orders_count = parse_count(sold) if sold else obs.orders_count
    if obs.rating is None:
        obs.rating = parse_number(_text(_first(box, './/*[contains(@class, "reviewer--rating")]')))
    if obs.review_count is None:
        obs.review_count = parse_count(_text(_first(box, './/*[contains(@class, "reviewer--reviews")]')))


def _dom_store(doc):
    link = _first(doc, '//a[@data-pl="store-name"]')
    name = _text(link)
    href = link.get("href", "") if link is not None else ""
    if not name:
        detail = _first(doc, '//*[contains(@class, "store-detail--storeName")]')
        name = _text(detail)
        wrapper = _first(doc, '//a[contains(@class, "store-detail--wrap")]')
        href = wrapper.get("href", "") if wrapper is not None else ""
    match = STORE_ID.search(href)
    positive = followers = None
    for strong in doc.xpath('//*[contains(@class, "store-info--desc")]/strong'):
        value = _text(strong)
        if "%" in value and positive is None:
            positive = parse_number(value)
        elif followers is None and positive is not None:
            followers = parse_count(value)
    return make_store(match.group(1) if match else "", name, positive=positive, followers=followers)


def _dom_reviews(doc, language: str) -> list[Review]:
    reviews = []
    for box in doc.xpath('//*[@id="nav-review"]//*[contains(@class, "list--itemBox")]'):
        stars = len(box.xpath('.//*[contains(@class, "stars--box")]//*[contains(@class, "starreviewfilled")]'))
        info = _text(_first(box, './/*[contains(@class, "list--itemInfo")]'))
        buyer, _, when = info.rpartition("|")
        body = _text(_first(box, './/*[contains(@class, "list--itemReview")]'))
        if not 1 <= stars <= 5:
            continue
        # The DOM carries no review id: derive a stable one from who, when and what.
        digest = hashlib.sha1(f"{buyer.strip()}|{when.strip()}|{body}".encode(), usedforsecurity=False)
        reviews.append(
            Review(
                id="dom-" + digest.hexdigest()[:16],
                stars=stars,
                text=body,
                date=parse_date(when or info, language),
            )
        )
    return reviews


def _first(node, xpath: str):
    found = node.xpath(xpath) if node is not None else []
    return found[0] if found else None


def _text(node) -> str:
    if node is None:
        return ""
    return " ".join(node.text_content().replace("\xa0", " ").split())


def _og(text: str) -> dict[str, str]:
    return {key.lower(): value for key, value in _OG.findall(text[:20000])}


# --- store pages -------------------------------------------------------------------------------------


def looks_like_store_page(text: str, url: str) -> bool:
    if "/item/" in (url or ""):
        return False
    if STORE_ID.search(url or ""):
        return True
    canonical = _CANONICAL.search(text[:20000])
    return bool(canonical and STORE_ID.search(canonical.group(1)) and _STORE_CONFIG_ID.search(text))


def parse_store_page(text: str, url: str) -> Observation:
    """A store page: the store's id and name (a shell page carries nothing else, so the rest stays None)."""
    head = text[:50000]
    match = _STORE_CONFIG_ID.search(text) or STORE_ID.search(url or "")
    canonical = _CANONICAL.search(head)
    if match is None and canonical:
        match = STORE_ID.search(canonical.group(1))
    title_match = _HTML_TITLE.search(head)
    title = html.unescape(" ".join((title_match.group(1) if title_match else _og(head).get("title", "")).split()))
    name = _STORE_TITLE_SUFFIX.sub("", title).strip()
    obs = Observation(platform=PLATFORM, url=url)
    obs.store = make_store(match.group(1) if match else "", name)
    return obs
