"""Backup suppliers on the real database: added by URL, checked findings-free, compared on the product page,
recommended by the primary's findings, and switched to with a confirmation step."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from monitoring.checking import record_product_check
from monitoring.models import Finding, FindingEvent, Notification
from monitoring.observation import Observation, Shipping
from suppliers import backups, services
from suppliers.models import Product, Supplier
from tests.suppliers.test_intake import PAGE, confirm, preview, queue, shop  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def ok(price="10.00", in_stock=True, days=(8, 12), store=None, **kw):
    return Observation(
        price=D(price),
        currency="USD",
        in_stock=in_stock,
        title=kw.pop("title", "Ceramic plant pot 15 cm"),
        shipping=Shipping(to="US", fee=D("0"), currency="USD", days_min=days[0], days_max=days[1]),
        store=store,
        **kw,
    )


def check(product, obs, at):
    Product.objects.filter(pk=product.pk).update(pending_slot=at, check_started_at=None)
    return record_product_check(product.pk, slot=at, obs=obs, now=at)


@pytest.fixture
def primary(alice):
    return services.product_create(
        owner=alice, url="https://shop.example/products/pot", platform="structured", my_price=D("20.00")
    )


def alternative(alice, primary, name, path):
    supplier = Supplier.objects.create(owner=alice, name=name, trust_score=86)
    return services.product_create(
        owner=alice,
        url=f"https://{path}.example/products/pot",
        platform="structured",
        supplier=supplier,
        backs_up=primary,
    )


def test_an_alternative_is_checked_daily_at_the_products_price(alice, primary):
    alt = alternative(alice, primary, "Casa Verde", "casa")
    assert alt.backs_up == primary and alt.check_interval == timedelta(hours=24)
    assert alt.my_price == D("20.00") and list(primary.alternatives.all()) == [alt]
    # A backup of a backup backs up the same product.
    other = services.product_create(owner=alice, url="https://third.example/p", platform="structured", backs_up=alt)
    assert other.backs_up == primary


def test_an_alternative_keeps_history_but_opens_no_findings(alice, primary):
    alt = alternative(alice, primary, "Casa Verde", "casa")
    for i, obs in enumerate([ok(), ok(), ok("19.00", in_stock=False)]):
        result = check(alt, obs, T0 + timedelta(days=i))
        assert result.changes == []
    assert alt.snapshots.count() == 3
    assert not Finding.objects.filter(product=alt).exists() and not Notification.objects.exists()
    alt.refresh_from_db()
    assert alt.in_stock is False and alt.price == D("19.00")


def test_the_primary_selling_out_recommends_the_best_alternative(alice, primary):
    casa = alternative(alice, primary, "Casa Verde", "casa")
    lumi = alternative(alice, primary, "Lumi", "lumi")
    now = T0 + timedelta(days=2)
    check(casa, ok("9.40", days=(8, 12)), now - timedelta(hours=3))
    check(lumi, ok("12.00", days=(10, 20)), now - timedelta(hours=3))
    check(primary, ok(), now - timedelta(days=1))
    check(primary, ok(in_stock=False), now)
    finding = Finding.objects.get(product=primary, kind="out_of_stock")
    assert "Pause the product in your store" in finding.advice
    trust = Supplier.objects.get(name="Casa Verde").trust_score  # recomputed by its checks
    assert f"Switch to Casa Verde: landed 9.40 USD, margin 53%, 8–12 days, trust {trust}, in stock." in finding.advice
    note = Notification.objects.get(finding=finding)
    assert "Switch to Casa Verde" in note.body


def test_no_alternative_qualifies_says_why(alice, primary):
    casa = alternative(alice, primary, "Casa Verde", "casa")
    now = T0 + timedelta(days=2)
    check(casa, ok("9.40", in_stock=False), now - timedelta(hours=3))
    check(primary, ok(), now - timedelta(days=1))
    check(primary, ok(in_stock=False), now)
    advice = Finding.objects.get(product=primary, kind="out_of_stock").advice
    assert "No backup supplier qualifies: Casa Verde is out of stock." in advice


def test_a_finding_a_switch_does_not_fix_names_no_alternative(alice, primary):
    casa = alternative(alice, primary, "Casa Verde", "casa")
    now = T0 + timedelta(days=2)
    check(casa, ok("9.40"), now)
    advice = backups.ranking_for(primary, now=now).text
    assert advice.startswith("Switch to Casa Verde")
    from monitoring.findings import advice_inputs

    inputs = advice_inputs(
        kind="review_burst",
        severity=20,
        message="",
        baseline=None,
        current=None,
        evidence={},
        product=primary,
        supplier=None,
        now=now,
    )
    assert inputs.recommendation == ""


def test_the_product_page_compares_side_by_side(alice_client, alice, primary):
    casa = alternative(alice, primary, "Casa Verde", "casa")
    now = datetime.now(UTC)
    check(casa, ok("9.40"), now - timedelta(hours=1))
    check(primary, ok("10.00", in_stock=False), now - timedelta(hours=2))
    html = alice_client.get(primary.get_absolute_url()).content.decode()
    assert "Backup suppliers" in html and "Casa Verde" in html and "Recommended" in html
    assert "9.40 USD" in html and "53%" in html and "8–12 days" in html and "Out of stock" in html
    assert f"/products/{primary.pk}/switch/{casa.pk}/" in html
    assert f"/products/add/?backs_up={primary.pk}" in html
    alt_page = alice_client.get(casa.get_absolute_url()).content.decode()
    assert "is a backup source of" in alt_page


def test_switching_asks_first_then_swaps_keeping_history(alice_client, alice, primary):
    casa = alternative(alice, primary, "Casa Verde", "casa")
    lumi = alternative(alice, primary, "Lumi", "lumi")
    for i in range(3):
        check(casa, ok("9.40"), T0 + timedelta(days=i))
    check(primary, ok(), T0 + timedelta(days=1))
    check(primary, ok(in_stock=False), T0 + timedelta(days=2))
    opened = Finding.objects.get(product=primary, kind="out_of_stock")
    url = f"/products/{primary.pk}/switch/{casa.pk}/"

    page = alice_client.get(url)
    assert page.status_code == 200 and "Switch to Casa Verde?" in page.content.decode()
    assert Product.objects.get(pk=casa.pk).backs_up_id == primary.pk  # a GET changes nothing

    response = alice_client.post(url)
    assert response.status_code == 302 and response["Location"] == casa.get_absolute_url()
    casa.refresh_from_db()
    primary.refresh_from_db()
    lumi.refresh_from_db()
    assert casa.backs_up is None and casa.check_interval == timedelta(hours=6) and casa.my_price == D("20.00")
    assert primary.backs_up == casa and primary.check_interval == timedelta(hours=24)
    assert lumi.backs_up == casa  # the other backups follow the new primary
    # History stays with each listing; the old primary's finding is resolved with a note of the switch.
    assert casa.snapshots.count() == 3 and primary.snapshots.count() == 2
    opened.refresh_from_db()
    assert opened.resolved_at is not None
    assert FindingEvent.objects.filter(finding=opened, message__startswith="Switched supplier: Casa Verde").exists()

    # The new primary alerts from its own history: a rise against its own baseline of 9.40.
    result = check(casa, ok("12.00"), T0 + timedelta(days=3))
    assert [c.finding.kind for c in result.changes] == ["price_increase"]
    assert Finding.objects.get(product=casa, kind="price_increase").baseline_value == D("9.40")
    # The old primary is quiet now.
    assert check(primary, ok(in_stock=False), T0 + timedelta(days=3, hours=1)).changes == []


def test_switching_is_for_the_owner_only(bob_client, alice, primary):
    casa = alternative(alice, primary, "Casa Verde", "casa")
    url = f"/products/{primary.pk}/switch/{casa.pk}/"
    assert bob_client.get(url).status_code == 404 and bob_client.post(url).status_code == 404
    assert Product.objects.get(pk=casa.pk).backs_up_id == primary.pk


def test_a_listing_that_is_not_a_backup_cannot_be_switched_to(alice_client, alice, primary):
    other = services.product_create(owner=alice, url="https://other.example/p", platform="structured")
    assert alice_client.post(f"/products/{primary.pk}/switch/{other.pk}/").status_code == 404


def test_add_a_backup_by_url_with_the_preview(alice_client, alice, primary, shop, queue):  # noqa: F811
    page = alice_client.get(f"/products/add/?backs_up={primary.pk}").content.decode()
    assert "Add a backup supplier for" in page and f'name="backs_up" value="{primary.pk}"' in page
    shop.page("/hose", PAGE)
    response = preview(alice_client, shop.url("/hose"), backs_up=str(primary.pk))
    response = confirm(alice_client, response)
    added = Product.objects.get(url=shop.url("/hose"))
    assert response.status_code == 302 and response["Location"] == primary.get_absolute_url()
    assert added.backs_up == primary and added.check_interval == timedelta(hours=24)


def test_csv_import_adds_backups_named_by_id_or_title(alice, primary):
    import io

    from suppliers import imports

    Product.objects.filter(pk=primary.pk).update(title="Ceramic plant pot")
    csv_text = (
        "url,backs_up,supplier\n"
        f"https://casa.example/pot,{primary.pk},Casa Verde\n"
        "https://lumi.example/pot,ceramic PLANT pot,Lumi\n"
        "https://nope.example/pot,Garden hose,\n"
        "https://own.example/pot,,\n"
    )
    report = imports.products_import_csv(owner=alice, file=io.BytesIO(csv_text.encode()))
    results = [(r.row, r.result) for r in report.rows]
    assert results == [(2, "added"), (3, "added"), (4, "rejected"), (5, "added")]
    assert "Backup supplier of “Ceramic plant pot”" in report.rows[0].reason
    assert "No product “Garden hose” to back up" in report.rows[2].reason
    casa, lumi, own = (Product.objects.get(url=f"https://{h}.example/pot") for h in ("casa", "lumi", "own"))
    assert casa.backs_up == primary and lumi.backs_up == primary and own.backs_up is None
    assert casa.check_interval == timedelta(hours=24) and casa.my_price == D("20.00")


def test_a_failed_test_order_names_the_backup_to_switch_to(alice_client, alice, primary):
    from django.utils import timezone

    from orderlog import services as order_services

    casa = alternative(alice, primary, "Casa Verde", "casa")
    check(casa, ok("9.40"), datetime.now(UTC) - timedelta(hours=1))
    supplier = Supplier.objects.create(owner=alice, name="Pot Factory")
    primary.supplier = supplier
    primary.save(update_fields=["supplier"])
    today = timezone.localdate()
    order = order_services.order_create(
        owner=alice,
        supplier=supplier,
        product=primary,
        ordered_on=today - timedelta(days=20),
        order_number="9001",
        amount_paid=D("10.00"),
        currency="USD",
    )
    page = alice_client.get(order.get_absolute_url()).content.decode()
    assert 'id="recommendation"' not in page  # not failed (yet)
    order_services.order_mark_delivered(order=order, delivered_on=today - timedelta(days=2))
    order_services.order_record_check(order=order, as_described="no", genuine="unsure", overall_score=1, outcome="fail")
    page = alice_client.get(order.get_absolute_url()).content.decode()
    assert 'id="recommendation"' in page and "Switch to Casa Verde: landed 9.40 USD" in page


def test_the_finding_page_shows_advice_first_and_the_listing_before_and_after(alice_client, primary):
    earbuds = "Wireless Earbuds Bluetooth 5.3 Headphones TWS Noise Cancelling"
    check(primary, ok(title=earbuds, image="https://img.example/earbuds.jpg"), T0)
    check(primary, ok(title="Silicone Phone Case for iPhone 15", image="javascript:alert(1)"), T0 + timedelta(days=1))
    finding = Finding.objects.get(product=primary, kind="listing_changed")
    assert finding.severity == 30 and finding.advice.startswith("Pause the product")
    html = alice_client.get(finding.get_absolute_url()).content.decode()
    assert html.index("What to do:") < html.index("How we know") < html.index("The listing became another item")
    assert "The listing, before and after" in html and earbuds in html and "Silicone Phone Case" in html
    assert 'href="https://img.example/earbuds.jpg"' in html and 'href="javascript:' not in html
    # The email carries the advice first, then how we know.
    note = Notification.objects.get(finding=finding)
    assert note.body.startswith("Pause the product") and "How we know: The title resembles none" in note.body
