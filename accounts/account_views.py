"""Signing up by invitation, resetting a forgotten password and confirming a new email address: the pages
reached from links in emails (no sign-in needed; the signed link is the authority, and a GET never acts)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import redirect, render

from . import email_change, invitations
from .links import LinkProblem
from .ratelimit import consume_for_request
from .responses import too_many


def _link_problem(request, problem: LinkProblem, title: str):
    return render(
        request, "accounts/link_problem.html", {"title": title, "message": str(problem)}, status=problem.status
    )


class InvitationForm(UserCreationForm):
    """Username and password (twice), with the password validators of settings.AUTH_PASSWORD_VALIDATORS."""

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.email = email  # so the validators compare the password with the address too
        self.fields["username"].help_text = "You sign in with it. Letters, digits and @ . + - _ only."
        if not self.is_bound:
            self.fields["username"].initial = email.split("@", 1)[0]


def invitation_accept(request, token):
    try:
        invitation = invitations.invitation_from_token(token)
    except LinkProblem as problem:
        return _link_problem(request, problem, "This invitation cannot be used")
    form = InvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(token=token, user_form=form)
        except LinkProblem as problem:
            return _link_problem(request, problem, "This invitation cannot be used")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to Dropwatch. You are signed in as {user.username}.")
        return redirect("dashboard")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )


def email_change_confirm(request, token):
    try:
        user, new_email = email_change.email_change_from_token(token)
    except LinkProblem as problem:
        return _link_problem(request, problem, "This link cannot be used")
    if request.method == "POST":
        try:
            email_change.email_change_confirm(token=token)
        except LinkProblem as problem:
            return _link_problem(request, problem, "This link cannot be used")
        messages.success(request, f"Your email address is now {new_email}.")
        return redirect("settings" if request.user.pk == user.pk else "login")
    return render(request, "accounts/email_change_confirm.html", {"new_email": new_email, "account": user})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, limited per address asked for and per IP. The limit is counted for every address,
    known or not, and answered the same way, so it tells nothing about which addresses have accounts."""

    email_template_name = "registration/password_reset_email.txt"  # the text part (plain text, not HTML)
    html_email_template_name = "registration/password_reset_email_body.html"

    def form_valid(self, form):
        refused = consume_for_request(self.request, "password_reset", subject=form.cleaned_data["email"].lower())
        if refused:
            return too_many(self.request, refused)
        self.extra_email_context = {"site_url": settings.SITE_URL}  # links name our address, not the Host header
        return super().form_valid(form)
