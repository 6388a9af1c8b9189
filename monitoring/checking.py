"""One check, start to finish: claim the slot, observe, then record everything in one transaction —
snapshot, latest values, reviews, store metrics, findings, outbox, trust score, next check.

The Celery tasks call `run_product_check` / `run_supplier_check`; `manage.py replay` calls
`record_product_check` directly with recorded observations, so both go through the same detection code.
"""

from __future__ import annotations

import json
import logging
import random
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import settings_for
from suppliers.margins import LandedCost
from suppliers.models import Product, Supplier
from suppliers.services import supplier_for_store

from .costs import keep_landed, product_landed_cost
from .detect import context, rules, themes, trust
from .detect.listing_rules import identity_of
from .detect.thresholds import DEFAULTS, Thresholds, thresholds_for
from .findings import Change, as_open, findings_apply, open_findings_by_kind
from .image_check import image_hash_queue, image_hashes_for
from .models import Review, Snapshot, StoreSnapshot
from .observation import Observation, StoreInfo
from .sanitize import clean_observation
from .sanitize import text as clean_text
from .sources.observe import (
    PageRead,
    PageState,
    conditional_possible,
    fetch_context_for,
    fetch_context_of,
    observe_url,
    observe_url_conditional,
    observe_url_shared,
)
from .statuses import CheckStatus

log = logging.getLogger(__name__)

RULES_LOOKBACK_DAYS = 45  # the longest window any rule looks back over, with room
HEALTHY_PRODUCT_STATUSES = (CheckStatus.OK, CheckStatus.NOT_FOUND)
STORE_SNAPSHOT_EVERY = timedelta(hours=6)  # unchanged store metrics are written at most this often
# What the database may refuse in a row a shop's values went into (sanitize should already prevent it).
UNSTORABLE = (IntegrityError, DataError, OverflowError)
# An unchanged page (a 304, or the same body) is recorded without being parsed; what depends on time or on
# things outside the page and the product row (exchange rates, a supplier's overrides, the rules' windows)
# is evaluated again at the next full read, at most this long after the last one.
UNCHANGED_FULL_READ_EVERY = timedelta(hours=24)


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


@dataclass
class _Carried:
    """What a product check read before its fetch and hands to its record (same worker, same check): the
    user's settings (read once per check), whether other products share the listing, and the page's
    validators and digest to keep when the reading is stored."""

    product_id: int
    prefs: object
    siblings: bool
    page: dict = field(default_factory=dict)


_CARRIED: ContextVar[_Carried | None] = ContextVar("dropwatch_check_carried", default=None)


def run_product_check(product_id: int, slot: datetime, claimant: str = "", resume: bool = False) -> CheckResult:
    """A product's page, read by its platform's adapter. A page read before is asked for conditionally and
    compared with the last one read: unchanged, it is recorded cheaply (`_record_unchanged`)."""
    if not claim_start(Product, product_id, slot, timezone.now(), claimant, resume):
        return CheckResult("skipped", skipped=True)
    product = (
        Product.objects.select_related("owner", "owner__dw_settings", "supplier")
        .annotate(has_siblings=Exists(_siblings_of_outer()))
        .get(pk=product_id)
    )
    url = product.url
    prefs = _prefs_of(product.owner)
    ctx = fetch_context_of(prefs)
    carried = _Carried(product.pk, prefs, product.has_siblings)
    token = _CARRIED.set(carried)
    try:
        read: PageRead | None = None
        try:
            selector = product.price_selector  # the user's own price selector is tried first
            observe = partial(observe_url, price_selector=selector) if selector else observe_url
            if product.has_siblings:
                obs = observe_url_shared(url, platform=product.platform, ctx=ctx, price_selector=selector)
            elif conditional_possible(product.platform, url):
                key = _page_key(product, prefs)
                state = _page_state(product, timezone.now())
                read = observe_url_conditional(
                    url, platform=product.platform, ctx=ctx, state=state, key=key, observe=observe
                )
                if read.unchanged:
                    done = _record_unchanged(product, slot=slot, now=timezone.now(), read=read)
                    if done is not None:
                        return done
                    # No earlier reading to repeat (none kept): read the page in full, unconditionally.
                    read = observe_url_conditional(
                        url, platform=product.platform, ctx=ctx, state=PageState(), key=key, observe=observe
                    )
                obs = read.obs
            else:
                obs = observe(url, platform=product.platform, ctx=ctx)
        except SoftTimeLimitExceeded:
            obs = Observation.failed(CheckStatus.ERROR, "The check took too long and was stopped.", url=url)
            read = None
        carried.page = _page_fields(read, timezone.now())
        try:
            return record_product_check(product_id, slot=slot, obs=obs, now=timezone.now())
        except UNSTORABLE as exc:  # refused past the snapshot (rolled back): a failed check, and the item moves on
            log.exception("Product %s: could not store the check of slot %s", product_id, slot)
            failed = Observation.failed(CheckStatus.ERROR, _unstorable_message(exc), url=url)
            return record_product_check(product_id, slot=slot, obs=failed, now=timezone.now())
    finally:
        _CARRIED.reset(token)


def _prefs_of(user):
    """The user's settings, from the row joined to the user when it was (else read, and made if missing)."""
    try:
        return user.dw_settings
    except ObjectDoesNotExist:
        return settings_for(user)


def _carried_for(product: Product) -> _Carried | None:
    carried = _CARRIED.get()
    return carried if carried is not None and carried.product_id == product.pk else None


# --- an unchanged page --------------------------------------------------------------------------------------


def _page_key(product: Product, prefs) -> str:
    """Everything besides the page that the reading and the rules read from the rows: the same page under
    another key (a new variant, price, currency, threshold, fee) is read in full again."""
    parts = [
        product.url,
        product.platform,
        product.variant_sku,
        product.price_selector,
        _number(product.my_price),
        product.my_currency,
        _number(product.shipping_cost),
        product.threshold_overrides,
        product.supplier.threshold_overrides if product.supplier_id and product.supplier else None,
        product.backs_up_id,
        prefs.currency,
        prefs.ship_to_country,
        _number(prefs.order_fee_pct),
        _number(prefs.order_fee_fixed),
        prefs.manual_rates,
        prefs.thresholds,
    ]
    return json.dumps(parts, sort_keys=True, default=str)


def _number(value) -> str | None:
    """A decimal the same whether read from the database ("30.0000") or just made ("30")."""
    return None if value is None else str(Decimal(value).normalize())


def _page_state(product: Product, now: datetime) -> PageState:
    """What may be skipped: only after a successful full read, recent enough, with nothing failing since."""
    if (
        product.last_status != CheckStatus.OK
        or product.consecutive_failures
        or product.page_read_at is None
        or now - product.page_read_at >= UNCHANGED_FULL_READ_EVERY
        or not product.page_digest
    ):
        return PageState()
    return PageState(product.page_etag, product.page_last_modified, product.page_digest)


def _page_fields(read: PageRead | None, now: datetime) -> dict:
    """The product columns a full read leaves: the page's validators and digest (empty when not read
    conditionally, or not successfully: the next check then reads in full)."""
    if read is None or read.obs is None or not read.obs.ok or not read.digest:
        return {"page_etag": "", "page_last_modified": "", "page_digest": "", "page_read_at": None}
    return {
        "page_etag": read.etag,
        "page_last_modified": read.last_modified,
        "page_digest": read.digest,
        "page_read_at": now,
    }


# Snapshot columns an unchanged check repeats from the last good one (all but its key and its time).
_REPEATED = tuple(
    f.attname for f in Snapshot._meta.concrete_fields if f.attname not in ("id", "product_id", "slot", "taken_at")
)


class _NothingToRepeat(Exception):
    pass


def _repeat_last_snapshot(product_id: int, *, slot: datetime, now: datetime) -> int:
    """INSERT … SELECT of the last good snapshot under the new slot and time: one statement, no row through
    Python. The rows inserted (0: there is none to repeat)."""
    ops = connection.ops
    table = ops.quote_name(Snapshot._meta.db_table)
    columns = ", ".join(ops.quote_name(Snapshot._meta.get_field(name).column) for name in _REPEATED)
    # The names come from the model's own metadata, the values are parameters.
    sql = (
        f"INSERT INTO {table} (product_id, slot, taken_at, {columns}) "  # noqa: S608
        f"SELECT %s, %s, %s, {columns} FROM {table} "
        "WHERE product_id = %s AND status = %s AND taken_at < %s ORDER BY taken_at DESC LIMIT 1"
    )
    stamp = ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [product_id, stamp(slot), stamp(now), product_id, str(CheckStatus.OK), stamp(now)])
        return cursor.rowcount


def _record_unchanged(product: Product, *, slot: datetime, now: datetime, read: PageRead) -> CheckResult | None:
    """The page is the one last read: the slot gets its snapshot (the last good reading again, so charts and
    history stay continuous), the schedule advances, and nothing is parsed, compared or rewritten. None when
    there is no good reading to repeat (the caller reads the page in full)."""
    try:
        with transaction.atomic():
            # One conditional UPDATE locks the row and proves the slot is still this check's.
            updated = Product.objects.filter(pk=product.pk, pending_slot=slot).update(
                last_checked_at=now,
                last_ok_at=now,
                last_status=CheckStatus.OK,
                consecutive_failures=0,
                pending_slot=None,
                check_started_at=None,
                check_claim="",
                next_check_at=next_check_time(slot, product.check_interval, now),
                page_etag=read.etag,
                page_last_modified=read.last_modified,
            )
            if updated != 1:
                return CheckResult("skipped", skipped=True)  # finished already, by another worker
            if _repeat_last_snapshot(product.pk, slot=slot, now=now) != 1:
                raise _NothingToRepeat  # rolls the UPDATE back
    except _NothingToRepeat:
        return None
    return CheckResult(CheckStatus.OK)


def run_supplier_check(supplier_id: int, slot: datetime, claimant: str = "", resume: bool = False) -> CheckResult:
    """The supplier's own store page, read by its platform's adapter (which recognises store pages)."""
    return _run_check(
        Supplier, supplier_id, slot, claimant, resume, url_of=lambda s: s.store_url, record=record_supplier_check
    )


def _run_check(model, pk: int, slot: datetime, claimant: str, resume: bool, *, url_of, record) -> CheckResult:
    """Claim the slot, fetch and parse outside any transaction, then record everything in one."""
    if not claim_start(model, pk, slot, timezone.now(), claimant, resume):
        return CheckResult("skipped", skipped=True)
    item = model.objects.select_related("owner").get(pk=pk)
    url = url_of(item)
    try:
        ctx = fetch_context_for(item.owner)
        if model is Product and _siblings(item).exists():
            obs = observe_url_shared(url, platform=item.platform, ctx=ctx)
        else:
            obs = observe_url(url, platform=item.platform, ctx=ctx)
    except SoftTimeLimitExceeded:
        obs = Observation.failed(CheckStatus.ERROR, "The check took too long and was stopped.", url=url)
    try:
        return record(pk, slot=slot, obs=obs, now=timezone.now())
    except UNSTORABLE as exc:  # refused past the snapshot (rolled back): a failed check, and the item moves on
        log.exception("%s %s: could not store the check of slot %s", model.__name__, pk, slot)
        failed = Observation.failed(CheckStatus.ERROR, _unstorable_message(exc), url=url)
        return record(pk, slot=slot, obs=failed, now=timezone.now())


def _siblings(product: Product):
    """The user's other products on the same listing (another variant of it)."""
    same = Product.objects.filter(owner_id=product.owner_id, host=product.host, url=product.url, active=True)
    return same.exclude(pk=product.pk)


def _siblings_of_outer():
    """_siblings as a subquery of the product being read (one statement reads the product and whether any)."""
    same = Product.objects.filter(
        owner_id=OuterRef("owner_id"), host=OuterRef("host"), url=OuterRef("url"), active=True
    )
    return same.exclude(pk=OuterRef("pk"))


def _finish(item, *, status: str, message: str, slot: datetime, now: datetime, healthy: tuple) -> None:
    """The bookkeeping every check ends with: its outcome on the row, the claim released, the next slot set."""
    item.last_checked_at = now
    item.last_status = status
    item.last_message = (message or "")[:500]
    item.consecutive_failures = 0 if status in healthy else item.consecutive_failures + 1
    if status == CheckStatus.OK:
        item.last_ok_at = now
    item.pending_slot = None
    item.check_started_at = None
    item.check_claim = ""
    item.next_check_at = next_check_time(slot, item.check_interval, now)


def next_check_time(slot: datetime, interval: timedelta, now: datetime) -> datetime:
    """The next slot: one interval after this one, never sooner than half an interval from now (an item
    that was overdue does not run twice in a row), plus jitter so checks do not bunch up."""
    base = max(slot + interval, now + interval / 2)
    jitter = random.uniform(0, min(interval.total_seconds() * 0.05, 900))
    return base + timedelta(seconds=jitter)


# --- recording a product check ------------------------------------------------------------------------------


def record_product_check(product_id: int, *, slot: datetime, obs: Observation, now: datetime) -> CheckResult:
    obs = clean_observation(obs, now=now)  # replay and tests hand observations in directly
    with transaction.atomic():
        # of=self: lock the product row only, not its owner's user row (other checks and sign-ins go on)
        product = Product.objects.select_for_update(of=("self",)).select_related("owner").get(pk=product_id)
        if product.pending_slot != slot:
            return CheckResult("skipped", skipped=True)  # finished already, by another worker
        status = obs.status if obs.status in CheckStatus.values else CheckStatus.ERROR
        history, statuses = _product_history(product, now)
        if (
            status == CheckStatus.OK
            and product.variant_sku
            and obs.variants
            and obs.variant(product.variant_sku) is None
        ):
            # An import may name the variant by its options ("Black", "Color: Black; Plug: USB-C"): the id now.
            product.variant_sku = resolve_variant(obs, product.variant_sku) or product.variant_sku
        # Every rule runs on what the user buys: the variant they sell, when they chose one.
        watched = watched_reading(obs, product.variant_sku) if status == CheckStatus.OK else obs
        try:
            with transaction.atomic():
                Snapshot.objects.create(
                    product=product, slot=slot, taken_at=now, **_snapshot_fields(watched, status, product.variant_sku)
                )
        except UNSTORABLE as exc:
            if Snapshot.objects.filter(product=product, slot=slot).exists():
                return CheckResult("skipped", skipped=True)  # this slot already has its snapshot
            # Any other refusal is not a duplicate: a failed check, recorded, and the product moves on.
            log.warning("product %s: could not store the reading of slot %s: %r", product.pk, slot, exc)
            obs = Observation.failed(CheckStatus.ERROR, _unstorable_message(exc), url=obs.url, platform=obs.platform)
            status = CheckStatus.ERROR
            watched = obs
            Snapshot.objects.create(product=product, slot=slot, taken_at=now, **_snapshot_fields(obs, status))
        if status == CheckStatus.OK:
            _update_latest(product, watched, history)
            _store_reviews(product, obs, now)
            image_hash_queue(product_id=product.pk, url=obs.image)  # after commit; the image step judges it

        supplier = _attach_supplier(product, obs)
        carried = _carried_for(product)
        # Read once per check (before the fetch, when there was one): the store rules below use its thresholds too.
        prefs = carried.prefs if carried is not None else settings_for(product.owner)
        user_layer = prefs.thresholds
        supplier_layer = supplier.threshold_overrides if supplier else None
        t = DEFAULTS.with_overrides(user_layer, supplier_layer, product.threshold_overrides)
        current = open_findings_by_kind(product=product)
        ctx = context.ProductContext(
            now=now,
            status=status,
            obs=watched,
            listing=obs,
            variant_id=product.variant_sku,
            variant_name=product.variant_name,
            landed=_landed(product, watched, prefs) if status == CheckStatus.OK else None,
            history=history,
            recent_statuses=statuses,
            open=as_open(current),
            thresholds=t,
            my_price=product.my_price,
            my_currency=product.my_currency,
            shipping_cost=product.shipping_cost,
            baseline_since=_baseline_since(product),
            negative_reviews=_negative_reviews(product, now, t),
            image_hashes=image_hashes_for([obs.image, *(p.identity.get("image", "") for p in history if p.identity)]),
        )
        if (
            status == CheckStatus.OK
            and history
            and watched.currency
            and history[-1].currency not in ("", watched.currency)
        ):
            product.baseline_since["price"] = now.isoformat()  # a currency switch restarts the price baseline
        if status == CheckStatus.OK:
            product.baseline_price = rules.price_baseline(ctx)
            keep_landed(product, ctx.landed)
        verdicts = rules.evaluate_product(ctx)
        # A backup source keeps its own history but opens no findings until it is promoted: its problems
        # show in the product page's comparison, they are not paged.
        alternative = product.backs_up_id is not None
        changes = (
            []
            if alternative
            else findings_apply(owner=product.owner, verdicts=verdicts, current=current, now=now, product=product)
        )

        # "Not found" is an answer, not a failure of ours: it does not count towards "can't verify".
        _finish(product, status=status, message=obs.message, slot=slot, now=now, healthy=HEALTHY_PRODUCT_STATUSES)
        # The page's validators and digest only from this check's own successful read; anything else clears
        # them, so the next check reads the page in full.
        page = carried.page if carried is not None and status == CheckStatus.OK else {}
        for name in PAGE_FIELDS:
            setattr(product, name, page.get(name, None if name == "page_read_at" else ""))
        product.save(update_fields=CHECK_WRITES)
        # Products on the same listing are checked in the same round from then on: one fetch serves them all
        # (asked only when the check saw some before its fetch, or could not tell).
        if carried is None or carried.siblings:
            _siblings(product).filter(pending_slot__isnull=True, check_interval=product.check_interval).update(
                next_check_at=product.next_check_at
            )

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
                        apply_findings=not alternative,
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


# What a successful check reads that both its snapshot and the product row keep (same names on
# Observation, Snapshot and Product): one list, so a new field cannot be kept in one place and not the other.
READING_FIELDS = (
    "price",
    "price_max",
    "original_price",
    "in_stock",
    "stock_quantity",
    "rating",
    "review_count",
    "orders_count",
    "ships_to_buyer",
)


PAGE_FIELDS = ("page_etag", "page_last_modified", "page_digest", "page_read_at")
# The product columns a check writes (save(update_fields=…)): the rest are the user's, so an edit saved while
# the page was being fetched is not overwritten, and nothing is written for nothing.
CHECK_WRITES = (
    *("last_checked_at", "last_ok_at", "last_status", "last_message", "consecutive_failures"),
    *("pending_slot", "check_started_at", "check_claim", "next_check_at"),
    *READING_FIELDS,
    *("currency", "shipping_fee", "shipping_currency", "delivery_days_max", "delivery_days_min", "shipping_method"),
    *("title", "rating_histogram", "labels", "variants", "variant_sku", "variant_name", "platform_product_id"),
    *("supplier", "baseline_since", "baseline_price", "landed_cost", "landed_margin_pct"),
    *PAGE_FIELDS,
)


def _reading(obs: Observation) -> dict:
    shipping = obs.shipping
    return {name: getattr(obs, name) for name in READING_FIELDS} | {
        "currency": obs.currency or "",
        "shipping_fee": shipping.fee if shipping else None,
        "shipping_currency": (shipping.currency or obs.currency or "") if shipping and shipping.fee is not None else "",
        "delivery_days_max": shipping.days_max if shipping else None,
    }


def _snapshot_fields(obs: Observation, status: str, variant_sku: str = "") -> dict:
    fields = {"status": status, "message": (obs.message or "")[:500]}
    if status != CheckStatus.OK:
        return fields
    hist = obs.rating_histogram
    stars = {f"stars_{s}": (hist.get(s, 0) if hist is not None else None) for s in range(1, 6)}
    return fields | _reading(obs) | stars | {"variant_sku": variant_sku[:128], "identity": identity_of(obs)}


def _resolve_named_variant(product: Product, obs: Observation) -> None:
    """An import may name the variant by its options ("Black", "Color: Black; Plug: USB-C"): keep its id."""
    if not product.variant_sku or not obs.variants or obs.variant(product.variant_sku) is not None:
        return
    found = resolve_variant(obs, product.variant_sku)
    if found and not _siblings(product).filter(variant_sku=found).exists():
        product.variant_sku = found


def resolve_variant(obs: Observation, wanted: str) -> str:
    """The id of the one variant named by `wanted`: its id, its whole option text, or one option value of
    it ("Black"); "" when none or several match (the user picks on the product's page)."""
    text = " ".join(wanted.split()).casefold()
    if not text:
        return ""
    for exact in (lambda v: v.id == wanted, lambda v: " ".join(v.name.split()).casefold() == text):
        found = [v for v in obs.variants if exact(v)]
        if len(found) == 1:
            return found[0].id

    def values(v) -> set[str]:
        return {part.split(":", 1)[-1].strip().casefold() for part in v.name.split(";") if part.strip()}

    wanted_values = {part.split(":", 1)[-1].strip().casefold() for part in text.split(";") if part.strip()}
    found = [v for v in obs.variants if wanted_values <= values(v)]
    return found[0].id if len(found) == 1 else ""


def watched_reading(obs: Observation, variant_id: str) -> Observation:
    """The reading of the variant the user sells. Without a chosen variant, or on a page whose variants were
    not read, the listing's own (lowest) price; when the listing lists variants but not this one, a reading
    with no price and no stock (the variant-removed rule speaks, the price rules hold)."""
    if not variant_id:
        return obs
    chosen = obs.for_variant(variant_id)
    if chosen is not None:
        return chosen
    if not obs.variants:
        return obs
    return replace(obs, price=None, price_max=None, original_price=None, in_stock=None, stock_quantity=None)


def _landed(product: Product, watched: Observation, prefs) -> LandedCost:
    shipping = watched.shipping
    has_fee = shipping is not None and shipping.fee is not None
    return product_landed_cost(
        product,
        prefs,
        price=watched.price,
        currency=watched.currency,
        shipping_fee=shipping.fee if has_fee else None,
        shipping_currency=(shipping.currency or watched.currency) if has_fee else "",
    )


_POINT_COLUMNS = (
    *("taken_at", "price", "currency", "in_stock", "rating", "review_count", "orders_count", "shipping_fee"),
    *("shipping_currency", "delivery_days_max", "variant_sku", "identity"),
    *(f"stars_{n}" for n in range(5, 0, -1)),
)


def _product_history(product: Product, now: datetime) -> tuple[list[context.Point], list[str]]:
    # Only the columns the rules read, as tuples: no model instance per row (a product checked every 6 hours
    # has ~180 rows in the window), the same values.
    rows = (
        Snapshot.objects.filter(
            product=product, taken_at__gte=now - timedelta(days=RULES_LOOKBACK_DAYS), taken_at__lt=now
        )
        .order_by("taken_at")
        .values_list("status", *_POINT_COLUMNS)
    )
    points, statuses = [], []
    for status, *values in rows:
        statuses.append(status)
        if status == CheckStatus.OK:
            row = dict(zip(_POINT_COLUMNS, values, strict=True))
            stars = [row.pop(f"stars_{n}") for n in range(5, 0, -1)]
            histogram = None if None in stars else dict(zip(range(5, 0, -1), stars, strict=True))
            points.append(context.Point(at=row.pop("taken_at"), histogram=histogram, **row))
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
    for name, value in _reading(obs).items():
        setattr(product, name, value)
    product.rating_histogram = (
        {str(k): v for k, v in obs.rating_histogram.items()} if obs.rating_histogram is not None else None
    )
    product.labels = list(obs.labels)
    product.variants = [
        {
            "id": v.id[:128],
            "name": v.name[:300],
            "price": None if v.price is None else str(v.price),
            "currency": v.currency,
            "in_stock": v.in_stock,
            "stock_quantity": v.stock_quantity,
        }
        for v in obs.variants[:200]
    ]
    chosen = obs.variant(product.variant_sku)
    if chosen is not None and chosen.name:
        product.variant_name = chosen.name[:300]
    shipping = obs.shipping
    product.shipping_currency = (shipping.currency or obs.currency or "") if shipping else ""
    product.delivery_days_min = shipping.days_min if shipping else None
    product.shipping_method = (shipping.method or "")[:100] if shipping else ""
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


def _negative_reviews(product: Product, now: datetime, t: Thresholds) -> list[context.NegativeReview]:
    cutoff = now - timedelta(days=t.review_window_days)
    qs = Review.objects.filter(product=product, stars__lte=2).filter(
        Q(date__gte=cutoff.date()) | Q(date__isnull=True, first_seen_at__gte=cutoff)
    )
    return [
        context.NegativeReview(stars=r.stars, themes=r.themes or [], seen_on=r.date or r.first_seen_at.date())
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
    supplier: Supplier,
    store: StoreInfo,
    now: datetime,
    t: Thresholds,
    *,
    source: str,
    source_key: str,
    apply_findings: bool = True,
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
        context.StorePoint(
            at=s.taken_at,
            positive_feedback_pct=s.positive_feedback_pct,
            rating_described=s.rating_described,
            rating_communication=s.rating_communication,
            rating_shipping=s.rating_shipping,
        )
        for s in StoreSnapshot.objects.filter(
            supplier=supplier,
            status=CheckStatus.OK,
            taken_at__lt=now,
            taken_at__gte=now - timedelta(days=RULES_LOOKBACK_DAYS),
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
    if not apply_findings:
        return []
    current = open_findings_by_kind(supplier=supplier)
    ctx = context.StoreContext(
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


def record_supplier_check(supplier_id: int, *, slot: datetime, obs: Observation, now: datetime) -> CheckResult:
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
        current = open_findings_by_kind(supplier=supplier)
        health = {"unverifiable": rules.rule_unverifiable(status, statuses, obs.message, t)}
        changes += findings_apply(owner=supplier.owner, verdicts=health, current=current, now=now, supplier=supplier)
        supplier.refresh_from_db()
        _finish(supplier, status=status, message=obs.message, slot=slot, now=now, healthy=(CheckStatus.OK,))
        supplier.save()
        trust.supplier_trust_update(supplier=supplier, now=now)
        return CheckResult(status, changes)
