"""The team page (staff only): who has an account, invitations, and deactivating or reactivating one.
Anyone else gets a 404, as for any page that is not theirs."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import invitations, team
from .models import Invitation
from .ratelimit import consume_for_request
from .responses import too_many


def staff_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


class InviteForm(forms.Form):
    email = forms.EmailField(label="Invite by email", max_length=254, help_text="They get a link to choose a password.")


def _team_page(request, *, invite_form=None, status=200):
    return render(
        request,
        "accounts/team.html",
        {
            "members": team.team_members(),
            "pending": team.pending_invitations(),
            "invite_form": invite_form or InviteForm(),
        },
        status=status,
    )


@staff_only
def team_view(request):
    return _team_page(request)


@staff_only
@require_POST
def team_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, invite_form=form, status=400)
    refused = consume_for_request(request, "invite")
    if refused:
        return too_many(request, refused)
    try:
        invitation = invitations.invitation_create(invited_by=request.user, email=form.cleaned_data["email"])
    except invitations.InvitationRefused as exc:
        form.add_error("email", str(exc))
        return _team_page(request, invite_form=form, status=400)
    if invitations.invitation_send(invitation):
        messages.success(request, f"Invitation sent to {invitation.email}.")
    else:
        messages.error(
            request,
            f"The invitation to {invitation.email} could not be sent: the mail server did not take it. Try again.",
        )
    return redirect(reverse("team") + "#invitations")


@staff_only
@require_POST
def team_invitation_revoke(request, pk):
    invitation = get_object_or_404(Invitation, pk=pk, accepted_at__isnull=True)
    invitation.delete()
    messages.success(request, f"The invitation to {invitation.email} was withdrawn: its link no longer works.")
    return redirect(reverse("team") + "#invitations")


@staff_only
@require_POST
def team_user_active(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        team.user_set_active(actor=request.user, user=user, active=active)
    except team.TeamRefused as exc:
        messages.error(request, str(exc))
    else:
        who = user.email or user.username
        messages.success(request, f"{who} {'can sign in again' if active else 'can no longer sign in'}.")
    return redirect("team")
