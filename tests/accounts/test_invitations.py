"""Invitations end to end through a real SMTP server: a staff member invites, the emailed link sets a
password and signs the person in; the link works once, expires, and dies when withdrawn or replaced."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts import invitations
from accounts.models import Invitation

from .conftest import link_in

pytestmark = pytest.mark.django_db
PASSWORD = "Sturdy-lamp-42!"


def invite(client, email="dora@example.com"):
    return client.post(reverse("team_invite"), {"email": email})


def accept(path, username="dora", password=PASSWORD, client=None):
    client = client or Client()
    return client, client.post(path, {"username": username, "password1": password, "password2": password})


def test_an_invited_person_sets_a_password_and_lands_signed_in(staff_client, smtp):
    response = invite(staff_client)
    assert response.status_code == 302
    (message,) = smtp.messages
    assert message["To"] == "dora@example.com" and "invited" in message["Subject"]
    path = link_in(message)
    assert "carol@example.com invited you" in smtp.parts(message)[0]

    visitor = Client()
    form = visitor.get(path)
    assert form.status_code == 200 and "dora@example.com" in form.content.decode()
    assert not get_user_model().objects.filter(email="dora@example.com").exists()  # a GET does nothing

    visitor, response = accept(path, client=visitor)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    user = get_user_model().objects.get(username="dora")
    assert user.email == "dora@example.com" and user.check_password(PASSWORD) and not user.is_staff
    assert visitor.get(reverse("dashboard")).wsgi_request.user == user  # signed in
    assert Invitation.objects.get(email="dora@example.com").user == user


def test_the_link_works_once(staff_client, smtp):
    invite(staff_client)
    path = link_in(smtp.messages[0])
    accept(path)
    _client, again = accept(path, username="mallory")
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert Client().get(path).status_code == 410
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_an_address_taken_after_the_invitation_was_sent_is_refused_and_the_link_kept(staff_client, smtp, alice):
    invite(staff_client)
    path = link_in(smtp.messages[0])
    alice.email = "Dora@example.com"  # meanwhile an existing account changed to that address
    alice.save(update_fields=["email"])
    _client, response = accept(path)
    assert response.status_code == 409 and "already uses dora@example.com" in response.content.decode()
    assert not get_user_model().objects.filter(username="dora").exists()
    assert Invitation.objects.get(email="dora@example.com").accepted_at is None  # the claim was rolled back


class SignedLongAgo(signing.TimestampSigner):
    """Signs as if it were eight days ago: the token an invitation email of then carried."""

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 8 * 86400)


def test_an_expired_link_is_refused(staff_client, smtp, settings):
    settings.INVITATION_MAX_AGE_DAYS = 7
    invite(staff_client)
    invitation = Invitation.objects.get()
    token = SignedLongAgo(salt=invitations.SALT).sign_object({"i": invitation.pk, "e": invitation.email})
    path = reverse("invitation_accept", args=[token])
    _client, response = accept(path)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not get_user_model().objects.filter(username="dora").exists()
    assert Client().get(link_in(smtp.messages[0])).status_code == 200  # the fresh link still works


def test_a_new_invitation_replaces_the_old_link_and_a_withdrawn_one_dies(staff_client, smtp):
    invite(staff_client)
    invite(staff_client)
    first, second = (link_in(m) for m in smtp.messages)
    assert Client().get(first).status_code == 410
    pending = Invitation.objects.get(email="dora@example.com")
    assert staff_client.post(reverse("team_invitation_revoke", args=[pending.pk])).status_code == 302
    _client, response = accept(second)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()


def test_a_tampered_link_is_404(staff_client, smtp):
    invite(staff_client)
    path = link_in(smtp.messages[0])
    assert Client().get(path[:-3] + "xx/").status_code == 404


def test_the_password_rules_apply_and_the_form_says_why(staff_client, smtp):
    invite(staff_client)
    path = link_in(smtp.messages[0])
    _client, response = accept(path, password="12345678")
    body = response.content.decode()
    assert response.status_code == 400 and "too common" in body and "entirely numeric" in body
    assert Invitation.objects.get().accepted_at is None  # still usable
    _client, taken = accept(path, username="carol")
    assert taken.status_code == 400 and "already exists" in taken.content.decode()


def test_an_address_with_an_account_is_not_invited(staff_client, smtp, alice):
    response = invite(staff_client, "Alice@Example.com")
    assert response.status_code == 400 and "already has an account" in response.content.decode()
    assert smtp.messages == []


def test_with_the_mail_server_down_the_staff_member_is_told(staff_client, smtp):
    smtp.stop()
    response = invite(staff_client)
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "could not be sent: the mail server did not take it" in page


def test_only_staff_can_invite(alice_client, smtp):
    assert invite(alice_client).status_code == 404
    assert smtp.messages == [] and not Invitation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_uses_at_the_same_moment_make_one_account(staff, smtp):
    """Both requests pass the "not used yet" check; the conditional UPDATE lets only one of them through."""
    import threading

    from django.db import connection

    staff_client = Client()
    staff_client.force_login(staff)
    invite(staff_client)
    path = link_in(smtp.messages[0])
    barrier = threading.Barrier(2)
    codes = []
    real_from_token = invitations.invitation_from_token

    def from_token_then_wait(token):
        invitation = real_from_token(token)
        barrier.wait(timeout=10)  # both have read the invitation as unused
        return invitation

    def use(username):
        try:
            _client, response = accept(path, username=username)
            codes.append(response.status_code)
        finally:
            connection.close()

    invitations.invitation_from_token = from_token_then_wait
    try:
        threads = [threading.Thread(target=use, args=(name,)) for name in ("dora", "eve")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        invitations.invitation_from_token = real_from_token
    assert sorted(codes) == [302, 410]
    assert get_user_model().objects.filter(email="dora@example.com").count() == 1
