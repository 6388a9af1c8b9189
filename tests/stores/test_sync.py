"""A store's catalogue read from the fake Admin API (tests/support/fake_shopify.py): pagination over three
pages, mapping by tag and metafield, prices kept in step, 401, 429, a deleted product, nothing written."""

from decimal import Decimal as D

import pytest

from stores import secrets
from stores.models import StoreConnection, StoreVariant, SyncStatus
from stores.services import store_connect
from stores.shopify import AdminApi
from stores.sync import store_sync, stores_sync_all
from suppliers.models import Product
from suppliers.services import product_create
from tests.support.fake_shopify import metafield, product

pytestmark = pytest.mark.django_db

LAMP_URL = "https://www.aliexpress.com/item/1005001.html"
MUG_URL = "https://shop.example/products/mug"


def catalogue():
    return [
        product(101, "LED lamp", [(1011, "Default Title", "LAMP-1", "29.90")], tags=f"lighting, supplier:{LAMP_URL}"),
        product(102, "Mug", [(1021, "Default Title", "MUG", "12.00")]),  # its supplier is in a metafield
        product(
            103,
            "Shirt",
            [(1031, "S", "SH-S", "19.00"), (1032, "M", "SH-M", "19.50")],
            tags="supplier:https://shop.example/products/shirt",
        ),
        product(104, "Poster", [(1041, "Default Title", "", "9.99")]),  # no supplier named: unmapped
        product(105, "Cable", [(1051, "Default Title", "C", "5.00")], tags="supplier:http://10.0.0.5/item"),
    ]


@pytest.fixture
def store(fake_shopify, alice):
    fake_shopify.products = catalogue()
    fake_shopify.metafields = {102: [metafield(102, "dsers", "supplier_url", MUG_URL)]}
    return store_connect(owner=alice, domain=fake_shopify.domain, token=fake_shopify.token)


def sync(store, sleeps=None):
    api = AdminApi(
        shop_domain=store.shop_domain,
        token=secrets.unseal(store.token_sealed),
        sleep=sleeps if sleeps is not None else (lambda s: None),
    )
    result = store_sync(connection=store, api=api)
    store.refresh_from_db()
    return result


def rows(store):
    return {v.variant_id: v for v in StoreVariant.objects.filter(connection=store)}


def test_connecting_reads_the_shop_and_keeps_only_the_last_four_of_the_token(store, fake_shopify):
    assert store.shop_name == "Fake Store" and store.currency == "EUR"
    assert store.token_last4 == fake_shopify.token[-4:]
    assert store.status == SyncStatus.NEW
    assert secrets.unseal(store.token_sealed) == fake_shopify.token


def test_a_first_sync_imports_every_variant_over_three_pages_and_maps_what_the_store_names(store, fake_shopify):
    result = sync(store)
    assert result.ok, result.message
    assert fake_shopify.count("/products.json") == 3  # 5 products, 2 a page: Link rel="next" twice
    got = rows(store)
    assert set(got) == {"1011", "1021", "1031", "1032", "1041", "1051"}
    lamp = got["1011"]
    assert (lamp.store_product_id, lamp.sku, lamp.price, lamp.currency) == ("101", "LAMP-1", D("29.90"), "EUR")
    # By tag: a Dropwatch product is created, selling at the store's price in the store's currency.
    assert lamp.product.url == LAMP_URL and lamp.product.my_price == D("29.90") and lamp.product.my_currency == "EUR"
    assert lamp.product.owner == store.owner
    # By metafield (dsers.supplier_url).
    assert got["1021"].product.url == MUG_URL and got["1021"].product.my_price == D("12.00")
    # Two variants naming one listing: which supplier variant each is cannot be guessed.
    assert got["1031"].product is None and got["1031"].supplier_url == "https://shop.example/products/shirt"
    assert "2 variants" in got["1031"].mapping_note
    # None named; a private address refused with a reason.
    assert got["1041"].product is None and got["1041"].supplier_url == ""
    assert got["1051"].product is None and "private" in got["1051"].mapping_note
    assert store.status == SyncStatus.OK and store.last_sync_at is not None
    assert "5 products (6 variants): 2 mapped now, 4 unmapped" in store.status_message
    # Metafields were read only for the products whose tags name no supplier.
    assert fake_shopify.count("/metafields.json") == 2
    assert {m for m, _p, _h in fake_shopify.requests} == {"GET"}


def test_an_existing_product_watching_the_address_is_mapped_not_duplicated(store, alice):
    mine = product_create(owner=alice, url=LAMP_URL, my_price=D("25"), my_currency="USD")
    sync(store)
    assert rows(store)["1011"].product == mine
    mine.refresh_from_db()
    assert (mine.my_price, mine.my_currency) == (D("29.90"), "EUR")
    assert Product.objects.filter(owner=alice, url=LAMP_URL).count() == 1


def test_a_price_changed_in_the_store_changes_my_price_at_the_next_sync(store, fake_shopify):
    sync(store)
    fake_shopify.products[0]["variants"][0]["price"] = "34.50"
    result = sync(store)
    assert result.prices_updated == 1
    lamp = rows(store)["1011"]
    assert lamp.price == D("34.50") and lamp.product.my_price == D("34.50")


def test_a_product_deleted_in_the_store_marks_its_mapping_gone_and_keeps_the_product(store, fake_shopify):
    sync(store)
    lamp_product = rows(store)["1011"].product
    fake_shopify.products = [p for p in fake_shopify.products if p["id"] != 101]
    result = sync(store)
    assert result.gone == 1
    lamp = rows(store)["1011"]
    assert lamp.gone_at is not None and lamp.product == lamp_product  # the mapping is kept, marked gone
    assert Product.objects.filter(pk=lamp_product.pk, my_price=D("29.90")).exists()
    # It comes back: no longer gone.
    fake_shopify.products = catalogue()
    sync(store)
    assert rows(store)["1011"].gone_at is None


def test_a_revoked_token_is_recorded_and_nothing_imported_is_lost(store, fake_shopify):
    sync(store)
    before = {k: (v.price, v.product_id, v.gone_at) for k, v in rows(store).items()}
    fake_shopify.token = "shpat_another_token_entirely_0000"  # the merchant revoked ours
    result = sync(store)
    assert not result.ok
    assert store.status == SyncStatus.TOKEN_REFUSED
    assert store.status_message.startswith("Shopify refused the access token")
    assert {k: (v.price, v.product_id, v.gone_at) for k, v in rows(store).items()} == before
    assert store.last_attempt_at > store.last_sync_at


def test_a_429_is_waited_out_as_retry_after_says(store, fake_shopify, sleeps):
    fake_shopify.throttle_next = ["/admin/api/2026-01/products.json"]
    result = sync(store, sleeps)
    assert result.ok, result.message
    assert 1.0 in sleeps  # Retry-After: 1.0
    assert fake_shopify.retry_after_ignored == 0
    assert len(rows(store)) == 6


def test_the_call_limit_header_slows_the_client_before_the_bucket_is_full(store, fake_shopify, sleeps):
    fake_shopify.bucket_size = 6  # a small bucket: "3/6" already leaves less than the headroom
    result = sync(store, sleeps)
    assert result.ok, result.message
    assert sleeps and fake_shopify.over_bucket == 0  # it waited as the header asked and never hit the limit
    assert len(rows(store)) == 6


def test_one_broken_connection_does_not_stop_the_others(store, fake_shopify, bob):
    theirs = StoreConnection.objects.create(
        owner=bob,
        shop_domain=fake_shopify.domain,
        token_sealed=secrets.seal("shpat_bobs_revoked_token_0000"),
        token_last4="0000",
    )
    unreadable = StoreConnection.objects.create(
        owner=bob, shop_domain="other.myshopify.com", token_sealed="rot13:xyz", token_last4="xxxx"
    )
    results = stores_sync_all()
    assert results[store.pk].ok
    assert not results[theirs.pk].ok and not results[unreadable.pk].ok
    theirs.refresh_from_db()
    unreadable.refresh_from_db()
    assert theirs.status == SyncStatus.TOKEN_REFUSED
    assert "paste the token again" in unreadable.status_message
    assert len(rows(store)) == 6 and not StoreVariant.objects.filter(owner=bob).exists()


def test_a_next_link_to_another_host_is_not_followed_with_the_token(store, fake_shopify, settings):
    fake_shopify.domain = "evil.example:1"  # the fake now writes its Link headers for another host
    result = sync(store)
    assert not result.ok and "points somewhere else" in store.status_message
    assert fake_shopify.count("/products.json") == 1
    assert not StoreVariant.objects.filter(connection=store).exists()  # a cut sync writes nothing


def test_a_product_the_user_deleted_is_not_brought_back_by_the_next_sync(store, fake_shopify):
    sync(store)
    rows(store)["1011"].product.delete()  # the user no longer wants to watch it
    sync(store)
    lamp = rows(store)["1011"]
    assert lamp.product is None and not Product.objects.filter(url=LAMP_URL).exists()
    # A new supplier address in the store is a new instruction: mapped again.
    fake_shopify.products[0]["tags"] = "supplier:https://www.aliexpress.com/item/1005002.html"
    sync(store)
    assert rows(store)["1011"].product.url == "https://www.aliexpress.com/item/1005002.html"


def test_a_redirect_is_not_followed_with_the_token(store, fake_shopify, settings):
    from tests.support.servers import Canary

    canary = Canary()
    try:
        settings.FETCH_ALLOWED_HOSTS = [fake_shopify.domain, f"127.0.0.1:{canary.port}"]  # even an allowed host
        from stores.shopify import reset_admin_fetcher

        reset_admin_fetcher()
        fake_shopify.redirect_to = f"http://127.0.0.1:{canary.port}/steal"
        result = sync(store)
        assert not result.ok and "redirected" in store.status_message
        assert canary.connections == []
    finally:
        canary.close()


@pytest.mark.parametrize(
    ("break_it", "status", "said"),
    [
        (lambda fake: fake.scopes.clear(), SyncStatus.SCOPE_MISSING, "read_products scope"),
        (lambda fake: setattr(fake, "down", True), SyncStatus.ERROR, "HTTP 503"),
    ],
    ids=["scope-missing", "shopify-down"],
)
def test_every_failure_is_a_status_with_a_message(store, fake_shopify, break_it, status, said):
    sync(store)
    before = len(rows(store))
    break_it(fake_shopify)
    result = sync(store)
    assert not result.ok and store.status == status and said in store.status_message
    assert len(rows(store)) == before and not StoreVariant.objects.filter(gone_at__isnull=False).exists()


def test_the_command_syncs_every_store_and_says_how_each_went(store):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("sync_stores", stdout=out)
    assert f"{store.shop_domain}: Read 5 products" in out.getvalue()


def test_hostile_or_broken_product_data_is_skipped_not_a_crash(store, fake_shopify):
    fake_shopify.products = [
        "not a product",
        {"id": "1" * 40, "title": "an id too long for any column", "variants": []},
        {"id": True, "title": "a boolean id"},
        {"id": 301, "title": "Nul\x00 title", "tags": 12, "variants": {"id": 1}},
        {
            "id": 302,
            "title": ["a", "list"],
            "tags": ["supplier: https://shop.example/products/ok"],
            "variants": [
                {"id": 3021, "title": None, "sku": "A\x00B", "price": "NaN"},
                {"id": "x", "price": "1"},
                {"id": 3022, "title": "Big", "sku": "", "price": "1e30"},
            ],
        },
    ]
    result = sync(store)
    assert result.ok, result.message
    got = rows(store)
    assert set(got) == {"3021", "3022"}
    assert got["3021"].sku == "AB" and got["3021"].price is None and got["3022"].price is None
    assert got["3021"].product_title == "" and got["3021"].supplier_url == "https://shop.example/products/ok"


def test_metafields_of_a_large_catalogue_are_read_over_successive_syncs(store, fake_shopify, monkeypatch):
    from stores import sync as sync_module

    monkeypatch.setattr(sync_module, "METAFIELD_LOOKUPS_PER_SYNC", 1)
    fake_shopify.products = [
        product(401, "First", [(4011, "Default Title", "", "5.00")]),
        product(402, "Second", [(4021, "Default Title", "", "6.00")]),
    ]
    # The first product names no supplier anywhere: reading it again every sync would starve the second.
    fake_shopify.metafields = {402: [metafield(402, "dropwatch", "supplier_url", "https://shop.example/products/2")]}
    sync(store)
    assert rows(store)["4021"].product is None
    sync(store)
    got = rows(store)
    assert got["4011"].product is None and got["4021"].product.url == "https://shop.example/products/2"
    asked = [p for _m, p, _h in fake_shopify.requests if p.endswith("/metafields.json")]
    assert [p.split("/")[-2] for p in asked] == ["401", "402"]  # one a sync, each product once
    sync(store)
    assert fake_shopify.count("/metafields.json") == 3  # then the longest unread again (401)
