"""Adapter parse time per saved real page, against the floor of merely decoding the same document.

Every file under ../shared/fixtures/*/* goes through `monitoring.sources.observe.observe_document` (block-page
check + the platform's adapter, exactly as a fetched page) RUNS times. The floor is `json.loads` for JSON
documents and `lxml.html.fromstring` for HTML/JS ones: what any parser must pay to read the bytes, so the
difference is the adapter's own work. Target (issues): median ≤ 50 ms, p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import gc
import json
import time

from .common import Result, fixture_files, median, ms, percentile, run_alone, setup_django, verdict

TARGET_MEDIAN = 0.050
TARGET_P95 = 0.150
DEFAULT_RUNS = 50

# The URL each saved page would have been fetched from (the adapters read ids and page kinds from it).
URLS = {
    "aliexpress/store_page_2024_4682001.html": "https://www.aliexpress.com/store/4682001",
    "shopify/products_json_tokyopop_excerpt.json": "https://tokyopop.com/products/9781427860828_dramacon-volume-2",
    "structured/ikea_djungelskog_out_of_stock.html": "https://www.ikea.com/gb/en/p/djungelskog-soft-toy-brown-bear-80402832/",
    "structured/shopify_mediamarkt_panasonic_microwave.html": "https://www.mediamarkt.es/es/product/_microondas-panasonic-nn-k35hwmebg-1487341.html",
}
EXPECTED_STATUS = {"aliexpress/item_2025_not_found_de_1005008204179129.html": "not_found"}


def url_for(relative: str) -> str:
    if relative in URLS:
        return URLS[relative]
    platform, name = relative.split("/", 1)
    if platform == "aliexpress":
        item_id = name.rsplit("_", 1)[-1].split(".")[0]
        return f"https://www.aliexpress.com/item/{item_id}.html"
    return f"https://shop.example.com/{name}"


def floor_of(text: str):
    """(kind, fn): the cheapest full decode of this document."""
    import lxml.html

    try:
        json.loads(text)
    except ValueError:
        return "lxml", lxml.html.fromstring
    return "json", json.loads


def timed(fn, runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    gc.collect()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def run(argv=None) -> Result:
    parser = argparse.ArgumentParser(prog="python -m bench.parse")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"runs per page (≥30; {DEFAULT_RUNS})")
    args = parser.parse_args(argv)
    runs = max(30, args.runs)
    started = time.monotonic()
    result = Result(
        "parse",
        f"Adapter parse time per saved page ({runs} runs each; floor = json.loads / lxml.html.fromstring)",
    )
    files = fixture_files()
    setup_django()
    from monitoring.sources.observe import observe_document

    result.headers = [
        "page",
        "adapter",
        "KiB",
        "status",
        "median ms",
        "p95 ms",
        "floor",
        "floor med ms",
        "overhead ms",
        "× floor",
    ]
    pooled: list[float] = []
    pooled_floor: list[float] = []
    wrong = []
    worst = ("", 0.0)
    for path in files:
        relative = f"{path.parent.name}/{path.name}"
        text = path.read_text(encoding="utf-8")  # read in place
        url, platform = url_for(relative), path.parent.name
        obs = observe_document(text, url=url, platform=platform)
        expected = EXPECTED_STATUS.get(relative, "ok")
        if obs.status != expected:
            wrong.append(f"{relative}: {obs.status} (expected {expected}): {obs.message[:100]}")
        samples = timed(
            lambda text=text, url=url, platform=platform: observe_document(text, url=url, platform=platform), runs
        )
        kind, decode = floor_of(text)
        floor = timed(lambda text=text, decode=decode: decode(text), runs)
        pooled += samples
        pooled_floor += floor
        p95 = percentile(samples, 95)
        worst = max(worst, (relative, p95), key=lambda w: w[1])
        result.rows.append(
            [
                path.name if len(path.name) <= 48 else path.name[:45] + "…",
                platform,
                f"{len(text.encode()) / 1024:.0f}",
                str(obs.status),
                ms(median(samples)),
                ms(p95),
                kind,
                ms(median(floor)),
                f"{(median(samples) - median(floor)) * 1000:+.2f}",
                f"{median(samples) / median(floor):.1f}",
            ]
        )
    overall_median, overall_p95 = median(pooled), percentile(pooled, 95)
    result.rows.append(
        [
            f"ALL {len(files)} pages",
            "",
            "",
            "",
            ms(overall_median),
            ms(overall_p95),
            "",
            ms(median(pooled_floor)),
            f"{(overall_median - median(pooled_floor)) * 1000:+.2f}",
            f"{overall_median / median(pooled_floor):.1f}",
        ]
    )
    result.verdicts.append(
        verdict(overall_median <= TARGET_MEDIAN, f"median {ms(overall_median)} ms ≤ {TARGET_MEDIAN * 1000:.0f} ms")
    )
    result.verdicts.append(verdict(overall_p95 <= TARGET_P95, f"p95 {ms(overall_p95)} ms ≤ {TARGET_P95 * 1000:.0f} ms"))
    result.verdicts.append(
        verdict(worst[1] <= TARGET_P95, f"slowest page p95 {ms(worst[1])} ms ({worst[0]}) ≤ {TARGET_P95 * 1000:.0f} ms")
    )
    passed = overall_median <= TARGET_MEDIAN and overall_p95 <= TARGET_P95 and worst[1] <= TARGET_P95
    result.summary.append(
        [
            f"parse: {len(files)} saved pages × {runs} runs (observe_document)",
            f"median {ms(overall_median)} ms, p95 {ms(overall_p95)} ms; slowest page p95 {ms(worst[1])} ms",
            f"decode only (json.loads / lxml): median {ms(median(pooled_floor))} ms, "
            f"p95 {ms(percentile(pooled_floor, 95))} ms",
            f"median ≤ {TARGET_MEDIAN * 1000:.0f} ms, p95 ≤ {TARGET_P95 * 1000:.0f} ms",
            "PASS" if passed else "FAIL",
        ]
    )
    for line in wrong:
        result.verdicts.append(f"WARN  unexpected result for {line}")
    result.seconds = time.monotonic() - started
    return result


def main(argv=None) -> int:
    return run_alone(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
