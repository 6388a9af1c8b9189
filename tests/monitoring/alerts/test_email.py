"""Email alerts and reminders against a real SMTP server: one email per batch, never twice, never lost."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accounts.models import NotifyMode, settings_for
from monitoring.alerts import email as alerts
from monitoring.checking import record_product_check
from monitoring.models import Email, Notification, Severity
from monitoring.observation import Observation
from monitoring.statuses import CheckStatus
from orderlog import services as order_services
from orderlog.reminders import generate_reminders
from suppliers import services
from suppliers.models import Product
from tests.support.smtp import SmtpServer

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    server.configure(settings)
    settings.EMAIL_RETRY_BASE_SECONDS = 1
    settings.EMAIL_RETRY_MAX_SECONDS = 4
    yield server
    server.stop()


@pytest.fixture
def lamp(alice):
    alice.first_name = "Alice"
    alice.save()
    return services.product_create(
        owner=alice,
        url="https://shop.example/products/lamp",
        platform="structured",
        title="LED <b>lamp</b> <script>alert(1)</script>",
        my_price=D("30"),
    )


def check(product, obs, at):
    Product.objects.filter(pk=product.pk).update(pending_slot=at, check_started_at=None)
    return record_product_check(product_id=product.pk, slot=at, obs=obs, now=at)


def ok(price="10.00", **kw):
    return Observation(price=D(price), currency="USD", in_stock=kw.pop("in_stock", True), **kw)


def deteriorate(product, start=T0):
    for i in range(3):
        check(product, ok("10.00"), start + timedelta(hours=6 * i))
    check(product, ok("12.50", in_stock=False), start + timedelta(days=1))


@pytest.mark.django_db
def test_an_alert_arrives_with_the_numbers_and_links(smtp, lamp, alice):
    deteriorate(lamp)
    counts = alerts.deliver(now=T0 + timedelta(days=1, minutes=1))
    assert counts == {"sent": 1, "retry": 0, "failed": 0}
    assert len(smtp.messages) == 1  # two findings, one email
    message = smtp.messages[0]
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "Dropwatch: 2 problems with your suppliers"
    text, html = SmtpServer.parts(message)
    assert "Hello Alice" in text and "Price up 25.0%: 10.00 → 12.50 USD" in text and "Out of stock since" in text
    assert "Since 2026-11-03 06:00 UTC" in text
    assert "/account/settings/" in text and "/account/unsubscribe/" in text
    assert "<script>" not in html and "&lt;script&gt;" in html  # scraped title escaped in HTML
    email = Email.objects.get()
    assert message["Message-ID"] == email.message_id and email.status == "sent"
    assert Notification.objects.filter(email=email).count() == 2
    assert alerts.deliver(now=T0 + timedelta(days=1, minutes=2)) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_smtp_down_then_up_delivers_exactly_once(smtp, lamp):
    deteriorate(lamp)
    smtp.stop()
    now = T0 + timedelta(days=1, minutes=1)
    assert alerts.deliver(now=now)["retry"] == 1
    email = Email.objects.get()
    assert email.status == "pending" and email.attempts == 1 and "Could not reach the mail server" in email.last_error
    assert alerts.send_due(now=now) == {"sent": 0, "retry": 0, "failed": 0}  # backoff: not yet
    smtp.start()
    later = email.next_attempt_at + timedelta(seconds=1)
    assert alerts.send_due(now=later)["sent"] == 1
    assert alerts.send_due(now=later + timedelta(minutes=10))["sent"] == 0
    assert len(smtp.messages) == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2


@pytest.mark.django_db
def test_a_permanent_rejection_is_marked_and_not_retried(smtp, lamp, alice):
    smtp.reject.add("alice@example.com")
    deteriorate(lamp)
    now = T0 + timedelta(days=1, minutes=1)
    assert alerts.deliver(now=now)["failed"] == 1
    email = Email.objects.get()
    assert email.status == "failed" and email.permanent_failure and "550" in email.last_error
    assert alerts.send_due(now=now + timedelta(days=1))["sent"] == 0
    assert email.attempts == 1


@pytest.mark.django_db
def test_temporary_failures_are_bounded(smtp, lamp, settings):
    settings.EMAIL_MAX_ATTEMPTS = 3
    smtp.defer.add("alice@example.com")
    deteriorate(lamp)
    now = T0 + timedelta(days=1, minutes=1)
    alerts.deliver(now=now)
    for _ in range(5):
        now += timedelta(minutes=5)
        alerts.send_due(now=now)
    email = Email.objects.get()
    assert email.status == "failed" and email.attempts == 3 and "Gave up after 3 attempts" in email.last_error
    assert not email.permanent_failure and smtp.messages == []


@pytest.mark.django_db(transaction=True)
def test_two_senders_racing_deliver_once(smtp, lamp):
    deteriorate(lamp)
    now = T0 + timedelta(days=1, minutes=1)
    alerts.build_emails(now=now)
    barrier = threading.Barrier(4)
    results = []

    def sender():
        try:
            barrier.wait()
            results.append(alerts.send_due(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 1
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_a_sender_that_crashed_mid_send_is_taken_over_with_the_same_message_id(smtp, lamp):
    deteriorate(lamp)
    now = T0 + timedelta(days=1, minutes=1)
    (email,) = alerts.build_emails(now=now)
    assert alerts.claim(email.pk, now)  # a worker claimed it, then died before sending
    assert alerts.send_due(now=now + timedelta(minutes=1))["sent"] == 0  # its lease still holds
    assert alerts.send_due(now=now + alerts.SEND_LEASE + timedelta(seconds=1))["sent"] == 1
    assert smtp.messages[0]["Message-ID"] == email.message_id


@pytest.mark.django_db
def test_health_problems_are_sent_apart_and_gently(smtp, lamp):
    check(lamp, ok(), T0)
    blocked = Observation.failed(CheckStatus.BLOCKED, "AliExpress answered with its captcha (slider) page.")
    for i in range(1, 4):
        check(lamp, blocked, T0 + timedelta(hours=6 * i))
    alerts.deliver(now=T0 + timedelta(days=1))
    (message,) = smtp.messages
    assert "could not check" in message["Subject"]
    text, _ = SmtpServer.parts(message)
    assert "not a problem with your suppliers" in text


@pytest.mark.django_db
def test_findings_below_the_minimum_severity_are_not_emailed(smtp, alice):
    prefs = settings_for(alice)
    prefs.min_severity = Severity.CRITICAL
    prefs.save()
    Notification.objects.create(
        owner=alice, category="alert", dedup_key="x", severity=Severity.WARNING, subject="Rating drop", created_at=T0
    )
    alerts.deliver(now=T0)
    assert smtp.messages == []
    assert Notification.objects.get().skipped == "below your minimum severity for email"


@pytest.mark.django_db
def test_a_deactivated_account_is_sent_nothing_and_others_still_are(smtp, alice, bob):
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    for owner in (alice, bob):
        Notification.objects.create(
            owner=owner,
            category="alert",
            dedup_key="x",
            severity=Severity.CRITICAL,
            subject="Out of stock",
            created_at=T0,
        )
    alerts.deliver(now=T0)
    assert [m["To"] for m in smtp.messages] == [alice.email]
    assert Notification.objects.get(owner=bob).skipped == "the account is deactivated"


@pytest.mark.django_db
def test_the_digest_groups_a_days_findings_in_one_email_at_the_local_hour(smtp, alice):
    prefs = settings_for(alice)
    prefs.notify_mode, prefs.digest_hour, prefs.time_zone = NotifyMode.DIGEST, 8, "Europe/Warsaw"
    prefs.save()
    for i, hour in enumerate([1, 3, 5]):
        Notification.objects.create(
            owner=alice,
            category="alert",
            dedup_key=f"n{i}",
            severity=Severity.WARNING,
            subject=f"Problem {i}",
            body=f"detail {i}",
            created_at=datetime(2026, 11, 2, hour, tzinfo=UTC),
        )
    alerts.deliver(now=datetime(2026, 11, 2, 6, 30, tzinfo=UTC))  # 07:30 in Warsaw: not yet
    assert smtp.messages == []
    alerts.deliver(now=datetime(2026, 11, 2, 7, 5, tzinfo=UTC))  # 08:05 in Warsaw
    assert len(smtp.messages) == 1
    text, _ = SmtpServer.parts(smtp.messages[0])
    assert all(f"Problem {i}" in text for i in range(3))
    assert smtp.messages[0]["Subject"] == "Dropwatch daily digest: 3 problems"
    Notification.objects.create(
        owner=alice,
        category="alert",
        dedup_key="late",
        severity=Severity.WARNING,
        subject="Late problem",
        created_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
    )
    alerts.deliver(now=datetime(2026, 11, 2, 12, tzinfo=UTC))  # same local day: waits for tomorrow
    assert len(smtp.messages) == 1
    alerts.deliver(now=datetime(2026, 11, 3, 7, 1, tzinfo=UTC))
    assert len(smtp.messages) == 2


@pytest.mark.django_db
def test_a_user_without_an_email_address_is_told_in_the_app(smtp, alice):
    alice.email = ""
    alice.save()
    Notification.objects.create(
        owner=alice, category="alert", dedup_key="x", severity=Severity.CRITICAL, subject="Out of stock", created_at=T0
    )
    alerts.deliver(now=T0)
    email = Email.objects.get()
    assert email.status == "failed" and "no email address" in email.last_error


@pytest.mark.django_db
def test_reminders_fire_once_per_occasion(smtp, alice):
    supplier = services.supplier_create(owner=alice, name="Store Z", platform="aliexpress")
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=UTC)):
        order = order_services.order_create(
            owner=alice, supplier=supplier, ordered_on=date(2026, 1, 20), order_number="8123", amount_paid=D("12.00")
        )
        assert order.protection_ends_on == date(2026, 1, 20) + timedelta(days=60)
    # 2026-03-17: protection ends 2026-03-21 (in 4 days), not delivered -> dispute reminder; test order is
    # not due (ordered 56 days ago, cadence 90)
    day = datetime(2026, 3, 17, 9, tzinfo=UTC)
    with time_machine.travel(day):
        assert generate_reminders(now=day) == 1
        assert generate_reminders(now=day + timedelta(hours=1)) == 0  # not every hour/day
        alerts.deliver(now=day)
    assert len(smtp.messages) == 1
    assert "Buyer protection for order 8123 ends in 4 days" in smtp.messages[0]["Subject"]
    text, _ = SmtpServer.parts(smtp.messages[0])
    assert "Open a dispute before then" in text
    # delivered, then no check recorded -> one reminder; later the test order becomes due -> one reminder
    with time_machine.travel(datetime(2026, 3, 18, 9, tzinfo=UTC)):
        order_services.order_mark_delivered(order=order, delivered_on=date(2026, 3, 18))
        assert generate_reminders(now=datetime(2026, 3, 18, 9, tzinfo=UTC)) == 1
    due_day = datetime(2026, 4, 20, 9, tzinfo=UTC)
    with time_machine.travel(due_day):
        kinds = set()
        generate_reminders(now=due_day)
        generate_reminders(now=due_day + timedelta(days=1))
        for n in Notification.objects.filter(category="reminder"):
            kinds.add(n.dedup_key.split(":")[1])
    assert kinds == {"protection", "unchecked", "test_order_due"}
    assert Notification.objects.filter(dedup_key__startswith="reminder:test_order_due").count() == 1


@pytest.mark.django_db
def test_the_email_log_page_shows_sent_and_failed(smtp, lamp, alice_client, bob_client):
    smtp.reject.add("alice@example.com")
    deteriorate(lamp)
    alerts.deliver(now=T0 + timedelta(days=1))
    page = alice_client.get(reverse("email_log")).content.decode()
    assert "Failed" in page and "550" in page and "2 problems" in page
    assert "2 problems" not in bob_client.get(reverse("email_log")).content.decode()


@pytest.mark.django_db
def test_unsubscribe_link_stops_emails_for_that_account_only(client, alice, bob):
    token = alerts.unsubscribe_token(alice)
    url = reverse("unsubscribe", args=[token])
    assert client.get(url).status_code == 200
    assert settings_for(alice).notify_mode == NotifyMode.IMMEDIATE  # a GET changes nothing
    client.post(url)
    assert settings_for(alice).notify_mode == NotifyMode.OFF
    assert settings_for(bob).notify_mode == NotifyMode.IMMEDIATE
    assert client.post(reverse("unsubscribe", args=[token[:-2] + "xx"])).status_code == 404
