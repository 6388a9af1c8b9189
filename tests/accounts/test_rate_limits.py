"""The limits on email-sending forms: the counter itself on both cache backends (local memory, the embedded
default; Redis when REDIS_URL is set, as in these tests), and the invite and "send a test" forms."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import ratelimit
from monitoring.models import Channel
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl-test"}}


def _counts(settings, n=4):
    settings.EMAIL_FORM_LIMIT_WINDOW_SECONDS = 3600
    keys = {"who": ("user:1", 2), "ip": ("203.0.113.1", 3)}
    return [ratelimit.consume("t", per_key=keys, now=1_000_000.0) for _ in range(n)]


@pytest.mark.parametrize("backend", ["configured", "locmem"])
def test_the_counter_refuses_past_the_limit_on_each_cache_backend(backend, settings):
    with override_settings(CACHES=LOCMEM) if backend == "locmem" else override_settings():
        cache.clear()
        results = _counts(settings)
        assert results[:2] == [None, None]
        assert all(isinstance(r, ratelimit.Refused) for r in results[2:])
        # The window ends at the next hour boundary: 1_000_000 s is 2,800 s past one.
        assert results[2].retry_after == 3600 - (1_000_000 % 3600)
        assert "Try again in 14 minutes" in results[2].message
        # A new window starts afresh.
        later = ratelimit.consume("t", per_key={"who": ("user:1", 2)}, now=1_000_000.0 + 3600)
        assert later is None
        cache.clear()


def test_the_ip_limit_counts_across_users(settings):
    settings.EMAIL_FORM_LIMIT_WINDOW_SECONDS = 3600
    outcomes = [
        ratelimit.consume("t", per_key={"who": (f"user:{i}", 5), "ip": ("203.0.113.1", 3)}, now=50.0) for i in range(4)
    ]
    assert outcomes[:3] == [None] * 3 and isinstance(outcomes[3], ratelimit.Refused)


def test_invitations_are_limited_per_staff_member(staff_client, smtp, settings):
    settings.EMAIL_FORM_LIMIT_PER_USER = 2
    assert [
        staff_client.post(reverse("team_invite"), {"email": f"p{i}@example.com"}).status_code for i in range(2)
    ] == [
        302,
        302,
    ]
    refused = staff_client.post(reverse("team_invite"), {"email": "p9@example.com"})
    assert refused.status_code == 429 and "Too many emails" in refused.content.decode()
    assert len(smtp.messages) == 2


@pytest.fixture
def hook(settings):
    server = LocalShop()
    server.page("/hook", "ok", content_type="application/json")
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    yield server
    server.close()


def test_send_a_test_is_limited_and_htmx_shows_why_in_place(alice, alice_client, hook, settings):
    settings.EMAIL_FORM_LIMIT_PER_USER = 2
    channel = Channel.objects.create(
        owner=alice, name="Hook", url=f"json://127.0.0.1:{hook.port}/hook", created_at=timezone.now()
    )
    url = reverse("channel_test", args=[channel.pk])
    for _ in range(2):
        sent = alice_client.post(url, HTTP_HX_REQUEST="true")
        assert sent.status_code == 200 and "Sent." in sent.content.decode()
    assert hook.count("/hook") == 2
    refused = alice_client.post(url, HTTP_HX_REQUEST="true")
    body = refused.content.decode()
    assert refused.status_code == 429 and body.startswith(f'<span id="channel-test-{channel.pk}"')
    assert "Too many emails were asked for" in body and "<html" not in body
    assert hook.count("/hook") == 2  # nothing sent
    plain = alice_client.post(url)
    assert plain.status_code == 429 and "Not sent: too many at once" in plain.content.decode()
    assert int(refused["Retry-After"]) > 0


def test_the_shipped_limits_are_the_documented_ones():
    """The suite raises the limits (config/testing_settings.py); what ships is what the README says."""
    from config import settings as shipped

    assert (shipped.EMAIL_FORM_LIMIT_PER_USER, shipped.EMAIL_FORM_LIMIT_PER_IP) == (5, 20)
    assert shipped.EMAIL_FORM_LIMIT_WINDOW_SECONDS == 3600
