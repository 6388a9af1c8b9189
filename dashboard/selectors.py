"""Reads for the dashboard: plain functions, scoped to one user, with a fixed number of queries however many
rows there are (lists read the denormalised latest values; history is read only on detail pages)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from monitoring.detect import themes
from monitoring.detect.thresholds import thresholds_for
from monitoring.models import (
    HEALTH_KINDS,
    Finding,
    FindingEvent,
    FindingKind,
    Review,
    Snapshot,
    StoreSnapshot,
    WorkerHeartbeat,
)
from monitoring.severity import SEVERITY_LABELS, Severity
from monitoring.statuses import FAILED_CHECKS, CheckStatus
from suppliers.models import Product, Supplier

from . import charts

PAGE_SIZE = 25
ATTENTION_LIMIT = 40  # findings listed on the overview, most severe first


def open_findings(user):
    return (
        Finding.objects.filter(owner=user, resolved_at__isnull=True)
        .select_related("product", "supplier")
        .order_by("-severity", "-opened_at")
    )


@dataclass
class Health:
    checks_today: int
    failed_today: int
    unverifiable: int
    next_check_at: datetime | None
    worker_seen_at: datetime | None
    tick_seen_at: datetime | None

    @property
    def checks_behind(self) -> bool:
        """The earliest due check is more than two minutes late: the scheduler has fallen behind."""
        due = self.next_check_at
        return due is not None and timezone.now() - due > timedelta(minutes=2)

    @property
    def minutes_behind(self) -> int:
        due = self.next_check_at
        return max(0, int((timezone.now() - due).total_seconds() // 60)) if due is not None else 0

    @property
    def worker_stale(self) -> bool:
        seen = self.tick_seen_at
        return seen is None or timezone.now() - seen > timedelta(minutes=5)


def health(user, now: datetime) -> Health:
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = Snapshot.objects.filter(product__owner=user, taken_at__gte=midnight).aggregate(
        checks=Count("pk"), failed=Count("pk", filter=Q(status__in=FAILED_CHECKS))
    )
    beats = dict(WorkerHeartbeat.objects.filter(role__in=["tick", "worker"]).values_list("role", "seen_at"))
    return Health(
        checks_today=today["checks"],
        failed_today=today["failed"],
        unverifiable=Finding.objects.filter(owner=user, resolved_at__isnull=True, kind__in=HEALTH_KINDS).count(),
        next_check_at=Product.objects.filter(owner=user, active=True).aggregate(n=Min("next_check_at"))["n"],
        worker_seen_at=beats.get("worker"),
        tick_seen_at=beats.get("tick"),
    )


def overview(user, now: datetime) -> dict:
    findings = list(open_findings(user)[: ATTENTION_LIMIT * 2])
    attention = [f for f in findings if not f.is_health and not (f.snoozed_until and f.snoozed_until > now)]
    # Not yet acknowledged first (most severe, newest): what still needs a look; acknowledged ones after.
    attention.sort(key=lambda f: f.acknowledged_at is not None)
    shown = attention[:ATTENTION_LIMIT]
    shown_ids = {f.pk for f in shown}
    recent = [
        e
        for e in FindingEvent.objects.filter(finding__owner=user, at__gte=now - timedelta(days=7))
        .exclude(event=FindingEvent.Event.UPDATED)
        .select_related("finding", "finding__product", "finding__supplier")
        .order_by("-at")[:60]
        # "Needs attention" already shows the open ones: Recent changes lists what it does not
        if e.finding_id not in shown_ids
    ][:15]
    return {
        "now": now,
        "attention": shown,  # the most severe first; the rest on the findings page
        "attention_more": max(0, len(attention) - ATTENTION_LIMIT),
        "unacknowledged": sum(1 for f in attention if f.acknowledged_at is None),
        "critical": sum(1 for f in attention if f.severity >= Severity.CRITICAL),
        "health_findings": [f for f in findings if f.is_health],
        "snoozed": sum(1 for f in findings if f.snoozed_until and f.snoozed_until > now),
        "recent": recent,
        "health": health(user, now),
        "counts": {
            "products": Product.objects.filter(owner=user).count(),
            "suppliers": Supplier.objects.filter(owner=user).count(),
        },
    }


FINDING_FILTERS = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "snoozed": "Snoozed",
    "resolved": "Resolved",
    "health": "Can't verify",
}
FINDINGS_PAGE_SIZE = 50


@dataclass
class FindingFilters:
    """The findings list's filters, from GET parameters (unknown values mean "any")."""

    show: str = "open"
    severity: int | None = None
    supplier: int | None = None
    kind: str = ""

    @classmethod
    def from_query(cls, data) -> FindingFilters:
        show = data.get("show", "open")
        severity = data.get("severity", "")
        supplier = data.get("supplier", "")
        kind = data.get("kind", "")
        return cls(
            show=show if show in FINDING_FILTERS else "open",
            severity=int(severity) if severity.isdigit() and int(severity) in SEVERITY_LABELS else None,
            supplier=int(supplier) if supplier.isdigit() else None,
            kind=kind if kind in FindingKind.values else "",
        )

    def query(self, **override) -> str:
        """The filters as a query string (for links that keep them)."""
        values = {"show": self.show, "severity": self.severity, "supplier": self.supplier, "kind": self.kind}
        values.update(override)
        values.pop("page", None)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def finding_page(user, *, show: str = "open", now: datetime, page: int | str | None = 1, filters=None):
    """One page of the user's findings for a filter of FINDING_FILTERS (open ones exclude health notices),
    narrowed by severity, supplier and kind."""
    filters = filters or FindingFilters(show=show)
    show = filters.show
    qs = Finding.objects.filter(owner=user).select_related("product", "supplier")
    if show == "resolved":
        qs = qs.filter(resolved_at__isnull=False).order_by("-resolved_at")
    else:
        qs = qs.filter(resolved_at__isnull=True)
        if show == "health":
            qs = qs.filter(kind__in=HEALTH_KINDS)
        elif show == "acknowledged":
            qs = qs.filter(acknowledged_at__isnull=False)
        elif show == "snoozed":
            qs = qs.filter(snoozed_until__gt=now)
        else:
            qs = qs.exclude(kind__in=HEALTH_KINDS)
    if filters.severity is not None:
        qs = qs.filter(severity=filters.severity)
    if filters.supplier is not None:
        qs = qs.filter(Q(supplier_id=filters.supplier) | Q(product__supplier_id=filters.supplier))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return Paginator(qs, FINDINGS_PAGE_SIZE).get_page(page)


@dataclass
class FindingGroup:
    """The findings of one product (or of one supplier's store) on a page, in the page's order."""

    title: str
    url: str
    findings: list


def grouped(findings) -> list[FindingGroup]:
    """Per product, or per supplier for store findings; a group sits where its first (most severe) finding was."""
    groups: dict[tuple, FindingGroup] = {}
    for f in findings:
        key = ("product", f.product_id) if f.product_id else ("supplier", f.supplier_id)
        if key not in groups:
            target = f.product or f.supplier
            groups[key] = FindingGroup(
                str(target) if f.product_id else getattr(target, "name", "") or "—",
                target.get_absolute_url() if target else "",
                [],
            )
        groups[key].findings.append(f)
    return list(groups.values())


# --- lists ------------------------------------------------------------------------------------------------

SUPPLIER_SORTS = {
    "name": ("name", "Name"),
    "trust": ("trust_score", "Trust score (lowest first)"),
    "feedback": ("positive_feedback_pct", "Positive feedback (lowest first)"),
    "findings": ("-open_count", "Open problems (most first)"),
    "checked": ("-last_checked_at", "Last check (newest first)"),
}
PRODUCT_SORTS = {
    "health": ("-worst_severity", "Problems (most severe, then newest)"),
    "title": ("title", "Title"),
    "change": ("-price_change", "Price change (largest rise first)"),
    "margin": ("margin", "Margin (lowest first)"),
    "rating": ("rating", "Rating (lowest first)"),
    "findings": ("-open_count", "Open problems (most first)"),
    "checked": ("-last_checked_at", "Last check (newest first)"),
}
STATUS_FILTERS = {
    "": "Any status",
    "problems": "With open problems",
    "failing": "Can't verify / failing",
    "ok": "Healthy",
}


def _open_count():
    return Count(
        "findings", filter=Q(findings__resolved_at__isnull=True) & ~Q(findings__kind__in=HEALTH_KINDS), distinct=True
    )


def supplier_page(user, *, q: str = "", status: str = "", sort: str = "name", page: int | str = 1):
    qs = Supplier.objects.filter(owner=user).annotate(
        product_count=Count("products", distinct=True),
        open_count=_open_count(),
        products_checked_at=Max("products__last_checked_at"),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(platform_store_id__icontains=q) | Q(notes__icontains=q))
    qs = _status_filter(qs, status)
    field, _ = SUPPLIER_SORTS.get(sort, SUPPLIER_SORTS["name"])
    qs = qs.order_by(
        F(field.lstrip("-")).desc(nulls_last=True) if field.startswith("-") else F(field).asc(nulls_last=True), "pk"
    )
    return Paginator(qs, PAGE_SIZE).get_page(page)


def _open_problems():
    return Q(findings__resolved_at__isnull=True) & ~Q(findings__kind__in=HEALTH_KINDS)


def with_list_columns(qs):
    """The computed columns of a product list: health (the worst open problem, its kind, the newest problem,
    fetch trouble), open problems, change since baseline, margin."""
    decimal = DecimalField(max_digits=30, decimal_places=4)
    hundred = Value(Decimal(100), output_field=decimal)
    zero = Value(Decimal(0), output_field=decimal)
    worst = (
        Finding.objects.filter(product=OuterRef("pk"), resolved_at__isnull=True)
        .exclude(kind__in=HEALTH_KINDS)
        .order_by("-severity", "-opened_at")
    )
    return qs.annotate(
        open_count=_open_count(),
        worst_severity=Max("findings__severity", filter=_open_problems()),
        worst_kind=Subquery(worst.values("kind")[:1]),
        newest_problem_at=Max("findings__opened_at", filter=_open_problems()),
        fetch_trouble=Case(
            When(last_status__in=[*FAILED_CHECKS, CheckStatus.NOT_FOUND], then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        price_change=ExpressionWrapper(
            (F("price") - F("baseline_price")) * hundred / NullIf(F("baseline_price"), zero), output_field=decimal
        ),
        # The landed margin kept at each check (converted, per-order costs counted); before the first such
        # check, the plain one when both prices are in one currency.
        margin=Coalesce(
            F("landed_margin_pct"),
            Case(
                When(
                    currency=F("my_currency"),
                    then=ExpressionWrapper(
                        (F("my_price") - F("price") - Coalesce(F("shipping_cost"), zero))
                        * hundred
                        / NullIf(F("my_price"), zero),
                        output_field=decimal,
                    ),
                ),
                default=None,
                output_field=decimal,
            ),
            output_field=decimal,
        ),
    )


def product_page(user, *, q: str = "", status: str = "", sort: str = "health", supplier: str = "", page: int | str = 1):
    qs = with_list_columns(Product.objects.filter(owner=user).select_related("supplier"))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(url__icontains=q) | Q(supplier__name__icontains=q))
    if supplier.isdigit():
        qs = qs.filter(supplier_id=int(supplier))
    qs = _status_filter(qs, status)
    if sort not in PRODUCT_SORTS or sort == "health":
        # Health first: the worst open problem, the newest of equal severity, then fetch trouble, then A–Z.
        qs = qs.order_by(
            F("worst_severity").desc(nulls_last=True),
            F("newest_problem_at").desc(nulls_last=True),
            "-fetch_trouble",
            "title",
            "pk",
        )
        return Paginator(qs, PAGE_SIZE).get_page(page)
    field, _ = PRODUCT_SORTS[sort]
    qs = qs.order_by(
        F(field.lstrip("-")).desc(nulls_last=True) if field.startswith("-") else F(field).asc(nulls_last=True), "pk"
    )
    return Paginator(qs, PAGE_SIZE).get_page(page)


def _status_filter(qs, status: str):
    if status == "problems":
        return qs.filter(open_count__gt=0)
    if status == "failing":
        return qs.filter(last_status__in=FAILED_CHECKS)
    if status == "ok":
        return qs.filter(last_status=CheckStatus.OK, open_count=0)
    return qs


# --- detail pages -------------------------------------------------------------------------------------------

CHART_DAYS = 90
CHART_RANGES = (30, 90, 365)  # the ranges a chart offers, in days


def chart_days(value) -> int:
    """The chart range asked for (?days=30|90|365), else the default."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return CHART_DAYS
    return days if days in CHART_RANGES else CHART_DAYS


def history_snapshots(product: Product, now: datetime, days: int = CHART_DAYS):
    """The product's checks of the last `days`, oldest first, with only what the charts draw."""
    return (
        Snapshot.objects.filter(product=product, taken_at__gte=now - timedelta(days=days))
        .order_by("taken_at")
        .only(
            "taken_at",
            "status",
            "price",
            "currency",
            "rating",
            "stars_5",
            "stars_4",
            "stars_3",
            "stars_2",
            "stars_1",
            "in_stock",
        )
    )


def product_history(product: Product, now: datetime, days: int = CHART_DAYS) -> dict:
    snapshots = list(history_snapshots(product, now, days))
    currency = product.currency
    price = charts.Series(
        "Supplier price",
        [
            (s.taken_at, charts.as_float(s.price) if s.status == "ok" and s.currency == currency else None)
            for s in snapshots
        ],
    )
    series = [price]
    if product.my_price is not None and (not product.my_currency or product.my_currency == currency):
        series.append(
            charts.Series(
                "Your selling price",
                [(s.taken_at, float(product.my_price)) for s in snapshots],
                style="dashed",
                marker="square",
            )
        )
    rating = charts.Series(
        "Rating", [(s.taken_at, charts.as_float(s.rating) if s.status == "ok" else None) for s in snapshots]
    )
    limits = thresholds_for(
        product.owner, product.supplier.threshold_overrides if product.supplier else None, product.threshold_overrides
    )
    price_guides = []
    if product.baseline_price is not None:
        base = float(product.baseline_price)
        price_guides = [
            charts.Guide("Baseline", base),
            charts.Guide(
                f"Alert above (+{limits.price_increase_pct:g}%)",
                base * (1 + float(limits.price_increase_pct) / 100),
                "threshold",
            ),
        ]
    return {
        "price_chart": charts.line_chart(
            f"Price ({currency or 'unknown currency'})", series, currency, guides=price_guides
        ),
        "rating_chart": charts.line_chart(
            "Product rating",
            [rating],
            "★",
            guides=[charts.Guide(f"Alert below {limits.rating_floor:g}★", float(limits.rating_floor), "threshold")],
        ),
        "negative_chart": charts.line_chart(
            "Share of 1–2★ among new reviews, by week", [negative_share_by_week(snapshots)], "%", zero_based=True
        ),
        "checks": snapshots[-10:][::-1],
    }


def negative_share_by_week(snapshots) -> charts.Series:
    """The 1–2★ share of reviews added each week, from the change in the star histogram (not from the
    sampled reviews). Weeks where the histogram shrank (a re-count) or nothing was added show a gap."""
    weekly: dict[str, tuple[datetime, dict]] = {}
    for s in snapshots:
        hist = s.histogram
        if s.status == "ok" and hist:
            weekly[f"{s.taken_at:%G-%V}"] = (s.taken_at, hist)
    points = []
    previous = None
    for _, (at, hist) in sorted(weekly.items()):
        if previous is not None:
            new = {k: hist[k] - previous[k] for k in hist}
            total = sum(new.values())
            if total > 0 and all(v >= 0 for v in new.values()):
                points.append((at, (new[1] + new[2]) / total * 100))
            else:
                points.append((at, None))
        previous = hist
    return charts.Series("1–2★ share of new reviews", points)


def negative_reviews(product: Product, limit: int = 15) -> list[dict]:
    rows = Review.objects.filter(product=product, stars__lte=2).order_by("-date", "-first_seen_at")[:limit]
    return [{"review": r, "themes": [themes.label(t) for t in r.themes]} for r in rows]


def theme_counts(product: Product, now: datetime, days: int = 30) -> list[tuple[str, int]]:
    counts: dict[str, int] = defaultdict(int)
    since = now - timedelta(days=days)
    for found in Review.objects.filter(product=product, stars__lte=2, first_seen_at__gte=since).values_list(
        "themes", flat=True
    ):
        for theme in found or []:
            counts[themes.label(theme)] += 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def supplier_history(supplier: Supplier, now: datetime, days: int = CHART_DAYS) -> dict:
    rows = list(
        StoreSnapshot.objects.filter(supplier=supplier, status="ok", taken_at__gte=now - timedelta(days=days)).order_by(
            "taken_at"
        )
    )
    feedback = charts.Series(
        "Positive feedback", [(r.taken_at, charts.as_float(r.positive_feedback_pct)) for r in rows]
    )
    ratings = [
        charts.Series("Item as described", [(r.taken_at, charts.as_float(r.rating_described)) for r in rows]),
        charts.Series(
            "Communication",
            [(r.taken_at, charts.as_float(r.rating_communication)) for r in rows],
            style="dashed",
            marker="square",
        ),
        charts.Series(
            "Shipping speed", [(r.taken_at, charts.as_float(r.rating_shipping)) for r in rows], style="dotted"
        ),
    ]
    followers = charts.Series("Followers", [(r.taken_at, charts.as_float(r.followers)) for r in rows])
    limits = thresholds_for(supplier.owner, supplier.threshold_overrides)
    return {
        "feedback_chart": charts.line_chart(
            "Positive feedback",
            [feedback],
            "%",
            guides=[
                charts.Guide(
                    f"Alert below {limits.store_feedback_floor:g}%", float(limits.store_feedback_floor), "threshold"
                )
            ],
        ),
        "ratings_chart": charts.line_chart(
            "Detailed seller ratings",
            ratings,
            "★",
            guides=[
                charts.Guide(
                    f"Alert below {limits.seller_rating_floor:g}★", float(limits.seller_rating_floor), "threshold"
                )
            ],
        ),
        "followers_chart": charts.line_chart("Followers", [followers], ""),
    }


def supplier_products(supplier: Supplier):
    return with_list_columns(supplier.products.select_related("supplier")).order_by(
        F("worst_severity").desc(nulls_last=True), F("newest_problem_at").desc(nulls_last=True), "title", "pk"
    )


def list_limits(user, *layers) -> dict:
    """The thresholds a list colours against: only a change that crosses one is coloured."""
    t = thresholds_for(user, *layers)
    return {"rise": t.price_increase_pct, "fall": -t.price_collapse_pct, "margin": t.min_margin_pct}


def findings_for(*, product: Product | None = None, supplier: Supplier | None = None, limit: int = 50):
    qs = Finding.objects.select_related("product", "supplier")
    if product is not None:
        qs = qs.filter(product=product)
    else:
        qs = qs.filter(Q(supplier=supplier) | Q(product__supplier=supplier))
    return qs.order_by(F("resolved_at").desc(nulls_first=True), "-severity", "-opened_at")[:limit]
