"""Pages that need JavaScript to show their price: an app shell the shop's scripts fill in the browser.

Dropwatch reads a page as the shop sends it and runs no scripts, so on such a page there is nothing to read:
the user is told that plainly ("this page needs JavaScript to show its price") instead of "no price found".
The signs, each enough on a page that shows no price of its own: hardly any visible text, an empty root
element of a script framework, a `<noscript>` asking to enable JavaScript, a price that is only in scripts.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.etree

from .visible import INVISIBLE_TAGS, PageView, collect_candidates, text_of

# Visible text shorter than this, on a page with scripts, is a shell (a real product page has a title, a
# description, a footer: thousands of characters).
TINY_TEXT = 200
# The mount points of the common script frameworks: React/CRA, Vue, Next.js, Nuxt, Angular, Svelte, Gatsby, Ember.
_ROOT_IDS = frozenset({"root", "app", "__next", "__nuxt", "___gatsby", "svelte", "q-app", "ember-app", "main-app"})
_ROOT_TAGS = frozenset({"app-root", "ng-app"})
_ENABLE_JS = re.compile(
    r"enable javascript|javascript (?:is )?(?:required|disabled|must be enabled|to be enabled)|"
    r"needs? javascript|requires? javascript|turn on javascript|activate javascript|"
    r"javascript aktivieren|javascript activé|activez javascript|habilita javascript|attiva javascript|"
    r"включите javascript",
    re.IGNORECASE,
)
# A price in a script's data: "price": 19.9, "price":"19.90", "salePrice": …, "amount": "…" next to a currency.
_SCRIPT_PRICE = re.compile(r"""["'](?:price|salePrice|currentPrice|finalPrice|amount)["']\s*:\s*["']?\d""", re.I)

_BODY = lxml.etree.XPath("//body")
_SCRIPTS = lxml.etree.XPath("//script")
_NOSCRIPT = lxml.etree.XPath("//noscript")
_ALL = lxml.etree.XPath("//body//*")


def visible_text(tree: Any) -> str:
    """The page's visible text (scripts, styles, templates and noscript left out), whitespace collapsed."""
    body = _BODY(tree)
    if not body:
        return ""
    parts = []
    for node in body[0].iter():
        if not isinstance(node.tag, str) or node.tag in INVISIBLE_TAGS:
            continue
        if node.text and not _inside_invisible(node):
            parts.append(node.text)
    for node in body[0].iterdescendants():
        if isinstance(node.tag, str) and node.tail and not _inside_invisible(node.getparent()):
            parts.append(node.tail)
    return " ".join(" ".join(parts).split())


def _inside_invisible(node: Any) -> bool:
    while node is not None:
        if isinstance(node.tag, str) and node.tag in INVISIBLE_TAGS:
            return True
        node = node.getparent()
    return False


def needs_javascript(tree: Any) -> str:
    """Why this page needs JavaScript to show its price, in words; "" when it does not look like it. A page
    that shows any price-like text without its scripts is never called a shell."""
    scripts = _SCRIPTS(tree)
    if not scripts or collect_candidates(PageView(tree)):  # a price the page shows without its scripts
        return ""
    for noscript in _NOSCRIPT(tree):
        if _ENABLE_JS.search(text_of(noscript)):
            return "the page asks the browser to enable JavaScript"
    text = visible_text(tree)
    if len(text) < TINY_TEXT:
        for el in _ALL(tree):
            tag = el.tag if isinstance(el.tag, str) else ""
            if (el.get("id", "") in _ROOT_IDS or tag in _ROOT_TAGS) and not " ".join(text_of(el).split()):
                return "the page is an empty frame that its scripts fill in"
        return "the page shows almost no text until its scripts run"
    script_text = "".join(text_of(s) for s in scripts if s.get("type", "") != "application/ld+json")
    if _SCRIPT_PRICE.search(script_text):
        return "the price is only in the page's scripts, not in the page itself"
    return ""


def needs_javascript_message(reason: str) -> str:
    return (
        f"This page needs JavaScript to show its price ({reason}). Dropwatch reads the page as the shop sends "
        "it, without running its scripts, so it cannot see the price here."
    )
