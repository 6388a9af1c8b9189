"""Test-order pages: full pages and htmx fragments, photo upload and serving, CSV export, and that bob (an
outsider) gets a 404 for every one of alice's orders, fragments and photos."""

import csv
import io
import json
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from orderlog import photos as orderlog_photos
from orderlog import services as orderlog_services
from orderlog.models import Order, OrderPhoto, OrderStatus
from suppliers import services
from tests.orderlog.test_services import CHECK, checked, make_order, make_supplier, png_bytes, stored_files, upload

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def supplier(alice):
    return make_supplier(alice)


@pytest.fixture
def product(alice, supplier):
    return services.product_create(
        owner=alice,
        url="https://www.aliexpress.com/item/1005005424987520.html",
        supplier=supplier,
        title="Walkie talkie",
    )


@pytest.fixture
def order(alice, supplier, product):
    return make_order(alice, supplier, product=product, order_number="8123")


@pytest.fixture
def photo(order, media):
    order = checked(order, photos=[orderlog_photos.photo_validate(upload())])
    return order.photos.get()


def is_fragment(response) -> bool:
    return b"<html" not in response.content


# --- lists, filters, detail -----------------------------------------------------------------------


def test_the_nav_links_to_test_orders(alice_client):
    assert reverse("test_order_list") in alice_client.get(reverse("dashboard")).content.decode()


def test_the_list_filters_with_htmx_and_without(alice_client, alice, supplier):
    open_order = make_order(alice, supplier, order_number="OPEN-1")
    failed = checked(make_order(alice, supplier, order_number="FAILED-1"), outcome="fail", overall_score=1)
    url = reverse("test_order_list")

    page = alice_client.get(url + "?show=failed")
    assert page.status_code == 200 and b"<html" in page.content
    fragment = alice_client.get(url + "?show=failed", **HX)
    assert is_fragment(fragment)
    assert "HX-Request" in fragment["Vary"]
    body = fragment.content.decode()
    assert f'id="test-order-{failed.pk}"' in body and f'id="test-order-{open_order.pk}"' not in body
    assert 'hx-push-url="true"' in body and 'href="/test-orders/?show=open"' in body  # links keep their href

    body = alice_client.get(url + "?show=open", **HX).content.decode()
    assert "OPEN-1" in body and "FAILED-1" not in body
    assert alice_client.get(url + "?show=nonsense").status_code == 200  # falls back to all


@time_machine.travel("2026-03-01 12:00Z")
def test_the_due_filter_and_the_dashboard_show_suppliers_due(alice, client):
    client.force_login(alice)
    overdue = make_supplier(alice, name="Overdue store", store_id="1")
    make_order(alice, overdue, ordered_on=date(2025, 11, 24))
    make_supplier(alice, name="Never tested store", store_id="2")
    fine = make_supplier(alice, name="Fine store", store_id="3")
    make_order(alice, fine, ordered_on=date(2026, 2, 1))

    body = client.get(reverse("test_order_list") + "?show=due", **HX).content.decode()
    assert "Overdue store" in body and "overdue by 7 days" in body
    assert "Never tested store" in body and "never tested" in body
    assert "Fine store" not in body

    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Due for a test order" in dashboard and "last one 97 days ago" in dashboard
    # Protection of the overdue store's order ended long ago; a recent one ending in 5 days is shown.
    make_order(alice, fine, ordered_on=date(2026, 1, 5), order_number="8123")
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "protection ends in 5 days" in dashboard and "open a dispute now" in dashboard


def test_the_supplier_and_product_pages_show_the_test_orders(alice_client, supplier, product, order):
    page = alice_client.get(supplier.get_absolute_url()).content.decode()
    assert 'id="test-orders-panel"' in page and "Log a test order" in page
    assert f'id="test-order-{order.pk}"' in page
    page = alice_client.get(product.get_absolute_url()).content.decode()
    assert 'id="test-orders-panel"' in page
    assert f'action="/test-orders/add/?supplier={supplier.pk}&amp;product={product.pk}"' in page


def test_a_product_without_supplier_says_what_to_do(alice_client, alice):
    product = services.product_create(owner=alice, url="https://shop.example/p/1", title="Lamp")
    page = alice_client.get(product.get_absolute_url()).content.decode()
    assert "set this product's supplier" in page


def test_user_text_is_escaped(alice_client, alice, supplier):
    order = make_order(alice, supplier, order_number="<script>alert(1)</script>", notes="<img src=x onerror=alert(1)>")
    for url in (reverse("test_order_list"), order.get_absolute_url(), supplier.get_absolute_url()):
        body = alice_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- creating -----------------------------------------------------------------------------------


def test_the_add_page_is_prefilled_from_a_product(alice_client, supplier, product):
    response = alice_client.get(reverse("test_order_add") + f"?product={product.pk}")
    form = response.context["form"]
    assert form.initial["supplier"] == supplier.pk and form.initial["product"] == product.pk


def test_logging_an_order_without_javascript_redirects_to_it(alice_client, alice, supplier):
    response = alice_client.post(
        reverse("test_order_add"),
        {"supplier": supplier.pk, "ordered_on": "2026-01-10", "amount_paid": "9.99", "currency": "eur"},
    )
    order = Order.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert order.currency == "EUR" and order.protection_ends_on == date(2026, 3, 11)


def test_logging_an_order_inline_answers_with_the_section(alice_client, alice, supplier, product):
    url = reverse("test_order_add") + f"?supplier={supplier.pk}"
    response = alice_client.post(
        url, {"supplier": supplier.pk, "product": product.pk, "ordered_on": "2026-01-10"}, **HX
    )
    assert response.status_code == 200 and is_fragment(response)
    order = Order.objects.get(owner=alice)
    body = response.content.decode()
    assert 'id="test-orders-panel"' in body and f'id="test-order-{order.pk}"' in body
    assert "Test order logged" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount_paid": "-5"}, "The amount paid cannot be negative."),
        ({"protection_ends_on": "2026-01-01"}, "Buyer protection cannot end (2026-01-01) before the order date"),
    ],
)
def test_bad_input_inline_is_shown_in_the_section_and_nothing_is_saved(alice_client, alice, supplier, data, message):
    url = reverse("test_order_add") + f"?supplier={supplier.pk}"
    response = alice_client.post(url, {"supplier": supplier.pk, "ordered_on": "2026-01-10", **data}, **HX)
    assert response.status_code == 200 and is_fragment(response)
    body = response.content.decode()
    assert message in body and '<details class="log-test-order" open>' in body
    assert not Order.objects.exists()

    response = alice_client.post(
        reverse("test_order_add"), {"supplier": supplier.pk, "ordered_on": "2026-01-10", **data}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Order.objects.exists()


def test_editing_keeps_the_rules(alice_client, order):
    url = reverse("test_order_edit", args=[order.pk])
    response = alice_client.post(url, {"ordered_on": "2026-01-10", "amount_paid": "-1", "currency": "USD"})
    assert "The amount paid cannot be negative." in response.content.decode()
    response = alice_client.post(
        url, {"ordered_on": "2026-01-10", "amount_paid": "7", "currency": "USD", "protection_ends_on": "2026-02-01"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.protection_ends_on == date(2026, 2, 1)


# --- inline steps -------------------------------------------------------------------------------


def test_marking_shipped_inline_swaps_only_the_row(alice_client, order):
    url = reverse("test_order_ship", args=[order.pk])
    form = alice_client.get(url, **HX)
    assert is_fragment(form)
    body = form.content.decode()
    assert body.lstrip().startswith(f'<tbody id="test-order-{order.pk}"') and 'name="shipped_on"' in body

    response = alice_client.post(url, {"shipped_on": "2026-01-12", "tracking_number": "LP999"}, **HX)
    assert response.status_code == 200 and is_fragment(response)
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tbody id="test-order-{order.pk}"') and 'name="shipped_on"' not in body
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and order.tracking_number == "LP999"


def test_marking_delivered_without_javascript_redirects(alice_client, order):
    url = reverse("test_order_deliver", args=[order.pk])
    assert b"<html" in alice_client.get(url).content
    response = alice_client.post(url, {"delivered_on": "2026-01-24"})
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.days_to_deliver == 14


def test_delivered_before_ordered_inline_is_an_error_in_the_row(alice_client, order):
    url = reverse("test_order_deliver", args=[order.pk])
    response = alice_client.post(url, {"delivered_on": "2026-01-01"}, **HX)
    assert response.status_code == 200 and is_fragment(response)
    assert "Delivered on 2026-01-01 is before the order date (2026-01-10)." in response.content.decode()
    order.refresh_from_db()
    assert order.delivered_on is None and order.status == OrderStatus.ORDERED


def test_recording_the_check_inline_with_photos(alice_client, order, media):
    orderlog_services.order_mark_delivered(order=order, delivered_on=date(2026, 1, 20))
    url = reverse("test_order_check", args=[order.pk])
    assert 'enctype="multipart/form-data"' in alice_client.get(url, **HX).content.decode()
    data = {
        **CHECK,
        "works": "yes",
        "extra_fees_asked": "on",
        "check_notes": "fine",
        "photos": [upload(), upload("b.png")],
    }
    response = alice_client.post(url, data, **HX)
    assert response.status_code == 200 and is_fragment(response), response.content.decode()[:2000]
    order.refresh_from_db()
    assert order.status == OrderStatus.CHECKED and order.outcome == "pass" and order.extra_fees_asked
    assert order.photos.count() == 2 and len(stored_files(media)) == 2


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda: upload("evil.jpg", b"MZ\x90\x00 not an image", "image/jpeg"), "“evil.jpg” is not a JPEG, PNG"),
        (lambda: upload("big.png", png_bytes((300, 300), noise=True)), "KB; a photo can be at most 97 KB."),
    ],
)
def test_a_check_with_a_bad_photo_saves_nothing(alice_client, order, media, settings, bad, message):
    settings.TEST_ORDER_PHOTO_MAX_BYTES = 100_000
    orderlog_services.order_mark_delivered(order=order, delivered_on=date(2026, 1, 20))
    url = reverse("test_order_check", args=[order.pk])
    response = alice_client.post(url, {**CHECK, "photos": [upload(), bad()]}, **HX)
    assert response.status_code == 200 and message in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.outcome == ""
    assert not OrderPhoto.objects.exists() and stored_files(media) == []


def test_the_check_waits_for_delivery(alice_client, order):
    response = alice_client.post(reverse("test_order_check", args=[order.pk]), CHECK)
    assert "Mark the order delivered first" in response.content.decode()
    order.refresh_from_db()
    assert order.outcome == ""


def test_dispute_lost_and_refund_buttons(alice_client, order):
    url = reverse("test_order_status", args=[order.pk])
    response = alice_client.post(url, {"status": "lost"}, **HX)
    assert is_fragment(response) and "Lost" in response.content.decode()
    response = alice_client.post(url, {"status": "lost"}, **HX)
    assert "This order is already lost." in response.content.decode()
    response = alice_client.post(url, {"status": "disputed"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPUTED and order.disputed_on and order.lost_on
    assert alice_client.get(url).status_code == 405


# --- photos -------------------------------------------------------------------------------------


def test_photos_are_served_to_their_owner_with_safe_headers(alice_client, photo):
    response = alice_client.get(photo.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert (
        "sandbox" in response["Content-Security-Policy"] and "default-src 'none'" in response["Content-Security-Policy"]
    )
    assert b"".join(response.streaming_content) == png_bytes()


def test_uploading_photos_on_the_order_page(alice_client, order, media):
    url = reverse("test_order_photo_add", args=[order.pk])
    response = alice_client.post(url, {"photos": [upload()]}, **HX)
    assert is_fragment(response) and order.photos.count() == 1
    assert f'src="{order.photos.get().get_absolute_url()}"' in response.content.decode()
    response = alice_client.post(url, {"photos": [upload("notes.txt", b"hello", "text/plain")]})
    assert response.status_code == 200 and "“notes.txt” is not a JPEG" in response.content.decode()
    assert order.photos.count() == 1
    response = alice_client.post(url, {"photos": [upload()]})
    assert response.status_code == 302 and order.photos.count() == 2


def test_deleting_a_photo(alice_client, photo, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("test_order_photo_delete", args=[photo.order_id, photo.pk]), **HX)
    assert is_fragment(response)
    assert not OrderPhoto.objects.exists() and stored_files(media) == []


def test_a_photo_url_needs_a_sign_in(client, photo):
    response = client.get(photo.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_photo_must_belong_to_the_order_in_its_url(alice_client, alice, supplier, photo):
    other = make_order(alice, supplier)
    assert alice_client.get(reverse("test_order_photo", args=[other.pk, photo.pk])).status_code == 404


# --- bob, the outsider ----------------------------------------------------------------------------


def test_bob_gets_404_for_everything_of_alices(bob_client, order, photo, supplier, product):
    pk = order.pk
    gets = [
        reverse("test_order_detail", args=[pk]),
        reverse("test_order_edit", args=[pk]),
        reverse("test_order_delete", args=[pk]),
        reverse("test_order_ship", args=[pk]),
        reverse("test_order_deliver", args=[pk]),
        reverse("test_order_check", args=[pk]),
        photo.get_absolute_url(),
        reverse("test_order_add") + f"?supplier={supplier.pk}",
        reverse("test_order_add") + f"?product={product.pk}",
        reverse("test_order_list") + f"?supplier={supplier.pk}",
        reverse("test_order_export") + f"?supplier={supplier.pk}",
    ]
    for url in gets:
        assert bob_client.get(url).status_code == 404, url
        assert bob_client.get(url, **HX).status_code == 404, url
    posts = [
        (reverse("test_order_edit", args=[pk]), {"ordered_on": "2026-01-10"}),
        (reverse("test_order_delete", args=[pk]), {}),
        (reverse("test_order_ship", args=[pk]), {"shipped_on": "2026-01-12"}),
        (reverse("test_order_deliver", args=[pk]), {"delivered_on": "2026-01-12"}),
        (reverse("test_order_check", args=[pk]), CHECK),
        (reverse("test_order_status", args=[pk]), {"status": "disputed"}),
        (reverse("test_order_photo_add", args=[pk]), {"photos": [upload()]}),
        (reverse("test_order_photo_delete", args=[pk, photo.pk]), {}),
    ]
    for url, data in posts:
        assert bob_client.post(url, data).status_code == 404, url
        assert bob_client.post(url, data, **HX).status_code == 404, url
    order.refresh_from_db()
    assert order.status == OrderStatus.CHECKED and order.photos.count() == 1


def test_bob_cannot_log_an_order_on_alices_supplier(bob_client, bob, supplier):
    response = bob_client.post(reverse("test_order_add"), {"supplier": supplier.pk, "ordered_on": "2026-01-10"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Order.objects.exists()


def test_lists_and_export_hold_only_the_users_own(bob_client, bob, order):
    bobs = make_order(bob, make_supplier(bob, name="Bob's store"), order_number="BOB-1")
    body = bob_client.get(reverse("test_order_list")).content.decode()
    assert "BOB-1" in body and "8123" not in body
    rows = list(csv.reader(io.StringIO(bob_client.get(reverse("test_order_export")).content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [str(bobs.pk)]


# --- CSV export ---------------------------------------------------------------------------------


def test_the_export_neutralises_formulas(alice_client, alice, supplier):
    make_order(
        alice,
        supplier,
        order_number='=HYPERLINK("http://evil.example","click")',
        shipping_method="+cmd",
        tracking_number="-1+1",
        notes="@SUM(A1)",
    )
    response = alice_client.get(reverse("test_order_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="test-orders-')
    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    record = dict(zip(header, row, strict=True))
    assert record["order_number"] == '\'=HYPERLINK("http://evil.example","click")'
    assert record["shipping_method"] == "'+cmd"
    assert record["tracking_number"] == "'-1+1"
    assert record["notes"] == "'@SUM(A1)"


def test_the_export_follows_the_filter(alice_client, alice, supplier):
    make_order(alice, supplier, order_number="OPEN-1")
    checked(make_order(alice, supplier, order_number="FAILED-1"), outcome="fail", overall_score=1)
    content = alice_client.get(reverse("test_order_export") + "?show=failed").content.decode("utf-8-sig")
    assert "FAILED-1" in content and "OPEN-1" not in content


def test_the_list_takes_a_fixed_number_of_queries(
    alice_client, alice, supplier, product, django_assert_max_num_queries
):
    for i in range(8):
        make_order(alice, supplier, product=product, order_number=f"N{i}")
    with django_assert_max_num_queries(12):
        response = alice_client.get(reverse("test_order_list"))
    assert response.content.decode().count('class="test-order"') == 8


def test_the_evidence_pack_holds_the_listing_timeline_check_requests_and_photos(alice, alice_client, bob_client, media):
    import io
    import zipfile
    from datetime import UTC, datetime
    from decimal import Decimal

    from monitoring.models import Snapshot
    from suppliers.models import Product

    supplier = make_supplier(alice)
    product = Product.objects.create(
        owner=alice, supplier=supplier, url="https://shop.example.com/p/1", host="shop.example.com", title="Lamp"
    )
    Snapshot.objects.create(
        product=product,
        slot=datetime(2026, 1, 9, 12, tzinfo=UTC),
        taken_at=datetime(2026, 1, 9, 12, tzinfo=UTC),
        status="ok",
        price=Decimal("8.90"),
        currency="USD",
        variant_sku="111",
        identity={
            "title": "LED desk lamp <b>Black</b>",
            "image": "https://img.example/lamp.jpg",
            "variant_ids": ["111"],
            "option_names": ["Color: Black"],
            "description": "5f1c0e9a2b7d4c3e8a6f0b1d2c3e4f5a",
        },
    )
    Snapshot.objects.create(  # after the order: not the listing as it was
        product=product,
        slot=datetime(2026, 2, 1, tzinfo=UTC),
        taken_at=datetime(2026, 2, 1, tzinfo=UTC),
        status="ok",
        price=Decimal("11.57"),
        currency="USD",
        identity={"title": "Phone case"},
    )
    order = make_order(alice, supplier, product=product, order_number="8123", notes="Box dented <script>")
    orderlog_services.order_mark_shipped(order=order, shipped_on=date(2026, 1, 12), tracking_number="LP123")
    orderlog_services.order_mark_delivered(order=order, delivered_on=date(2026, 1, 30))
    orderlog_services.order_record_check(order=order, **{**CHECK, "outcome": "fail"}, close_dispute_asked=True)
    orderlog_services.order_photos_add(order=order, photos=[orderlog_photos.photo_validate(upload())])

    response = alice_client.get(f"/test-orders/{order.pk}/evidence.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(pack.namelist()) == ["listing.json", "photos/01.png", "summary.html"]
    summary = pack.read("summary.html").decode()
    assert "LED desk lamp &lt;b&gt;Black&lt;/b&gt;" in summary and "8.90 USD" in summary and "Phone case" not in summary
    assert "2026-01-12" in summary and "tracking LP123" in summary and "Delivered" in summary
    assert "close the dispute" in summary and "Box dented &lt;script&gt;" in summary
    assert "Description digest</th><td>5f1c0e9a2b7d4c3e8a6f0b1d2c3e4f5a" in summary
    assert json.loads(pack.read("listing.json"))["variant"] == "111"
    assert bob_client.get(f"/test-orders/{order.pk}/evidence.zip").status_code == 404
