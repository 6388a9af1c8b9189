"""The browser companion end to end: Debian's Chromium (new headless mode) with the unpacked extension in
companion/ loaded, paired through its options page with a live Dropwatch, against the real demo shop.

"Add this page" is the real toolbar button (CDP's Extensions.triggerAction on the shop's tab, which also gives
the click's activeTab grant) and ends in the add preview; "Check from my browser" is the real alarm: the
extension asks for due checks, fetches the blocked product with the browser's session (the demo shop's captcha
passed by clicking, a cookie) and answers the claim, and the product's status turns OK with the page's values
while the server itself still gets the captcha page.
"""

import os
import re
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import settings_for
from api.models import TokenKind
from api.tokens import token_create
from demo.scenario import PRODUCTS, product_id, state
from demo.shop import Clock, serve
from monitoring.checking import run_product_check
from monitoring.fetch import reset_fetcher
from monitoring.models import Snapshot
from monitoring.sources.observe import observe_url
from monitoring.statuses import CheckStatus
from suppliers import services
from suppliers.models import Product
from tests.dashboard.test_browser import CHROMIUM, CHROMIUM_ARGS, REQUIRE_SERVICES, sign_in

EXTENSION = Path(__file__).resolve().parents[2] / "companion"
TIMEOUT_MS = 15_000
LIGHTS = next(p for p in PRODUCTS if p.key == "string-lights")  # captcha from demo minute 1
NIGHT_LIGHT = next(p for p in PRODUCTS if p.key == "night-light")  # always healthy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_shop(settings, tmp_path):
    """The real demo shop on a free port, two demo minutes in (the string lights show a captcha)."""
    start = tmp_path / "demo-start"
    start.write_text(str(time.time() - 120))
    clock = Clock(start, minute_seconds=60)
    server = serve("127.0.0.1", 0, clock, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FETCH_HOST_INTERVAL = 0.05
    reset_fetcher()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    server.clock = clock
    yield server
    server.shutdown()
    server.server_close()
    reset_fetcher()


@pytest.fixture
def chromium(live_server):
    """A persistent Chromium profile with the unpacked extension; yields (context, service worker, id)."""
    if not os.path.exists(CHROMIUM):
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                base_url=live_server.url,
                args=[
                    *CHROMIUM_ARGS,
                    "--enable-unsafe-extension-debugging",  # CDP's Extensions.triggerAction: the toolbar button
                    f"--disable-extensions-except={EXTENSION}",
                    f"--load-extension={EXTENSION}",
                ],
            )
            context.set_default_timeout(TIMEOUT_MS)
            worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
            yield context, worker, worker.url.split("/")[2]
            context.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def pair(context, ext_id: str, address: str, token: str) -> None:
    """Through the extension's own options page, as a user pairs it."""
    page = context.new_page()
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"chrome-extension://{ext_id}/options.html")
    page.get_by_label("Dropwatch address").fill(address)
    page.get_by_label("Companion token").fill(token)
    page.get_by_role("button", name="Pair", exact=True).click()
    expect(page.locator("#status")).to_contain_text(f"Paired with {address} as alice.")
    assert not problems, problems  # the options page runs under the extension's CSP without an error
    page.close()


def click_toolbar_button(context, ext_id: str, page) -> None:
    """The extension's toolbar button on this tab (the tab target CDP's triggerAction wants)."""
    cdp = context.browser.new_browser_cdp_session()
    tabs = cdp.send("Target.getTargets", {"filter": [{"type": "tab"}]})["targetInfos"]
    (tab,) = [t for t in tabs if t["url"] == page.url]
    cdp.send("Extensions.triggerAction", {"id": ext_id, "targetId": tab["targetId"]})


def wait_until(predicate, what: str, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def test_add_this_page_from_the_toolbar_ends_in_the_preview(chromium, demo_shop, live_server, alice, queue):
    context, _worker, ext_id = chromium
    _token, key = token_create(owner=alice, name="Chromium", kind=TokenKind.COMPANION)
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, "alice", "alice-password-1")
    pair(context, ext_id, live_server.url, key)

    shop_page = context.new_page()
    shop_page.goto(f"{demo_shop.url}/item/{product_id(NIGHT_LIGHT)}.html")
    with context.expect_page() as opened:
        click_toolbar_button(context, ext_id, shop_page)
    preview = opened.value
    preview.wait_for_load_state()
    assert re.search(r"/products/add/from-browser/[\w-]+/$", preview.url), preview.url
    expect(preview.get_by_role("heading", name="What Dropwatch reads from the page")).to_be_visible()
    reading = state(NIGHT_LIGHT, demo_shop.clock.minute())
    expect(preview.locator("dl.facts")).to_contain_text(NIGHT_LIGHT.title)
    expect(preview.locator("dl.facts")).to_contain_text(f"{reading.price:.2f} USD")
    preview.get_by_role("button", name="Add and watch this product").click()
    preview.wait_for_url(re.compile(r"/products/\d+/$"))
    added = Product.objects.get(owner=alice)
    assert added.url == f"{demo_shop.url}/item/{product_id(NIGHT_LIGHT)}.html"
    assert queue == [("monitoring.check_product", (added.pk, queue[0][1][1]))]  # checked right away


def test_check_from_my_browser_recovers_a_blocked_product(chromium, demo_shop, live_server, alice):
    context, worker, ext_id = chromium
    url = f"{demo_shop.url}/item/{product_id(LIGHTS)}.html"
    product = services.product_create(owner=alice, url=url, platform="aliexpress", title=LIGHTS.title)
    # The server's own check, for real: the demo shop answers it with its captcha page.
    slot = timezone.now() - timedelta(minutes=2)
    Product.objects.filter(pk=product.pk).update(pending_slot=slot)
    assert run_product_check(product.pk, slot).status == CheckStatus.BLOCKED
    Product.objects.filter(pk=product.pk).update(next_check_at=timezone.now())
    prefs = settings_for(alice)
    prefs.companion_platforms = ["aliexpress"]
    prefs.save()
    _token, key = token_create(owner=alice, name="Chromium", kind=TokenKind.COMPANION)

    # The user passes the shop's captcha in their browser once (the demo's: one click, a cookie).
    shop_page = context.pages[0] if context.pages else context.new_page()
    shop_page.goto(url)
    shop_page.get_by_role("link", name="I am not a robot").click()
    expect(shop_page.locator("body")).not_to_contain_text("I am not a robot")
    pair(context, ext_id, live_server.url, key)

    # The extension's alarm fires (now rather than in 5 minutes): due checks, fetched, answered.
    worker.evaluate("chrome.alarms.create('dropwatch-due-checks', { when: Date.now() + 100 })")
    wait_until(lambda: Product.objects.get(pk=product.pk).last_status == CheckStatus.OK, "the product to turn OK")

    product.refresh_from_db()
    reading = state(LIGHTS, demo_shop.clock.minute())
    assert product.price == reading.price and product.currency == "USD"
    assert product.review_count == reading.review_count and product.title == LIGHTS.title
    assert product.last_message.startswith("From your browser.")
    latest = Snapshot.objects.filter(product=product).latest("taken_at")
    assert (latest.via, latest.status, latest.price) == ("browser", CheckStatus.OK, reading.price)
    assert [s.via for s in Snapshot.objects.filter(product=product).order_by("taken_at")] == ["server", "browser"]
    run = wait_until(lambda: worker.evaluate("chrome.storage.local.get('lastRun')").get("lastRun"), "the run log")
    assert [(r["url"], r["outcome"]) for r in run["results"]] == [(url, "ok")]
    # Dropwatch's own request still meets the captcha: the values came through the browser's session.
    assert observe_url(url, platform="aliexpress").status == CheckStatus.BLOCKED
    # The product page says where the reading came from.
    page = context.new_page()
    sign_in(page, "alice", "alice-password-1")
    page.goto(product.get_absolute_url())
    expect(page.locator(".check-status")).to_contain_text("from your browser")
