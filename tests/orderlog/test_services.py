"""The test-order log: model and form rules, services, cadence and due computations, the summary and the
trust score, photo validation, CSV escaping. (Pages and htmx flows: test_test_orders_views.py.)"""

import csv
import io
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from orderlog import export as orderlog_export
from orderlog import photos as orderlog_photos
from orderlog import selectors as orderlog_selectors
from orderlog import services as orderlog_services
from orderlog.forms import OrderCheckForm, OrderDeliverForm, OrderForm, OrderShipForm
from orderlog.models import Order, OrderPhoto, OrderStatus
from suppliers import services
from suppliers.models import Product

pytestmark = pytest.mark.django_db


# --- helpers ------------------------------------------------------------------------------------


def make_supplier(owner, name="Alice's store", store_id="4682001", **kwargs):
    return services.supplier_create(
        owner=owner, name=name, store_url=f"https://www.aliexpress.com/store/{store_id}", **kwargs
    )


def make_order(owner, supplier, ordered_on=date(2026, 1, 10), **kwargs):
    return orderlog_services.order_create(owner=owner, supplier=supplier, ordered_on=ordered_on, **kwargs)


CHECK = {
    "as_described": "yes",
    "genuine": "yes",
    "overall_score": 5,
    "outcome": "pass",
}


def checked(order, *, delivered_on=None, **check):
    order = orderlog_services.order_mark_delivered(
        order=order, delivered_on=delivered_on or order.ordered_on + timedelta(12)
    )
    return orderlog_services.order_record_check(order=order, **{**CHECK, **check})


def png_bytes(size=(8, 8), noise=False) -> bytes:
    pixels = os.urandom(size[0] * size[1] * 3) if noise else b"\xff\x00\x00" * (size[0] * size[1])
    image = Image.frombytes("RGB", size, pixels)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def upload(name="photo.png", content=None, content_type="image/png"):
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type=content_type)


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


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


# --- model and form rules -----------------------------------------------------------------------


def form_data(supplier, **overrides):
    data = {
        "supplier": supplier.pk,
        "ordered_on": "2026-01-10",
        "order_number": "8123",
        "amount_paid": "12.50",
        "currency": "usd",
        "shipping_method": "AliExpress Standard Shipping",
        "tracking_number": "LP00123",
    }
    data.update(overrides)
    return data


def test_the_form_accepts_a_plain_order_and_defaults_the_protection_end(alice, supplier):
    form = OrderForm(form_data(supplier), owner=alice)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["currency"] == "USD"
    assert form.cleaned_data["protection_ends_on"] == date(2026, 1, 10) + timedelta(days=60)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount_paid": "-3"}, "amount_paid", "The amount paid cannot be negative."),
        ({"protection_ends_on": "2026-01-09"}, "protection_ends_on", "Buyer protection cannot end (2026-01-09)"),
        ({"promised_from": "2026-01-05"}, "promised_from", "cannot start before the order date"),
        ({"promised_from": "2026-02-05", "promised_to": "2026-02-01"}, "promised_to", "before its start"),
        ({"ordered_on": "2099-01-01", "protection_ends_on": "2099-03-01"}, "ordered_on", "is in the future"),
        ({"ordered_on": "yesterday"}, "ordered_on", "Enter a valid date."),
        ({"currency": "dollars"}, "currency", "is not a currency code"),
    ],
)
def test_bad_order_input_is_a_clear_error_on_its_field(alice, supplier, overrides, field, message):
    form = OrderForm(form_data(supplier, **overrides), owner=alice)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
    assert not Order.objects.exists()


def test_the_product_must_be_one_of_the_suppliers_own(alice, bob, supplier, product):
    other_supplier = make_supplier(alice, name="Other", store_id="999")
    form = OrderForm(form_data(other_supplier, product=product.pk), owner=alice)
    assert not form.is_valid()
    assert "not one of this supplier's products" in form.errors["product"][0]

    bobs_supplier = make_supplier(bob, name="Bob's")
    bobs_product = Product.objects.create(owner=bob, supplier=bobs_supplier, url="https://shop.example/p/1")
    form = OrderForm(form_data(supplier, product=bobs_product.pk), owner=alice)
    assert not form.is_valid() and "Select a valid choice" in form.errors["product"][0]
    form = OrderForm(form_data(bobs_supplier), owner=alice)
    assert not form.is_valid() and "Select a valid choice" in form.errors["supplier"][0]


def test_the_service_refuses_what_the_form_refuses(alice, bob, supplier):
    with pytest.raises(ValidationError) as exc:
        make_order(alice, supplier, amount_paid=Decimal("-1"))
    assert exc.value.message_dict["amount_paid"] == ["The amount paid cannot be negative."]
    with pytest.raises(ValidationError) as exc:
        make_order(bob, supplier)  # someone else's supplier
    assert "supplier" in exc.value.message_dict
    assert not Order.objects.exists()


def test_delivered_before_ordered_is_refused(alice, supplier):
    order = make_order(alice, supplier)
    form = OrderDeliverForm({"delivered_on": "2026-01-09"}, instance=order)
    assert not form.is_valid()
    assert form.errors["delivered_on"] == ["Delivered on 2026-01-09 is before the order date (2026-01-10)."]
    with pytest.raises(ValidationError):
        orderlog_services.order_mark_delivered(order=order, delivered_on=date(2026, 1, 9))
    order.refresh_from_db()
    assert order.delivered_on is None and order.status == OrderStatus.ORDERED


def test_a_rule_on_a_field_the_form_does_not_show_becomes_a_form_error(alice, supplier):
    order = orderlog_services.order_mark_delivered(order=make_order(alice, supplier), delivered_on=date(2026, 1, 20))
    order.status = OrderStatus.ORDERED  # pretend a correction of the shipping date
    form = OrderShipForm({"shipped_on": "2026-01-25"}, instance=order)
    assert not form.is_valid()
    assert "is before it was shipped" in form.non_field_errors()[0]


def test_the_database_refuses_impossible_dates_too(alice, supplier):
    order = make_order(alice, supplier)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(delivered_on=date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(amount_paid=Decimal("-1"))


def test_the_check_form_needs_the_essentials(alice, supplier):
    order = make_order(alice, supplier)
    form = OrderCheckForm({"overall_score": "7"}, instance=order)
    assert not form.is_valid()
    assert set(form.errors) >= {"as_described", "genuine", "overall_score", "outcome"}


# --- buyer protection and delivery --------------------------------------------------------------


def test_protection_ends_after_the_platforms_days_by_default(alice, supplier, settings):
    assert make_order(alice, supplier).protection_ends_on == date(2026, 3, 11)  # AliExpress: 60 days
    settings.BUYER_PROTECTION_DAYS = {**settings.BUYER_PROTECTION_DAYS, "aliexpress": 75}
    assert make_order(alice, supplier).protection_ends_on == date(2026, 3, 26)
    shop = services.supplier_create(owner=alice, name="Northwind", platform="shopify")
    assert make_order(alice, shop).protection_ends_on == date(2026, 2, 9)  # 30 days


def test_the_protection_end_is_editable_per_order(alice, supplier):
    order = make_order(alice, supplier, protection_ends_on=date(2026, 2, 20))
    assert order.protection_ends_on == date(2026, 2, 20)
    order = orderlog_services.order_update(order=order, protection_ends_on=date(2026, 3, 1))
    assert order.protection_ends_on == date(2026, 3, 1)
    order = orderlog_services.order_update(order=order, ordered_on=date(2026, 1, 12), protection_ends_on=None)
    assert order.protection_ends_on == date(2026, 3, 13)  # back to the default, from the new date


def test_days_to_deliver_are_computed(alice, supplier):
    order = make_order(alice, supplier, promised_to=date(2026, 1, 20))
    assert order.days_to_deliver is None
    order = orderlog_services.order_mark_shipped(order=order, shipped_on=date(2026, 1, 12), tracking_number="LP1")
    assert order.status == OrderStatus.SHIPPED and order.tracking_number == "LP1"
    order = orderlog_services.order_mark_delivered(order=order, delivered_on=date(2026, 1, 24))
    assert order.status == OrderStatus.DELIVERED
    assert order.days_to_deliver == 14
    assert order.delivered_late


def test_the_status_moves_along_and_refuses_what_cannot_happen(alice, supplier):
    order = make_order(alice, supplier)
    with pytest.raises(orderlog_services.OrderStateError, match="Mark the order delivered first"):
        orderlog_services.order_record_check(order=order, **CHECK)
    order = checked(order)
    assert order.status == OrderStatus.CHECKED and order.checked_at is not None
    with pytest.raises(orderlog_services.OrderStateError):
        orderlog_services.order_mark_shipped(order=order, shipped_on=date(2026, 1, 11))
    with pytest.raises(orderlog_services.OrderStateError):
        orderlog_services.order_mark_lost(order=order)
    order = orderlog_services.order_open_dispute(order=order, disputed_on=date(2026, 1, 25))
    assert order.status == OrderStatus.DISPUTED and order.disputed_on == date(2026, 1, 25)
    order = orderlog_services.order_mark_refunded(order=order)
    assert order.status == OrderStatus.REFUNDED and order.disputed_on  # the dispute stays on record
    with pytest.raises(orderlog_services.OrderStateError):
        orderlog_services.order_mark_refunded(order=order)


def test_a_lost_parcel_that_arrives_is_delivered_after_all(alice, supplier):
    order = orderlog_services.order_mark_lost(order=make_order(alice, supplier), lost_on=date(2026, 2, 1))
    assert order.status == OrderStatus.LOST and order.failed
    order = orderlog_services.order_mark_delivered(order=order, delivered_on=date(2026, 2, 3))
    assert order.status == OrderStatus.DELIVERED and order.lost_on is None


# --- cadence and due dates (frozen time) ----------------------------------------------------------


@time_machine.travel("2026-03-01 12:00Z")
def test_a_never_tested_supplier_is_due_now(alice, bob):
    supplier = make_supplier(alice)
    make_supplier(bob, name="Bob's store")
    due = orderlog_selectors.suppliers_due_for_test_order(owner=alice)
    assert [d.supplier for d in due] == [supplier]
    assert due[0].never_tested and due[0].is_due and due[0].days_overdue == 0
    assert orderlog_selectors.supplier_test_order_due_on(supplier=supplier) == date(2026, 3, 1)


@time_machine.travel("2026-03-01 12:00Z")
def test_due_and_overdue_follow_the_cadence(alice):
    on_time = make_supplier(alice, name="Due today", store_id="1")
    make_order(alice, on_time, ordered_on=date(2025, 12, 1))  # + 90 days = 2026-03-01
    late = make_supplier(alice, name="Overdue", store_id="2")
    make_order(alice, late, ordered_on=date(2025, 11, 24))
    fresh = make_supplier(alice, name="Fresh", store_id="3")
    make_order(alice, fresh, ordered_on=date(2026, 1, 15))
    weekly = make_supplier(alice, name="Weekly", store_id="4", test_order_cadence_days=7)
    make_order(alice, weekly, ordered_on=date(2026, 2, 20))
    off = make_supplier(alice, name="Off", store_id="5", test_order_cadence_days=0)
    paused = make_supplier(alice, name="Paused", store_id="6")
    paused.active = False
    paused.save()

    due = {d.supplier.name: d for d in orderlog_selectors.suppliers_due_for_test_order(owner=alice)}
    assert set(due) == {"Due today", "Overdue", "Weekly"}
    assert due["Due today"].days_overdue == 0 and not due["Due today"].is_overdue
    assert due["Overdue"].days_overdue == 7 and due["Overdue"].is_overdue
    assert due["Overdue"].days_since_last == 97
    assert due["Weekly"].due_on == date(2026, 2, 27)
    # Most overdue first.
    assert [d.supplier.name for d in orderlog_selectors.suppliers_due_for_test_order(owner=alice)] == [
        "Overdue",
        "Weekly",
        "Due today",
    ]

    soon = {d.supplier.name: d for d in orderlog_selectors.suppliers_due_for_test_order(owner=alice, within_days=45)}
    assert soon["Fresh"].days_until_due == 45 and not soon["Fresh"].is_due
    assert orderlog_selectors.supplier_test_order_due_on(supplier=off) is None
    assert orderlog_selectors.supplier_test_order_due_on(supplier=fresh) == date(2026, 4, 15)


@time_machine.travel("2026-03-01 12:00Z")
def test_a_failed_test_order_halves_the_interval(alice):
    supplier = make_supplier(alice)
    order = make_order(alice, supplier, ordered_on=date(2026, 1, 1))
    assert orderlog_selectors.supplier_test_order_due_on(supplier=supplier) == date(2026, 4, 1)
    checked(order, outcome="fail", overall_score=1)
    assert orderlog_selectors.supplier_test_order_due_on(supplier=supplier) == date(2026, 2, 15)  # 45 days
    (due,) = orderlog_selectors.suppliers_due_for_test_order(owner=alice)
    assert due.last_failed and due.interval_days == 45 and due.days_overdue == 14

    # A newer order restarts the clock with the full interval until it fails too.
    newer = make_order(alice, supplier, ordered_on=date(2026, 2, 20))
    assert orderlog_selectors.supplier_test_order_due_on(supplier=supplier) == date(2026, 5, 21)
    orderlog_services.order_mark_lost(order=newer)
    assert orderlog_selectors.supplier_test_order_due_on(supplier=supplier) == date(2026, 4, 6)


def test_sizes_read_well():
    assert orderlog_photos._size_text(5 * 1024 * 1024 + 1, round_up=True) == "5.1 MB"
    assert orderlog_photos._size_text(5 * 1024 * 1024, round_up=False) == "5.0 MB"
    assert orderlog_photos._size_text(1500, round_up=True) == "2 KB"


def test_the_halved_interval_rounds_up():
    assert orderlog_selectors.order_interval_days(cadence_days=90, last_failed=True) == 45
    assert orderlog_selectors.order_interval_days(cadence_days=7, last_failed=True) == 4
    assert orderlog_selectors.order_interval_days(cadence_days=1, last_failed=True) == 1
    assert orderlog_selectors.order_interval_days(cadence_days=7, last_failed=False) == 7


@time_machine.travel("2026-03-01 12:00Z")
def test_orders_whose_protection_ends_soon(alice, bob):
    supplier = make_supplier(alice)
    soon = make_order(alice, supplier, ordered_on=date(2026, 1, 5))  # protection ends 2026-03-06
    lost = orderlog_services.order_mark_lost(order=make_order(alice, supplier, ordered_on=date(2026, 1, 2)))
    arrived = make_order(alice, supplier, ordered_on=date(2026, 1, 5))
    orderlog_services.order_mark_delivered(order=arrived, delivered_on=date(2026, 2, 1))
    make_order(alice, supplier, ordered_on=date(2026, 1, 20))  # ends 2026-03-21: not yet
    make_order(alice, supplier, ordered_on=date(2025, 12, 25))  # ended 2026-02-23: too late to remind
    make_order(bob, make_supplier(bob, name="Bob's"), ordered_on=date(2026, 1, 5))

    ending = list(orderlog_selectors.orders_with_protection_ending(owner=alice, within_days=7))
    assert ending == [lost, soon]
    assert soon.protection_days_left == 5
    assert list(orderlog_selectors.orders_with_protection_ending(owner=alice, within_days=2)) == [lost]


def test_delivered_orders_without_a_check(alice, supplier):
    waiting = orderlog_services.order_mark_delivered(order=make_order(alice, supplier), delivered_on=date(2026, 1, 20))
    checked(make_order(alice, supplier))
    make_order(alice, supplier)
    assert list(orderlog_selectors.delivered_orders_without_check(owner=alice)) == [waiting]
    assert waiting.needs_check


# --- the supplier's record and its trust score ----------------------------------------------------


def test_the_summary_counts_outcomes_delivery_times_and_disputes(alice, supplier):
    assert orderlog_selectors.order_summary(supplier=supplier) == orderlog_selectors.OrderSummary()
    checked(make_order(alice, supplier, ordered_on=date(2026, 1, 1)), delivered_on=date(2026, 1, 11))
    checked(
        make_order(alice, supplier, ordered_on=date(2026, 1, 2), promised_to=date(2026, 1, 15)),
        delivered_on=date(2026, 1, 22),
        outcome="pass_with_issues",
        overall_score=3,
    )
    failed = checked(
        make_order(alice, supplier, ordered_on=date(2026, 1, 3)),
        delivered_on=date(2026, 1, 18),
        outcome="fail",
        overall_score=1,
    )
    orderlog_services.order_open_dispute(order=failed)
    lost = orderlog_services.order_mark_lost(order=make_order(alice, supplier, ordered_on=date(2026, 1, 4)))
    orderlog_services.order_mark_refunded(order=lost)
    make_order(alice, supplier, ordered_on=date(2026, 1, 5))

    summary = orderlog_selectors.order_summary(supplier=supplier)
    assert summary == orderlog_selectors.OrderSummary(
        count=5,
        passed=1,
        passed_with_issues=1,
        failed=1,
        disputed=1,
        lost=1,
        refunded=1,
        delivered=3,
        late=1,
        avg_days_to_deliver=15.0,  # (10 + 20 + 15) / 3
        last_ordered_on=date(2026, 1, 5),
        last_outcome="fail",  # the most recent order with a check
    )


def test_summaries_for_many_suppliers_take_one_query(alice, django_assert_num_queries):
    suppliers = [make_supplier(alice, name=f"S{i}", store_id=str(i)) for i in range(3)]
    make_order(alice, suppliers[0])
    with django_assert_num_queries(1):
        summaries = orderlog_selectors.order_summaries(suppliers=suppliers)
    assert [summaries[s.pk].count for s in suppliers] == [1, 0, 0]


def test_the_trust_score_moves_with_outcomes(alice, supplier):
    order = make_order(alice, supplier, ordered_on=date(2026, 1, 1))
    supplier.refresh_from_db()
    not_checked = supplier.trust_score
    assert not_checked is not None  # logging an order already recomputes the score
    checked(order)
    supplier.refresh_from_db()
    passed = supplier.trust_score
    assert passed > not_checked
    assert any("Last test order passed" in r["reason"] for r in supplier.trust_reasons)

    checked(make_order(alice, supplier, ordered_on=date(2026, 2, 1)), outcome="fail", overall_score=1)
    supplier.refresh_from_db()
    assert supplier.trust_score < passed
    assert any("failed the quality check" in r["reason"] for r in supplier.trust_reasons)

    lost = orderlog_services.order_mark_lost(order=make_order(alice, supplier, ordered_on=date(2026, 2, 2)))
    supplier.refresh_from_db()
    failed_score = supplier.trust_score
    assert any("disputed or lost" in r["reason"] for r in supplier.trust_reasons)
    orderlog_services.order_delete(order=lost)
    supplier.refresh_from_db()
    assert supplier.trust_score > failed_score


# --- photos -------------------------------------------------------------------------------------


def test_a_real_small_png_is_accepted_whatever_its_name(media):
    photo = orderlog_photos.photo_validate(upload("holiday.gif"))
    assert (photo.content_type, photo.width, photo.height) == ("image/png", 8, 8)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.jpg", b"<script>alert(document.cookie)</script>", "is not a JPEG, PNG, WebP or GIF image"),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "is not a JPEG"),
        ("cut.png", png_bytes((64, 64), noise=True)[:-200], "is damaged or incomplete"),
        ("empty.png", b"", "is empty"),
    ],
)
def test_what_is_not_an_image_is_refused(name, content, message):
    with pytest.raises(ValidationError, match=message):
        orderlog_photos.photo_validate(upload(name, content, content_type="image/jpeg"))


def test_a_bmp_is_refused_even_though_pillow_reads_it():
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "BMP")
    with pytest.raises(ValidationError, match="is not a JPEG"):
        orderlog_photos.photo_validate(upload("x.bmp", out.getvalue()))


def test_an_oversize_image_is_refused(settings):
    settings.TEST_ORDER_PHOTO_MAX_BYTES = 10_000
    big = png_bytes((200, 200), noise=True)
    assert len(big) > 10_000
    with pytest.raises(ValidationError, match=r"^\['“big.png” is 1\d\d KB; a photo can be at most 9 KB.'\]$"):
        orderlog_photos.photo_validate(upload("big.png", big))


def test_photos_are_stored_per_user_under_a_random_name(alice, supplier, media):
    order = checked(make_order(alice, supplier), photos=[orderlog_photos.photo_validate(upload("My Parcel.png"))])
    (photo,) = order.photos.all()
    assert photo.image.name.startswith(f"test-orders/{alice.pk}/")
    assert photo.image.name.endswith(".png") and "Parcel" not in photo.image.name
    assert (media / photo.image.name).read_bytes() == png_bytes()


def test_a_check_whose_photo_cannot_be_stored_saves_nothing(alice, supplier, media):
    order = orderlog_services.order_mark_delivered(order=make_order(alice, supplier), delivered_on=date(2026, 1, 20))
    with pytest.raises(TypeError):
        orderlog_services.order_record_check(
            order=order,
            **CHECK,
            photos=[orderlog_photos.photo_validate(upload()), upload()],  # the 2nd was never validated
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.outcome == ""
    assert not OrderPhoto.objects.exists()
    assert stored_files(media) == []  # the first photo's file is gone again


def test_deleting_an_order_deletes_its_photo_files(alice, supplier, media, django_capture_on_commit_callbacks):
    order = checked(make_order(alice, supplier), photos=[orderlog_photos.photo_validate(upload())])
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        orderlog_services.order_delete(order=order)
    assert stored_files(media) == []


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("LP00123", "LP00123"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_spreadsheet_formulas_are_neutralised(value, safe):
    assert orderlog_export.spreadsheet_safe(value) == safe


def test_the_csv_has_one_safe_row_per_order(alice, supplier):
    make_order(alice, supplier, order_number="=cmd|' /C calc'!A0", notes="@SUM(1)", amount_paid=Decimal("12.5"))
    rows = list(csv.reader(io.StringIO(orderlog_export.order_csv(orders=Order.objects.all()))))
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["order_number"] == "'=cmd|' /C calc'!A0"
    assert record["notes"] == "'@SUM(1)"
    assert record["amount_paid"] == "12.50"
    assert record["supplier"] == "Alice's store"
    assert record["protection_ends_on"] == "2026-03-11"


# --- Photo metadata and left-behind files ------------------------------------------------------


def _jpeg_with_exif(size=(40, 20)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    gps = {1: "N", 2: (52.0, 13.0, 0.0), 3: "E", 4: (13.0, 24.0, 0.0)}
    exif[0x8825] = gps  # GPS IFD: where it was taken
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_stored_photo_keeps_no_exif_and_shows_upright(alice, supplier, media):
    order = make_order(alice, supplier)
    raw = _jpeg_with_exif()
    assert Image.open(io.BytesIO(raw)).getexif()  # the upload carries a location
    photo = orderlog_photos.photo_validate(upload("trip.jpg", raw, "image/jpeg"))
    (row,) = orderlog_services.order_photos_add(order=order, photos=[photo])
    with Image.open(row.image.path) as stored:
        assert not stored.getexif() and "exif" not in stored.info
        assert stored.size == (20, 40) == (row.width, row.height)  # turned by its orientation, then stripped
    assert row.size == row.image.size


def test_photo_files_left_by_a_cascade_are_swept(alice, supplier, media):
    from datetime import timedelta

    from django.utils import timezone

    order = make_order(alice, supplier)
    (kept,) = orderlog_services.order_photos_add(order=order, photos=[orderlog_photos.photo_validate(upload())])
    other = make_supplier(alice, name="Other store", store_id="99")
    gone = make_order(alice, other)
    (row,) = orderlog_services.order_photos_add(order=gone, photos=[orderlog_photos.photo_validate(upload())])
    left_behind = row.image.path
    other.delete()  # the database cascade deletes the order and its photo rows, not the file
    assert Path(left_behind).exists()
    assert orderlog_photos.photos_sweep(now=timezone.now()) == 0  # too new: maybe an upload in progress
    assert orderlog_photos.photos_sweep(now=timezone.now() + timedelta(hours=2)) == 1
    assert not Path(left_behind).exists() and Path(kept.image.path).exists()


def test_the_sellers_requests_are_kept_summarised_and_shown(alice, alice_client, supplier):
    order = make_order(alice, supplier)
    orderlog_services.order_update(order=order, close_dispute_asked=True, off_platform_payment_asked=True)
    order.refresh_from_db()
    assert order.seller_requests == ["close the dispute", "pay outside the platform"]
    summary = orderlog_selectors.order_summary(supplier=supplier)
    assert summary.seller_asked == 1 and summary.requests == ("close the dispute", "pay outside the platform")
    supplier.refresh_from_db()
    assert any("The seller asked you to close the dispute" in r["reason"] for r in supplier.trust_reasons)
    assert "close the dispute" in alice_client.get(order.get_absolute_url()).content.decode()
