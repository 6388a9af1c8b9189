"""The tick's claims: due items dispatched once per slot, lost tasks re-dispatched, hosts spread out."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from monitoring.scheduling import claim_due, dispatch
from suppliers.models import Product


def make_products(owner, n, host="www.aliexpress.com", due_minutes_ago=5):
    now = timezone.now()
    Product.objects.bulk_create(
        Product(
            owner=owner,
            url=f"https://{host}/item/{100000 + i}.html",
            host=host,
            platform="aliexpress",
            next_check_at=now - timedelta(minutes=due_minutes_ago, seconds=i),
        )
        for i in range(n)
    )
    return list(Product.objects.filter(owner=owner, host=host).order_by("pk"))


def claim(now=None, limit=500):
    return claim_due(Product, now=now or timezone.now(), limit=limit, host_of_row=lambda p: p.host)


@pytest.mark.django_db
def test_due_items_are_claimed_once_with_their_slot(alice):
    products = make_products(alice, 3)
    not_due = Product.objects.create(
        owner=alice, url="https://x.example/p", host="x.example", next_check_at=timezone.now() + timedelta(hours=1)
    )
    paused = Product.objects.create(
        owner=alice,
        url="https://x.example/q",
        host="x.example",
        active=False,
        next_check_at=timezone.now() - timedelta(hours=1),
    )
    claims = claim()
    assert {c.pk for c in claims} == {p.pk for p in products}
    for c, p in zip(sorted(claims, key=lambda c: c.pk), products, strict=True):
        assert c.slot == p.next_check_at  # the slot is the scheduled time
    assert claim() == []  # claimed: not due again until the lease runs out
    assert not_due.pk not in {c.pk for c in claims} and paused.pk not in {c.pk for c in claims}


@pytest.mark.django_db
def test_a_vanished_task_is_dispatched_again_for_the_same_slot(alice, settings):
    settings.TICK_SECONDS = 60
    (product,) = make_products(alice, 1)
    first = claim()
    later = timezone.now() + timedelta(seconds=121)  # two ticks later, the task never ran
    again = claim(now=later)
    assert [c.pk for c in again] == [product.pk]
    assert again[0].slot == first[0].slot


@pytest.mark.django_db
def test_one_host_gets_at_most_its_politeness_budget_per_tick(alice, settings):
    settings.TICK_SECONDS = 60
    settings.FETCH_HOST_INTERVAL = 1.0
    make_products(alice, 100, host="www.aliexpress.com")
    make_products(alice, 10, host="es.aliexpress.com")  # the same site
    make_products(alice, 5, host="shop.example")
    claims = claim()
    by_host = {}
    for c in claims:
        host = Product.objects.get(pk=c.pk).host
        by_host.setdefault("shop" if host == "shop.example" else "ali", []).append(c)
    assert len(by_host["ali"]) == 60 and len(by_host["shop"]) == 5
    assert sorted(c.countdown for c in by_host["ali"]) == [float(i) for i in range(60)]
    assert len(claim(now=timezone.now() + timedelta(seconds=5))) == 0  # the rest stay due...
    assert Product.objects.filter(next_check_at__lte=timezone.now(), pending_slot=None).count() == 50


@pytest.mark.django_db(transaction=True)
def test_two_ticks_racing_over_500_items_dispatch_each_once(alice, settings):
    settings.FETCH_HOST_INTERVAL = 0.01
    products = make_products(alice, 500)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def tick():
        try:
            barrier.wait()
            results.append(claim(limit=500))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    claimed = [c.pk for batch in results for c in batch]
    assert len(claimed) == len(set(claimed)) == 500
    assert set(claimed) == {p.pk for p in products}


@pytest.mark.django_db
def test_with_the_broker_down_items_stay_due_for_the_next_tick(alice):

    from tests.support.faults import celery_broker
    from tests.support.smtp import free_port

    (product,) = make_products(alice, 1)
    claims = claim()
    now = timezone.now()
    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):  # a real publish to a port nothing listens on
        assert dispatch(Product, claims, now=now) == 0
    product.refresh_from_db()
    assert product.next_check_at == now and product.pending_slot == claims[0].slot
    assert [c.pk for c in claim(now=now + timedelta(seconds=1))] == [product.pk]


@pytest.mark.django_db
def test_check_now_uses_the_same_path(alice):
    from monitoring import scheduling

    product = Product.objects.create(
        owner=alice, url="https://x.example/p", host="x.example", next_check_at=timezone.now() + timedelta(hours=3)
    )
    before = timezone.now()
    assert scheduling.check_now(product).message == "Checking now."  # sent to the real broker
    product.refresh_from_db()
    assert product.pending_slot >= before
    assert product.next_check_at <= timezone.now() + scheduling.lease()
    assert scheduling.check_now(product).message == "A check is already on its way."


@pytest.mark.django_db
def test_a_deactivated_accounts_items_wait_until_it_is_reactivated(alice, bob):
    (mine,) = make_products(alice, 1, host="a.example")
    (theirs,) = make_products(bob, 1, host="b.example")
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert {c.pk for c in claim()} == {mine.pk}
    bob.is_active = True
    bob.save(update_fields=["is_active"])
    assert {c.pk for c in claim()} == {theirs.pk}  # still due, taken at the next tick
