"""Invitations: a staff member invites an address; the emailed link lets that person choose a username and a
password, and signs them in.

The link carries a signed, timestamped token (django.core.signing) naming the invitation and its address,
so it expires after INVITATION_MAX_AGE_DAYS. It works once: accepting claims the invitation by a conditional
UPDATE (`accepted_at IS NULL`), so a second use, even at the same moment, finds nothing to claim. Revoking or
re-inviting the same address deletes the earlier invitation, and its link then finds no row.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .links import LinkProblem, read_link
from .mail import send_account_email
from .models import Invitation

SALT = "dropwatch.invitation"


class InvitationRefused(Exception):
    """This address cannot be invited; the message says why."""


def _max_age() -> timedelta:
    return timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


def invitation_create(*, invited_by, email: str) -> Invitation:
    email = get_user_model().objects.normalize_email(email.strip())
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise InvitationRefused(f"{email} already has an account.")
    with transaction.atomic():
        # A new invitation replaces an earlier one for the same address: only the newest link works.
        Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True).delete()
        return Invitation.objects.create(email=email, invited_by=invited_by, created_at=timezone.now())


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=SALT)


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[invitation_token(invitation)])


def invitation_send(invitation: Invitation) -> bool:
    inviter = invitation.invited_by
    return send_account_email(
        to=invitation.email,
        template="invitation",
        context={
            "url": invitation_url(invitation),
            "inviter": (inviter.get_full_name() or inviter.email or inviter.username) if inviter else "Dropwatch",
            "days": settings.INVITATION_MAX_AGE_DAYS,
        },
    )


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation a link names, or LinkProblem in words."""
    data = read_link(
        token,
        salt=SALT,
        max_age=_max_age(),
        expired="This invitation has expired. Ask whoever invited you to send a new one.",
    )
    invitation = Invitation.objects.filter(pk=data.get("i"), email=data.get("e")).first()
    if invitation is None:
        raise LinkProblem("This invitation was withdrawn or replaced by a newer one. Use the newest email.", 410)
    if invitation.accepted_at is not None:
        raise LinkProblem("This invitation has already been used. Sign in instead.", 410)
    return invitation


def invitation_accept(*, token: str, user_form) -> object:
    """Create the account from a valid UserCreationForm and mark the invitation used, once."""
    invitation = invitation_from_token(token)
    with transaction.atomic():
        claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            accepted_at=timezone.now()
        )
        if claimed != 1:
            raise LinkProblem("This invitation has already been used. Sign in instead.", 410)
        # The address may have been taken since the invitation was sent (an email change, another invitation):
        # two accounts on one address would both get its password-reset links. The atomic block undoes the claim.
        if get_user_model().objects.filter(email__iexact=invitation.email).exists():
            raise LinkProblem(f"An account already uses {invitation.email}. Sign in, or reset its password.", 409)
        user = user_form.save(commit=False)
        user.email = invitation.email
        user.save()
        Invitation.objects.filter(pk=invitation.pk).update(user=user)
    return user
