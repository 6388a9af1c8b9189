"""A price the user points at (monitoring/sources/selector.py) and pages that need JavaScript to show their price
(monitoring/sources/appshell.py): the pure functions, on small pages and on the saved benchmark pages."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from monitoring.fetch.page import Page
from monitoring.observation import Observation
from monitoring.sources.appshell import needs_javascript
from monitoring.sources.observe import observe_document
from monitoring.sources.selector import (
    NO_LONGER_MATCHES,
    apply_selector,
    clean_selector,
    page_tree,
    price_choices,
    read_selector,
    selector_problem,
)
from monitoring.sources.visible import html_tree
from monitoring.statuses import CheckStatus
from tests.support.paths import SHARED_FIXTURES

SHOP = "https://shop.example.de/mug"
MUG = """<html lang="de"><head><title>Blue mug</title></head><body>
<nav><a href="/">Home</a></nav>
<main><h1>Blue mug</h1>
  <div class="buy-box"><span class="was"><del>€ 25,00</del></span> <span id="now" class="price">€ 19,90</span>
    <span class="unit">€ 39,80 / l</span><button>In den Warenkorb</button></div>
  <p>A blue mug for your coffee, 0.5 l, dishwasher safe.</p></main>
<section class="related"><h2>You may also like</h2><div class="tile"><span>€ 5,00</span></div></section>
</body></html>"""


def page(html: str, url: str = SHOP) -> Page:
    return Page(url=url, text=html, headers={"content-type": "text/html; charset=utf-8"})


# --- validation -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("  #now ", "#now"),
        ("div.buy-box  >  span:nth-of-type(2)", "div.buy-box > span:nth-of-type(2)"),
        ("[data-price], .price", "[data-price], .price"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_readable_selector_is_kept_with_its_whitespace_collapsed(typed, stored):
    assert clean_selector(typed) == stored


@pytest.mark.parametrize("typed", ["p:has(span)", "##", "a[", "div >", ".price,", "span::before", "x" * 301])
def test_a_selector_dropwatch_cannot_read_is_a_clear_error(typed):
    with pytest.raises(ValidationError) as raised:
        clean_selector(typed)
    message = " ".join(raised.value.messages)
    assert "cannot read" in message or "at most 300 characters" in message
    if len(typed) < 100:
        assert f"“{typed}”" in message  # the user's own words, quoted as typed


# --- reading the price through a selector ---------------------------------------------------------------------


def test_the_selector_reads_the_price_and_its_currency():
    reading = read_selector(page(MUG), "#now")
    assert (reading.matched, reading.price, reading.currency, reading.text) == (1, Decimal("19.90"), "EUR", "€ 19,90")
    assert selector_problem(reading) == ""


def test_a_selector_that_matches_nothing_or_no_price_says_which():
    nothing = read_selector(page(MUG), "#gone")
    assert nothing.matched == 0 and nothing.price is None
    assert selector_problem(nothing) == "it matches nothing on the page"
    words = read_selector(page(MUG), "main > p")
    assert (words.matched == 1 and words.price is None) or words.price == Decimal("0.5")
    title = read_selector(page(MUG), "h1")
    assert title.price is None and selector_problem(title) == "the text it matches shows no price (“Blue mug”)"


def test_apply_selector_makes_the_selectors_price_the_price_and_says_so():
    read = Observation(status=CheckStatus.OK, url=SHOP, title="Blue mug", price=Decimal("25.00"), currency="EUR")
    seen = apply_selector(read, page(MUG), "#now")
    assert seen.ok and seen.price == Decimal("19.90") and seen.currency == "EUR" and seen.title == "Blue mug"
    assert "your selector" in seen.message
    assert read.price == Decimal("25.00")  # the adapter's observation is not changed in place


def test_apply_selector_reads_a_page_the_adapter_found_nothing_on():
    failed = Observation.failed(CheckStatus.UNPARSEABLE, "No schema.org Product", url=SHOP, platform="structured")
    seen = apply_selector(failed, page(MUG), ".price")
    assert seen.ok and seen.price == Decimal("19.90") and seen.title == "Blue mug" and seen.platform == "structured"


def test_a_selector_that_stops_matching_makes_the_check_unverifiable_not_a_price():
    read = Observation(status=CheckStatus.OK, url=SHOP, title="Blue mug", price=Decimal("19.90"), currency="EUR")
    changed = MUG.replace('id="now"', 'id="price-now"')
    seen = apply_selector(read, page(changed), "#now")
    assert seen.status == CheckStatus.UNPARSEABLE and seen.price is None and seen.in_stock is None
    assert seen.message == f"{NO_LONGER_MATCHES}: it matches nothing on the page."


def test_apply_selector_keeps_what_the_shop_answered_instead():
    blocked = Observation.failed(CheckStatus.BLOCKED, "captcha", url=SHOP)
    assert apply_selector(blocked, page(MUG), "#now") is blocked
    gone = Observation.failed(CheckStatus.NOT_FOUND, "The shop answered 404", url=SHOP)
    assert apply_selector(gone, None, "#now") is gone


def test_a_json_answer_has_no_page_for_the_selector():
    read = Observation(status=CheckStatus.OK, url=SHOP, price=Decimal("9"), currency="USD")
    json_page = Page(url=SHOP, text='{"price": 9}', headers={"content-type": "application/json"})
    assert page_tree(json_page) is None
    seen = apply_selector(read, json_page, "#now")
    assert seen.status == CheckStatus.UNPARSEABLE and NO_LONGER_MATCHES in seen.message


# --- the candidates the user picks from ---------------------------------------------------------------------------


def test_the_candidates_say_what_each_price_is_and_where_it_sits():
    choices = price_choices(page(MUG), title="Blue mug", read_price=Decimal("19.90"))
    by_text = {c.text: c for c in choices}
    assert choices[0].text == "€ 19,90" and choices[0].read and choices[0].selector == "#now"
    assert by_text["€ 19,90"].where == "next to the buy button" and by_text["€ 19,90"].confidence >= 45
    assert "struck through" in by_text["€ 25,00"].where and by_text["€ 25,00"].kind == "was"
    assert "per unit" in by_text["€ 39,80 / l"].where
    assert "another product" in by_text["€ 5,00"].where and by_text["€ 5,00"].confidence == 0
    assert "€ 19,90" in by_text["€ 19,90"].around and "Warenkorb" in by_text["€ 19,90"].around
    assert all(c.currency == "EUR" for c in choices)
    for choice in choices:  # every listed price is found again by its own selector
        assert read_selector(page(MUG), choice.selector).price == choice.value


# --- pages that need JavaScript -------------------------------------------------------------------------------------

SHELLS = {
    "noscript": (
        '<html><head><script src="/app.js"></script></head><body><div id="app"><header>Shop</header></div>'
        "<noscript>Please enable JavaScript to use this shop.</noscript></body></html>",
        "the page asks the browser to enable JavaScript",
    ),
    "empty root": (
        '<html><head><script src="/main.js"></script></head><body><div id="root"></div></body></html>',
        "the page is an empty frame that its scripts fill in",
    ),
    "tiny text": (
        "<html><head><script>boot()</script></head><body><div class=loading>Loading…</div></body></html>",
        "the page shows almost no text until its scripts run",
    ),
    "price in scripts": (
        '<html><head><script>window.__STATE__={"product":{"title":"Lamp","price":19.9}}</script></head><body>'
        + "<h1>Lamp</h1><p>"
        + "A lamp for your desk with a warm light. " * 10
        + "</p><div class=price-slot></div></body></html>",
        "the price is only in the page's scripts, not in the page itself",
    ),
}


@pytest.mark.parametrize("name", SHELLS)
def test_an_app_shell_is_recognised_and_said_in_words(name):
    html, reason = SHELLS[name]
    assert needs_javascript(html_tree(html)) == reason


def test_a_page_that_shows_its_price_or_has_no_scripts_is_no_shell():
    assert needs_javascript(html_tree(MUG)) == ""  # no scripts at all
    with_scripts = MUG.replace("</body>", '<script>var price = {"price": 19.9};</script></body>')
    assert needs_javascript(html_tree(with_scripts)) == ""  # the price is in the page too


def test_inspect_says_a_shell_needs_javascript_instead_of_no_price_found():
    html, _ = SHELLS["empty root"]
    obs = observe_document(html, url="https://app.example/p/1")
    assert obs.status == CheckStatus.UNPARSEABLE
    assert obs.message.startswith("This page needs JavaScript to show its price (the page is an empty frame")


# --- the saved benchmark pages ----------------------------------------------------------------------------------

PEB = SHARED_FIXTURES / "peb"
TRUTH = (
    json.loads((PEB / "ground_truth.json").read_text(encoding="utf-8")) if (PEB / "ground_truth.json").is_file() else {}
)


def test_no_saved_product_page_is_called_a_shell_and_the_read_price_is_listed_first(shared_fixture):
    """On the 46 real pages: none needs JavaScript (each shows its price), and the price Dropwatch reads is
    the first choice listed, found again by its selector."""
    shared_fixture("peb/ground_truth.json")
    listed = 0
    for name, truth in sorted(TRUTH.items()):
        text = shared_fixture(f"peb/{name}.html").read_bytes().decode("utf-8", errors="replace")
        shown = page(text, truth["url"])
        tree = page_tree(shown)
        assert needs_javascript(tree) == "", name
        obs = observe_document(text, url=truth["url"])
        choices = price_choices(shown, title=obs.title, tree=tree, read_price=obs.price)
        if choices and choices[0].read:
            listed += 1
            assert read_selector(shown, choices[0].selector, tree=tree).price == obs.price, name
    assert listed >= 45  # measured: the read price is the first choice on 45 of the 46 pages
