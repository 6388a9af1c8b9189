"""The API's price selector on products: the preview lists the page's prices and reads a selector, a product is
added with one (validated as on the form), and products return it."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from api.tokens import token_create
from monitoring import tasks
from monitoring.fetch import reset_fetcher
from suppliers.models import Product
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db

API = "/api/v1"
LAMP = """<html lang="en"><head><title>Desk lamp</title></head><body><main><h1>Desk lamp</h1>
<div class="buy"><del>$14.00</del> <span id="our-price">$8.90</span><button>Add to cart</button></div></main></body></html>"""


@pytest.fixture
def shop(settings, monkeypatch):
    for task in (tasks.check_product, tasks.check_supplier):
        monkeypatch.setattr(task, "apply_async", lambda *a, **kw: None)
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FETCH_HOST_INTERVAL = 0
    reset_fetcher()
    cache.clear()
    s.page("/lamp", LAMP)
    yield s
    s.close()
    reset_fetcher()


@pytest.fixture
def api(alice):
    _token, plain = token_create(owner=alice, name="tests")
    return Client(headers={"Authorization": f"Bearer {plain}"})


def post(client, path, data):
    return client.post(f"{API}{path}", json.dumps(data), content_type="application/json")


def test_the_preview_lists_prices_and_reads_a_selector(api, shop):
    data = post(api, "/products/preview", {"url": shop.url("/lamp"), "price_selector": "#our-price"}).json()
    assert data["price_choices"][0]["selector"] == "#our-price" and data["price_choices"][0]["read"] is True
    assert data["price_choices"][0]["where"] == "next to the buy button"
    assert any(c["kind"] == "was" for c in data["price_choices"])
    assert (data["price_selector"], data["selector_price"], data["selector_error"]) == ("#our-price", "8.90", "")
    assert data["needs_javascript"] == ""
    missing = post(api, "/products/preview", {"url": shop.url("/lamp"), "price_selector": ".gone"}).json()
    assert missing["selector_error"].endswith("it matches nothing on the page.")


def test_a_product_is_added_with_a_selector_and_returns_it(alice, api, shop):
    bad = post(api, "/products", {"url": shop.url("/lamp"), "price_selector": "a["})
    assert bad.status_code == 422 and "price_selector" in json.dumps(bad.json())
    nothing = post(api, "/products", {"url": shop.url("/lamp"), "price_selector": ".gone"})
    assert nothing.status_code == 422 and "matches nothing" in json.dumps(nothing.json())
    assert not Product.objects.exists()
    token = post(api, "/products/preview", {"url": shop.url("/lamp")}).json()["token"]
    # A token whose preview did not try this selector: the page is read again with it, then it is added.
    made = post(api, "/products", {"url": shop.url("/lamp"), "token": token, "price_selector": "div.buy > span"})
    assert made.status_code == 201, made.content
    assert made.json()["price_selector"] == "div.buy > span"
    product = Product.objects.get(owner=alice)
    assert product.price_selector == "div.buy > span"
    assert api.get(f"{API}/products/{product.pk}").json()["price_selector"] == "div.buy > span"
    assert api.get(f"{API}/products").json()["items"][0]["price_selector"] == "div.buy > span"
