"""An unchanged page costs a request and little more: conditional requests (ETag / Last-Modified, a 304) and the
content-digest skip, through the real path — claim, a local HTTP shop, record — on the real database."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.checking import run_product_check
from monitoring.fetch import reset_fetcher
from monitoring.models import Finding, Snapshot
from monitoring.sources.structured import StructuredAdapter
from suppliers import services
from suppliers.models import Product
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db

ETAG = '"lamp-v1"'
LAST_MODIFIED = "Mon, 30 Nov 2026 12:00:00 GMT"


def page(price="10.00") -> str:
    return (
        "<html><head><title>Lamp</title>"
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Lamp",'
        f'"sku":"lamp-1","offers":{{"@type":"Offer","price":"{price}","priceCurrency":"USD",'
        '"availability":"https://schema.org/InStock"},'
        '"aggregateRating":{"@type":"AggregateRating","ratingValue":"4.8","reviewCount":"250"},'
        '"review":[{"@type":"Review","author":"Ann","datePublished":"2026-11-01","reviewBody":"Fine lamp.",'
        '"reviewRating":{"ratingValue":5}}]}'
        "</script></head><body><h1>Lamp</h1><button>Add to cart</button></body></html>"
    )


class Shop(LocalShop):
    """A shop page whose body, validators and answer to a conditional request the test sets."""

    def __init__(self):
        super().__init__()
        self.body = page()
        self.validators = {"ETag": ETAG, "Last-Modified": LAST_MODIFIED}
        self.status = 200
        self.honour_conditional = True
        self.always_304 = False
        self.routes["/lamp"] = self._answer

    def _answer(self, h):
        if self.status != 200:
            h.reply(self.status, b"<html><body>Service unavailable</body></html>")
            return
        if self.always_304 or (
            self.honour_conditional
            and self.validators.get("ETag")
            and h.headers.get("If-None-Match") == self.validators["ETag"]
        ):
            h.send_response(304)
            for name, value in self.validators.items():
                h.send_header(name, value)
            h.end_headers()
            return
        h.reply(200, self.body, headers=self.validators)

    def requests(self) -> list[dict]:
        with self.lock:
            return [headers for _method, path, headers in self.hits if path == "/lamp"]


@pytest.fixture
def shop():
    s = Shop()
    yield s
    s.close()


@pytest.fixture
def local_fetch(settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FETCH_HOST_INTERVAL = 0.0
    settings.FETCH_TOTAL_TIMEOUT = 4
    settings.FETCH_MAX_RETRIES = 0
    reset_fetcher()
    yield settings
    reset_fetcher()


@pytest.fixture
def parses(monkeypatch):
    """How many times the structured adapter parsed a page (the real parser, counted)."""
    calls = []
    real = StructuredAdapter.parse

    def counted(self, page):
        calls.append(page.url)
        return real(self, page)

    monkeypatch.setattr(StructuredAdapter, "parse", counted)
    return calls


@pytest.fixture
def lamp(alice, shop, local_fetch):
    return services.product_create(owner=alice, url=shop.url("/lamp"), platform="structured", my_price=D("30.00"))


def check(product):
    """One scheduled check, as the tick hands it over: the slot pending, then the real task body."""
    slot = timezone.now()
    Product.objects.filter(pk=product.pk).update(pending_slot=slot, check_started_at=None)
    result = run_product_check(product.pk, slot)
    product.refresh_from_db()
    return result, slot


def snapshots(product):
    return list(Snapshot.objects.filter(product=product).order_by("taken_at"))


def test_a_304_is_a_successful_check_that_advances_the_schedule_and_keeps_history(lamp, shop, parses):
    first, _ = check(lamp)
    assert first.status == "ok" and len(parses) == 1
    assert lamp.page_etag == ETAG and lamp.page_last_modified == LAST_MODIFIED and lamp.page_digest
    assert "If-None-Match" not in shop.requests()[0]  # nothing to ask with yet

    second, slot = check(lamp)
    asked = shop.requests()[1]
    assert asked["If-None-Match"] == ETAG and asked["If-Modified-Since"] == LAST_MODIFIED
    assert second.status == "ok" and not second.skipped and second.changes == []
    assert len(parses) == 1  # the 304 has no body: nothing parsed
    assert lamp.last_status == "ok" and lamp.pending_slot is None and lamp.check_started_at is None
    assert lamp.next_check_at > slot + timedelta(hours=2)  # one interval on, not a hot loop
    assert lamp.last_checked_at >= slot and lamp.last_ok_at >= slot
    first_point, point = snapshots(lamp)
    assert point.slot == slot and point.status == "ok"  # the slot has its one snapshot: the chart goes on
    assert (
        (point.price, point.currency, point.in_stock, point.rating, point.review_count)
        == (
            first_point.price,
            first_point.currency,
            first_point.in_stock,
            first_point.rating,
            first_point.review_count,
        )
        == (D("10.00"), "USD", True, D("4.8"), 250)
    )
    assert point.identity == first_point.identity
    assert not Finding.objects.exists()


def test_a_changed_page_after_a_304_is_read_in_full(lamp, shop, parses):
    for _ in range(3):
        check(lamp)  # a baseline at 10.00: one full read, then two 304s
    assert len(parses) == 1 and Snapshot.objects.filter(product=lamp).count() == 3
    shop.body, shop.validators = page("13.00"), {"ETag": '"lamp-v2"', "Last-Modified": LAST_MODIFIED}

    result, _ = check(lamp)

    assert shop.requests()[-1]["If-None-Match"] == ETAG  # asked with the old validator, got the new page
    assert result.status == "ok" and len(parses) == 2
    assert lamp.price == D("13.00") and lamp.page_etag == '"lamp-v2"'
    assert snapshots(lamp)[-1].price == D("13.00")
    assert set(Finding.objects.filter(product=lamp).values_list("kind", flat=True)) == {"price_increase"}


def test_a_page_with_the_same_digest_is_recorded_cheaply(lamp, shop, parses):
    shop.validators = {}  # a shop that sends no validators: the body's digest decides
    check(lamp)
    digest = lamp.page_digest
    assert len(digest) == 64 and lamp.page_etag == ""

    with CaptureQueriesContext(connection) as queries:
        result, slot = check(lamp)

    assert "If-None-Match" not in shop.requests()[1] and "If-Modified-Since" not in shop.requests()[1]
    assert result.status == "ok" and len(parses) == 1  # fetched, not parsed
    written = " ".join(q["sql"] for q in queries.captured_queries)
    # No detail writes: no reviews, findings, store metrics or outbox touched; the product row and one snapshot.
    for table in ("monitoring_review", "monitoring_finding", "monitoring_storesnapshot", "monitoring_notification"):
        assert table not in written
    assert lamp.page_digest == digest and lamp.pending_slot is None and lamp.next_check_at > slot + timedelta(hours=2)
    first_point, point = snapshots(lamp)
    assert point.slot == slot and (point.price, point.in_stock) == (first_point.price, first_point.in_stock)

    shop.body = page("10.50")  # one byte of the price changes: a new digest, read in full
    result, _ = check(lamp)
    assert result.status == "ok" and len(parses) == 2 and lamp.price == D("10.50") and lamp.page_digest != digest


def test_a_failed_fetch_never_counts_as_unchanged(lamp, shop, parses):
    check(lamp)
    assert lamp.page_digest

    shop.status = 503  # the shop fails once: a failed check, and what was kept of the page is dropped
    failed, _ = check(lamp)
    assert failed.status == "error" and snapshots(lamp)[-1].status == "error"
    assert (lamp.page_etag, lamp.page_last_modified, lamp.page_digest, lamp.page_read_at) == ("", "", "", None)

    shop.status = 200  # the same page again: read in full (no validators sent), not taken for unchanged
    again, _ = check(lamp)
    assert "If-None-Match" not in shop.requests()[-1]
    assert again.status == "ok" and len(parses) == 2 and lamp.page_digest
    assert not Finding.objects.exists()


def test_a_304_the_check_did_not_ask_for_is_a_failed_check(lamp, shop, parses):
    shop.always_304 = True  # a broken cache in front of the shop answers 304 to anything
    result, _ = check(lamp)
    assert result.status != "ok" and snapshots(lamp)[-1].status != "ok"
    assert lamp.page_digest == "" and lamp.price is None


def test_an_edit_of_the_product_or_an_old_full_read_reads_the_page_again(lamp, shop, parses):
    check(lamp)
    check(lamp)
    assert len(parses) == 1  # the second was a 304

    Product.objects.filter(pk=lamp.pk).update(my_price=D("12.00"))  # the margin depends on it: read in full
    check(lamp)
    assert "If-None-Match" not in shop.requests()[-1] and len(parses) == 2
    assert set(Finding.objects.filter(product=lamp).values_list("kind", flat=True)) == {"margin_low"}

    check(lamp)
    assert len(parses) == 2  # unchanged again
    Product.objects.filter(pk=lamp.pk).update(page_read_at=timezone.now() - timedelta(hours=25))
    check(lamp)
    assert len(parses) == 3  # the last full read is a day old: the rules' windows are read afresh
