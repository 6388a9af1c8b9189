"""Email alerts from the outbox: group a user's pending notifications into one email per batch, then send
each email exactly once in effect.

- Building: per user, under a lock on their settings row, pending notifications are attached to a new
  Email by a conditional UPDATE (`email IS NULL`), so each notification lands in exactly one email.
  Immediate users get one email per batch; digest users one a day at their local hour. Health problems
  ("can't verify") and reminders go in their own, gentler emails.
- Sending: a worker claims an email with a conditional UPDATE and a lease; only the one that changed the
  row sends it. Temporary SMTP failures are retried with exponential backoff (bounded, then `failed`);
  permanent ones (a refused address) are marked failed at once. The Message-ID is fixed when the email is
  built, so a re-send after a crash carries the same id.
- Delivery is at-least-once: the email is marked sent the moment the server answers 250 to DATA (before
  QUIT, before anything else), so only a crash between that answer and that one UPDATE re-sends it, with
  the same Message-ID, when the lease runs out. SMTP has no way to make that window zero.
- One user's email that cannot be built or rendered is logged and retried; it never stops the others.
"""

from __future__ import annotations

import contextlib
import logging
import random
import smtplib
import socket
import threading
import time
import uuid
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import NotifyMode, UserSettings

from ..models import Email, Notification

log = logging.getLogger(__name__)

KIND_FOR_CATEGORY = {
    Notification.Category.ALERT: Email.Kind.ALERT,
    Notification.Category.HEALTH: Email.Kind.HEALTH,
    Notification.Category.REMINDER: Email.Kind.REMINDER,
}


def _retry_base() -> float:
    return float(getattr(settings, "EMAIL_RETRY_BASE_SECONDS", 30))


def _retry_cap() -> float:
    return float(getattr(settings, "EMAIL_RETRY_MAX_SECONDS", 1800))


def _max_attempts() -> int:
    return int(getattr(settings, "EMAIL_MAX_ATTEMPTS", 12))


# One SMTP conversation is cut after SEND_DEADLINE (a watchdog closes the socket, whatever the server drips),
# so a sender's lease can be short: an email whose sender crashed is retried within SEND_LEASE.
SEND_DEADLINE = 90.0  # seconds; each socket operation is also bounded by EMAIL_TIMEOUT
SEND_LEASE = timedelta(minutes=2)


# --- building emails -----------------------------------------------------------------------------------------


def _local_now(prefs: UserSettings, now: datetime) -> datetime:
    try:
        return now.astimezone(zoneinfo.ZoneInfo(prefs.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return now


def build_emails(*, now: datetime) -> list[Email]:
    """Turn pending notifications into emails (one per user and kind per batch)."""
    owners = set(
        Notification.objects.filter(email__isnull=True, skipped="").values_list("owner_id", flat=True).distinct()
    )
    built = []
    for owner_id in owners:
        try:
            built += _build_for(owner_id, now)  # its own transaction: a failure rolls back this user only
        except Exception:
            log.exception("building the email of user %s failed; the others go on", owner_id)
    return built


def _build_for(owner_id: int, now: datetime) -> list[Email]:
    with transaction.atomic():
        prefs, _ = UserSettings.objects.get_or_create(user_id=owner_id)
        prefs = UserSettings.objects.select_for_update().select_related("user").get(pk=prefs.pk)
        pending = Notification.objects.filter(owner_id=owner_id, email__isnull=True, skipped="")
        if not prefs.user.is_active:  # a deactivated account (the team page): nothing is sent to it
            pending.update(skipped="the account is deactivated")
            return []
        if prefs.notify_mode == NotifyMode.OFF:
            pending.update(skipped="email is off in your settings")
            return []
        # Deterioration below the user's threshold is shown in the app but not emailed.
        pending.filter(category=Notification.Category.ALERT, severity__lt=prefs.min_severity).update(
            skipped="below your minimum severity for email"
        )
        if prefs.notify_mode == NotifyMode.DIGEST:
            local = _local_now(prefs, now)
            if local.hour < prefs.digest_hour or prefs.last_digest_on == local.date():
                return []
            prefs.last_digest_on = local.date()
            prefs.save(update_fields=["last_digest_on"])
            groups = {Email.Kind.DIGEST: list(pending.values_list("pk", flat=True))}
        else:
            groups: dict[str, list[int]] = {}
            for pk, category in pending.values_list("pk", "category"):
                groups.setdefault(KIND_FOR_CATEGORY[category], []).append(pk)
        emails = []
        for kind, ids in groups.items():
            if not ids:
                continue
            email = Email.objects.create(
                owner_id=owner_id,
                kind=kind,
                to=prefs.user.email or "",
                message_id=_message_id(),
                next_attempt_at=now,
                created_at=now,
            )
            claimed = Notification.objects.filter(pk__in=ids, email__isnull=True).update(email=email)
            if claimed == 0:
                email.delete()
                continue
            email.subject = _subject(email)[:300]
            email.save(update_fields=["subject"])
            emails.append(email)
        return emails


def _message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "dropwatch.localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def _subject(email: Email) -> str:
    return " ".join(render_to_string(f"emails/{_template(email)}-subject.txt", _context(email)).split())


def _template(email: Email) -> str:
    return {Email.Kind.DIGEST: "digest", Email.Kind.HEALTH: "health", Email.Kind.REMINDER: "reminder"}.get(
        email.kind, "alert"
    )


def _context(email: Email) -> dict:
    items = list(
        email.items.select_related("finding", "finding__product", "finding__supplier").order_by(
            "-severity", "created_at"
        )
    )
    user = email.owner
    return {
        "user": user,
        "name": user.get_full_name() or user.get_username(),
        "items": items,
        "alerts": [i for i in items if i.category == Notification.Category.ALERT],
        "health": [i for i in items if i.category == Notification.Category.HEALTH],
        "reminders": [i for i in items if i.category == Notification.Category.REMINDER],
        "site_url": settings.SITE_URL,
        "settings_url": settings.SITE_URL + reverse("settings"),
        "emails_url": settings.SITE_URL + reverse("email_log"),
        "unsubscribe_url": settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(user)]),
    }


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt="dropwatch.unsubscribe")


def user_id_from_unsubscribe_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt="dropwatch.unsubscribe", max_age=timedelta(days=365))["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


# --- sending -------------------------------------------------------------------------------------------------


def claim(email_id: int, now: datetime) -> bool:
    """Exactly one sender wins an email: pending and due, or a sender's lease that ran out (it crashed)."""
    return (
        Email.objects.filter(pk=email_id, next_attempt_at__lte=now)
        .filter(Q(status=Email.Status.PENDING) | Q(status=Email.Status.SENDING, claimed_until__lt=now))
        .update(status=Email.Status.SENDING, claimed_until=now + SEND_LEASE, attempts=F("attempts") + 1)
        == 1
    )


def due_emails(now: datetime) -> list[int]:
    return list(
        Email.objects.filter(next_attempt_at__lte=now)
        .filter(Q(status=Email.Status.PENDING) | Q(status=Email.Status.SENDING, claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:200]
    )


def send_due(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for email_id in due_emails(now):
        if not claim(email_id, now):
            continue
        try:
            counts[send_one(email_id, now=now)] += 1
        except Exception as exc:  # one email that cannot be sent never stops the others
            log.exception("sending email %s failed", email_id)
            try:
                counts[_retry(Email.objects.get(pk=email_id), f"{type(exc).__name__}: {exc}", now)] += 1
            except Exception:
                log.exception("could not record the failure of email %s", email_id)
    return counts


def deliver(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic task's work: build what is due, send what is pending."""
    now = now or timezone.now()
    try:
        build_emails(now=now)
    except Exception:  # building failed as a whole (not one user): what is pending is still sent
        log.exception("building emails failed")
    return send_due(now=now)


def render(email: Email) -> EmailMultiAlternatives:
    ctx = _context(email)
    name = _template(email)
    text = render_to_string(f"emails/{name}-body.txt", ctx)
    html = render_to_string(f"emails/{name}-body.html", ctx)
    message = EmailMultiAlternatives(
        subject=email.subject or _subject(email),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={
            "Message-ID": email.message_id,
            "List-Unsubscribe": f"<{ctx['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def send_one(email_id: int, *, now: datetime) -> str:
    """Send a claimed email. Returns "sent", "retry" or "failed"."""
    email = Email.objects.select_related("owner").get(pk=email_id)
    if not email.to:
        return _fail(email, "Your account has no email address: add one in your settings.", permanent=True)
    try:
        message = render(email)
    except Exception as exc:  # a row its templates cannot read: this email waits, the others go on
        log.exception("email %s could not be rendered", email.pk)
        return _retry(email, f"The email could not be built: {type(exc).__name__}: {exc}", now)
    backend = get_connection(fail_silently=False)
    message.connection = backend
    watchdog = threading.Timer(SEND_DEADLINE, _cut, args=(backend,))
    watchdog.daemon = True
    accepted = False
    try:
        backend.open()  # opened here, so sending does not also say QUIT before we record the 250
        watchdog.start()
        backend.send_messages([message])
        accepted = True
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        )
        if all(400 <= c < 500 for c in codes):
            return _retry(email, f"The mail server deferred the address ({text}).", now)
        return _fail(email, f"The mail server refused the address ({text}).", permanent=True)
    except smtplib.SMTPResponseException as exc:
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        if 500 <= exc.smtp_code < 600:
            return _fail(email, f"The mail server refused the message: {exc.smtp_code} {msg}", permanent=True)
        return _retry(email, f"The mail server said {exc.smtp_code} {msg}", now)
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        return _retry(email, f"Could not reach the mail server: {exc or type(exc).__name__}", now)
    finally:
        watchdog.cancel()
        if not accepted:
            _close_quietly(backend)
    # The server answered 250 to DATA: it holds the message. Recording that comes first, in its own
    # (autocommitted) UPDATE, before QUIT or anything else that could fail or hang.
    _mark_sent(email.pk, now)
    _close_quietly(backend)
    return "sent"


def _mark_sent(email_id: int, now: datetime) -> None:
    for attempt in range(3):
        try:
            Email.objects.filter(pk=email_id).update(
                status=Email.Status.SENT, sent_at=now, claimed_until=None, last_error=""
            )
            return
        except DatabaseError:
            if attempt == 2 or connection.in_atomic_block:
                raise  # left "sending": re-sent with the same Message-ID when the lease runs out
            log.warning("email %s: recording 'sent' failed, trying again", email_id)
            connection.close()
            time.sleep(1)


def _cut(backend) -> None:
    """The watchdog: the conversation took longer than SEND_DEADLINE; cut its socket."""
    sock = getattr(getattr(backend, "connection", None), "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _close_quietly(backend) -> None:
    with contextlib.suppress(Exception):  # QUIT failing after the 250 changes nothing: the server has it
        backend.close()


def _retry(email: Email, error: str, now: datetime) -> str:
    if email.attempts >= _max_attempts():
        return _fail(email, f"Gave up after {email.attempts} attempts. Last error: {error}", permanent=False)
    delay = min(_retry_cap(), _retry_base() * 2 ** (email.attempts - 1))
    delay = random.uniform(delay / 2, delay)  # jitter: many emails do not retry in lockstep
    Email.objects.filter(pk=email.pk).update(
        status=Email.Status.PENDING,
        claimed_until=None,
        last_error=error[:500],
        next_attempt_at=now + timedelta(seconds=delay),
    )
    log.warning("email %s: will retry in %.0fs: %s", email.pk, delay, error)
    return "retry"


def _fail(email: Email, error: str, *, permanent: bool) -> str:
    Email.objects.filter(pk=email.pk).update(
        status=Email.Status.FAILED, claimed_until=None, last_error=error[:500], permanent_failure=permanent
    )
    log.warning("email %s failed: %s", email.pk, error)
    return "failed"
