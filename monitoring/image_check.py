"""After a check that saw a main image URL never fetched before: hash it, then judge `listing_changed` again.

Why a task after the check and not inside it: a check is one fetch and one transaction, and its time is
what the scheduler plans with (another engineer is making it faster). An image is a second request to
another host (a CDN) of up to 5 MB; doing it inline would make every check with a new photo slower, and
a slow CDN would hold the product's row lock. Lazily, at the next check, would leave a swap that only the
image betrays unseen for a whole interval (6 hours for a primary). So the check queues
`monitoring.hash_listing_image` once its transaction commits, the task fetches and hashes the image once
per URL (monitoring/images.py), then re-runs the listing rule on the product's latest reading with the hash
now known. That second judgement only opens or updates the finding, never resolves one: the new
information is the picture, and the next check decides everything else as usual.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone

from accounts.models import settings_for
from suppliers.models import Product

from .detect.listing_rules import listing_verdict
from .detect.thresholds import DEFAULTS
from .detect.trust import supplier_trust_update
from .findings import Change, as_open, findings_apply, open_findings_by_kind
from .images import image_hashes_for, image_needs_fetch, listing_image_hash

__all__ = ["image_hash_queue", "image_hashes_for", "listing_image_step", "listing_rejudge"]
from .models import ListingImage, Snapshot
from .statuses import CheckStatus

log = logging.getLogger(__name__)

HASH_TASK = "monitoring.hash_listing_image"
CLAIMED_RETRY_SECONDS = 20  # another worker is fetching the same URL: look again after this


def image_hash_queue(*, product_id: int, url: str) -> bool:
    """Queue the image step for this product once the current transaction commits, when `url` was never
    fetched. A broker that is down costs the image, never the check (the next check queues it again)."""
    if not url or not image_needs_fetch(url):
        return False

    def send():
        try:
            current_app.tasks[HASH_TASK].apply_async((product_id, url))
        except Exception as exc:  # kombu/redis raise many types; any of them means "not sent"
            log.warning("could not queue the image of product %s: %s", product_id, exc)

    transaction.on_commit(send)
    return True


def listing_image_step(*, product_id: int, url: str, fetcher=None) -> tuple[ListingImage, list[Change]]:
    """Fetch and hash the image once (a kept result is reused), then judge the product's listing again."""
    row = listing_image_hash(url=url, fetcher=fetcher)
    if row.status != ListingImage.Status.OK:
        return row, []
    return row, listing_rejudge(product_id=product_id, url=url)


def listing_rejudge(*, product_id: int, url: str) -> list[Change]:
    """`listing_changed` on the product's latest reading, now that its main image's hash is known. Only
    when that reading still shows `url` (a later check has judged with what it knew); never on a backup
    source (no findings until promoted)."""
    now = timezone.now()
    with transaction.atomic():
        product = Product.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=product_id).first()
        if product is None or not product.active or product.backs_up_id is not None:
            return []
        ok = Snapshot.objects.filter(product=product, status=CheckStatus.OK).exclude(identity=None)
        latest = ok.order_by("-taken_at").first()
        if latest is None or (latest.identity or {}).get("image") != url:
            return []
        supplier_layer = product.supplier.threshold_overrides if product.supplier else None
        t = DEFAULTS.with_overrides(settings_for(product.owner).thresholds, supplier_layer, product.threshold_overrides)
        current = open_findings_by_kind(product=product)
        found = as_open(current).get("listing_changed")
        if found is not None:
            window, frozen = [], found.evidence.get("before") or {}
        else:
            start = latest.taken_at - timedelta(days=t.baseline_days)
            since = _restart(product)
            earlier = ok.filter(taken_at__lt=latest.taken_at, taken_at__gte=max(start, since) if since else start)
            window, frozen = [s.identity for s in earlier.order_by("taken_at")], None
            if not window:
                return []
        images = [url, *(i.get("image", "") for i in window), (frozen or {}).get("image", "")]
        verdict = listing_verdict(now_id=latest.identity, window=window, frozen=frozen, hashes=image_hashes_for(images))
        if verdict.action != "fire":
            return []  # the picture adds no evidence of a swap: what the check decided stands
        changes = findings_apply(
            owner=product.owner, verdicts={"listing_changed": verdict}, current=current, now=now, product=product
        )
        if changes and product.supplier is not None:
            supplier_trust_update(supplier=product.supplier, now=now)
        return changes


def _restart(product: Product) -> datetime | None:
    """When the user last accepted the listing as it is (resolving the finding restarts the comparison)."""
    value = (product.baseline_since or {}).get("listing_changed")
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
