"""The browser companion's server side (api/companion.py, monitoring/companion.py, suppliers.intake): companion
tokens made and revoked in Settings, "Add this page" ending in the add preview, and "Check from my browser":
which products are handed out, and every way an answer is refused (forged, replayed, expired, another
user's, over the cap). The real extension in a real Chromium is tests/api/test_companion_browser.py."""

import json
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import settings_for
from api.models import ApiToken, TokenKind
from api.tokens import token_create
from demo import pages
from demo.scenario import PRODUCTS, state
from monitoring import companion
from monitoring.checking import record_product_check
from monitoring.models import CompanionClaim, CompanionPage, Snapshot
from monitoring.observation import Observation
from monitoring.statuses import CheckStatus
from suppliers import services
from suppliers.models import Product

pytestmark = pytest.mark.django_db

API = "/api/v1/companion"
LIGHTS = next(p for p in PRODUCTS if p.key == "string-lights")


def real_page() -> str:
    """The demo shop's AliExpress page of the string lights, as a browser that passed the captcha gets it."""
    return pages.aliexpress_item(LIGHTS, state(LIGHTS, 0))


def companion_client(user, name="laptop") -> Client:
    _token, plain = token_create(owner=user, name=name, kind=TokenKind.COMPANION)
    return Client(headers={"Authorization": f"Bearer {plain}"})


def post(client, path, data):
    return client.post(API + path, json.dumps(data), content_type="application/json")


def blocked_product(
    owner, *, url="https://www.aliexpress.com/item/1005009000001.html", platform="aliexpress", due=True
):
    """A product whose latest server check met a captcha page, due now."""
    product = services.product_create(owner=owner, url=url, platform=platform, title="Fairy lights")
    slot = timezone.now() - timedelta(hours=1)
    Product.objects.filter(pk=product.pk).update(pending_slot=slot)
    record_product_check(
        product.pk, slot=slot, obs=Observation.failed(CheckStatus.BLOCKED, "captcha"), now=slot + timedelta(seconds=5)
    )
    next_at = timezone.now() - timedelta(minutes=1) if due else timezone.now() + timedelta(hours=5)
    Product.objects.filter(pk=product.pk).update(next_check_at=next_at)
    product.refresh_from_db()
    return product


def opt_in(user, *platforms):
    prefs = settings_for(user)
    prefs.companion_platforms = list(platforms)
    prefs.save()


@pytest.fixture
def alice_companion(alice):
    opt_in(alice, "aliexpress")
    return companion_client(alice)


# --- tokens --------------------------------------------------------------------------------------------


def test_a_companion_token_is_made_in_settings_shown_once_stored_hashed_and_revoked(alice_client, alice):
    response = alice_client.post(reverse("companion_settings"), {"action": "token", "name": "Firefox at home"})
    assert response.status_code == 200
    plain = response.context["plain"]
    assert plain.startswith("dwc_") and plain in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(owner=alice, kind=TokenKind.COMPANION)
    assert token.digest != plain and plain not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert plain not in alice_client.get(reverse("companion_settings")).content.decode()  # shown once
    client = Client(headers={"Authorization": f"Bearer {plain}"})
    assert client.get(API + "/session").json()["username"] == alice.username
    alice_client.post(reverse("companion_token_revoke", args=[token.pk]))
    assert client.get(API + "/session").status_code == 401
    # The API tokens page lists API tokens only.
    assert "Firefox at home" not in alice_client.get(reverse("api_tokens")).content.decode()


def test_platforms_are_opted_in_one_by_one_in_settings(alice_client, alice):
    alice_client.post(reverse("companion_settings"), {"action": "platforms", "platforms": ["shopify", "nonsense"]})
    assert settings_for(alice).companion_platforms == ["shopify"]
    assert companion_client(alice).get(API + "/session").json()["platforms"] == ["shopify"]


def test_a_companion_token_opens_no_other_api_route_and_an_api_token_no_companion_route(alice):
    _t, api_key = token_create(owner=alice, name="script")
    _t, companion_key = token_create(owner=alice, name="browser", kind=TokenKind.COMPANION)
    for path in ("/api/v1/products", "/api/v1/findings", "/api/v1/suppliers", "/api/v1/test-orders"):
        assert Client().get(path, HTTP_AUTHORIZATION=f"Bearer {companion_key}").status_code == 401, path
        assert Client().get(path, HTTP_AUTHORIZATION=f"Bearer {api_key}").status_code == 200, path
    assert Client().get(API + "/session", HTTP_AUTHORIZATION=f"Bearer {api_key}").status_code == 401
    assert Client().get(API + "/session", HTTP_AUTHORIZATION=f"Bearer {companion_key}").status_code == 200


# --- Add this page ---------------------------------------------------------------------------------------


def test_add_this_page_reads_the_html_and_answers_the_preview(alice, alice_client, alice_companion):
    url = "https://www.aliexpress.com/item/1005001234567890.html?spm=a2g0o"
    response = post(alice_companion, "/pages", {"url": url, "html": real_page(), "price": "0.01"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "ok"
    preview = alice_client.get(body["preview_url"].split("testserver", 1)[1])
    html = preview.content.decode()
    assert preview.status_code == 200
    expected = state(LIGHTS, 0)
    assert LIGHTS.title in html and f"{expected.price:.2f}" in html  # the server's reading, not the "price" sent
    assert "Add and watch this product" in html and 'name="token"' in html
    assert Product.objects.filter(owner=alice).count() == 0  # nothing added before the user confirms
    page = CompanionPage.objects.get(owner=alice)
    assert "<html" not in json.dumps(page.observation)  # what was read is kept, never the HTML


def test_a_block_page_sent_with_add_this_page_is_recognised_as_blocked(alice, alice_client, alice_companion):
    response = post(
        alice_companion, "/pages", {"url": "https://www.aliexpress.com/item/1005000001.html", "html": pages.BLOCK_PAGE}
    )
    assert response.json()["status"] == "blocked"
    html = alice_client.get(response.json()["preview_url"].split("testserver", 1)[1]).content.decode()
    assert "Blocked by the shop" in html


def test_add_this_page_refuses_bad_addresses_and_private_hosts(alice_companion):
    assert post(alice_companion, "/pages", {"url": "javascript:alert(1)", "html": "<p>"}).status_code == 422
    response = post(alice_companion, "/pages", {"url": "http://10.0.0.7/products/x", "html": real_page()})
    assert response.status_code == 201 and response.json()["status"] == "refused"
    assert post(alice_companion, "/pages", {"url": "https://shop.example/p"}).status_code == 422  # no html


def test_another_users_preview_is_404(alice_companion, bob_client):
    response = post(
        alice_companion, "/pages", {"url": "https://www.aliexpress.com/item/1005000002.html", "html": real_page()}
    )
    assert bob_client.get(response.json()["preview_url"].split("testserver", 1)[1]).status_code == 404


# --- Check from my browser: what is handed out ----------------------------------------------------------------


def test_only_the_users_own_blocked_due_products_on_enabled_platforms_are_handed_out(alice, bob, alice_companion):
    mine = blocked_product(alice)
    blocked_product(bob, url="https://www.aliexpress.com/item/1005009000002.html")  # bob's
    blocked_product(alice, url="https://shop.example/products/lamp", platform="structured")  # not opted in
    blocked_product(alice, url="https://www.aliexpress.com/item/1005009000003.html", due=False)  # due in 5 h
    healthy = services.product_create(owner=alice, url="https://www.aliexpress.com/item/1005009000004.html")
    Product.objects.filter(pk=healthy.pk).update(next_check_at=timezone.now())
    claims = post(alice_companion, "/claims", {}).json()["claims"]
    assert [c["url"] for c in claims] == [mine.url]
    mine.refresh_from_db()
    # Claimed like a worker's slot: the tick leaves it alone until the claim expires.
    assert mine.check_claim.startswith("companion:") and mine.next_check_at > timezone.now() + timedelta(minutes=9)
    assert post(alice_companion, "/claims", {}).json()["claims"] == []  # not handed out twice


def test_a_live_claim_is_not_handed_out_again_past_the_workers_time_limit(alice, alice_companion):
    """A claim lives claim_ttl() (10 min), longer than a worker's hard time limit (5 min): between the two the
    product is still the browser's, not free for a second claim; after the claim expires it may be claimed again."""
    product = blocked_product(alice)
    claim_for(alice_companion, product)
    issued = timezone.now()
    six_minutes = issued + timedelta(minutes=6)
    assert companion.claims_issue(owner=alice, platforms=["aliexpress"], now=six_minutes) == []
    after_expiry = issued + companion.claim_ttl() + timedelta(seconds=1)
    (again,) = companion.claims_issue(owner=alice, platforms=["aliexpress"], now=after_expiry)
    assert again.product_id == product.pk


def test_nothing_is_handed_out_without_opting_in(alice):
    blocked_product(alice)
    assert post(companion_client(alice), "/claims", {}).json()["claims"] == []


def test_claims_of_one_site_are_spaced_by_the_per_site_interval(alice, alice_companion, settings):
    settings.FETCH_HOST_INTERVAL = 2.0
    for n in range(3):
        blocked_product(alice, url=f"https://www.aliexpress.com/item/100500900001{n}.html")
    waits = sorted(c["wait_seconds"] for c in post(alice_companion, "/claims", {}).json()["claims"])
    assert waits == [0.0, 2.0, 4.0]


# --- Check from my browser: answering ---------------------------------------------------------------------


def claim_for(client, product):
    (claim,) = [c for c in post(client, "/claims", {}).json()["claims"] if c["url"] == product.url]
    return claim["claim"]


def test_an_answer_is_recorded_as_a_normal_check_from_the_browser(alice, alice_companion):
    product = blocked_product(alice)
    claim = claim_for(alice_companion, product)
    # Whatever the extension says about the page besides its HTML is not used.
    response = post(
        alice_companion, "/answers", {"claim": claim, "html": real_page(), "url": "https://evil.example/", "price": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ok"
    product.refresh_from_db()
    expected = state(LIGHTS, 0)
    assert product.last_status == CheckStatus.OK and product.price == expected.price
    assert product.last_message.startswith("From your browser.")
    assert product.pending_slot is None and product.check_claim == "" and product.next_check_at > timezone.now()
    latest = Snapshot.objects.filter(product=product).latest("taken_at")
    assert (latest.via, latest.status, latest.price) == ("browser", "ok", expected.price)
    assert product.url == "https://www.aliexpress.com/item/1005009000001.html"
    # The history says so too (as JSON through the API, and in the CSV export).
    _t, key = token_create(owner=alice, name="script")
    rows = Client().get(f"/api/v1/products/{product.pk}/history", HTTP_AUTHORIZATION=f"Bearer {key}").json()["items"]
    assert [r["via"] for r in rows] == ["server", "browser"]


def test_a_block_page_from_the_browser_is_recorded_as_blocked(alice, alice_companion):
    product = blocked_product(alice)
    response = post(
        alice_companion, "/answers", {"claim": claim_for(alice_companion, product), "html": pages.BLOCK_PAGE}
    )
    assert response.json()["status"] == "blocked"
    product.refresh_from_db()
    assert product.price is None  # a captcha page is never parsed as data
    assert Snapshot.objects.filter(product=product, via="browser", status="blocked").count() == 1


def test_a_forged_claim_is_refused(alice, alice_companion):
    product = blocked_product(alice)
    claim = claim_for(alice_companion, product)
    tampered = claim[:-3] + ("aaa" if not claim.endswith("aaa") else "bbb")
    other_key = signing.dumps({"c": 1, "o": alice.pk, "p": product.pk}, key="not-our-secret", salt=companion.CLAIM_SALT)
    for forged in (tampered, other_key, "", "x" * 5000):
        response = post(alice_companion, "/answers", {"claim": forged, "html": real_page()})
        assert response.status_code == 403, (forged[:20], response.status_code)
        assert response.json()["error"]["code"] == "claim_invalid"
    product.refresh_from_db()
    assert product.last_status == CheckStatus.BLOCKED and not Snapshot.objects.filter(via="browser").exists()


def test_a_replayed_claim_is_refused(alice, alice_companion):
    product = blocked_product(alice)
    claim = claim_for(alice_companion, product)
    assert post(alice_companion, "/answers", {"claim": claim, "html": real_page()}).status_code == 200
    replay = post(alice_companion, "/answers", {"claim": claim, "html": pages.BLOCK_PAGE})
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "claim_used"
    assert Snapshot.objects.filter(product=product, via="browser").count() == 1
    product.refresh_from_db()
    assert product.last_status == CheckStatus.OK


def test_an_expired_claim_is_refused(alice, alice_companion, monkeypatch):
    product = blocked_product(alice)
    claim = claim_for(alice_companion, product)
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 11 * 60)  # its signature is 11 minutes old
    response = post(alice_companion, "/answers", {"claim": claim, "html": real_page()})
    assert response.status_code == 410 and response.json()["error"]["code"] == "claim_expired"
    monkeypatch.setattr(signing.time, "time", real_time)
    CompanionClaim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # the row says so too
    assert post(alice_companion, "/answers", {"claim": claim, "html": real_page()}).status_code == 410
    assert not Snapshot.objects.filter(via="browser").exists()


def test_a_lapsed_claims_slot_goes_back_to_the_workers(alice, alice_companion):
    """An unanswered claim holds the product until it expires; then the tick dispatches the same slot."""
    from monitoring.checking import claim_start
    from monitoring.scheduling import claim_due

    product = blocked_product(alice)
    claim_for(alice_companion, product)
    product.refresh_from_db()
    assert claim_due(Product, now=timezone.now(), limit=10, host_of_row=lambda p: p.host) == []
    later = timezone.now() + companion.claim_ttl() + timedelta(seconds=1)
    (tick,) = claim_due(Product, now=later, limit=10, host_of_row=lambda p: p.host)
    assert tick.slot == product.pending_slot
    assert claim_start(Product, product.pk, tick.slot, later, "worker-1")


def test_another_users_claim_is_404(alice, bob, alice_companion):
    product = blocked_product(alice)
    claim = claim_for(alice_companion, product)
    response = post(companion_client(bob), "/answers", {"claim": claim, "html": real_page()})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert CompanionClaim.objects.get().answered_at is None
    assert post(alice_companion, "/answers", {"claim": claim, "html": real_page()}).status_code == 200


def test_an_upload_over_the_cap_is_refused(alice, alice_companion, settings):
    settings.FETCH_MAX_BYTES = 200_000
    product = blocked_product(alice)
    claim = claim_for(alice_companion, product)
    big = real_page() + "<!--" + "x" * 300_000 + "-->"
    response = post(alice_companion, "/answers", {"claim": claim, "html": big})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert response.json()["error"]["message"] == "The page is larger than 195.312 KiB, the most Dropwatch reads."
    # Just under the envelope's allowance the page itself is measured: still refused.
    near = real_page() + "<!--" + "x" * (200_000 - len(real_page())) + "-->"
    assert post(alice_companion, "/answers", {"claim": claim, "html": near}).status_code == 413
    assert post(alice_companion, "/pages", {"url": product.url, "html": big}).status_code == 413
    assert CompanionClaim.objects.get().answered_at is None  # the claim is still good for a page that fits
    assert post(alice_companion, "/answers", {"claim": claim, "html": real_page()}).status_code == 200


def test_a_product_a_worker_is_on_is_not_handed_out_and_a_queued_task_skips_a_claimed_one(alice, alice_companion):
    from monitoring.checking import run_product_check

    busy = blocked_product(alice)
    Product.objects.filter(pk=busy.pk).update(pending_slot=busy.next_check_at, check_started_at=timezone.now())
    queued = blocked_product(alice, url="https://www.aliexpress.com/item/1005009000009.html")
    slot = queued.next_check_at
    Product.objects.filter(pk=queued.pk).update(pending_slot=slot)  # the tick dispatched it; not started yet
    claims = post(alice_companion, "/claims", {}).json()["claims"]
    assert [c["url"] for c in claims] == [queued.url]
    # The worker's task for that slot starts now: the browser holds it, so the task skips (no fetch).
    assert run_product_check(queued.pk, slot).skipped
    assert post(alice_companion, "/answers", {"claim": claims[0]["claim"], "html": real_page()}).status_code == 200
    assert Snapshot.objects.filter(product=queued, slot=slot).get().via == "browser"
