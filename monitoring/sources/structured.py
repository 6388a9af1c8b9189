"""Any shop that publishes schema.org Product/Offer/AggregateRating (JSON-LD, microdata) or OpenGraph product tags.

The HTML is parsed once with lxml and the tree handed to extruct's per-syntax extractors (RDFa is left out: it is
slow and product pages that have it also carry JSON-LD or OpenGraph). Structured data is read first; the visible
text is only a cross-check that can take a product out of stock (changedetection.io's "lie detector").

Where the syntaxes disagree the most specific source wins, field by field: JSON-LD, then microdata (when it
describes the same product), then OpenGraph.
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
from extruct.opengraph import OpenGraphExtractor
from extruct.w3cmicrodata import MicrodataExtractor

from ..observation import Observation, Review
from .base import Adapter, Page, ParseError
from .locale import parse_count, parse_date, parse_price

NO_DATA_MESSAGE = "No schema.org Product, Offer or OpenGraph product data on the page"

PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "IndividualProduct", "ProductModel", "SomeProducts", "Vehicle"})

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

# Messages a shop shows near the buy button when the item cannot be ordered. Kept as data: extend per language.
# Phrases are specific on purpose ("indisponível online", not "indisponível"): "unavailable in store" is common
# on products that ship fine.
OUT_OF_STOCK_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "out of stock",
        "sold out",
        "currently unavailable",
        "temporarily unavailable",
        "unavailable online",
        "not available online",
        "not available for delivery",
        "cannot be bought",
        "can't be bought",
        "no longer available",
    ),
    "de": (
        "ausverkauft",
        "nicht vorrätig",
        "nicht auf lager",
        "derzeit nicht verfügbar",
        "zurzeit nicht verfügbar",
        "momentan nicht verfügbar",
        "nicht mehr verfügbar",
        "nicht lieferbar",
        "vergriffen",
    ),
    "fr": (
        "rupture de stock",
        "épuisé",
        "épuisée",
        "actuellement indisponible",
        "temporairement indisponible",
        "momentanément indisponible",
        "indisponible en ligne",
        "n'est plus disponible",
    ),
    "es": (
        "agotado",
        "agotada",
        "sin stock",
        "fuera de stock",
        "sin existencias",
        "producto no disponible",
        "actualmente no disponible",
        "temporalmente no disponible",
        "no disponible online",
    ),
    "it": (
        "esaurito",
        "esaurita",
        "prodotto non disponibile",
        "attualmente non disponibile",
        "temporaneamente non disponibile",
        "non disponibile online",
        "non più disponibile",
    ),
    "nl": (
        "uitverkocht",
        "niet op voorraad",
        "niet leverbaar",
        "tijdelijk niet beschikbaar",
        "momenteel niet beschikbaar",
        "niet meer beschikbaar",
    ),
    "pl": (
        "brak w magazynie",
        "brak towaru",
        "wyprzedane",
        "wyprzedany",
        "wyprzedana",
        "produkt niedostępny",
        "towar niedostępny",
        "chwilowo niedostępny",
        "niedostępny online",
    ),
    "pt": (
        "esgotado",
        "esgotada",
        "sem stock",
        "sem estoque",
        "fora de estoque",
        "fora de stock",
        "produto indisponível",
        "temporariamente indisponível",
        "indisponível online",
    ),
}

# A stock message is a label ("Sold out", "Currently unavailable online"), not a sentence in a review or a
# description: longer text nodes are not read as one.
MAX_MESSAGE_LENGTH = 80

# Text in these elements is never seen as page copy, or belongs to a variant picker (a "Sold out" size).
_INVISIBLE_TAGS = frozenset(
    {"script", "style", "noscript", "template", "textarea", "select", "option", "label", "fieldset", "head", "title"}
)
# Page furniture and other products: navigation, footers, side bars, recommendation carousels, bundles.
_OTHER_CONTENT_TAGS = frozenset({"nav", "footer", "aside", "dialog"})
_OTHER_CONTENT_MARKERS = re.compile(
    r"recommend|related|upsell|up-sell|cross-?sell|also-?(?:like|bought|viewed)|you-may|recently-?viewed|similar|"
    r"carousel|slider|swiper|bundle|mini-?cart|cart-?drawer|newsletter|cookie",
    re.IGNORECASE,
)
_HIDDEN_CLASSES = frozenset({"hidden", "hide", "d-none", "is-hidden", "js-hidden", "u-hidden", "invisible"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BUY_CONTROL_MARKERS = re.compile(r"cart|basket|buy|checkout|purchase|warenkorb|panier|carrinho|carrito", re.I)
_BUY_CONTROLS = lxml.etree.XPath("//form[@action] | //button | //input[@type='submit'] | //*[@data-add-to-cart]")

_SCHEMA_PREFIX = re.compile(r"^https?://(?:www\.)?schema\.org/", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d*)?")
_TITLE_SEPARATORS = (" - ", " | ", " \u2013 ", " \u2014 ", " :: ", " \u00b7 ")  # hyphen, bar, en and em dash, middot
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_LD_SCRIPTS = lxml.etree.XPath("//script[@type='application/ld+json']")
_SNIFF_PATTERNS = (
    re.compile(r"""["']@type["']\s*:\s*\[?\s*["'](?:https?://schema\.org/)?Product(?:Group)?["']""", re.I),
    re.compile(r"""itemtype\s*=\s*["']?https?://schema\.org/Product""", re.I),
    re.compile(r"""property\s*=\s*["'](?:og|product):price:amount["']""", re.I),
    re.compile(r"""property\s*=\s*["']og:type["'][^>]*content\s*=\s*["']product""", re.I),
    re.compile(r"""content\s*=\s*["']product["'][^>]*property\s*=\s*["']og:type""", re.I),
)


class StructuredAdapter(Adapter):
    platform = "structured"

    def sniff(self, text: str) -> bool:
        head = text[:200].lstrip().lower()
        if not head.startswith(("<", "\ufeff<")):
            return False
        return any(pattern.search(text) for pattern in _SNIFF_PATTERNS)

    def parse(self, page: Page) -> Observation:
        tree = parse_html(page.text)
        product = _main_product(tree, page.url)
        og = _opengraph(tree)
        if product is None and not og.is_product:
            raise ParseError(NO_DATA_MESSAGE)
        obs = product.obs if product is not None else Observation()
        _fill_from_opengraph(obs, og)
        obs.title = strip_site_name(obs.title, og.site_name)
        _cross_check_stock(obs, tree, mixed_stock=product is not None and product.mixed_stock)
        obs.platform = self.platform
        obs.url = page.url
        return obs


def parse_html(text: str) -> lxml.html.HtmlElement:
    """One lxml tree for every extractor; an empty or non-HTML body is a ParseError, not a crash."""
    if not text or not text.strip():
        raise ParseError("The page is empty.")
    # lxml refuses a str that declares its encoding; the text is already decoded, so the declaration goes.
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        return lxml.html.document_fromstring(text)
    except lxml.etree.ParserError as exc:
        raise ParseError(f"The page is not HTML: {exc}") from exc


# --- finding the product --------------------------------------------------------------------------------------


@dataclass
class _Found:
    node: dict
    rating: dict | None = None  # an AggregateRating whose itemReviewed is this product
    review: dict | None = None  # a Review whose itemReviewed is this product


@dataclass
class _Reading:
    obs: Observation
    mixed_stock: bool = False  # some offers in stock, some not: a "Sold out" label on the page is expected


def _main_product(tree: lxml.html.HtmlElement, page_url: str) -> _Reading | None:
    readings: list[_Reading] = []
    for items in (_jsonld_items(tree), _microdata_items(tree, page_url)):
        found = _pick(_find_products(items), page_url)
        if found is not None:
            readings.append(_read_product(found))
    if not readings:
        return None
    main = readings[0]
    for other in readings[1:]:
        if _same_product(main.obs, other.obs):
            _fill(main.obs, other.obs)
            main.mixed_stock = main.mixed_stock or other.mixed_stock
    return main


def _jsonld_items(tree: lxml.html.HtmlElement) -> list:
    extractor = JsonLdExtractor()
    items: list = []
    for script in _LD_SCRIPTS(tree):
        try:
            items.extend(extractor.extract_items(script))
        except ValueError:  # one broken script must not hide the others
            continue
    return items


def _microdata_items(tree: lxml.html.HtmlElement, page_url: str) -> list:
    if not tree.xpath("boolean(//*[@itemscope])"):
        return []
    return [_microdata_as_jsonld(item) for item in MicrodataExtractor().extract_items(tree, page_url or None)]


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


def _find_products(items: Iterable) -> list[_Found]:
    found: list[_Found] = []
    for item in items:
        _collect(item, found, rating=None, review=None)
    return found


def _collect(node: Any, found: list[_Found], *, rating: dict | None, review: dict | None) -> None:
    """Products at the top level, in @graph or a list, a page's mainEntity, or itemReviewed of a rating/review.

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
    else:
        _collect(node.get("mainEntity"), found, rating=rating, review=review)


def _pick(found: list[_Found], page_url: str) -> _Found | None:
    """The page's own product: the one whose url is the page's, else the first with offers, else the first."""

    def score(f: _Found) -> tuple[bool, bool, bool]:
        url = _text(f.node.get("url")) or _text(f.node.get("@id"))
        return (bool(url) and _same_url(url, page_url), bool(f.node.get("offers")), bool(_text(f.node.get("name"))))

    return max(found, key=score) if found else None  # max keeps the first of equals: document order


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
    if obs.in_stock is None:
        obs.in_stock = other.in_stock
    if obs.stock_quantity is None:
        obs.stock_quantity = other.stock_quantity


# --- reading one product ---------------------------------------------------------------------------------------


def _read_product(found: _Found) -> _Reading:
    node = found.node
    offers = list(_offers(node))
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
    )
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


def _offers(product: dict) -> Iterator[_Offer]:
    raw = product.get("offers")
    if not raw and product.get("hasVariant"):  # a ProductGroup: each variant is a Product with its own offers
        for variant in _as_list(product["hasVariant"]):
            if isinstance(variant, dict):
                yield from _offers(variant)
        return
    yield from _offer_list(_as_list(raw), inherited=_Offer())


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


def _read_offer(node: dict, inherited: _Offer) -> _Offer:
    specs = [s for s in _as_list(node.get("priceSpecification")) if isinstance(s, dict)]
    current_specs = [s for s in specs if _price_type(s) not in LIST_PRICE_TYPES]
    list_specs = [s for s in specs if _price_type(s) in LIST_PRICE_TYPES]
    price, symbol = _amount(_first_present(node, "price", "lowPrice"))
    if price is None and current_specs:
        price, symbol = _amount(_first_present(current_specs[0], "price", "minPrice"))
    high, _ = _amount(node.get("highPrice"))
    list_price = _amount(list_specs[0].get("price"))[0] if list_specs else None
    currency = (
        _currency(node.get("priceCurrency"))
        or next((_currency(s.get("priceCurrency")) for s in specs if s.get("priceCurrency")), "")
        or _currency(symbol)
        or inherited.currency
    )
    availability = _availability(node.get("availability"))
    return _Offer(
        price=price if price is not None else inherited.price,
        high=high if high is not None else inherited.high,
        list_price=list_price,
        currency=currency,
        in_stock=availability if availability is not None else inherited.in_stock,
        quantity=_count(_quantity_value(node.get("inventoryLevel"))),
        node=node,
    )


@dataclass
class _Summary:
    price: Decimal | None = None
    price_max: Decimal | None = None
    original_price: Decimal | None = None
    currency: str = ""
    in_stock: bool | None = None
    quantity: int | None = None
    mixed_stock: bool = False


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
    )
    priced = [o for o in offers if o.price is not None]
    if not priced:
        return summary
    currencies = Counter(o.currency for o in priced if o.currency)
    main_currency = currencies.most_common(1)[0][0] if currencies else ""
    same_currency = [o for o in priced if o.currency in (main_currency, "")]
    pool = [o for o in same_currency if o.in_stock] or same_currency
    summary.currency = main_currency
    summary.price = min(o.price for o in pool if o.price is not None)
    highest = max(max(o.price, o.high or o.price) for o in pool if o.price is not None)
    summary.price_max = highest if highest != summary.price else None
    was = [o.list_price for o in pool if o.list_price is not None and o.price is not None and o.list_price > o.price]
    summary.original_price = min(was) if was else None
    return summary


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


def _opengraph(tree: lxml.html.HtmlElement) -> _OpenGraph:
    props: dict[str, str] = {}
    for item in OpenGraphExtractor().extract_items(tree):
        for name, value in item.get("properties", []):
            props.setdefault(name.lower(), value.strip())  # og:image and friends repeat: the first is the main one
    return _OpenGraph(props)


def _fill_from_opengraph(obs: Observation, og: _OpenGraph) -> None:
    if not og.is_product:
        return
    obs.title = obs.title or _clean_text(og.props.get("og:title", ""))
    price, symbol = _amount(og.price_amount)
    currency = og.currency or _currency(symbol)
    if obs.price is None and price is not None:
        sale, _ = _amount(og.props.get("product:sale_price:amount"))
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

_PHRASES = sorted({p for phrases in OUT_OF_STOCK_PHRASES.values() for p in phrases}, key=len, reverse=True)
_PHRASE_PATTERN = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in _PHRASES) + r")(?!\w)", re.IGNORECASE)
_VISIBLE_TEXT = lxml.etree.XPath(
    "//body//text()[normalize-space() and not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]"
)


def _cross_check_stock(obs: Observation, tree: lxml.html.HtmlElement, *, mixed_stock: bool) -> None:
    """Trust a visible out-of-stock message over metadata that says (or does not say) in stock.

    Rule: the message must be a short text (a label, not a sentence of a review), visible (not in a script,
    template, hidden element or variant picker), not in page furniture or another product's block (navigation,
    footer, recommendation carousels, bundles), and inside the main product area when the page shows one (the
    microdata Product element, else the smallest block around the h1 that holds a buy control). When some
    offers are in stock and some not, a "Sold out" label belongs to the sold-out variant: nothing changes.
    Visible text never puts a product back in stock: pages keep "add to cart" markup on sold-out items.
    """
    if obs.in_stock is False or mixed_stock:
        return
    message = visible_out_of_stock_message(tree)
    if message:
        obs.in_stock = False
        obs.message = f'The page shows "{message}": read as out of stock.'


def visible_out_of_stock_message(tree: lxml.html.HtmlElement) -> str:
    area: lxml.html.HtmlElement | None = None
    area_found = False
    for node in _VISIBLE_TEXT(tree):
        text = " ".join(str(node).split())
        if len(text) > MAX_MESSAGE_LENGTH:
            continue
        match = _PHRASE_PATTERN.search(text)
        if not match:
            continue
        element = node.getparent()
        if element is None or not _is_visible_page_copy(element):
            continue
        if not area_found:  # only looked for once a candidate message exists: most pages have none
            area, area_found = _product_area(tree), True
        if area is None or _is_inside(element, area):
            return text
    return ""


def _is_visible_page_copy(element: lxml.html.HtmlElement) -> bool:
    for el in element.iterancestors():
        if not _element_is_page_copy(el):
            return False
    return _element_is_page_copy(element)


def _element_is_page_copy(el: Any) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _INVISIBLE_TAGS or tag in _OTHER_CONTENT_TAGS:
        return False
    attrib = el.attrib
    if "hidden" in attrib or attrib.get("aria-hidden", "").lower() == "true":
        return False
    if _HIDDEN_STYLE.search(attrib.get("style", "")):
        return False
    classes = attrib.get("class", "")
    if _HIDDEN_CLASSES.intersection(classes.lower().split()):
        return False
    return not _OTHER_CONTENT_MARKERS.search(f"{classes} {attrib.get('id', '')}")


def _product_area(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The main product block, or None when the page does not show one (then the whole page counts)."""
    for el in tree.xpath("//*[@itemscope and @itemtype]"):
        kinds = {_short_type(t) for t in el.get("itemtype", "").split()}
        if kinds & PRODUCT_TYPES and not el.xpath("ancestor::*[@itemscope]"):
            return el
    headings = [h for h in tree.xpath("//body//h1") if h.text_content().strip() and _is_visible_page_copy(h)]
    if not headings:
        return None
    around_buy_controls = {
        ancestor
        for control in _BUY_CONTROLS(tree)
        if _is_buy_control(control) and _is_visible_page_copy(control)
        for ancestor in control.iterancestors()
    }
    for ancestor in headings[0].iterancestors():
        if ancestor in around_buy_controls:
            return None if ancestor.tag in ("body", "html") else ancestor
    return None


def _is_buy_control(el: lxml.html.HtmlElement) -> bool:
    if el.tag == "form":  # its text can be the whole page (ASP.NET wraps everything in one form)
        return bool(_BUY_CONTROL_MARKERS.search(el.get("action", "")))
    attrs = " ".join(el.get(a, "") for a in ("name", "id", "class", "value", "aria-label", "data-add-to-cart"))
    text = el.text_content()[:200]
    return bool(_BUY_CONTROL_MARKERS.search(attrs) or _BUY_CONTROL_MARKERS.search(text) or _PHRASE_PATTERN.search(text))


def _is_inside(element: lxml.html.HtmlElement, area: lxml.html.HtmlElement) -> bool:
    return element is area or any(a is area for a in element.iterancestors())


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
    """An ISO 4217 code; a symbol ("€") where a code belongs is read as the code it stands for."""
    text = _text(value)
    if re.fullmatch(r"[A-Za-z]{3}", text):
        return text.upper()
    return parse_price(text)[1] if text else ""


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
        if _scalar(node.get(key)) not in (None, ""):
            return node[key]
    return None


def _first_dict(value: Any) -> dict | None:
    return next((v for v in _as_list(value) if isinstance(v, dict)), None)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
