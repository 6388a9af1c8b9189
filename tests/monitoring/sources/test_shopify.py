"""ShopifyAdapter: the public product JSON (.js cents, .json strings, /products.json) and the live observe().

The saved real /products.json excerpt is read in place from ../shared/fixtures; every other answer here is made up,
and observe() talks to a fake fetcher (no network)."""

import json
from decimal import Decimal

import pytest

from monitoring.fetch import FetchError
from monitoring.sources.base import FetchContext, Page, ParseError
from monitoring.sources.shopify import MAX_REQUESTS, ShopifyAdapter, money, product_base_url
from monitoring.statuses import CheckStatus

SHOP = "https://mugs.example"
PRODUCT_URL = f"{SHOP}/products/aurora-mug"
adapter = ShopifyAdapter()


def js_product(**extra) -> dict:
    """The /products/<handle>.js shape: prices in integer cents."""
    data = {
        "id": 8123456789,
        "title": "Aurora Mug",
        "handle": "aurora-mug",
        "available": True,
        "price": 799,
        "variants": [
            {"id": 41, "sku": "AUR-S", "title": "Small", "price": 799, "compare_at_price": 999, "available": True},
            {"id": 42, "sku": "AUR-L", "title": "Large", "price": 1299, "compare_at_price": None, "available": False},
        ],
    }
    data.update(extra)
    return data


def json_product(variants: list[dict] | None = None, **extra) -> dict:
    """The /products/<handle>.json shape: prices as decimal strings, `available` often missing."""
    product = {
        "id": 8123456789,
        "title": "Aurora Mug",
        "handle": "aurora-mug",
        "variants": variants
        if variants is not None
        else [
            {"id": 41, "sku": "AUR-S", "price": "7.99", "compare_at_price": "7.99"},
            {"id": 42, "sku": "AUR-L", "price": "12.99", "compare_at_price": "15.00"},
        ],
    }
    product.update(extra)
    return {"product": product}


def parse(data, url: str = f"{PRODUCT_URL}.js", headers: dict | None = None, **kwargs):
    text = data if isinstance(data, str) else json.dumps(data)
    return adapter.parse(Page(url=url, text=text, headers=headers or {}), **kwargs)


# --- the saved real /products.json ---------------------------------------------------------------------------------


def tokyopop_page(shared_fixture, url: str) -> Page:
    text = shared_fixture("shopify/products_json_tokyopop_excerpt.json").read_text(encoding="utf-8")
    return Page(url=url, text=text, headers={"content-type": "application/json"})


def test_it_reads_the_product_named_by_the_url_from_the_saved_products_json(shared_fixture):
    page = tokyopop_page(shared_fixture, "https://tokyopop.com/products/9781427860828_dramacon-volume-2")
    obs = adapter.parse(page)
    assert obs.status == CheckStatus.OK
    assert obs.platform == "shopify"
    assert obs.title == "Dramacon, Volume 2"
    assert obs.product_id == "7611349762235"
    assert obs.price == Decimal("7.99")
    assert obs.price_max is None
    assert obs.original_price is None  # compare_at_price is null
    assert obs.in_stock is True
    # The public JSON has no currency, stock quantity or rating.
    assert obs.currency == ""
    for name in ("stock_quantity", "rating", "review_count", "rating_histogram", "orders_count", "store"):
        assert getattr(obs, name) is None, name
    assert obs.labels == []
    assert obs.reviews == []
    assert adapter.sniff(page.text)


def test_it_reads_the_chosen_variant_from_the_saved_products_json(shared_fixture):
    page = tokyopop_page(shared_fixture, "https://tokyopop.com/products.json")
    by_sku = adapter.parse(page, variant_sku="9781427860828")
    by_id = adapter.parse(page, variant_sku="43222371631291")
    for obs in (by_sku, by_id):
        assert (obs.title, obs.price, obs.in_stock, obs.original_price) == (
            "Dramacon, Volume 2",
            Decimal("7.99"),
            True,
            None,
        )


def test_a_products_list_without_a_handle_or_variant_to_choose_by_is_a_parse_error(shared_fixture):
    with pytest.raises(ParseError, match="2 products"):
        adapter.parse(tokyopop_page(shared_fixture, "https://tokyopop.com/products.json"))


# --- .js and .json -------------------------------------------------------------------------------------------------


def test_js_prices_are_integer_cents():
    obs = parse(js_product())
    assert (obs.title, obs.product_id) == ("Aurora Mug", "8123456789")
    assert (obs.price, obs.price_max, obs.original_price) == (Decimal("7.99"), Decimal("12.99"), Decimal("9.99"))
    assert obs.in_stock is True  # one variant is available
    assert obs.stock_quantity is None
    assert obs.currency == ""
    assert all(isinstance(v, Decimal) for v in (obs.price, obs.price_max, obs.original_price))


def test_json_prices_are_decimal_strings():
    obs = parse(json_product(), url=f"{PRODUCT_URL}.json")
    assert (obs.price, obs.price_max) == (Decimal("7.99"), Decimal("12.99"))
    # compare_at equal to the price is no discount; 15.00 over 12.99 is.
    assert obs.original_price == Decimal("15.00")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(799, Decimal("7.99")), (800, Decimal("8.00")), (0, Decimal("0.00")), ("7.99", Decimal("7.99")),
     ("12", Decimal("12")), (7.5, Decimal("7.5")), (None, None), ("", None), (True, None)],
)  # fmt: skip
def test_money(value, expected):
    assert money(value) == expected


def test_no_compare_at_price_means_no_original_price():
    variants = [{"id": 1, "price": "5.00", "compare_at_price": None}, {"id": 2, "price": "6.00"}]
    assert parse(json_product(variants)).original_price is None


def test_the_lowest_compare_at_above_its_own_price_is_the_original_price():
    variants = [
        {"id": 1, "price": "5.00", "compare_at_price": "9.00"},
        {"id": 2, "price": "6.00", "compare_at_price": "8.00"},
        {"id": 3, "price": "7.00", "compare_at_price": "4.00"},  # lower than its price: not a "was" price
    ]
    assert parse(json_product(variants)).original_price == Decimal("8.00")


def test_no_variant_available_is_out_of_stock():
    variants = [{"id": 1, "price": 500, "available": False}, {"id": 2, "price": 600, "available": False}]
    assert parse(js_product(variants=variants, available=False)).in_stock is False


def test_without_available_the_inventory_decides_and_is_summed():
    variants = [
        {"id": 1, "price": "5.00", "inventory_quantity": 0, "inventory_policy": "deny"},
        {"id": 2, "price": "5.00", "inventory_quantity": 4, "inventory_policy": "deny"},
        {"id": 3, "price": "5.00", "inventory_quantity": -2, "inventory_policy": "deny"},  # oversold: holds none
    ]
    obs = parse(json_product(variants))
    assert (obs.in_stock, obs.stock_quantity) == (True, 4)


def test_selling_past_zero_counts_as_in_stock():
    variants = [{"id": 1, "price": "5.00", "inventory_quantity": 0, "inventory_policy": "continue"}]
    assert parse(json_product(variants)).in_stock is True


def test_all_inventory_at_zero_is_out_of_stock():
    variants = [
        {"id": 1, "price": "5.00", "inventory_quantity": 0},
        {"id": 2, "price": "5.00", "inventory_quantity": 0},
    ]
    obs = parse(json_product(variants))
    assert (obs.in_stock, obs.stock_quantity) == (False, 0)


def test_a_stock_quantity_missing_on_one_variant_is_no_stock_quantity():
    variants = [{"id": 1, "price": "5.00", "inventory_quantity": 3}, {"id": 2, "price": "5.00"}]
    obs = parse(json_product(variants))
    assert (obs.in_stock, obs.stock_quantity) == (True, None)


def test_json_without_availability_or_inventory_is_unknown_stock():
    obs = parse(json_product())
    assert obs.in_stock is None
    assert obs.stock_quantity is None


@pytest.mark.parametrize("sku", ["AUR-L", "42"])
def test_a_chosen_variant_reports_its_own_price_and_availability(sku):
    obs = parse(js_product(), variant_sku=sku)
    assert (obs.price, obs.price_max, obs.original_price, obs.in_stock) == (Decimal("12.99"), None, None, False)


def test_a_chosen_variant_that_is_gone_is_not_found():
    obs = parse(js_product(), variant_sku="AUR-XL")
    assert obs.status == CheckStatus.NOT_FOUND
    assert "AUR-XL" in obs.message


def test_the_currency_comes_from_the_cart_currency_cookie_when_the_shop_sends_it():
    obs = parse(js_product(), headers={"set-cookie": "cart_currency=CAD; path=/; secure, localization=CA"})
    assert obs.currency == "CAD"


def test_the_currency_comes_from_presentment_prices_when_one_matches_the_price():
    variants = [
        {
            "id": 1,
            "price": "7.99",
            "presentment_prices": [
                {"price": {"amount": "7.99", "currency_code": "USD"}, "compare_at_price": None},
                {"price": {"amount": "10.99", "currency_code": "CAD"}, "compare_at_price": None},
            ],
        }
    ]
    assert parse(json_product(variants)).currency == "USD"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "empty body"),
        ("   \n", "empty body"),
        ("{not json", "not valid JSON"),
        ('{"errors": "Not Found"}', "No Shopify product"),
        ("[1, 2]", "No Shopify product"),
        ("<!doctype html><html><body><h1>Opening soon</h1></body></html>", "No schema.org Product"),
    ],
)
def test_a_json_endpoint_answering_something_else_is_a_parse_error_not_a_crash(text, error):
    with pytest.raises(ParseError, match=error):
        parse(text)


def test_a_product_page_in_html_is_read_through_its_structured_data_and_shopify_currency():
    ld = {
        "@type": "Product",
        "name": "Aurora Mug",
        "offers": {"@type": "Offer", "price": "7.99", "availability": "InStock"},
    }
    text = (
        '<html><head><script>Shopify.currency = {"active":"AUD","rate":"1.0"};</script>'
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head><body><h1>Aurora Mug</h1></body></html>'
    )
    obs = parse(text, url=PRODUCT_URL)
    assert (obs.title, obs.price, obs.currency, obs.in_stock) == ("Aurora Mug", Decimal("7.99"), "AUD", True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (json.dumps(js_product()), True),
        (json.dumps(json_product()), True),
        (json.dumps({"products": [json_product()["product"]]}), True),
        (json.dumps({"data": {"priceModule": {}}}), False),
        ("<html></html>", False),
        ("{broken", False),
    ],
)
def test_sniff(text, expected):
    assert adapter.sniff(text) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://mugs.example/products/aurora-mug", "https://mugs.example/products/aurora-mug"),
        ("https://mugs.example/products/aurora-mug?variant=42#top", "https://mugs.example/products/aurora-mug"),
        ("https://mugs.example/collections/kitchen/products/aurora-mug", "https://mugs.example/products/aurora-mug"),
        ("https://mugs.example/en-gb/products/aurora-mug", "https://mugs.example/en-gb/products/aurora-mug"),
        ("https://mugs.example/en-gb/collections/all/products/aurora-mug/",
         "https://mugs.example/en-gb/products/aurora-mug"),
        ("https://mugs.example/products/aurora-mug.json", "https://mugs.example/products/aurora-mug"),
        ("https://mugs.example/", None),
        ("https://mugs.example/products", None),
    ],
)  # fmt: skip
def test_product_base_url(url, expected):
    assert product_base_url(url) == expected


# --- observe() with a fake fetcher ---------------------------------------------------------------------------------

STOREFRONT = (
    "<!doctype html><html><head>"
    '<script>var Shopify = Shopify || {}; Shopify.currency = {"active":"EUR","rate":"1.0"};</script>'
    '<script type="application/ld+json">{"@type": "Product", "name": "Aurora Mug",'
    ' "offers": {"@type": "Offer", "price": "7.99", "priceCurrency": "EUR",'
    ' "availability": "https://schema.org/InStock"}}'
    "</script></head><body><h1>Aurora Mug</h1></body></html>"
)


def json_page(url: str, data) -> Page:
    return Page(url=url, text=json.dumps(data), headers={"content-type": "application/json"})


def html_page(url: str, text: str = STOREFRONT, status: int = 200) -> Page:
    return Page(url=url, text=text, status_code=status, headers={"content-type": "text/html"})


class FakeFetcher:
    """Answers from a dict of url -> Page or exception; anything else is a 404 page. Records every call."""

    def __init__(self, answers: dict):
        self.answers = answers
        self.calls: list[str] = []

    def get(self, url, *, params=None, headers=None, cookies=None):
        self.calls.append(url)
        answer = self.answers.get(url)
        if isinstance(answer, Exception):
            raise answer
        return answer or html_page(url, "<html><body>Page not found</body></html>", status=404)


def observe(answers: dict, url: str = PRODUCT_URL, **kwargs):
    fetcher = FakeFetcher(answers)
    obs = adapter.observe(url, fetcher, FetchContext(), **kwargs)
    assert len(fetcher.calls) <= MAX_REQUESTS
    return obs, fetcher.calls


def test_observe_reads_the_js_then_the_page_for_the_currency():
    obs, calls = observe(
        {f"{PRODUCT_URL}.js": json_page(f"{PRODUCT_URL}.js", js_product()), PRODUCT_URL: html_page(PRODUCT_URL)}
    )
    assert calls == [f"{PRODUCT_URL}.js", PRODUCT_URL]
    assert (obs.status, obs.platform, obs.url) == (CheckStatus.OK, "shopify", PRODUCT_URL)
    assert (obs.price, obs.price_max, obs.currency, obs.in_stock) == (Decimal("7.99"), Decimal("12.99"), "EUR", True)


def test_observe_asks_the_js_endpoint_of_a_collection_url():
    url = f"{SHOP}/collections/kitchen/products/aurora-mug?variant=41"
    obs, calls = observe(
        {f"{PRODUCT_URL}.js": json_page(f"{PRODUCT_URL}.js", js_product()), url: html_page(url)}, url=url
    )
    assert calls == [f"{PRODUCT_URL}.js", url]
    assert (obs.url, obs.currency) == (url, "EUR")


def test_observe_falls_back_to_json_when_js_is_missing():
    answers = {
        f"{PRODUCT_URL}.json": json_page(f"{PRODUCT_URL}.json", json_product()),
        PRODUCT_URL: html_page(PRODUCT_URL),
    }
    obs, calls = observe(answers)
    assert calls == [f"{PRODUCT_URL}.js", f"{PRODUCT_URL}.json", PRODUCT_URL]
    assert (obs.status, obs.price, obs.currency) == (CheckStatus.OK, Decimal("7.99"), "EUR")


def test_observe_reports_the_chosen_variant():
    obs, _ = observe({f"{PRODUCT_URL}.js": json_page(f"{PRODUCT_URL}.js", js_product())}, variant_sku="AUR-L")
    assert (obs.price, obs.in_stock) == (Decimal("12.99"), False)


@pytest.mark.parametrize(
    "not_json",
    [
        lambda url: html_page(url, "<html><body><h1>Opening soon</h1></body></html>"),  # a password page, 200
        lambda url: Page(url=url, text="", headers={"content-type": "application/json"}),
        lambda url: html_page(url, "<html><body>Forbidden</body></html>", status=403),
    ],
)
def test_observe_falls_back_to_the_page_structured_data_when_no_endpoint_answers_json(not_json):
    answers = {
        f"{PRODUCT_URL}.js": not_json(f"{PRODUCT_URL}.js"),
        f"{PRODUCT_URL}.json": not_json(f"{PRODUCT_URL}.json"),
        PRODUCT_URL: html_page(PRODUCT_URL),
    }
    obs, calls = observe(answers)
    assert calls == [f"{PRODUCT_URL}.js", f"{PRODUCT_URL}.json", PRODUCT_URL]
    assert (obs.status, obs.platform, obs.url) == (CheckStatus.OK, "structured", PRODUCT_URL)
    assert (obs.title, obs.price, obs.currency, obs.in_stock) == ("Aurora Mug", Decimal("7.99"), "EUR", True)


def test_observe_of_a_removed_product_is_not_found():
    obs, calls = observe({})
    assert len(calls) == 3
    assert obs.status == CheckStatus.NOT_FOUND


def test_observe_of_a_page_without_product_data_is_unparseable():
    obs, _ = observe({PRODUCT_URL: html_page(PRODUCT_URL, "<html><body><p>Welcome</p></body></html>")})
    assert obs.status == CheckStatus.UNPARSEABLE


def test_observe_stops_at_a_block_page():
    blocked = Page(url=f"{PRODUCT_URL}.js", text="<html>captcha</html>", blocked_reason="captcha page")
    obs, calls = observe({f"{PRODUCT_URL}.js": blocked})
    assert calls == [f"{PRODUCT_URL}.js"]
    assert (obs.status, obs.url) == (CheckStatus.BLOCKED, PRODUCT_URL)


def test_observe_stops_when_the_shop_is_failing():
    obs, calls = observe({f"{PRODUCT_URL}.js": html_page(f"{PRODUCT_URL}.js", "Service unavailable", status=503)})
    assert calls == [f"{PRODUCT_URL}.js"]
    assert obs.status == CheckStatus.ERROR


def test_observe_keeps_the_prices_when_the_currency_page_fails():
    answers = {
        f"{PRODUCT_URL}.js": json_page(f"{PRODUCT_URL}.js", js_product()),
        PRODUCT_URL: FetchError(CheckStatus.ERROR, "The shop did not answer in time"),
    }
    obs, calls = observe(answers)
    assert len(calls) == 2
    assert (obs.status, obs.price, obs.currency) == (CheckStatus.OK, Decimal("7.99"), "")


def test_observe_does_not_fetch_the_page_when_the_json_names_the_currency():
    page = Page(
        url=f"{PRODUCT_URL}.js",
        text=json.dumps(js_product()),
        headers={"content-type": "application/json", "set-cookie": "cart_currency=GBP; path=/"},
    )
    obs, calls = observe({f"{PRODUCT_URL}.js": page})
    assert calls == [f"{PRODUCT_URL}.js"]
    assert obs.currency == "GBP"


def test_observe_lets_a_transport_failure_of_the_product_request_propagate():
    with pytest.raises(FetchError):
        observe({f"{PRODUCT_URL}.js": FetchError(CheckStatus.ERROR, "Connection failed")})


def test_observe_of_a_url_without_a_product_handle_reads_the_page():
    url = f"{SHOP}/pages/aurora"
    obs, calls = observe({url: html_page(url)}, url=url)
    assert calls == [url]
    assert (obs.platform, obs.price) == ("structured", Decimal("7.99"))


# --- variants and the main image ----------------------------------------------------------------------------------


def test_the_saved_products_json_lists_its_one_variant(shared_fixture):
    page = tokyopop_page(shared_fixture, "https://tokyopop.com/products/9781427860828_dramacon-volume-2")
    obs = adapter.parse(page)
    assert len(obs.variants) == 1
    variant = obs.variants[0]
    assert (variant.id, variant.price, variant.original_price) == ("43222371631291", Decimal("7.99"), None)
    assert (variant.in_stock, variant.stock_quantity, variant.currency) == (True, None, "")
    assert variant.name == ""  # the lone "Default Title" variant has no options
    assert obs.to_json()["variants"][0] == {
        "id": "43222371631291",
        "name": None,
        "price": "7.99",
        "original_price": None,
        "currency": None,
        "in_stock": True,
        "stock_quantity": None,
    }
    assert obs.image.startswith("https://cdn.shopify.com/s/files/1/0599/7114/1819/products/9781427860828_e0abbe47")
    assert obs.shipping is None  # the JSON carries no shipping


def test_js_variants_in_cents_with_option_names():
    product = js_product(
        options=[{"name": "Size", "position": 1, "values": ["S", "L"]}, {"name": "Colour", "position": 2}],
        featured_image="//mugs.example/cdn/aurora.jpg",
        variants=[
            {
                "id": 41,
                "title": "S / Red",
                "option1": "S",
                "option2": "Red",
                "price": 799,
                "compare_at_price": 999,
                "available": True,
            },
            {
                "id": 42,
                "title": "L / Blue",
                "options": ["L", "Blue"],
                "price": 1299,
                "compare_at_price": None,
                "available": False,
            },
        ],
    )
    obs = parse(product)
    small, large = obs.variants
    assert (small.id, small.name, small.price, small.original_price, small.in_stock) == (
        "41",
        "Size: S; Colour: Red",
        Decimal("7.99"),
        Decimal("9.99"),
        True,
    )
    assert (large.id, large.name, large.price, large.original_price, large.in_stock) == (
        "42",
        "Size: L; Colour: Blue",
        Decimal("12.99"),
        None,
        False,
    )
    assert obs.image == "https://mugs.example/cdn/aurora.jpg"
    # the top level stays the listing's: lowest price and the range
    assert (obs.price, obs.price_max) == (Decimal("7.99"), Decimal("12.99"))


def test_old_js_option_names_as_plain_strings():
    product = js_product(
        options=["Size"],
        variants=[{"id": 7, "title": "M", "option1": "M", "price": 500, "available": True}],
    )
    assert parse(product).variants[0].name == "Size: M"


def test_json_variants_with_inventory_and_currency_from_the_headers():
    data = json_product(
        variants=[
            {
                "id": 41,
                "title": "Small",
                "option1": "Small",
                "price": "7.99",
                "compare_at_price": "9.00",
                "inventory_quantity": 0,
                "inventory_policy": "deny",
            },
            {
                "id": 42,
                "title": "Large",
                "option1": "Large",
                "price": "12.99",
                "compare_at_price": "10.00",
                "inventory_quantity": 5,
            },
            {"id": 43, "title": "Oversold", "option1": "Huge", "price": "15.00", "inventory_quantity": -2},
        ],
        options=[{"id": 1, "product_id": 8123456789, "name": "Size", "position": 1, "values": ["Small", "Large"]}],
        image={"src": "https://cdn.example/mug.jpg"},
    )
    obs = parse(data, url=f"{PRODUCT_URL}.json", headers={"set-cookie": "cart_currency=CAD; path=/"})
    small, large, oversold = obs.variants
    assert (small.name, small.price, small.original_price, small.in_stock, small.stock_quantity) == (
        "Size: Small",
        Decimal("7.99"),
        Decimal("9.00"),
        False,  # 0 left
        0,
    )
    assert (large.in_stock, large.stock_quantity) == (True, 5)
    assert large.original_price is None  # a compare-at below the price is no "was" price
    assert (oversold.stock_quantity, oversold.in_stock) == (0, False)
    assert {v.currency for v in obs.variants} == {"CAD"}
    assert obs.image == "https://cdn.example/mug.jpg"


def test_variant_titles_when_the_product_names_no_options():
    data = json_product(variants=[{"id": 5, "title": "Blue mug", "price": "3.00"}])
    obs = parse(data, url=f"{PRODUCT_URL}.json")
    assert (obs.variants[0].name, obs.variants[0].in_stock) == ("Blue mug", None)


def test_a_chosen_variant_still_lists_every_variant():
    obs = parse(js_product(), variant_sku="AUR-L")
    assert obs.price == Decimal("12.99")
    assert [v.id for v in obs.variants] == ["41", "42"]
    assert obs.for_variant("41").price == Decimal("7.99")


def test_observe_fills_the_variants_currency_from_the_page():
    obs, _calls = observe(
        {f"{PRODUCT_URL}.js": json_page(f"{PRODUCT_URL}.js", js_product()), PRODUCT_URL: html_page(PRODUCT_URL)}
    )
    assert obs.currency == "EUR"
    assert [(v.id, v.currency) for v in obs.variants] == [("41", "EUR"), ("42", "EUR")]
    assert obs.for_variant("42").in_stock is False
