"""Alerts to the user's other channels (Apprise URLs: Slack, Telegram, ntfy, a JSON webhook, ...), from the
same outbox as email, the same way as email:

- Building: per channel, under a lock on the channel row, the notifications it has not seen yet (written
  since the channel was added) are each given one `ChannelItem` (unique per channel and notification): in a
  new `ChannelMessage`, or skipped with the reason. So one batch gives one message per channel, never one per
  finding, and the email flow (`Notification.email`) is not touched.
- Sending: a worker claims a message with a conditional UPDATE and a lease; only the one that changed the
  row sends it. The URL is vetted again right before sending (`channel_urls.vet`). Temporary failures (the
  server unreachable, 5xx, 408, 429) are retried with exponential backoff, bounded; permanent ones (an URL
  Apprise cannot read, a refused address, another 4xx) are marked failed at once. Every attempt is recorded.
- Delivery is at-least-once: the message is marked sent as soon as Apprise reports success; a crash between
  that and the UPDATE re-sends it when the lease runs out. The message id is fixed when it is built and is in
  the text, so a repeat is recognisable.
"""

from __future__ import annotations

import logging
import random
import re
import uuid
import zoneinfo
from datetime import datetime, timedelta

import apprise
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSettings

from ..models import Channel, ChannelAttempt, ChannelItem, ChannelMessage, Email, Notification
from ..severity import Severity
from . import channel_urls
from .email import KIND_FOR_CATEGORY, _max_attempts, _retry_base, _retry_cap

log = logging.getLogger(__name__)

SEND_LEASE = timedelta(minutes=2)  # Apprise's HTTP calls time out in seconds; a crashed sender's lease runs out


# --- building messages ---------------------------------------------------------------------------------------


def build_messages(*, now: datetime) -> list[ChannelMessage]:
    built = []
    for channel_id in Channel.objects.filter(active=True).values_list("pk", flat=True):
        try:
            built += _build_for(channel_id, now)  # its own transaction: a failure rolls back this channel only
        except Exception:
            log.exception("building the messages of channel %s failed; the others go on", channel_id)
    return built


def _pending(channel: Channel):
    return Notification.objects.filter(owner_id=channel.owner_id, created_at__gte=channel.created_at).exclude(
        channel_items__channel=channel
    )


def _skip(channel: Channel, ids, reason: str) -> None:
    ChannelItem.objects.bulk_create(
        [ChannelItem(channel=channel, notification_id=pk, skipped=reason) for pk in ids], ignore_conflicts=True
    )


def _build_for(channel_id: int, now: datetime) -> list[ChannelMessage]:
    with transaction.atomic():
        channel = (
            Channel.objects.select_for_update(of=("self",))
            .select_related("owner")
            .filter(pk=channel_id, active=True)
            .first()
        )
        if channel is None:
            return []
        pending = _pending(channel)
        if not channel.owner.is_active:  # a deactivated account (the team page), as email does: nothing is sent
            _skip(channel, pending.values_list("pk", flat=True), "the account is deactivated")
            return []
        _skip(
            channel,
            pending.filter(category=Notification.Category.ALERT, severity__lt=channel.min_severity).values_list(
                "pk", flat=True
            ),
            "below this channel's minimum severity",
        )
        if not channel.health_notices:
            _skip(
                channel,
                pending.filter(category=Notification.Category.HEALTH).values_list("pk", flat=True),
                "health notices are off for this channel",
            )
        pending = _pending(channel)
        if channel.mode == Channel.Mode.DIGEST:
            prefs, _ = UserSettings.objects.get_or_create(user_id=channel.owner_id)
            try:
                local = now.astimezone(zoneinfo.ZoneInfo(prefs.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                local = now
            if local.hour < prefs.digest_hour or channel.last_digest_on == local.date():
                return []
            channel.last_digest_on = local.date()
            channel.save(update_fields=["last_digest_on"])
            groups = {Email.Kind.DIGEST: list(pending.values_list("pk", flat=True))}
        else:
            groups: dict[str, list[int]] = {}
            for pk, category in pending.values_list("pk", "category"):
                groups.setdefault(KIND_FOR_CATEGORY[category], []).append(pk)
        messages = []
        for kind, ids in groups.items():
            if not ids:
                continue
            message = ChannelMessage.objects.create(
                owner_id=channel.owner_id,
                channel=channel,
                kind=kind,
                message_id=f"dw-{uuid.uuid4().hex}",
                next_attempt_at=now,
                created_at=now,
            )
            made = ChannelItem.objects.bulk_create(
                [ChannelItem(channel=channel, notification_id=pk, message=message) for pk in ids]
            )
            message.subject = subject_for(kind, len(made))[:300]
            message.save(update_fields=["subject"])
            messages.append(message)
        return messages


def subject_for(kind: str, count: int) -> str:
    if kind == Email.Kind.DIGEST:
        return f"Dropwatch daily digest: {count} item{'s' if count != 1 else ''}"
    if kind == Email.Kind.HEALTH:
        return f"Dropwatch can't verify {count} thing{'s' if count != 1 else ''}"
    if kind == Email.Kind.REMINDER:
        return f"Dropwatch: {count} reminder{'s' if count != 1 else ''}"
    return f"Dropwatch: {count} problem{'s' if count != 1 else ''} with your suppliers"


def body_for(message: ChannelMessage) -> str:
    """Plain text: one block per notification (its subject, detail and link), then where to change this."""
    items = message.items.order_by("-severity", "created_at")
    lines = []
    for n in items:
        label = Severity(n.severity).label if n.category == Notification.Category.ALERT else n.get_category_display()
        lines.append(f"• [{label}] {n.subject}")
        if n.body.strip():
            lines += [f"  {line}" for line in n.body.strip().splitlines()]
        if n.link:
            lines.append(f"  {settings.SITE_URL}{n.link}")
    lines += [
        "",
        f"Change what goes to this channel: {settings.SITE_URL}{reverse('settings')}",
        f"Message id: {message.message_id}",
    ]
    return "\n".join(lines)


# --- sending -------------------------------------------------------------------------------------------------


def _due(now: datetime):
    return ChannelMessage.objects.filter(next_attempt_at__lte=now).filter(
        Q(status=ChannelMessage.Status.PENDING) | Q(status=ChannelMessage.Status.SENDING, claimed_until__lt=now)
    )


def claim(message_id: int, now: datetime) -> bool:
    """Exactly one sender wins a message: pending and due, or a sender's lease that ran out (it crashed)."""
    return (
        _due(now)
        .filter(pk=message_id)
        .update(status=ChannelMessage.Status.SENDING, claimed_until=now + SEND_LEASE, attempts=F("attempts") + 1)
        == 1
    )


def due_messages(now: datetime) -> list[int]:
    return list(_due(now).order_by("next_attempt_at").values_list("pk", flat=True)[:200])


def send_due(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for message_id in due_messages(now):
        if not claim(message_id, now):
            continue
        try:
            counts[send_one(message_id, now=now)] += 1
        except Exception as exc:  # one message that cannot be sent never stops the others
            log.exception("sending channel message %s failed", message_id)
            try:
                message = ChannelMessage.objects.get(pk=message_id)
                counts[_retry(message, f"{type(exc).__name__}: {exc}", now)] += 1
            except Exception:
                log.exception("could not record the failure of channel message %s", message_id)
    return counts


def deliver(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    try:
        build_messages(now=now)
    except Exception:
        log.exception("building channel messages failed")
    return send_due(now=now)


_STATUS = re.compile(r"error=(\d{3})\b")
_TEMPORARY_4XX = {408, 425, 429}


def push(url: str, title: str, body: str) -> tuple[bool, bool, str]:
    """Send once through Apprise, after vetting the URL again. Returns (ok, permanent, what happened)."""
    try:
        channel_urls.vet(url)
    except channel_urls.ChannelRefused as exc:
        # A name that does not resolve now may resolve later; a private address or bad URL will not change.
        return False, "does not resolve" not in str(exc), str(exc)
    sender = apprise.Apprise(asset=channel_urls._asset())
    if not sender.add(url):
        return False, True, "Apprise cannot read this URL."
    said_lines: list[str] = []

    def heard(entry, _service):  # Apprise's own account of the call: the HTTP status is only said there
        said_lines.append(str(entry.message))

    with channel_urls.no_redirects():
        ok = bool(
            sender.notify(
                title=title,
                body=body,
                body_format=apprise.NotifyFormat.TEXT,
                log_callback=heard,
                log_level=logging.WARNING,
            )
        )
    if ok:
        return True, False, ""
    said = _scrub(" ".join(said_lines), url)[-400:] or "The service did not accept the message."
    codes = [int(c) for c in _STATUS.findall(said)]
    permanent = bool(codes) and all(400 <= c < 500 and c not in _TEMPORARY_4XX for c in codes)
    return False, permanent, said


def _scrub(text: str, url: str) -> str:
    """Apprise's messages with any secret-looking part of the URL (tokens, passwords, paths) cut out."""
    rest = url.split("://", 1)[-1]
    for part in sorted(re.split(r"[/:@?&=#]+", rest), key=len, reverse=True):
        if len(part) >= 6 and "." not in part:  # a token, not a host name
            text = text.replace(part, "…")
    return text


def send_one(message_id: int, *, now: datetime) -> str:
    """Send a claimed message. Returns "sent", "retry" or "failed"."""
    message = ChannelMessage.objects.select_related("channel").get(pk=message_id)
    if not message.channel.active:
        return _fail(message, "The channel was turned off.", now, permanent=True)
    ok, permanent, said = push(message.channel.url, message.subject, body_for(message))
    if ok:
        ChannelMessage.objects.filter(pk=message.pk).update(
            status=ChannelMessage.Status.SENT, sent_at=now, claimed_until=None, last_error=""
        )
        ChannelAttempt.objects.create(message=message, at=now, outcome=ChannelAttempt.Outcome.SENT)
        return "sent"
    if permanent:
        return _fail(message, said, now, permanent=True)
    return _retry(message, said, now)


def _retry(message: ChannelMessage, error: str, now: datetime) -> str:
    if message.attempts >= _max_attempts():
        return _fail(message, f"Gave up after {message.attempts} attempts. Last error: {error}", now, permanent=False)
    delay = min(_retry_cap(), _retry_base() * 2 ** (message.attempts - 1))
    delay = random.uniform(delay / 2, delay)  # jitter
    ChannelMessage.objects.filter(pk=message.pk).update(
        status=ChannelMessage.Status.PENDING,
        claimed_until=None,
        last_error=error[:500],
        next_attempt_at=now + timedelta(seconds=delay),
    )
    ChannelAttempt.objects.create(message=message, at=now, outcome=ChannelAttempt.Outcome.RETRY, detail=error[:500])
    log.warning("channel message %s: will retry in %.0fs: %s", message.pk, delay, error)
    return "retry"


def _fail(message: ChannelMessage, error: str, now: datetime, *, permanent: bool) -> str:
    ChannelMessage.objects.filter(pk=message.pk).update(
        status=ChannelMessage.Status.FAILED, claimed_until=None, last_error=error[:500], permanent_failure=permanent
    )
    ChannelAttempt.objects.create(message=message, at=now, outcome=ChannelAttempt.Outcome.FAILED, detail=error[:500])
    log.warning("channel message %s failed: %s", message.pk, error)
    return "failed"


def send_test(channel: Channel) -> tuple[bool, str]:
    """The "Send a test" button: one message now, outside the outbox. Returns (ok, what to tell the user)."""
    ok, _permanent, said = push(
        channel.url,
        "Dropwatch test message",
        f"This is a test from Dropwatch to the channel “{channel.name}”. Alerts will arrive here like this.",
    )
    return ok, ("Sent. Check the channel." if ok else f"Not sent: {said}")
