import pytest
from django.core.exceptions import ValidationError

from suppliers.platforms import Platform, clean_shop_url, detect


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "https://www.aliexpress.com/item/1005005424987520.html?spm=a2g0o",
            "https://www.aliexpress.com/item/1005005424987520.html?spm=a2g0o",
        ),
        ("HTTPS://WWW.AliExpress.com/item/1.html#reviews", "https://www.aliexpress.com/item/1.html"),
        ("aliexpress.com/item/1005005424987520.html", "https://aliexpress.com/item/1005005424987520.html"),
        ("http://shop.example:8080", "http://shop.example:8080/"),
    ],
)
def test_it_normalises_urls(raw, expected):
    assert clean_shop_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter the address"),
        ("ftp://example.com/file", "Only http:// and https://"),
        ("javascript:alert(1)", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("https://user:pw@example.com/", "user name and password"),
        ("https://exa mple.com/", "is not a valid web address"),
        ("not a url", "Only http:// and https://"),
        ("https://x.example:99999/", "is not a valid web address"),
        ("http://[::1/", "is not a valid web address"),
    ],
)
def test_it_refuses_bad_urls_with_a_clear_message(raw, message):
    with pytest.raises(ValidationError) as exc:
        clean_shop_url(raw)
    assert message in " ".join(exc.value.messages)


@pytest.mark.parametrize(
    ("url", "platform", "product_id", "store_id"),
    [
        (
            "https://www.aliexpress.com/item/1005005424987520.html",
            Platform.ALIEXPRESS,
            "1005005424987520",
            "",
        ),
        (
            "https://es.aliexpress.com/item/1005006427599086.html?gatewayAdapt=glo2esp",
            Platform.ALIEXPRESS,
            "1005006427599086",
            "",
        ),
        ("https://pl.aliexpress.com/item/1005006722922099.html", Platform.ALIEXPRESS, "1005006722922099", ""),
        ("https://aliexpress.ru/item/1005006722922099.html", Platform.ALIEXPRESS, "1005006722922099", ""),
        ("https://www.aliexpress.us/item/3256803382674519.html", Platform.ALIEXPRESS, "3256803382674519", ""),
        ("https://www.aliexpress.com/store/4682001", Platform.ALIEXPRESS, "", "4682001"),
        ("https://m.aliexpress.com/store/sale-items/1101366561.html", Platform.ALIEXPRESS, "", "1101366561"),
        ("https://tokyopop.com/products/dramacon-volume-2", Platform.SHOPIFY, "dramacon-volume-2", ""),
        ("https://shop.example/collections/all/products/blue-mug", Platform.SHOPIFY, "blue-mug", ""),
        ("https://acme.myshopify.com/", Platform.SHOPIFY, "", ""),
        (
            "https://www.ikea.com/gb/en/p/djungelskog-soft-toy-brown-bear-20402837/",
            Platform.STRUCTURED,
            "",
            "",
        ),
        ("https://fake-aliexpress.com.evil.example/item/1005005424987520.html", Platform.STRUCTURED, "", ""),
    ],
)
def test_it_recognises_the_platform(url, platform, product_id, store_id):
    info = detect(clean_shop_url(url))
    assert (info.platform, info.product_id, info.store_id) == (platform, product_id, store_id)
