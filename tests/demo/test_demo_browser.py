"""The demo's recommendation and switch in a real browser: Debian's Chromium through Playwright, against the
seeded demo account, the demo shop and its drift script (1-second demo minutes), checked in-process through
the same code the workers run.

The walk: sign in as demo/demo, open the yoga mat's out-of-stock finding from the findings list, read the
recommendation naming Casa Verde Home with its numbers, follow to the product page's comparison, click
"Switch to this", confirm, and see Casa Verde Home as the primary and the old listing listed as a backup,
with the switch in the finding's history."""

import re
import threading
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo import scenario
from demo.seed import seed
from demo.shop import Clock, serve
from monitoring.checking import run_product_check
from monitoring.fetch import reset_fetcher
from monitoring.models import Finding
from suppliers.models import Product
from tests.dashboard.test_browser import browser, make_page, page, sign_in  # noqa: F401 (fixtures)
from tests.demo.test_demo import _path

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

MINUTE_SECONDS = 1.0


@pytest.fixture
def demo(tmp_path, settings):
    """The demo shop on a free port, the fetcher allowed to reach it, and the demo account seeded."""
    start_file = tmp_path / "demo-start"
    server = serve("127.0.0.1", 0, Clock(start_file, minute_seconds=MINUTE_SECONDS), quiet=True)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]
    settings.FETCH_HOST_INTERVAL = 0.02
    reset_fetcher()
    user = seed(shop_url=f"http://127.0.0.1:{port}", start_file=start_file, check_every=timedelta(hours=6))
    yield user, Clock(start_file, minute_seconds=MINUTE_SECONDS)
    server.shutdown()
    reset_fetcher()


def _listing(user, key):
    path, _ = _path(scenario.PRODUCT_BY_KEY[key])
    return Product.objects.get(owner=user, url__endswith=path.replace(".js", ""))


def _check(product):
    slot = timezone.now()
    Product.objects.filter(pk=product.pk).update(pending_slot=slot, check_started_at=None)
    result = run_product_check(product.pk, slot)
    assert result.status == "ok", product.last_message


def _expected_recommendation() -> str:
    """What the drift script's numbers make of Casa Verde's offer: landed = price + shipping, margin at the
    yoga mat's selling price."""
    casa, mat = scenario.PRODUCT_BY_KEY["yoga-mat-casa"], scenario.PRODUCT_BY_KEY["yoga-mat"]
    landed = casa.price + casa.shipping
    margin = ((mat.my_price - landed) / mat.my_price * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"Switch to Casa Verde Home: landed {landed:.2f} USD, margin {margin}%"


def test_the_recommendation_and_the_switch_in_a_real_browser(demo, page):  # noqa: F811
    user, clock = demo
    while clock.minute() < 3:  # the drift script sells the yoga mat out at demo minute 2
        time.sleep(0.2)
    mat, casa, north = (_listing(user, k) for k in ("yoga-mat", "yoga-mat-casa", "yoga-mat-north"))
    for product in (casa, north, mat):  # the backups read first, as their daily check would have
        _check(product)
    finding = Finding.objects.get(product=mat, kind="out_of_stock", resolved_at__isnull=True)
    recommendation = _expected_recommendation()

    sign_in(page, "demo", "demo")
    page.goto("/findings/")
    row = page.locator("article.finding").filter(has_text=str(mat)[:40]).filter(has_text="Out of stock")
    row.get_by_role("link", name="Out of stock").click()
    page.wait_for_url(re.compile(rf"/findings/{finding.pk}/$"))
    advice = page.locator(".finding-advice")
    expect(advice).to_contain_text("Pause the product in your store")
    expect(advice).to_contain_text(recommendation)

    # To the product page: the comparison marks Casa Verde Home as recommended, with the same numbers.
    page.locator("main").get_by_role("link", name=re.compile(re.escape(str(mat)[:30]))).first.click()
    page.wait_for_url(re.compile(rf"/products/{mat.pk}/$"))
    comparison = page.locator("table.comparison")
    casa_row = comparison.locator("tbody tr").filter(has_text="Casa Verde Home")
    expect(casa_row).to_have_class(re.compile(r"\brecommended\b"))
    expect(casa_row).to_contain_text("Recommended")
    landed, margin = re.search(r"landed ([\d.]+) USD, margin (\d+)%", recommendation).groups()
    expect(casa_row).to_contain_text(f"{landed} USD")
    expect(casa_row).to_contain_text(f"{margin}%")
    expect(comparison.locator("tbody tr").filter(has_text="Primary")).to_contain_text("Out of stock")

    # Switch, with the confirmation step.
    casa_row.get_by_role("link", name="Switch to this").click()
    page.wait_for_url(re.compile(rf"/products/{mat.pk}/switch/{casa.pk}/$"))
    expect(page.get_by_role("heading", name="Switch to Casa Verde Home?")).to_be_visible()
    page.get_by_role("button", name="Switch supplier").click()
    page.wait_for_url(re.compile(rf"/products/{casa.pk}/$"))
    expect(page.get_by_text("is now the primary source")).to_be_visible()
    rows = page.locator("table.comparison tbody tr")
    expect(rows.filter(has_text="Primary")).to_contain_text("Casa Verde Home")
    old = rows.filter(has_text=scenario.SUPPLIER_BY_KEY["peak"].name)
    expect(old).not_to_contain_text("Primary")
    expect(old.get_by_role("link", name="Switch to this")).to_be_visible()  # the old primary, now a backup
    expect(rows).to_have_count(3)

    # The finding's history records the switch.
    page.goto(f"/findings/{finding.pk}/")
    expect(page.locator(".timeline")).to_contain_text("Switched supplier: Casa Verde Home is now the primary source")
    mat.refresh_from_db()
    casa.refresh_from_db()
    assert casa.backs_up is None and mat.backs_up == casa
