"""A product with the user's price selector, checked against a real local shop whose page changes: the selector's
price is the price; when it stops matching, the check is unverifiable — no price change, no finding; when it
matches again, the check is OK again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from monitoring.checking import run_product_check
from monitoring.fetch import reset_fetcher
from monitoring.models import Finding, Snapshot
from monitoring.statuses import CheckStatus
from suppliers import services
from suppliers.models import Product
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db

PAGE = """<html><head><title>Desk lamp</title></head><body><main>
<h1>Desk lamp</h1><div class="buy"><span class="was"><del>$ 14.00</del></span>
<span {attr}>{price}</span><button>Add to cart</button></div>
<p>A desk lamp with a warm light and a heavy base.</p></main></body></html>"""


@pytest.fixture
def shop(settings):
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FETCH_HOST_INTERVAL = 0
    reset_fetcher()
    cache.clear()
    yield s
    s.close()
    reset_fetcher()


def check(product) -> str:
    slot = timezone.now()
    Product.objects.filter(pk=product.pk).update(pending_slot=slot, check_started_at=None)
    result = run_product_check(product.pk, slot)
    product.refresh_from_db()
    return result.status


def test_the_selector_is_tried_first_and_a_lost_match_is_unverifiable_never_a_change(alice, shop):
    shop.page("/lamp", PAGE.format(attr='id="our-price"', price="$ 8.90"))
    product = services.product_create(
        owner=alice, url=shop.url("/lamp"), my_price=Decimal("30"), my_currency="USD", price_selector="#our-price"
    )
    assert check(product) == CheckStatus.OK
    assert (product.price, product.currency) == (Decimal("8.90"), "USD")
    assert "your selector" in Snapshot.objects.get(product=product).message

    # The shop renames the element: the selector matches nothing. The price shown beside it is not read.
    shop.page("/lamp", PAGE.format(attr='class="price-now"', price="$ 11.57"))
    assert check(product) == CheckStatus.UNPARSEABLE
    assert product.last_message == "Your price selector no longer matches: it matches nothing on the page."
    assert product.price == Decimal("8.90")  # the last good price is kept, not replaced and not emptied
    latest = Snapshot.objects.filter(product=product).order_by("-taken_at").first()
    assert latest.status == CheckStatus.UNPARSEABLE and latest.price is None
    assert not Finding.objects.filter(product=product).exists()

    # The element is back but shows no price: still unverifiable, in words.
    shop.page("/lamp", PAGE.format(attr='id="our-price"', price="Price on request"))
    assert check(product) == CheckStatus.UNPARSEABLE
    assert "the text it matches shows no price (“Price on request”)" in product.last_message
    assert not Finding.objects.filter(product=product).exists()

    # It matches again: OK, and the same price is no change.
    shop.page("/lamp", PAGE.format(attr='id="our-price"', price="$ 8.90"))
    assert check(product) == CheckStatus.OK
    assert product.price == Decimal("8.90") and product.consecutive_failures == 0
    assert not Finding.objects.filter(product=product).exists()
    prices = list(Snapshot.objects.filter(product=product).order_by("taken_at").values_list("price", flat=True))
    assert prices == [Decimal("8.90"), None, None, Decimal("8.90")]


def test_without_a_selector_the_same_page_is_read_by_itself(alice, shop):
    """The control: the same shop page without a selector is read from its visible price."""
    shop.page("/lamp", PAGE.format(attr='class="price-now"', price="$ 11.57"))
    product = services.product_create(owner=alice, url=shop.url("/lamp"), my_currency="USD")
    assert check(product) == CheckStatus.OK and product.price == Decimal("11.57")
    assert "your selector" not in product.last_message


def test_a_page_that_needs_javascript_says_so_in_the_check(alice, shop):
    shop.page(
        "/app",
        '<html><head><script src="/bundle.js"></script></head><body><div id="root"></div>'
        "<noscript>You need to enable JavaScript to run this app.</noscript></body></html>",
    )
    product = services.product_create(owner=alice, url=shop.url("/app"), my_currency="USD")
    assert check(product) == CheckStatus.UNPARSEABLE
    assert product.last_message.startswith("This page needs JavaScript to show its price")
    assert "enable JavaScript" in product.last_message


def test_three_lost_matches_in_a_row_are_a_health_notice_not_a_deterioration(alice, shop):
    shop.page("/lamp", PAGE.format(attr='id="our-price"', price="$ 8.90"))
    product = services.product_create(owner=alice, url=shop.url("/lamp"), price_selector="#our-price")
    check(product)
    shop.page("/lamp", PAGE.format(attr='class="x"', price="$ 99.00"))
    for _ in range(3):
        check(product)
    kinds = list(Finding.objects.filter(product=product).values_list("kind", "message"))
    assert [k for k, _ in kinds] == ["unverifiable"]
    assert "Your price selector no longer matches" in kinds[0][1]
    assert product.next_check_at > timezone.now() + timedelta(hours=2)  # no hot loop
