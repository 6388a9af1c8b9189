"""`manage.py inspect`: one JSON object for files and URLs, with clear statuses; exit 2 only for usage errors."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from monitoring.fetch import reset_fetcher
from tests.support.paths import ROOT
from tests.support.servers import LocalShop

KEYS = {
    "status",
    "message",
    "platform",
    "url",
    "product_id",
    "title",
    "price",
    "price_max",
    "original_price",
    "currency",
    "in_stock",
    "stock_quantity",
    "rating",
    "review_count",
    "rating_histogram",
    "orders_count",
    "store",
    "labels",
    "ships_to_buyer",
    "reviews",
}

PAGE = """<html><head><title>Garden hose</title><script type="application/ld+json">
{"@context":"https://schema.org","@type":"Product","name":"Garden hose 20 m","sku":"GH-20",
 "offers":{"@type":"Offer","price":"19.90","priceCurrency":"EUR","availability":"https://schema.org/InStock"},
 "aggregateRating":{"@type":"AggregateRating","ratingValue":"4.6","reviewCount":"87"}}</script></head>
<body><h1>Garden hose 20 m</h1></body></html>"""


def inspect(*args) -> dict:
    out = StringIO()
    call_command("inspect", *args, "--json", stdout=out)
    text = out.getvalue().strip()
    assert "\n" not in text  # exactly one JSON object
    return json.loads(text)


@pytest.fixture
def shop(settings):
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    reset_fetcher()
    yield s
    s.close()
    reset_fetcher()


def test_a_saved_page_in_the_documented_format(tmp_path):
    path = tmp_path / "hose.html"
    path.write_text(PAGE)
    data = inspect(str(path), "--url", "https://garden.example/hose")
    assert set(data) >= KEYS
    assert data["status"] == "ok" and data["platform"] == "structured"
    assert data["price"] == "19.90" and data["currency"] == "EUR" and data["rating"] == 4.6
    assert data["review_count"] == 87 and data["in_stock"] is True and data["url"] == "https://garden.example/hose"


def test_the_platform_is_detected_from_a_saved_aliexpress_page(shared_fixture):
    data = inspect(str(shared_fixture("aliexpress/runparams_2022_modules_4000465717631.json")))
    assert data["platform"] == "aliexpress" and data["price"] == "143.9" and data["currency"] == "PKR"
    assert data["rating_histogram"] == {"5": 352, "4": 68, "3": 18, "2": 8, "1": 30}
    assert data["store"]["opened_on"] == "2017-04-14" and data["store"]["positive_feedback_pct"] == 90.9


def test_a_url_is_fetched_and_parsed(shop):
    shop.page("/hose", PAGE)
    data = inspect(shop.url("/hose"), "--platform", "structured")
    assert data["status"] == "ok" and data["title"] == "Garden hose 20 m" and data["price"] == "19.90"


def test_a_block_page_is_blocked_not_parsed(shop):
    shop.page("/captcha", "<html><head><title>Captcha Interception</title></head><body>slide to verify</body></html>")
    data = inspect(shop.url("/captcha"), "--platform", "aliexpress")
    assert data["status"] == "blocked" and data["price"] is None and "captcha" in data["message"]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("http://127.0.0.1:9/latest/meta-data", "refused", "private or reserved"),
        ("http://169.254.169.254/latest/meta-data", "refused", "private or reserved"),
        ("ftp://example.com/item.html", "refused", "Only http"),
    ],
)
def test_refused_urls_print_a_json_status(settings, url, status, message):
    settings.FETCH_ALLOWED_HOSTS = []
    reset_fetcher()
    data = inspect(url)
    assert data["status"] == status and message in data["message"]


def test_usage_errors_exit_2(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("inspect", str(tmp_path / "missing.html"))
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        call_command("inspect", "https://example.com/", "--platform", "ebay")
    assert exc.value.returncode == 2


def test_exit_status_from_the_shell(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOCAL_MODE": "1",
        "DATA_DIR": str(tmp_path),
        "FETCH_ALLOWED_HOSTS": "",
    }
    env.pop("DATABASE_URL", None)
    ok = subprocess.run(
        [sys.executable, "manage.py", "inspect", "http://127.0.0.1:9/", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "refused"
    missing = subprocess.run(
        [sys.executable, "manage.py", "inspect", "nope.html"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr


# --- variants, shipping and --variant ---------------------------------------------------------------------------

VARIANT_KEYS = {"id", "name", "price", "original_price", "currency", "in_stock", "stock_quantity"}
SHIPPING_KEYS = {"to", "fee", "currency", "days_min", "days_max", "method"}


def _lamp_page() -> str:
    """Our own 2023 'components' AliExpress page: two SKUs, one sold out, and a paid delivery option."""

    def amount(value):
        return {"currency": "EUR", "formatedAmount": f"€{value}", "value": value}

    data = {
        "productInfoComponent": {"idStr": "1005000000000009", "subject": "Desk lamp"},
        "priceComponent": {
            "skuPriceList": [
                {
                    "skuIdStr": "12000000000000001",
                    "skuAttr": "14:193#Black",
                    "salable": True,
                    "skuVal": {"availQuantity": 8, "skuActivityAmount": amount(9.5), "skuAmount": amount(19)},
                },
                {
                    "skuIdStr": "12000000000000002",
                    "skuAttr": "14:29#White",
                    "salable": True,
                    "skuVal": {"availQuantity": 0, "skuActivityAmount": amount(8.25), "skuAmount": amount(16.5)},
                },
            ]
        },
        "skuComponent": {"productSKUPropertyList": [{"skuPropertyId": 14, "skuPropertyName": "Colour"}]},
        "inventoryComponent": {"totalAvailQuantity": 8},
        "currencyComponent": {"currencyCode": "EUR"},
        "webGeneralFreightCalculateComponent": {
            "originalLayoutResultList": [
                {
                    "bizData": {
                        "shipToCode": "DE",
                        "company": "Cainiao Standard",
                        "shippingFee": "charge",
                        "displayAmount": 2.99,
                        "displayCurrency": "EUR",
                        "deliveryDayMin": 7,
                        "deliveryDayMax": 12,
                    }
                }
            ]
        },
    }
    return (
        '<html><head><link rel="canonical" href="https://www.aliexpress.com/item/1005000000000009.html"></head>'
        f"<body><script>window.runParams = {{data: {json.dumps(data)}}};</script></body></html>"
    )


@pytest.fixture
def lamp(tmp_path):
    path = tmp_path / "lamp.html"
    path.write_text(_lamp_page())
    return str(path)


def test_json_carries_variants_shipping_and_image(lamp):
    data = inspect(lamp, "--url", "https://www.aliexpress.com/item/1005000000000009.html")
    assert set(data) >= KEYS | {"variants", "shipping", "image"}
    assert [set(v) for v in data["variants"]] == [VARIANT_KEYS, VARIANT_KEYS]
    assert data["variants"][1] == {
        "id": "12000000000000002",
        "name": "Colour: White",
        "price": "8.25",
        "original_price": "16.5",
        "currency": "EUR",
        "in_stock": False,
        "stock_quantity": 0,
    }
    assert data["shipping"] == {
        "to": "DE",
        "fee": "2.99",
        "currency": "EUR",
        "days_min": 7,
        "days_max": 12,
        "method": "Cainiao Standard",
    }
    assert (data["price"], data["price_max"], data["stock_quantity"]) == ("8.25", "9.5", 8)  # the listing's
    assert "variant" not in data


def test_variant_prints_that_variants_price_stock_and_shipping(lamp):
    data = inspect(lamp, "--variant", "12000000000000001")
    assert data["status"] == "ok" and data["message"] == ""
    assert (data["price"], data["price_max"], data["original_price"], data["currency"]) == ("9.5", None, "19", "EUR")
    assert (data["in_stock"], data["stock_quantity"]) == (True, 8)
    assert data["variant"]["id"] == "12000000000000001" and data["variant"]["name"] == "Colour: Black"
    assert set(data["shipping"]) == SHIPPING_KEYS and data["shipping"]["fee"] == "2.99"
    assert len(data["variants"]) == 2  # the whole listing is still there
    sold_out = inspect(lamp, "--variant", "12000000000000002")
    assert (sold_out["price"], sold_out["in_stock"], sold_out["stock_quantity"]) == ("8.25", False, 0)


def test_an_unknown_variant_says_so_in_one_object(lamp):
    data = inspect(lamp, "--variant", "999")
    assert data["status"] == "ok"
    assert "'999' is not on this listing" in data["message"] and "12000000000000001" in data["message"]
    assert data["variant"] is None
    assert all(data[key] is None for key in ("price", "price_max", "original_price", "in_stock", "stock_quantity"))
    assert len(data["variants"]) == 2


def test_variant_on_a_listing_without_variants(tmp_path):
    path = tmp_path / "hose.html"
    path.write_text(PAGE)
    data = inspect(str(path), "--url", "https://garden.example/hose", "--variant", "GH-20-BLUE")
    assert data["variant"] is None and data["price"] is None
    assert "no variants" in data["message"]


def test_variant_on_a_shopify_js_answer(tmp_path):
    product = {
        "id": 1,
        "title": "Mug",
        "options": [{"name": "Size", "position": 1}],
        "variants": [
            {"id": 41, "option1": "S", "price": 799, "compare_at_price": 999, "available": True},
            {"id": 42, "option1": "L", "price": 1299, "available": False},
        ],
    }
    path = tmp_path / "mug.js"
    path.write_text(json.dumps(product))
    data = inspect(str(path), "--url", "https://mugs.example/products/mug.js", "--variant", "42")
    assert (data["platform"], data["price"], data["in_stock"]) == ("shopify", "12.99", False)
    assert data["variant"]["name"] == "Size: L"


def test_variant_of_the_saved_mtop_answer(shared_fixture):
    path = str(shared_fixture("aliexpress/mtop_pdp_2026_1005012410104961.json"))
    data = inspect(path, "--variant", "12000058476050808")
    assert (data["price"], data["original_price"], data["currency"]) == ("344721", "749387", "IDR")
    assert (data["in_stock"], data["stock_quantity"]) == (True, 995)
    assert data["shipping"]["to"] == "ID" and data["shipping"]["fee"] is None


def test_human_output_lists_variants_and_shipping(lamp):
    out = StringIO()
    call_command("inspect", lamp, "--variant", "12000000000000001", stdout=out)
    text = out.getvalue()
    assert "variant: 12000000000000001 Colour: Black" in text
    assert "variant 12000000000000002: Colour: White" in text and "out of stock (0)" in text
    assert "shipping: to=DE, fee=2.99, currency=EUR, days_min=7, days_max=12, method=Cainiao Standard" in text


def test_unknown_variant_exits_0_from_the_shell(lamp, tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOCAL_MODE": "1", "DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "manage.py", "inspect", lamp, "--variant", "nope", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "not on this listing" in json.loads(run.stdout)["message"]
