"""Recording checks: snapshots, latest values, findings, outbox, store metrics and trust — on the real database."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from monitoring.checking import claim_start, record_product_check
from monitoring.models import Finding, FindingEvent, Notification, Review, Snapshot, StoreSnapshot
from monitoring.observation import Observation, StoreInfo
from monitoring.observation import Review as ObsReview
from monitoring.statuses import CheckStatus
from suppliers import services
from suppliers.models import Product, Supplier

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def product(alice):
    return services.product_create(
        owner=alice,
        url="https://shop.example/products/lamp",
        platform="structured",
        my_price=D("30.00"),
        my_currency="USD",
    )


def ok(price="10.00", **kwargs):
    values = {
        "price": D(price),
        "currency": "USD",
        "in_stock": True,
        "title": "LED lamp",
        "rating": D("4.8"),
        "review_count": 200,
    }
    values.update(kwargs)
    return Observation(**values)


def check(product, obs, at):
    Product.objects.filter(pk=product.pk).update(pending_slot=at, check_started_at=None)
    return record_product_check(product_id=product.pk, slot=at, obs=obs, now=at)


def run(product, observations, start=T0, every=timedelta(hours=6)):
    results = []
    for i, obs in enumerate(observations):
        results.append(check(product, obs, start + i * every))
    return results


def test_first_check_sets_baselines_and_alerts_nothing(product):
    check(product, ok("10.00", in_stock=False), T0)
    product.refresh_from_db()
    assert product.price == D("10.00") and product.title == "LED lamp" and product.last_status == "ok"
    assert Snapshot.objects.filter(product=product).count() == 1
    assert not Finding.objects.exists() and not Notification.objects.exists()


def test_a_price_rise_opens_one_finding_and_one_notification_then_recovers(product):
    run(product, [ok("10.00")] * 4)
    run(product, [ok("11.00"), ok("11.00"), ok("11.05"), ok("11.60")], start=T0 + timedelta(days=1))
    finding = Finding.objects.get(kind="price_increase")
    # 11.05 is the same rise seen again (under 5% of 11.00): counted, not logged; 11.60 moved it by 5.5%.
    assert finding.is_open and finding.baseline_value == D("10.00") and finding.current_value == D("11.60")
    assert "Price up 16.0%" in finding.message and finding.checks_seen == 4
    assert Notification.objects.filter(finding=finding).count() == 1
    product.refresh_from_db()
    assert product.baseline_price == D("10.00")
    check(product, ok("10.20"), T0 + timedelta(days=2))
    finding.refresh_from_db()
    assert not finding.is_open
    assert list(finding.events.values_list("event", flat=True)) == ["opened", "updated", "resolved"]


def test_blocked_checks_never_move_baselines_or_open_deterioration(product):
    run(product, [ok("10.00")] * 3)
    blocked = Observation.failed(CheckStatus.BLOCKED, "AliExpress answered with its captcha (slider) page.")
    run(product, [blocked] * 3, start=T0 + timedelta(days=1))
    product.refresh_from_db()
    assert product.price == D("10.00") and product.last_status == "blocked" and product.consecutive_failures == 3
    findings = list(Finding.objects.all())
    assert [f.kind for f in findings] == ["unverifiable"]
    assert "captcha" in findings[0].message
    assert Notification.objects.get().category == Notification.Category.HEALTH
    assert Snapshot.objects.filter(product=product, status="blocked").count() == 3
    # back to normal at a higher price: compared with the old baseline, not with the blocked pages
    check(product, ok("12.00"), T0 + timedelta(days=2))
    assert set(Finding.objects.filter(resolved_at=None).values_list("kind", flat=True)) == {"price_increase"}


def test_the_same_slot_never_gets_a_second_snapshot(product):
    check(product, ok(), T0)
    product.refresh_from_db()
    assert product.pending_slot is None
    # a redelivered task for the finished slot
    result = record_product_check(product_id=product.pk, slot=T0, obs=ok("50.00"), now=T0 + timedelta(minutes=5))
    assert result.skipped
    Product.objects.filter(pk=product.pk).update(pending_slot=T0)
    result = record_product_check(product_id=product.pk, slot=T0, obs=ok("50.00"), now=T0 + timedelta(minutes=6))
    assert result.skipped
    assert Snapshot.objects.filter(product=product).count() == 1


def test_only_one_worker_may_start_a_slot(product):
    Product.objects.filter(pk=product.pk).update(pending_slot=T0)
    assert claim_start(Product, product.pk, T0, T0) is True
    assert claim_start(Product, product.pk, T0, T0 + timedelta(seconds=5)) is False
    # a worker that died holding the claim: taken over once the hard time limit has passed
    assert claim_start(Product, product.pk, T0, T0 + timedelta(minutes=10)) is True


def test_next_check_moves_by_the_interval_with_jitter(product):
    check(product, ok(), T0)
    product.refresh_from_db()
    assert T0 + timedelta(hours=6) <= product.next_check_at <= T0 + timedelta(hours=6, minutes=15)


def test_listing_removed_after_two_not_found(product):
    run(product, [ok(), ok()])
    gone = Observation.failed(CheckStatus.NOT_FOUND, "The listing is gone.")
    run(product, [gone, gone], start=T0 + timedelta(days=1))
    assert list(Finding.objects.values_list("kind", flat=True)) == ["listing_removed"]


def test_a_lasting_removal_is_counted_on_the_finding_not_logged_at_every_check(product):
    """'Not found' on 11 checks in a row: one OPENED event and one email saying 2 checks; the card says the
    same 2 checks and, apart from it, how many checks have seen it since and when the last one was."""
    run(product, [ok(), ok()])
    gone = Observation.failed(CheckStatus.NOT_FOUND, "The listing is gone.")
    start = T0 + timedelta(days=1)
    run(product, [gone] * 11, start=start, every=timedelta(minutes=1))
    finding = Finding.objects.get(kind="listing_removed")
    assert list(finding.events.values_list("event", flat=True)) == ["opened"]
    assert finding.checks_seen == 10 and finding.last_seen_at == start + timedelta(minutes=10)
    assert finding.current_value == D(2) and "2 checks in a row" in finding.message
    assert "2 checks in a row" in finding.advice
    (note,) = Notification.objects.filter(finding=finding)
    assert "2 checks in a row" in note.body and "11" not in note.body
    # It comes back, then goes again: a new finding with its own history.
    check(product, ok(), start + timedelta(minutes=11))
    finding.refresh_from_db()
    assert list(finding.events.values_list("event", flat=True)) == ["opened", "resolved"]


def test_a_worse_severity_or_a_real_move_is_logged_a_wiggle_is_not(product):
    run(product, [ok("10.00")] * 4)
    start = T0 + timedelta(days=1)
    run(product, [ok("11.60"), ok("11.65"), ok("11.70"), ok("11.62")], start=start)  # +16%, wiggling
    finding = Finding.objects.get(kind="price_increase")
    assert list(finding.events.values_list("event", flat=True)) == ["opened"]
    assert finding.current_value == D("11.60") and finding.checks_seen == 4
    check(product, ok("13.00"), start + timedelta(days=1))  # +30%: twice the threshold, critical
    finding.refresh_from_db()
    assert list(finding.events.values_list("event", flat=True)) == ["opened", "worsened"]
    assert finding.current_value == D("13.00") and finding.severity == 30
    assert Notification.objects.filter(finding=finding).count() == 2  # opened, worsened


def test_store_block_creates_the_supplier_and_its_history(product, alice):
    store = StoreInfo(
        id="1101366561",
        name="Car Accessories Zone Store",
        positive_feedback_pct=D("97.8"),
        followers=1905,
        opened_on=date(2019, 12, 9),
    )
    run(product, [ok(store=store), ok(store=store)], every=timedelta(hours=1))
    product.refresh_from_db()
    supplier = product.supplier
    assert supplier.owner == alice and supplier.platform_store_id == "1101366561"
    assert supplier.positive_feedback_pct == D("97.8") and supplier.followers == 1905
    assert StoreSnapshot.objects.filter(supplier=supplier).count() == 1  # unchanged metrics are not repeated
    worse = StoreInfo(id="1101366561", name="Car Accessories Zone Store", positive_feedback_pct=D("94.1"))
    check(product, ok(store=worse), T0 + timedelta(days=1))
    finding = Finding.objects.get(kind="store_feedback_drop")
    assert finding.supplier == supplier and finding.product is None
    assert "97.8% → 94.1%" in finding.message
    supplier.refresh_from_db()
    assert supplier.trust_score is not None and supplier.trust_score < 100
    assert any("Positive feedback 94.1%" in r["reason"] for r in supplier.trust_reasons)


def test_reviews_are_stored_once_with_their_complaint_themes(product):
    reviews = [
        ObsReview(id="r1", stars=1, text="Nunca llegó, seguimiento falso", translated_text="Never arrived"),
        ObsReview(id="r2", stars=5, text="Great"),
    ]
    run(product, [ok(reviews=reviews), ok(reviews=reviews)])
    assert Review.objects.filter(product=product).count() == 2
    assert Review.objects.get(platform_review_id="r1").themes == ["never_arrived"]


def test_currency_switch_rebaselines_instead_of_alerting(product):
    run(product, [ok("10.00")] * 3)
    run(product, [ok("180.00", currency="MXN")] * 2, start=T0 + timedelta(days=1))
    assert not Finding.objects.filter(kind__in=["price_increase", "price_collapse"]).exists()
    product.refresh_from_db()
    assert "price" in product.baseline_since


def test_user_resolving_a_finding_accepts_the_new_price(product):
    from monitoring.findings import finding_resolve

    run(product, [ok("10.00")] * 3)
    check(product, ok("12.00"), T0 + timedelta(days=1))
    finding = Finding.objects.get(kind="price_increase")
    finding_resolve(finding=finding, now=T0 + timedelta(days=1, hours=1))
    run(product, [ok("12.00")] * 3, start=T0 + timedelta(days=1, hours=6))
    assert not Finding.objects.filter(kind="price_increase", resolved_at=None).exists()
    assert FindingEvent.objects.filter(finding=finding, event="resolved").count() == 1


def test_a_supplier_of_another_user_is_never_reused(alice, bob):
    store = StoreInfo(id="555", name="Shared store", positive_feedback_pct=D("97"))
    mine = services.product_create(owner=alice, url="https://shop.example/products/a", platform="structured")
    theirs = services.product_create(owner=bob, url="https://shop.example/products/a", platform="structured")
    check(mine, ok(store=store), T0)
    check(theirs, ok(store=store), T0)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.supplier.owner == alice and theirs.supplier.owner == bob
    assert Supplier.objects.filter(platform_store_id="555").count() == 2


def test_a_retried_task_resumes_its_own_claim_but_a_duplicate_does_not(product):
    Product.objects.filter(pk=product.pk).update(pending_slot=T0)
    assert claim_start(Product, product.pk, T0, T0, claimant="task-1")
    # the same message delivered again while the first still runs: refused
    assert not claim_start(Product, product.pk, T0, T0 + timedelta(seconds=1), claimant="task-1")
    # Celery retried task-1 after a database error: it carries on with its own claim
    assert claim_start(Product, product.pk, T0, T0 + timedelta(seconds=30), claimant="task-1", resume=True)
    assert not claim_start(Product, product.pk, T0, T0 + timedelta(seconds=31), claimant="task-2", resume=True)


def test_products_selling_two_variants_of_one_listing_share_one_fetch(alice, settings):
    from django.core.cache import cache

    from monitoring.checking import run_product_check
    from monitoring.fetch import reset_fetcher
    from tests.support.servers import LocalShop

    shop = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FETCH_HOST_INTERVAL = 0
    reset_fetcher()
    cache.clear()
    body = (
        '{"id": 7, "title": "Lamp", "options": [{"name": "Color"}], "variants": ['
        '{"id": 111, "title": "Black", "option1": "Black", "price": 1250, "available": true},'
        '{"id": 222, "title": "White", "option1": "White", "price": 990, "available": false}]}'
    )
    shop.page("/products/lamp.js", body, content_type="application/json")
    try:
        url = shop.url("/products/lamp")
        black, white = (
            Product.objects.create(
                owner=alice, url=url, host="127.0.0.1", platform="shopify", variant_sku=sku, pending_slot=T0
            )
            for sku in ("111", "222")
        )
        for p in (black, white):
            run_product_check(p.pk, T0)
        assert shop.count("/products/lamp.js") == 1  # the shop saw one request for both products
        black.refresh_from_db()
        white.refresh_from_db()
        assert (black.price, black.in_stock, black.variant_name) == (D("12.50"), True, "Color: Black")
        assert (white.price, white.in_stock) == (D("9.90"), False)
        assert white.findings.filter(kind="out_of_stock").count() == 0  # the first check only sets baselines
        assert black.next_check_at == white.next_check_at  # the next round is shared too
    finally:
        shop.close()
        reset_fetcher()
