"""Findings pages and actions. Thin: scoped to the signed-in user, writes through monitoring.findings."""

from datetime import date, datetime, time

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import findings as services
from .models import Finding


@login_required
def finding_list(request):
    show = request.GET.get("show", "open")
    qs = Finding.objects.filter(owner=request.user).select_related("product", "supplier")
    qs = qs.filter(resolved_at__isnull=True) if show == "open" else qs.filter(resolved_at__isnull=False)
    return render(request, "monitoring/finding_list.html", {"findings": qs[:200], "show": show})


@login_required
def finding_detail(request, pk):
    finding = get_object_or_404(Finding.objects.select_related("product", "supplier"), pk=pk, owner=request.user)
    return render(request, "monitoring/finding_detail.html", {"finding": finding, "events": finding.events.all()})


@login_required
@require_POST
def finding_action(request, pk, action):
    finding = get_object_or_404(Finding, pk=pk, owner=request.user)
    now = timezone.now()
    if action == "acknowledge":
        services.finding_acknowledge(finding=finding, now=now)
    elif action == "resolve":
        services.finding_resolve(finding=finding, now=now)
    elif action == "snooze":
        until = request.POST.get("until", "")
        try:
            day = date.fromisoformat(until)
        except ValueError:
            return render(
                request,
                "monitoring/finding_detail.html",
                {"finding": finding, "events": finding.events.all(), "error": "Choose the date to snooze until."},
                status=400,
            )
        services.finding_snooze(finding=finding, until=timezone.make_aware(datetime.combine(day, time.min)))
    return redirect(request.POST.get("next") if _safe(request.POST.get("next", "")) else finding)


def _safe(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")
