"""Dashboard pages in both forms (full page, htmx fragment), query counts that do not grow with rows,
inline finding actions, check now with polling that stops itself, and access scoped to the owner."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring.checking import record_product_check
from monitoring.models import Finding
from monitoring.observation import Observation, Review, StoreInfo
from suppliers import services
from suppliers.models import Product

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>{{ 7|add:7 }}'


def check(product, obs, at):
    Product.objects.filter(pk=product.pk).update(pending_slot=at, check_started_at=None)
    return record_product_check(product_id=product.pk, slot=at, obs=obs, now=at)


def watched(owner, n=1, start=None, title="Lamp", prices=("10.00", "10.00", "12.50")):
    start = start or timezone.now() - timedelta(days=3)
    products = []
    for i in range(n):
        p = services.product_create(
            owner=owner,
            url=f"https://shop.example/products/{owner.pk}-{title}-{i}",
            platform="structured",
            my_price=D("30"),
            my_currency="USD",
        )
        store = StoreInfo(id=f"{owner.pk}-{i % 7}", name=f"Store {i % 7}", positive_feedback_pct=D("97.5"))
        for k, price in enumerate(prices):
            check(
                p,
                Observation(
                    title=f"{title} {i}",
                    price=D(price),
                    currency="USD",
                    in_stock=True,
                    rating=D("4.7"),
                    review_count=100 + k,
                    rating_histogram={5: 80, 4: 10, 3: 5, 2: 3, 1: 2},
                    store=store,
                    reviews=[Review(id=f"r{i}", stars=1, text="Not as described")],
                ),
                start + timedelta(hours=6 * k),
            )
        products.append(p)
    return products


@pytest.fixture
def alice_data(alice):
    return watched(alice, 3)


PAGES = [
    ("dashboard", [], "attention"),
    ("supplier_list", [], "results"),
    ("product_list", [], "results"),
    ("finding_list", [], "results"),
]


@pytest.mark.parametrize(("name", "args", "partial"), PAGES)
def test_each_list_page_serves_the_page_and_its_fragment(alice_client, alice_data, name, args, partial):
    full = alice_client.get(reverse(name, args=args))
    assert full.status_code == 200
    body = full.content.decode()
    assert "<html" in body and 'hx-headers=\'{"x-csrftoken"' in body
    fragment = alice_client.get(reverse(name, args=args), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "<html" not in text and f'id="{partial}"' in text


def test_overview_shows_what_deteriorated_with_numbers(alice_client, alice_data):
    body = alice_client.get(reverse("dashboard")).content.decode()
    assert "Needs attention" in body and "Price up 25.0%: 10.00 → 12.50 USD" in body
    assert "checks today" in body and "Recent changes" in body


def test_detail_pages_have_charts_histogram_reviews_and_trust(alice_client, alice_data):
    product = alice_data[0]
    body = alice_client.get(product.get_absolute_url()).content.decode()
    assert "<svg" in body and "Supplier price" in body and "Your selling price" in body
    assert "Share of 1–2★ among new reviews" in body and "Not as described" in body and "not as described (1)" in body
    assert "Check now" in body
    product.refresh_from_db()
    body = alice_client.get(product.supplier.get_absolute_url()).content.decode()
    assert "Why this trust score" in body and "Positive feedback 97.5%" in body and "Positive feedback" in body


def test_list_filters_sort_search_and_paginate(alice_client, alice):
    watched(alice, 30, title="Mug")
    page = alice_client.get(reverse("product_list"), {"q": "Mug 1", "sort": "change"}).content.decode()
    assert "Mug 1" in page and "Mug 2</a>" not in page
    first = alice_client.get(reverse("product_list"), HTTP_HX_REQUEST="true").content.decode()
    assert "Page 1 of 2" in first and "30 in all" in first
    problems = alice_client.get(reverse("supplier_list"), {"status": "problems", "sort": "trust"})
    assert problems.status_code == 200


@pytest.mark.parametrize("name", ["dashboard", "product_list", "supplier_list", "finding_list"])
def test_query_counts_do_not_grow_with_rows(alice_client, alice, bob, name):
    watched(alice, 10)
    with CaptureQueriesContext(connection) as small:
        alice_client.get(reverse(name))
    watched(alice, 190, title="More", prices=("9.00",))
    with CaptureQueriesContext(connection) as large:
        assert alice_client.get(reverse(name)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries), name


def test_finding_actions_inline(alice_client, alice_data):
    finding = Finding.objects.filter(owner=alice_data[0].owner, resolved_at=None, kind="price_increase").first()
    url = reverse("finding_action", args=[finding.pk, "acknowledge"])
    response = alice_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert f'id="finding-{finding.pk}"' in response.content.decode() and "Acknowledged" in response.content.decode()
    until = (timezone.now() + timedelta(days=3)).date().isoformat()
    response = alice_client.post(
        reverse("finding_action", args=[finding.pk, "snooze"]), {"until": until}, HTTP_HX_REQUEST="true"
    )
    assert "Snoozed until" in response.content.decode()
    bad = alice_client.post(
        reverse("finding_action", args=[finding.pk, "snooze"]), {"until": "2001-01-01"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400 and "in the future" in bad.content.decode()
    no_js = alice_client.post(reverse("finding_action", args=[finding.pk, "resolve"]), {"next": "/findings/"})
    assert no_js.status_code == 302 and no_js["Location"] == "/findings/"
    finding.refresh_from_db()
    assert finding.resolved_at and finding.resolved_by_user and finding.acknowledged_at and finding.snoozed_until


def test_check_now_polls_until_done_then_stops(alice_client, alice_data):
    product = alice_data[0]
    started = alice_client.post(reverse("check_now", args=["product", product.pk]), HTTP_HX_REQUEST="true")
    body = started.content.decode()
    assert started.status_code == 200 and 'hx-trigger="every 2s"' in body and "Checking now." in body
    product.refresh_from_db()
    assert (
        alice_client.get(reverse("check_status", args=["product", product.pk]), HTTP_HX_REQUEST="true").status_code
        == 200
    )
    check(product, Observation(price=D("12.50"), currency="USD", in_stock=True, title="Lamp 0"), product.pending_slot)
    done = alice_client.get(reverse("check_status", args=["product", product.pk]), HTTP_HX_REQUEST="true")
    assert done.status_code == 286 and done["HX-Trigger"] == "checkDone"
    assert "every 2s" not in done.content.decode()


def test_another_users_ids_are_404_in_pages_fragments_and_actions(bob_client, alice_data):
    product = alice_data[0]
    product.refresh_from_db()
    finding = Finding.objects.filter(owner=product.owner).first()
    gets = [
        product.get_absolute_url(),
        product.supplier.get_absolute_url(),
        finding.get_absolute_url(),
        reverse("check_status", args=["product", product.pk]),
        reverse("check_status", args=["supplier", product.supplier.pk]),
    ]
    for url in gets:
        assert bob_client.get(url).status_code == 404, url
        assert bob_client.get(url, HTTP_HX_REQUEST="true").status_code == 404, url
    posts = [
        reverse("check_now", args=["product", product.pk]),
        reverse("finding_action", args=[finding.pk, "resolve"]),
        reverse("finding_action", args=[finding.pk, "acknowledge"]),
    ]
    for url in posts:
        assert bob_client.post(url, HTTP_HX_REQUEST="true").status_code == 404, url
    finding.refresh_from_db()
    product.refresh_from_db()
    assert finding.resolved_at is None and finding.acknowledged_at is None and product.pending_slot is None
    assert "Lamp" not in bob_client.get(reverse("dashboard")).content.decode()
    assert "Lamp" not in bob_client.get(reverse("finding_list")).content.decode()


def test_scraped_text_is_escaped_everywhere(alice_client, alice):
    product = services.product_create(owner=alice, url="https://shop.example/products/x", platform="structured")
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    store = StoreInfo(id="9", name=XSS, positive_feedback_pct=D("97"), url="javascript:alert(1)")
    for k, price in enumerate(["10", "10", "15"]):
        check(
            product,
            Observation(
                title=XSS, price=D(price), currency="USD", store=store, reviews=[Review(id="r", stars=1, text=XSS)]
            ),
            t0 + timedelta(hours=k),
        )
    product.refresh_from_db()
    for url in [
        reverse("dashboard"),
        reverse("product_list"),
        product.get_absolute_url(),
        product.supplier.get_absolute_url(),
        reverse("finding_list"),
        reverse("supplier_list"),
    ]:
        body = alice_client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
        assert 'href="javascript:' not in body, url
    # template syntax in scraped text is shown as text, never evaluated
    assert "{{ 7|add:7 }}" in alice_client.get(product.get_absolute_url()).content.decode()


# --- health, not the last fetch --------------------------------------------------------------------------------


def test_product_list_shows_health_sorted_by_problems_and_colours_only_threshold_crossings(alice_client, alice):
    calm = watched(alice, 1, title="Calm", prices=("10.00", "10.00", "10.03"))[0]  # +0.3%: no alarm
    risen = watched(alice, 1, title="Risen")[0]  # +25%: a price-increase finding
    body = alice_client.get(reverse("product_list")).content.decode()
    assert "Sorted by <strong>problems (most severe, then newest)</strong>" in body
    assert body.index("Risen 0") < body.index("Calm 0")  # problems first by default
    assert "Price increase" in body and "Healthy" in body
    assert "▲ +25.0%" in body
    assert '<span class="muted">+0.3%</span>' in body and "▲ +0.3%" not in body
    Product.objects.filter(pk=calm.pk).update(last_status="blocked")
    body = alice_client.get(reverse("product_list")).content.decode()
    assert "Can't check: blocked by the shop" in body
    assert body.index("Risen 0") < body.index("Calm 0")
    by_title = alice_client.get(reverse("product_list"), {"sort": "title"}).content.decode()
    assert body.count("<tr>") == by_title.count("<tr>") and "Sorted by <strong>title</strong>" in by_title
    assert by_title.index("Calm 0") < by_title.index("Risen 0")  # by title now, not by problems
    assert Finding.objects.filter(product=risen, kind="price_increase", resolved_at=None).exists()
    assert not Finding.objects.filter(product=calm).exists()  # +0.3% opened nothing


def test_a_shopify_supplier_is_watched_through_its_products_without_empty_charts(alice_client, alice):
    supplier = services.supplier_create(owner=alice, name="Trendy", platform="shopify", store_url="")
    product = watched(alice, 1, title="Case")[0]
    Product.objects.filter(pk=product.pk).update(supplier=supplier)
    listing = alice_client.get(reverse("supplier_list")).content.decode()
    assert "Watched through its products" in listing and "not published by Shopify" in listing
    assert "never" not in listing
    page = alice_client.get(supplier.get_absolute_url()).content.decode()
    assert "Shopify does not publish positive feedback" in page and "Products last checked" in page
    assert "Store metrics over time" not in page and "No readings yet" not in page


def test_product_page_names_the_strike_through_price_and_the_baseline(alice_client, alice_data):
    product = alice_data[0]
    Product.objects.filter(pk=product.pk).update(original_price=D("14.24"))
    body = alice_client.get(product.get_absolute_url()).content.decode()
    assert "The listing's strike-through price: 14.24" in body and "(was " not in body
    assert "median price of Dropwatch's own recent checks" in body


# --- htmx errors in place, snooze choices, what the buttons do -------------------------------------------------


def test_htmx_swaps_error_answers_in_place(alice_client, alice_data):
    body = alice_client.get(reverse("dashboard")).content.decode()
    assert '"responseHandling"' in body and '{"code": "4..", "swap": true' in body


def test_snooze_choices_and_buttons_that_say_what_they_do(alice_client, alice_data):
    finding = Finding.objects.filter(owner=alice_data[0].owner, resolved_at=None, kind="price_increase").first()
    url = reverse("finding_action", args=[finding.pk, "snooze"])
    page = alice_client.get(reverse("dashboard")).content.decode()
    assert "Acknowledge — keep watching" in page and "Resolve — restart the baseline" in page
    assert "accept the change as the new normal" in page
    assert 'value="1d"' in page and 'value="7d"' in page and "Pick a date" in page
    before = timezone.now()
    response = alice_client.post(url, {"for": "7d"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "autofocus" in response.content.decode()
    finding.refresh_from_db()
    assert timedelta(days=6, hours=23) < finding.snoozed_until - before < timedelta(days=7, hours=1)
    alice_client.post(url, {"for": "1d"}, HTTP_HX_REQUEST="true")
    finding.refresh_from_db()
    assert finding.snoozed_until - before < timedelta(days=1, hours=1)
    bad = alice_client.post(url, {"for": "date", "until": "2001-01-01"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "Choose a date in the future" in bad.content.decode()


def test_recent_changes_leave_out_what_needs_attention_lists(alice_client, alice_data):
    body = alice_client.get(reverse("dashboard")).content.decode()
    recent = body[body.index('id="recent-title"') :]
    assert "Price increase" not in recent and "Nothing else changed" in recent


def test_charts_offer_a_range_and_draw_baseline_and_threshold(alice_client, alice_data):
    product = alice_data[0]
    body = alice_client.get(product.get_absolute_url(), {"days": "30"}).content.decode()
    assert 'hx-get="?days=365"' in body and 'href="?days=90#history"' in body
    assert 'aria-current="true" class="current">30 days' in body
    assert "guide-baseline" in body and "Alert above (+10%)" in body and "Alert below 4.5★" in body
    assert "<title>Supplier price" in body  # values on hover
    assert alice_client.get(product.get_absolute_url(), {"days": "7"}).status_code == 200  # falls back to 90


# --- navigation, settings, forms in words ------------------------------------------------------------------------


def test_navigation_marks_the_current_page_and_has_a_skip_link(alice_client, alice_data):
    body = alice_client.get(reverse("product_list")).content.decode()
    assert 'href="#main">Skip to the content</a>' in body and '<main id="main"' in body
    assert 'href="/products/" aria-current="page">Products</a>' in body
    assert body.count('aria-current="page"') == 1
    detail = alice_client.get(alice_data[0].get_absolute_url()).content.decode()
    assert 'href="/products/" aria-current="true">Products</a>' in detail


def test_settings_error_summary_and_iso_4217_currencies(alice_client, alice):
    page = alice_client.get(reverse("settings")).content.decode()
    assert "How sure before alerting on more 1–2★ reviews" in page and "Significance level" not in page
    assert "Default: 10." in page and 'placeholder="default' not in page  # a hint, not a grey value in the box
    response = alice_client.post(
        reverse("settings"),
        {
            "n-notify_mode": "immediate",
            "n-currency": "dollars",
            "n-ship_to_country": "US",
            "t-price_increase_pct": "-5",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="error-summary"' in body
    summary = body[body.index('id="error-summary"') : body.index("</div>", body.index('id="error-summary"'))]
    assert "“dollars” is not a currency code" in summary and 'href="#id_n-currency"' in summary
    assert 'href="#id_t-price_increase_pct"' in summary
    body = alice_client.post(reverse("settings"), {"n-currency": "XYZ"}).content.decode()
    assert "“XYZ” is not a currency (ISO 4217)" in body


def test_the_test_order_form_from_a_supplier_lists_only_its_products(alice_client, alice):
    (mine,) = watched(alice, 1, title="Mine")
    (other,) = watched(alice, 1, title="Other")
    mine.refresh_from_db()
    other_supplier = services.supplier_create(owner=alice, name="Elsewhere", platform="shopify", store_url="")
    Product.objects.filter(pk=other.pk).update(supplier=other_supplier)
    body = alice_client.get(reverse("test_order_add"), {"supplier": mine.supplier_id}).content.decode()
    assert "Mine 0" in body and "Other 0" not in body


def test_fetch_errors_are_said_in_words(alice_client, alice_data):
    from config.fetch_words import in_words

    assert in_words("[Errno -3] Temporary failure in name resolution").startswith("The shop's address could not be")
    assert in_words("Blocked by a captcha page") == "Blocked by a captcha page"
    product = alice_data[0]
    Product.objects.filter(pk=product.pk).update(
        last_status="error", last_message="[Errno -3] Temporary failure in name resolution"
    )
    body = alice_client.get(product.get_absolute_url()).content.decode()
    assert "Errno" not in body and "address could not be found" in body
