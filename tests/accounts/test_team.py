"""The team page: staff see every account with its joined date, last sign-in, products and state, and can
deactivate or reactivate one; everyone else gets a 404 (the access matrix covers the routes too)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from suppliers import services

pytestmark = pytest.mark.django_db


def test_staff_see_every_account_with_its_facts(staff_client, staff, alice, bob):
    for i in range(3):
        services.product_create(
            owner=alice,
            url=f"https://shop.example/p/{i}",
            platform="structured",
            my_price=Decimal("10"),
            my_currency="USD",
        )
    services.product_create(
        owner=alice, url="https://shop.example/p/backup", platform="structured", backs_up=alice.products.first()
    )  # a backup source: not a fourth product
    alice.last_login = timezone.now() - timedelta(days=1)
    alice.save()
    page = staff_client.get(reverse("team")).content.decode()
    row = page[page.index(f'id="member-{alice.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "alice@example.com" in row and alice.date_joined.strftime("%Y-%m-%d") in row
    assert alice.last_login.strftime("%Y-%m-%d") in row and 'data-label="Products">3</td>' in row and "Active" in row
    bob_row = page[page.index(f'id="member-{bob.pk}"') :]
    assert (
        "never" in bob_row[: bob_row.index("</tr>")]
        and 'data-label="Products">0</td>' in bob_row[: bob_row.index("</tr>")]
    )


def test_deactivating_stops_sign_in_and_reactivating_restores_it(staff_client, alice):
    signed_in = Client()
    signed_in.force_login(alice)
    response = staff_client.post(reverse("team_user_active", args=[alice.pk]), {"active": "0"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active
    assert signed_in.get(reverse("dashboard")).status_code == 302  # her open session ends too
    assert Client().post(reverse("login"), {"username": "alice", "password": "alice-password-1"}).status_code == 200
    staff_client.post(reverse("team_user_active", args=[alice.pk]), {"active": "1"})
    alice.refresh_from_db()
    assert alice.is_active
    assert Client().post(reverse("login"), {"username": "alice", "password": "alice-password-1"}).status_code == 302


def test_staff_cannot_lock_themselves_out_nor_touch_a_superuser(staff_client, staff, django_user_model):
    staff_client.post(reverse("team_user_active", args=[staff.pk]), {"active": "0"})
    staff.refresh_from_db()
    assert staff.is_active
    root = django_user_model.objects.create_superuser("root", "root@example.com", "root-password-1")
    response = staff_client.post(reverse("team_user_active", args=[root.pk]), {"active": "0"}, follow=True)
    assert "Only a superuser" in response.content.decode()
    root.refresh_from_db()
    assert root.is_active


@pytest.mark.parametrize("route", ["team", "team_invite", "team_user_active", "team_invitation_revoke"])
def test_access_matrix_of_the_team_routes(route, staff, staff_client, alice, alice_client):
    from accounts.models import Invitation

    invitation = Invitation.objects.create(email="x@example.com", invited_by=staff, created_at=timezone.now())
    args = {"team_user_active": [alice.pk], "team_invitation_revoke": [invitation.pk]}.get(route, [])
    url = reverse(route, args=args)
    method = "get" if route == "team" else "post"
    data = {"active": "0"} if route == "team_user_active" else {"email": "y@example.com"}
    anonymous = getattr(Client(), method)(url, data)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert getattr(alice_client, method)(url, data).status_code == 404  # signed in, not staff
    inactive_staff = type(staff).objects.create_user("ex", "ex@example.com", "ex-password-1", is_staff=True)
    ex = Client()
    ex.force_login(inactive_staff)
    inactive_staff.is_active = False
    inactive_staff.save()
    assert getattr(ex, method)(url, data).status_code in (302, 404)
    alice.refresh_from_db()
    assert alice.is_active and Invitation.objects.filter(pk=invitation.pk).exists()
    assert getattr(staff_client, method)(url, data).status_code in (200, 302)
