"""Faults survived, with real parts: duplicate deliveries, Redis down or flushed, database connections cut
under load, SMTP down for ten minutes, a parser that always raises, and a hostile shop. Every test counts
what happened; the README's Reliability table reports these counts."""

import time
from datetime import timedelta
from decimal import Decimal as D

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from monitoring import scheduling
from monitoring.alerts import email as alerts
from monitoring.checking import record_product_check, run_product_check
from monitoring.fetch import reset_fetcher
from monitoring.models import Email, Finding, Notification, Snapshot
from monitoring.observation import Observation
from monitoring.sources.registry import adapter_for
from suppliers import services
from suppliers.models import Product
from tests.support.faults import CuttableProxy, PrivateRedis, celery_broker
from tests.support.servers import LocalShop
from tests.support.smtp import SmtpServer, free_port

from .test_pipeline import product_page
from .test_pipeline import wait_until as wait_for

WORKER_ENV = {
    "FETCH_ALLOWED_HOSTS": "127.0.0.1",
    "FETCH_HOST_INTERVAL": "0.02",
    "FETCH_TOTAL_TIMEOUT": "6",
    "FETCH_MAX_RETRIES": "1",
    "CELERY_TASK_SOFT_TIME_LIMIT": "8",
    "CELERY_TASK_TIME_LIMIT": "10",
}


@pytest.fixture
def shop():
    s = LocalShop()
    yield s
    s.close()


@pytest.fixture
def local_fetch(settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FETCH_HOST_INTERVAL = 0.0
    settings.FETCH_TOTAL_TIMEOUT = 4
    settings.FETCH_MAX_RETRIES = 1
    settings.TICK_SECONDS = 1
    reset_fetcher()
    yield settings
    reset_fetcher()


def with_baseline(owner, shop, path, price="10.00", checks=3):
    """A product on the local shop with a few successful checks behind it (so rules have a baseline)."""
    shop.routes[path] = lambda h: h.reply(200, product_page("Lamp", price))
    product = services.product_create(owner=owner, url=shop.url(path), platform="structured")
    start = timezone.now() - timedelta(days=2)
    for i in range(checks):
        at = start + timedelta(hours=6 * i)
        Product.objects.filter(pk=product.pk).update(pending_slot=at, check_started_at=None)
        record_product_check(
            product_id=product.pk,
            slot=at,
            now=at,
            obs=Observation(
                price=D(price), currency="USD", in_stock=True, title="Lamp", rating=D("4.8"), review_count=250
            ),
        )
    return product


# --- 2. the same check task delivered twice, concurrently ------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_same_check_delivered_twice_concurrently(alice, shop, local_fetch, celery_worker_factory, settings):
    from monitoring.tasks import check_product

    product = with_baseline(alice, shop, "/lamp")

    def slow_dearer(h):
        time.sleep(1.0)  # both deliveries are in flight at once
        h.reply(200, product_page("Lamp", "13.00"))

    shop.routes["/lamp"] = slow_dearer
    celery_worker_factory("twin1", extra_env=WORKER_ENV)
    celery_worker_factory("twin2", extra_env=WORKER_ENV)
    slot = timezone.now()
    Product.objects.filter(pk=product.pk).update(pending_slot=slot)
    for _ in range(2):
        check_product.apply_async((product.pk, slot.isoformat()), task_id=f"dup-{product.pk}")
    assert wait_for(lambda: Snapshot.objects.filter(product=product, slot=slot).exists())
    time.sleep(2.5)  # let the second delivery finish too
    assert Snapshot.objects.filter(product=product, slot=slot).count() == 1
    assert shop.count("/lamp") == 1  # the second delivery did not even fetch
    assert Finding.objects.filter(product=product, kind="price_increase").count() == 1
    assert Notification.objects.filter(finding__product=product).count() == 1
    smtp = SmtpServer().start()
    smtp.configure(settings)
    try:
        alerts.deliver(now=timezone.now())
        alerts.deliver(now=timezone.now() + timedelta(minutes=1))
        assert len(smtp.messages) == 1
    finally:
        smtp.stop()


# --- 4. Redis down, Redis flushed ----------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_redis_down_when_adding_or_checking_now(
    alice, alice_client, shop, local_fetch, tmp_path, celery_worker_factory
):
    redis = PrivateRedis(tmp_path).start()
    shop.routes["/new"] = lambda h: h.reply(200, product_page("New lamp", "20.00"))
    try:
        with celery_broker(redis.url):
            redis.kill()
            started = time.monotonic()
            response = alice_client.post(
                reverse("product_add_manual"),
                {"url": shop.url("/new"), "platform": "structured", "check_interval": "6", "active": "on"},
            )
            assert response.status_code == 302  # saved, no 500
            product = Product.objects.get(owner=alice, url=shop.url("/new"))
            check = alice_client.post(reverse("check_now", args=["product", product.pk]), HTTP_HX_REQUEST="true")
            elapsed = time.monotonic() - started
            assert check.status_code == 200 and "not reachable" in check.content.decode()
            assert elapsed < 15
            product.refresh_from_db()
            assert product.next_check_at <= timezone.now()  # saved due
            redis.start()  # Redis is back
            celery_worker_factory("after-redis", extra_env={**WORKER_ENV, "REDIS_URL": redis.url})
            assert scheduling.tick()["products"] == 1  # one tick after Redis returns
            assert wait_for(lambda: Snapshot.objects.filter(product=product, status="ok").exists())
    finally:
        redis.kill()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_redis_flushed_with_tasks_queued(alice, shop, local_fetch, tmp_path, celery_worker_factory):
    redis = PrivateRedis(tmp_path).start()
    for i in range(20):
        shop.routes[f"/p{i}"] = lambda h, i=i: h.reply(200, product_page(f"Item {i}", "5.00"))
        services.product_create(owner=alice, url=shop.url(f"/p{i}"), platform="structured")
    try:
        with celery_broker(redis.url):
            assert scheduling.tick()["products"] == 20
            redis.flushall()  # every queued check is lost
            ticks = 0
            celery_worker_factory("after-flush", extra_env={**WORKER_ENV, "REDIS_URL": redis.url})
            deadline = time.monotonic() + 30
            while Snapshot.objects.count() < 20 and time.monotonic() < deadline:
                time.sleep(1.0)  # one tick a second (TICK_SECONDS = 1, so the lease is two ticks)
                if scheduling.tick()["products"]:
                    ticks += 1
            assert Snapshot.objects.count() == 20
            assert ticks == 1  # all re-dispatched by the second tick after the flush
            assert not Product.objects.filter(next_check_at__lt=timezone.now(), pending_slot__isnull=False).exists()
    finally:
        redis.kill()


# --- 5. database connections cut under load ---------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_database_restart_under_load(alice, shop, local_fetch, celery_worker_factory, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    db = django_settings.DATABASES["default"]
    proxy = CuttableProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
    via_proxy = f"postgres://{db.get('USER')}@127.0.0.1:{proxy.port}/{db['NAME']}"
    products = []
    for i in range(30):
        shop.routes[f"/q{i}"] = lambda h, i=i: (time.sleep(0.05), h.reply(200, product_page(f"Item {i}", "5.00")))
        products.append(services.product_create(owner=alice, url=shop.url(f"/q{i}"), platform="structured"))
    env = {**WORKER_ENV, "DATABASE_URL": via_proxy, "CONN_MAX_AGE": "60"}
    worker = celery_worker_factory("db-victim", extra_env=env, concurrency=2)
    web_port = free_port()
    import subprocess
    import sys

    from tests.support.paths import ROOT

    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{web_port}", "--workers", "1"],
        cwd=ROOT,
        env={**worker.env, "DJANGO_SETTINGS_MODULE": "config.settings", "LOCAL_MODE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    health = f"http://127.0.0.1:{web_port}/healthz"
    try:
        assert wait_for(lambda: _status(health) == 200, timeout=20)
        outage_started = None
        for round_number in range(6):
            Product.objects.update(next_check_at=timezone.now() - timedelta(seconds=1))
            scheduling.tick()
            if round_number == 2:
                time.sleep(0.3)  # checks are in flight
                proxy.cut()  # the database "restarts": every connection dropped, new ones refused
                outage_started = time.monotonic()
                assert _status(health) == 503  # the web answers, without a traceback page
                time.sleep(3)
                proxy.restore()
            assert wait_for(
                lambda: not Product.objects.filter(pending_slot__isnull=False).exists(),
                timeout=60,
                every=0.5,
                tick=True,
            ), f"round {round_number} stuck"
        assert outage_started is not None
        assert _status(health) == 200  # web recovered by itself
        assert worker.proc.poll() is None  # the worker too, without a restart
        for product in Product.objects.filter(owner=alice):
            latest = Snapshot.objects.filter(product=product).order_by("-taken_at").first()
            # no half-written check: each product row agrees with its newest snapshot
            assert latest is not None and product.last_checked_at == latest.taken_at
            assert Snapshot.objects.filter(product=product).count() >= 6
        assert not Snapshot.objects.filter(product__owner=alice).exclude(status="ok").exists()
    finally:
        web.kill()
        proxy.close()


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.HTTPError:
        return 0


# --- 6. SMTP down for ten minutes during a batch -------------------------------------------------------------


@pytest.mark.django_db
def test_smtp_down_for_ten_minutes_then_every_email_once(settings, django_user_model):
    smtp = SmtpServer().start()
    smtp.configure(settings)
    settings.EMAIL_RETRY_BASE_SECONDS = 30
    settings.EMAIL_RETRY_MAX_SECONDS = 120
    now = timezone.now()
    users = [django_user_model.objects.create_user(f"u{i}", f"u{i}@example.com", "pw") for i in range(12)]
    for user in users:
        for k in range(3):
            Notification.objects.create(
                owner=user, category="alert", dedup_key=f"n{k}", severity=20, subject=f"Problem {k}", created_at=now
            )
    smtp.stop()  # the mail server goes away for ten minutes
    attempts = 0
    for minute in range(10):
        counts = alerts.deliver(now=now + timedelta(minutes=minute))
        attempts += counts["retry"]
    assert smtp.messages == [] and attempts >= 12
    assert Email.objects.filter(status="pending").count() == 12
    smtp.start()
    for minute in range(10, 20):
        alerts.deliver(now=now + timedelta(minutes=minute))
    try:
        assert len(smtp.messages) == 12  # one per user, each exactly once
        assert sorted(m["To"] for m in smtp.messages) == sorted(u.email for u in users)
        assert len({m["Message-ID"] for m in smtp.messages}) == 12
        assert Email.objects.filter(status="sent").count() == 12
    finally:
        smtp.stop()


# --- 7. a page that makes the parser raise on every attempt ------------------------------------------------


@pytest.mark.django_db
def test_a_parser_that_always_raises(alice, shop, local_fetch, monkeypatch):
    broken = with_baseline(alice, shop, "/broken")
    healthy = with_baseline(alice, shop, "/healthy")
    adapter = adapter_for("structured")
    original = adapter.parse

    def parse(page):
        if page.url.endswith("/broken"):
            raise KeyError("offers")  # a layout the parser does not expect
        return original(page)

    monkeypatch.setattr(adapter, "parse", parse)
    fetches_before = shop.count("/broken")
    for _round_number in range(5):
        for product in (broken, healthy):
            Product.objects.filter(pk=product.pk).update(pending_slot=timezone.now(), check_started_at=None)
            product.refresh_from_db()
            run_product_check(product.pk, product.pending_slot)
        broken.refresh_from_db()
        # no hot loop: the next check waits for the normal interval
        assert broken.next_check_at > timezone.now() + timedelta(hours=2)
    assert shop.count("/broken") - fetches_before == 5  # one fetch per check, no retry storm
    assert broken.last_status == "unparseable" and "parser failed" in broken.last_message
    assert list(Finding.objects.filter(product=broken).values_list("kind", flat=True)) == ["unverifiable"]
    assert Notification.objects.filter(finding__product=broken).count() == 1  # told once
    assert not Finding.objects.filter(product=healthy).exists()
    healthy.refresh_from_db()
    assert healthy.last_status == "ok"


# --- bad input from shops: no false finding out of any of it ------------------------------------------------

HOSTILE = {
    "429 with Retry-After": lambda h: h.reply(429, "slow down", headers={"Retry-After": "1"}),
    "503": lambda h: h.reply(503, "maintenance"),
    "reset": lambda h: (h.connection.shutdown(2), h.connection.close()),
    "captcha page (200)": lambda h: h.reply(
        200, "<html><head><title>Captcha Interception</title></head><body>slide to verify</body></html>"
    ),
    "Cloudflare challenge": lambda h: h.reply(
        403, "<html><head><title>Just a moment...</title></head></html>", headers={"cf-mitigated": "challenge"}
    ),
    "layout change: no price": lambda h: h.reply(
        200, "<html><head><title>Lamp</title></head><body><h1>Lamp</h1><p>New look!</p></body></html>"
    ),
    "JSON answering HTML": lambda h: h.reply(200, "<html><body>oops</body></html>", "application/json"),
    "empty body": lambda h: h.reply(200, b""),
    "gzip bomb": None,  # filled below
    "redirect loop": lambda h: h.reply(302, "", headers={"Location": h.path}),
}


@pytest.mark.django_db
def test_a_hostile_shop_never_yields_a_false_finding(alice, shop, local_fetch):
    import gzip

    bomb = gzip.compress(b"\0" * 2**20, 9) * 12  # unpacks to 12 MiB, over the 10 MiB cap
    HOSTILE["gzip bomb"] = lambda h: h.reply(200, bomb, headers={"Content-Encoding": "gzip"})
    product = with_baseline(alice, shop, "/hostile", price="10.00")
    statuses = []
    for name, behaviour in HOSTILE.items():
        shop.routes["/hostile"] = behaviour
        Product.objects.filter(pk=product.pk).update(pending_slot=timezone.now(), check_started_at=None)
        product.refresh_from_db()
        statuses.append((name, run_product_check(product.pk, product.pending_slot).status))
    product.refresh_from_db()
    assert all(status != "ok" for _, status in statuses), statuses
    assert product.price == D("10.00")  # nothing overwritten by garbage
    kinds = set(Finding.objects.filter(product=product).values_list("kind", flat=True))
    assert kinds <= {"unverifiable"}  # only the health notice, never deterioration
    shop.routes["/hostile"] = lambda h: h.reply(200, product_page("Lamp", "10.00"))
    Product.objects.filter(pk=product.pk).update(pending_slot=timezone.now(), check_started_at=None)
    product.refresh_from_db()
    assert run_product_check(product.pk, product.pending_slot).status == "ok"
    assert not Finding.objects.filter(product=product, resolved_at__isnull=True).exists()
