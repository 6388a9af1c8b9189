"""The whole pipeline with real parts: PostgreSQL, Redis, two Celery worker processes, racing ticks, and a
local shop whose pages change between checks — including a worker killed mid-check and a shop that turns
into a block page (which must never produce a deterioration finding)."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from monitoring import scheduling
from monitoring.models import Finding, Notification, Snapshot
from suppliers import services
from suppliers.models import Product
from tests.support.servers import LocalShop

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "FETCH_ALLOWED_HOSTS": "127.0.0.1",
    "FETCH_HOST_INTERVAL": "0.05",
    "FETCH_TOTAL_TIMEOUT": "6",
    "FETCH_MAX_RETRIES": "1",
    "CELERY_TASK_SOFT_TIME_LIMIT": "8",
    "CELERY_TASK_TIME_LIMIT": "10",
}

BLOCK_PAGE = """<html><head><title>Captcha Interception</title></head><body><div id="nc_1_wrapper">
Please slide to verify</div></body></html>"""


def product_page(name, price, in_stock=True, rating="4.8", reviews=250):
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": name,
        "sku": name.lower().replace(" ", "-"),
        "offers": {
            "@type": "Offer",
            "price": price,
            "priceCurrency": "USD",
            "availability": "https://schema.org/" + ("InStock" if in_stock else "OutOfStock"),
        },
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": rating, "reviewCount": reviews},
    }
    return (
        f'<html><head><title>{name}</title><script type="application/ld+json">{json.dumps(data)}</script>'
        f"</head><body><h1>{name}</h1><p>{price} USD</p></body></html>"
    )


@pytest.fixture
def shop():
    s = LocalShop()
    yield s
    s.close()


@pytest.fixture
def fast_settings(settings):
    settings.TICK_SECONDS = 2  # lease: 4 s
    settings.FETCH_HOST_INTERVAL = 0.05
    return settings


def race_two_ticks():
    results = []

    def one():
        try:
            results.append(scheduling.tick())
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def wait_until(predicate, timeout=45, every=0.2, tick=False):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if tick:
            scheduling.tick()
        time.sleep(every)
    return False


def make_all_due():
    Product.objects.update(next_check_at=timezone.now() - timedelta(seconds=1))


def all_checked(n_snapshots):
    return Snapshot.objects.count() >= n_snapshots and not Product.objects.filter(pending_slot__isnull=False).exists()


def test_checks_detect_changes_and_never_alarm_on_block_pages(alice, shop, fast_settings, celery_worker_factory):
    pages = {
        "/lamp": product_page("LED lamp", "10.00"),
        "/case": product_page("Phone case", "3.00"),
        "/goggles": product_page("Ski goggles", "8.00"),
        "/mug": product_page("Mug", "5.00"),
    }
    for path in pages:
        shop.routes[path] = lambda h, path=path: h.reply(200, pages[path])
    products = {
        path: services.product_create(owner=alice, url=shop.url(path), platform="structured", my_price=None)
        for path in pages
    }
    celery_worker_factory("w1", extra_env=WORKER_ENV)
    celery_worker_factory("w2", extra_env=WORKER_ENV)

    # Round 1: two ticks race; every product is checked exactly once; baselines only.
    race_two_ticks()
    assert wait_until(lambda: all_checked(4)), "first round did not finish"
    assert Snapshot.objects.count() == 4
    assert sum(shop.count(p) for p in pages) == 4
    assert not Finding.objects.exists()

    # Round 2: the lamp gets dearer, the case sells out, the goggles shop starts showing a captcha.
    pages["/lamp"] = product_page("LED lamp", "12.50")
    pages["/case"] = product_page("Phone case", "3.00", in_stock=False)
    pages["/goggles"] = BLOCK_PAGE
    for round_number in range(2, 5):
        make_all_due()
        race_two_ticks()
        assert wait_until(lambda n=round_number: all_checked(4 * n)), f"round {round_number} did not finish"

    assert Snapshot.objects.count() == 16  # one per product per slot, however the ticks raced
    open_kinds = {(f.product_id, f.kind) for f in Finding.objects.filter(resolved_at=None)}
    assert open_kinds == {
        (products["/lamp"].pk, "price_increase"),
        (products["/case"].pk, "out_of_stock"),
        (products["/goggles"].pk, "unverifiable"),
    }
    goggles = Product.objects.get(pk=products["/goggles"].pk)
    assert goggles.last_status == "blocked" and goggles.price == 8  # the old reading is kept, not overwritten
    assert Notification.objects.count() == 3  # one per problem, not one per check


def test_a_worker_killed_mid_check_is_checked_again_once(alice, shop, fast_settings, celery_worker_factory):
    started = threading.Event()

    def slow(h):
        started.set()
        time.sleep(4)
        h.reply(200, product_page("Slow lamp", "10.00"))

    shop.routes["/slow"] = slow
    product = services.product_create(owner=alice, url=shop.url("/slow"), platform="structured")
    victim = celery_worker_factory("victim", extra_env=WORKER_ENV)
    scheduling.tick()
    assert started.wait(20), "the worker never fetched the page"
    victim.kill()  # SIGKILL to the whole worker, mid-fetch
    product.refresh_from_db()
    slot = product.pending_slot
    assert slot is not None and product.check_started_at is not None
    assert not Snapshot.objects.exists()

    shop.routes["/slow"] = lambda h: h.reply(200, product_page("Slow lamp", "10.00"))
    celery_worker_factory("rescuer", extra_env=WORKER_ENV)
    # Later ticks find the abandoned slot once its lease (2 × the hard time limit) has run out.
    assert wait_until(lambda: Snapshot.objects.exists(), timeout=60, every=1, tick=True)
    assert wait_until(lambda: not Product.objects.filter(pk=product.pk, pending_slot__isnull=False).exists())
    snapshots = list(Snapshot.objects.filter(product=product))
    assert len(snapshots) == 1 and snapshots[0].slot == slot and snapshots[0].status == "ok"
    assert not Finding.objects.exists() and not Notification.objects.exists()
