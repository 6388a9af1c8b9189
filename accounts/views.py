"""The user's own pages: settings (with the channels besides email), what was sent, and the unsubscribe link
from emails."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from monitoring.alerts import channels as channel_sender
from monitoring.alerts.email import render as render_email
from monitoring.alerts.email import user_id_from_unsubscribe_token
from monitoring.models import Channel, ChannelMessage, Email, Notification

from . import email_change
from .forms import ChannelForm, NotificationSettingsForm, ThresholdsForm, settings_groups
from .models import NotifyMode, UserSettings, settings_for
from .ratelimit import consume_for_request
from .responses import too_many


@login_required
def settings_view(request):
    prefs = settings_for(request.user)
    form = NotificationSettingsForm(
        request.POST or None, instance=prefs, prefix="n", initial={"email": request.user.email}
    )
    thresholds = ThresholdsForm(request.POST or None, overrides=prefs.thresholds, prefix="t")
    if request.method == "POST" and form.is_valid() and thresholds.is_valid():
        form.save()
        prefs.thresholds = thresholds.overrides()
        prefs.save(update_fields=["thresholds"])
        messages.success(request, "Settings saved.")
        new_email = form.cleaned_data["email"]
        if new_email != request.user.email:
            response = _change_email(request, new_email)
            if response is not None:
                return response
        return redirect("settings")
    return _settings_page(request, form=form, thresholds=thresholds)


def _change_email(request, new_email: str):
    """A new address is used only once the link sent to it is followed; emptying it needs no link."""
    if not new_email:
        email_change.email_clear(user=request.user)
        messages.info(request, "Your email address was removed: Dropwatch will send you no email.")
        return None
    refused = consume_for_request(request, "email_change")
    if refused:
        return too_many(request, refused)
    if email_change.email_change_request(user=request.user, new_email=new_email):
        messages.info(
            request,
            f"To use {new_email}, follow the link we just sent there. Until then emails still go to "
            f"{request.user.email or 'no address'}.",
        )
    else:
        messages.error(
            request, f"The confirmation link to {new_email} could not be sent: the mail server did not take it."
        )
    return None


MAX_CHANNELS = 20


def _settings_page(request, *, form=None, thresholds=None, channel_form=None, status=200):
    prefs = settings_for(request.user)
    form = form or NotificationSettingsForm(instance=prefs, prefix="n", initial={"email": request.user.email})
    thresholds = thresholds or ThresholdsForm(overrides=prefs.thresholds, prefix="t")
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "thresholds": thresholds,
            "groups": settings_groups(form, thresholds),
            "error_count": len(form.errors) + len(thresholds.errors),
            "channel_form": channel_form or ChannelForm(prefix="c"),
            "channels": Channel.objects.filter(owner=request.user),
        },
        status=status,
    )


@login_required
@require_POST
def channel_add(request):
    form = ChannelForm(request.POST, prefix="c")
    if form.is_valid() and Channel.objects.filter(owner=request.user).count() >= MAX_CHANNELS:
        form.add_error(None, f"You already have {MAX_CHANNELS} channels: delete one first.")
    if not form.is_valid():
        return _settings_page(request, channel_form=form, status=400)
    channel = form.save(commit=False)
    channel.owner = request.user
    channel.created_at = timezone.now()  # only what happens from now on goes to it
    channel.save()
    messages.success(request, f"Channel “{channel.name}” added.")
    return redirect(reverse("settings") + "#channels")


@login_required
@require_POST
def channel_delete(request, pk):
    channel = get_object_or_404(Channel, pk=pk, owner=request.user)
    channel.delete()
    messages.success(request, f"Channel “{channel.name}” deleted.")
    return redirect(reverse("settings") + "#channels")


@login_required
@require_POST
def channel_test(request, pk):
    """Send a test message now; with htmx the result replaces the button's status line in place."""
    channel = get_object_or_404(Channel, pk=pk, owner=request.user)
    refused = consume_for_request(request, "channel_test")
    if refused:
        if request.htmx:
            return too_many(
                request,
                refused,
                template="accounts/_channel_test.html",
                context={"channel": channel, "ok": False, "said": refused.message},
            )
        return too_many(request, refused)
    ok, said = channel_sender.send_test(channel)
    if request.htmx:
        return render(request, "accounts/_channel_test.html", {"channel": channel, "ok": ok, "said": said})
    (messages.success if ok else messages.error)(request, f"{channel.name}: {said}")
    return redirect(reverse("settings") + "#channels")


@login_required
def email_log(request):
    emails = Email.objects.filter(owner=request.user).prefetch_related("items")
    page = Paginator(emails, 25).get_page(request.GET.get("page"))
    waiting = Notification.objects.filter(owner=request.user, email__isnull=True, skipped="").count()
    skipped = Notification.objects.filter(owner=request.user).exclude(skipped="").order_by("-created_at")[:20]
    channel_messages = (
        ChannelMessage.objects.filter(owner=request.user)
        .select_related("channel")
        .prefetch_related("attempt_log", "items")[:50]
    )
    return render(
        request,
        "accounts/email_log.html",
        {
            "page_obj": page,
            "emails": page.object_list,
            "waiting": waiting,
            "skipped": skipped,
            "channel_messages": channel_messages,
        },
    )


@csrf_exempt
def unsubscribe(request, token):
    """From an email's link: no sign-in needed, but the signed token names the one account it stops.

    Exempt from the CSRF check on purpose: the emails advertise RFC 8058 one-click unsubscribe
    (`List-Unsubscribe-Post`), and mail providers POST "List-Unsubscribe=One-Click" here with no cookie and
    no CSRF token. The authority is the signed, per-user token in the URL, which a forger would need anyway.
    """
    user_id = user_id_from_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method == "POST":
        UserSettings.objects.update_or_create(user=user, defaults={"notify_mode": NotifyMode.OFF})
        return render(request, "accounts/unsubscribed.html", {"done": True})
    return render(request, "accounts/unsubscribed.html", {"done": False, "token": token})


@login_required
def email_detail(request, pk):
    """An email as it was sent: its HTML part in a sandboxed frame, and its text part. Demo mail and delivery
    problems can be read in the app."""
    email = get_object_or_404(Email, pk=pk, owner=request.user)
    message = render_email(email)
    html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), "")
    # Both parts come from render_to_string, which marks them safe; they hold scraped titles and store names,
    # so they are escaped here like any other text (autoescape would let them through as they are). The HTML
    # part, escaped once, is the `srcdoc` of an <iframe sandbox>: the browser reads it back as the email's
    # HTML in a frame with no scripts, no forms, no same-origin access and our CSP (img-src: no remote
    # images, so opening the page tells no tracker anything).
    return render(
        request,
        "accounts/email_detail.html",
        {"email": email, "text": escape(message.body), "html": escape(html) if html else ""},
    )
