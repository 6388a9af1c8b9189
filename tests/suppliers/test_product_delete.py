"""Deleting a product that has backups asks what to do with them: promote one, keep them unattached, or delete
them too — a confirmation page, a POST, scoped to the signed-in user."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse

from monitoring.models import Snapshot
from suppliers import backups, services
from suppliers.models import Product, Supplier

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def primary(alice):
    return services.product_create(
        owner=alice, url="https://shop.example/products/mat", platform="structured", my_price=D("24.00")
    )


def backup(owner, primary, name):
    supplier = Supplier.objects.create(owner=owner, name=name)
    return services.product_create(
        owner=owner,
        url=f"https://{name.lower()}.example/products/mat",
        platform="structured",
        supplier=supplier,
        backs_up=primary,
    )


@pytest.fixture
def two_backups(alice, primary):
    return backup(alice, primary, "Casa"), backup(alice, primary, "Northwind")


def test_the_delete_page_asks_what_to_do_with_the_backups(alice_client, primary, two_backups):
    page = alice_client.get(reverse("product_delete", args=[primary.pk])).content.decode()
    assert "It has 2 backup suppliers. What happens to them?" in page
    for label in ("primary source", "each as a product of its own", "Delete them too"):
        assert label in page
    casa, northwind = two_backups
    assert f'value="{casa.pk}"' in page and f'value="{northwind.pk}"' in page


def test_a_product_without_backups_is_deleted_as_before(alice_client, primary):
    page = alice_client.get(reverse("product_delete", args=[primary.pk])).content.decode()
    assert "backup" not in page
    response = alice_client.post(reverse("product_delete", args=[primary.pk]))
    assert response.status_code == 302 and not Product.objects.filter(pk=primary.pk).exists()


def test_promote_makes_the_chosen_backup_the_primary_and_the_others_follow(alice_client, primary, two_backups):
    casa, northwind = two_backups
    Snapshot.objects.create(product=casa, slot=T0, taken_at=T0, status="ok")
    response = alice_client.post(
        reverse("product_delete", args=[primary.pk]), {"backups": "promote", "promote": northwind.pk}
    )
    assert response.status_code == 302 and response["Location"] == northwind.get_absolute_url()
    assert not Product.objects.filter(pk=primary.pk).exists()
    northwind.refresh_from_db()
    casa.refresh_from_db()
    assert northwind.backs_up is None and northwind.check_interval == timedelta(hours=6)
    assert northwind.my_price == D("24.00")
    assert casa.backs_up == northwind  # the other backup backs up the new primary
    assert Snapshot.objects.filter(product=casa).count() == 1  # history kept


def test_keep_makes_every_backup_a_product_of_its_own(alice_client, primary, two_backups):
    alice_client.post(reverse("product_delete", args=[primary.pk]), {"backups": "keep"})
    for kept in two_backups:
        kept.refresh_from_db()
        assert kept.backs_up is None and kept.check_interval == timedelta(hours=6) and kept.my_price == D("24.00")
    assert not Product.objects.filter(pk=primary.pk).exists()


def test_delete_too_removes_the_backups_with_the_product(alice_client, primary, two_backups):
    alice_client.post(reverse("product_delete", args=[primary.pk]), {"backups": "delete"})
    assert not Product.objects.filter(pk__in=[primary.pk, *(b.pk for b in two_backups)]).exists()


@pytest.mark.parametrize("data", [{}, {"backups": "promote"}, {"backups": "maybe"}])
def test_no_valid_choice_deletes_nothing_and_says_why(alice_client, primary, two_backups, data):
    response = alice_client.post(reverse("product_delete", args=[primary.pk]), data)
    assert response.status_code == 200
    assert Product.objects.filter(pk__in=[primary.pk, *(b.pk for b in two_backups)]).count() == 3
    text = response.content.decode()
    assert "Choose" in text or "Select a valid choice" in text


def test_another_users_product_cannot_be_promoted_through_the_form(alice, bob, alice_client, primary, two_backups):
    bobs = services.product_create(owner=bob, url="https://bob.example/products/x", platform="structured")
    response = alice_client.post(
        reverse("product_delete", args=[primary.pk]), {"backups": "promote", "promote": bobs.pk}
    )
    assert response.status_code == 200 and Product.objects.filter(pk=primary.pk).exists()
    bobs.refresh_from_db()
    assert bobs.owner == bob and bobs.backs_up is None


def test_bob_cannot_delete_alices_product_or_see_its_backups(bob_client, primary, two_backups):
    assert bob_client.get(reverse("product_delete", args=[primary.pk])).status_code == 404
    assert bob_client.post(reverse("product_delete", args=[primary.pk]), {"backups": "delete"}).status_code == 404
    assert Product.objects.filter(pk__in=[primary.pk, *(b.pk for b in two_backups)]).count() == 3


def test_the_service_refuses_to_lose_backups_without_a_choice(primary, two_backups):
    with pytest.raises(ValueError, match="Choose what happens"):
        backups.product_delete(product=primary)
    with pytest.raises(ValueError, match="which backup"):
        backups.product_delete(product=primary, backups=backups.PROMOTE, promote=primary)
    assert Product.objects.filter(pk=primary.pk).exists()
