"""The overview, findings and "check now". Thin: reads through dashboard.selectors, writes through
monitoring.findings / monitoring.scheduling, every lookup scoped to the signed-in user."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from config.web import page_or_fragment
from monitoring import findings as services
from monitoring import scheduling
from monitoring.models import Finding, FindingKind
from monitoring.severity import Severity
from orderlog.panels import reminders_context
from suppliers.models import Product, Supplier

from . import selectors
from .finding_page import finding_page


@login_required
def overview(request):
    ctx = selectors.overview(request.user, timezone.now())
    ctx.update(reminders_context(request.user))
    return render(request, page_or_fragment(request, "dashboard/overview.html", "attention"), ctx)


FINDING_FILTERS = selectors.FINDING_FILTERS


@login_required
def finding_list(request):
    now = timezone.now()
    filters = selectors.FindingFilters.from_query(request.GET)
    page = selectors.finding_page(request.user, now=now, page=request.GET.get("page"), filters=filters)
    return render(
        request,
        page_or_fragment(request, "dashboard/finding_list.html", "results"),
        _list_context(request, filters, page, now),
    )


def _list_context(request, filters, page, now, **extra) -> dict:
    return {
        "findings": page.object_list,
        "groups": selectors.grouped(page.object_list),
        "page_obj": page,
        "show": filters.show,
        "tabs": [(key, label, filters.query(show=key, page=None)) for key, label in FINDING_FILTERS.items()],
        "chosen": filters,
        "query": filters.query(),
        "severities": Severity.choices,
        "kinds": FindingKind.choices,
        "suppliers": Supplier.objects.filter(owner=request.user).order_by("name").values_list("pk", "name"),
        "now": now,
        "selectable": filters.show != "resolved",
        **extra,
    }


@login_required
@require_POST
def finding_bulk(request):
    """Acknowledge or snooze the checked findings (the user's own only; other ids are ignored)."""
    now = timezone.now()
    action = request.POST.get("action", "")
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    error, done = "", ""
    if not ids:
        error = "Tick at least one finding first."
    elif action == "acknowledge":
        n = services.findings_bulk(owner=request.user, ids=ids, action="acknowledge", now=now)
        done = f"Acknowledged {n} finding{'s' if n != 1 else ''}: they stay open, without reminders."
    elif action in ("1d", "7d"):
        until = _snooze_until(action, "", now)
        n = services.findings_bulk(owner=request.user, ids=ids, action="snooze", now=now, until=until)
        done = f"Snoozed {n} finding{'s' if n != 1 else ''} until {timezone.localtime(until):%Y-%m-%d %H:%M}."
    else:
        error = "Choose what to do with the ticked findings."
    if not request.htmx and not error:
        messages.success(request, done)
        target = request.POST.get("next", "")
        return redirect(_next("" if target.startswith(reverse("finding_bulk")) else target, reverse("finding_list")))
    # The list the user acted from, with its filters (sent along by the bulk form), and the outcome on top.
    filters = selectors.FindingFilters.from_query(request.POST)
    page = selectors.finding_page(request.user, now=now, page=request.POST.get("page"), filters=filters)
    ctx = _list_context(request, filters, page, now, bulk_error=error, bulk_done=done)
    template = "dashboard/finding_list.html#results" if request.htmx else "dashboard/finding_list.html"
    return render(request, template, ctx, status=400 if error else 200)


def _detail_context(request, finding: Finding, now, **extra) -> dict:
    days = selectors.chart_days(request.GET.get("days"))
    return {
        "finding": finding,
        "events": finding.events.all(),
        "page": finding_page(finding, now, days),
        "chart_days": days,
        "chart_ranges": selectors.CHART_RANGES,
        "now": now,
        **extra,
    }


@login_required
def finding_detail(request, pk):
    finding = get_object_or_404(Finding.objects.select_related("product", "supplier"), pk=pk, owner=request.user)
    return render(request, "dashboard/finding_detail.html", _detail_context(request, finding, timezone.now()))


@login_required
@require_POST
def finding_action(request, pk, action):
    finding = get_object_or_404(Finding.objects.select_related("product", "supplier"), pk=pk, owner=request.user)
    now = timezone.now()
    error = _act(finding, action, request.POST, now)
    if request.htmx:
        # htmx shows 4xx answers in place too (base.html's htmx-config); `focus` puts the keyboard back on
        # the swapped part instead of <body>. The detail page asks for its actions section (part=actions).
        template = (
            "dashboard/_finding_status.html" if request.POST.get("part") == "actions" else "dashboard/_finding_row.html"
        )
        return render(
            request,
            template,
            {
                "f": finding,
                "error": error,
                "now": now,
                "focus": True,
                "done": "" if error else DONE.get(action, ""),
                # a card on the findings list keeps its checkbox for the bulk actions
                "selectable": request.POST.get("next", "").startswith(reverse("finding_list")),
            },
            status=400 if error else 200,
        )
    if error:
        return render(
            request, "dashboard/finding_detail.html", _detail_context(request, finding, now, error=error), status=400
        )
    return redirect(_next(request.POST.get("next", ""), finding))


def _next(target: str, fallback):
    """Back where the user acted: a local path only (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") else fallback


def _act(finding: Finding, action: str, data, now) -> str:
    """Apply one action to one finding; the error to show, or ""."""
    if action == "acknowledge":
        services.finding_acknowledge(finding=finding, now=now)
    elif action == "resolve":
        services.finding_resolve(finding=finding, now=now)
    elif action == "snooze":
        until = _snooze_until(data.get("for", ""), data.get("until", ""), now)
        if until is None or until <= now:
            return "Choose a date in the future to snooze until."
        services.finding_snooze(finding=finding, until=until)
    elif action == "unsnooze":
        services.finding_snooze(finding=finding, until=None)
    else:
        raise Http404("No such action.")
    return ""


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
