"""Dropwatch's side of the changedetection.io comparison: one process that owns a bench database, its
workers and the floors, and runs one round per command it reads (bench/cdio.py drives it).

    python -m bench.cdio_dropwatch --mode pg|embedded --pages-url http://127.0.0.1:P --pages N

Protocol: a line of JSON on stdin {"system": …, "kind": "changing"|"static"} runs one round of that system;
its result goes to stdout as one line starting with REPLY (everything else printed is log). "ready" is sent
once the database is migrated, the products added and the workers up.

--mode pg: PostgreSQL (BENCH_DATABASE_URL, default …/dropwatch_bench_cdio) and a redis-server of our own on
a free port (so its CPU time is ours alone; BENCH_REDIS_URL when redis-server is not installed); systems
dw-pg-1 (one worker process, prefork concurrency 1) and dw-pg-2 (`--concurrency 2`), parked in turn, and the
floors. --mode embedded: SQLite and the filesystem broker, one worker: system dw-embedded.

CPU counted per round: the worker's process tree, the bench database's PostgreSQL backends other than our
own (pg_stat_activity), the redis-server, and the tick (this process's CPU and its backend's during tick()).
The wait for the round's end polls every 0.1 s from our own connection, which is not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from urllib.parse import urlsplit

from . import proc_cpu
from .cdio_verify import fetches_between, round_problems

REPLY = "REPLY "
DEFAULT_DATABASE_URL = "postgres://dropwatch@127.0.0.1:5432/dropwatch_bench_cdio"
_LD = re.compile(rb"<script type='application/ld\+json'>(.*?)</script>", re.DOTALL)


def reply(message: dict) -> None:
    sys.stdout.write(REPLY + json.dumps(message) + "\n")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of our own (no persistence) on a free loopback port."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/1"  # not 0: bench/common.py refuses to flush DB 0

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def served(pages_url: str) -> dict[str, dict]:
    import httpx

    return httpx.get(f"{pages_url}/_bench/served", timeout=30).json()


def path_of(url: str) -> str:
    return urlsplit(url).path


# --- Dropwatch rounds ---------------------------------------------------------------------------------------


class DropwatchSide:
    def __init__(self, svc, pages_url: str, prefix: str, pages: int, workers: dict):
        from accounts.models import settings_for
        from suppliers import services as catalogue

        self.svc, self.pages_url, self.workers = svc, pages_url, workers
        owner = _bench_user()
        settings_for(owner)
        self.ids = {}
        for kind in ("changing", "static"):
            products = [
                catalogue.product_create(owner=owner, url=f"{pages_url}/{prefix}/{kind}/{i}", platform="structured")
                for i in range(1, pages + 1)
            ]
            self.ids[kind] = [p.pk for p in products]
        # Nothing is due until a round makes its products due: a tick then claims exactly those (a new
        # product is due at once, and the suppliers the catalogue made are not part of a product's check).
        from django.utils import timezone

        from suppliers.models import Product, Supplier

        later = timezone.now() + timedelta(days=365)
        Product.objects.filter(owner=owner).update(next_check_at=later)
        Supplier.objects.filter(owner=owner).update(next_check_at=later)
        self.redis_pid = None

    def backend_pids(self) -> list[int]:
        from django.db import connection

        if not self.svc.postgres:
            return []
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [row[0] for row in cur.fetchall()]

    def own_backend(self) -> int | None:
        from django.db import connection

        if not self.svc.postgres:
            return None
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            return cur.fetchone()[0]

    def round(self, system: str, kind: str) -> dict:
        from django.db.models import Count
        from django.utils import timezone

        from monitoring.models import Snapshot
        from monitoring.scheduling import tick
        from suppliers.models import Product

        worker = self.workers[system]
        ids = self.ids[kind]
        products = Product.objects.filter(pk__in=ids)
        since = Snapshot.objects.order_by("-id").values_list("id", flat=True).first() or 0
        before_served = served(self.pages_url)
        started_at = timezone.now()
        products.update(next_check_at=started_at - timedelta(seconds=1))
        if worker.parked:
            worker.consume(True)
        own = self.own_backend()
        backends_before = proc_cpu.pids_cpu(self.backend_pids())
        worker_before = proc_cpu.tree_cpu(worker.proc.pid)
        redis_before = proc_cpu.process_cpu(self.redis_pid) if self.redis_pid else 0.0
        tick_before = time.process_time() + (proc_cpu.process_cpu(own) if own else 0.0)

        start = time.perf_counter()
        dispatched = tick(limit=len(ids) + 10)["products"]
        tick_cpu = time.process_time() + (proc_cpu.process_cpu(own) if own else 0.0) - tick_before
        deadline = time.monotonic() + max(120, len(ids))
        while True:
            if (
                not products.filter(pending_slot__isnull=False).exists()
                and not products.filter(last_checked_at__lt=started_at).exists()
                and not products.filter(last_checked_at__isnull=True).exists()
            ):
                break
            if worker.proc.poll() is not None:
                raise RuntimeError(f"worker exited:\n{worker.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"round did not finish in time:\n{worker.tail()}")
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        worker_cpu = proc_cpu.delta(worker_before, proc_cpu.tree_cpu(worker.proc.pid))
        backends_after = proc_cpu.pids_cpu(set(self.backend_pids()) | set(backends_before))
        pg_cpu = proc_cpu.delta(backends_before, backends_after)
        redis_cpu = (proc_cpu.process_cpu(self.redis_pid) - redis_before) if self.redis_pid else 0.0
        if worker.parked:
            worker.consume(False)

        after_served = served(self.pages_url)
        rows = list(products.values("pk", "url", "price", "in_stock"))
        keys = {row["pk"]: path_of(row["url"]) for row in rows}
        new = Snapshot.objects.filter(id__gt=since, product_id__in=ids).values("product_id").annotate(n=Count("id"))
        new_snapshots = {keys[row["product_id"]]: row["n"] for row in new}
        problems = [] if dispatched == len(ids) else [f"the tick dispatched {dispatched} of {len(ids)} checks"]
        problems += round_problems(
            {keys[pk]: after_served.get(keys[pk], {"price": None}) for pk in ids},
            {keys[row["pk"]]: {"price": row["price"], "in_stock": row["in_stock"]} for row in rows},
            # A changed page is one new snapshot; an unchanged one may be recorded more cheaply (issue 20).
            new_snapshots=new_snapshots if kind == "changing" else None,
            fetched=fetches_between(before_served, after_served),
        )
        not_modified = sum(
            rec.get("not_modified", 0) - before_served.get(path, {}).get("not_modified", 0)
            for path, rec in after_served.items()
            if path in set(keys.values())
        )
        return {
            "checks": len(ids),
            "dispatched": dispatched,
            "seconds": seconds,
            "cpu": {"worker": worker_cpu, "tick": tick_cpu}
            | ({"postgres": pg_cpu} if self.svc.postgres else {})
            | ({"redis": redis_cpu} if self.redis_pid else {}),
            "problems": problems,
            "not_modified": not_modified,
            "new_snapshots": sum(new_snapshots.values()),
        }


def _bench_user():
    from .common import bench_user

    return bench_user()


# --- the floors: what reading the page costs ----------------------------------------------------------------


def floor_regex(urls: list[str]) -> tuple[float, float, dict[str, dict]]:
    """httpx GET + a regex for the JSON-LD blocks + json.loads, one process, one connection."""
    import httpx

    found = {}
    with httpx.Client(timeout=30) as client:
        cpu, start = time.process_time(), time.perf_counter()
        for url in urls:
            body = client.get(url).content
            for block in _LD.findall(body):
                data = json.loads(block)
                if data.get("@type") == "Product":
                    offer = data["offers"]
                    in_stock = offer["availability"].endswith("InStock")
                    found[path_of(url)] = {"price": offer["price"], "in_stock": in_stock}
        return time.perf_counter() - start, time.process_time() - cpu, found


def floor_parser(urls: list[str]) -> tuple[float, float, dict[str, dict]]:
    """Dropwatch's Fetcher (httpx) + its structured parser (observe_url), no database, no broker."""
    from monitoring.fetch import build_fetcher
    from monitoring.fetch.politeness import LocalLimiter
    from monitoring.sources.observe import observe_url

    fetcher = build_fetcher(limiter=LocalLimiter(0))
    found = {}
    cpu, start = time.process_time(), time.perf_counter()
    for url in urls:
        obs = observe_url(url, platform="structured", fetcher=fetcher)
        found[path_of(url)] = {"price": obs.price, "in_stock": obs.in_stock}
    return time.perf_counter() - start, time.process_time() - cpu, found


FLOORS = {"floor-regex": (floor_regex, "floor1"), "floor-parser": (floor_parser, "floor2")}


def floor_round(system: str, pages_url: str, pages: int) -> dict:
    fn, prefix = FLOORS[system]
    urls = [f"{pages_url}/{prefix}/changing/{i}" for i in range(1, pages + 1)]
    before = served(pages_url)
    seconds, cpu, found = fn(urls)
    after = served(pages_url)
    keys = [path_of(u) for u in urls]
    problems = round_problems(
        {k: after.get(k, {"price": None}) for k in keys}, found, fetched=fetches_between(before, after)
    )
    return {"checks": len(urls), "seconds": seconds, "cpu": {"process": cpu}, "problems": problems}


# --- the process --------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cdio_dropwatch")
    parser.add_argument("--mode", choices=("pg", "embedded"), required=True)
    parser.add_argument("--pages-url", required=True)
    parser.add_argument("--pages", type=int, default=500)
    args = parser.parse_args(argv)

    redis_server = None
    if args.mode == "pg":
        os.environ["BENCH_DATABASE_URL"] = os.environ.get("BENCH_CDIO_DATABASE_URL", DEFAULT_DATABASE_URL)
        if shutil.which("redis-server"):
            redis_server = RedisServer()
            os.environ["BENCH_REDIS_URL"] = redis_server.url
    else:
        os.environ["BENCH_DATABASE_URL"] = "sqlite://"
        os.environ["BENCH_REDIS_URL"] = "none://"
    from .common import bench_database
    from .pipeline import Worker

    try:
        with bench_database() as svc:
            if args.mode == "pg" and not (svc.postgres and svc.redis_url):
                reply({"error": f"PostgreSQL + Redis wanted, got {svc.describe()}"})
                return 1
            if args.mode == "pg":
                workers = {
                    "dw-pg-1": Worker(svc.data_dir, name="dw1", parked=True),
                    "dw-pg-2": Worker(svc.data_dir, name="dw2", concurrency=2, parked=True),
                }
            else:
                workers = {"dw-embedded": Worker(svc.data_dir, name="dwe")}
            try:
                side = DropwatchSide(svc, args.pages_url, args.mode, args.pages, workers)
                if redis_server:
                    side.redis_pid = redis_server.proc.pid
                for worker in workers.values():
                    worker.wait_ready()
                systems = list(workers) + (list(FLOORS) if args.mode == "pg" else [])
                reply({"ready": True, "systems": systems, "services": svc.describe()})
                for line in sys.stdin:
                    command = json.loads(line)
                    if command.get("quit"):
                        break
                    system, kind = command["system"], command["kind"]
                    try:
                        if system in FLOORS:
                            result = floor_round(system, args.pages_url, args.pages)
                        else:
                            result = side.round(system, kind)
                    except Exception as exc:  # the orchestrator reports it; the other systems go on
                        result = {"error": f"{type(exc).__name__}: {exc}"}
                    reply({"system": system, "kind": kind, **result})
            finally:
                for worker in workers.values():
                    worker.stop()
    finally:
        if redis_server:
            redis_server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
