"""A product (or a supplier) added through the API gets its first check at once, as one added with the form
does: check_now claims it and sends its check, which then reads the page."""

import json
from datetime import datetime

import pytest
from django.core.cache import cache
from django.test import Client

from api.tokens import token_create
from monitoring import tasks
from monitoring.checking import run_product_check
from monitoring.fetch import reset_fetcher
from monitoring.models import Snapshot
from suppliers.models import Product, Supplier
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db
PAGE = """<html><head><title>Garden hose</title><script type="application/ld+json">
{"@context":"https://schema.org","@type":"Product","name":"Garden hose 20 m","sku":"GH-20",
 "offers":{"@type":"Offer","price":"24.90","priceCurrency":"EUR","availability":"https://schema.org/InStock"}}
</script></head><body><h1>Garden hose 20 m</h1></body></html>"""


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sent(monkeypatch):
    """The broker: what check tasks were sent (set `sent.down = True` to make it unreachable)."""

    class Sent(list):
        down = False

    record = Sent()

    def send(args, _name, **kwargs):
        if record.down:
            raise OSError("broker unreachable")
        record.append((_name, args))

    for task in (tasks.check_product, tasks.check_supplier):
        monkeypatch.setattr(task, "apply_async", lambda args, _name=task.name, **kw: send(args, _name, **kw))
    return record


@pytest.fixture
def shop(settings):
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    reset_fetcher()
    yield s
    s.close()
    reset_fetcher()


@pytest.fixture
def api(alice):
    _token, plain = token_create(owner=alice, name="t")
    return Client(headers={"Authorization": f"Bearer {plain}"})


def post(api, path, data):
    return api.post(f"/api/v1{path}", json.dumps(data), content_type="application/json")


def test_an_api_product_is_checked_at_once(alice, api, shop, sent):
    shop.page("/hose", PAGE)
    response = post(api, "/products", {"url": shop.url("/hose"), "my_price": "39.90"})
    assert response.status_code == 201, response.content
    product = Product.objects.get(owner=alice)
    assert product.pending_slot is not None  # claimed by check_now, as the form's add does
    ((_name, args),) = [s for s in sent if s[0] == "monitoring.check_product"]
    assert args[0] == product.pk
    reads_before = shop.count("/hose")
    # What the sent task runs (monitoring.tasks.check_product is a thin shell around it): the first check.
    result = run_product_check(args[0], datetime.fromisoformat(args[1]))
    assert result.status == "ok"
    assert shop.count("/hose") == reads_before + 1
    snapshot = Snapshot.objects.get(product=product)
    assert snapshot.status == "ok" and str(snapshot.price) == "24.9000"


def test_with_the_broker_down_the_product_is_still_added_and_stays_due(alice, api, shop, sent):
    sent.down = True
    shop.page("/hose", PAGE)
    response = post(api, "/products", {"url": shop.url("/hose")})
    assert response.status_code == 201
    assert Product.objects.get(owner=alice).next_check_at is not None


def test_an_api_supplier_whose_store_is_read_is_checked_at_once(alice, api, sent):
    response = post(api, "/suppliers", {"store_url": "https://www.aliexpress.com/store/1102334455"})
    assert response.status_code == 201
    supplier = Supplier.objects.get(owner=alice)
    assert supplier.next_check_at is not None and supplier.pending_slot is not None  # an AliExpress store is read
    assert [s[0] for s in sent] == ["monitoring.check_supplier"] and sent[0][1][0] == supplier.pk
