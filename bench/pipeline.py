"""Full checks per second for one worker, against a bare fetch+parse loop, on a local shop.

N products (200) on generated JSON-LD product pages (bench.shop, its own process). A real
`celery worker --pool prefork --concurrency 1` runs against the bench database and the bench Redis DB;
each round makes every product due, one `monitoring.scheduling.tick()` dispatches all the checks
(FETCH_HOST_INTERVAL=0: the per-host budget never caps, no countdown delays a task), and the clock stops
when every product has its new snapshot and no `pending_slot` is left. A warm-up round first (imports,
connections, a history for every product), then the measured rounds; checks/s is the median round's.

The bare loop is the same N checks' fetch + parse, one after another in this process, through the same
Fetcher (settings-built, in-process limiter), `observe_url` and structured adapter: no database, no
broker. It runs before each measured round and once at the end. Target (issues): the pipeline keeps
≥ 70% of the bare rate.

With --what-if and Redis, a second worker takes turns with today's, round by round (Celery remote control
points one of them at the queue at a time, A B then B A): the worker of bench/whatif_app.py and
bench/whatif_settings.py, a place to measure one configuration change against today's (it measured
keeping the database connection across tasks, +37%, now the app's default). Then, in
this process and without Celery, the same checks run through `run_product_check` with each stage timed
and their SQL counted; on FAIL (or with --profile) a cProfile of them is printed too.
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

from .common import ROOT, Result, ShopProcess, bench_database, bench_user, median, ms, percentile, run_alone, verdict

TARGET_RATIO = 0.70
PARKED_QUEUE = "bench.parked"
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
        parked: bool = False,
    ):
        from celery.utils.nodenames import host_format

        self.node = host_format(f"{name}@%h")
        # A parked worker listens only to a queue nobody uses until consume(True) points it at the real one:
        # two workers can then take turns, round by round, on the same machine state.
        self.parked = parked
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
                *(["--queues", PARKED_QUEUE] if parked else []),
            ],
            cwd=ROOT,
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

    def consume(self, on: bool) -> None:
        """Start or stop consuming the app's default queue (Celery remote control; needs Redis)."""
        from config.celery import app

        queue = app.conf.task_default_queue
        control = app.control.add_consumer if on else app.control.cancel_consumer
        if not control(queue, destination=[self.node], reply=True, timeout=10):
            raise RuntimeError(f"worker {self.node} did not answer the remote control")
        if not on:
            time.sleep(1.2)  # past kombu's 1 s BRPOP: no read of the queue is still in flight

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


def wait_round(ids, snapshots_expected: int, worker: Worker | None = None, timeout: float = 180) -> float:
    """The moment every product has its snapshot and none is pending (polled every 20 ms). A task that
    fails in the worker stops the wait at once, with the worker's log."""
    from monitoring.models import Snapshot
    from suppliers.models import Product

    deadline = time.monotonic() + timeout
    log_offset = worker.log.stat().st_size if worker else 0
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
    start = time.perf_counter()
    dispatched = tick()["products"]
    dispatch_seconds = time.perf_counter() - start
    try:
        end = wait_round(ids, expected, worker)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\nworker log:\n{worker.tail()}") from None
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
    }


def measured_round(worker: Worker, ids) -> dict:
    if worker.parked:
        worker.consume(True)
    try:
        return celery_round(worker, ids)
    finally:
        if worker.parked:
            worker.consume(False)


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
    }


def take_turns(workers: dict[str, Worker], ids, rounds: int, between=None) -> dict[str, dict]:
    """A warm-up round per worker, then `rounds` measured rounds each, in turn (A B, then B A, …) so that
    drift in the machine's speed hits them alike; `between()` runs before each turn (the bare loop)."""
    warm = {name: measured_round(worker, ids) for name, worker in workers.items()}
    measured: dict[str, list] = {name: [] for name in workers}
    order = list(workers)
    for i in range(rounds):
        if between is not None:
            between()
        for name in order if i % 2 == 0 else reversed(order):
            measured[name].append(measured_round(workers[name], ids))
    return {name: {"warm": warm[name], "timed": merge_rounds(measured[name], len(ids))} for name in workers}


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
    ("fetch_context_for", "fetch_context_for: settings_for(owner)", False),
    ("observe_url", "observe_url: fetch + parse", False),
    ("record_product_check", "record_product_check", False),
    ("_product_history", "_product_history: 45 days of snapshots", True),
    ("_store_reviews", "_store_reviews: INSERT … ON CONFLICT", True),
    ("_attach_supplier", "_attach_supplier", True),
    ("thresholds_for", "thresholds_for: settings_for(owner) again", True),
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
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per worker (after a warm-up round)")
    parser.add_argument("--page-kib", type=int, default=60, help="size of each generated product page")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the checks even on PASS")
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also measure the worker of bench/whatif_*.py (one configuration change), in turns with today's",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    n = args.products
    result = Result(
        "pipeline", f"Checks per second, one worker (prefork, concurrency 1), {n} products, {args.page_kib} KiB pages"
    )
    with bench_database() as svc, ShopProcess(product_bytes=args.page_kib * 1024) as shop:
        from accounts.models import settings_for
        from suppliers import services as catalogue

        owner = bench_user()
        settings_for(owner)
        products = [
            catalogue.product_create(owner=owner, url=shop.url(f"/product/{i}"), platform="structured")
            for i in range(1, n + 1)
        ]
        ids = [p.pk for p in products]
        urls = [p.url for p in products]

        # The what-if worker needs Celery's remote control (Redis) to take turns with today's worker.
        with_whatif = args.what_if and svc.postgres and bool(svc.redis_url)
        workers = {"today": Worker(svc.data_dir, name="today", parked=with_whatif)}
        if with_whatif:
            workers["whatif"] = Worker(
                svc.data_dir,
                name="whatif",
                parked=True,
                app="bench.whatif_app",
                env={"DJANGO_SETTINGS_MODULE": "bench.whatif_settings"},
            )
        bare_runs = []
        try:
            for worker in workers.values():
                worker.wait_ready()
            sessions = take_turns(workers, ids, args.rounds, between=lambda: bare_runs.append(bare_loop(urls)))
        finally:
            for worker in workers.values():
                worker.stop()
        bare_runs.append(bare_loop(urls))
        bare_seconds = sum(r[0] for r in bare_runs)
        bare_samples = [x for r in bare_runs for x in r[1]]
        bare_rate = median([n / r[0] for r in bare_runs])  # rates are medians of rounds: one noisy round moves less
        timed, warm = sessions["today"]["timed"], sessions["today"]["warm"]
        pipe_rate = median(timed["rates"])
        ratio = pipe_rate / bare_rate
        ok = ratio >= TARGET_RATIO

        whatif = sessions["whatif"]["timed"] if with_whatif else None

        stages, _ = in_process_round(ids)
        queries_per_check, query_groups, sql_seconds = query_round(ids)
        in_process_rate = 1 / stages[TOTAL]

        def row(label, checks, seconds, per_check, rate):
            return [
                label,
                str(checks),
                f"{seconds:.2f}",
                f"{rate:.1f}",
                ms(median(per_check)),
                ms(percentile(per_check, 95)),
                f"{rate / bare_rate:.2f}",
            ]

        result.headers = ["mode", "checks", "seconds", "checks/s", "per check median ms", "p95 ms", "vs bare"]
        result.rows = [
            row("bare fetch+parse loop (no DB)", n * len(bare_runs), bare_seconds, bare_samples, bare_rate),
            row("pipeline: tick → celery worker", timed["checks"], timed["seconds"], timed["gaps"], pipe_rate),
            row("  first round (cold worker)", n, warm["seconds"], warm["gaps"], n / warm["seconds"]),
        ]
        if whatif is not None:
            result.rows.append(
                row(
                    "  what-if: worker keeps its DB connection",
                    whatif["checks"],
                    whatif["seconds"],
                    whatif["gaps"],
                    median(whatif["rates"]),
                )
            )
        result.rows.append(
            [
                "  same checks in-process (no Celery)",
                str(n),
                f"{n * stages[TOTAL]:.2f}",
                f"{in_process_rate:.1f}",
                "-",
                "-",
                f"{in_process_rate / bare_rate:.2f}",
            ]
        )

        rt = timed["task_runtimes"]
        result.notes.append(
            "bare loop rounds: "
            + ", ".join(f"{n / r[0]:.0f}" for r in bare_runs)
            + " checks/s; pipeline rounds: "
            + ", ".join(f"{r:.1f}" for r in timed["rates"])
            + f" checks/s; tick() claimed and dispatched {timed['dispatched']} "
            + f"in {timed['dispatch_seconds'] * 1000:.0f} ms"
        )
        result.notes.append(
            "checks/s = the median round's rate; 'per check' of the pipeline rows = the gap between consecutive "
            "snapshots"
        )
        if rt:
            result.notes.append(
                f"worker task runtime (Celery's 'succeeded in'): median {ms(median(rt))} ms, "
                f"p95 {ms(percentile(rt, 95))} ms over {len(rt)} tasks, "
                f"of {ms(timed['seconds'] / timed['checks'])} ms per check"
            )
        if whatif is not None and whatif["task_runtimes"]:
            wrt = whatif["task_runtimes"]
            result.notes.append(
                f"what-if worker task runtime: median {ms(median(wrt))} ms, p95 {ms(percentile(wrt, 95))} ms; "
                f"rounds: {', '.join(f'{r:.1f}' for r in whatif['rates'])} checks/s"
            )
        for name, st in (("bare", set().union(*(r[2] for r in bare_runs))), ("pipeline", timed["statuses"])):
            if st != {"ok"}:
                result.verdicts.append(f"WARN  {name} observations were {sorted(st)}, expected only ok")

        # Where one check's time goes (in-process, same checks, no Celery).
        pipeline_per_check = 1 / pipe_rate
        breakdown = [
            "",
            "Where one pipeline check's time goes (mean per check; the stages measured in-process, no Celery):",
        ]

        def line(label, seconds, indent=2):
            share = seconds / pipeline_per_check
            breakdown.append(f"{' ' * indent}{label:{60 - indent}s} {seconds * 1000:7.2f} ms  {share:5.0%}")

        line("pipeline check (tick → worker), all in", pipeline_per_check)
        line("Celery + broker + new DB connection per task", pipeline_per_check - stages[TOTAL], 4)
        line(TOTAL, stages[TOTAL], 4)
        for attr, label, inner in STAGES:
            if attr == "record_product_check":
                line(LOAD, stages[LOAD], 6)
            if not inner:
                line(label, stages.get(attr, 0.0), 6)
        for attr, label, inner in STAGES:
            if inner:
                line(label, stages.get(attr, 0.0), 8)
        line(RECORD_REST, stages[RECORD_REST], 8)
        breakdown.append(
            f"SQL: {queries_per_check:.1f} statements per check, {sql_seconds * 1000:.2f} ms of database time; "
            "by shape (statements per check, ms per check):"
        )
        for shape, (count, seconds) in sorted(query_groups.items(), key=lambda kv: -kv[1][1])[:12]:
            breakdown.append(f"  {shape:44s} {count:5.1f}  {seconds * 1000:6.2f}")
        result.notes += breakdown

        result.verdicts.insert(
            0,
            verdict(
                ok,
                f"pipeline {pipe_rate:.1f} checks/s = {ratio:.0%} of the bare {bare_rate:.1f}/s "
                f"(target ≥ {TARGET_RATIO:.0%})",
            ),
        )
        if whatif is not None:
            whatif_rate = median(whatif["rates"])
            result.verdicts.append(
                verdict(
                    whatif_rate / bare_rate >= TARGET_RATIO,
                    f"what-if (DB connection kept across tasks): {whatif_rate:.1f} checks/s = "
                    f"{whatif_rate / bare_rate:.0%} of bare, {whatif_rate / pipe_rate - 1:+.0%} over today's pipeline",
                )
            )
        result.summary.append(
            [
                f"pipeline: {n} checks through tick → 1 worker (prefork, concurrency 1)",
                f"{pipe_rate:.1f} checks/s ({pipeline_per_check * 1000:.1f} ms per check)",
                f"bare fetch+parse loop {bare_rate:.0f} checks/s ({1000 / bare_rate:.1f} ms)",
                f"≥ {TARGET_RATIO:.0%} of bare",
                f"{'PASS' if ok else 'FAIL'} ({ratio:.0%})",
            ]
        )
        if whatif is not None:
            result.summary.append(
                [
                    "pipeline what-if: worker keeps its DB connection (CELERY_DB_REUSE_MAX)",
                    f"{whatif_rate:.1f} checks/s ({1000 / whatif_rate:.1f} ms per check)",
                    "same bare loop",
                    f"≥ {TARGET_RATIO:.0%} of bare",
                    f"{'PASS' if whatif_rate / bare_rate >= TARGET_RATIO else 'FAIL'} ({whatif_rate / bare_rate:.0%}; "
                    f"{whatif_rate / pipe_rate - 1:+.0%} vs today)",
                ]
            )
        fixed = pipeline_per_check - 1 / bare_rate
        needed = fixed * TARGET_RATIO / (1 - TARGET_RATIO)
        result.verdicts.append(
            f"note: the pipeline adds {fixed * 1000:.1f} ms per check; 70% is reached once a bare fetch+parse takes "
            f"≥ {needed * 1000:.0f} ms, i.e. a shop ~{max(0.0, needed - 1 / bare_rate) * 1000:.0f} ms slower than "
            "this local one"
        )
        if not ok or args.profile:
            result.notes += ["", "cProfile of the same checks in-process (top by cumulative, then by own time):"]
            result.notes.append(profile_round(ids))
    result.seconds = time.monotonic() - started
    return result


def main(argv=None) -> int:
    return run_alone(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
