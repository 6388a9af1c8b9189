"""The visible page: the price next to the title and the buy button on pages without markup, sold-out labels
about buying online, and the pure functions behind a price the user points at. Every page here is made up."""

from decimal import Decimal

import lxml.html
import pytest

from monitoring.sources.base import Page, ParseError
from monitoring.sources.structured import StructuredAdapter
from monitoring.sources.visible import css_to_xpath, price_candidates, price_from_selector

URL = "https://lamps.example/p/lumen-desk-lamp"
adapter = StructuredAdapter()


def parse(body: str, url: str = URL, head: str = ""):
    text = f"<!doctype html><html><head><title>Lumen Desk Lamp | Lamps</title>{head}</head><body>{body}</body></html>"
    return adapter.parse(Page(url=url, text=text))


def shop_page(price_box: str, elsewhere: str = "", stock: str = "") -> str:
    return f"""
<header><nav><a href="/">Lamps</a> <a href="/cart" class="header-cart">Cart (0) 0,00 €</a></nav></header>
<main>
  <div class="product-detail">
    <div class="gallery"><img src="/img/lumen.jpg" alt="Lumen"></div>
    <div class="summary">
      <h1 class="product-title">Lumen Desk Lamp</h1>
      <div class="price-box">{price_box}</div>
      {stock}
      <form action="/cart/add" method="post"><button type="submit" class="add-to-cart">Add to cart</button></form>
    </div>
  </div>
  {elsewhere}
</main>
<footer><p>Free delivery on orders over 50 €</p></footer>"""


RELATED = """<section class="related-products"><h2>You may also like</h2>
  <div class="card"><h3>Nova Floor Lamp</h3><span class="price">89,00 €</span></div>
  <div class="card"><h3>Aurora Mug</h3><span class="price">12,00 €</span></div></section>"""


def test_a_page_without_markup_is_read_from_its_visible_price():
    obs = parse(shop_page('<span class="price">34,90 €</span>', elsewhere=RELATED))
    assert (obs.title, obs.price, obs.currency, obs.in_stock) == ("Lumen Desk Lamp", Decimal("34.90"), "EUR", None)


@pytest.mark.parametrize(
    "price_box",
    [
        '<del>49,90 €</del> <span class="price">34,90 €</span>',
        '<s>49,90 €</s> <span class="price">34,90 €</span>',
        '<span style="text-decoration: line-through">49,90 €</span> <span class="price">34,90 €</span>',
        '<span class="price price--old">49,90 €</span> <span class="price">34,90 €</span>',
        '<span class="was-price">49,90 €</span> <span class="price">34,90 €</span>',
        '<span class="price">34,90 €</span> <span class="uvp">UVP 49,90 €</span>',
        '<span>Was 49,90 €</span> <span class="price">34,90 €</span>',
        '<span class="regular-price">49,90 €</span> <span class="special-price">34,90 €</span>',
        '<span class="price">49,90 €</span> <span class="price">34,90 €</span>',  # unmarked pair: the sale price
    ],
)
def test_the_sale_price_wins_over_the_regular_one(price_box):
    obs = parse(shop_page(price_box))
    assert obs.price == Decimal("34.90")


@pytest.mark.parametrize(
    "extra",
    [
        "<span>8,73 €/kg</span>",
        "<span>(per 100 g: 0,87 €)</span>",
        "<span>Grundpreis: 87,25 € / 1 l</span>",
        "<span>or 12 x 2,91 € interest-free</span>",
        "<span>from 2,91 €/month</span>",
        "<span>Save 15,00 €</span>",
        "<span>Free delivery over 50 €</span>",
    ],
)
def test_unit_prices_instalments_savings_and_thresholds_are_not_the_price(extra):
    obs = parse(shop_page(f'<span class="price">34,90 €</span> {extra}'))
    assert obs.price == Decimal("34.90")


def test_instalment_amounts_alone_are_no_price():
    with pytest.raises(ParseError):
        parse(shop_page("<span>12 cuotas de $ 2.908</span>"))


def test_other_sellers_and_recommendations_are_not_the_price():
    others = """<div class="other-sellers"><h2>Other sellers</h2>
      <div class="offer-row"><span>Lampshop</span><span class="price">29,00 €</span><span>Out of stock</span></div></div>"""
    obs = parse(shop_page('<span class="price">34,90 €</span>', elsewhere=others + RELATED))
    assert obs.price == Decimal("34.90")
    assert obs.in_stock is None  # the other seller's "Out of stock" is not this listing's


def test_two_equally_likely_prices_give_no_price():
    body = """<div class="summary"><h1>Lumen Desk Lamp</h1>
      <div class="a"><div><span class="price">34,90 €</span></div></div>
      <div class="b"><div><span class="price">44,90 €</span></div></div>
      <form action="/cart/add"><button type="submit">Add to cart</button></form></div>"""
    with pytest.raises(ParseError):
        parse(body)


def test_a_number_without_a_currency_is_no_price():
    with pytest.raises(ParseError):
        parse(shop_page('<span class="price">34,90</span>'))


def test_a_bare_dollar_is_the_currency_of_the_shops_country():
    obs = parse(shop_page('<span class="price">$24.990</span>'), url="https://tienda.example.cl/p/consola")
    assert (obs.price, obs.currency) == (Decimal(24990), "CLP")


def test_the_title_can_be_an_element_named_like_the_page():
    body = """<div class="crumbs"><a href="/">Home</a></div><div class="name">Lumen Desk Lamp</div>
      <div class="deal">Only <b>34,90 €</b></div><a id="buy_btn" href="javascript:buy()"><img src="b.png"></a>"""
    assert parse(body).price == Decimal("34.90")


def test_a_price_split_across_elements():
    assert parse(shop_page("<strong>€ <span>34,-</span></strong>")).price == Decimal(34)


# --- stock ---------------------------------------------------------------------------------------------------------


def with_markup(stock: str) -> str:
    data = (
        '<script type="application/ld+json">{"@type": "Product", "name": "Lumen Desk Lamp", "offers": {"@type":'
        ' "Offer", "price": "34.90", "priceCurrency": "EUR", "availability": "InStock"}}</script>'
    )
    return data + shop_page('<span class="price">34,90 €</span>', stock=stock)


@pytest.mark.parametrize(
    "stock",
    [
        "<p>This product is currently unavailable to pick up at nearby stores.</p>",
        "<p>In-store availability check is temporarily unavailable.</p>",
        '<div class="store-stock"><span>Pick up today:</span> <span>Out of stock</span></div>',
    ],
)
def test_store_pickup_notices_are_not_out_of_stock(stock):
    obs = parse(with_markup(stock))
    assert obs.in_stock is True
    assert obs.message == ""


def test_a_sold_out_label_next_to_the_buy_button_beats_metadata():
    obs = parse(with_markup('<p class="availability">Sold out</p>'))
    assert obs.in_stock is False


# --- a price the user points at ------------------------------------------------------------------------------------


def test_price_candidates_and_their_selectors_find_the_price_again():
    html = (
        "<!doctype html><html><body>"
        + shop_page('<del>49,90 €</del> <span class="price">34,90 €</span>', elsewhere=RELATED)
        + "</body></html>"
    )
    candidates = price_candidates(html)
    best = candidates[0]
    assert (best.value, best.currency, best.kind, best.text) == (Decimal("34.90"), "EUR", "current", "34,90 €")
    assert best.where == "next to the buy button"
    assert best.confidence > 0.7
    kinds = {c.value: c.kind for c in candidates}
    assert kinds[Decimal("49.90")] == "was"
    assert kinds[Decimal("89.00")] == "other-product"
    tree = lxml.html.document_fromstring(html)
    for candidate in candidates:
        assert price_from_selector(tree, candidate.selector) == candidate.value


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("span.price", Decimal("34.90")),
        (".summary .price-box > span", Decimal("34.90")),
        ("div.price-box span:nth-of-type(1)", Decimal("34.90")),
        ("section.related-products .card:last-child .price", Decimal("12.00")),
        ("[class*=related] span", Decimal("89.00")),
        ("#nothing-here", None),
        ("span.nothing", None),
        ("p:has(span)", None),  # unsupported selectors match nothing rather than raising
    ],
)
def test_price_from_selector(css, expected):
    tree = lxml.html.document_fromstring(shop_page('<span class="price">34,90 €</span>', elsewhere=RELATED))
    assert price_from_selector(tree, css) == expected


def test_css_to_xpath_refuses_what_it_cannot_read():
    with pytest.raises(ValueError):
        css_to_xpath("div ~ span")
    assert css_to_xpath("a#x.b") == "//a[@id='x'][contains(concat(' ', normalize-space(@class), ' '), ' b ')]"


def test_a_sold_out_size_in_a_custom_picker_does_not_flip_the_product():
    picker = '<ul class="size-swatches"><li><span>M</span></li><li class="disabled"><span>L</span><span>Sold out</span></li></ul>'
    assert parse(with_markup(picker)).in_stock is True


@pytest.mark.parametrize(
    "extra",
    [
        '<span class="a-price a-text-price" data-a-strike="true"><span>$49.90</span></span>',
        "<span>($0.50 / Count)</span>",
        "<span>Approximately EUR 27.00</span>",
    ],
)
def test_marketplace_style_list_unit_and_converted_prices_are_not_the_price(extra):
    obs = parse(shop_page(f'<span class="price">$34.90</span> {extra}'), url="https://shop.example.com/p/lamp")
    assert (obs.price, obs.currency) == (Decimal("34.90"), "USD")


@pytest.mark.parametrize(
    "price_box",
    [
        '<span class="price">$<span class="whole">34</span><sup class="cents">90</sup></span>',
        '<span class="money"><span class="symbol">$</span><span class="fraction">34</span>'
        '<span class="cents">90</span></span>',
        '<span class="price">$34<sup>.90</sup></span>',
    ],
)
def test_a_price_whose_cents_sit_in_their_own_element(price_box):
    obs = parse(shop_page(price_box), url="https://shop.example.com/p/lamp")
    assert obs.price == Decimal("34.90")


def test_an_amount_split_over_elements_that_is_not_whole_and_cents_is_no_price():
    box = '<span class="price">$<span>34</span> <span>12</span> <span>5</span></span>'
    with pytest.raises(ParseError):
        parse(shop_page(box), url="https://shop.example.com/p/lamp")


def test_a_page_without_markup_or_price_that_says_sold_out_by_its_title_is_out_of_stock():
    body = '<main><div class="product"><h1>Lumen Desk Lamp</h1><p class="availability">Currently unavailable.</p></div></main>'
    obs = parse(body + RELATED)
    assert (obs.title, obs.price, obs.in_stock) == ("Lumen Desk Lamp", None, False)


def test_a_sold_out_label_far_from_the_title_of_a_page_without_price_is_not_read():
    body = "<main><h1>Our lamps</h1></main><div><div><div><div><div><p>Sold out</p></div></div></div></div></div>"
    with pytest.raises(ParseError):
        parse(body)


@pytest.mark.parametrize(
    "label", ["<p>已售完</p>", "<p>品切れ</p>", "<p>Нет в наличии</p>", "<p>Slutsåld</p>", "<p>품절</p>"]
)
def test_sold_out_labels_in_more_languages(label):
    assert parse(with_markup(label)).in_stock is False
