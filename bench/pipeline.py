"""Full checks per second and CPU per check for one worker, against a bare fetch+parse loop, on a local shop.

N products (200) per page kind on generated JSON-LD product pages (bench.shop, its own process): `changing`
(the price moves by a few cents on every fetch: every check reads and records in full), `product` (the same
bytes every time: the content digest skips the parse) and `etag` (the same page with an ETag: the shop answers
304). A real `celery worker --pool prefork --concurrency 1` runs against the bench database and broker (Redis,
or SQLite and the filesystem broker when Redis is not reachable: the embedded default); each round makes one
kind's products due, one `monitoring.scheduling.tick()` dispatches all their checks (FETCH_HOST_INTERVAL=0: the
per-host budget never caps, no countdown delays a task), and the clock stops when every product has its new
snapshot and no `pending_slot` is left. A warm-up round per kind first, then the measured rounds; checks/s
and CPU are the medians of the rounds. CPU per check: the worker's processes (/proc), the PostgreSQL backends
serving them (sampled through the round), and the tick (this process and its backend during tick()); Redis,
shared with other users of the machine, is not counted.

`--vs-root PATH` runs a second worker from another checkout (a worktree of the previous commit: the "before"),
and `--what-if` the worker of bench/whatif_app.py and bench/whatif_settings.py (one configuration change); each
worker listens to its own queue and the bench routes a round's checks to one of them, taking turns round by
round (A B, then B A), on any broker.

The bare loop is the changing pages' fetch + parse, one after another in this process, through the same
Fetcher (settings-built, in-process limiter), `observe_url` and structured adapter: no database, no broker.
It runs before each measured round and once at the end. Target (issues): the pipeline keeps ≥ 70% of the
bare rate. Then, in this process and without Celery, the same checks run through `run_product_check` with
each stage timed and their SQL counted; with --profile a cProfile of them is printed too.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import itertools
import os
import pstats
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from .common import ROOT, Result, ShopProcess, bench_database, bench_user, median, ms, run_alone, verdict

TARGET_RATIO = 0.70
# Page kinds (bench.shop routes): a page whose price moves on every fetch (every check reads it in full), the
# same page every time (the content digest skips it), and the same page with an ETag (the shop answers 304).
KINDS = ("changing", "product", "etag")
_ROUTE = {"queue": "bench.today"}


def route_checks_to(worker) -> None:
    _ROUTE["queue"] = worker.queue


def _route(name, args, kwargs, options, task=None, **kw):
    return {"queue": _ROUTE["queue"]} if name == "monitoring.check_product" else None


# --- CPU accounting (Linux /proc): the worker's processes, the database backends serving it, the tick ------

_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def group_cpu(pgid: int) -> float:
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    total += proc_cpu(int(entry))
            except OSError:
                continue
    return total


def other_backends() -> list[int]:
    """PostgreSQL backends on the bench database other than this process's own (the worker's)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cur.fetchall()]


class BackendMeter:
    """CPU of the bench database's backends other than ours, over a round: sampled while the round runs, so a
    backend that closes during it (CONN_MAX_AGE) still counts up to its last sample, and one that opens counts
    whole."""

    def __init__(self):
        self.start = {pid: proc_cpu(pid) for pid in other_backends()}
        self.last = dict(self.start)

    def sample(self) -> None:
        for pid in set(other_backends()) | set(self.last):
            self.last[pid] = max(self.last.get(pid, 0.0), proc_cpu(pid))

    def seconds(self) -> float:
        self.sample()
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())


def own_backend() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


WORKER_ENV = {
    "FETCH_ALLOWED_HOSTS": "127.0.0.1",
    "FETCH_HOST_INTERVAL": "0",
}


class Worker:
    """One `celery worker` process (prefork, concurrency 1) on the bench database and broker, as
    tests/conftest.py's WorkerProcess starts them."""

    def __init__(
        self,
        data_dir: Path,
        *,
        app: str = "config",
        concurrency: int = 1,
        pool: str = "prefork",
        env: dict | None = None,
        name: str = "bench",
        root: Path = ROOT,
    ):
        from celery.utils.nodenames import host_format

        self.name = name
        self.node = host_format(f"{name}@%h")
        # Each worker listens to its own queue, and the bench routes a round's checks to one of them
        # (route_checks_to): two workers take turns, round by round, on the same machine state, on any broker.
        self.queue = f"bench.{name}"
        environment = dict(os.environ)
        environment.update(DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1", **WORKER_ENV)
        environment.update(env or {})
        self.log = data_dir / f"worker-{time.monotonic_ns()}.log"
        self._log_file = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                app,
                "worker",
                "--loglevel",
                "INFO",
                "--pool",
                pool,
                "--concurrency",
                str(concurrency),
                "--hostname",
                self.node,
                "--without-gossip",
                "--without-mingle",
                "--queues",
                self.queue,
            ],
            cwd=root,
            env=environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> Worker:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.tail()}")
            if b" ready." in self.log.read_bytes():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready after {timeout} s:\n{self.tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the worker's process group (its main process and its pool child)."""
        return group_cpu(self.proc.pid)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def task_runtimes(self, since: int) -> tuple[list[float], int]:
        """Celery's own 'succeeded in Xs' figures logged after byte offset `since`."""
        data = self.log.read_bytes()
        found = re.findall(rb"check_product\[[^\]]+\] succeeded in ([0-9.]+)s", data[since:])
        return [float(x) for x in found], len(data)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)  # our own worker's process group
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self._log_file.close()


def make_all_due(ids) -> None:
    from django.utils import timezone

    from suppliers.models import Product

    Product.objects.filter(pk__in=ids).update(next_check_at=timezone.now() - timedelta(seconds=1))


def wait_round(
    ids, snapshots_expected: int, worker: Worker | None = None, timeout: float = 600, meter: BackendMeter | None = None
) -> float:
    """The moment every product has its snapshot and none is pending (polled every 20 ms). A task that
    fails in the worker stops the wait at once, with the worker's log."""
    from monitoring.models import Snapshot
    from suppliers.models import Product

    deadline = time.monotonic() + timeout
    log_offset = worker.log.stat().st_size if worker else 0
    polls = 0
    while time.monotonic() < deadline:
        if (
            not Product.objects.filter(pk__in=ids, pending_slot__isnull=False).exists()
            and Snapshot.objects.filter(product_id__in=ids).count() >= snapshots_expected
        ):
            return time.perf_counter()
        if worker is not None:
            with open(worker.log, "rb") as log:
                log.seek(log_offset)
                new = log.read()
            log_offset += len(new)
            if b"raised unexpected" in new or worker.proc.poll() is not None:
                raise RuntimeError("a check failed in the worker (or the worker exited)")
        polls += 1
        if meter is not None and polls % 10 == 0:  # every 0.2 s: a closing backend loses at most that
            meter.sample()
        time.sleep(0.02)
    raise RuntimeError(f"round did not finish in {timeout} s")


def celery_round(worker: Worker, ids) -> dict:
    """Every product due, one tick() dispatches them all, the worker checks them: timed to the last one."""
    from django.db.models import Max

    from monitoring.models import Snapshot
    from monitoring.scheduling import tick

    make_all_due(ids)
    _, offset = worker.task_runtimes(0)
    since = Snapshot.objects.aggregate(m=Max("id"))["m"] or 0
    expected = Snapshot.objects.filter(product_id__in=ids).count() + len(ids)
    route_checks_to(worker)
    mine = own_backend()
    meter = BackendMeter()
    worker_cpu = worker.cpu_seconds()
    tick_cpu = time.process_time() + (proc_cpu(mine) if mine else 0.0)
    start = time.perf_counter()
    dispatched = tick()["products"]
    dispatch_seconds = time.perf_counter() - start
    tick_cpu = time.process_time() + (proc_cpu(mine) if mine else 0.0) - tick_cpu
    try:
        end = wait_round(ids, expected, worker, meter=meter)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\nworker log:\n{worker.tail()}") from None
    worker_cpu = worker.cpu_seconds() - worker_cpu
    db_cpu = meter.seconds()  # this process's own backend (the tick, the polling) is apart
    time.sleep(0.3)  # let the worker's log catch up with its last 'succeeded' line
    runtimes, _ = worker.task_runtimes(offset)
    new = Snapshot.objects.filter(product_id__in=ids, id__gt=since)
    taken = list(new.order_by("taken_at").values_list("taken_at", flat=True))
    return {
        "seconds": end - start,
        "dispatched": dispatched,
        "dispatch_seconds": dispatch_seconds,
        "task_runtimes": runtimes,
        "gaps": [(b - a).total_seconds() for a, b in itertools.pairwise(taken)],
        "statuses": set(new.values_list("status", flat=True)),
        "cpu": {"worker": worker_cpu / len(ids), "db": db_cpu / len(ids), "tick": tick_cpu / len(ids)},
    }


def measured_round(worker: Worker, ids) -> dict:
    return celery_round(worker, ids)


def merge_rounds(rounds: list[dict], n: int) -> dict:
    return {
        "seconds": sum(r["seconds"] for r in rounds),
        "checks": n * len(rounds),
        "rates": [n / r["seconds"] for r in rounds],
        "task_runtimes": [x for r in rounds for x in r["task_runtimes"]],
        "gaps": [x for r in rounds for x in r["gaps"]],
        "statuses": set().union(*(r["statuses"] for r in rounds)),
        "dispatched": rounds[-1]["dispatched"],
        "dispatch_seconds": rounds[-1]["dispatch_seconds"],
        "cpu": {part: median([r["cpu"][part] for r in rounds]) for part in ("worker", "db", "tick")},
        "cpu_all": [sum(r["cpu"].values()) for r in rounds],
    }


def take_turns(workers: dict[str, Worker], ids_by_kind: dict, rounds: int, between=None) -> dict[str, dict]:
    """A warm-up round per worker and page kind, then `rounds` measured rounds each, in turn (A B, then B A, …)
    so that drift in the machine's speed hits them alike; `between()` runs before each turn (the bare loop).
    Returns {kind: {worker: {"warm", "timed"}}}."""
    warm = {kind: {name: measured_round(w, ids) for name, w in workers.items()} for kind, ids in ids_by_kind.items()}
    measured: dict = {kind: {name: [] for name in workers} for kind in ids_by_kind}
    order = list(workers)
    for i in range(rounds):
        if between is not None:
            between()
        for kind, ids in ids_by_kind.items():
            for name in order if i % 2 == 0 else reversed(order):
                measured[kind][name].append(measured_round(workers[name], ids))
    return {
        kind: {
            name: {"warm": warm[kind][name], "timed": merge_rounds(measured[kind][name], len(ids))} for name in workers
        }
        for kind, ids in ids_by_kind.items()
    }


def bare_loop(urls) -> tuple[float, list[float], set]:
    from monitoring.fetch import build_fetcher
    from monitoring.fetch.politeness import LocalLimiter
    from monitoring.sources.observe import observe_url

    fetcher = build_fetcher(limiter=LocalLimiter(0))
    for url in urls[:5]:  # warm-up
        observe_url(url, platform="structured", fetcher=fetcher)
    samples, statuses = [], set()
    start = time.perf_counter()
    for url in urls:
        t = time.perf_counter()
        obs = observe_url(url, platform="structured", fetcher=fetcher)
        samples.append(time.perf_counter() - t)
        statuses.add(str(obs.status))
    return time.perf_counter() - start, samples, statuses


# --- in-process breakdown ----------------------------------------------------------------------------------


def claim_all(ids):
    from django.utils import timezone

    from monitoring.scheduling import claim_due
    from suppliers.models import Product

    make_all_due(ids)
    return claim_due(Product, now=timezone.now(), limit=len(ids) + 10, host_of_row=lambda p: p.host)


# Stages of run_product_check timed in-process: (module attribute, label, inside record_product_check?).
STAGES = [
    ("claim_start", "claim_start: conditional UPDATE", False),
    ("observe_url_conditional", "observe_url_conditional: fetch + parse", False),
    ("_record_unchanged", "_record_unchanged: the cheap record", False),
    ("record_product_check", "record_product_check", False),
    ("_product_history", "_product_history: 45 days of snapshots", True),
    ("_store_reviews", "_store_reviews: INSERT … ON CONFLICT", True),
    ("_attach_supplier", "_attach_supplier", True),
    ("open_findings_by_kind", "open_findings_by_kind", True),
    ("_negative_reviews", "_negative_reviews", True),
    ("rules.price_baseline", "rules.price_baseline", True),
    ("rules.evaluate_product", "rules.evaluate_product", True),
    ("findings_apply", "findings_apply", True),
]
TOTAL = "run_product_check (total)"
LOAD = "Product get + select_related(owner)"
RECORD_REST = "lock row FOR UPDATE, Snapshot INSERT, save(), COMMIT"


def in_process_round(ids) -> tuple[dict[str, float], int]:
    """run_product_check for every product, in this process, each stage timed; mean seconds per check."""
    from unittest import mock

    from monitoring import checking

    totals: dict[str, float] = defaultdict(float)

    def timing(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - t

        return wrapper

    claims = claim_all(ids)
    with contextlib.ExitStack() as stack:
        for attr, _label, _inner in STAGES:
            owner, _, name = attr.rpartition(".")
            target = getattr(checking, owner) if owner else checking
            stack.enter_context(mock.patch.object(target, name, timing(attr, getattr(target, name))))
        for claim in claims:
            t = time.perf_counter()
            checking.run_product_check(claim.pk, claim.slot)
            totals[TOTAL] += time.perf_counter() - t
    n = len(claims)
    per_check = {k: v / n for k, v in totals.items()}
    top = [attr for attr, _, inner in STAGES if not inner]
    per_check[LOAD] = per_check[TOTAL] - sum(per_check.get(a, 0.0) for a in top)
    inner = [attr for attr, _, is_inner in STAGES if is_inner]
    per_check[RECORD_REST] = per_check.get("record_product_check", 0.0) - sum(per_check.get(a, 0.0) for a in inner)
    return per_check, n


_SQL_SHAPE = re.compile(
    r"^\s*(SELECT|UPDATE|INSERT INTO|DELETE FROM|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN|COMMIT)"
    r'(?:.*?\bFROM\s+"(\w+)"|\s+"(\w+)")?',
    re.IGNORECASE | re.DOTALL,
)


def sql_shape(sql: str) -> str:
    m = _SQL_SHAPE.match(sql)
    if not m:
        return sql[:40]
    verb, table = m.group(1).upper(), m.group(2) or m.group(3) or ""
    if "SAVEPOINT" in verb:
        table = ""
    if "FOR UPDATE" in sql.upper():
        verb += " FOR UPDATE"
    return f"{verb} {table}".strip()


def query_round(ids) -> tuple[float, dict[str, tuple[float, float]], float]:
    """Queries per check and their database time, grouped by statement shape."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monitoring import checking

    claims = claim_all(ids)
    with CaptureQueriesContext(connection) as captured:
        for claim in claims:
            checking.run_product_check(claim.pk, claim.slot)
    groups: dict[str, list[float]] = defaultdict(list)
    for q in captured.captured_queries:
        groups[sql_shape(q["sql"])].append(float(q["time"]))
    n = len(claims)
    per_check = {shape: (len(times) / n, sum(times) / n) for shape, times in groups.items()}
    total_time = sum(t for _, t in per_check.values())
    return len(captured.captured_queries) / n, per_check, total_time


def profile_round(ids, top: int = 25) -> str:
    from monitoring import checking

    claims = claim_all(ids)
    profiler = cProfile.Profile()
    profiler.enable()
    for claim in claims:
        checking.run_product_check(claim.pk, claim.slot)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"monitoring|suppliers|accounts", top)
    stats.sort_stats("tottime").print_stats(top)
    return _trim_profile(out.getvalue())


def _trim_profile(text: str) -> str:
    lines = [line.replace(str(ROOT) + "/", "") for line in text.splitlines()]
    site = re.compile(r"\S*/site-packages/")
    return "\n".join(site.sub("", line) for line in lines if line.strip())


# --- the benchmark ------------------------------------------------------------------------------------------


def run(argv=None) -> Result:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("--products", type=int, default=200, help="products per page kind")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per worker (after a warm-up round)")
    parser.add_argument("--page-kib", type=int, default=60, help="size of each generated product page")
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help="page kinds, each with its own products: changing (price moves every fetch), product (the same "
        "page: digest skip), etag (the same page with an ETag: 304)",
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the checks even on PASS")
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also measure the worker of bench/whatif_*.py (one configuration change), in turns with today's",
    )
    parser.add_argument(
        "--vs-root",
        type=Path,
        help="also measure a worker run from another checkout (e.g. a worktree of the previous commit), in turns",
    )
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    if not kinds or set(kinds) - set(KINDS):
        parser.error(f"--kinds: any of {', '.join(KINDS)}")
    started = time.monotonic()
    n = args.products
    result = Result(
        "pipeline", f"Checks per second, one worker (prefork, concurrency 1), {n} products, {args.page_kib} KiB pages"
    )
    with bench_database() as svc, ShopProcess(product_bytes=args.page_kib * 1024) as shop:
        from accounts.models import settings_for
        from config.celery import app
        from suppliers import services as catalogue

        app.conf.task_routes = (_route,)
        owner = bench_user()
        settings_for(owner)
        ids_by_kind, urls_by_kind = {}, {}
        for k, kind in enumerate(kinds):
            products = [
                catalogue.product_create(owner=owner, url=shop.url(f"/{kind}/{k * 100_000 + i}"), platform="structured")
                for i in range(1, n + 1)
            ]
            ids_by_kind[kind] = [p.pk for p in products]
            urls_by_kind[kind] = [p.url for p in products]
        # New products are due at once: none is, until a round makes its own kind due.
        from django.utils import timezone

        from suppliers.models import Product

        Product.objects.update(next_check_at=timezone.now() + timedelta(days=1))
        main_kind = kinds[0]

        workers = {"today": Worker(svc.data_dir, name="today")}
        if args.vs_root:
            workers["before"] = Worker(svc.data_dir, name="before", root=args.vs_root.resolve())
        if args.what_if:
            workers["whatif"] = Worker(
                svc.data_dir,
                name="whatif",
                app="bench.whatif_app",
                env={"DJANGO_SETTINGS_MODULE": "bench.whatif_settings"},
            )
        bare_runs = []
        try:
            for worker in workers.values():
                worker.wait_ready()
            sessions = take_turns(
                workers, ids_by_kind, args.rounds, between=lambda: bare_runs.append(bare_loop(urls_by_kind[main_kind]))
            )
        finally:
            for worker in workers.values():
                worker.stop()
        bare_runs.append(bare_loop(urls_by_kind[main_kind]))
        bare_seconds = sum(r[0] for r in bare_runs)
        bare_samples = [x for r in bare_runs for x in r[1]]
        bare_rate = median([n / r[0] for r in bare_runs])  # rates are medians of rounds: one noisy round moves less

        result.headers = [
            "pages",
            "worker",
            "checks/s",
            "per check ms",
            "task ms",
            "CPU-ms worker",
            "+ DB",
            "+ tick",
            "= all",
            "vs bare",
        ]
        result.rows = [
            [
                f"{main_kind}: bare fetch+parse loop (no DB)",
                "-",
                f"{bare_rate:.1f}",
                ms(median(bare_samples)),
                "-",
                "-",
                "-",
                "-",
                "-",
                "1.00",
            ]
        ]
        figures: dict = {}
        for kind in kinds:
            for name in workers:
                timed = sessions[kind][name]["timed"]
                rate = median(timed["rates"])
                cpu = timed["cpu"]
                all_cpu = median(timed["cpu_all"])
                figures[(kind, name)] = (rate, all_cpu, cpu)
                rt = timed["task_runtimes"]
                result.rows.append(
                    [
                        kind,
                        name,
                        f"{rate:.1f}",
                        ms(1 / rate),
                        ms(median(rt)) if rt else "-",
                        ms(cpu["worker"]),
                        ms(cpu["db"]),
                        ms(cpu["tick"]),
                        ms(all_cpu),
                        f"{rate / bare_rate:.2f}",
                    ]
                )
                result.notes.append(
                    f"{kind} / {name}: rounds "
                    + ", ".join(f"{r:.1f}" for r in timed["rates"])
                    + " checks/s; CPU-ms per check (all) "
                    + ", ".join(f"{x * 1000:.1f}" for x in timed["cpu_all"])
                    + f"; statuses {sorted(timed['statuses'])}"
                )
                if timed["statuses"] != {"ok"}:
                    result.verdicts.append(f"WARN  {kind}/{name} snapshots were {sorted(timed['statuses'])}")
        result.notes.append(
            "checks/s and CPU = medians of the rounds; CPU-ms per check = the worker's processes + the PostgreSQL "
            "backends serving them + the tick (this process and its backend during tick()), Redis not counted; "
            f"bare loop rounds: {', '.join(f'{n / r[0]:.0f}' for r in bare_runs)} checks/s ({bare_seconds:.1f} s)"
        )
        if "before" in workers:
            for kind in kinds:
                (rate, cpu, _), (rate0, cpu0, _) = figures[(kind, "today")], figures[(kind, "before")]
                result.verdicts.append(
                    f"{kind}: today {rate:.1f} checks/s vs before {rate0:.1f} ({rate / rate0:.2f}×); CPU per check "
                    f"{cpu * 1000:.1f} vs {cpu0 * 1000:.1f} ms ({cpu0 / cpu:.2f}× less)"
                )

        pipe_rate = figures[(main_kind, "today")][0]
        ratio = pipe_rate / bare_rate
        ok = ratio >= TARGET_RATIO
        stages, _ = in_process_round(ids_by_kind[main_kind])
        queries_per_check, query_groups, sql_seconds = query_round(ids_by_kind[main_kind])
        breakdown = ["", f"Where one check's time goes in-process ({main_kind} pages, mean per check, no Celery):"]

        def line(label, seconds, indent=2):
            breakdown.append(f"{' ' * indent}{label:{60 - indent}s} {seconds * 1000:7.2f} ms")

        line(TOTAL, stages[TOTAL])
        for attr, label, inner in STAGES:
            if attr == "record_product_check":
                line(LOAD, stages[LOAD], 4)
            if not inner:
                line(label, stages.get(attr, 0.0), 4)
        for attr, label, inner in STAGES:
            if inner:
                line(label, stages.get(attr, 0.0), 6)
        line(RECORD_REST, stages[RECORD_REST], 6)
        breakdown.append(
            f"SQL: {queries_per_check:.1f} statements per check, {sql_seconds * 1000:.2f} ms of database time; "
            "by shape (statements per check, ms per check):"
        )
        for shape, (count, seconds) in sorted(query_groups.items(), key=lambda kv: -kv[1][1])[:14]:
            breakdown.append(f"  {shape:44s} {count:5.1f}  {seconds * 1000:6.2f}")
        result.notes += breakdown
        result.verdicts.insert(
            0,
            verdict(
                ok,
                f"pipeline ({main_kind} pages) {pipe_rate:.1f} checks/s = {ratio:.0%} of the bare {bare_rate:.1f}/s "
                f"(target ≥ {TARGET_RATIO:.0%})",
            ),
        )
        for kind in kinds:
            rate, cpu, _ = figures[(kind, "today")]
            base = ""
            if "before" in workers:
                rate0, cpu0, _ = figures[(kind, "before")]
                base = f"before: {rate0:.1f} checks/s, {cpu0 * 1000:.1f} CPU-ms"
            result.summary.append(
                [
                    f"pipeline, {kind} pages: {n} checks, tick → 1 worker",
                    f"{rate:.1f} checks/s, {cpu * 1000:.1f} CPU-ms per check",
                    base or f"bare fetch+parse {bare_rate:.0f} checks/s",
                    f"≥ {TARGET_RATIO:.0%} of bare" if kind == main_kind else "",
                    f"{'PASS' if ok else 'FAIL'} ({ratio:.0%})" if kind == main_kind else "",
                ]
            )
        if args.profile:
            result.notes += ["", "cProfile of the same checks in-process (top by cumulative, then by own time):"]
            result.notes.append(profile_round(ids_by_kind[main_kind]))
    result.seconds = time.monotonic() - started
    return result


def main(argv=None) -> int:
    return run_alone(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
