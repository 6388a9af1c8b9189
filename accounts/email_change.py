"""Changing a user's email address: the change happens only when the link sent to the new address is
followed, and the old address is then told.

The link is signed and timestamped (EMAIL_CHANGE_MAX_AGE_HOURS) and names the user, the new address and the
address it replaces, so it works once: after the change the "from" no longer matches. Emptying the address
needs no link (nothing to prove); the old address is told all the same.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse

from .links import LinkProblem, read_link
from .mail import send_account_email

SALT = "dropwatch.email-change"


def email_change_token(*, user, new_email: str) -> str:
    return signing.dumps({"u": user.pk, "e": new_email, "o": user.email}, salt=SALT)


def email_change_request(*, user, new_email: str) -> bool:
    """Send the confirmation link to the new address; True if the mail server took it."""
    url = settings.SITE_URL + reverse("email_change_confirm", args=[email_change_token(user=user, new_email=new_email)])
    return send_account_email(
        to=new_email,
        template="email_change",
        context={"url": url, "user": user, "new_email": new_email, "hours": settings.EMAIL_CHANGE_MAX_AGE_HOURS},
    )


def email_change_from_token(token: str) -> tuple[object, str]:
    """(user, new address) for a valid link, or LinkProblem in words."""
    data = read_link(
        token,
        salt=SALT,
        max_age=timedelta(hours=settings.EMAIL_CHANGE_MAX_AGE_HOURS),
        expired="This confirmation link has expired. Change the address in Settings again for a new one.",
    )
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or not isinstance(data.get("e"), str):
        raise LinkProblem("This link is not valid. Check that it was copied whole.")
    if user.email != data.get("o"):
        raise LinkProblem("This link was already used, or the address was changed since it was sent.", 410)
    return user, data["e"]


def _tell_old_address(*, old: str, new: str, user) -> None:
    if old:
        send_account_email(to=old, template="email_changed", context={"user": user, "old": old, "new": new})


def email_change_confirm(*, token: str):
    """Apply the change a link asks for; returns the user. Refused when another account took the address."""
    user, new_email = email_change_from_token(token)
    with transaction.atomic():
        row = get_user_model().objects.select_for_update().get(pk=user.pk)
        if row.email != user.email:
            raise LinkProblem("This link was already used, or the address was changed since it was sent.", 410)
        if get_user_model().objects.filter(email__iexact=new_email).exclude(pk=row.pk).exists():
            raise LinkProblem(f"Another account already uses {new_email}. Choose another address.", 409)
        old = row.email
        row.email = new_email
        row.save(update_fields=["email"])
        transaction.on_commit(lambda: _tell_old_address(old=old, new=new_email, user=row))
    return row


def email_clear(*, user) -> None:
    """Remove the address (no link needed); the old address is told."""
    old = user.email
    user.email = ""
    user.save(update_fields=["email"])
    _tell_old_address(old=old, new="", user=user)
