"""What the visible page says: the price shown next to the title and the buy button, and a sold-out message.

Works on the lxml tree the structured reader already parsed (no second parse). Used when a page carries no
product markup, to cross-check markup that does, and for a price the user points at (`price_candidates`,
`price_from_selector`).

A price candidate is a short visible text holding a number and a currency marker ("€ 20,-", "44 890 тг.",
"30,000원~"). It is scored by where it sits: inside the main product area (the smallest block around the
main title that holds a buy control), how close it is to the title and to the buy button, and a price-like
class. Struck-through and "was"/UVP/list prices, per-unit prices ("/kg", "per 100 g"), instalments
("12 x", "/month", "cuotas"), savings ("save €5"), opening bids, shipping thresholds and anything in
navigation, footers, recommendation carousels, product tiles or other sellers' rows are kinds of their own,
never the price. When the page shows a sale price and a regular one side by side, the sale price is the price.
When two different prices are equally likely, there is no price: a wrong price is worse than none.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import lxml.etree
import lxml.html

from .locale import currency_in, parse_number

# The page is parsed with lxml.etree's HTML parser, not lxml.html's: lxml.html looks up a Python element class
# for every element proxy it hands out, which costs more than all of this module's own work on a big page.
# Text is read with the XPath string() function (what lxml.html's text_content() does), so either tree works.
text_of = lxml.etree.XPath("string()", smart_strings=False)
_PARSERS = threading.local()


def html_tree(text: str | bytes) -> Any:
    """The page's lxml tree (plain lxml.etree elements); lxml.etree.ParserError when there is nothing to parse."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = lxml.etree.HTMLParser(collect_ids=False)
    root = lxml.etree.fromstring(text, parser)
    if root is None:
        raise lxml.etree.ParserError("Document is empty")
    return root


# --- page furniture ---------------------------------------------------------------------------------------------

# Text in these elements is never seen as page copy, or belongs to a variant picker (a "Sold out" size).
INVISIBLE_TAGS = frozenset(
    {"script", "style", "noscript", "template", "textarea", "select", "option", "label", "fieldset", "head", "title"}
)
# Page furniture and other products: navigation, footers, side bars, recommendation carousels, bundles, product
# tiles of listings, other sellers' offers of a comparison list.
OTHER_CONTENT_TAGS = frozenset({"nav", "footer", "aside", "dialog"})
OTHER_CONTENT_MARKERS = re.compile(
    r"recommend|related|upsell|up-sell|cross-?sell|also-?(?:like|bought|viewed)|you-may|recently-?viewed|similar|"
    r"carousel|slider|swiper|bundle|mini-?cart|cart-?drawer|newsletter|cookie|"
    r"other-?sellers?|more-?sellers?|seller-?list|offers?-?list(?:ing)?|other-?offers|more-?offers|all-?offers|"
    r"compare-?offers|marketplace-?offers|product-?tiles?|product-?cards?|showcase|accessor(?:y|ies)",
    re.IGNORECASE,
)
# Overlays shown on demand (a shipping-costs lightbox, a "added to cart" modal): their blocks, not the links and
# buttons that open them ("i_modal_app_link" is a buy button).
OVERLAY_MARKERS = re.compile(r"modal|lightbox|popup|pop-up|overlay|tooltip|flyout|offcanvas", re.IGNORECASE)
HIDDEN_CLASSES = frozenset(
    {"hidden", "hide", "d-none", "is-hidden", "js-hidden", "u-hidden", "invisible", "blind", "sr-only",
     "visually-hidden", "visuallyhidden", "screen-reader-text", "a11y-hidden"}
)  # fmt: skip
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|(?<![\w-])visibility\s*:\s*hidden", re.IGNORECASE)
# Words of a buy control, lower-case. Matched as substrings (a 40-way regex alternation costs ~40 µs a button);
# the two short Polish/Dutch verbs need word boundaries ("backup" is no "kup").
BUY_WORDS = (
    "cart", "basket", "buy", "checkout", "purchase", "add to bag", "add to shopping bag", "warenkorb", "panier",
    "carrinho", "carrito", "carrello", "winkelwagen", "koszyk", "korzin", "in den korb", "kaufen", "acheter",
    "comprar", "acquista", "ostoskori", "varukorg", "handlekurv", "indkøbskurv", "kosár", "košík", "sepete",
    "купить", "корзин", "구매", "장바구니", "購買", "购买", "加入購物車",
)  # fmt: skip
_BUY_SHORT_WORDS = re.compile(r"\b(?:koop|kup)\b")


def has_buy_word(text: str) -> bool:
    low = text.lower()
    if any(word in low for word in BUY_WORDS):
        return True
    return ("koop" in low or "kup" in low) and _BUY_SHORT_WORDS.search(low) is not None


_SKIP_TEXT_OF = frozenset({"script", "style", "noscript", "template", "textarea", "select", "option"})
_HAS_DIGIT = re.compile(r"\d")
_CONTROL_TAGS = frozenset({"button", "input", "form", "a"})
MAX_TEXT_NODE = 200  # longer text nodes are paragraphs: neither a price label nor a stock label


def element_is_page_copy(el: Any) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in INVISIBLE_TAGS or tag in OTHER_CONTENT_TAGS:
        return False
    attrib = el.attrib
    if "hidden" in attrib or attrib.get("aria-hidden", "").lower() == "true":
        return False
    if _HIDDEN_STYLE.search(attrib.get("style", "")):
        return False
    classes = attrib.get("class", "")
    if HIDDEN_CLASSES.intersection(classes.lower().split()):
        return False
    names = f"{classes} {attrib.get('id', '')}"
    if OTHER_CONTENT_MARKERS.search(names):
        return False
    return tag in _CONTROL_TAGS or not OVERLAY_MARKERS.search(names)


def is_visible_page_copy(element: Any) -> bool:
    if not element_is_page_copy(element):
        return False
    return all(element_is_page_copy(el) for el in element.iterancestors())


def is_inside(element: Any, area: Any) -> bool:
    return element is area or any(a is area for a in element.iterancestors())


# --- the page's main product: title, buy button, area ------------------------------------------------------------


class PageView:
    """What several readers need from one tree, each looked up once and only when asked for."""

    def __init__(
        self, tree: lxml.etree._Element, *, title_hint: str | tuple[str, ...] = "", microdata_area: Any = None
    ):
        self.tree = tree
        self.title_hints = (title_hint,) if isinstance(title_hint, str) else tuple(title_hint)
        self._microdata_area = microdata_area
        self._cache: dict[str, Any] = {}
        self._copy: dict[Any, bool] = {}  # element -> is visible page copy (the keys keep lxml's proxies alive)

    def is_copy(self, el: Any) -> bool:
        """is_visible_page_copy, remembered per element: each ancestor is judged once per page."""
        known = self._copy.get(el)
        if known is not None:
            return known
        chain = []
        node = el
        verdict = True
        while node is not None:
            known = self._copy.get(node)
            if known is not None:
                verdict = known
                break
            chain.append(node)
            node = node.getparent()
        for node in reversed(chain):  # from the top down: a hidden ancestor hides everything below it
            verdict = verdict and element_is_page_copy(node)
            self._copy[node] = verdict
        return self._copy[el]

    def _get(self, key: str, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @property
    def scan(self) -> _Scan:
        """The text of the main product area when the page shows one (prices and stock labels outside it are
        never this product's), else of the whole body."""
        return self._get("scan", lambda: _scan(self.area) if self.area is not None else self.full_scan)

    @property
    def full_scan(self) -> _Scan:
        return self._get("full", lambda: _scan(self.tree))

    @property
    def headings(self) -> list:
        return self._get("h1", lambda: _HEADINGS(self.tree))

    @property
    def controls(self) -> list:
        """Buttons, inputs and forms; links that buy only when none of those does (most pages' buy control is a
        button: the links' XPath, with its string tests, is then never run)."""

        def find() -> list:
            found = _controls(self.tree, _CONTROLS[:3])
            if any(is_buy_control(c) and self.is_copy(c) for c in found):
                return found
            return found + _controls(self.tree, _CONTROLS[3:])

        return self._get("controls", find)

    @property
    def title(self) -> Any:
        """The main title: the first visible h1 with text, else the element that shows the product's name."""
        return self._get("title", self._find_title)

    def _find_title(self) -> Any:
        """The h1 that names the product (its text agrees with the page's title), else the element whose text is
        the product's name, else the first h1 that is not a link (a linked h1 is a card of a listing)."""
        hints = _title_hints(*self.title_hints)
        headings = [h for h in self.headings if text_of(h).strip() and self.is_copy(h)]
        whole = [n for n in (_norm(t) for t in self.title_hints) if n]
        for h in headings:
            text = _norm(text_of(h))
            if text and any(n in text or text in n for n in whole):
                return h
        named = _elements_named(self.tree, hints)
        for hint in hints:
            for el in named.get(hint, ()):
                if self.is_copy(el):
                    return el
        for h in headings:
            if not any(a.tag == "a" for a in h.iterancestors()):
                return h
        return None

    @property
    def buy_controls(self) -> list:
        """Forms, buttons, inputs and links that buy; else (only then: it costs a scan of every class) any short
        element named like a buy button (`<div class="buy">Купить</div>` opened by a script)."""

        def find() -> list:
            found = [c for c in self.controls if is_buy_control(c) and self.is_copy(c)]
            if found or self.title is None:
                return found
            # Only around the title: a buy element far from the product's name is not this product's.
            scope = next((a for i, a in enumerate(self.title.iterancestors()) if i == 5 or a.tag == "body"), None)
            return [
                el
                for el in (_NAMED_BUY(scope) if scope is not None else [])
                if _BUY_LINK_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}")
                and len(el) <= 4  # a button has an icon and a label, not a block's worth of children
                and len(text_of(el)) <= 40
                and has_buy_word(text_of(el))
                and self.is_copy(el)
            ]

        return self._get("buy", find)

    @property
    def buy_control(self) -> Any:
        """The buy control nearest the title (the first one when the page shows no title)."""

        def nearest():
            controls = self.buy_controls
            if not controls:
                return None
            if self.title is None:
                return controls[0]
            chain = {el: i for i, el in enumerate([self.title, *self.title.iterancestors()])}

            def distance(control: Any) -> int:  # levels up from the control to the title's nearest ancestor
                for up, el in enumerate([control, *control.iterancestors()]):
                    if el in chain:
                        return up
                return 999

            return min(controls, key=distance)

        return self._get("buy1", nearest)

    @property
    def area(self) -> Any:
        """The main product block, or None when the page does not show one (then the whole page counts)."""
        return self._get("area", self._find_area)

    def _find_area(self) -> Any:
        if self._microdata_area is not None:
            return self._microdata_area
        if self.title is None:
            return None
        around_buy_controls = {ancestor for control in self.buy_controls for ancestor in control.iterancestors()}
        for ancestor in self.title.iterancestors():
            if ancestor in around_buy_controls:
                return None if ancestor.tag in ("body", "html") else ancestor
        return None


_TITLE_SPLIT = re.compile(r"\s+[-|\u2013\u2014:\u00b7]+\s+")


def _title_hints(*titles: str) -> list[str]:
    """The product's name as the page may show it: the whole title, then its parts around " - " or " | "
    (a site name can stand before or after it), longest first."""
    hints: list[str] = []
    for title in titles:
        title = " ".join((title or "").split())
        parts = sorted(_TITLE_SPLIT.split(title), key=len, reverse=True)
        for hint in (title, *parts):
            if len(hint) >= 4 and hint not in hints:
                hints.append(hint)
    return hints[:6]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _elements_named(tree: Any, hints: list[str]) -> dict[str, list]:
    """Elements whose own text is one of the hints, by hint: one pass over the page's text nodes, comparing only
    those of a hint's length (XPath's normalize-space over every element costs ~10 ms on a big page)."""
    wanted = set(hints)
    shortest = min((len(h) for h in hints), default=0)
    longest = 2 * max((len(h) for h in hints), default=0) + 200  # room for the markup's indentation
    found: dict[str, list] = {}
    for node in _BODY_TEXT(tree):
        if not shortest <= len(node) <= longest:
            continue
        text = " ".join(node.split())
        if text in wanted and (owner := _owner(node)) is not None:
            found.setdefault(text, []).append(owner)
    return found


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


def is_buy_control(el: Any) -> bool:
    if el.tag == "form":  # its text can be the whole page (ASP.NET wraps everything in one form)
        return has_buy_word(el.get("action", ""))
    if el.tag == "a":  # links are buy controls by their name only: "cart" in a link's text is the header's cart
        return has_buy_word(el.get("id", "")) or _BUY_LINK_CLASS.search(el.get("class", "")) is not None
    text = text_of(el)[:200]
    words = " ".join(el.get(a, "") for a in ("name", "id", "class", "value", "aria-label", "data-add-to-cart"))
    return has_buy_word(f"{words} {text}") or says_sold_out(text)


_BUY_LINK_CLASS = re.compile(r"(?:^|[\s_-])(?:buy|add-?to-?(?:cart|basket|bag))", re.I)
_NAMED_BUY = lxml.etree.XPath(
    ".//*[contains(@class, 'buy') or contains(@class, 'Buy') or contains(@id, 'buy') or contains(@class, 'cart')"
    " or contains(@class, 'Cart') or contains(@class, 'basket')]"
)


def _levels_to_common(a: Any, b: Any) -> tuple[Any, int, int]:
    """(lowest common ancestor, levels from a up to it, levels from b up to it)."""
    up_a = [a, *a.iterancestors()]
    index = {id(el): i for i, el in enumerate(up_a)}
    for j, el in enumerate([b, *b.iterancestors()]):
        if id(el) in index:
            return el, index[id(el)], j
    return None, len(up_a), 99


# --- stock -----------------------------------------------------------------------------------------------------

# Messages a shop shows near the buy button when the item cannot be ordered. Kept as data: extend per language.
# Phrases are specific on purpose ("indisponível online", not "indisponível"): "unavailable in store" is common
# on products that ship fine.
OUT_OF_STOCK_PHRASES: dict[str, tuple[str, ...]] = {
    "en": ("out of stock", "sold out", "currently unavailable", "temporarily unavailable", "unavailable online",
           "not available online", "not available for delivery", "cannot be bought", "can't be bought",
           "no longer available"),
    "de": ("ausverkauft", "nicht vorrätig", "nicht auf lager", "derzeit nicht verfügbar", "zurzeit nicht verfügbar",
           "momentan nicht verfügbar", "nicht mehr verfügbar", "nicht lieferbar", "vergriffen"),
    "fr": ("rupture de stock", "épuisé", "épuisée", "actuellement indisponible", "temporairement indisponible",
           "momentanément indisponible", "indisponible en ligne", "n'est plus disponible"),
    "es": ("agotado", "agotada", "sin stock", "fuera de stock", "sin existencias", "producto no disponible",
           "actualmente no disponible", "temporalmente no disponible", "no disponible online"),
    "it": ("esaurito", "esaurita", "prodotto non disponibile", "attualmente non disponibile",
           "temporaneamente non disponibile", "non disponibile online", "non più disponibile"),
    "nl": ("uitverkocht", "niet op voorraad", "niet leverbaar", "tijdelijk niet beschikbaar",
           "momenteel niet beschikbaar", "niet meer beschikbaar"),
    "pl": ("brak w magazynie", "brak towaru", "wyprzedane", "wyprzedany", "wyprzedana", "produkt niedostępny",
           "towar niedostępny", "chwilowo niedostępny", "niedostępny online"),
    "pt": ("esgotado", "esgotada", "sem stock", "sem estoque", "fora de estoque", "fora de stock",
           "produto indisponível", "temporariamente indisponível", "indisponível online"),
    "ru": ("нет в наличии", "распродано", "товар закончился", "временно отсутствует"),
    "sv": ("slutsåld", "slutsålt", "tillfälligt slut", "ej i lager"),
    "da": ("udsolgt", "ikke på lager"),
    "nb": ("utsolgt", "ikke på lager"),
    "fi": ("loppuunmyyty", "ei varastossa", "tilapäisesti loppu"),
    "cs": ("vyprodáno", "není skladem"),
    "hu": ("elfogyott", "nincs készleten"),
    "ro": ("stoc epuizat", "produs epuizat", "nu este în stoc"),
    "tr": ("tükendi", "stokta yok"),
    "el": ("εξαντλήθηκε", "μη διαθέσιμο"),
    "ja": ("在庫切れ", "売り切れ", "品切れ"),
    "zh": ("缺货", "售完", "已售完", "已售罄", "暫時缺貨", "售罄"),
    "ko": ("품절", "일시품절"),
}  # fmt: skip
_PHRASES = sorted({p for phrases in OUT_OF_STOCK_PHRASES.values() for p in phrases}, key=len, reverse=True)


def _bounded(phrase: str) -> str:
    """A phrase as a regex: whole words for alphabetic scripts; CJK is written without spaces, so no bounds."""
    if "\u3000" <= phrase[0] <= "\ufaff" or "\uac00" <= phrase[0] <= "\ud7af":
        return re.escape(phrase)
    return r"(?<!\w)" + re.escape(phrase) + r"(?!\w)"


SOLD_OUT = re.compile("|".join(_bounded(p) for p in _PHRASES), re.IGNORECASE)


def says_sold_out(text: str) -> bool:
    """SOLD_OUT.search, with a plain substring pass first (a case-insensitive alternation is slow on long text)."""
    low = text.lower()
    return any(p in low for p in _PHRASES) and SOLD_OUT.search(text) is not None


# A message about picking up in a shop or checking a store's shelf says nothing about buying online.
_IN_STORE = re.compile(
    r"pick ?up|pickup|in[- ]store|nearby|store availability|stores? near|click (?:&|and) collect|reserve|"
    r"abhol|im markt|in der filiale|filiale|en tienda|retiro en|retirar|en magasin|retrait|in negozio|ritiro|"
    r"in de winkel|afhalen|odbiór|w sklepie|na loja|retirada",
    re.IGNORECASE,
)
# A stock message is a label ("Sold out", "Currently unavailable online"), not a sentence in a review or a
# description: longer text nodes are not read as one.
MAX_MESSAGE_LENGTH = 80


@dataclass
class _Scan:
    """One walk over the text: short text with digits, short text with a sold-out phrase."""

    digits: list = field(default_factory=list)  # (text, owning element)
    sold_out: list = field(default_factory=list)  # (text, owning element)


_BODY_TEXT = lxml.etree.XPath("//body//text()")
_AREA_TEXT = lxml.etree.XPath(".//text()")
_IDS = lxml.etree.XPath("//@id", smart_strings=False)


def _owner(node: Any) -> Any:
    """The element whose text a text node is (a tail belongs to the parent); None for a script's or a style's."""
    owner = node.getparent()
    if owner is None:
        return None
    if node.is_tail:
        return owner.getparent()
    return None if owner.tag in _SKIP_TEXT_OF else owner


# Separate XPaths (a union sorts its nodes in document order; `//*[@attr]` visits every element).
_CONTROLS = (
    lxml.etree.XPath("//button"),
    lxml.etree.XPath("//input[@type]"),
    lxml.etree.XPath("//form[@action]"),
    # Links that buy go nowhere by themselves (no href, "#", "javascript:") or to the cart: navigation is left in C.
    lxml.etree.XPath(
        "//a[@id or @class][not(@href) or @href='' or starts-with(@href, '#') or starts-with(@href, 'javascript')"
        " or contains(@href, 'cart') or contains(@href, 'basket') or contains(@href, 'buy') or contains(@href, 'addto')"
        " or contains(@href, 'add-to') or contains(@href, 'add_to')]"
    ),
)
_HEADINGS = lxml.etree.XPath("//body//h1")


def _scan(root: Any) -> _Scan:
    """XPath selects by tag and node kind only (its string functions are slow in libxml2); Python filters, and
    asks a text node for its element only when the text is worth it (most are whitespace or long copy)."""
    scan = _Scan()
    short: list = []
    for node in _BODY_TEXT(root) if root.getparent() is None else _AREA_TEXT(root):
        size = len(node)
        if size > MAX_TEXT_NODE:
            continue
        if _HAS_DIGIT.search(node) is not None:
            owner = _owner(node)
            if owner is not None:
                scan.digits.append((node, owner))
                if size <= 2 * MAX_MESSAGE_LENGTH:
                    short.append(node)
        elif size <= 2 * MAX_MESSAGE_LENGTH and not node.isspace():
            short.append(node)
    # The few sold-out phrases this page's short texts hold at all, then only those texts that hold one.
    joined = "\n".join(short).lower()
    present = [p for p in _PHRASES if p in joined]
    if present:
        phrase = re.compile("|".join(re.escape(p) for p in present), re.IGNORECASE)
        for node in short:
            if phrase.search(node) and (owner := _owner(node)) is not None:
                scan.sold_out.append((node, owner))
    return scan


def _controls(tree: Any, xpaths: tuple = _CONTROLS) -> list:
    out = []
    for el in (el for xpath in xpaths for el in xpath(tree)):
        tag = el.tag
        if tag == "a":
            names = f"{el.get('id', '')} {el.get('class', '')}".lower()
            if "buy" in names or "cart" in names or "basket" in names or "bag" in names:
                out.append(el)
        elif tag != "input" or el.get("type", "").lower() in ("submit", "button"):
            out.append(el)
    return out


_STORE_BLOCK = re.compile(
    r"(?:^|[\s_-])(?:in-?)?stores?(?:$|[\s_-])|pick-?up|click-?(?:and-?|n-?)?collect|(?:^|[\s_-])branch|filiale|"
    r"tienda|magasin|negozio|winkel|sklep|loja",
    re.I,
)


def _about_a_store(element: Any) -> bool:
    """Is a sold-out label about a physical shop: its own or its block's words, or a store block's class?"""
    for level, node in enumerate([element, *list(element.iterancestors())[:2]]):
        text = " ".join(text_of(node).split())
        if len(text) <= 2 * MAX_MESSAGE_LENGTH and _IN_STORE.search(text):
            return True
        if level and _STORE_BLOCK.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
    return False


_PICKER = re.compile(
    r"swatch|variant|variation|size|option|colou?r-?(?:list|select|picker|option)|picker|selector|"
    r"attribute|dimension",
    re.I,
)


def _in_variant_picker(element: Any) -> bool:
    """A "Sold out" on one size or colour of a picker (custom buttons, not a <select>) is that variant's."""
    for node in [element, *list(element.iterancestors())[:3]]:
        if node.get("role") in ("radio", "option", "listbox", "radiogroup"):
            return True
        if _PICKER.search(f"{node.get('class', '')} {node.get('id', '')} {node.get('name', '')}"):
            return True
    return False


def visible_out_of_stock_message(view: PageView, *, near_title: bool = False) -> str:
    """A short visible sold-out label inside the main product area (the whole page when it shows none),
    about buying this item online: not a store pick-up notice, not another seller's or product's row.
    `near_title`: it must also sit within a few levels of the page's main title (a page without markup)."""
    if near_title and view.title is None:
        return ""
    for raw, element in view.scan.sold_out:
        text = " ".join(raw.split())
        if not text:
            continue
        if len(text) > MAX_MESSAGE_LENGTH:
            continue
        if not says_sold_out(text) or _IN_STORE.search(text):
            continue
        if not view.is_copy(element):
            continue
        if _about_a_store(element) or _in_variant_picker(element):
            continue
        if near_title and _levels_to_common(element, view.title)[1] > 4:
            continue
        area = view.area
        if area is None or is_inside(element, area):
            return text
    return ""


# --- prices ----------------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A price the page shows, as the user would point at it."""

    text: str  # the visible text: "€ 49,99"
    value: Decimal
    currency: str  # ISO 4217, "" when the marker is ambiguous and the page's country unknown
    selector: str  # a CSS selector that finds the element again (`price_from_selector`)
    where: str  # "next to the buy button", "near the title", "in the product area", "elsewhere on the page"
    confidence: float  # 0..1 that this is the page's current price
    kind: str = "current"  # current, was, unit, instalment, saving, opening-bid, shipping, text, other-product
    element: Any = field(default=None, repr=False, compare=False)
    bid: bool = False  # an auction's current bid


MAX_PRICE_TEXT = 60  # "€ 20,-", "最低價$99元起/包", "Now £12.99": a price is a label, not a paragraph
_STRUCK_TAGS = frozenset({"del", "s", "strike"})
_STRUCK_STYLE = re.compile(r"line-through", re.I)
_WAS_CLASS = re.compile(
    r"(?:^|[\s_-])(?:old|was|regular|list|strike|striked|strikethrough|crossed|cross|before|compare|comparison|"
    r"uvp|rrp|msrp|srp|original|orig|previous|prev|former|retail|standard|reference|ref|initial|base|normal|"
    r"through|barre|tachado|anterior|vorher|statt|streich)(?:$|[\s_-]|price|preis|prijs|prix|precio|prezzo)",
    re.I,
)
_SALE_CLASS = re.compile(
    r"sale|special|now|current|reduced|promo|offer|deal|final|selling|sell|actual|discount|angebot|aktion|"
    r"oferta|offerta|rebaja|solde",
    re.I,
)
_PRICE_CLASS = re.compile(r"price|preis|prijs|prix|precio|prezzo|preco|preço|cena|cijena|fiyat|kaina|hind|cost", re.I)
_WAS_TEXT = re.compile(
    r"(?<!\w)(?:was|were|uvp|rrp|msrp|srp|statt|vorher|ehemals|bisher|regular|reg\.|list price|original price|"
    r"normalpreis|streichpreis|listenpreis|unverbindliche|prix barré|prix conseillé|prix de référence|"
    r"precio anterior|precio normal|precio regular|antes|prezzo consigliato|prezzo di listino|invece di|"
    r"van|adviesprijs|cena katalogowa|preço anterior|de:|instead of|compare at|原價|原价|定價|定价|市價|정가)(?!\w)",
    re.I,
)
_SAVING_TEXT = re.compile(
    r"(?<!\w)(?:save|saving|you save|sparen|sie sparen|ersparnis|ahorra|ahorras|économisez|economisez|"
    r"risparmi|risparmia|bespaar|oszczędzasz|economize|economia)(?!\w)|現省|节省|省下|할인금액|-\s*\d+\s*%",
    re.I,
)
_UNIT_TEXT = re.compile(
    r"/\s*(?:\d+\s*)?(?:kg|g|gr|mg|l|ltr|liter|litre|ml|cl|dl|m|cm|mm|m2|m²|m3|m³|qm|lb|lbs|oz|fl\.? ?oz|sqm|"
    r"sq\.? ?ft|ft)\b|"
    r"\b(?:per|pro|je|par|al|le|la|por|za)\s+(?:\d+\s*)?(?:kg|g|gr|l|ml|cl|m|m2|m²|qm|lb|oz|kilo|litre|liter|"
    r"metre|meter|unit|stück|stk)\b|/\s*(?:count|ct|each|ea|unit|stück|stk|unidad|unité|pz|szt)\b|grundpreis|"
    r"unit price|price per|prix au|precio por|prezzo al|eenheidsprijs|cena za",
    re.I,
)
_INSTALMENT_TEXT = re.compile(
    r"\b\d+\s*[x×]\s|[x×]\s*\d+\s*(?:cuotas|meses|rate|parcelas|months|monate|mois|mesi)|cuotas|parcelas|"
    r"/\s*(?:mo|mon|month|mes|monat|mois|mese|mnd|mies)\.?\b|per month|a month|monthly|mensual|mensuales|"
    r"pro monat|monatlich|par mois|al mese|mensili|per maand|miesięcznie|ao mês|financ|instal|\brata\b|\braten\b|"
    r"sin interés|sem juros|klarna|afterpay|paypal",
    re.I,
)
_SHIPPING_TEXT = re.compile(
    r"shipping|delivery|deliver|versand|lieferung|liefer|envío|envio|spedizione|livraison|frete|verzend|"
    r"dostawa|porto|postage|\bover\b|\bab\b|\bfrom\b|\bunder\b|orders?|bestellwert|bonus|cashback|points|"
    r"적립|캐시백|coupon|gutschein|voucher|배송|送料|运费|運費|配送|免運|доставк|up to|bis zu|hasta|jusqu|fino a|최대|"
    r"\bmin\.?\b|\bmax\.?\b|minimum|maximum",
    re.I,
)
_BID_TEXT = re.compile(
    r"current bid|aktuelles gebot|höchstgebot|offerta attuale|enchère actuelle|puja actual|lance atual|"
    r"huidig bod|aktualna oferta",
    re.I,
)
# A price converted into the buyer's currency for information ("approximately EUR 27.00"): not what is charged.
_CONVERTED_TEXT = re.compile(r"approx|\bca\.|\benviron\b|\bcirca\b|\baprox|ungefähr|около|≈", re.I)
_OPENING_BID_TEXT = re.compile(
    r"starting bid|opening bid|start(?:ing)? price|startgebot|startpreis|mindestgebot|prix de départ|"
    r"mise à prix|precio de salida|puja mínima|base d'asta|prezzo di partenza|lance inicial|openingsbod|"
    r"cena wywoławcza",
    re.I,
)
_LETTERS = re.compile(r"[^\W\d_]+")
_NUMBER_IN_TEXT = re.compile(r"\d[\d.,'\u00a0\u202f ]*")


def price_candidates(html_or_tree: Any, *, default_currency: str = "", title_hint: str = "") -> list[Candidate]:
    """Every visible price on the page with a selector to find it again, most likely current price first (ties
    in page order). For the user who picks the price: the live check uses `collect_candidates`."""
    view = _view(html_or_tree, title_hint)
    candidates = sorted(_candidates(view, default_currency, classify_all=True), key=lambda c: -c.confidence)
    ids = Counter(ident for ident in _IDS(view.tree))
    for candidate in candidates:
        candidate.selector = css_path(candidate.element, ids)
    return candidates


def collect_candidates(view: PageView, default_currency: str = "") -> list[Candidate]:
    """The candidates, scored, without selectors (building those costs time the live path does not need)."""
    return sorted(_candidates(view, default_currency), key=lambda c: -c.confidence)


def _view(html_or_tree: Any, title_hint: str = "") -> PageView:
    if isinstance(html_or_tree, PageView):
        return html_or_tree
    return PageView(_tree(html_or_tree), title_hint=title_hint)


def _tree(html_or_tree: Any) -> Any:
    if isinstance(html_or_tree, str | bytes):
        return html_tree(html_or_tree)
    return html_or_tree


def _candidates(view: PageView, default_currency: str, *, classify_all: bool = False) -> list[Candidate]:
    seen: dict[Any, Candidate | None] = {}
    looked: dict[Any, tuple[Any, str, str, str]] = {}  # element -> its _priced_element answer, asked once per page
    texts: dict[Any, str] = {}
    out: list[Candidate] = []
    for raw, owner in (view.full_scan if classify_all else view.scan).digits:
        if len(raw) > MAX_PRICE_TEXT and len(raw.strip()) > MAX_PRICE_TEXT:
            continue
        if not classify_all and len(_LETTERS_ONLY.sub("", raw)) > 24:  # a sentence with a number in it
            continue
        if not classify_all and not view.is_copy(owner):  # a hidden or furniture block hides its prices
            continue
        answer = looked.get(owner)
        if answer is None:
            answer = looked[owner] = _priced_element(owner, default_currency, texts)
        element, text, currency, amount = answer
        if element is None or element in seen:
            continue
        if not classify_all and not view.is_copy(element):  # hidden, furniture, another product: never the price
            seen[element] = None
            continue
        value = _decimal(amount) if amount else _value_of(raw, text)
        if value is None or value <= 0:
            continue
        candidate = Candidate(
            text=text, value=value, currency=currency, selector="", where="", confidence=0.0, element=element
        )
        seen[element] = candidate
        out.append(candidate)
    for candidate in out:
        _score(candidate, view, classify_all=classify_all)
    return out


@functools.lru_cache(maxsize=4096)
def _currency_in(text: str, default_currency: str) -> str:
    return currency_in(text, default_currency)  # the same labels ("€", "49,99 €") repeat across a page


_LETTERS_ONLY = re.compile(r"[\W\d_]+")
_NO_MARKER = re.compile(r"[\d\s.,:;/%()+\-\u2013~#*'\u00a0]*")  # digits and punctuation only: no currency


def _priced_element(owner: Any, default_currency: str, texts: dict) -> tuple[Any, str, str, str]:
    """The smallest element around a number that also shows a currency ("€ <span>20,-</span>"), with the
    amount's text when the page splits it ("$<span>34</span><sup>99</sup>" is 34.99, not 34 or 3499)."""
    el = owner
    for level in range(3):
        if el is None or not isinstance(el.tag, str) or el.tag in ("body", "html"):
            break
        text = texts.get(el)
        if text is None:  # siblings share their parent: its text is read once
            text = texts[el] = " ".join(text_of(el).split())
        if len(text) > MAX_PRICE_TEXT:
            break
        pieces = [t for t in el.itertext() if _HAS_DIGIT.search(t)] if len(el) else []
        amount = _whole_and_cents(pieces)
        if level and not amount and (len(pieces) > 1 or len(_NUMBER_IN_TEXT.findall(text)) > 1):
            break  # the currency found up there belongs to another number, or the parts do not make one amount
        if not _NO_MARKER.fullmatch(text):
            currency = _currency_in(text, default_currency)
            if currency or _has_currency_marker(text):
                return el, text, currency, amount
        el = el.getparent()
    return None, "", "", ""


_WHOLE = re.compile(r"\s*\D{0,6}?(\d[\d.,'\u00a0\u202f ]*?)[.,]?\s*")
_CENTS = re.compile(r"\s*[.,]?(\d{2})\s*\D{0,6}")


def _whole_and_cents(pieces: list[str]) -> str:
    """ "34" + "99" (or "34." + "99") in two elements: the amount "34.99"; "" when the parts are not that."""
    if len(pieces) != 2:
        return ""
    whole, cents = _WHOLE.fullmatch(pieces[0]), _CENTS.fullmatch(pieces[1])
    if not whole or not cents:
        return ""
    digits = re.sub(r"\D", "", whole.group(1))
    return f"{digits}.{cents.group(1)}" if digits else ""


_AMBIGUOUS_MARKER = re.compile(r"\$|(?<![^\W\d_])kr\.?(?![^\W\d_])|¥|元|(?<![^\W\d_])Rs\.?(?![^\W\d_])")


def _has_currency_marker(text: str) -> bool:
    return bool(_AMBIGUOUS_MARKER.search(text))


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def _value_of(raw: str, text: str) -> Decimal | None:
    """The amount: from the number's own text when it holds one number, else from the element's text."""
    from .locale import parse_price

    source = raw if len(_NUMBER_IN_TEXT.findall(raw)) == 1 else text
    source = re.sub(r"(\d)\s*[,.][-–—]+", r"\1", source)  # "20,-" and "20.–" are whole amounts
    numbers = list(_NUMBER_IN_TEXT.finditer(source))
    if len(numbers) > 1:  # "New (5) from $25.00": the number written against the currency
        for match in numbers:
            around = source[max(0, match.start() - 4) : match.start()] + source[match.end() : match.end() + 5]
            if _currency_in(around, "") or _has_currency_marker(around):
                source = source[max(0, match.start() - 4) : match.end() + 5]
                break
    amount, _ = parse_price(source)
    if amount is None:
        amount = parse_number(source)
    return amount


def _classify(candidate: Candidate) -> str:
    el = candidate.element
    text = candidate.text
    # The label before a price ("Starting bid:", "Grundpreis") can sit in the parent: its text counts when the
    # parent shows this one number only (a price box with two prices would lend one's words to the other).
    context = text
    parent = el.getparent()
    if parent is not None and parent.tag not in ("body", "html"):
        parent_text = " ".join(text_of(parent).split())
        if len(parent_text) <= 2 * MAX_PRICE_TEXT and len(_NUMBER_IN_TEXT.findall(parent_text)) == 1:
            context = parent_text
    for node in [el, *list(el.iterancestors())[:3]]:
        if not isinstance(node.tag, str):
            continue
        if node.tag in _STRUCK_TAGS or _STRUCK_STYLE.search(node.get("style", "")):
            return "was"
        if _WAS_CLASS.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return "was"
        if any("strike" in name or "crossed" in name for name in node.attrib):  # data-a-strike="true"
            return "was"
    for node in el.iterdescendants():  # "<span class=price><del>€50</del></span>": the price is struck
        struck = isinstance(node.tag, str) and (node.tag in _STRUCK_TAGS or _STRUCK_STYLE.search(node.get("style", "")))
        if struck and _NUMBER_IN_TEXT.search(text_of(node)) and len(_NUMBER_IN_TEXT.findall(text)) == 1:
            return "was"
    if _CONVERTED_TEXT.search(context):
        return "converted"
    if _OPENING_BID_TEXT.search(context):
        return "opening-bid"
    if _INSTALMENT_TEXT.search(text) or _INSTALMENT_TEXT.search(context):
        return "instalment"
    if _UNIT_TEXT.search(text) or _UNIT_TEXT.search(context):
        return "unit"
    if _SAVING_TEXT.search(text):
        return "saving"
    if _WAS_TEXT.search(text):
        return "was"
    if _SHIPPING_TEXT.search(text):
        return "shipping"
    letters = "".join(_LETTERS.findall(text))
    if len(letters) > 24:
        return "text"
    if _BID_TEXT.search(context):
        candidate.bid = True
    return "current"


def _score(candidate: Candidate, view: PageView, *, classify_all: bool) -> None:
    """Confidence from where the price sits; its kind from its markup and words. Candidates too far from the
    product to ever be its price are classified only when asked (the user's list): the live check skips them."""
    el = candidate.element
    if not view.is_copy(el):
        candidate.kind = "other-product"
        candidate.where = "elsewhere on the page (hidden, page furniture or another product)"
        candidate.confidence = 0.0
        return
    score = 0.1
    where = "elsewhere on the page"
    area, title, buy = view.area, view.title, view.buy_control
    if area is not None and is_inside(el, area):
        score += 0.3
        where = "in the product area"
    if title is not None:
        _, up, down = _levels_to_common(el, title)
        if up <= 4:
            score += max(0.0, 0.25 - 0.03 * max(0, up + down - 2))
            where = "near the title" if up + down <= 5 else where
        if _follows(el, title):
            score += 0.05
    if buy is not None:
        _, up, down = _levels_to_common(el, buy)
        if up <= 4:
            score += max(0.0, 0.25 - 0.03 * max(0, up + down - 2))
            where = "next to the buy button" if up + down <= 6 else where
    if any(_PRICE_CLASS.search(f"{n.get('class', '')} {n.get('id', '')} {n.get('itemprop', '')}")
           for n in [el, *list(el.iterancestors())[:2]] if isinstance(n.tag, str)):  # fmt: skip
        score += 0.1
    if classify_all or score + 0.1 >= MIN_CONFIDENCE:
        candidate.kind = _classify(candidate)
    if candidate.bid:
        score += 0.1
    if candidate.kind != "current":
        score *= 0.2
    elif len(_NUMBER_IN_TEXT.findall(candidate.text)) > 1:  # "2,500원9,800원 ...": which number is the price?
        score *= 0.6
    candidate.where = where
    candidate.confidence = round(min(score, 1.0), 3)


def _follows(el: Any, title: Any) -> bool:
    """Is `el` after the title in document order (prices sit under or beside the name, rarely above it)?"""
    try:
        return el.sourceline is not None and title.sourceline is not None and el.sourceline >= title.sourceline
    except AttributeError:
        return False


def number_shown(view: PageView, values: set[Decimal]) -> bool:
    """Does the page (its product area when it shows one) show one of `values` as a number, with or without a
    currency next to it, anywhere but struck through? The guard before the visible page overrules markup: a
    price the page prints in a format no candidate was made of still counts as shown."""
    for raw, owner in view.scan.digits:
        if len(raw) > MAX_PRICE_TEXT or not view.is_copy(owner):
            continue
        if any(isinstance(n.tag, str) and n.tag in _STRUCK_TAGS for n in [owner, *list(owner.iterancestors())[:2]]):
            continue
        for match in _NUMBER_IN_TEXT.finditer(raw):
            number = parse_number(re.sub(r"(\d)\s*[,.][-–—]+", r"\1", match.group(0)))
            if number is not None and number in values:
                return True
    return False


@dataclass
class VisiblePrice:
    price: Decimal | None = None
    currency: str = ""
    original_price: Decimal | None = None
    confidence: float = 0.0
    candidate: Candidate | None = None
    reason: str = ""
    bid: bool = False


MIN_CONFIDENCE = 0.45  # below this the page's price is not read from its text
MIN_MARGIN = 0.1  # the best must beat a different price by this much


def visible_price(candidates: list[Candidate]) -> VisiblePrice:
    """The page's current price from its candidates, or nothing when unsure."""
    current = [c for c in candidates if c.kind == "current" and c.confidence >= MIN_CONFIDENCE]
    if not current:
        return VisiblePrice(reason="no price next to the title or the buy button")
    current.sort(key=lambda c: -c.confidence)
    best = current[0]
    rivals = [c for c in current[1:] if c.value != best.value and best.confidence - c.confidence < MIN_MARGIN]
    if rivals:
        pair = _sale_pair(best, rivals)
        if pair is None:
            return VisiblePrice(reason=f"two prices are equally likely ({best.text!r}, {rivals[0].text!r})")
        best = pair
    was = [
        c.value
        for c in candidates
        if c.kind == "was" and c.value > best.value and _same_block(c.element, best.element, levels=3)
    ]
    return VisiblePrice(
        price=best.value,
        currency=best.currency,
        original_price=min(was) if was else None,
        confidence=best.confidence,
        candidate=best,
        reason=f"{best.text!r} {best.where}",
        bid=best.bid,
    )


def _sale_pair(best: Candidate, rivals: list[Candidate]) -> Candidate | None:
    """A sale price and a regular one shown side by side (one price block, two amounts): the sale price."""
    pool = [best, *rivals]
    if not all(_same_block(c.element, best.element, levels=2) for c in pool):
        return None
    if len({c.value for c in pool}) != 2 or len({c.currency for c in pool}) != 1:
        return None
    marked = [c for c in pool if _SALE_CLASS.search(f"{c.element.get('class', '')} {c.element.get('id', '')}")]
    if len({c.value for c in marked}) == 1:
        return marked[0]
    return min(pool, key=lambda c: c.value)


def _same_block(a: Any, b: Any, *, levels: int) -> bool:
    _, up_a, up_b = _levels_to_common(a, b)
    return up_a <= levels and up_b <= levels


# --- selectors ---------------------------------------------------------------------------------------------------


def css_path(el: Any, ids: Counter | None = None) -> str:
    """A CSS selector that finds `el` again: from the nearest ancestor with an id (one the page uses once, when
    `ids` counts them), tags with :nth-of-type."""
    parts: list[str] = []
    node = el
    while node is not None and isinstance(node.tag, str):
        ident = node.get("id", "")
        if ident and re.fullmatch(r"[A-Za-z][\w-]*", ident) and (ids is None or ids[ident] == 1):
            parts.append(f"#{ident}")
            break
        parent = node.getparent()
        if parent is None or node.tag == "body":
            parts.append(node.tag)
            break
        same = [c for c in parent if c.tag == node.tag]
        parts.append(node.tag if len(same) == 1 else f"{node.tag}:nth-of-type({same.index(node) + 1})")
        node = parent
    return " > ".join(reversed(parts))


_SIMPLE = re.compile(
    r"\s*(?P<comb>>)?\s*(?P<tag>[a-zA-Z][\w-]*|\*)?(?P<rest>(?:#[\w-]+|\.[\w-]+|\[[^\]]+\]|:nth-of-type\(\d+\)|"
    r":nth-child\(\d+\)|:first-child|:last-child)*)"
)
_PART = re.compile(r"#([\w-]+)|\.([\w-]+)|\[([\w:-]+)(?:([~^$*|]?=)[\"']?([^\"'\]]*)[\"']?)?\]|:nth-of-type\((\d+)\)|"
                   r":nth-child\((\d+)\)|(:first-child)|(:last-child)")  # fmt: skip


def css_to_xpath(css: str) -> str:
    """Simple CSS selectors as XPath (cssselect is not a dependency): tags, #id, .class, [attr], [attr=v],
    [attr*=v], [attr^=v], [attr$=v], :nth-of-type(n), :nth-child(n), :first-child, :last-child, descendant
    and child combinators, and a comma between selectors. Anything else is a ValueError."""
    alternatives = []
    for selector in css.split(","):
        selector = selector.strip()
        if not selector:
            raise ValueError("empty selector")
        xpath, pos = "", 0
        axis = "//"
        while pos < len(selector):
            match = _SIMPLE.match(selector, pos)
            if not match or match.end() == pos:
                raise ValueError(f"unsupported selector near {selector[pos:]!r}")
            if match.group("comb"):
                axis = "/"
            if not (match.group("tag") or match.group("rest")):
                if match.group("comb"):
                    pos = match.end()
                    continue
                raise ValueError(f"unsupported selector near {selector[pos:]!r}")
            step = match.group("tag") or "*"
            predicates = []
            for part in _PART.finditer(match.group("rest") or ""):
                ident, cls, attr, op, val, nth_type, nth_child, first, last = part.groups()
                if ident:
                    predicates.append(f"@id={_xpath_literal(ident)}")
                elif cls:
                    padded = _xpath_literal(f" {cls} ")
                    predicates.append(f"contains(concat(' ', normalize-space(@class), ' '), {padded})")
                elif attr:
                    predicates.append(_attr_predicate(attr, op, val or ""))
                elif nth_type:
                    predicates.append(f"position()={int(nth_type)}")
                elif nth_child:
                    predicates.append(f"count(preceding-sibling::*)={int(nth_child) - 1}")
                elif first:
                    predicates.append("not(preceding-sibling::*)")
                elif last:
                    predicates.append("not(following-sibling::*)")
            # position() counts siblings of the step's tag (nth-of-type) only when it is the last predicate
            # over a tag step: put it first so it applies to the tag's siblings, then filter.
            positional = [p for p in predicates if p.startswith("position()")]
            others = [p for p in predicates if not p.startswith("position()")]
            xpath += axis + step + "".join(f"[{p}]" for p in positional) + "".join(f"[{p}]" for p in others)
            axis = "//"
            pos = match.end()
            while pos < len(selector) and selector[pos] == " ":
                pos += 1
        if axis == "/" or not xpath:  # "div >": a combinator with nothing after it
            raise ValueError(f"the selector {selector!r} ends with a combinator")
        alternatives.append(xpath)
    return " | ".join(alternatives)


def _attr_predicate(attr: str, op: str | None, value: str) -> str:
    literal = _xpath_literal(value)
    if not op:
        return f"@{attr}"
    return {
        "=": f"@{attr}={literal}",
        "*=": f"contains(@{attr}, {literal})",
        "^=": f"starts-with(@{attr}, {literal})",
        "$=": f"substring(@{attr}, string-length(@{attr}) - string-length({literal}) + 1)={literal}",
        "~=": f"contains(concat(' ', normalize-space(@{attr}), ' '), {_xpath_literal(' ' + value + ' ')})",
        "|=": f"(@{attr}={literal} or starts-with(@{attr}, {_xpath_literal(value + '-')}))",
    }[op]


@dataclass
class SelectorReading:
    """What the user's CSS selector finds on a page: how many elements, and the price in the first that shows one."""

    matched: int = 0
    price: Decimal | None = None
    currency: str = ""  # ISO 4217 from the element's text; "" when it writes none (the caller knows the page's)
    text: str = ""  # the matched element's visible text, for the user to recognise


def selector_reading(tree: Any, css: str, default_currency: str = "") -> SelectorReading:
    """The price in the first element the user's CSS selector matches that shows a number. A selector that does
    not parse reads as matching nothing (it is validated when the user saves it, `selector.clean_selector`)."""
    tree = _tree(tree)
    try:
        found = [el for el in tree.xpath(css_to_xpath(css)) if isinstance(getattr(el, "tag", None), str)]
    except (ValueError, lxml.etree.XPathError):
        return SelectorReading()
    reading = SelectorReading(matched=len(found))
    for el in found:
        text = " ".join(text_of(el).split()) or el.get("content", "")
        reading.text = reading.text or text[:200]
        amount = _whole_and_cents([t for t in el.itertext() if _HAS_DIGIT.search(t)])  # "63<sup>07</sup> Lei"
        value = _decimal(amount) if amount else _value_of(text, text)
        if value is not None and value > 0:
            reading.price, reading.text = value, text[:200]
            reading.currency = _currency_in(text[: MAX_PRICE_TEXT * 2], default_currency) if text else ""
            return reading
    return reading


def price_from_selector(tree: Any, css: str) -> Decimal | None:
    """The price in the first element the user's CSS selector matches; None when it matches nothing or the
    element shows no number (the caller reports "your price selector no longer matches")."""
    return selector_reading(tree, css).price
