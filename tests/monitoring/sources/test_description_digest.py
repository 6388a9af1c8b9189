"""The description digest each adapter keeps where the page gives a description: schema.org `description`,
Shopify's product description, AliExpress's description file key (pages) or its text (Open Platform API)."""

import json
import re

import pytest

from monitoring.observation import description_digest
from monitoring.sources.aliexpress import AliExpressAdapter
from monitoring.sources.aliexpress.api import parse_ds_product
from monitoring.sources.aliexpress.common import description_version
from monitoring.sources.base import Page
from monitoring.sources.registry import adapter_for

TEXT = "Non-slip 6 mm TPE yoga mat with a carry strap; 183 × 61 cm."


def jsonld_page(description):
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Yoga mat",
        "description": description,
        "offers": {"@type": "Offer", "price": "8.00", "priceCurrency": "USD"},
    }
    return f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head><body>x</body></html>'


def test_schema_org_description_is_kept_as_a_digest():
    adapter = adapter_for("structured")
    obs = adapter.parse(Page(url="https://shop.example/p/mat", text=jsonld_page(TEXT)))
    assert obs.description_digest == description_digest(TEXT) != ""
    edited = adapter.parse(Page(url="https://shop.example/p/mat", text=jsonld_page(TEXT.upper() + "  ")))
    assert edited.description_digest == obs.description_digest  # case and spacing are not an edit
    other = adapter.parse(
        Page(url="https://shop.example/p/mat", text=jsonld_page("A silicone phone case, shockproof."))
    )
    assert other.description_digest not in ("", obs.description_digest)


def test_a_page_without_a_description_keeps_none():
    obs = adapter_for("structured").parse(Page(url="https://shop.example/p/mat", text=jsonld_page("")))
    assert obs.description_digest == ""


def test_shopify_product_description_is_kept_as_a_digest():
    product = {
        "id": 1,
        "title": "Yoga mat",
        "handle": "mat",
        "description": f"<p>{TEXT}</p>",
        "variants": [{"id": 11, "title": "Purple", "price": 800, "available": True}],
        "images": [],
    }
    obs = adapter_for("shopify").parse(
        Page(
            url="https://shop.example/products/mat.js",
            text=json.dumps(product),
            headers={"content-type": "application/json"},
        )
    )
    assert obs.description_digest == description_digest(TEXT)


def test_the_aliexpress_description_key_changes_with_the_description_and_not_with_the_token():
    url = "https://aeproductsourcesite.alicdn.com/product/description/pc/v2/en_US/desc.htm?productId=1&key=S47a.zip&token=aa"
    assert description_version(url) == description_version(url.replace("token=aa", "token=bb")) != ""
    assert description_version(url.replace("S47a", "S99b")) != description_version(url)
    assert description_version("", None, "https://x.example/desc.htm?productId=1") == ""


@pytest.mark.parametrize(
    "name",
    [
        "item_2022_modules_3256803382674519.html",
        "runparams_2022_modules_4000465717631.json",
        "runparams_2023_components_1005005424987520.js",
        "mtop_pdp_2026_1005012410104961.json",
    ],
)
def test_saved_aliexpress_pages_give_the_description_key(shared_fixture, name):
    text = shared_fixture(f"aliexpress/{name}").read_text(encoding="utf-8")
    obs = AliExpressAdapter().parse(Page(url=f"https://www.aliexpress.com/saved/{name}", text=text))
    key = re.search(r"desc\.htm\?productId=\d+&key=([^&\"\\]+)", text).group(1)
    assert obs.description_digest == description_version(f"https://x/desc.htm?key={key}")


def test_the_aliexpress_api_description_text_is_kept_as_a_digest(shared_fixture):
    text = shared_fixture("aliexpress/ds_product_get_2025_1005009017968975.json").read_text(encoding="utf-8")
    obs = parse_ds_product(text)
    base = json.loads(text)["aliexpress_ds_product_get_response"]["result"]["ae_item_base_info_dto"]
    assert obs.description_digest == description_digest(base["detail"]) != ""


def test_a_description_of_pictures_only_is_judged_by_its_pictures():
    one = '<div><img src="https://ae01.alicdn.com/kf/S1.jpg" /><img src="https://ae01.alicdn.com/kf/S2.jpg"></div>'
    assert description_digest(one) != ""
    assert description_digest(one.replace("<div>", "<div class='x'>")) == description_digest(one)
    assert description_digest(one.replace("S2", "S9")) != description_digest(one)
