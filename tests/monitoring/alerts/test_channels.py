"""Channels besides email (Apprise URLs), delivered to a real local HTTP server through Apprise's `json://`:
one message per batch, retried after an outage, never twice, never into the server's network."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from monitoring.alerts import channel_urls
from monitoring.alerts import channels as sender
from monitoring.alerts.outbox import notification_add
from monitoring.models import Channel, ChannelAttempt, ChannelItem, ChannelMessage, Notification, Severity
from tests.support.servers import LocalShop

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
SECRET = "s3cr3tT0kenXYZ"


class Hook:
    """A JSON webhook on 127.0.0.1: records what Apprise posts, answers with the statuses it is given."""

    def __init__(self, shop: LocalShop, path="/hook"):
        self.shop, self.path = shop, path
        self.bodies: list[dict] = []
        self.statuses: list[int] = []  # answered in order; then 200
        self.delay = 0.0
        shop.routes[path] = self._answer

    def _answer(self, h):
        body = json.loads(h.read_body() or b"{}")
        if self.delay:
            time.sleep(self.delay)
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            self.bodies.append(body)
        h.reply(status, "{}" if status == 200 else "nope", "application/json")

    def url(self, path=None):
        return f"json://127.0.0.1:{self.shop.port}{path or self.path}"


@pytest.fixture
def shop(settings):
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{s.port}"]
    settings.EMAIL_RETRY_BASE_SECONDS = 1
    settings.EMAIL_RETRY_MAX_SECONDS = 4
    settings.SITE_URL = "https://dropwatch.example"
    yield s
    s.close()


@pytest.fixture
def hook(shop):
    return Hook(shop)


def channel_for(user, url, **kw):
    kw.setdefault("created_at", T0 - timedelta(days=1))
    return Channel.objects.create(owner=user, name=kw.pop("name", "Team hook"), url=url, **kw)


def notify(user, n=3, *, category=Notification.Category.ALERT, severity=Severity.WARNING, at=T0):
    for i in range(n):
        notification_add(
            owner_id=user.pk,
            category=category,
            dedup_key=f"test:{category}:{i}:{at.isoformat()}",
            subject=f"Price up on lamp {i}",
            body=f"10.00 → 1{i}.00 USD",
            link=f"/products/{i}/",
            now=at,
            severity=severity,
        )


@pytest.mark.django_db
def test_a_new_channel_gets_only_what_happens_after_it_is_added(hook, alice):
    notify(alice, 2, at=T0 - timedelta(days=2))
    channel_for(alice, hook.url())
    assert sender.deliver(now=T0) == {"sent": 0, "retry": 0, "failed": 0}


@pytest.mark.django_db
def test_three_notifications_make_one_message_per_channel(hook, alice):
    channel_for(alice, hook.url())
    second = Hook(hook.shop, "/other")
    channel_for(alice, second.url(), name="Other")
    notify(alice, 3)
    assert sender.deliver(now=T0 + timedelta(minutes=1)) == {"sent": 2, "retry": 0, "failed": 0}
    assert len(hook.bodies) == 1 and len(second.bodies) == 1  # one per batch and channel, not one per finding
    body = hook.bodies[0]
    assert body["title"] == "Dropwatch: 3 problems with your suppliers"
    for i in range(3):
        assert (
            f"Price up on lamp {i}" in body["message"] and f"https://dropwatch.example/products/{i}/" in body["message"]
        )
    message = ChannelMessage.objects.get(channel__name="Team hook")
    assert message.status == "sent" and message.items.count() == 3 and message.message_id in body["message"]
    assert Notification.objects.filter(email__isnull=False).count() == 0  # the email flow is its own
    assert sender.deliver(now=T0 + timedelta(minutes=2)) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(hook.bodies) == 1


@pytest.mark.django_db
def test_the_channels_choices_filter_what_goes(hook, alice):
    channel_for(alice, hook.url(), min_severity=Severity.CRITICAL, health_notices=False)
    notify(alice, 2, severity=Severity.WARNING)
    notify(alice, 1, category=Notification.Category.HEALTH)
    notify(alice, 1, severity=Severity.CRITICAL, at=T0 + timedelta(seconds=1))
    assert sender.deliver(now=T0 + timedelta(minutes=1))["sent"] == 1
    assert hook.bodies[0]["title"] == "Dropwatch: 1 problem with your suppliers"
    assert sender.deliver(now=T0 + timedelta(minutes=2))["sent"] == 0  # the skipped ones are not looked at again


@pytest.mark.django_db
def test_a_deactivated_accounts_channels_send_nothing_and_others_still_do(hook, alice, bob):
    channel_for(alice, hook.url())
    theirs = Hook(hook.shop, "/bob")
    channel_for(bob, theirs.url(), name="Bob's hook")
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    notify(alice, 1)
    notify(bob, 2)
    assert sender.deliver(now=T0 + timedelta(minutes=1))["sent"] == 1
    assert len(hook.bodies) == 1 and theirs.bodies == []
    skipped = ChannelItem.objects.filter(channel__owner=bob).values_list("skipped", flat=True)
    assert list(skipped) == ["the account is deactivated"] * 2


@pytest.mark.django_db
def test_a_digest_channel_sends_once_a_day_at_the_users_hour(hook, alice):
    channel_for(alice, hook.url(), mode=Channel.Mode.DIGEST)  # user's digest hour: 08:00 UTC
    notify(alice, 2)
    assert sender.deliver(now=T0 + timedelta(minutes=1))["sent"] == 0
    assert sender.deliver(now=T0 + timedelta(hours=2, minutes=1))["sent"] == 1
    assert hook.bodies[0]["title"] == "Dropwatch daily digest: 2 items"
    notify(alice, 1, at=T0 + timedelta(hours=3))
    assert sender.deliver(now=T0 + timedelta(hours=4))["sent"] == 0  # tomorrow's


@pytest.mark.django_db
def test_an_outage_is_retried_with_backoff_and_delivered_once(hook, alice):
    hook.statuses = [503]
    channel_for(alice, hook.url())
    notify(alice, 3)
    now = T0 + timedelta(minutes=1)
    assert sender.deliver(now=now) == {"sent": 0, "retry": 1, "failed": 0}
    message = ChannelMessage.objects.get()
    assert message.status == "pending" and message.attempts == 1 and "503" in message.last_error
    assert message.next_attempt_at > now
    assert sender.send_due(now=now) == {"sent": 0, "retry": 0, "failed": 0}  # backoff: not yet
    later = message.next_attempt_at + timedelta(seconds=1)
    assert sender.send_due(now=later)["sent"] == 1
    assert sender.send_due(now=later + timedelta(minutes=10))["sent"] == 0
    assert len(hook.bodies) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert list(message.attempt_log.values_list("outcome", flat=True)) == ["retry", "sent"]


@pytest.mark.django_db
def test_the_server_down_is_temporary_and_bounded(hook, alice, settings):
    settings.EMAIL_MAX_ATTEMPTS = 2
    url = f"json://127.0.0.1:{hook.shop.port}/hook"
    hook.shop.close()  # nothing listens any more
    channel_for(alice, url)
    notify(alice, 1)
    now = T0 + timedelta(minutes=1)
    assert sender.deliver(now=now)["retry"] == 1
    message = ChannelMessage.objects.get()
    assert sender.send_due(now=message.next_attempt_at + timedelta(seconds=1))["failed"] == 1
    message.refresh_from_db()
    assert message.status == "failed" and not message.permanent_failure and "Gave up after 2" in message.last_error
    hook.shop.close = lambda: None  # the fixture's close


@pytest.mark.django_db
def test_a_4xx_is_permanent_at_once(hook, alice):
    hook.statuses = [404]
    channel_for(alice, hook.url())
    notify(alice, 1)
    assert sender.deliver(now=T0 + timedelta(minutes=1))["failed"] == 1
    message = ChannelMessage.objects.get()
    assert message.status == "failed" and message.permanent_failure and "404" in message.last_error
    assert sender.send_due(now=T0 + timedelta(days=1))["failed"] == 0 and message.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_senders_racing_deliver_once(hook, alice):
    hook.delay = 0.3
    channel_for(alice, hook.url())
    notify(alice, 3)
    now = T0 + timedelta(minutes=1)
    sender.build_messages(now=now)
    barrier = threading.Barrier(4)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(sender.send_due(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 1
    assert len(hook.bodies) == 1


@pytest.mark.django_db
def test_a_sender_killed_mid_send_is_taken_over_after_its_lease_with_the_same_id(hook, alice):
    channel_for(alice, hook.url())
    notify(alice, 2)
    now = T0 + timedelta(minutes=1)
    (message,) = sender.build_messages(now=now)
    assert sender.claim(message.pk, now)  # a worker claimed it, then died
    assert sender.send_due(now=now + timedelta(seconds=30))["sent"] == 0  # its lease still holds
    assert hook.bodies == []
    after = now + sender.SEND_LEASE + timedelta(seconds=1)
    assert sender.send_due(now=after)["sent"] == 1
    assert sender.send_due(now=after + timedelta(minutes=5))["sent"] == 0
    assert len(hook.bodies) == 1 and message.message_id in hook.bodies[0]["message"]


# --- never into our own network -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["json://10.0.0.1/x", "json://169.254.169.254/", "ntfy://192.168.1.2/topic", "gotify://localhost/t"]
)
@pytest.mark.django_db
def test_a_private_address_is_refused_when_saved(url, alice_client, alice):
    response = alice_client.post(
        reverse("channel_add"), {"c-name": "x", "c-url": url, "c-mode": "immediate", "c-min_severity": 20}
    )
    assert response.status_code == 400
    assert "private or reserved network address" in response.content.decode()
    assert not Channel.objects.exists()


@pytest.mark.django_db
def test_unknown_or_unreadable_urls_are_refused():
    for url in ("file:///etc/passwd", "foo://bar", "json://", "mailto://a:b@example.com"):
        with pytest.raises(channel_urls.ChannelRefused):
            channel_urls.vet(url)
    channel_urls.vet("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ")  # a fixed public service: no host
    channel_urls.vet("ntfy://my-topic")  # ntfy.sh


@pytest.mark.django_db
def test_a_private_address_is_refused_again_when_sent(hook, alice, settings):
    private = channel_for(alice, "json://169.254.169.254/latest/meta-data/")  # e.g. saved before a check existed
    channel_for(alice, hook.url(), name="Was allowed")
    settings.FETCH_ALLOWED_HOSTS = []  # the allow-list no longer lets 127.0.0.1 through
    notify(alice, 1)
    assert sender.deliver(now=T0 + timedelta(minutes=1)) == {"sent": 0, "retry": 0, "failed": 2}
    assert hook.bodies == [] and hook.shop.count("/hook") == 0  # no connection made
    for message in ChannelMessage.objects.all():
        assert message.permanent_failure and "private or reserved" in message.last_error
    assert ChannelMessage.objects.get(channel=private).status == "failed"


@pytest.mark.django_db
def test_a_redirect_into_the_network_is_not_followed(shop, alice):
    canary = Hook(shop, "/inside")
    shop.routes["/hook"] = lambda h: (
        h.read_body(),
        h.reply(307, "", headers={"Location": f"http://127.0.0.1:{shop.port}/inside"}),
    )
    channel_for(alice, f"json://127.0.0.1:{shop.port}/hook")
    notify(alice, 1)
    assert sender.deliver(now=T0 + timedelta(minutes=1))["sent"] == 0
    assert shop.count("/inside") == 0 and canary.bodies == []


# --- settings ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_url_is_never_shown_back_in_full(hook, alice_client, alice):
    url = hook.url(f"/hook/{SECRET}")
    form = {"c-name": "Ops", "c-url": url, "c-mode": "immediate", "c-min_severity": 20, "c-health_notices": "on"}
    response = alice_client.post(reverse("channel_add"), form)
    assert response.status_code == 302
    channel = Channel.objects.get(owner=alice)
    assert channel.url == url and channel.health_notices
    page = alice_client.get(reverse("settings")).content.decode()
    assert "Ops" in page and SECRET not in page and f"json://127.0.0.1:{hook.shop.port}/…" in page
    hook.shop.routes[f"/hook/{SECRET}"] = hook._answer
    notify(alice, 1, at=channel.created_at)
    assert sender.deliver(now=channel.created_at + timedelta(minutes=1))["sent"] == 1
    sent = alice_client.get(reverse("email_log")).content.decode()
    assert "What Dropwatch sent you" in sent and "Ops" in sent and SECRET not in sent
    # A refused form does not echo the URL either.
    form["c-url"] = f"json://10.0.0.1/{SECRET}"
    assert SECRET not in alice_client.post(reverse("channel_add"), form).content.decode()


@pytest.mark.django_db
def test_send_a_test_shows_the_result_in_place(hook, alice_client, alice):
    channel = channel_for(alice, hook.url())
    response = alice_client.post(reverse("channel_test", args=[channel.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Sent" in response.content.decode()
    assert hook.bodies[0]["title"] == "Dropwatch test message"
    hook.statuses = [500]
    response = alice_client.post(reverse("channel_test", args=[channel.pk]), HTTP_HX_REQUEST="true")
    assert "Not sent" in response.content.decode() and "500" in response.content.decode()
    assert not ChannelMessage.objects.exists() and not ChannelAttempt.objects.exists()  # outside the outbox
    assert alice_client.get(reverse("channel_test", args=[channel.pk])).status_code == 405


@pytest.mark.django_db
def test_another_users_channel_is_404(hook, alice, bob_client):
    channel = channel_for(alice, hook.url())
    for name in ("channel_test", "channel_delete"):
        assert bob_client.post(reverse(name, args=[channel.pk])).status_code == 404
    assert Channel.objects.filter(pk=channel.pk).exists() and hook.bodies == []


@pytest.mark.django_db
def test_delete_removes_the_channel(hook, alice_client, alice):
    channel = channel_for(alice, hook.url())
    assert alice_client.post(reverse("channel_delete", args=[channel.pk])).status_code == 302
    assert not Channel.objects.exists()


def test_masking():
    assert channel_urls.mask("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ") == "slack://…i7FQ"
    assert channel_urls.mask("ntfy://my-secret-topic") == "ntfy://…opic"
    assert channel_urls.mask("jsons://user:pass@hooks.example.com:8443/a/b/c/longtoken") == (
        "jsons://hooks.example.com:8443/…oken"
    )


@pytest.mark.django_db
def test_the_minute_task_sends_email_and_channels(hook, alice, settings):
    from django.utils import timezone

    from monitoring.tasks import deliver_emails

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    now = timezone.now()
    channel_for(alice, hook.url(), created_at=now - timedelta(minutes=5))
    notify(alice, 3, at=now - timedelta(minutes=1))
    counts = deliver_emails()
    assert counts["sent"] == 1 and counts["channels"] == {"sent": 1, "retry": 0, "failed": 0}
    assert len(hook.bodies) == 1
