"""Access, generated from the URL resolver rather than hand-listed: for every route that takes an id, bob (an
outsider) using alice's real ids gets a 404 with none of her data and no side effect, in full pages, htmx
fragments and POSTs alike; pages without ids show each user only their own; anonymous visitors are sent to
sign in everywhere but the few public routes; unsubscribe tokens name one account; the admin is closed to
non-staff. A new id-taking route fails `test_every_id_route_is_in_the_matrix` until it is described in
tests/support/security_world.py:ID_ROUTES."""

import csv
import io

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
}


@pytest.mark.parametrize("name", PLAIN_ROUTE_NAMES)
def test_pages_without_ids_show_only_the_users_own(name, worlds, bob_client):
    a, b = worlds
    url = reverse(name)
    for extra in ({}, HX):
        before = snapshot()
        response = bob_client.get(url, **extra)
        assert not diff(before, snapshot()), url
        assert response.status_code in (200, 302, 405), (url, response.status_code)
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
            if name != "unsubscribe" or method == "GET":
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
