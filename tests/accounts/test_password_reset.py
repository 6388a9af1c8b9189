"""Password reset by email through a real SMTP server, with the project's pages; the same answer whether or
not an address has an account, and a limit per address asked for and per IP."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import link_in

pytestmark = pytest.mark.django_db
NEW = "Brand-new-lamp-7!"
TOKEN = r'[A-Za-z0-9]{32,}|nonce="[^"]*"'  # the CSRF token and the CSP nonce, new in every response


def ask(client, email, ip="203.0.113.5"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_a_forgotten_password_is_reset_through_the_emailed_link(alice, smtp):
    login = Client().get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in login  # the sign-in page offers it
    response = ask(Client(), "alice@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    (message,) = smtp.messages
    assert message["To"] == "alice@example.com" and "Reset your Dropwatch password" in message["Subject"]
    path = link_in(message)
    visitor = Client()
    form = visitor.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = visitor.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert Client().post(reverse("login"), {"username": "alice", "password": NEW}).status_code == 302
    # The link worked once.
    reuse = Client().get(path, follow=True).content.decode()
    assert "This link cannot be used" in reuse and 'name="new_password1"' not in reuse


def test_an_unknown_address_gets_the_same_answer_and_no_email(alice, smtp):
    known = ask(Client(), "alice@example.com")
    unknown = ask(Client(), "nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m["To"] for m in smtp.messages] == ["alice@example.com"]
    done = Client().get(unknown["Location"]).content.decode()
    assert "If an account uses that address" in done


def test_one_address_is_not_flooded_and_the_limit_tells_nothing_about_accounts(alice, smtp, settings):
    settings.EMAIL_FORM_LIMIT_PER_USER = 3
    for i in range(3):
        assert ask(Client(), "alice@example.com", ip=f"198.51.100.{i}").status_code == 302
        assert ask(Client(), "nobody@example.com", ip=f"198.51.100.{i}").status_code == 302
    known = ask(Client(), "alice@example.com", ip="198.51.100.9")
    unknown = ask(Client(), "nobody@example.com", ip="198.51.100.9")
    assert known.status_code == unknown.status_code == 429
    # Word for word the same page (but for the CSRF token, new in every response).
    assert re.sub(TOKEN, "", known.content.decode()) == re.sub(TOKEN, "", unknown.content.decode())
    assert "Too many emails were asked for" in known.content.decode() and int(known["Retry-After"]) > 0
    assert len(smtp.messages) == 3  # the fourth never went out
    assert ask(Client(), "ALICE@example.com", ip="198.51.100.10").status_code == 429  # the case does not matter


def test_one_ip_cannot_spray_many_addresses(alice, smtp, settings):
    settings.EMAIL_FORM_LIMIT_PER_IP = 4
    codes = [ask(Client(), f"user{i}@example.com").status_code for i in range(4)]
    assert codes == [302] * 4
    assert ask(Client(), "alice@example.com").status_code == 429
    assert smtp.messages == []
    assert ask(Client(), "alice@example.com", ip="192.0.2.77").status_code == 302  # another IP is not affected
    assert len(smtp.messages) == 1


def test_a_bad_address_is_a_form_error_not_a_send(smtp):
    response = Client().post(reverse("password_reset"), {"email": "not an address"})
    assert response.status_code == 200 and "Enter a valid email address" in response.content.decode()
    assert smtp.messages == []
