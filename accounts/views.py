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

from .forms import ChannelForm, NotificationSettingsForm, ThresholdsForm
from .models import NotifyMode, UserSettings, settings_for


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
        if form.cleaned_data["email"] != request.user.email:
            request.user.email = form.cleaned_data["email"]
            request.user.save(update_fields=["email"])
        messages.success(request, "Settings saved.")
        return redirect("settings")
    return _settings_page(request, form=form, thresholds=thresholds)


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
    """An email as it was sent (its text part): demo mail and delivery problems can be read in the app."""
    email = get_object_or_404(Email, pk=pk, owner=request.user)
    message = render_email(email)
    # The text part comes from render_to_string, which marks it safe; it is plain text holding scraped titles
    # and store names, so it is escaped here like any other text (autoescape would let it through as is).
    return render(request, "accounts/email_detail.html", {"email": email, "text": escape(message.body)})
