"""The demo: its pages parse as real formats, and the whole loop runs end to end at high speed — the same
drift script with a 2-second demo minute, real PostgreSQL/Redis, two real workers and a real SMTP server."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from demo import scenario
from demo.seed import seed
from demo.shop import Clock, DemoShop, serve
from monitoring import scheduling
from monitoring.alerts import email as alerts
from monitoring.fetch import blocks
from monitoring.models import Email, Finding, Notification, Snapshot
from monitoring.sources.base import Page, observe_page
from monitoring.sources.registry import adapter_for
from suppliers.models import Product, Supplier
from tests.support.smtp import SmtpServer


def _path(product):
    platform = scenario.SUPPLIER_BY_KEY[product.supplier].platform
    return {
        "aliexpress": f"/item/{scenario.product_id(product)}.html",
        "shopify": f"/products/{product.key}.js",
        "structured": f"/home/{product.key}",
    }[platform], platform


def _read(shop, product):
    path, platform = _path(product)
    status, _, body = shop.route(path, {})
    text = body.decode()
    page = Page(
        url="http://127.0.0.1" + path, text=text, status_code=int(status[:3]), blocked_reason=blocks.detect(text)
    )
    return observe_page(adapter_for(platform), page)


@pytest.fixture
def frozen_shop(tmp_path):
    start = tmp_path / "demo-start"
    start.write_text(str(time.time()))
    return DemoShop(Clock(start, minute_seconds=60)), start


@pytest.mark.parametrize("product", scenario.PRODUCTS, ids=lambda p: p.key)
def test_every_demo_page_parses_in_its_real_format(frozen_shop, product):
    shop, _ = frozen_shop
    obs = _read(shop, product)
    assert obs.status == "ok", obs.message
    assert obs.price == scenario.state(product, 0).price and obs.in_stock is True
    if product.sold:  # the variant the user sells is on the page, at its own price
        assert obs.variant(product.sold).price == scenario.state(product, 0).variant_prices[product.sold]
    if scenario.SUPPLIER_BY_KEY[product.supplier].platform == "aliexpress":
        supplier = scenario.SUPPLIER_BY_KEY[product.supplier]
        assert obs.currency == "USD" and obs.rating_histogram and obs.review_count == product.reviews
        assert obs.store.id == supplier.store_id and obs.store.positive_feedback_pct == supplier.positive_pct
        assert obs.store.opened_on == supplier.opened_on and obs.ships_to_buyer is True


def _visible(st):
    variants = (st.variant_prices, {k: v > 0 for k, v in st.variant_stock.items()})
    return (st.price, st.stock > 0, st.status, st.histogram, st.shipping_fee, variants, st.title)


def test_the_drift_script_changes_only_the_scripted_products():
    at_start = {p.key: scenario.state(p, 0) for p in scenario.PRODUCTS}
    later = {p.key: scenario.state(p, 10) for p in scenario.PRODUCTS}
    changed = {k for k in at_start if _visible(at_start[k]) != _visible(later[k])}
    roles = {p.key for p in scenario.PRODUCTS if p.role}
    assert changed == roles
    assert later["led-desk-lamp"].price == Decimal("11.57")
    assert scenario.state(scenario.PRODUCT_BY_KEY["phone-case"], 10).store_positive == Decimal("95.1")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_demo_end_to_end(tmp_path, settings, celery_worker_factory):
    smtp = SmtpServer().start()
    smtp.configure(settings)
    start_file = tmp_path / "demo-start"
    server = serve("127.0.0.1", 0, Clock(start_file, minute_seconds=2.0), quiet=True)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shop_url = f"http://127.0.0.1:{port}"
    settings.TICK_SECONDS = 1
    settings.FETCH_HOST_INTERVAL = 0.02
    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]
    env = {
        "FETCH_ALLOWED_HOSTS": f"127.0.0.1:{port}",
        "FETCH_HOST_INTERVAL": "0.02",
        "FETCH_TOTAL_TIMEOUT": "8",
        "FETCH_MAX_RETRIES": "1",
    }
    try:
        user = seed(shop_url=shop_url, start_file=start_file, check_every=timedelta(seconds=2))
        assert Snapshot.objects.filter(product__owner=user).count() == len(scenario.PRODUCTS) * 90 * 4  # 90 days
        reminders = set(
            Notification.objects.filter(owner=user, category="reminder").values_list("dedup_key", flat=True)
        )
        assert any(k.startswith("reminder:protection:") for k in reminders)  # protection about to end
        assert any(k.startswith("reminder:test_order_due:") for k in reminders)  # a test order is due
        celery_worker_factory("demo1", extra_env=env)
        celery_worker_factory("demo2", extra_env=env)

        expected = {(key, kind) for key, kind in scenario.EXPECTED_FINDINGS}
        deadline = time.monotonic() + 90
        found = set()
        while time.monotonic() < deadline:
            scheduling.tick()
            found = _open_findings(user)
            if found >= expected and time.time() > _started(start_file) + 14:  # drift over, a few more checks
                break
            time.sleep(0.5)
        assert found == expected

        lights = Product.objects.get(
            owner=user, url__contains=scenario.product_id(scenario.PRODUCT_BY_KEY["string-lights"])
        )
        assert lights.last_status == "blocked" and lights.price == scenario.PRODUCT_BY_KEY["string-lights"].price
        assert set(Finding.objects.filter(product=lights).values_list("kind", flat=True)) == {"unverifiable"}

        # The primary sold out: its finding recommends the best backup; the backups themselves stay quiet.
        mat = Product.objects.get(owner=user, url__contains=scenario.product_id(scenario.PRODUCT_BY_KEY["yoga-mat"]))
        sold_out = Finding.objects.get(product=mat, kind="out_of_stock", resolved_at__isnull=True)
        assert "Pause the product in your store" in sold_out.advice
        assert "Switch to Casa Verde Home: landed 9.20 USD" in sold_out.advice, sold_out.advice
        assert mat.alternatives.count() == 2
        assert not Finding.objects.filter(product__backs_up=mat).exists()
        swapped = Finding.objects.get(owner=user, kind="listing_changed")
        assert swapped.evidence["title_after"].startswith("Silicone phone case")

        counts = alerts.deliver(now=timezone.now())
        assert counts["failed"] == 0
        kinds = sorted(Email.objects.filter(owner=user).values_list("kind", flat=True))
        assert kinds == ["alert", "health", "reminder"]
        alert = next(m for m in smtp.messages if "problems with your suppliers" in m["Subject"])
        text, _ = SmtpServer.parts(alert)
        assert "Price up 30.0%" in text and "Out of stock since" in text and "Brushing suspected" in text
        assert len(smtp.messages) == 3  # one alert email for the batch, one can't-verify notice, one reminder
        assert alerts.deliver(now=timezone.now())["sent"] == 0
    finally:
        server.shutdown()
        smtp.stop()


def _started(start_file) -> float:
    return float(start_file.read_text())


def _open_findings(user) -> set[tuple[str, str]]:
    by_url = {}
    for product in scenario.PRODUCTS:
        path, _ = _path(product)
        by_url[path.replace(".js", "")] = product.key
    found = set()
    for f in Finding.objects.filter(owner=user, resolved_at__isnull=True).select_related("product", "supplier"):
        if f.product is None:
            supplier_key = next(s.key for s in scenario.SUPPLIERS if s.name == f.supplier.name)
            found.add((f"supplier:{supplier_key}", f.kind))
        else:
            key = next((k for path, k in by_url.items() if f.product.url.endswith(path)), f.product.url)
            found.add((key, f.kind))
    assert Supplier.objects.filter(owner=user).count() == len(scenario.SUPPLIERS)
    return found
