"""A channel's Apprise URL holds its secrets (tokens, passwords): once saved they are never shown back in full,
neither on the settings page nor on "what Dropwatch sent you", nor through the API."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.tokens import token_create
from monitoring.alerts.channel_urls import mask
from monitoring.models import Channel

pytestmark = pytest.mark.django_db

SECRETS = {
    "json://hookuser:hunter2pass@hooks.example.com:8443/path/s3cr3ttoken": ["hunter2pass", "hookuser", "s3cr3ttoken"],
    "ntfys://ntfy.example.com/topicsecret9876?token=tk_abcdefsecret": ["topicsecret", "tk_abcdefsecret"],
    "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ": ["T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7"],
    "tgram://123456789:AABBCCDDEEFFGGHHsecret/987654321": ["AABBCCDDEEFFGGHH", "123456789"],
    "gotifys://gotify.example.com/AbCdEfGhSecret42": ["AbCdEfGhSecret"],
}


@pytest.mark.parametrize("url", SECRETS)
def test_the_mask_hides_every_secret(url):
    shown = mask(url)
    for secret in SECRETS[url]:
        assert secret not in shown, (shown, secret)
    assert shown.split("://")[0] == url.split("://")[0]  # still recognisable by its kind


def test_the_settings_page_and_the_sent_page_never_show_a_saved_url(alice, alice_client):
    for i, url in enumerate(SECRETS):
        Channel.objects.create(owner=alice, name=f"c{i}", url=url, created_at=timezone.now())
    pages = [
        alice_client.get(reverse("settings")).content.decode(),
        alice_client.get(reverse("email_log")).content.decode(),
    ]
    for page in pages:
        for secrets in SECRETS.values():
            for secret in secrets:
                assert secret not in page
    assert "hooks.example.com:8443" in pages[0]  # the server is shown, so the channel can be told apart


def test_a_refused_save_does_not_echo_the_url_back(alice_client):
    url = "json://user:hunter2pass@127.0.0.1:9/x"  # a loopback address: refused
    response = alice_client.post(
        reverse("channel_add"), {"c-name": "x", "c-url": url, "c-mode": "immediate", "c-min_severity": "2"}
    )
    assert response.status_code == 400 and "hunter2pass" not in response.content.decode()


def test_the_api_offers_no_channel_and_never_returns_a_url(alice, media, queue):
    from tests.support.security_world import build_world

    world = build_world(alice, "ALICEMARK")
    _token, key = token_create(owner=alice, name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    schema = api.get("/api/v1/openapi.json").json()
    assert not [path for path in schema["paths"] if "channel" in path.lower()]
    lists = [
        path
        for path, ops in schema["paths"].items()
        # The companion's routes open to a companion token only (tests/api/test_companion.py).
        if "get" in ops and "{" not in path and "openapi" not in path and "/companion/" not in path
    ]
    assert len(lists) >= 4
    for path in [*lists, f"/api/v1/products/{world.product.pk}", f"/api/v1/suppliers/{world.supplier.pk}"]:
        response = api.get(path)
        assert response.status_code == 200, path
        assert "secret" not in json.dumps(response.json()), path  # the world's channel is slack://T0/B0/ALICEMARKsecret
