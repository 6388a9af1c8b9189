"""The demo after its drift, in this process: the demo shop served on 127.0.0.1, the demo seed, then a few
rounds of real checks (fetch, parse, record) with the shop's clock past the drift, so the findings are the
ones a new user sees after `make run` (a price rise, a stock-out, a removal, a 1–2★ wave, …).

No Celery worker: the checks run here one after another (the worker path is tests/demo/test_demo.py's)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from django.test import override_settings
from django.utils import timezone

from demo import scenario
from demo.seed import seed
from demo.shop import Clock, serve
from monitoring.checking import run_product_check, run_supplier_check
from monitoring.fetch import reset_fetcher
from monitoring.models import Finding
from suppliers.models import Product, Supplier

DRIFT_MINUTES = 8  # every scripted event has happened by demo minute 5


def open_findings(user) -> set[tuple[str, str]]:
    keys = {scenario.product_id(p): p.key for p in scenario.PRODUCTS} | {p.key: p.key for p in scenario.PRODUCTS}
    found = set()
    for url, kind in Finding.objects.filter(owner=user, resolved_at=None, product__isnull=False).values_list(
        "product__url", "kind"
    ):
        key = next((k for ident, k in keys.items() if ident in url), url)
        found.add((key, kind))
    return found


def drifted_demo(folder: Path, rounds: int = 3):
    """Seed the demo against a local demo shop, move its clock past the drift and check everything `rounds`
    times (the third check of the captcha'd product makes it "can't verify"). Returns (user, server); stop the
    server with server.shutdown()."""
    start_file = folder / "demo-start"
    server = serve("127.0.0.1", 0, Clock(start_file, minute_seconds=60.0), quiet=True)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    reset_fetcher()
    with override_settings(FETCH_ALLOWED_HOSTS=[f"127.0.0.1:{port}"], FETCH_HOST_INTERVAL=0.0):
        user = seed(shop_url=f"http://127.0.0.1:{port}", start_file=start_file, check_every=timedelta(hours=6))
        start_file.write_text(f"{time.time() - DRIFT_MINUTES * 60:.3f}")  # the shop now shows minute 8
        for _ in range(rounds):
            for pk in Product.objects.filter(owner=user, active=True).order_by("pk").values_list("pk", flat=True):
                slot = timezone.now()
                Product.objects.filter(pk=pk).update(pending_slot=slot, check_started_at=None)
                run_product_check(pk, slot)
            for pk in Supplier.objects.filter(owner=user).exclude(store_url="").values_list("pk", flat=True):
                slot = timezone.now()
                Supplier.objects.filter(pk=pk).update(pending_slot=slot, check_started_at=None)
                run_supplier_check(pk, slot)
    reset_fetcher()
    return user, server
