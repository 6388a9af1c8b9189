"""Any shop: schema.org Product/Offer/AggregateRating (JSON-LD, microdata), OpenGraph product tags, and the
visible page when there is no markup.

The HTML is parsed once with lxml; that one tree feeds extruct's JSON-LD and microdata extractors (RDFa is left
out: it is slow and product pages that have it also carry JSON-LD or OpenGraph), the OpenGraph reader and the
visible-page reader (`visible.py`). schema.org names are read case-insensitively ("@type": "product", "Offers",
itemprop="pricecurrency"), currencies are checked against today's ISO 4217 codes.

Order of trust for the price (the README's adapter section says the same):
1. JSON-LD, then microdata when it describes the same product, then OpenGraph (`og:` or `product:price:amount`,
   as `property` or `name`, in or outside <head>); field by field, the most specific source wins.
2. The visible page cross-checks it. A confident visible current price next to the buy button replaces the
   markup's price when the markup's is not shown on the page as a current price (a stale offers.price, or one the
   page shows struck through), and an auction's visible current bid replaces the opening price.
3. Without markup, the visible price is the price when it is confident and unambiguous; otherwise none.
Stock: a visible sold-out label in the main product area, about buying this item online, beats metadata that
says in stock; visible text never puts a product back in stock.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import lxml.etree
import lxml.html
from extruct.jsonld import JsonLdExtractor
from extruct.w3cmicrodata import MicrodataExtractor

from ..observation import Observation, Review, Shipping, Variant, description_digest
from .base import Adapter, Page, ParseError
from .locale import currency_code, default_currency_for, parse_count, parse_date, parse_price
from .visible import (
    Candidate,
    PageView,
    VisiblePrice,
    collect_candidates,
    html_tree,
    number_shown,
    text_of,
    visible_out_of_stock_message,
    visible_price,
)

NO_DATA_MESSAGE = "No schema.org Product, Offer or OpenGraph product data on the page"

PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "IndividualProduct", "ProductModel", "SomeProducts", "Vehicle"})
# Things that are sold with offers without being a Product (a ticket, a book, a course...). Read as a product only
# when the page has no Product: a WebPage's or an Organization's offers are not a listing.
OFFER_HOLDER_TYPES = frozenset(
    {"Event", "Book", "Service", "Course", "SoftwareApplication", "VideoGame", "Trip", "Car", "MusicAlbum",
     "MusicRecording", "Movie", "CreativeWork", "Game", "Ticket", "Accommodation", "Product"}
)  # fmt: skip
OFFER_TYPES = frozenset({"Offer", "AggregateOffer"})
NOT_A_LISTING_TYPES = frozenset(
    {"WebSite", "WebPage", "Organization", "Corporation", "LocalBusiness", "Store", "OnlineStore", "BreadcrumbList",
     "ItemList", "SearchAction", "Brand", "Person"}
)  # fmt: skip

# schema.org names are case-sensitive, shops' markup is not ("@type": "product", "Offers", itemprop="pricecurrency"):
# keys and types are mapped to their schema.org spelling once, so the reader below compares exact names.
_KNOWN_PROPERTIES = (
    "name", "offers", "price", "priceCurrency", "lowPrice", "highPrice", "availability", "priceSpecification",
    "priceType", "minPrice", "maxPrice", "sku", "gtin", "gtin8", "gtin12", "gtin13", "gtin14", "mpn", "productID",
    "productGroupID", "inProductGroupWithID", "isVariantOf", "hasVariant", "variesBy", "aggregateRating",
    "ratingValue", "reviewCount", "ratingCount", "bestRating", "worstRating", "review", "reviews", "reviewRating",
    "reviewBody", "description", "datePublished", "author", "itemReviewed", "mainEntity", "url", "image",
    "inventoryLevel", "shippingDetails", "shippingRate", "shippingDestination", "addressCountry", "deliveryTime",
    "handlingTime", "transitTime", "minValue", "maxValue", "value", "currency", "color", "size", "itemOffered",
    "offerCount", "brand", "seller", "validFrom", "validThrough", "priceValidUntil", "itemCondition", "contentUrl",
    "shippingLabel", "doesNotShip", "eligibleRegion", "material", "pattern", "unitCode", "unitText",
)  # fmt: skip
_CANONICAL_KEYS = {k.lower(): k for k in _KNOWN_PROPERTIES}
_CANONICAL_TYPES = {
    t.lower(): t
    for t in (
        *PRODUCT_TYPES, *OFFER_HOLDER_TYPES, *OFFER_TYPES, *NOT_A_LISTING_TYPES, "AggregateRating", "Review",
        "Rating", "PriceSpecification", "UnitPriceSpecification", "CompoundPriceSpecification",
        "OfferShippingDetails", "ShippingDeliveryTime", "DefinedRegion", "MonetaryAmount", "QuantitativeValue",
        "ImageObject", "Thing",
    )
}  # fmt: skip

# schema.org ItemAvailability (and OpenGraph's product:availability spellings), lower-cased without separators.
# in_stock means "can be ordered now": pre-orders and back-orders can, in-store-only items cannot be shipped.
AVAILABILITY: dict[str, bool] = {
    "instock": True,
    "onlineonly": True,
    "limitedavailability": True,
    "preorder": True,
    "presale": True,
    "backorder": True,
    "madetoorder": True,
    "availablefororder": True,
    "outofstock": False,
    "soldout": False,
    "discontinued": False,
    "instoreonly": False,
    "oos": False,
}

# Identifiers in preference order: the shop's own stock-keeping unit names exactly what is sold there; productID
# is the shop's generic id; GTINs name the product across shops; a manufacturer part number is the least specific.
ID_KEYS = ("sku", "productID", "gtin13", "gtin", "gtin14", "gtin12", "gtin8", "mpn", "productGroupID")

# priceSpecification.priceType values that mean "the price before the discount".
LIST_PRICE_TYPES = frozenset({"listprice", "strikethroughprice", "srp", "msrp", "invoiceprice"})


_SCHEMA_PREFIX = re.compile(r"^https?://(?:www\.)?schema\.org/", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d*)?")
_TITLE_SEPARATORS = (" - ", " | ", " \u2013 ", " \u2014 ", " :: ", " \u00b7 ")  # hyphen, bar, en and em dash, middot
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_LD_SCRIPTS = lxml.etree.XPath("//script[@type='application/ld+json']")
_META = lxml.etree.XPath("//meta[@content]")
# sniff() reads the lower-cased text once: plain substrings, one alternation, no case-insensitive regex.
_SNIFF_PATTERN = re.compile(
    r"""["']@type["']\s*:\s*\[?\s*["'](?:https?://schema\.org/)?(?:product|productgroup|offer|aggregateoffer)["']"""
    r"""|itemtype\s*=\s*["']?https?://schema\.org/product"""
    r"""|(?:property|name)\s*=\s*["'](?:og|product):price:amount["']"""
    r"""|(?:property|name)\s*=\s*["']og:type["'][^>]*content\s*=\s*["']product"""
    r"""|content\s*=\s*["']product["'][^>]*(?:property|name)\s*=\s*["']og:type"""
)


class StructuredAdapter(Adapter):
    platform = "structured"

    def sniff(self, text: str) -> bool:
        head = text[:200].lstrip().lower()
        if not head.startswith(("<", "\ufeff<")):
            return False
        return _SNIFF_PATTERN.search(text.lower()) is not None

    def parse(self, page: Page) -> Observation:
        tree = parse_html(page.text)
        product = _main_product(tree, page.url)
        og = _opengraph(tree)
        obs = product.obs if product is not None else Observation()
        has_markup = product is not None or og.is_product
        _fill_from_opengraph(obs, og)
        obs.title = strip_site_name(obs.title, og.site_name)
        view = PageView(
            tree,
            title_hint=(obs.title, _document_title(tree), og.props.get("og:title", "")),
            microdata_area=_microdata_area(tree) if product is not None and product.microdata else None,
        )
        default_currency = default_currency_for(page.url, og.props.get("og:locale", "") or tree.get("lang", ""))
        candidates = collect_candidates(view, default_currency)
        seen = visible_price(candidates)
        _trust(obs, seen, candidates, has_markup=has_markup, view=view)
        if obs.price is None and not has_markup:
            # No markup and no price: a product page that says, by its title, it is sold out (shops often hide
            # the price then) is read as out of stock; anything else is not a product page we can read.
            article = og.props.get("og:type", "").lower().startswith(("article", "blog", "profile"))
            message = "" if article else visible_out_of_stock_message(view, near_title=True)
            if not message or "?" in message:  # "Out of stock? Never." is copy, not a label
                raise ParseError(NO_DATA_MESSAGE)
            obs.in_stock = False
            obs.message = f'The page shows "{message}" and no price: read as out of stock.'

        if not has_markup:
            shown = _clean_text(text_of(view.title)) if view.title is not None else ""
            obs.title = strip_site_name(obs.title or shown or _document_title(tree), og.site_name)
        obs.image = obs.image or _absolute(og.props.get("og:image", ""), page.url)
        _cross_check_stock(obs, view, mixed_stock=product is not None and product.mixed_stock)
        obs.platform = self.platform
        obs.url = page.url
        return obs


def parse_html(text: str) -> lxml.etree._Element:
    """One lxml tree for every extractor; an empty or non-HTML body is a ParseError, not a crash."""
    if not text or not text.strip():
        raise ParseError("The page is empty.")
    # lxml refuses a str that declares its encoding; the text is already decoded, so the declaration goes.
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        return html_tree(text)
    except lxml.etree.ParserError as exc:
        raise ParseError(f"The page is not HTML: {exc}") from exc


def _document_title(tree: lxml.etree._Element) -> str:
    title = tree.find(".//title")
    text = _clean_text(text_of(title)) if title is not None else ""
    for separator in _TITLE_SEPARATORS:  # "Blue Mug - Acme": the product's part
        head, sep, _tail = text.partition(separator)
        if sep and head.strip():
            return head.strip()
    return text


def _absolute(url: str, page_url: str) -> str:
    from urllib.parse import urljoin

    url = (url or "").strip()
    if not url or url.startswith("data:"):
        return ""
    if url.startswith("//"):
        return "https:" + url
    return urljoin(page_url, url) if page_url else url


# --- the order of trust ------------------------------------------------------------------------------------------

TRUST_VISIBLE_CONFIDENCE = 0.75  # a visible price this sure (in the product area, by the buy button) can overrule


def _trust(
    obs: Observation, seen: VisiblePrice, candidates: list[Candidate], *, has_markup: bool, view: PageView
) -> None:
    """Decide between the markup's price and the visible one (see the module docstring for the order). The
    visible price speaks for the markup's product only when the page's title names it."""
    if has_markup and obs.title and not _titles_agree(obs.title, view.title):
        return
    if obs.price is not None and not obs.currency:  # the markup's price without a currency: the page's label
        obs.currency = next((c.currency for c in candidates if c.value == obs.price and c.currency), "")
    if seen.price is None:
        return
    if obs.price is None:
        if has_markup and obs.currency and seen.currency and obs.currency != seen.currency:
            return
        obs.price, obs.price_max = seen.price, None
        obs.currency = seen.currency or obs.currency
        obs.original_price = seen.original_price
        if has_markup:
            obs.message = _join(obs.message, f"Price read from the page: {seen.reason}.")
        return
    if seen.price == obs.price:
        return
    if obs.currency and seen.currency and obs.currency != seen.currency:
        return  # shown in another currency (a geo switch): not comparable
    if obs.price_max is not None and obs.price <= seen.price <= obs.price_max:
        return  # one variant of the markup's range (the selected size): the range stays
    # The markup's price shown anywhere as other than a struck-through "was" price or an opening bid keeps it.
    shown_current = any(
        c.value in (obs.price, obs.price_max)
        for c in candidates
        if c.kind not in ("was", "other-product", "opening-bid")
    )
    if shown_current or not (seen.bid or seen.confidence >= TRUST_VISIBLE_CONFIDENCE):
        return
    if not seen.bid and number_shown(view, {v for v in (obs.price, obs.price_max) if v is not None}):
        return  # printed without a currency beside it, or in a format no candidate was made of: still shown
    old = obs.price
    obs.price, obs.price_max = seen.price, None
    obs.currency = obs.currency or seen.currency
    if seen.original_price is not None:
        obs.original_price = seen.original_price
    elif obs.original_price is not None and obs.original_price <= seen.price:
        obs.original_price = None
    what = "the current bid" if seen.bid else "the price"
    note = f"The page shows {what} {seen.reason}; its markup says {old}: read {seen.price}."
    obs.message = _join(obs.message, note)


def _titles_agree(title: str, element: Any) -> bool:
    if element is None:
        return False

    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())

    a, b = norm(title), norm(text_of(element))
    return bool(a and b) and (a in b or b in a)


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


# --- finding the product --------------------------------------------------------------------------------------


@dataclass
class _Found:
    node: dict
    rating: dict | None = None  # an AggregateRating whose itemReviewed is this product
    review: dict | None = None  # a Review whose itemReviewed is this product
    weak: bool = False  # not a Product: an Event, a Book, a bare Offer... read when the page has no Product


@dataclass
class _Reading:
    obs: Observation
    mixed_stock: bool = False  # some offers in stock, some not: a "Sold out" label on the page is expected
    microdata: bool = False  # the page has microdata itemscopes (its Product element is the product area)


def _main_product(tree: lxml.etree._Element, page_url: str) -> _Reading | None:
    readings: list[_Reading] = []
    microdata = bool(_HAS_ITEMSCOPE(tree))  # asked once: both the reader and the product area need it
    for items in (_jsonld_items(tree), _microdata_items(tree, page_url) if microdata else []):
        found = _find_products(items)
        picked = _pick(found, page_url)
        if picked is not None:
            readings.append(_read_product(picked, _same_family(picked, found), page_url))
    if not readings:
        return None
    main = readings[0]
    main.microdata = microdata
    for other in readings[1:]:
        if _same_product(main.obs, other.obs):
            _fill(main.obs, other.obs)
            main.mixed_stock = main.mixed_stock or other.mixed_stock
    return main


def _jsonld_items(tree: lxml.etree._Element) -> list:
    extractor = JsonLdExtractor()
    items: list = []
    for script in _LD_SCRIPTS(tree):
        try:
            items.extend(extractor.extract_items(script))
        except ValueError:  # one broken script must not hide the others
            continue
    return [canonical(item) for item in items]


_HAS_ITEMSCOPE = lxml.etree.XPath("boolean(//*[@itemscope])")
_TOP_ITEMSCOPES = lxml.etree.XPath("//*[@itemscope and @itemtype and not(ancestor::*[@itemscope])]")


def _microdata_items(tree: lxml.etree._Element, page_url: str) -> list:
    return [canonical(_microdata_as_jsonld(i)) for i in _Microdata().extract_items(tree, page_url or None)]


class _Microdata(MicrodataExtractor):
    """extruct's microdata reader on a plain lxml.etree tree: its text content without lxml.html's Cleaner (which
    needs lxml.html elements): the text of the element, scripts, styles and comments left out."""

    def _extract_textContent(self, node):
        parts: list[str] = []
        _collect_text(node, parts)
        return " ".join("".join(parts).split())


_NO_TEXT_TAGS = frozenset({"script", "style", "noscript", "template"})


def _collect_text(el: Any, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _NO_TEXT_TAGS:
            _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def _microdata_area(tree: lxml.etree._Element) -> lxml.etree._Element | None:
    """The outermost microdata Product element: the main product area when the page marks one up."""
    for el in _TOP_ITEMSCOPES(tree):  # an itemscope inside another is a property of it (offers, a review)
        if {_canonical_type(t) for t in el.get("itemtype", "").split()} & PRODUCT_TYPES:
            return el
    return None


def _microdata_as_jsonld(value: Any) -> Any:
    """extruct's microdata shape ({"type", "properties"}) as JSON-LD, so one reader serves both."""
    if isinstance(value, list):
        return [_microdata_as_jsonld(v) for v in value]
    if isinstance(value, dict) and ("properties" in value or "type" in value):
        node: dict[str, Any] = {"@type": value.get("type", "")}
        if value.get("id"):
            node["@id"] = value["id"]
        for key, prop in (value.get("properties") or {}).items():
            node[key] = _microdata_as_jsonld(prop)
        return node
    return value


def canonical(value: Any) -> Any:
    """A copy with schema.org's spelling of known property and type names, whatever case the page used."""
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict = {}
    for key, item in value.items():
        name = _CANONICAL_KEYS.get(key.lower(), key) if isinstance(key, str) else key
        if name == "@type" or (name == "type" and "@type" not in value):
            name = "@type"
            item = [_canonical_type(t) for t in item] if isinstance(item, list) else _canonical_type(item)
        else:
            item = canonical(item)
        if name not in out:  # "price" and "Price" both present: the first wins
            out[name] = item
    return out


def _canonical_type(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    short = _short_type(value)
    return _CANONICAL_TYPES.get(short.lower(), short)


def _find_products(items: Iterable) -> list[_Found]:
    found: list[_Found] = []
    for item in items:
        _collect(item, found, rating=None, review=None)
    return found


def _collect(node: Any, found: list[_Found], *, rating: dict | None, review: dict | None) -> None:
    """Products at the top level, in @graph or a list, a page's mainEntity, or itemReviewed of a rating/review;
    other things sold with offers (an Event, a Book), and a bare Offer (with its itemOffered, if any).

    A product's own properties are not searched: products nested there (isRelatedTo, isSimilarTo) are others.
    """
    if isinstance(node, list):
        for item in node:
            _collect(item, found, rating=rating, review=review)
        return
    if not isinstance(node, dict):
        return
    if "@graph" in node:
        _collect(node["@graph"], found, rating=rating, review=review)
    kinds = types_of(node)
    if kinds & PRODUCT_TYPES:
        found.append(_Found(node, rating=rating, review=review))
    elif "AggregateRating" in kinds:
        _collect(node.get("itemReviewed"), found, rating=node, review=review)
    elif "Review" in kinds:
        _collect(node.get("itemReviewed"), found, rating=rating, review=node)
    elif kinds & OFFER_TYPES:
        item = node.get("itemOffered")
        item = item if isinstance(item, dict) else {}
        holder = {**item, "offers": node} if not item.get("offers") else item
        if not _text(holder.get("name")) and _text(node.get("name")):
            holder["name"] = node["name"]
        found.append(_Found(holder, rating=rating, review=review, weak=not (types_of(item) & PRODUCT_TYPES)))
    elif node.get("offers") and not (kinds & NOT_A_LISTING_TYPES):
        found.append(_Found(node, rating=rating, review=review, weak=True))
    else:
        _collect(node.get("mainEntity"), found, rating=rating, review=review)


def _pick(found: list[_Found], page_url: str) -> _Found | None:
    """The page's own product: the one whose url is the page's, else a Product before other things with offers,
    else the first with offers, else the first."""

    def score(f: _Found) -> tuple[bool, bool, bool, bool]:
        url = _text(f.node.get("url")) or _text(f.node.get("@id"))
        return (
            bool(url) and _same_url(url, page_url),
            not f.weak,
            bool(f.node.get("offers") or f.node.get("hasVariant")),
            bool(_text(f.node.get("name"))),
        )

    return max(found, key=score) if found else None  # max keeps the first of equals: document order


def _same_family(picked: _Found, found: list[_Found]) -> list[dict]:
    """Other Products that are the same item in another size or colour (one Product per variant): the same
    productGroupID / isVariantOf, or the same name once a trailing size/colour qualifier is dropped."""
    if picked.weak:
        return []
    key = _family_key(picked.node)
    if not key:
        return []
    return [
        f.node for f in found if f is not picked and not f.weak and f.node.get("offers") and _family_key(f.node) == key
    ]


_QUALIFIER = re.compile(r"\s*(?:[-–|/,:]\s*[^-–|/,:]{1,25}|\([^)]{1,25}\))\s*$")


def _family_key(node: dict) -> str:
    for key in ("productGroupID", "inProductGroupWithID"):
        if _text(node.get(key)):
            return "group:" + _text(node.get(key))
    parent = _first_dict(node.get("isVariantOf"))
    if parent is not None:
        ident = _text(parent.get("productGroupID")) or _text(parent.get("@id")) or _text(parent.get("name"))
        if ident:
            return "group:" + ident
    name = " ".join(_text(node.get("name")).split()).casefold()
    base = _QUALIFIER.sub("", name) or name
    return "name:" + base if base else ""


def _same_url(a: str, b: str) -> bool:
    def norm(u: str) -> str:
        return re.sub(r"^https?://(www\.)?", "", u.split("#")[0].split("?")[0]).rstrip("/").lower()

    return bool(a and b) and norm(a) == norm(b)


def _same_product(a: Observation, b: Observation) -> bool:
    def norm(t: str) -> str:
        return " ".join(t.split()).casefold()

    return not a.title or not b.title or norm(a.title) == norm(b.title)


def _fill(obs: Observation, other: Observation) -> None:
    """Complete `obs` with what only `other` knows. Price, range and currency travel together, as do rating
    and review count: half of one source's price with half of another's would be a price nobody showed."""
    if obs.price is None and other.price is not None:
        obs.price, obs.price_max, obs.currency = other.price, other.price_max, other.currency or obs.currency
        obs.original_price = obs.original_price or other.original_price
    elif not obs.currency and other.currency and other.price == obs.price:
        obs.currency = other.currency
    if obs.rating is None and other.rating is not None:
        obs.rating, obs.review_count = other.rating, other.review_count
    obs.title = obs.title or other.title
    obs.product_id = obs.product_id or other.product_id
    obs.reviews = obs.reviews or other.reviews
    obs.variants = obs.variants or other.variants
    obs.shipping = obs.shipping or other.shipping
    obs.image = obs.image or other.image
    if obs.in_stock is None:
        obs.in_stock = other.in_stock
    if obs.stock_quantity is None:
        obs.stock_quantity = other.stock_quantity


# --- reading one product ---------------------------------------------------------------------------------------


def _read_product(found: _Found, family: list[dict], page_url: str) -> _Reading:
    node = found.node
    offers = list(_offers(node, variant=node if family else None))
    for sibling in family:  # one Product per size/colour: each is a variant of this one
        offers.extend(_offers(sibling, variant=sibling))
    summary = _summarise(offers)
    rating_node = _first_dict(node.get("aggregateRating")) or found.rating
    rating, count = _rating(rating_node) if rating_node else (None, None)
    review_nodes = _as_list(node.get("review")) or _as_list(node.get("reviews"))
    if not review_nodes and found.review is not None:
        review_nodes = [found.review]
    obs = Observation(
        title=_clean_text(_text(node.get("name"))),
        product_id=_identifier(node, offers),
        price=summary.price,
        price_max=summary.price_max,
        original_price=summary.original_price,
        currency=summary.currency,
        in_stock=summary.in_stock,
        stock_quantity=summary.quantity,
        rating=rating,
        review_count=count,
        reviews=[r for r in (_review(n) for n in review_nodes) if r is not None],
        variants=_variants(offers, node),
        shipping=_shipping(summary.main),
        image=_absolute(_image(node.get("image")), page_url),
        description_digest=description_digest(_text(node.get("description"))),
    )
    if family and not obs.title:
        obs.title = _clean_text(_text(family[0].get("name")))
    return _Reading(obs, mixed_stock=summary.mixed_stock)


@dataclass
class _Offer:
    price: Decimal | None = None
    high: Decimal | None = None  # an AggregateOffer's highPrice
    list_price: Decimal | None = None
    currency: str = ""
    in_stock: bool | None = None
    quantity: int | None = None
    node: dict = field(default_factory=dict)
    variant: dict | None = None  # the variant Product this offer sells (hasVariant, one Product per size)


def _offers(product: dict, *, variant: dict | None = None) -> Iterator[_Offer]:
    raw = product.get("offers")
    variants = [v for v in _as_list(product.get("hasVariant")) if isinstance(v, dict)]
    if variants and (not raw or any(v.get("offers") for v in variants)):
        # a ProductGroup: each variant is a Product with its own offers (the group's own offers are a summary)
        inherited = next(_offer_list(_as_list(raw), inherited=_Offer()), _Offer()) if raw else _Offer()
        for v in variants:
            for offer in _offer_list(_as_list(v.get("offers")), inherited=_Offer(currency=inherited.currency)):
                offer.variant = v
                yield offer
        return
    for offer in _offer_list(_as_list(raw), inherited=_Offer()):
        offer.variant = variant
        yield offer


def _offer_list(nodes: list, inherited: _Offer) -> Iterator[_Offer]:
    for node in nodes:
        if not isinstance(node, dict):
            continue
        offer = _read_offer(node, inherited)
        nested = [n for n in _as_list(node.get("offers")) if isinstance(n, dict)]
        if nested:  # an AggregateOffer that lists its offers: they are the truth, the aggregate their defaults
            yield from _offer_list(nested, inherited=offer)
        else:
            yield offer


def _specs(node: dict) -> list[dict]:
    """priceSpecification entries, CompoundPriceSpecification components flattened; per-unit prices ("per kg":
    a referenceQuantity other than one) are not the offer's price."""
    out: list[dict] = []
    for spec in _as_list(node.get("priceSpecification")):
        if not isinstance(spec, dict):
            continue
        components = [c for c in _as_list(spec.get("priceComponent")) if isinstance(c, dict)]
        for item in components or [spec]:
            quantity = _first_dict(item.get("referenceQuantity"))
            amount = _number(quantity.get("value")) if quantity else None
            if amount is not None and amount != 1:
                continue
            out.append(item)
    return out


def _read_offer(node: dict, inherited: _Offer) -> _Offer:
    specs = _specs(node)
    current_specs = [s for s in specs if _price_type(s) not in LIST_PRICE_TYPES]
    list_specs = [s for s in specs if _price_type(s) in LIST_PRICE_TYPES]
    price, price_currency = _money(_first_present(node, "price", "lowPrice"))
    if price is None and current_specs:
        price, price_currency = _money(_first_present(current_specs[0], "price", "minPrice"))
    high, _ = _money(node.get("highPrice"))
    list_price = _money(list_specs[0].get("price"))[0] if list_specs else None
    currency = (
        _currency(node.get("priceCurrency"))
        or next((_currency(s.get("priceCurrency")) for s in specs if s.get("priceCurrency")), "")
        or price_currency
        or inherited.currency
    )
    availability = _availability(node.get("availability"))
    price, high, list_price = (_whole_units(v, currency) for v in (price, high, list_price))
    return _Offer(
        price=price if price is not None else inherited.price,
        high=high if high is not None else inherited.high,
        list_price=list_price,
        currency=currency,
        in_stock=availability if availability is not None else inherited.in_stock,
        quantity=_count(_quantity_value(node.get("inventoryLevel"))),
        node=node,
    )


def _whole_units(value: Decimal | None, currency: str) -> Decimal | None:
    """ "1.299" CLP is 1299: in a currency without minor units (CLP, KRW, JPY...) a dot before exactly three
    digits groups thousands, whatever schema.org says about dots."""
    if value is None or not currency or value.as_tuple().exponent != -3:
        return value
    from babel.numbers import get_currency_precision

    try:
        precision = get_currency_precision(currency)
    except Exception:  # a code Babel does not know
        return value
    return (value * 1000).quantize(Decimal(1)) if precision == 0 else value


@dataclass
class _Summary:
    price: Decimal | None = None
    price_max: Decimal | None = None
    original_price: Decimal | None = None
    currency: str = ""
    in_stock: bool | None = None
    quantity: int | None = None
    mixed_stock: bool = False
    main: _Offer | None = None  # the offer whose price is the price


def _summarise(offers: list[_Offer]) -> _Summary:
    """Several offers: the page's main currency is the one most offers are priced in (the first seen wins a
    tie); among its offers the in-stock ones set the price (all of them when none is in stock). The price is
    the lowest of those, price_max the highest, original_price the lowest list price above its own offer's."""
    stock = [o.in_stock for o in offers if o.in_stock is not None]
    summary = _Summary(
        in_stock=any(stock) if stock else None,
        mixed_stock=True in stock and False in stock,
        quantity=sum(o.quantity for o in offers if o.quantity is not None)
        if offers and all(o.quantity is not None for o in offers)
        else None,
        main=offers[0] if offers else None,
    )
    priced = [o for o in offers if o.price is not None]
    if not priced:
        return summary
    currencies = Counter(o.currency for o in priced if o.currency)
    main_currency = currencies.most_common(1)[0][0] if currencies else ""
    same_currency = [o for o in priced if o.currency in (main_currency, "")]
    pool = [o for o in same_currency if o.in_stock] or same_currency
    summary.currency = main_currency
    summary.main = min(pool, key=lambda o: o.price or 0)
    summary.price = summary.main.price
    highest = max(max(o.price, o.high or o.price) for o in pool if o.price is not None)
    summary.price_max = highest if highest != summary.price else None
    was = [o.list_price for o in pool if o.list_price is not None and o.price is not None and o.list_price > o.price]
    summary.original_price = min(was) if was else None
    return summary


# --- variants, shipping, image ------------------------------------------------------------------------------------

_OPTION_KEYS = (("color", "Color"), ("size", "Size"), ("material", "Material"), ("pattern", "Pattern"))


def _variants(offers: list[_Offer], product: dict) -> list[Variant]:
    """Each offer of a product with several (sizes, colours, a ProductGroup's hasVariant) as a Variant; none
    when the page has one offer or its offers cannot be told apart."""
    if len(offers) < 2:
        return []
    variants: list[Variant] = []
    seen: set[str] = set()
    for offer in offers:
        source = offer.variant or {}
        ident = (
            _text(offer.node.get("sku"))
            or _text(source.get("sku"))
            or _text(offer.node.get("@id"))
            or _text(source.get("@id"))
            or _text(offer.node.get("url"))
            or _text(source.get("url"))
            or next((_text(offer.node.get(k)) or _text(source.get(k)) for k in ID_KEYS if k != "sku"
                     if _text(offer.node.get(k)) or _text(source.get(k))), "")
        )  # fmt: skip
        name = _variant_name(offer, source, product)
        key = ident or name
        if not key or key in seen:
            continue
        seen.add(key)
        variants.append(
            Variant(
                id=ident,
                name=name,
                price=offer.price,
                original_price=offer.list_price
                if offer.list_price and offer.price and offer.list_price > offer.price
                else None,
                currency=offer.currency,
                in_stock=offer.in_stock,
                stock_quantity=offer.quantity,
            )
        )
    return variants if len(variants) > 1 else []


def _variant_name(offer: _Offer, source: dict, product: dict) -> str:
    options = []
    for key, label in _OPTION_KEYS:
        value = _text(source.get(key)) or _text(offer.node.get(key))
        if not value:
            item = _first_dict(offer.node.get("itemOffered"))
            value = _text(item.get(key)) if item else ""
        if value:
            options.append(f"{label}: {_clean_text(value)}")
    if options:
        return "; ".join(options)
    name = _text(source.get("name")) or _text(offer.node.get("name"))
    if not name:
        item = _first_dict(offer.node.get("itemOffered"))
        name = _text(item.get("name")) if item else ""
    return _clean_text(name) if name and name != _text(product.get("name")) else ""


def _shipping(offer: _Offer | None) -> Shipping | None:
    """OfferShippingDetails of the offer that sets the price: rate, destination, handling + transit days."""
    if offer is None:
        return None
    details = _first_dict(offer.node.get("shippingDetails"))
    if details is None:
        return None
    rate = _first_dict(details.get("shippingRate"))
    fee, fee_currency = _money(rate) if rate else (None, "")
    if rate and fee is None and _number(rate.get("value")) == 0:
        fee = Decimal(0)
    currency = (_currency(rate.get("currency")) if rate else "") or fee_currency or offer.currency
    destination = _first_dict(details.get("shippingDestination"))
    country = _text(destination.get("addressCountry")) if destination else ""
    if destination and isinstance(destination.get("addressCountry"), dict):
        country = _text(destination["addressCountry"].get("name")) or _text(destination["addressCountry"].get("@id"))
    delivery = _first_dict(details.get("deliveryTime"))
    days_min = days_max = None
    if delivery:
        handling = _first_dict(delivery.get("handlingTime")) or {}
        transit = _first_dict(delivery.get("transitTime")) or {}
        parts = [p for p in (handling, transit) if p]
        mins = [_count(p.get("minValue")) for p in parts]
        maxs = [_count(p.get("maxValue")) for p in parts]
        if parts and all(m is not None for m in mins):
            days_min = sum(m for m in mins if m is not None)
        if parts and all(m is not None for m in maxs):
            days_max = sum(m for m in maxs if m is not None)
    shipping = Shipping(
        to=country.upper() if re.fullmatch(r"[A-Za-z]{2}", country) else "",
        fee=fee,
        currency=currency if fee is not None else "",
        days_min=days_min,
        days_max=days_max,
        method=_clean_text(_text(details.get("shippingLabel")) or _text(details.get("name"))),
    )
    if shipping.fee is None and shipping.days_min is None and shipping.days_max is None and not shipping.to:
        return None
    return shipping


def _image(value: Any) -> str:
    for item in _as_list(value):
        if isinstance(item, str) and item.strip():
            return item.strip()
        if isinstance(item, dict):
            url = _text(item.get("url")) or _text(item.get("contentUrl"))
            if url:
                return url
    return ""


def _rating(node: dict) -> tuple[Decimal | None, int | None]:
    count = _count(node.get("reviewCount"))
    if count is None:
        count = _count(node.get("ratingCount"))
    value = normalise_rating(node.get("ratingValue"), node.get("bestRating"), node.get("worstRating"))
    return value, count


def normalise_rating(value: Any, best: Any = None, worst: Any = None) -> Decimal | None:
    """A rating on a 0..5 scale. bestRating 10 or 100 is a ratio scale (8/10 is 4.0); a worstRating other than
    0 or 1 means a shifted scale, mapped linearly onto 0..5."""
    rating = _number(value)
    top = _number(best)
    bottom = _number(worst)
    if rating is None or rating < 0:
        return None
    if top is None or top == 5 or top <= 0:
        return rating if rating <= 5 else None
    if bottom not in (None, Decimal(0), Decimal(1)) and top > bottom:
        scaled = (rating - bottom) / (top - bottom) * 5
    else:
        scaled = rating / top * 5
    if not 0 <= scaled <= 5:
        return None
    return scaled.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()


def _review(node: Any) -> Review | None:
    if not isinstance(node, dict):
        return None
    rating_node = _first_dict(node.get("reviewRating"))
    if rating_node is None:
        return None
    rating = normalise_rating(
        rating_node.get("ratingValue"), rating_node.get("bestRating"), rating_node.get("worstRating")
    )
    if rating is None:
        return None
    stars = min(5, max(1, int(rating.quantize(Decimal(1), rounding=ROUND_HALF_UP))))
    text = _clean_text(_text(node.get("reviewBody")) or _text(node.get("description")))
    published = _date(_text(node.get("datePublished")))
    review_id = _text(node.get("@id")) or _text(node.get("url"))
    if not review_id:
        author = node.get("author")
        author_name = _text(author.get("name")) if isinstance(author, dict) else _text(author)
        digest = hashlib.sha1(f"{author_name}|{published}|{text}".encode(), usedforsecurity=False)
        review_id = digest.hexdigest()[:20]
    return Review(id=review_id, stars=stars, text=text, date=published)


def _identifier(product: dict, offers: list[_Offer]) -> str:
    sources = [product] + ([offers[0].node] if len(offers) == 1 else [])
    for key in ID_KEYS:
        for source in sources:
            value = _text(source.get(key))
            if value:
                return value
    return ""


# --- OpenGraph ------------------------------------------------------------------------------------------------


@dataclass
class _OpenGraph:
    props: dict[str, str] = field(default_factory=dict)

    @property
    def site_name(self) -> str:
        return self.props.get("og:site_name", "")

    @property
    def is_product(self) -> bool:
        kind = self.props.get("og:type", "").lower()
        return kind.startswith("product") or self.price_amount is not None

    @property
    def price_amount(self) -> str | None:
        return self.props.get("product:price:amount") or self.props.get("og:price:amount")

    @property
    def currency(self) -> str:
        return _currency(self.props.get("product:price:currency") or self.props.get("og:price:currency"))


def _opengraph(tree: lxml.etree._Element) -> _OpenGraph:
    """og:* and product:* tags wherever they are (<head> or <body>), as `property` or as `name`."""
    props: dict[str, str] = {}
    for meta in _META(tree):
        for name in (meta.get("property") or meta.get("name") or "").lower().split():
            if name.startswith(("og:", "product:")):
                props.setdefault(name, meta.get("content", "").strip())  # og:image repeats: the first is the main one
    return _OpenGraph(props)


def _fill_from_opengraph(obs: Observation, og: _OpenGraph) -> None:
    if not og.is_product:
        return
    obs.title = obs.title or _clean_text(og.props.get("og:title", ""))
    price, currency = _money(og.price_amount)
    currency = og.currency or currency
    if obs.price is None and price is not None:
        sale, _ = _money(og.props.get("product:sale_price:amount"))
        if sale is not None and sale < price:  # Facebook catalogue tags: price is the regular one, sale the current
            obs.price, obs.original_price = sale, price
        else:
            obs.price = price
        obs.currency = currency
    elif not obs.currency and currency and price == obs.price:
        obs.currency = currency
    if obs.in_stock is None:
        obs.in_stock = _availability(og.props.get("product:availability") or og.props.get("og:availability"))
    obs.product_id = obs.product_id or og.props.get("product:retailer_item_id", "")


def strip_site_name(title: str, site_name: str) -> str:
    """ "Blue Mug - Acme" -> "Blue Mug" when the page says its site is Acme; other dashes are part of the name.
    A site name followed by a number ("AliExpress 26") is still the site name."""
    site = site_name.strip().casefold()
    if not site or not title:
        return title
    for separator in _TITLE_SEPARATORS:
        head, sep, tail = title.rpartition(separator)
        if sep and head.strip() and re.fullmatch(rf"{re.escape(site)}(?:\s+\d+)?", tail.strip().casefold()):
            return head.strip()
    return title


# --- the visible-text cross-check -------------------------------------------------------------------------------


def _cross_check_stock(obs: Observation, view: PageView, *, mixed_stock: bool) -> None:
    """Trust a visible out-of-stock message over metadata that says (or does not say) in stock.

    Rule: the message must be a short text (a label, not a sentence of a review), visible (not in a script,
    template, hidden element or variant picker), not in page furniture or another product's or seller's block
    (navigation, footer, recommendation carousels, bundles, other sellers' rows), about buying this item online
    (not "unavailable to pick up at nearby stores"), and inside the main product area when the page shows one
    (the microdata Product element, else the smallest block around the h1 that holds a buy control). When some
    offers are in stock and some not, a "Sold out" label belongs to the sold-out variant: nothing changes.
    Visible text never puts a product back in stock: pages keep "add to cart" markup on sold-out items.
    """
    if obs.in_stock is False or mixed_stock:
        return
    message = visible_out_of_stock_message(view)
    if message:
        obs.in_stock = False
        obs.message = _join(obs.message, f'The page shows "{message}": read as out of stock.')


# --- values ------------------------------------------------------------------------------------------------------


def types_of(node: dict) -> set[str]:
    """@type (or microdata's type) as short names: "Product", "http://schema.org/Product", ["Product", "Thing"]."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {_short_type(v) for v in values if isinstance(v, str)}


def _short_type(value: str) -> str:
    # "http://schema.org/InStock", "https://schema.org/InStock", "schema:InStock", "InStock" -> "InStock"
    return _SCHEMA_PREFIX.sub("", value.strip()).rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1]


def _availability(value: Any) -> bool | None:
    text = _text(value)
    if not text:
        return None
    key = re.sub(r"[\s_-]", "", _short_type(text)).lower()
    return AVAILABILITY.get(key)


def _price_type(spec: dict) -> str:
    return _short_type(_text(spec.get("priceType"))).lower()


def _amount(value: Any) -> tuple[Decimal | None, str]:
    """A price and the currency symbol written with it. Zero or less is no price: shops write 0 for "not for
    sale", and an unknown price must stay None."""
    amount, symbol = _number_and_symbol(value)
    return (amount if amount is not None and amount > 0 else None), symbol


def _number(value: Any) -> Decimal | None:
    return _number_and_symbol(value)[0]


def _number_and_symbol(value: Any) -> tuple[Decimal | None, str]:
    """JSON-LD numbers are numbers or numeric strings ("109.0", "1542." with a trailing dot), read as schema.org
    says (a dot is the decimal separator); anything else ("1.234,56", "109€", "4,5") is read locale-proof."""
    value = _scalar(value)
    if value is None or isinstance(value, bool):
        return None, ""
    if isinstance(value, int | float):
        return _decimal(str(value)), ""
    text = str(value).strip()
    if _PLAIN_NUMBER.fullmatch(text):
        return _decimal(text.rstrip(".")), ""
    return parse_price(text)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _count(value: Any) -> int | None:
    value = _scalar(value)
    if value is None or isinstance(value, bool):
        return None
    count = parse_count(value)
    return count if count is not None and count >= 0 else None


def _quantity_value(value: Any) -> Any:
    return value.get("value") if isinstance(value, dict) else value


def _currency(value: Any) -> str:
    """A current ISO 4217 code ("eur" -> EUR, the obsolete "RUR" -> RUB, "XYZ" -> ""); a symbol ("€") where a
    code belongs is read as the code it stands for."""
    text = _text(value)
    if re.fullmatch(r"[A-Za-z]{3}", text):
        return currency_code(text)
    return currency_code(parse_price(text)[1]) if text else ""


# Keys under which shops nest a price object ({"sales": {"value": 3499, "currency": "ARS"}, "list": null}):
# the current price's names, never the list/regular price's.
_PRICE_OBJECT_KEYS = ("@value", "value", "amount", "price", "decimalPrice", "sales", "sale", "salePrice", "current",
                      "currentPrice", "final", "finalPrice", "selling", "sellingPrice", "now", "minPrice")  # fmt: skip


def _money(value: Any, depth: int = 0) -> tuple[Decimal | None, str]:
    """A price and its currency from a number, a string ("€ 16,90") or a nested price object."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        currency = _currency(value.get("currency") or value.get("priceCurrency") or value.get("currencyCode"))
        if depth < 3:
            for key in _PRICE_OBJECT_KEYS:
                if value.get(key) not in (None, "", {}, []):
                    amount, inner = _money(value[key], depth + 1)
                    if amount is not None:
                        return amount, inner or currency
        return None, currency
    amount, symbol = _amount(value)
    return amount, (currency_code(_currency(symbol)) if symbol else "")


def _date(text: str) -> date | None:
    return parse_date(text) if text else None


def _scalar(value: Any) -> Any:
    """JSON-LD allows a list or a {"@value": ...} where one value is meant."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value", value.get("value"))
    return value


def _text(value: Any) -> str:
    value = _scalar(value)
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value).strip()


def _clean_text(text: str) -> str:
    return " ".join(html.unescape(text).split())


def _first_present(node: dict, *keys: str) -> Any:
    for key in keys:
        value = node.get(key)
        if isinstance(value, dict) and _money(value)[0] is not None:  # a nested price object
            return value
        if _scalar(value) not in (None, ""):
            return value
    return None


def _first_dict(value: Any) -> dict | None:
    return next((v for v in _as_list(value) if isinstance(v, dict)), None)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
