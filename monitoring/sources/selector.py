"""A price the user points at: the page's price candidates as the user sees them, the CSS selector they pick or
type (checked before it is saved), and the check's reading through it.

When a product has a selector, it is tried first on every check (`apply_selector`, called where the check
reads the page: monitoring.sources.observe). Matched and readable: that is the price, and the check's message
says it came from "your selector". Matching nothing, or text without a price: the check cannot verify the
price (status unparseable, "your price selector no longer matches") — never a vanished price read as a change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import lxml.etree
from django.core.exceptions import ValidationError

from ..fetch.page import Page
from ..observation import Observation
from ..statuses import CheckStatus
from .appshell import needs_javascript
from .locale import default_currency_for
from .visible import (
    PageView,
    SelectorReading,
    css_to_xpath,
    html_tree,
    price_candidates,
    selector_reading,
    text_of,
)

MAX_SELECTOR_LENGTH = 300  # Product.price_selector
NO_LONGER_MATCHES = "Your price selector no longer matches"
SUPPORTED = (
    "tag names, #id, .class, [attribute], [attribute=value] (also *=, ^=, $=), :nth-of-type(n), :nth-child(n), "
    ":first-child, :last-child, spaces and > between them, commas between alternatives"
)


def clean_selector(raw: str | None) -> str:
    """The selector as it will be stored (whitespace collapsed), "" for none; ValidationError, in words, when
    Dropwatch cannot read it (a syntax error, or CSS it does not support)."""
    css = " ".join((raw or "").split())
    if not css:
        return ""
    if len(css) > MAX_SELECTOR_LENGTH:
        raise ValidationError(f"A price selector is at most {MAX_SELECTOR_LENGTH} characters; this one has {len(css)}.")
    try:
        lxml.etree.XPath(css_to_xpath(css))
    except (ValueError, lxml.etree.XPathError):
        raise ValidationError(
            f"Dropwatch cannot read “{css[:80]}” as a CSS selector. It understands {SUPPORTED}; for example "
            "“#price”, “.product-info .price” or “div.buy-box > span:nth-of-type(2)”."
        ) from None
    return css


def page_tree(page: Page | None) -> Any:
    """The page's lxml tree, or None when it is not an HTML page (a JSON answer, an empty body)."""
    if page is None or not is_html(page):
        return None
    try:
        return html_tree(page.text)
    except (lxml.etree.ParserError, ValueError):
        return None


def is_html(page: Page) -> bool:
    kind = page.content_type
    if kind:
        return kind in ("text/html", "application/xhtml+xml")
    return page.text.lstrip()[:1] == "<"


def read_selector(page: Page | None, css: str, *, tree: Any = None) -> SelectorReading:
    """What `css` finds on the page, the currency settled by the shop's country when the text writes "$"."""
    tree = tree if tree is not None else page_tree(page)
    if tree is None:
        return SelectorReading()
    return selector_reading(tree, css, default_currency_for(page.url if page else "", tree.get("lang", "")))


def selector_problem(reading: SelectorReading) -> str:
    """Why a selector gives no price on a page, in words; "" when it gives one."""
    if reading.price is not None:
        return ""
    if not reading.matched:
        return "it matches nothing on the page"
    if reading.text:
        return f"the text it matches shows no price (“{reading.text[:80]}”)"
    return "the element it matches is empty"


def apply_selector(obs: Observation, page: Page | None, css: str) -> Observation:
    """The check's observation with the user's selector tried first (see the module docstring). A check the
    shop answered with something else (a captcha, "not found", a failure) keeps that answer."""
    if not css or obs.status in (CheckStatus.BLOCKED, CheckStatus.NOT_FOUND, CheckStatus.REFUSED, CheckStatus.ERROR):
        return obs
    url = obs.url or (page.url if page else "")
    tree = page_tree(page)
    reading = read_selector(page, css, tree=tree)
    problem = selector_problem(reading) if tree is not None else "the shop's answer is not an HTML page"
    if problem:
        message = f"{NO_LONGER_MATCHES}: {problem}."
        shell = needs_javascript(tree) if tree is not None else ""
        if shell:
            message += f" This page needs JavaScript to show its price ({shell})."
        return Observation.failed(CheckStatus.UNPARSEABLE, message, url=url, platform=obs.platform)
    read = replace(obs) if obs.ok else Observation(url=url, platform=obs.platform, title=_page_title(tree))
    price = reading.price
    read.price, read.price_max = price, None
    if read.original_price is not None and read.original_price <= price:
        read.original_price = None
    read.currency = reading.currency or obs.currency or default_currency_for(url, tree.get("lang", ""))
    note = f"Price read by your selector: “{reading.text[:80]}”."
    read.message = f"{read.message} {note}".strip() if obs.ok else note
    return read


def _page_title(tree: Any) -> str:
    for path in ("//body//h1", "//title"):
        found = tree.xpath(path)
        if found:
            text = " ".join(text_of(found[0]).split())
            if text:
                return text[:500]
    return ""


# --- the candidates, as the user picks one ------------------------------------------------------------------------

# What each kind of price is, for the user (the current price needs no words).
KIND_WORDS = {
    "was": "struck through or a previous price",
    "unit": "a price per unit",
    "instalment": "an instalment",
    "saving": "a saving",
    "opening-bid": "an opening bid",
    "shipping": "a shipping cost or threshold",
    "converted": "a converted amount",
    "text": "inside a sentence",
    "other-product": "related products, page furniture or hidden",
}
MAX_CHOICES = 15
AROUND_CHARS = 140


@dataclass
class PriceChoice:
    """One price the page shows, as the add and edit pages list it."""

    text: str  # the price as the page writes it
    value: Decimal
    currency: str
    around: str  # the text around it, to recognise it by
    where: str  # "next to the buy button; struck through or a previous price"
    kind: str
    confidence: int  # 0..100
    selector: str  # its css_path: picking it stores this
    read: bool = False  # the price Dropwatch read from the page (by markup or by itself) has this value


def price_choices(
    page: Page | None, *, title: str = "", tree: Any = None, read_price: Decimal | None = None
) -> list[PriceChoice]:
    """The page's visible prices, at most MAX_CHOICES, one per selector: those showing the price Dropwatch read
    (`read_price`, from markup or the visible page) first, then the likeliest current price first."""
    tree = tree if tree is not None else page_tree(page)
    if tree is None:
        return []
    default = default_currency_for(page.url if page else "", tree.get("lang", ""))
    view = PageView(tree, title_hint=title)
    out: list[PriceChoice] = []
    seen: set[str] = set()
    candidates = price_candidates(view, default_currency=default, title_hint=title)
    if read_price is not None:  # a stable sort: the read price's elements first, each group still by confidence
        candidates.sort(key=lambda c: c.value != read_price)
    for c in candidates:
        if c.selector in seen or len(c.selector) > MAX_SELECTOR_LENGTH:
            continue
        seen.add(c.selector)
        words = KIND_WORDS.get(c.kind, "")
        where = c.where if c.kind == "other-product" else (f"{c.where}; {words}" if words else c.where)
        out.append(
            PriceChoice(
                text=c.text,
                value=c.value,
                currency=c.currency,
                around=_around(c.element, c.text),
                where=where,
                kind=c.kind,
                confidence=round(c.confidence * 100),
                selector=c.selector,
                read=read_price is not None and c.value == read_price,
            )
        )
        if len(out) == MAX_CHOICES:
            break
    return out


def _around(el: Any, text: str) -> str:
    """The text of the nearest block around the price that says more than the price itself, cut around it."""
    node = el.getparent()
    for _ in range(3):
        if node is None or node.tag in ("body", "html"):
            break
        around = " ".join(" ".join(node.itertext()).split())  # spaced: "€ 19,90 Add to cart", not "19,90Add"
        if len(around) > len(text) + 8:
            at = max(0, around.find(text))
            start = max(0, at - AROUND_CHARS // 2)
            piece = around[start : start + AROUND_CHARS]
            return ("…" if start else "") + piece + ("…" if start + AROUND_CHARS < len(around) else "")
        node = node.getparent()
    return ""
