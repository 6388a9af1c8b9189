"""The browser companion's checks: products whose server checks the shop blocks, fetched by the user's own
browser (the extension in companion/) and recorded as normal checks.

The flow, one plain function each (api/companion.py is the thin HTTP shell around them):

  claims_issue   the extension asks for due checks: the user's own products, on the platforms the user opted
                 in for, whose latest server check was blocked, due within the extension's poll period. Each
                 is claimed like a worker claims a slot (the product's `pending_slot`, `check_started_at`,
                 `check_claim`, with `next_check_at` pushed to the claim's expiry so the tick leaves it
                 alone), and handed out with a signed, expiring claim naming a `CompanionClaim` row. Claims of
                 one site are spaced by the fetcher's per-site interval (the extension waits `wait_seconds`).
  claim_answer   the extension posts the page's HTML with the claim. A forged, expired, replayed or another
                 user's claim is refused; the URL is the claim's product's (nothing the extension says about
                 the page is used but its HTML); the page goes through the same size cap, block-page detection,
                 adapters and sanitising as a fetched one (`observe_document`), and is recorded by the same
                 `record_product_check` as a worker's check, its snapshot marked `via="browser"`.

A claim that is never answered (the browser was closed) lapses: its expiry is the product's `next_check_at`,
so the tick dispatches the same slot to a worker, whose claim on it is free by then (older than the hard
time limit). Nothing here fetches anything: the browser did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

from suppliers.models import Product

from .checking import UNSTORABLE, hard_time_limit, record_product_check
from .fetch.politeness import host_key
from .models import CompanionClaim, Snapshot
from .observation import Observation
from .sources.observe import observe_document
from .statuses import CheckStatus

log = logging.getLogger(__name__)

CLAIM_SALT = "monitoring.companion.claim"
CLAIM_TTL = timedelta(minutes=10)
CLAIMS_KEPT = timedelta(days=7)
MAX_CLAIMS = 20  # per request: a browser fetches them one after another
BROWSER_MARK = "From your browser."
VIA_BROWSER = "browser"
VIA_SERVER = "server"


class ClaimRefused(Exception):
    """An answer Dropwatch will not record. `status` is the HTTP status the API answers with."""

    status = 403
    code = "claim_invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ClaimForged(ClaimRefused):
    status, code = 403, "claim_invalid"


class ClaimExpired(ClaimRefused):
    status, code = 410, "claim_expired"


class ClaimUsed(ClaimRefused):
    status, code = 409, "claim_used"


class ClaimNotFound(ClaimRefused):
    """Another user's claim, or none: the same answer as an id that does not exist."""

    status, code = 404, "not_found"


class PageTooLarge(ClaimRefused):
    status, code = 413, "too_large"


def poll_minutes() -> int:
    """How often the extension asks (its alarm period); checks due within this window are handed out, so a
    browser that is running claims a product before the tick gives it to a worker (COMPANION_POLL_MINUTES)."""
    return max(1, int(getattr(settings, "COMPANION_POLL_MINUTES", 5)))


def claim_ttl() -> timedelta:
    """How long a claim holds its product: 10 minutes, and always longer than the hard time limit, so that a
    lapsed claim's slot is free for the worker the tick then dispatches (claim_start takes a stale claim)."""
    return max(CLAIM_TTL, timedelta(seconds=hard_time_limit() + 60))


def upload_limit() -> int:
    """The largest page the companion may send: the fetcher's own cap (FETCH_MAX_BYTES)."""
    return int(settings.FETCH_MAX_BYTES)


def too_large_message() -> str:
    limit = upload_limit()
    size = f"{limit / (1024 * 1024):g} MiB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KiB"
    return f"The page is larger than {size}, the most Dropwatch reads."


def check_upload_size(html: str) -> None:
    if len(html.encode("utf-8", "surrogatepass")) > upload_limit():
        raise PageTooLarge(too_large_message())


def observe_upload(html: str, *, url: str, platform: str) -> Observation:
    """A page the user's browser fetched, read exactly as a fetched one (block pages, adapters, sanitising).
    `url` and `platform` are Dropwatch's own (the product's, or the add preview's cleaned address)."""
    check_upload_size(html)
    obs = observe_document(html, url=url, platform=platform)
    obs.url, obs.platform = url, platform or obs.platform or ""
    obs.message = f"{BROWSER_MARK} {obs.message}".strip()[:500]
    return obs


# --- handing out claims -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedClaim:
    claim: str  # the signed claim the answer carries
    product_id: int
    url: str
    platform: str
    wait_seconds: float  # fetch no sooner than this after receiving it (per-site spacing)
    expires_at: datetime


def blocked_products(*, owner, platforms):
    """The user's active products on `platforms` whose latest server check was blocked."""
    last_server = (
        Snapshot.objects.filter(product=OuterRef("pk"), via=VIA_SERVER).order_by("-taken_at").values("status")[:1]
    )
    return (
        Product.objects.filter(owner=owner, active=True, platform__in=list(platforms))
        .annotate(last_server_status=Subquery(last_server))
        .filter(last_server_status=CheckStatus.BLOCKED)
    )


def claims_issue(*, owner, platforms, now: datetime, limit: int = MAX_CLAIMS) -> list[IssuedClaim]:
    """Claim the user's due blocked products for their browser, at most `limit`, spaced per site."""
    if not platforms:
        return []
    stale = now - timedelta(seconds=hard_time_limit())
    # No worker is on it, and no live claim of the browser: a claim outlives a worker's time limit, and holds
    # the product until it expires (next_check_at is its expiry).
    free = (Q(check_started_at__isnull=True) | Q(check_started_at__lt=stale)) & ~Q(
        check_claim__startswith="companion:", next_check_at__gt=now
    )
    interval = float(settings.FETCH_HOST_INTERVAL)
    issued: list[IssuedClaim] = []
    with transaction.atomic():
        # Claims are kept a week (what was answered, and how), then forgotten.
        CompanionClaim.objects.filter(owner=owner, expires_at__lt=now - CLAIMS_KEPT).delete()
        due = (
            blocked_products(owner=owner, platforms=platforms)
            .filter(free)
            .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now + timedelta(minutes=poll_minutes())))
            .order_by("next_check_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk", "url", "host", "platform", "pending_slot", "next_check_at")[:limit]
        )
        per_site: dict[str, int] = {}
        for row in CompanionClaim.objects.filter(owner=owner, answered_at__isnull=True, expires_at__gt=now).values_list(
            "product__host", flat=True
        ):
            per_site[host_key(row or "")] = per_site.get(host_key(row or ""), 0) + 1
        for product in list(due):
            slot = product.pending_slot or product.next_check_at or now
            expires = now + claim_ttl()
            claim = CompanionClaim.objects.create(
                owner=owner, product=product, slot=slot, issued_at=now, expires_at=expires
            )
            taken = (
                Product.objects.filter(free, pk=product.pk)
                .filter(Q(pending_slot__isnull=True) | Q(pending_slot=slot))
                .update(pending_slot=slot, check_started_at=now, check_claim=_claimant(claim), next_check_at=expires)
            )
            if taken != 1:  # a worker took it in between: not ours to hand out
                claim.delete()
                continue
            site = host_key(product.host or "")
            wait = per_site.get(site, 0) * interval
            per_site[site] = per_site.get(site, 0) + 1
            signed = signing.dumps({"c": claim.pk, "o": owner.pk, "p": product.pk}, salt=CLAIM_SALT)
            issued.append(IssuedClaim(signed, product.pk, product.url, product.platform, wait, expires))
    return issued


def _claimant(claim: CompanionClaim) -> str:
    return f"companion:{claim.pk}"


# --- answering a claim --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    product_id: int
    status: str
    message: str


def claim_verify(*, owner, signed: str, now: datetime) -> CompanionClaim:
    """The claim row `signed` names, once it is proven genuine, this user's, unexpired and unanswered."""
    try:
        data = signing.loads(signed or "", salt=CLAIM_SALT, max_age=claim_ttl())
    except signing.SignatureExpired:
        raise ClaimExpired("This check was handed out more than 10 minutes ago: ask for due checks again.") from None
    except signing.BadSignature:
        raise ClaimForged("This is not a claim Dropwatch handed out.") from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or data.get("o") != owner.pk:
        raise ClaimNotFound("Not found.")
    claim = CompanionClaim.objects.select_related("product").filter(pk=data["c"], owner=owner).first()
    if claim is None or claim.product_id != data.get("p"):
        raise ClaimNotFound("Not found.")
    if claim.answered_at is not None:
        raise ClaimUsed("This check was answered already.")
    if claim.expires_at <= now:
        raise ClaimExpired("This check was handed out more than 10 minutes ago: ask for due checks again.")
    return claim


def claim_answer(*, owner, signed: str, html: str, now: datetime) -> Answer:
    """Record the page the browser fetched for a claim as the product's check of the claimed slot."""
    claim = claim_verify(owner=owner, signed=signed, now=now)
    product = claim.product
    check_upload_size(html)
    # Parsed outside any transaction (a big page takes a while); the claim is spent below, in the same
    # transaction as the check, so a failure leaves it unspent and nothing recorded.
    obs = observe_upload(html, url=product.url, platform=product.platform)
    with transaction.atomic():
        if CompanionClaim.objects.filter(pk=claim.pk, answered_at__isnull=True).update(answered_at=now) != 1:
            raise ClaimUsed("This check was answered already.")
        held = Product.objects.filter(pk=product.pk, pending_slot=claim.slot, check_claim=_claimant(claim)).exists()
        if not held:  # the claim lapsed and a worker checked the slot, or the product was edited away
            raise ClaimExpired("Dropwatch checked this product another way in the meantime.")
        try:
            with transaction.atomic():
                result = record_product_check(product.pk, slot=claim.slot, obs=obs, now=now)
        except UNSTORABLE as exc:  # as a worker's check does: a failed check, and the product moves on
            log.warning("product %s: could not store the browser's reading: %r", product.pk, exc)
            failed = Observation.failed(CheckStatus.ERROR, f"{BROWSER_MARK} Could not store what the shop sent.")
            result = record_product_check(product.pk, slot=claim.slot, obs=failed, now=now)
        Snapshot.objects.filter(product_id=product.pk, slot=claim.slot).update(via=VIA_BROWSER)
        CompanionClaim.objects.filter(pk=claim.pk).update(status=result.status)
    product.refresh_from_db(fields=["last_status", "last_message"])
    return Answer(product.pk, product.last_status, product.last_message)
