"""One check, start to finish: claim the slot, observe, then record everything in one transaction —
snapshot, latest values, reviews, store metrics, findings, outbox, trust score, next check.

The Celery tasks call `run_product_check` / `run_supplier_check`; `manage.py replay` calls
`record_product_check` directly with recorded observations, so both go through the same detection code.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import settings_for
from suppliers.models import Product, Supplier
from suppliers.services import supplier_for_store

from . import rules, themes, trust
from .findings import Change, as_open, findings_apply, open_findings
from .models import Review, Snapshot, StoreSnapshot
from .observation import Observation, StoreInfo
from .sanitize import clean_observation
from .sanitize import text as clean_text
from .sources.base import FetchContext
from .sources.observe import observe_url
from .statuses import CheckStatus
from .thresholds import DEFAULTS, Thresholds

log = logging.getLogger(__name__)

HISTORY_DAYS = 45  # the longest window any rule looks back over, with room
STORE_SNAPSHOT_EVERY = timedelta(hours=6)  # unchanged store metrics are written at most this often
# What the database may refuse in a row a shop's values went into (sanitize should already prevent it).
UNSTORABLE = (IntegrityError, DataError, OverflowError)


@dataclass
class CheckResult:
    status: str
    changes: list[Change] = field(default_factory=list)
    skipped: bool = False


def hard_time_limit() -> float:
    return float(settings.CELERY_TASK_TIME_LIMIT)


# --- claiming a slot ----------------------------------------------------------------------------------------


def claim_start(model, pk: int, slot: datetime, now: datetime, claimant: str = "", resume: bool = False) -> bool:
    """Only one worker runs a slot: a conditional UPDATE that succeeds for exactly one of them. A claim
    older than the hard time limit belonged to a worker that died, and may be taken over. A task retried
    by Celery (after a database outage, say) may resume its own claim; a duplicate delivery may not."""
    stale = now - timedelta(seconds=hard_time_limit())
    free = Q(check_started_at__isnull=True) | Q(check_started_at__lt=stale)
    if claimant and resume:
        free |= Q(check_claim=claimant)
    claimed = (
        model.objects.filter(free, pk=pk, pending_slot=slot)
        # If this worker dies mid-check, a later tick re-dispatches the slot once this lease runs out.
        .update(
            check_started_at=now, check_claim=claimant, next_check_at=now + timedelta(seconds=2 * hard_time_limit())
        )
    )
    return claimed == 1


def fetch_context(user) -> FetchContext:
    prefs = settings_for(user)
    return FetchContext(currency=prefs.currency, ship_to=prefs.ship_to_country)


def thresholds_for(user, *layers) -> Thresholds:
    return DEFAULTS.with_overrides(settings_for(user).thresholds, *layers)


def run_product_check(product_id: int, slot: datetime, claimant: str = "", resume: bool = False) -> CheckResult:
    now = timezone.now()
    if not claim_start(Product, product_id, slot, now, claimant, resume):
        return CheckResult("skipped", skipped=True)
    product = Product.objects.select_related("owner").get(pk=product_id)
    try:
        obs = observe_url(product.url, platform=product.platform, ctx=fetch_context(product.owner))
    except SoftTimeLimitExceeded:
        obs = Observation.failed(CheckStatus.ERROR, "The check took too long and was stopped.", url=product.url)
    try:
        return record_product_check(product_id=product_id, slot=slot, obs=obs, now=timezone.now())
    except UNSTORABLE as exc:  # refused past the snapshot (rolled back): a failed check, and the product moves on
        log.exception("product %s: could not store the check of slot %s", product_id, slot)
        failed = Observation.failed(CheckStatus.ERROR, _unstorable_message(exc), url=product.url)
        return record_product_check(product_id=product_id, slot=slot, obs=failed, now=timezone.now())


def run_supplier_check(supplier_id: int, slot: datetime, claimant: str = "", resume: bool = False) -> CheckResult:
    now = timezone.now()
    if not claim_start(Supplier, supplier_id, slot, now, claimant, resume):
        return CheckResult("skipped", skipped=True)
    supplier = Supplier.objects.select_related("owner").get(pk=supplier_id)
    try:
        obs = observe_store(supplier)
    except SoftTimeLimitExceeded:
        obs = Observation.failed(CheckStatus.ERROR, "The check took too long and was stopped.", url=supplier.store_url)
    try:
        return record_supplier_check(supplier_id=supplier_id, slot=slot, obs=obs, now=timezone.now())
    except UNSTORABLE as exc:
        log.exception("supplier %s: could not store the check of slot %s", supplier_id, slot)
        failed = Observation.failed(CheckStatus.ERROR, _unstorable_message(exc), url=supplier.store_url)
        return record_supplier_check(supplier_id=supplier_id, slot=slot, obs=failed, now=timezone.now())


def observe_store(supplier: Supplier) -> Observation:
    """The supplier's own store page, read by its platform's adapter (which recognises store pages)."""
    return observe_url(supplier.store_url, platform=supplier.platform, ctx=fetch_context(supplier.owner))


def next_check_time(slot: datetime, interval: timedelta, now: datetime) -> datetime:
    """The next slot: one interval after this one, never sooner than half an interval from now (an item
    that was overdue does not run twice in a row), plus jitter so checks do not bunch up."""
    base = max(slot + interval, now + interval / 2)
    jitter = random.uniform(0, min(interval.total_seconds() * 0.05, 900))
    return base + timedelta(seconds=jitter)


# --- recording a product check ------------------------------------------------------------------------------


def record_product_check(*, product_id: int, slot: datetime, obs: Observation, now: datetime) -> CheckResult:
    obs = clean_observation(obs, now=now)  # replay and tests hand observations in directly
    with transaction.atomic():
        # of=self: lock the product row only, not its owner's user row (other checks and sign-ins go on)
        product = Product.objects.select_for_update(of=("self",)).select_related("owner").get(pk=product_id)
        if product.pending_slot != slot:
            return CheckResult("skipped", skipped=True)  # finished already, by another worker
        status = obs.status if obs.status in CheckStatus.values else CheckStatus.ERROR
        history, statuses = _product_history(product, now)
        try:
            with transaction.atomic():
                Snapshot.objects.create(product=product, slot=slot, taken_at=now, **_snapshot_fields(obs, status))
        except UNSTORABLE as exc:
            if Snapshot.objects.filter(product=product, slot=slot).exists():
                return CheckResult("skipped", skipped=True)  # this slot already has its snapshot
            # Any other refusal is not a duplicate: a failed check, recorded, and the product moves on.
            log.warning("product %s: could not store the reading of slot %s: %r", product.pk, slot, exc)
            obs = Observation.failed(CheckStatus.ERROR, _unstorable_message(exc), url=obs.url, platform=obs.platform)
            status = CheckStatus.ERROR
            Snapshot.objects.create(product=product, slot=slot, taken_at=now, **_snapshot_fields(obs, status))
        if status == CheckStatus.OK:
            _update_latest(product, obs, history)
            _store_reviews(product, obs, now)
        product.last_checked_at = now
        product.last_status = status
        product.last_message = (obs.message or "")[:500]
        product.consecutive_failures = (
            0 if status in (CheckStatus.OK, CheckStatus.NOT_FOUND) else product.consecutive_failures + 1
        )
        if status == CheckStatus.OK:
            product.last_ok_at = now

        supplier = _attach_supplier(product, obs)
        user_layer = settings_for(product.owner).thresholds  # read once: the store rules below use it too
        supplier_layer = supplier.threshold_overrides if supplier else None
        t = DEFAULTS.with_overrides(user_layer, supplier_layer, product.threshold_overrides)
        current = open_findings(product=product)
        ctx = rules.ProductContext(
            now=now,
            status=status,
            obs=obs,
            history=history,
            recent_statuses=statuses,
            open=as_open(current),
            thresholds=t,
            my_price=product.my_price,
            my_currency=product.my_currency,
            shipping_cost=product.shipping_cost,
            baseline_since=_baseline_since(product),
            negative_reviews=_negative_reviews(product, now, t),
        )
        if status == CheckStatus.OK and history and obs.currency and history[-1].currency not in ("", obs.currency):
            product.baseline_since["price"] = now.isoformat()  # a currency switch restarts the price baseline
        if status == CheckStatus.OK:
            product.baseline_price = rules.price_baseline(ctx)
        changes = findings_apply(
            owner=product.owner, verdicts=rules.evaluate_product(ctx), current=current, now=now, product=product
        )

        product.pending_slot = None
        product.check_started_at = None
        product.check_claim = ""
        product.next_check_at = next_check_time(slot, product.check_interval, now)
        product.save()

        if supplier is not None:
            if status == CheckStatus.OK and obs.store and not obs.store.is_empty():
                try:
                    changes += _record_store_reading(
                        supplier,
                        obs.store,
                        now,
                        DEFAULTS.with_overrides(user_layer, supplier_layer),
                        source=StoreSnapshot.Source.PRODUCT_PAGE,
                        source_key=f"product:{product.pk}:{slot.isoformat()}",
                    )
                except _Unstorable as exc:  # the product's own reading stands; the store block is skipped
                    log.warning("supplier %s: store block from product %s not stored: %s", supplier.pk, product.pk, exc)
            trust.supplier_trust_update(supplier=supplier, now=now)
        return CheckResult(status, changes)


def _unstorable_message(exc: Exception) -> str:
    detail = clean_text(str(exc).splitlines()[0] if str(exc) else "", 300)
    return f"Could not store what the shop sent ({type(exc).__name__}: {detail})."[:500]


class _Unstorable(Exception):
    """A store reading the database refused for another reason than being a duplicate."""


def _snapshot_fields(obs: Observation, status: str) -> dict:
    if status != CheckStatus.OK:
        return {"status": status, "message": (obs.message or "")[:500]}
    hist = obs.rating_histogram or {}
    has_hist = obs.rating_histogram is not None
    return {
        "status": status,
        "message": (obs.message or "")[:500],
        "price": obs.price,
        "price_max": obs.price_max,
        "original_price": obs.original_price,
        "currency": obs.currency or "",
        "in_stock": obs.in_stock,
        "stock_quantity": obs.stock_quantity,
        "rating": obs.rating,
        "review_count": obs.review_count,
        **{f"stars_{s}": (hist.get(s, 0) if has_hist else None) for s in range(1, 6)},
        "orders_count": obs.orders_count,
        "ships_to_buyer": obs.ships_to_buyer,
    }


def _product_history(product: Product, now: datetime) -> tuple[list[rules.Point], list[str]]:
    rows = Snapshot.objects.filter(
        product=product, taken_at__gte=now - timedelta(days=HISTORY_DAYS), taken_at__lt=now
    ).order_by("taken_at")
    points, statuses = [], []
    for s in rows:
        statuses.append(s.status)
        if s.status == CheckStatus.OK:
            points.append(
                rules.Point(
                    at=s.taken_at,
                    price=s.price,
                    currency=s.currency,
                    in_stock=s.in_stock,
                    rating=s.rating,
                    review_count=s.review_count,
                    histogram=s.histogram,
                    orders_count=s.orders_count,
                )
            )
    if len(statuses) < 10:  # a quiet item: its last statuses may be older than the window
        statuses = list(
            reversed(
                Snapshot.objects.filter(product=product, taken_at__lt=now)
                .order_by("-taken_at")
                .values_list("status", flat=True)[:10]
            )
        )
    return points, statuses[-20:]


def _baseline_since(product: Product) -> dict[str, datetime]:
    result = {}
    for kind, value in (product.baseline_since or {}).items():
        try:
            result[kind] = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            continue
    return result


def _update_latest(product: Product, obs: Observation, history) -> None:
    if obs.title and not product.title:  # the user's own title wins
        product.title = obs.title[:500]
    product.price = obs.price
    product.price_max = obs.price_max
    product.original_price = obs.original_price
    product.currency = obs.currency or ""
    product.in_stock = obs.in_stock
    product.stock_quantity = obs.stock_quantity
    product.rating = obs.rating
    product.review_count = obs.review_count
    product.rating_histogram = (
        {str(k): v for k, v in obs.rating_histogram.items()} if obs.rating_histogram is not None else None
    )
    product.orders_count = obs.orders_count
    product.ships_to_buyer = obs.ships_to_buyer
    product.labels = list(obs.labels)
    if obs.product_id and not product.platform_product_id:
        product.platform_product_id = obs.product_id[:128]


def _store_reviews(product: Product, obs: Observation, now: datetime) -> None:
    rows = []
    for review in obs.reviews:
        if not review.id or not 1 <= review.stars <= 5:
            continue
        found = themes.themes_in(review.text, review.translated_text) if review.stars <= 2 else []
        rows.append(
            Review(
                product=product,
                platform_review_id=review.id[:128],
                stars=review.stars,
                text=review.text[:5000],
                translated_text=review.translated_text[:5000],
                date=review.date,
                country=review.country[:8],
                themes=found,
                first_seen_at=now,
            )
        )
    if rows:
        Review.objects.bulk_create(rows, ignore_conflicts=True)


def _negative_reviews(product: Product, now: datetime, t: Thresholds) -> list[rules.NegativeReview]:
    cutoff = now - timedelta(days=t.review_window_days)
    qs = Review.objects.filter(product=product, stars__lte=2).filter(
        Q(date__gte=cutoff.date()) | Q(date__isnull=True, first_seen_at__gte=cutoff)
    )
    return [
        rules.NegativeReview(stars=r.stars, themes=r.themes or [], seen_on=r.date or r.first_seen_at.date())
        for r in qs.only("stars", "themes", "date", "first_seen_at")
    ]


def _attach_supplier(product: Product, obs: Observation) -> Supplier | None:
    """The product's supplier, created from the page's store block the first time we see it."""
    if product.supplier_id:
        supplier = Supplier.objects.select_for_update(of=("self",)).get(pk=product.supplier_id)
        supplier.owner = product.owner  # the same user, already loaded (with its settings)
        return supplier
    if obs.ok and obs.store and obs.store.id:
        supplier = supplier_for_store(
            owner=product.owner,
            platform=product.platform,
            store_id=obs.store.id,
            name=obs.store.name,
            store_url=obs.store.url,
        )
        product.supplier = supplier
        supplier = Supplier.objects.select_for_update(of=("self",)).get(pk=supplier.pk)
        supplier.owner = product.owner
        return supplier
    return None


# --- store metrics ------------------------------------------------------------------------------------------

_STORE_FIELDS = (
    "positive_feedback_pct",
    "followers",
    "opened_on",
    "rating_described",
    "rating_communication",
    "rating_shipping",
)


def _record_store_reading(
    supplier: Supplier, store: StoreInfo, now: datetime, t: Thresholds, *, source: str, source_key: str
) -> list[Change]:
    """Keep a supplier's freshest metrics and their history; evaluate the store rules on each new reading."""
    values = {name: getattr(store, name) for name in _STORE_FIELDS}
    known = {k: v for k, v in values.items() if v is not None}
    if not known:
        return []
    unchanged = all(_same(getattr(supplier, k), v) for k, v in known.items())
    if unchanged and supplier.metrics_at and now - supplier.metrics_at < STORE_SNAPSHOT_EVERY:
        return []
    history = [
        rules.StorePoint(
            at=s.taken_at,
            positive_feedback_pct=s.positive_feedback_pct,
            rating_described=s.rating_described,
            rating_communication=s.rating_communication,
            rating_shipping=s.rating_shipping,
        )
        for s in StoreSnapshot.objects.filter(
            supplier=supplier, status=CheckStatus.OK, taken_at__lt=now, taken_at__gte=now - timedelta(days=HISTORY_DAYS)
        ).order_by("taken_at")
    ]
    try:
        with transaction.atomic():
            StoreSnapshot.objects.create(
                supplier=supplier, taken_at=now, source=source, source_key=source_key, name=store.name[:200], **values
            )
    except UNSTORABLE as exc:
        if StoreSnapshot.objects.filter(supplier=supplier, source_key=source_key).exists():
            return []  # this reading was stored already
        raise _Unstorable(_unstorable_message(exc)) from exc
    for name, value in known.items():
        setattr(supplier, name, value)
    if store.name and supplier.name.startswith("Store ") and supplier.name != store.name:
        supplier.name = store.name[:200]
    supplier.metrics_at = now
    supplier.save(update_fields=[*known, "name", "metrics_at"])
    current = open_findings(supplier=supplier)
    ctx = rules.StoreContext(
        now=now,
        store=store,
        history=history,
        open=as_open(current),
        thresholds=t,
    )
    return findings_apply(
        owner=supplier.owner, verdicts=rules.evaluate_store(ctx), current=current, now=now, supplier=supplier
    )


def _same(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(str(a)) == Decimal(str(b))
    return a == b


def record_supplier_check(*, supplier_id: int, slot: datetime, obs: Observation, now: datetime) -> CheckResult:
    obs = clean_observation(obs, now=now)
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update(of=("self",)).select_related("owner").get(pk=supplier_id)
        if supplier.pending_slot != slot:
            return CheckResult("skipped", skipped=True)
        status = obs.status if obs.status in CheckStatus.values else CheckStatus.ERROR
        statuses = list(
            reversed(
                StoreSnapshot.objects.filter(supplier=supplier, source=StoreSnapshot.Source.STORE_PAGE)
                .order_by("-taken_at")
                .values_list("status", flat=True)[:10]
            )
        )
        changes: list[Change] = []
        t = thresholds_for(supplier.owner, supplier.threshold_overrides)
        stored = False
        if status == CheckStatus.OK and obs.store and not obs.store.is_empty():
            try:
                changes += _record_store_reading(
                    supplier,
                    obs.store,
                    now,
                    t,
                    source=StoreSnapshot.Source.STORE_PAGE,
                    source_key=f"store:{slot.isoformat()}",
                )
                stored = True
            except _Unstorable as exc:  # recorded below as a failed check
                log.warning("supplier %s: could not store the reading of slot %s: %s", supplier.pk, slot, exc)
                obs = Observation.failed(CheckStatus.ERROR, str(exc), url=obs.url, platform=obs.platform)
                status = CheckStatus.ERROR
        if not stored:
            source_key = f"store:{slot.isoformat()}"
            try:
                with transaction.atomic():
                    StoreSnapshot.objects.create(
                        supplier=supplier,
                        taken_at=now,
                        source=StoreSnapshot.Source.STORE_PAGE,
                        source_key=source_key,
                        status=status,
                        message=(obs.message or "")[:500],
                    )
            except UNSTORABLE:
                if StoreSnapshot.objects.filter(supplier=supplier, source_key=source_key).exists():
                    return CheckResult("skipped", skipped=True)
                raise
        current = open_findings(supplier=supplier)
        health = {"unverifiable": rules.rule_unverifiable(status, statuses, obs.message, t)}
        changes += findings_apply(owner=supplier.owner, verdicts=health, current=current, now=now, supplier=supplier)
        supplier.refresh_from_db()
        supplier.last_checked_at = now
        supplier.last_status = status
        supplier.last_message = (obs.message or "")[:500]
        supplier.consecutive_failures = 0 if status == CheckStatus.OK else supplier.consecutive_failures + 1
        if status == CheckStatus.OK:
            supplier.last_ok_at = now
        supplier.pending_slot = None
        supplier.check_started_at = None
        supplier.check_claim = ""
        supplier.next_check_at = next_check_time(slot, supplier.check_interval, now)
        supplier.save()
        trust.supplier_trust_update(supplier=supplier, now=now)
        return CheckResult(status, changes)
