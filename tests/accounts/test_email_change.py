"""Changing the email address: the new one is used only after its link is followed; the old one is told."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import email_change

from .conftest import link_in

pytestmark = pytest.mark.django_db


def save_settings(client, email, **extra):
    data = {
        "n-notify_mode": "immediate",
        "n-digest_hour": "8",
        "n-time_zone": "UTC",
        "n-min_severity": "20",
        "n-protection_warning_days": "5",
        "n-currency": "USD",
        "n-ship_to_country": "US",
        "n-order_fee_pct": "0",
        "n-order_fee_fixed": "0",
        "n-email": email,
        **extra,
    }
    return client.post(reverse("settings"), data)


def test_the_change_happens_only_on_confirmation_and_the_old_address_is_told(
    alice, alice_client, smtp, django_capture_on_commit_callbacks
):
    response = save_settings(alice_client, "alice@new.example")
    assert response.status_code == 302
    page = alice_client.get(reverse("settings")).content.decode()
    assert "follow the link we just sent there" in page
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"  # not yet
    (link_mail,) = smtp.messages
    assert link_mail["To"] == "alice@new.example"
    path = link_in(link_mail)

    confirm = Client().get(path)  # from the new mailbox, perhaps on another device: no sign-in needed
    assert confirm.status_code == 200 and "Use alice@new.example" in confirm.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"  # a GET (a mail scanner's prefetch) changes nothing

    with django_capture_on_commit_callbacks(execute=True):  # the notice goes once the change is committed
        done = alice_client.post(path)
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    notice = smtp.messages[1]
    assert notice["To"] == "alice@example.com" and "was changed" in notice["Subject"]
    text, _html = smtp.parts(notice)
    assert "from alice@example.com to alice@new.example" in text

    again = alice_client.post(path)
    assert again.status_code == 410 and "already used" in again.content.decode()
    assert len(smtp.messages) == 2


def test_an_address_another_account_took_meanwhile_is_refused(alice, bob, alice_client, smtp):
    save_settings(alice_client, "shared@example.com")
    path = link_in(smtp.messages[0])
    bob.email = "shared@example.com"
    bob.save()
    response = alice_client.post(path)
    assert response.status_code == 409 and "Another account already uses" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_a_link_for_someone_else_or_tampered_does_nothing(alice, bob, smtp):
    token = email_change.email_change_token(user=alice, new_email="evil@example.com")
    assert Client().post(reverse("email_change_confirm", args=[token[:-2] + "zz"])).status_code == 404
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_emptying_the_address_needs_no_link_and_the_old_address_is_told(alice, alice_client, smtp):
    assert save_settings(alice_client, "").status_code == 302
    alice.refresh_from_db()
    assert alice.email == ""
    (notice,) = smtp.messages
    assert notice["To"] == "alice@example.com" and "no address" in smtp.parts(notice)[0]


def test_saving_other_settings_sends_nothing(alice, alice_client, smtp):
    assert save_settings(alice_client, "alice@example.com", **{"n-digest_hour": "9"}).status_code == 302
    assert smtp.messages == []


def test_email_changes_are_rate_limited(alice, alice_client, smtp, settings):
    settings.EMAIL_FORM_LIMIT_PER_USER = 2
    for i in range(2):
        assert save_settings(alice_client, f"a{i}@new.example").status_code == 302
    response = save_settings(alice_client, "a9@new.example")
    assert response.status_code == 429 and "Too many emails" in response.content.decode()
    assert [m["To"] for m in smtp.messages] == ["a0@new.example", "a1@new.example"]
