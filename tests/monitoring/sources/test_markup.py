"""Any shop, the markup classes that used to be missed (issue 16): every page here is made up."""

import json
from decimal import Decimal

import pytest

from monitoring.observation import Shipping
from monitoring.sources.base import Page
from monitoring.sources.structured import StructuredAdapter

URL = "https://lamps.example/p/lumen-desk-lamp"
adapter = StructuredAdapter()


def page(body: str = "", head: str = "", url: str = URL):
    text = f"<!doctype html><html><head><title>Lumen Desk Lamp - Lamps</title>{head}</head><body>{body}</body></html>"
    return adapter.parse(Page(url=url, text=text))


def ld(data) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


BUY = '<h1>Lumen Desk Lamp</h1><form action="/cart/add"><button type="submit">Add to cart</button></form>'


# --- schema.org names in any case ----------------------------------------------------------------------------------


def test_type_and_property_names_are_read_case_insensitively():
    data = {
        "@context": "https://schema.org",
        "@type": "product",
        "Name": "Lumen Desk Lamp",
        "Offers": {"@type": "offer", "Price": "34.90", "PriceCurrency": "eur", "Availability": "InStock"},
    }
    obs = page(ld(data) + BUY)
    assert (obs.title, obs.price, obs.currency, obs.in_stock) == ("Lumen Desk Lamp", Decimal("34.90"), "EUR", True)


def test_microdata_with_lower_case_itemprops():
    body = """<div itemscope itemtype="http://schema.org/Product"><h1 itemprop="name">Lumen Desk Lamp</h1>
    <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
      <meta itemprop="price" content="34.90"><meta itemprop="pricecurrency" content="EUR"></div></div>"""
    obs = page(body)
    assert (obs.price, obs.currency) == (Decimal("34.90"), "EUR")


@pytest.mark.parametrize("where", ["head", "body"])
def test_opengraph_given_as_name_and_outside_head(where):
    tags = (
        '<meta name="og:type" content="product"><meta name="og:title" content="Lumen Desk Lamp">'
        '<meta name="product:price:amount" content="34.90"><meta name="product:price:currency" content="EUR">'
    )
    obs = page(body=tags if where == "body" else "", head=tags if where == "head" else "")
    assert (obs.title, obs.price, obs.currency) == ("Lumen Desk Lamp", Decimal("34.90"), "EUR")


# --- offers on other things ----------------------------------------------------------------------------------------


def test_offers_on_an_event():
    data = {
        "@type": "Event",
        "name": "Lamp making workshop",
        "offers": {"@type": "Offer", "price": 45, "priceCurrency": "GBP", "availability": "SoldOut"},
    }
    obs = page(ld(data))
    assert (obs.title, obs.price, obs.currency, obs.in_stock) == ("Lamp making workshop", Decimal(45), "GBP", False)


def test_a_bare_offer_with_its_item():
    data = {
        "@type": "Offer",
        "price": "34.90",
        "priceCurrency": "EUR",
        "itemOffered": {"@type": "Product", "name": "Lumen Desk Lamp", "sku": "LUM-01"},
    }
    obs = page(ld(data))
    assert (obs.title, obs.product_id, obs.price, obs.currency) == (
        "Lumen Desk Lamp",
        "LUM-01",
        Decimal("34.90"),
        "EUR",
    )


def test_a_product_group_with_variants():
    data = {
        "@type": "ProductGroup",
        "name": "Lumen Desk Lamp",
        "productGroupID": "LUM",
        "hasVariant": [
            {
                "@type": "Product",
                "sku": "LUM-S",
                "name": "Lumen Desk Lamp small",
                "size": "S",
                "offers": {"@type": "Offer", "price": "29.90", "priceCurrency": "EUR", "availability": "OutOfStock"},
            },
            {
                "@type": "Product",
                "sku": "LUM-M",
                "size": "M",
                "color": "Black",
                "offers": {"@type": "Offer", "price": "34.90", "priceCurrency": "EUR", "availability": "InStock"},
            },
            {
                "@type": "Product",
                "sku": "LUM-L",
                "size": "L",
                "offers": {"@type": "Offer", "price": "39.90", "priceCurrency": "EUR", "availability": "InStock"},
            },
        ],
    }
    obs = page(ld(data))
    assert (obs.price, obs.price_max, obs.in_stock) == (Decimal("34.90"), Decimal("39.90"), True)
    assert [(v.id, v.name, v.price, v.in_stock) for v in obs.variants] == [
        ("LUM-S", "Size: S", Decimal("29.90"), False),
        ("LUM-M", "Color: Black; Size: M", Decimal("34.90"), True),
        ("LUM-L", "Size: L", Decimal("39.90"), True),
    ]


def test_one_product_per_size_the_first_sold_out():
    def sized(size, price, availability):
        return {
            "@type": "Product",
            "name": f"Lumen Desk Lamp - {size}",
            "sku": f"LUM-{size}",
            "offers": {"@type": "Offer", "price": price, "priceCurrency": "EUR", "availability": availability},
        }

    data = [sized("S", "29.90", "OutOfStock"), sized("M", "34.90", "InStock"), sized("L", "39.90", "InStock")]
    obs = page(ld(data))
    assert obs.in_stock is True  # the page is in stock if any size is
    assert obs.price == Decimal("34.90")  # the lowest in-stock one
    assert [v.id for v in obs.variants] == ["LUM-S", "LUM-M", "LUM-L"]
    assert [v.in_stock for v in obs.variants] == [False, True, True]


def test_other_products_on_the_page_are_not_variants():
    main = {"@type": "Product", "name": "Lumen Desk Lamp", "offers": {"@type": "Offer", "price": "34.90"}}
    other = {"@type": "Product", "name": "Nova Floor Lamp", "offers": {"@type": "Offer", "price": "89.00"}}
    obs = page(ld([main, other]))
    assert (obs.price, obs.price_max, obs.variants) == (Decimal("34.90"), None, [])


def test_an_aggregate_offer():
    offers = {"@type": "AggregateOffer", "lowPrice": "29.90", "highPrice": "39.90", "priceCurrency": "EUR"}
    obs = page(ld({"@type": "Product", "name": "Lumen Desk Lamp", "offers": offers}))
    assert (obs.price, obs.price_max, obs.currency) == (Decimal("29.90"), Decimal("39.90"), "EUR")


# --- nested and non-standard price objects -------------------------------------------------------------------------


def test_a_nested_price_object():
    offers = {
        "@type": "AggregateOffer",
        "lowPrice": {"sales": {"value": 3499, "currency": "ARS", "formatted": "$3.499"}, "list": {"value": 4999}},
        "availability": "http://schema.org/InStock",
    }
    obs = page(ld({"@type": "Product", "name": "Botines", "offers": offers}))
    assert (obs.price, obs.currency) == (Decimal(3499), "ARS")


def test_price_specifications_current_list_and_per_unit():
    offer = {
        "@type": "Offer",
        "priceSpecification": [
            {"@type": "UnitPriceSpecification", "price": 12.50, "priceCurrency": "EUR", "referenceQuantity":
             {"@type": "QuantitativeValue", "value": 1000, "unitCode": "GRM"}},
            {"@type": "UnitPriceSpecification", "price": 4.99, "priceCurrency": "EUR"},
            {"@type": "UnitPriceSpecification", "price": 5.99, "priceCurrency": "EUR", "priceType":
             "https://schema.org/StrikethroughPrice"},
        ],
    }  # fmt: skip
    obs = page(ld({"@type": "Product", "name": "Coffee 400 g", "offers": offer}))
    assert (obs.price, obs.original_price, obs.currency) == (Decimal("4.99"), Decimal("5.99"), "EUR")


def test_a_compound_price_specification():
    offer = {
        "@type": "Offer",
        "priceSpecification": {
            "@type": "CompoundPriceSpecification",
            "priceComponent": [{"@type": "UnitPriceSpecification", "price": "19.00", "priceCurrency": "CHF"}],
        },
    }
    obs = page(ld({"@type": "Product", "name": "Filzstift", "offers": offer}))
    assert (obs.price, obs.currency) == (Decimal("19.00"), "CHF")


# --- currencies ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [("EUR", "EUR"), ("eur", "EUR"), ("RUR", "RUB"), ("DEM", ""), ("XYZ", ""), ("XXX", ""), ("€", "EUR")],
)
def test_currency_codes_are_checked_against_iso_4217(code, expected):
    offers = {"@type": "Offer", "price": "100", "priceCurrency": code}
    assert page(ld({"@type": "Product", "name": "Lamp", "offers": offers})).currency == expected


# --- shipping and image --------------------------------------------------------------------------------------------


def test_shipping_details_and_the_image():
    offers = {
        "@type": "Offer",
        "price": "34.90",
        "priceCurrency": "EUR",
        "shippingDetails": {
            "@type": "OfferShippingDetails",
            "shippingRate": {"@type": "MonetaryAmount", "value": 4.95, "currency": "EUR"},
            "shippingDestination": {"@type": "DefinedRegion", "addressCountry": "DE"},
            "deliveryTime": {
                "@type": "ShippingDeliveryTime",
                "handlingTime": {"@type": "QuantitativeValue", "minValue": 0, "maxValue": 1, "unitCode": "DAY"},
                "transitTime": {"@type": "QuantitativeValue", "minValue": 2, "maxValue": 4, "unitCode": "DAY"},
            },
        },
    }
    data = {"@type": "Product", "name": "Lumen", "image": [{"@type": "ImageObject", "url": "/img/lumen.jpg"}]}
    obs = page(ld({**data, "offers": offers}))
    assert obs.shipping == Shipping(to="DE", fee=Decimal("4.95"), currency="EUR", days_min=2, days_max=5, method="")
    assert obs.image == "https://lamps.example/img/lumen.jpg"


def test_free_shipping_is_a_zero_fee_and_the_image_falls_back_to_opengraph():
    offers = {
        "@type": "Offer",
        "price": "34.90",
        "priceCurrency": "EUR",
        "shippingDetails": {"shippingRate": {"value": "0", "currency": "EUR"}},
    }
    head = '<meta property="og:image" content="//cdn.lamps.example/lumen.jpg">'
    obs = page(ld({"@type": "Product", "name": "Lumen", "offers": offers}), head=head)
    assert obs.shipping is not None and obs.shipping.fee == Decimal(0)
    assert obs.image == "https://cdn.lamps.example/lumen.jpg"


# --- when the markup and the page disagree -------------------------------------------------------------------------


def product(price="34.90", **extra):
    offers = {"@type": "Offer", "price": price, "priceCurrency": "EUR", "availability": "InStock"}
    return ld({"@type": "Product", "name": "Lumen Desk Lamp", "offers": offers, **extra})


def buy_box(prices: str) -> str:
    return f"""<main><div class="product"><h1>Lumen Desk Lamp</h1><div class="price-box">{prices}</div>
    <form action="/cart/add"><button type="submit">Add to cart</button></form></div></main>"""


def test_a_stale_offers_price_loses_to_the_price_next_to_the_buy_button():
    obs = page(product("39.90") + buy_box('<span class="price">29,90 €</span>'))
    assert obs.price == Decimal("29.90")
    assert "markup says 39.90" in obs.message


def test_the_markup_price_stays_when_the_page_shows_it_struck_through_beside_the_sale_price():
    obs = page(product("29.90") + buy_box("<del>39,90 €</del> <span>29,90 €</span>"))
    assert obs.price == Decimal("29.90") and obs.message == ""


def test_a_markup_price_that_is_only_shown_struck_through_is_stale():
    obs = page(product("39.90") + buy_box('<s>39,90 €</s> <span class="price">29,90 €</span>'))
    assert obs.price == Decimal("29.90")
    assert obs.original_price == Decimal("39.90")


def test_the_markup_price_stays_when_the_page_shows_it():
    prices = '<span class="price">34,90 €</span><p>Bundle with a bulb: <span>39,90 €</span></p>'
    assert page(product("34.90") + buy_box(prices)).price == Decimal("34.90")


def test_an_auctions_current_bid_over_its_opening_price():
    prices = '<p>Starting bid: 10,00 €</p><p class="bid">Current bid: <span>27,50 €</span></p>'
    obs = page(product("10.00") + buy_box(prices))
    assert obs.price == Decimal("27.50")
    assert "current bid" in obs.message


def test_another_currency_on_the_page_does_not_overrule_the_markup():
    assert page(product("34.90") + buy_box('<span class="price">$39.90</span>')).price == Decimal("34.90")


def test_a_visible_variant_price_inside_the_markups_range_keeps_the_range():
    offers = {"@type": "AggregateOffer", "lowPrice": "29.90", "highPrice": "39.90", "priceCurrency": "EUR"}
    data = ld({"@type": "Product", "name": "Lumen Desk Lamp", "offers": offers})
    obs = page(data + buy_box('<span class="price">34,90 €</span>'))
    assert (obs.price, obs.price_max) == (Decimal("29.90"), Decimal("39.90"))


def test_a_visible_price_under_another_title_does_not_speak_for_the_markup():
    obs = page(product("39.90") + buy_box('<span class="price">29,90 €</span>').replace("Lumen Desk Lamp", "Nova"))
    assert obs.price == Decimal("39.90")


def test_the_markup_price_printed_without_a_currency_still_counts_as_shown():
    obs = page(product("34.90") + buy_box('<span class="amount">34,90</span> <span class="price">€ 5,95</span>'))
    assert obs.price == Decimal("34.90") and obs.message == ""


@pytest.mark.parametrize(("price", "currency", "expected"), [("24.990", "CLP", "24990"), ("24.990", "EUR", "24.990")])
def test_a_thousands_dot_in_a_currency_without_minor_units(price, currency, expected):
    offers = {"@type": "Offer", "price": price, "priceCurrency": currency}
    assert page(ld({"@type": "Product", "name": "Consola", "offers": offers})).price == Decimal(expected)


def test_a_markup_price_without_currency_takes_the_pages_label_for_it():
    offers = {"@type": "Offer", "price": "34.90"}
    obs = page(ld({"@type": "Product", "name": "Lumen Desk Lamp", "offers": offers}) + buy_box("<span>34,90 €</span>"))
    assert (obs.price, obs.currency) == (Decimal("34.90"), "EUR")
