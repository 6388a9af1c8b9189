"""Fetch + parse through the real Fetcher, against bare httpx + the same parse, on a local shop.

The shop runs in its own process (bench.shop) and serves saved real pages in place (the IKEA page, the
2023 "components" AliExpress page) and one generated JSON-LD product page. For each page, requests are
made one at a time, the three clients interleaved request by request so that drift hits them equally:

- Fetcher: `monitoring.fetch.Fetcher` (SSRF vetting, pinned connection, deadline watchdog, capped body
  read, block-page check), allowed_hosts=["127.0.0.1"], LocalLimiter(0) so politeness never waits;
- httpx.Client: one client, keep-alive off like the Fetcher (a new connection per request);
- httpx.get: the module function (a new client, hence a new SSL context, per call);

each followed by the same `observe_page(adapter, page, url)`. The ratio is the Fetcher's rate over the
bare client's.
"""

from __future__ import annotations

import argparse
import gc
import time

from .common import Result, ShopProcess, Skip, fixture, median, ms, percentile, run_alone, setup_django

PAGES = [
    # (label, path on the local shop, platform, requests per client)
    ("generated product (60 KiB)", "/product/1", "structured", 300),
    (
        "AliExpress 2023 components (186 KiB)",
        "/fixture/aliexpress/runparams_2023_components_1005005424987520.js",
        "aliexpress",
        200,
    ),
    ("IKEA structured (785 KiB)", "/fixture/structured/ikea_djungelskog_out_of_stock.html", "structured", 100),
]


def clients():
    import httpx

    from monitoring.fetch import Fetcher
    from monitoring.fetch.politeness import LocalLimiter
    from monitoring.sources.base import Page

    fetcher = Fetcher(allowed_hosts=["127.0.0.1"], limiter=LocalLimiter(0))
    client = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))

    def as_page(response) -> Page:
        return Page(
            url=str(response.url),
            text=response.text,
            status_code=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
        )

    return {
        "Fetcher": fetcher.get,
        "httpx.Client": lambda url: as_page(client.get(url)),
        "httpx.get": lambda url: as_page(httpx.get(url)),
    }


def run(argv=None) -> Result:
    parser = argparse.ArgumentParser(prog="python -m bench.fetch")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of requests")
    args = parser.parse_args(argv)
    started = time.monotonic()
    pages, missing = [], []
    for page in PAGES:
        try:
            if page[1].startswith("/fixture/"):
                fixture(page[1].removeprefix("/fixture/"))
        except Skip as exc:
            missing.append(str(exc))
            continue
        pages.append(page)
    setup_django()
    from monitoring.sources.base import observe_page
    from monitoring.sources.registry import adapter_for

    result = Result("fetch", "Fetch + parse on a local shop: real Fetcher vs bare httpx (sequential, one client)")
    result.headers = [
        "page",
        "client",
        "n",
        "req/s",
        "median ms",
        "p95 ms",
        "rate vs httpx.Client",
        "rate vs httpx.get",
    ]
    makers = clients()
    with ShopProcess() as shop:
        for label, path, platform, n in pages:
            n = max(30, int(n * args.scale))
            url = shop.url(path)
            adapter = adapter_for(platform)
            samples: dict[str, list[float]] = {name: [] for name in makers}
            statuses: dict[str, set] = {name: set() for name in makers}

            def once(name, url=url, adapter=adapter, samples=samples, statuses=statuses):
                start = time.perf_counter()
                obs = observe_page(adapter, makers[name](url), url)
                samples[name].append(time.perf_counter() - start)
                statuses[name].add(str(obs.status))

            for name in makers:  # warm-up: imports, first connections
                for _ in range(3):
                    once(name)
                samples[name].clear()
            gc.collect()
            order = list(makers)
            for i in range(n):
                for name in order if i % 2 == 0 else reversed(order):
                    once(name)
            rate = {name: len(s) / sum(s) for name, s in samples.items()}
            for name, s in samples.items():
                result.rows.append(
                    [
                        label if name == "Fetcher" else "",
                        name,
                        str(len(s)),
                        f"{rate[name]:.0f}",
                        ms(median(s)),
                        ms(percentile(s, 95)),
                        f"{rate[name] / rate['httpx.Client']:.2f}" if name == "Fetcher" else "",
                        f"{rate[name] / rate['httpx.get']:.2f}" if name == "Fetcher" else "",
                    ]
                )
            bad = {name: st for name, st in statuses.items() if st != {"ok"}}
            if bad:
                result.verdicts.append(f"WARN  {label}: observations were {bad}, expected ok")
            overhead = median(samples["Fetcher"]) - median(samples["httpx.Client"])
            result.summary.append(
                [
                    f"fetch+parse: {label}",
                    f"Fetcher {rate['Fetcher']:.0f} req/s, median {ms(median(samples['Fetcher']))} ms",
                    f"httpx.Client {rate['httpx.Client']:.0f} req/s, {ms(median(samples['httpx.Client']))} ms "
                    f"(httpx.get {rate['httpx.get']:.0f} req/s)",
                    "—",
                    f"{rate['Fetcher'] / rate['httpx.Client']:.2f}× bare rate",
                ]
            )
            result.notes.append(
                f"{label}: Fetcher costs {overhead * 1000:+.2f} ms per request over a bare httpx.Client "
                f"({rate['Fetcher'] / rate['httpx.Client']:.0%} of its rate)"
            )
    result.verdicts += [f"skipped: {m}" for m in missing]
    result.verdicts.append("(no target: the figures show what the Fetcher's guarantees cost per request)")
    result.seconds = time.monotonic() - started
    return result


def main(argv=None) -> int:
    return run_alone(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
