"""The overview, findings and "check now". Thin: reads through dashboard.selectors, writes through
monitoring.findings / monitoring.scheduling, every lookup scoped to the signed-in user."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from config.web import page_or_fragment
from monitoring import findings as services
from monitoring import scheduling
from monitoring.models import Finding
from orderlog.panels import reminders_context
from suppliers.models import Product, Supplier

from . import selectors


@login_required
def overview(request):
    ctx = selectors.overview(request.user, timezone.now())
    ctx.update(reminders_context(request.user))
    return render(request, page_or_fragment(request, "dashboard/overview.html", "attention"), ctx)


FINDING_FILTERS = selectors.FINDING_FILTERS


@login_required
def finding_list(request):
    show = request.GET.get("show", "open")
    show = show if show in FINDING_FILTERS else "open"
    now = timezone.now()
    page = selectors.finding_page(request.user, show=show, now=now, page=request.GET.get("page"))
    ctx = {
        "findings": page.object_list,
        "page_obj": page,
        "show": show,
        "filters": FINDING_FILTERS,
        "query": f"show={show}",
        "now": now,
    }
    return render(request, page_or_fragment(request, "dashboard/finding_list.html", "results"), ctx)


@login_required
def finding_detail(request, pk):
    finding = get_object_or_404(Finding.objects.select_related("product", "supplier"), pk=pk, owner=request.user)
    return render(
        request,
        "dashboard/finding_detail.html",
        {"finding": finding, "events": finding.events.all(), "now": timezone.now()},
    )


@login_required
@require_POST
def finding_action(request, pk, action):
    finding = get_object_or_404(Finding.objects.select_related("product", "supplier"), pk=pk, owner=request.user)
    now = timezone.now()
    error = ""
    if action == "acknowledge":
        services.finding_acknowledge(finding=finding, now=now)
    elif action == "resolve":
        services.finding_resolve(finding=finding, now=now)
    elif action == "snooze":
        until = _snooze_until(request.POST.get("for", ""), request.POST.get("until", ""), now)
        if until is None or until <= now:
            error = "Choose a date in the future to snooze until."
        else:
            services.finding_snooze(finding=finding, until=until)
    elif action == "unsnooze":
        services.finding_snooze(finding=finding, until=None)
    else:
        raise Http404("No such action.")
    if request.htmx:
        # htmx shows 4xx answers in place too (base.html's htmx-config); `focus` puts the keyboard back on
        # the swapped row instead of <body>.
        return render(
            request,
            "dashboard/_finding_row.html",
            {"f": finding, "error": error, "now": now, "focus": True, "done": "" if error else DONE.get(action, "")},
            status=400 if error else 200,
        )
    if error:
        return render(
            request,
            "dashboard/finding_detail.html",
            {"finding": finding, "events": finding.events.all(), "error": error, "now": now},
            status=400,
        )
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else finding)


DONE = {
    "acknowledge": "Acknowledged: it stays open until the problem clears, without reminders.",
    "snooze": "Snoozed.",
    "unsnooze": "Snooze ended.",
    "resolve": "Resolved: the change is accepted and measured from now on.",
}
SNOOZE_FOR = {"1d": timedelta(days=1), "7d": timedelta(days=7)}
# "Until back in stock": an out-of-stock finding resolves by itself when stock returns, so a long snooze
# ends with it; a new stock-out opens a new finding that is not snoozed.
UNTIL_RESOLVED = timedelta(days=365)


def _snooze_until(choice: str, value: str, now: datetime) -> datetime | None:
    """One of the snooze choices (1 day, 1 week, until back in stock) or a picked date."""
    if choice in SNOOZE_FOR:
        return now + SNOOZE_FOR[choice]
    if choice == "stock":
        return now + UNTIL_RESOLVED
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


# --- check now ------------------------------------------------------------------------------------------------

CHECKABLE = {"product": Product, "supplier": Supplier}


def _owned(request, kind: str, pk: int):
    model = CHECKABLE.get(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model, pk=pk, owner=request.user)


@login_required
@require_POST
def check_now(request, kind, pk):
    item = _owned(request, kind, pk)
    message = scheduling.check_now(item).message
    item.refresh_from_db()
    ctx = {"item": item, "kind": kind, "message": message, "polling": item.pending_slot is not None}
    if request.htmx:
        return render(request, "dashboard/_check_status.html", ctx)
    return redirect(item)


@login_required
def check_status(request, kind, pk):
    """Polled by htmx while a check runs; answers 286 (stop polling) with the final status when done."""
    item = _owned(request, kind, pk)
    running = item.pending_slot is not None
    ctx = {"item": item, "kind": kind, "polling": running, "message": "Checking…" if running else ""}
    if not request.htmx:
        return redirect(item)
    response = render(request, "dashboard/_check_status.html", ctx)
    if running:
        return response
    stop = HttpResponseStopPolling(response.content)
    stop["HX-Trigger"] = "checkDone"
    return stop


def healthz(request):
    """For load balancers and compose healthchecks: is the database answering? No details leak."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
