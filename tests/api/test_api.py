"""The REST API (/api/v1/) and the pages around it: personal tokens made, shown once, stored hashed, used and
revoked; every resource with its filters and actions; history as JSON and CSV (also from the product and
supplier pages); the per-token rate limit; the schema and the docs under the app's CSP. Access for every
route (another user's ids, no token) is in tests/test_access_matrix.py."""

import csv
import hashlib
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_create
from monitoring import tasks
from monitoring.fetch import reset_fetcher
from monitoring.models import Finding, Snapshot
from orderlog.models import Order as TestOrder
from suppliers.models import Product, Supplier
from tests.dashboard.test_browser import browser, make_page  # noqa: F401 - the Chromium fixtures
from tests.support.security_world import build_world, csp_directives, problems_in_html
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db

API = "/api/v1"
PAGE = """<html><head><title>Garden hose</title><script type="application/ld+json">
{"@context":"https://schema.org","@type":"Product","name":"Garden hose 20 m","sku":"GH-20",
 "offers":{"@type":"AggregateOffer","lowPrice":"19.90","highPrice":"24.50","priceCurrency":"EUR",
           "availability":"https://schema.org/InStock"},
 "aggregateRating":{"@type":"AggregateRating","ratingValue":"4.6","reviewCount":"87"}}</script></head>
<body><h1>Garden hose 20 m</h1></body></html>"""


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def queue(monkeypatch):
    sent = []
    for task in (tasks.check_product, tasks.check_supplier):
        monkeypatch.setattr(task, "apply_async", lambda args, _name=task.name, **kw: sent.append((_name, args)))
    return sent


@pytest.fixture
def world(alice, media, queue):
    return build_world(alice, "ALICEMARK")


@pytest.fixture
def bob_world(bob, media, queue):
    return build_world(bob, "BOBMARK")


@pytest.fixture
def shop(settings):
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    reset_fetcher()
    yield s
    s.close()
    reset_fetcher()


def bearer(user, name="tests") -> Client:
    _token, plain = token_create(owner=user, name=name)
    return Client(headers={"Authorization": f"Bearer {plain}"})


@pytest.fixture
def alice_api(alice):
    return bearer(alice)


@pytest.fixture
def bob_api(bob):
    return bearer(bob)


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code, body
    return body["error"]


# --- tokens --------------------------------------------------------------------------------------


def test_a_token_is_made_in_settings_shown_once_stored_hashed_and_revoked(alice, alice_client):
    assert reverse("api_tokens") in alice_client.get(reverse("settings")).content.decode()
    page = alice_client.get(reverse("api_tokens"))
    assert page.status_code == 200 and "No tokens yet" in page.content.decode()

    response = alice_client.post(reverse("api_tokens"), {"name": "My price script"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    (plain,) = set(re.findall(r"dw_[A-Za-z0-9_\-]{43}", body))
    assert "shown only this once" in body

    token = ApiToken.objects.get(owner=alice)
    assert token.name == "My price script"
    assert token.digest == hashlib.sha256(plain.encode()).hexdigest()
    assert token.prefix == plain[:11] and len(token.prefix) < len(plain)
    stored = json.dumps(list(ApiToken.objects.values()), default=str)
    assert plain not in stored and plain[11:] not in stored  # only the digest and the short prefix

    again = alice_client.get(reverse("api_tokens")).content.decode()
    assert plain not in again and token.prefix in again and "never" in again

    api = Client(headers={"Authorization": f"Bearer {plain}"})
    assert api.get(f"{API}/suppliers").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    response = alice_client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    revoked = api.get(f"{API}/suppliers")
    assert revoked.status_code == 401 and error_of(revoked)["code"] == "unauthorized"
    assert "revoked" in alice_client.get(reverse("api_tokens")).content.decode()


def test_the_token_page_speaks_htmx_and_refuses_an_empty_name(alice, alice_client):
    response = alice_client.post(reverse("api_tokens"), {"name": "  "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="tokens">') and "Give the token a name" in body
    assert not ApiToken.objects.exists()
    response = alice_client.post(reverse("api_tokens"), {"name": "Zapier"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and re.search(r"dw_[A-Za-z0-9_\-]{43}", response.content.decode())
    token = ApiToken.objects.get()
    response = alice_client.post(reverse("api_token_revoke", args=[token.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "revoked" in response.content.decode()


def test_no_token_a_wrong_token_or_another_scheme_is_401(alice, world):
    _token, plain = token_create(owner=alice, name="ok")
    for headers in (
        {},
        {"Authorization": "Bearer dw_" + "x" * 43},
        {"Authorization": "Bearer"},
        {"Authorization": f"Token {plain}"},
        {"Authorization": f"Basic {plain}"},
        {"Authorization": f"Bearer {plain[:-1]}"},
    ):
        response = Client(headers=headers).get(f"{API}/products/{world.product.pk}")
        assert response.status_code == 401, headers
        assert error_of(response)["code"] == "unauthorized"
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "ALICEMARK" not in response.content.decode()


def test_a_session_alone_does_not_open_the_api(alice_client, world):
    """The API takes tokens only: a signed-in browser cannot be made to call it (so it needs no CSRF check)."""
    assert alice_client.get(f"{API}/products").status_code == 401
    assert alice_client.post(f"{API}/findings/{world.finding.pk}/resolve").status_code == 401
    world.finding.refresh_from_db()
    assert world.finding.resolved_at is None


def test_a_deactivated_users_token_stops_working(alice, alice_api):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert alice_api.get(f"{API}/suppliers").status_code == 401


# --- rate limit ----------------------------------------------------------------------------------


def test_each_token_is_rate_limited_with_retry_after(alice, bob, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    first, second = bearer(alice, "one"), bearer(alice, "two")
    assert [first.get(f"{API}/suppliers").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get(f"{API}/suppliers")
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert second.get(f"{API}/suppliers").status_code == 200  # per token, not per user
    assert bearer(bob).get(f"{API}/suppliers").status_code == 200


# --- suppliers -----------------------------------------------------------------------------------


def test_suppliers_list_detail_and_trust(alice_api, world, bob_world):
    response = alice_api.get(f"{API}/suppliers")
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1 and page["page"] == 1
    (item,) = page["items"]
    assert item["id"] == world.supplier.pk and item["product_count"] == 1
    assert "BOBMARK" not in response.content.decode()
    assert alice_api.get(f"{API}/suppliers", {"q": "nothing-like-it"}).json()["count"] == 0

    detail = alice_api.get(f"{API}/suppliers/{world.supplier.pk}").json()
    assert detail["name"] == world.supplier.name and detail["open_findings"] >= 1

    world.supplier.refresh_from_db()
    trust = alice_api.get(f"{API}/suppliers/{world.supplier.pk}/trust").json()
    assert trust["score"] == world.supplier.trust_score is not None
    assert trust["reasons"] and all(set(r) == {"points", "reason"} for r in trust["reasons"])
    assert trust["reasons"] == world.supplier.trust_reasons


def test_a_supplier_is_added_by_its_store_url(alice, alice_api, queue):
    response = post_json(alice_api, f"{API}/suppliers", {"store_url": "https://www.aliexpress.com/store/1102334455"})
    assert response.status_code == 201, response.content
    supplier = Supplier.objects.get(owner=alice)
    assert response.json()["id"] == supplier.pk
    assert supplier.platform == "aliexpress" and supplier.platform_store_id == "1102334455"
    again = post_json(alice_api, f"{API}/suppliers", {"store_url": "https://www.aliexpress.com/store/1102334455"})
    assert again.status_code == 409 and error_of(again)["code"] == "duplicate"
    bad = post_json(alice_api, f"{API}/suppliers", {"store_url": "not a url"})
    assert bad.status_code == 422 and error_of(bad)["code"] == "invalid"
    assert Supplier.objects.filter(owner=alice).count() == 1


# --- products ------------------------------------------------------------------------------------


def test_products_list_with_filters_and_detail(alice, alice_api, world, bob_world):
    other = Product.objects.create(
        owner=alice, url="https://shop.example/p/other", host="shop.example", title="Quiet one", in_stock=True
    )
    page = alice_api.get(f"{API}/products").json()
    assert {p["id"] for p in page["items"]} == {world.product.pk, other.pk}
    assert "BOBMARK" not in json.dumps(page)

    def ids(**query):
        response = alice_api.get(f"{API}/products", query)
        assert response.status_code == 200, response.content
        return {p["id"] for p in response.json()["items"]}

    assert ids(status="problems") == {world.product.pk}
    assert ids(in_stock="false") == {world.product.pk}
    assert ids(in_stock="true") == {other.pk}
    assert ids(supplier=world.supplier.pk) == {world.product.pk}
    assert ids(supplier=bob_world.supplier.pk) == set()  # someone else's supplier: nothing of yours
    assert ids(q="quiet") == {other.pk}
    assert ids(page_size=1, page=2) | ids(page_size=1, page=1) == {world.product.pk, other.pk}
    bad = alice_api.get(f"{API}/products", {"status": "weird"})
    assert bad.status_code == 422 and error_of(bad)["code"] == "invalid" and error_of(bad)["details"]

    detail = alice_api.get(f"{API}/products/{world.product.pk}").json()
    assert Decimal(detail["price"]) == Decimal("12.5")
    assert detail["in_stock"] is False and detail["open_findings"] == 2
    assert detail["supplier_id"] == world.supplier.pk
    assert float(detail["margin_pct"]) == pytest.approx(58.33, abs=0.01)


def test_a_product_is_previewed_then_added_with_its_variant(alice, alice_api, shop, queue):
    shop.page("/hose", PAGE)
    url = shop.url("/hose")
    preview = post_json(alice_api, f"{API}/products/preview", {"url": url})
    assert preview.status_code == 200, preview.content
    data = preview.json()
    assert data["status"] == "ok" and data["can_add"] and data["token"]
    assert data["title"] == "Garden hose 20 m" and data["currency"] == "EUR"
    assert not Product.objects.filter(owner=alice).exists()  # a preview saves nothing

    response = post_json(
        alice_api,
        f"{API}/products",
        {"url": url, "token": data["token"], "my_price": "39.90", "my_currency": "eur", "variant": "GH-20 green"},
    )
    assert response.status_code == 201, response.content
    product = Product.objects.get(owner=alice)
    assert response.json()["id"] == product.pk and response.json()["variant"] == "GH-20 green"
    assert product.variant_sku == "GH-20 green" and product.my_currency == "EUR" and str(product.my_price) == "39.9000"
    assert product.next_check_at is not None  # due at once

    again = post_json(alice_api, f"{API}/products", {"url": url, "variant": "GH-20 green"})
    assert again.status_code == 409 and error_of(again)["code"] == "duplicate"


def test_a_product_is_added_in_one_call_through_the_same_preview(alice, alice_api, shop, queue):
    shop.page("/hose", PAGE)
    response = post_json(alice_api, f"{API}/products", {"url": shop.url("/hose"), "my_price": 30})
    assert response.status_code == 201, response.content
    assert shop.count("/hose") == 1  # the page was read, as the form's preview reads it
    assert Product.objects.get(owner=alice).my_currency == "USD"  # the user's settings currency


def test_the_form_rules_apply_to_api_products(alice, alice_api, shop, queue, settings):
    shop.page("/hose", PAGE)
    url = shop.url("/hose")
    token = post_json(alice_api, f"{API}/products/preview", {"url": url}).json()["token"]
    cases = [
        ({"url": url, "token": token, "my_price": "-1"}, "invalid"),
        ({"url": url, "token": token, "my_price": "1.123456"}, "invalid"),
        ({"url": url, "token": token, "my_currency": "euros"}, "invalid"),
        ({"url": url, "token": "forged"}, "preview_mismatch"),
        ({"url": shop.url("/other"), "token": token}, "preview_mismatch"),
        ({"url": "javascript:alert(1)"}, "invalid"),
        ({"url": url, "token": token, "variant": "x" * 129}, "invalid"),
    ]
    for body, code in cases:
        response = post_json(alice_api, f"{API}/products", body)
        assert response.status_code == 422, (body, response.content)
        assert error_of(response)["code"] == code, body
    settings.FETCH_ALLOWED_HOSTS = []
    reset_fetcher()
    refused = post_json(alice_api, f"{API}/products", {"url": shop.url("/hose")})
    assert refused.status_code == 422 and "will not fetch" in error_of(refused)["message"]
    assert not Product.objects.filter(owner=alice).exists()


def test_a_token_from_bobs_preview_does_not_add_for_alice(alice_api, bob_api, shop, queue, alice):
    shop.page("/hose", PAGE)
    token = post_json(bob_api, f"{API}/products/preview", {"url": shop.url("/hose")}).json()["token"]
    response = post_json(alice_api, f"{API}/products", {"url": shop.url("/hose"), "token": token})
    assert response.status_code == 422 and error_of(response)["code"] == "preview_mismatch"
    assert not Product.objects.exists()


# --- history -------------------------------------------------------------------------------------


def test_product_history_is_paginated_json_or_csv(alice_api, world):
    snapshots = list(Snapshot.objects.filter(product=world.product).order_by("taken_at"))
    assert len(snapshots) == 4
    url = f"{API}/products/{world.product.pk}/history"
    first = alice_api.get(url, {"page_size": 3}).json()
    second = alice_api.get(url, {"page_size": 3, "page": 2}).json()
    assert first["count"] == 4 and len(first["items"]) == 3 and len(second["items"]) == 1
    assert [i["price"] for i in first["items"] + second["items"]] == [f"{s.price}" for s in snapshots] or [
        float(i["price"]) for i in first["items"] + second["items"]
    ] == [float(s.price) for s in snapshots]
    since = alice_api.get(url, {"since": snapshots[2].taken_at.isoformat()}).json()
    assert since["count"] == 2

    response = alice_api.get(url, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 4
    assert [r["price"] for r in rows] == ["10", "10", "10", "12.5"]
    assert rows[-1]["in_stock"] == "no" and rows[0]["in_stock"] == "yes" and rows[0]["currency"] == "USD"
    assert rows[0]["taken_at"] == snapshots[0].taken_at.isoformat()
    assert alice_api.get(url, {"format": "xml"}).status_code == 422


def test_csv_cells_from_the_shop_cannot_become_formulas(alice_api, world):
    Snapshot.objects.filter(product=world.product).update(message='=HYPERLINK("http://evil")')
    response = alice_api.get(f"{API}/products/{world.product.pk}/history", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert all(r["message"].startswith("'=") for r in rows)


def test_supplier_history_json_and_csv(alice_api, world):
    url = f"{API}/suppliers/{world.supplier.pk}/history"
    page = alice_api.get(url).json()
    assert page["count"] >= 1 and float(page["items"][0]["positive_feedback_pct"]) == 97
    response = alice_api.get(url, {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == page["count"] and rows[0]["positive_feedback_pct"] == "97"
    assert rows[0]["name"].startswith("ALICEMARK")


def test_the_product_and_supplier_pages_link_their_history_exports(alice_client, world):
    product_page = alice_client.get(reverse("product_detail", args=[world.product.pk])).content.decode()
    supplier_page = alice_client.get(reverse("supplier_detail", args=[world.supplier.pk])).content.decode()
    for page, kind, obj in ((product_page, "product", world.product), (supplier_page, "supplier", world.supplier)):
        for fmt in ("csv", "json"):
            assert reverse(f"{kind}_history_{fmt}", args=[obj.pk]) in page

    response = alice_client.get(reverse("product_history_csv", args=[world.product.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["taken_at", "status", "message"] and len(rows) == 5
    data = alice_client.get(reverse("product_history_json", args=[world.product.pk])).json()
    assert data["count"] == 4 and data["items"][-1]["price"] == "12.5"
    data = alice_client.get(reverse("supplier_history_json", args=[world.supplier.pk])).json()
    assert data["count"] >= 1
    response = alice_client.get(reverse("supplier_history_csv", args=[world.supplier.pk]))
    assert b"positive_feedback_pct" in b"".join(response.streaming_content)


# --- findings ------------------------------------------------------------------------------------


def test_findings_filter_by_kind_severity_and_state(alice_api, world, bob_world):
    url = f"{API}/findings"
    everything = alice_api.get(url).json()
    kinds = {f["kind"] for f in everything["items"]}
    assert kinds == {"price_increase", "out_of_stock"}
    assert all(f["state"] == "open" for f in everything["items"])
    assert "BOBMARK" not in json.dumps(everything)

    def kinds_of(**query):
        response = alice_api.get(url, query)
        assert response.status_code == 200, response.content
        return {f["kind"] for f in response.json()["items"]}

    assert kinds_of(kind="out_of_stock") == {"out_of_stock"}
    severities = {f["kind"]: f["severity"] for f in everything["items"]}
    for kind, severity in severities.items():
        assert kind in kinds_of(severity=severity)
    assert alice_api.get(url, {"kind": "nonsense"}).status_code == 422
    assert alice_api.get(url, {"state": "sleeping"}).status_code == 422

    stock = Finding.objects.get(owner=world.user, kind="out_of_stock")
    price = Finding.objects.get(owner=world.user, kind="price_increase")
    assert alice_api.post(f"{url}/{stock.pk}/acknowledge").json()["state"] == "acknowledged"
    until = (timezone.now() + timedelta(days=3)).date().isoformat()
    snoozed = post_json(alice_api, f"{url}/{price.pk}/snooze", {"until": until})
    assert snoozed.status_code == 200 and snoozed.json()["state"] == "snoozed"
    assert kinds_of(state="acknowledged") == {"out_of_stock"}
    assert kinds_of(state="snoozed") == {"price_increase"}
    assert kinds_of(state="open") == set()

    resolved = alice_api.post(f"{url}/{stock.pk}/resolve")
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    stock.refresh_from_db()
    assert stock.resolved_by_user and "out_of_stock" in stock.product.baseline_since
    assert alice_api.post(f"{url}/{stock.pk}/resolve").status_code == 200  # twice: no change
    assert kinds_of(state="resolved") == {"out_of_stock"}
    late = alice_api.post(f"{url}/{stock.pk}/acknowledge")
    assert late.status_code == 409 and error_of(late)["code"] == "conflict"
    detail = alice_api.get(f"{url}/{stock.pk}").json()
    assert detail["kind_label"] == "Out of stock" and detail["resolved_at"]


def test_snooze_needs_a_future_time(alice_api, world):
    url = f"{API}/findings/{world.finding.pk}/snooze"
    for until in ("2001-01-01", "yesterday", ""):
        response = post_json(alice_api, url, {"until": until})
        assert response.status_code == 422 and error_of(response)["code"] == "invalid", until
    assert post_json(alice_api, url, {}).status_code == 422
    world.finding.refresh_from_db()
    assert world.finding.snoozed_until is None
    later = (timezone.now() + timedelta(hours=5)).isoformat()
    assert post_json(alice_api, url, {"until": later}).json()["state"] == "snoozed"


# --- test orders ---------------------------------------------------------------------------------


def test_test_orders_list_detail_and_create(alice, alice_api, world, bob_world):
    page = alice_api.get(f"{API}/test-orders").json()
    assert [o["id"] for o in page["items"]] == [world.order.pk]
    assert alice_api.get(f"{API}/test-orders", {"show": "failed"}).json()["count"] == 0
    assert alice_api.get(f"{API}/test-orders", {"supplier": world.supplier.pk}).json()["count"] == 1
    assert alice_api.get(f"{API}/test-orders", {"supplier": bob_world.supplier.pk}).status_code == 404
    detail = alice_api.get(f"{API}/test-orders/{world.order.pk}").json()
    assert detail["order_number"] == "ALICEMARK-order" and detail["status"] == "delivered"

    body = {
        "supplier_id": world.supplier.pk,
        "product_id": world.product.pk,
        "ordered_on": "2026-11-02",
        "amount_paid": "12.30",
        "currency": "usd",
        "order_number": "API-1",
    }
    response = post_json(alice_api, f"{API}/test-orders", body)
    assert response.status_code == 201, response.content
    order = TestOrder.objects.get(order_number="API-1")
    assert order.owner == alice and order.currency == "USD" and response.json()["id"] == order.pk
    assert order.protection_ends_on == order.ordered_on + timedelta(days=30)  # the platform's default days

    bad_dates = post_json(
        alice_api, f"{API}/test-orders", {**body, "promised_from": "2026-11-20", "promised_to": "2026-11-10"}
    )
    assert bad_dates.status_code == 422 and error_of(bad_dates)["code"] == "invalid"
    for field, value in (("supplier_id", bob_world.supplier.pk), ("product_id", bob_world.product.pk)):
        response = post_json(alice_api, f"{API}/test-orders", {**body, field: value, "order_number": "X"})
        assert response.status_code == 422 and field in error_of(response)["details"], field
    assert post_json(alice_api, f"{API}/test-orders", {**body, "amount_paid": "-3"}).status_code == 422
    assert TestOrder.objects.filter(owner=alice).count() == 2
    assert not TestOrder.objects.filter(supplier=bob_world.supplier, owner=alice).exists()


# --- the schema and the docs ---------------------------------------------------------------------


def test_the_openapi_schema_lists_every_route_with_bearer_auth(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Dropwatch API"
    paths = schema["paths"]
    assert {"/api/v1/products", "/api/v1/findings/{finding_id}/snooze", "/api/v1/suppliers/{supplier_id}/trust"} <= set(
        paths
    )
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schema["components"]["securitySchemes"]["CompanionAuth"] == {"type": "http", "scheme": "bearer"}
    for path, ops in paths.items():
        for op in ops.values():
            # The browser companion's routes take its own token kind (tests/api/test_companion.py).
            auth = "CompanionAuth" if path.startswith("/api/v1/companion/") else "TokenAuth"
            assert op["security"] == [{auth: []}], path
            assert "401" in op["responses"] and "404" in op["responses"]


def test_the_docs_page_works_under_the_apps_csp(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    directives = csp_directives(response)
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    html = response.content.decode()
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert scripts and all(s.startswith("/static/") for s in scripts), scripts  # bundled, no CDN
    assert "cdn" not in html.lower()
    nonce = next(s for s in directives["script-src"] if s.startswith("'nonce-"))[len("'nonce-") : -1]
    assert not problems_in_html(html, nonce=nonce)
    assert f"{API}/openapi.json" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_page_renders_in_a_real_browser_with_no_csp_violation(make_page, live_server, alice):  # noqa: F811
    """Swagger UI runs from the bundled files under the CSP (make_page fails the test on any CSP violation or
    console error), lists the operations, and a call tried from it with a token reaches the API."""
    _token, plain = token_create(owner=alice, name="docs")
    page = make_page()
    page.goto(f"{API}/docs")
    page.locator(".swagger-ui .info .title").filter(has_text="Dropwatch API").wait_for()
    page.get_by_text("/api/v1/findings/{finding_id}/snooze").first.wait_for()
    assert page.locator(".opblock").count() >= 19
    status = page.evaluate(
        """async (token) => (await fetch("/api/v1/suppliers", {headers: {Authorization: "Bearer " + token}})).status""",
        plain,
    )
    assert status == 200


def test_out_of_range_numbers_in_queries_are_answered_not_500(alice_api, world):
    huge = 10**30
    for url, query in (
        (f"{API}/products", {"supplier": huge}),
        (f"{API}/products", {"page": huge}),
        (f"{API}/findings", {"product": huge, "page_size": huge}),
        (f"{API}/test-orders", {"supplier": huge}),
        (f"{API}/products/{world.product.pk}/history", {"page": -5, "page_size": 0}),
    ):
        response = alice_api.get(url, query)
        assert response.status_code in (200, 404, 422), (url, query, response.status_code)
        if response.status_code == 200:
            assert response.json()["page_size"] <= 200
