"""The tick's claim of 10,000 due products in PostgreSQL, against plain SQL doing the same rows.

10,000 products (bulk_create) on 50 hosts, all due. `monitoring.scheduling.claim_due` claims them in
batches of TICK_BATCH (500), as twenty back-to-back ticks would, until nothing is left; nothing is
dispatched. FETCH_HOST_INTERVAL is set to 0.01 s here so the per-host budget (TICK_SECONDS / interval)
does not cap the claim; the in-flight count per host is still computed, as in production.

Baselines, same rows, same run:
- SQL batches: `UPDATE … WHERE id IN (SELECT id … WHERE next_check_at <= now ORDER BY next_check_at
  LIMIT 500 FOR UPDATE SKIP LOCKED) RETURNING id, pending_slot`: the least a batched claim can cost;
- one UPDATE: `UPDATE … SET pending_slot = next_check_at, next_check_at = lease WHERE active AND
  next_check_at <= now` over all 10,000 rows at once.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from datetime import timedelta

from .common import Result, Skip, bench_database, bench_user, median, ms, percentile, run_alone, services

HOSTS = 50


def make_products(n: int, owner) -> None:
    from django.utils import timezone

    from suppliers.models import Product

    now = timezone.now()
    rows = [
        Product(
            owner=owner,
            url=f"https://www.shop{i % HOSTS}.com/products/item-{i}",
            host=f"www.shop{i % HOSTS}.com",  # 50 sites: politeness counts per site (shopN.com), not per name
            platform="structured",
            next_check_at=now - timedelta(seconds=1 + (i * 7919) % 3600),  # due over the last hour, shuffled
        )
        for i in range(n)
    ]
    Product.objects.bulk_create(rows, batch_size=2000)


def reset(table: str) -> None:
    """Every product due again, as before the first run; statistics fresh, dead rows gone."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET pending_slot = NULL, check_started_at = NULL, "
            "next_check_at = now() - make_interval(secs => 1 + (id * 7919) % 3600)"
        )
        cursor.execute(f"VACUUM ANALYZE {table}")


def run_claim_due(limit: int):
    from django.utils import timezone

    from monitoring.scheduling import claim_due
    from suppliers.models import Product

    now = timezone.now()
    batches, claimed = [], []
    while True:
        start = time.perf_counter()
        claims = claim_due(Product, now=now, limit=limit, host_of_row=lambda p: p.host)
        elapsed = time.perf_counter() - start
        if not claims:
            return batches, claimed, elapsed
        batches.append(elapsed)
        claimed += [c.pk for c in claims]


def run_sql_batches(table: str, limit: int, lease: timedelta):
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    batches, claimed = [], []
    while True:
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET pending_slot = next_check_at, next_check_at = %s WHERE id IN ("
                f"SELECT id FROM {table} WHERE active AND next_check_at <= %s ORDER BY next_check_at "
                "LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id, pending_slot",
                [now + lease, now, limit],
            )
            rows = cursor.fetchall()
        elapsed = time.perf_counter() - start
        if not rows:
            return batches, claimed, elapsed
        batches.append(elapsed)
        claimed += [r[0] for r in rows]


def run_one_update(table: str, lease: timedelta):
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET pending_slot = next_check_at, next_check_at = %s "
            "WHERE active AND next_check_at <= %s RETURNING id",
            [now + lease, now],
        )
        rows = cursor.fetchall()
    elapsed = time.perf_counter() - start
    return [elapsed], [r[0] for r in rows], 0.0


def run(argv=None) -> Result:
    parser = argparse.ArgumentParser(prog="python -m bench.tick")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="TICK_BATCH")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each method (the median run is shown)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = Result(
        "tick", f"Tick claim of {args.products:,} due products on {HOSTS} hosts, batches of {args.batch} (PostgreSQL)"
    )
    if not services().postgres:
        raise Skip("PostgreSQL is not reachable: the tick benchmark measures PostgreSQL claims")
    with contextlib.ExitStack() as stack:
        stack.enter_context(bench_database())
        from django.conf import settings
        from django.db import connection
        from django.test.utils import CaptureQueriesContext, override_settings

        from monitoring.scheduling import lease
        from suppliers.models import Product

        # budget = TICK_SECONDS / 0.01 per site: never the limit here (restored afterwards, for the next benchmark)
        stack.enter_context(override_settings(FETCH_HOST_INTERVAL=0.01))
        table = Product._meta.db_table
        t0 = time.monotonic()
        make_products(args.products, bench_user())
        created = time.monotonic() - t0
        methods = {
            "claim_due (scheduling)": lambda: run_claim_due(args.batch),
            f"SQL batches of {args.batch}": lambda: run_sql_batches(table, args.batch, lease()),
            "one UPDATE, all rows": lambda: run_one_update(table, lease()),
        }
        runs: dict[str, list] = {name: [] for name in methods}
        for _ in range(max(1, args.repeat)):
            for name, method in methods.items():  # interleaved: each run of each method on the same fresh table
                reset(table)
                batches, claimed, empty = method()
                if len(claimed) != args.products or len(set(claimed)) != args.products:
                    result.verdicts.append(
                        f"WARN  {name} claimed {len(claimed)} rows ({len(set(claimed))} distinct), "
                        f"expected {args.products}"
                    )
                runs[name].append((sum(batches) + empty, batches, empty))
        # Queries one claim_due batch makes (the first and the last batch of a fresh run).
        reset(table)
        query_counts = []
        from django.utils import timezone

        from monitoring.scheduling import claim_due

        now = timezone.now()
        while True:
            with CaptureQueriesContext(connection) as queries:
                claims = claim_due(Product, now=now, limit=args.batch, host_of_row=lambda p: p.host)
            if not claims:
                break
            query_counts.append(len(queries))

        result.headers = ["method", "batches", "total s", "items/s", "batch median ms", "batch p95 ms", "× SQL batches"]
        summary = {}
        for name, method_runs in runs.items():
            total, batches, empty = sorted(method_runs, key=lambda r: r[0])[len(method_runs) // 2]
            summary[name] = (total, batches, empty)
        floor = summary[f"SQL batches of {args.batch}"][0]
        for name, (total, batches, _empty) in summary.items():
            result.rows.append(
                [
                    name,
                    str(len(batches)),
                    f"{total:.3f}",
                    f"{args.products / total:,.0f}",
                    ms(median(batches)),
                    ms(percentile(batches, 95)),
                    f"{total / floor:.1f}",
                ]
            )
        _, claim_batches, empty = summary["claim_due (scheduling)"]
        result.notes.append(
            f"claim_due: first batch {ms(claim_batches[0])} ms, last batch {ms(claim_batches[-1])} ms, "
            f"final empty call {ms(empty)} ms; {query_counts[0] if query_counts else '?'} queries per batch; "
            f"{args.products:,} products created in {created:.1f} s; median of {args.repeat} runs"
        )
        total = summary["claim_due (scheduling)"][0]
        tick_seconds = settings.TICK_SECONDS
        sql_total = summary[f"SQL batches of {args.batch}"][0]
        one_total = summary["one UPDATE, all rows"][0]
        result.summary.append(
            [
                f"tick: claim {args.products:,} due products, batches of {args.batch} (claim_due)",
                f"{total:.2f} s ({args.products / total:,.0f}/s); batch median {ms(median(claim_batches))} ms, "
                f"p95 {ms(percentile(claim_batches, 95))} ms",
                f"SQL batches {sql_total:.2f} s; one UPDATE {one_total:.2f} s",
                "—",
                f"{total / floor:.1f}× the SQL batches",
            ]
        )
        result.verdicts.append(
            f"(no target in the issues) {args.products:,} claimed in {total:.2f} s, {total / floor:.1f}× the SQL "
            f"floor; slowest batch {ms(max(claim_batches))} ms of a {tick_seconds:.0f} s tick"
        )
    result.seconds = time.monotonic() - started
    return result


def main(argv=None) -> int:
    return run_alone(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
