"""The team page's reads and writes: who has an account, and turning one off or on again."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from .models import Invitation


class TeamRefused(Exception):
    """This change to an account is not allowed; the message says why."""


def team_members():
    # Products the user sells; a backup source of one (an alternative listing) is not another product.
    sold = Count("products", filter=Q(products__backs_up__isnull=True), distinct=True)
    return get_user_model().objects.annotate(product_count=sold).order_by("date_joined", "pk")


def pending_invitations():
    return Invitation.objects.filter(accepted_at__isnull=True).select_related("invited_by")


def user_set_active(*, actor, user, active: bool) -> None:
    """Deactivate (signing in and API tokens stop working; nothing is deleted) or reactivate an account."""
    if user.pk == actor.pk and not active:
        raise TeamRefused("You cannot deactivate your own account.")
    if user.is_superuser and not actor.is_superuser:
        raise TeamRefused("Only a superuser can change a superuser's account.")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
