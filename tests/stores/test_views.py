"""The store pages, through the test client against the fake Admin API and a local supplier shop."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from monitoring.fetch.client import Fetcher, reset_fetcher
from stores import tasks
from stores.models import StoreConnection, StoreVariant, SyncStatus
from stores.services import store_connect
from stores.shopify import StoreError, admin_host_for
from stores.sync import store_sync
from suppliers.models import Product
from suppliers.services import product_create
from tests.support.fake_shopify import product
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db

SUPPLIER_PAGE = """<html><head><title>Poster</title><script type="application/ld+json">
{"@context":"https://schema.org","@type":"Product","name":"Poster A2","sku":"P-A2",
 "offers":{"@type":"Offer","price":"2.10","priceCurrency":"USD","availability":"https://schema.org/InStock"}}
</script></head><body><h1>Poster A2</h1></body></html>"""


@pytest.fixture
def synced(fake_shopify, alice):
    fake_shopify.products = [
        product(201, "Poster", [(2011, "Default Title", "POS", "9.99")]),
        product(202, "Shirt", [(2021, "S", "S", "19.00"), (2022, "M", "M", "19.50")]),
    ]
    connection = store_connect(owner=alice, domain=fake_shopify.domain, token=fake_shopify.token)
    assert store_sync(connection=connection).ok
    return connection


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.sync_one, "apply_async", lambda args, **kw: calls.append(args[0]))
    return calls


@pytest.fixture
def supplier_shop(settings, fake_shopify):
    shop = LocalShop()
    shop.page("/products/poster", SUPPLIER_PAGE)
    settings.FETCH_ALLOWED_HOSTS = [fake_shopify.domain, f"127.0.0.1:{shop.port}"]
    reset_fetcher()
    yield shop
    shop.close()
    reset_fetcher()


def test_connecting_from_the_page_queues_the_first_sync_and_never_shows_the_token(
    alice_client, fake_shopify, sent, alice
):
    response = alice_client.post(reverse("store_list"), {"domain": fake_shopify.domain, "token": fake_shopify.token})
    assert response.status_code == 302
    connection = StoreConnection.objects.get(owner=alice)
    assert sent == [connection.pk]
    page = alice_client.get(reverse("store_list")).content.decode()
    assert fake_shopify.token not in page and f"…{fake_shopify.token[-4:]}" in page
    assert fake_shopify.token not in connection.token_sealed or connection.token_sealed.startswith("plain:")


def test_a_refused_token_is_said_on_the_form_and_nothing_is_saved(alice_client, fake_shopify, sent):
    response = alice_client.post(
        reverse("store_list"), {"domain": fake_shopify.domain, "token": "shpat_not_the_right_one_0000"}
    )
    assert response.status_code == 400
    assert "Shopify refused the access token" in response.content.decode()
    assert not StoreConnection.objects.exists() and sent == []


@pytest.mark.parametrize(
    ("domain", "said"),
    [
        ("", "Enter your shop"),
        ("localhost", "not a shop"),
        ("10.0.0.1", "not a shop"),
        ("my-shop.myshopify.com:8443", "without a port"),
        ("javascript:alert(1)", "not a web address"),
        ("ftp://my-shop.myshopify.com", "address only"),
    ],
)
def test_bad_shop_addresses_are_refused_with_a_reason(alice_client, fake_shopify, domain, said):
    response = alice_client.post(reverse("store_list"), {"domain": domain, "token": fake_shopify.token})
    assert response.status_code == 400 and said in response.content.decode()
    assert not StoreConnection.objects.exists()


def test_a_custom_domain_pointing_to_a_private_address_is_refused_before_anything_is_sent():
    fetcher = Fetcher(resolver=lambda host, port: ["10.1.2.3"], max_retries=0)
    with pytest.raises(StoreError, match="private"):
        admin_host_for("shop.example", fetcher=fetcher)


def test_sync_now_and_disconnect(alice_client, synced, sent, alice):
    response = alice_client.post(reverse("store_sync_now", args=[synced.pk]))
    assert response.status_code == 302 and sent == [synced.pk]
    mine = product_create(owner=alice, url="https://shop.example/products/poster")
    StoreVariant.objects.filter(variant_id="2011").update(product=mine)
    response = alice_client.post(reverse("store_disconnect", args=[synced.pk]))
    assert response.status_code == 302
    assert not StoreConnection.objects.exists() and not StoreVariant.objects.exists()
    assert Product.objects.filter(pk=mine.pk).exists()  # the user's product stays
    assert alice_client.get(reverse("store_disconnect", args=[1])).status_code == 405


def test_the_unmapped_page_lists_the_variants_without_a_supplier(alice_client, synced):
    body = alice_client.get(reverse("store_unmapped")).content.decode()
    assert "Poster" in body and "Shirt — S" in body and "Shirt — M" in body


def test_mapping_through_the_add_preview_sells_at_the_store_price(alice_client, synced, supplier_shop, queue):
    poster = StoreVariant.objects.get(variant_id="2011")
    url = supplier_shop.url("/products/poster")
    url_map = reverse("store_variant_map", args=[poster.pk])
    preview = alice_client.post(url_map, {"step": "preview", "url": url})
    body = preview.content.decode()
    assert preview.status_code == 200 and "Poster A2" in body and "2.10 USD" in body
    token = body.split('name="token" value="', 1)[1].split('"', 1)[0]
    assert not Product.objects.exists()  # nothing is added by a preview
    # A price in the form is ignored: the selling price comes from the store.
    done = alice_client.post(url_map, {"step": "confirm", "url": url, "token": token, "my_price": "1"})
    assert done.status_code == 302
    poster.refresh_from_db()
    assert poster.product.url == url and (poster.product.my_price, poster.product.my_currency) == (D("9.99"), "EUR")
    assert [name for name, _args in queue] == ["monitoring.check_product"]  # checked right away
    assert url_map not in alice_client.get(reverse("store_unmapped")).content.decode()
    # Mapped once only.
    again = alice_client.post(url_map, {"step": "preview", "url": url})
    assert again.status_code == 400 and "already mapped" in again.content.decode()


def test_mapping_to_a_product_already_watched(alice_client, synced, alice):
    mine = product_create(owner=alice, url="https://shop.example/products/shirt", my_price=D("1"), my_currency="USD")
    small = StoreVariant.objects.get(variant_id="2021")
    response = alice_client.post(
        reverse("store_variant_map", args=[small.pk]),
        {"step": "existing", "url": mine.url, "product": mine.pk},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.my_price, mine.my_currency) == (D("19.00"), "EUR")
    # The other size cannot take the same product's selling price.
    medium = StoreVariant.objects.get(variant_id="2022")
    response = alice_client.post(
        reverse("store_variant_map", args=[medium.pk]), {"step": "existing", "url": mine.url, "product": mine.pk}
    )
    assert response.status_code == 400 and "already sets" in response.content.decode()


def test_the_daily_beat_entry_queues_one_sync_per_connection(synced, sent, settings, bob, fake_shopify):
    other = StoreConnection.objects.create(
        owner=bob, shop_domain="bob.myshopify.com", token_sealed="plain:x", token_last4="x"
    )
    entry = settings.CELERY_BEAT_SCHEDULE["sync-stores"]
    assert entry["task"] == tasks.sync_all.name and entry["schedule"] == 24 * 3600.0
    assert tasks.sync_all() == 2 and sorted(sent) == sorted([synced.pk, other.pk])
    # The task itself: a thin shell over store_sync.
    assert tasks.sync_one(synced.pk).startswith("Read 2 products")
    assert tasks.sync_one(10**9) == "gone"
    synced.refresh_from_db()
    assert synced.status == SyncStatus.OK


def test_the_api_lists_stores_and_unmapped_variants_and_queues_a_sync(synced, alice, sent, client):
    from api.tokens import token_create

    _token, key = token_create(owner=alice, name="script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    stores = client.get("/api/v1/stores", **auth).json()
    assert stores["count"] == 1
    item = stores["items"][0]
    assert item["shop_domain"] == synced.shop_domain and item["status"] == "ok"
    assert item["token_hint"] == f"…{synced.token_last4}" and "token_sealed" not in item
    unmapped = client.get("/api/v1/stores/unmapped", **auth).json()
    assert sorted(v["variant_id"] for v in unmapped["items"]) == ["2011", "2021", "2022"]
    assert unmapped["items"][0]["currency"] == "EUR"
    response = client.post(f"/api/v1/stores/{synced.pk}/sync", **auth)
    assert response.status_code == 200 and sent == [synced.pk]


def test_a_custom_domain_is_resolved_to_its_myshopify_address_without_sending_the_token(fake_shopify):
    fake_shopify.shop["myshopify_domain"] = "fake-store.myshopify.com"
    domain = f"shop.example:{fake_shopify.port}"
    fetcher = Fetcher(allowed_hosts=[domain], resolver=lambda host, port: ["127.0.0.1"], max_retries=0)
    assert admin_host_for(domain, fetcher=fetcher) == "fake-store.myshopify.com"
    ((method, path, headers),) = fake_shopify.requests
    assert (method, path) == ("GET", "/meta.json") and "X-Shopify-Access-Token" not in headers
    # A storefront that names no myshopify.com address is not taken for a Shopify store.
    fake_shopify.shop["myshopify_domain"] = "evil.example"
    with pytest.raises(StoreError, match="does not look like a Shopify store"):
        admin_host_for(domain, fetcher=fetcher)
