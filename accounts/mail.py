"""Account emails (invitations, email-change links and notices): text and HTML parts from templates, sent
at once over the configured backend. A failure is logged and reported to the caller, never raised at the user."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

log = logging.getLogger(__name__)


def send_account_email(*, to: str, template: str, context: dict) -> bool:
    """Send `accounts/emails/<template>_{subject.txt,body.txt,body.html}` to one address; True if the server
    took it."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"accounts/emails/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"accounts/emails/{template}_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"accounts/emails/{template}_body.html", context), "text/html")
    try:
        message.send()
    except Exception:  # SMTP refused, timed out, the server is down: the caller tells the user in words
        log.exception("account email %s could not be sent", template)
        return False
    return True
