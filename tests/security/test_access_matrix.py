"""Access, generated from the URL resolver rather than hand-listed: for every route that takes an id, bob (an
outsider) using alice's real ids gets a 404 with none of her data and no side effect, in full pages, htmx
fragments and POSTs alike; pages without ids show each user only their own; anonymous visitors are sent to
sign in everywhere but the few public routes; unsubscribe tokens name one account; the admin is closed to
non-staff. A new id-taking route fails `test_every_id_route_is_in_the_matrix` until it is described in
tests/support/security_world.py:ID_ROUTES."""

import csv
import io
import json

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from accounts.models import NotifyMode, settings_for
from monitoring.alerts import email as alerts
from orderlog.models import Order
from suppliers.models import Product, Supplier
from tests.support.security_world import (
    ADMIN_ROUTES,
    API_PUBLIC_ROUTES,
    API_ROUTES,
    APP_ROUTES,
    ID_ROUTE_NAMES,
    ID_ROUTES,
    PLAIN_ROUTE_NAMES,
    PNG,
    PUBLIC_ROUTES,
    QUERY_ID_ROUTES,
    body_of,
    build_world,
    content_of,
    diff,
    snapshot,
    upload,
    url_for,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
METHODS = [("GET", {}), ("GET", HX), ("POST", {}), ("POST", HX)]


@pytest.fixture
def worlds(alice, bob, media, queue):
    """One of everything for alice (the victim) and for bob (the outsider)."""
    a = build_world(alice, "ALICEMARK")
    b = build_world(bob, "BOBMARK")
    queue.clear()
    return a, b


def request(client, method, url, data=None, **extra):
    if method == "GET":
        return client.get(url, **extra)
    return client.post(url, data or {}, **extra)


def assert_nothing_of(victim, response, where):
    body = body_of(response)
    for marker in victim.markers:
        assert marker not in body, f"{where}: {marker!r} leaked"
    assert PNG not in content_of(response), f"{where}: the photo leaked"
    location = response.get("Location", "")
    for marker in victim.markers:
        assert marker not in location, f"{where}: {marker!r} in Location"


# --- the matrix covers every id-taking route ------------------------------------------------------


def test_every_id_route_is_in_the_matrix():
    """A new route with an id must be described in security_world.ID_ROUTES (how to fill it, what to post)."""
    missing = sorted(set(ID_ROUTE_NAMES) - set(ID_ROUTES))
    stale = sorted(set(ID_ROUTES) - set(ID_ROUTE_NAMES))
    assert not missing, f"id-taking routes with no access test: {missing}"
    assert not stale, f"ID_ROUTES names routes that no longer exist: {stale}"


def test_the_resolver_walk_finds_the_routes_we_know():
    names = {r.name for r in APP_ROUTES}
    assert {"dashboard", "product_detail", "test_order_photo", "email_detail", "unsubscribe", "login"} <= names
    assert {"admin:index", "admin:suppliers_product_change"} <= {r.name for r in ADMIN_ROUTES}
    assert len(ID_ROUTE_NAMES) >= 20


# --- bob with alice's ids -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ID_ROUTE_NAMES)
def test_bob_gets_404_for_alices_ids_with_no_data_and_no_side_effect(name, worlds, bob_client, alice, queue):
    a, b = worlds
    spec = ID_ROUTES.get(name)
    assert spec is not None, f"{name} is not in security_world.ID_ROUTES"
    owner = Client()
    owner.force_login(alice)
    for kwargs in spec.variants(a, b):
        url = url_for(name, kwargs)
        status = {}
        for method, extra in METHODS:
            where = f"{method}{' (htmx)' if extra else ''} {url}"
            before = snapshot()
            response = request(bob_client, method, url, spec.data(a), **extra)
            assert not diff(before, snapshot()), f"{where} changed {diff(before, snapshot())}"
            assert queue == [], f"{where} queued a check"
            assert response.status_code in (spec.expect, 405), f"{where}: {response.status_code}"
            assert_nothing_of(a, response, where)
            if name == "password_reset_confirm":
                assert 'name="new_password1"' not in body_of(response), where
            status[method, bool(extra)] = response.status_code
        for (method, hx), code in status.items():
            if code != 405:
                continue
            # 405 only where the method is not allowed at all: the owner gets 405 too, the other method 404.
            other = "POST" if method == "GET" else "GET"
            assert status[other, hx] == spec.expect, f"{url}: {method} 405 and {other} {status[other, hx]}"
            extra = HX if hx else {}
            assert request(owner, method, url, spec.data(a), **extra).status_code == 405, f"{method} {url}"
    bob_client.get(reverse("dashboard"))  # bob's session still works: nothing above broke it


@pytest.mark.parametrize(("name", "query", "expect"), QUERY_ID_ROUTES, ids=[r[0] for r in QUERY_ID_ROUTES])
def test_alices_ids_in_the_query_string(name, query, expect, worlds, bob_client):
    a, _b = worlds
    url = reverse(name)
    for method, extra in METHODS:
        before = snapshot()
        response = request(bob_client, method, url + "?" + "&".join(f"{k}={v}" for k, v in query(a).items()), **extra)
        assert not diff(before, snapshot()), (method, url)
        assert response.status_code in (expect, 405) if method == "POST" else response.status_code == expect
        assert_nothing_of(a, response, f"{method} {url}")


def test_out_of_range_and_garbage_ids_are_404_not_500(worlds, alice_client):
    """Ids past the database's integer range (and `kind`s that are not models) are plain 404s."""
    a, b = worlds
    huge = 10**30
    for name in ID_ROUTE_NAMES:
        spec = ID_ROUTES[name]
        kwargs = {k: (huge if isinstance(v, int) else v) for k, v in spec.own_kwargs(a, b).items()}
        if kwargs == spec.own_kwargs(a, b):
            continue  # no integer id (tokens)
        for method in ("GET", "POST"):
            code = request(alice_client, method, url_for(name, kwargs)).status_code
            assert code in (404, 405), (name, method, code)
    for name in ("check_now", "check_status"):
        response = alice_client.post(reverse(name, kwargs={"kind": "user", "pk": a.user.pk}))
        assert response.status_code == 404


# --- pages without ids --------------------------------------------------------------------------------

SHOWS_OWN = {
    "dashboard",
    "supplier_list",
    "product_list",
    "finding_list",
    "test_order_list",
    "test_order_export",
    "email_log",
    "api_tokens",
    "store_list",
    "store_unmapped",
    "companion_settings",
}


STAFF_ONLY = {"team", "team_invite"}  # a 404 to anyone but staff (tests/accounts/test_team.py: staff see them)


@pytest.mark.parametrize("name", PLAIN_ROUTE_NAMES)
def test_pages_without_ids_show_only_the_users_own(name, worlds, bob_client):
    a, b = worlds
    url = reverse(name)
    for extra in ({}, HX):
        before = snapshot()
        response = bob_client.get(url, **extra)
        assert not diff(before, snapshot()), url
        expected = (404,) if name in STAFF_ONLY else (200, 302, 405)
        assert response.status_code in expected, (url, response.status_code)
        assert_nothing_of(a, response, url)
        if name in SHOWS_OWN:
            shown = any(marker in body_of(response) for marker in b.markers)
            assert shown, f"{url} does not show bob his own (so the check above would prove little)"
    if name == "settings":
        assert b.user.email in body_of(bob_client.get(url))


def test_the_export_holds_only_the_users_own_orders(worlds, bob_client):
    _a, b = worlds
    rows = list(csv.DictReader(io.StringIO(bob_client.get(reverse("test_order_export")).content.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == [str(b.order.pk)]


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("product_add_manual", lambda a, b: {"url": "https://shop.example/p/new", "supplier": a.supplier.pk}),
        ("test_order_add", lambda a, b: {"supplier": a.supplier.pk, "ordered_on": "2026-01-10"}),
        (
            "test_order_add",
            lambda a, b: {"supplier": b.supplier.pk, "product": a.product.pk, "ordered_on": "2026-01-10"},
        ),
        ("product_edit", lambda a, b: {"url": b.product.url, "supplier": a.supplier.pk, "check_interval": "6"}),
        ("test_order_edit", lambda a, b: {"product": a.product.pk, "ordered_on": "2026-01-10", "currency": "USD"}),
    ],
    ids=["product-supplier", "order-supplier", "order-product", "edit-product-supplier", "edit-order-product"],
)
def test_forms_refuse_alices_ids_in_their_fields(name, form, worlds, bob_client):
    """Bob's own forms cannot point at alice's objects: a form error, and nothing of hers is touched."""
    a, b = worlds
    if name == "product_edit":
        url = reverse(name, args=[b.product.pk])
    elif name == "test_order_edit":
        url = reverse(name, args=[b.order.pk])
    else:
        url = reverse(name)
    before = snapshot()
    response = bob_client.post(url, form(a, b))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode(), name
    assert not diff(before, snapshot())
    assert not Product.objects.filter(owner=b.user, supplier=a.supplier).exists()
    assert not Order.objects.filter(owner=b.user, supplier=a.supplier).exists()


def test_bulk_finding_actions_ignore_alices_ids(worlds, bob_client):
    """Bob ticks alice's finding (a forged form): nothing of hers changes, and he is told 0 findings changed."""
    a, _b = worlds
    assert a.finding.resolved_at is None
    for action in ("acknowledge", "7d"):
        for extra in ({}, HX):
            before = snapshot()
            response = bob_client.post(reverse("finding_bulk"), {"ids": [a.finding.pk], "action": action}, **extra)
            assert not diff(before, snapshot()), (action, extra)
            assert response.status_code in (200, 302), response.status_code
            if extra:
                assert "0 findings" in body_of(response)
                assert_nothing_of(a, response, f"bulk {action}")


# --- anonymous visitors -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(r.name for r in APP_ROUTES))
def test_anonymous_visitors_are_sent_to_sign_in(name, worlds, client):
    a, b = worlds
    spec = ID_ROUTES.get(name)
    url = url_for(name, spec.own_kwargs(a, b) if spec else None)
    login = reverse("login")
    for method, extra in METHODS:
        before = snapshot()
        data = spec.data(a) if spec else {}
        response = request(client, method, url, data, **extra)
        where = f"{method} {url}"
        if name in PUBLIC_ROUTES:
            assert not response.get("Location", "").startswith(f"{login}?next="), f"{where} is meant to be public"
            # A valid link acts on POST by design (the signed link is the authority); a GET never does.
            if name not in ("unsubscribe", "invitation_accept", "email_change_confirm") or method == "GET":
                assert not diff(before, snapshot()), where
            continue
        assert response.status_code == 302, f"{where}: {response.status_code} (not public: add login_required)"
        assert response["Location"].startswith(f"{login}?next="), where
        assert not diff(before, snapshot()), where
        assert_nothing_of(a, response, where)


def test_the_public_routes_exist_and_answer():
    names = {r.name for r in APP_ROUTES}
    assert names >= PUBLIC_ROUTES, PUBLIC_ROUTES - names


# --- unsubscribe links ----------------------------------------------------------------------------------


def test_alices_unsubscribe_link_stops_only_alice_whoever_follows_it(worlds, bob_client):
    a, b = worlds
    response = bob_client.post(reverse("unsubscribe", args=[a.token]))
    assert response.status_code == 200
    assert settings_for(a.user).notify_mode == NotifyMode.OFF
    assert settings_for(b.user).notify_mode == NotifyMode.IMMEDIATE


def test_a_tampered_or_foreign_token_is_404_and_stops_nothing(worlds, client):
    a, b = worlds
    for kwargs in ID_ROUTES["unsubscribe"].variants(a, b):
        for method in ("GET", "POST"):
            assert request(client, method, url_for("unsubscribe", kwargs)).status_code == 404, kwargs
    assert settings_for(a.user).notify_mode == NotifyMode.IMMEDIATE


def test_a_token_for_a_deactivated_account_stops_nothing(worlds, client):
    a, _b = worlds
    a.user.is_active = False
    a.user.save(update_fields=["is_active"])
    assert client.post(reverse("unsubscribe", args=[a.token])).status_code == 404
    assert settings_for(a.user).notify_mode == NotifyMode.IMMEDIATE


def test_one_click_unsubscribe_from_a_mail_provider(worlds):
    """RFC 8058: the provider POSTs List-Unsubscribe=One-Click with no cookie and no CSRF token."""
    a, b = worlds
    message = alerts.render(a.email)
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    provider = Client(enforce_csrf_checks=True)
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = provider.post("/" + path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert settings_for(a.user).notify_mode == NotifyMode.OFF
    assert settings_for(b.user).notify_mode == NotifyMode.IMMEDIATE


# --- the admin ------------------------------------------------------------------------------------------


def _admin_kwargs(route, a):
    kwargs = {}
    model = None
    parts = route.name.split(":", 1)[1].split("_")
    for app_label, model_admin in ((m._meta.app_label, m) for m in admin.site._registry):
        prefix = f"{app_label}_{model_admin._meta.model_name}_"
        if route.name.split(":", 1)[1].startswith(prefix):
            model = model_admin
    for param in route.params:
        if param == "app_label":
            kwargs[param] = "suppliers"
        elif param == "content_type_id":
            kwargs[param] = ContentType.objects.get_for_model(Product).pk
        elif param in ("object_id", "id"):
            target = {Product: a.product, Supplier: a.supplier, Order: a.order}.get(model)
            if target is None and model is not None:
                target = model._base_manager.order_by("pk").first()
            kwargs[param] = str(target.pk if target is not None else (a.product.pk if model is None else 1))
        else:
            raise AssertionError(f"admin route {route.name} takes {param!r}: teach _admin_kwargs ({parts})")
    return kwargs


def test_the_admin_is_closed_to_signed_in_non_staff(worlds, bob_client):
    a, _b = worlds
    login = reverse("admin:login")
    logout = reverse("admin:logout")
    checked = 0
    for route in ADMIN_ROUTES:
        if route.name == "admin:login":
            continue
        url = reverse(route.name, kwargs=_admin_kwargs(route, a) or None)
        for method in ("GET", "POST"):
            before = snapshot()
            response = request(bob_client, method, url)
            assert response.status_code == 302, (method, url)
            # Everything sends a non-staff user to the admin's login (its logout to the admin's index first).
            assert response["Location"].startswith(login if url != logout else reverse("admin:index")), (method, url)
            assert not diff(before, snapshot()), url
            assert_nothing_of(a, response, url)
            checked += 1
    assert checked >= 100


def test_uploads_to_alices_order_are_refused_before_reading(worlds, bob_client, media):
    """Bob's photo never lands in alice's order, not even as a file on disk."""
    a, _b = worlds
    before = snapshot()
    response = bob_client.post(reverse("test_order_photo_add", args=[a.order.pk]), {"photos": [upload("x.png")]})
    assert response.status_code == 404
    assert not diff(before, snapshot())


# --- the token API (/api/v1/) -------------------------------------------------------------------------
# Driven by the API's own OpenAPI schema, so a new operation fails `test_every_api_operation_is_in_the_matrix`
# until it is described here: the path ids to fill (the victim's) and a plausible JSON body.


class ApiOp:
    def __init__(self, ids=None, body=None, fetches=False, companion=False):
        self.ids = ids or (lambda w: {})  # path parameters, from a World
        self.body = body  # JSON body, from a World (POST)
        self.fetches = fetches  # would read a shop page: not called with a valid token here
        self.companion = companion  # opens with a companion token only (api/companion.py)


API_OPS = {
    "supplier_list": ApiOp(),
    "supplier_create": ApiOp(body=lambda w: {"store_url": "https://www.aliexpress.com/store/424242"}),
    "supplier_preview": ApiOp(body=lambda w: {"store_url": "https://www.aliexpress.com/store/424242"}, fetches=True),
    "supplier_detail": ApiOp(ids=lambda w: {"supplier_id": w.supplier.pk}),
    "supplier_trust": ApiOp(ids=lambda w: {"supplier_id": w.supplier.pk}),
    "supplier_history": ApiOp(ids=lambda w: {"supplier_id": w.supplier.pk}),
    "product_list": ApiOp(),
    "product_create": ApiOp(body=lambda w: {"url": "https://shop.example/products/new-one"}, fetches=True),
    "product_preview": ApiOp(body=lambda w: {"url": "https://shop.example/products/new-one"}, fetches=True),
    "product_detail": ApiOp(ids=lambda w: {"product_id": w.product.pk}),
    "product_history": ApiOp(ids=lambda w: {"product_id": w.product.pk}),
    "finding_list": ApiOp(),
    "finding_detail": ApiOp(ids=lambda w: {"finding_id": w.finding.pk}),
    "finding_acknowledge": ApiOp(ids=lambda w: {"finding_id": w.finding.pk}, body=lambda w: {}),
    "finding_snooze": ApiOp(ids=lambda w: {"finding_id": w.finding.pk}, body=lambda w: {"until": "2099-01-01"}),
    "finding_resolve": ApiOp(ids=lambda w: {"finding_id": w.finding.pk}, body=lambda w: {}),
    "order_list": ApiOp(),
    "order_create": ApiOp(
        body=lambda w: {"supplier_id": w.supplier.pk, "product_id": w.product.pk, "ordered_on": "2026-01-10"}
    ),
    "order_detail": ApiOp(ids=lambda w: {"order_id": w.order.pk}),
    "store_list": ApiOp(),
    "store_unmapped": ApiOp(),
    "store_sync": ApiOp(ids=lambda w: {"store_id": w.store.pk}, body=lambda w: {}),
    # The browser companion's routes: a companion token, and nothing else, opens them (and only them).
    "companion_session": ApiOp(companion=True),
    "companion_page_add": ApiOp(
        body=lambda w: {"url": w.product.url, "html": "<html><title>x</title></html>"}, companion=True
    ),
    "companion_claims": ApiOp(body=lambda w: {}, companion=True),
    "companion_answer": ApiOp(body=lambda w: {"claim": "forged", "html": "<html></html>"}, companion=True),
}


def _api_operations():
    from api.v1 import api

    ops = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, op in methods.items():
            ops.append((op["operationId"], method.upper(), path))
    return sorted(ops)


API_OPERATIONS = _api_operations()


def api_call(client, method, path, body=None, **headers):
    if method == "GET":
        return client.get(path, **headers)
    return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)


def with_token(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_every_api_operation_is_in_the_matrix():
    operations = {op for op, _m, _p in API_OPERATIONS}
    assert operations == set(API_OPS), operations ^ set(API_OPS)
    # Every resolver route under /api/v1/ is an operation of the schema, or the schema and docs themselves.
    assert {r.name for r in API_ROUTES} == {f"api-v1:{op}" for op in operations} | API_PUBLIC_ROUTES


@pytest.mark.parametrize(("operation", "method", "path"), API_OPERATIONS, ids=[o[0] for o in API_OPERATIONS])
def test_api_without_a_valid_token_is_401_with_no_side_effect(operation, method, path, worlds, client, queue):
    a, b = worlds
    op = API_OPS[operation]
    url = path.format(**op.ids(a))
    revoked = a.api_token
    revoked.revoked_at = revoked.created_at
    revoked.save(update_fields=["revoked_at"])
    for headers in (
        {},
        with_token("dw_" + "0" * 43),
        with_token(a.api_key),  # revoked just above
        {"HTTP_AUTHORIZATION": f"Token {b.api_key}"},
    ):
        before = snapshot()
        response = api_call(client, method, url, op.body(a) if op.body else None, **headers)
        assert response.status_code == 401, (operation, headers, response.status_code)
        assert response.json()["error"]["code"] == "unauthorized"
        assert not diff(before, snapshot()), (operation, diff(before, snapshot()))
        assert queue == []
        assert_nothing_of(a, response, f"{method} {url}")


ID_OPERATIONS = [o for o in API_OPERATIONS if "{" in o[2]]


@pytest.mark.parametrize(("operation", "method", "path"), ID_OPERATIONS, ids=[o[0] for o in ID_OPERATIONS])
def test_bobs_token_on_alices_ids_is_404_with_no_data_and_no_side_effect(operation, method, path, worlds, queue):
    a, b = worlds
    op = API_OPS[operation]
    bob = Client()
    headers = with_token(b.api_key)
    bob.get("/api/v1/suppliers", **headers)  # last_used_at is written now, not during the snapshot below
    variants = [op.ids(a)]
    # Mixed: the victim's id in one place, the attacker's elsewhere (one path id per route today).
    for kwargs in variants:
        url = path.format(**kwargs)
        for body in [op.body(a), op.body(b)] if op.body else [{}]:
            before = snapshot()
            response = api_call(bob, method, url, body, **headers)
            assert response.status_code == 404, (operation, url, response.status_code, response.content[:300])
            assert response.json()["error"] == {
                "status": 404,
                "code": "not_found",
                "message": "Not found.",
                "details": None,
            }
            assert not diff(before, snapshot()), (operation, diff(before, snapshot()))
            assert queue == []
            assert_nothing_of(a, response, f"{method} {url}")
    if op.body and method == "POST":
        # A body that does not validate is refused the same whether the id is someone's or nobody's.
        mine = api_call(bob, method, path.format(**op.ids(a)), {"until": 1, "x": []}, **headers)
        nobody = api_call(bob, method, path.format(**{k: 10**9 for k in op.ids(a)}), {"until": 1, "x": []}, **headers)
        assert (mine.status_code, mine.content) == (nobody.status_code, nobody.content), operation
    # The same route with alice's own token answers (so the 404 above is about whose id it is) ...
    owner = Client()
    response = api_call(
        owner, method, path.format(**op.ids(a)), op.body(a) if op.body else None, **with_token(a.api_key)
    )
    assert response.status_code == 200, (operation, response.content[:300])
    # ... and ids beyond the database's integer range are a plain 404, not a 500.
    huge = path.format(**{k: 10**30 for k in op.ids(a)})
    assert api_call(owner, method, huge, op.body(a) if op.body else None, **with_token(a.api_key)).status_code == 404


PLAIN_OPERATIONS = [o for o in API_OPERATIONS if "{" not in o[2] and o[1] == "GET" and not API_OPS[o[0]].companion]


@pytest.mark.parametrize(("operation", "method", "path"), PLAIN_OPERATIONS, ids=[o[0] for o in PLAIN_OPERATIONS])
def test_api_lists_show_bob_only_his_own(operation, method, path, worlds):
    a, b = worlds
    response = Client().get(path, **with_token(b.api_key))
    assert response.status_code == 200
    assert_nothing_of(a, response, path)
    assert response.json()["count"] >= 1, f"{path} shows bob nothing of his own (so the check proves little)"


@pytest.mark.parametrize(
    ("path", "query", "expect"),
    [
        ("/api/v1/products", lambda a: {"supplier": a.supplier.pk}, 200),
        ("/api/v1/findings", lambda a: {"product": a.product.pk}, 200),
        ("/api/v1/findings", lambda a: {"supplier": a.supplier.pk}, 200),
        ("/api/v1/test-orders", lambda a: {"supplier": a.supplier.pk}, 404),
    ],
    ids=["products-supplier", "findings-product", "findings-supplier", "test-orders-supplier"],
)
def test_alices_ids_in_api_filters(path, query, expect, worlds):
    a, b = worlds
    response = Client().get(path, query(a), **with_token(b.api_key))
    assert response.status_code == expect
    assert_nothing_of(a, response, path)
    if expect == 200:
        assert response.json()["count"] == 0


@pytest.mark.parametrize("field", ["supplier_id", "product_id"])
def test_alices_ids_in_an_api_body_are_refused(field, worlds, queue):
    a, b = worlds
    body = {"supplier_id": b.supplier.pk, "product_id": b.product.pk, "ordered_on": "2026-01-10"}
    body[field] = getattr(a, field.removesuffix("_id")).pk
    headers = with_token(b.api_key)
    Client().get("/api/v1/suppliers", **headers)
    before = snapshot()
    response = api_call(Client(), "POST", "/api/v1/test-orders", body, **headers)
    assert response.status_code == 422 and field in response.json()["error"]["details"]
    assert not diff(before, snapshot())
    assert not Order.objects.filter(owner=b.user, supplier=a.supplier).exists()


def test_the_api_schema_and_docs_are_public_and_hold_no_ones_data(worlds, client):
    a, _b = worlds
    for name in sorted(API_PUBLIC_ROUTES - {"api-v1:api-root"}):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_nothing_of(a, response, name)


# --- the browser companion's token -------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "method", "path"), API_OPERATIONS, ids=[o[0] for o in API_OPERATIONS])
def test_each_token_kind_opens_only_its_own_routes(operation, method, path, worlds, queue):
    """A stolen companion token reaches no API route but the companion's; an API token none of those."""
    a, _b = worlds
    op = API_OPS[operation]
    wrong = a.api_key if op.companion else a.companion_key
    url = path.format(**op.ids(a))
    before = snapshot()
    response = api_call(Client(), method, url, op.body(a) if op.body else None, **with_token(wrong))
    assert response.status_code == 401, (operation, response.status_code)
    assert response.json()["error"]["code"] == "unauthorized"
    assert not diff(before, snapshot()), (operation, diff(before, snapshot()))
    assert queue == []
    assert_nothing_of(a, response, f"{method} {url}")
