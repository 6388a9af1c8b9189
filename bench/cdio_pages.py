"""The pages of the changedetection.io comparison (bench/cdio.py), and the server that serves them.

`python -m bench.cdio_pages [--bytes N]` prints "port N" and serves until terminated:

- /changing/<n>: product n, ~150 KB, three JSON-LD blocks (Organization, BreadcrumbList, Product); its price
  changes on EVERY fetch (the k-th fetch of a path serves `changing_price(n, k)`), never a validator;
- /static/<n>: product n with the same bytes on every fetch, an ETag and a Last-Modified; a request carrying
  either validator gets 304 Not Modified;
- /_bench/served: JSON {path: {"fetches", "not_modified", "price", "in_stock", "at"}}: what each path served last,
  which the correctness check compares with what each system stored.

Any prefix before /changing/ or /static/ (e.g. /pg/changing/3) is a separate page with its own fetch count,
so two systems sharing one server never move each other's prices. The page generator is pure and
deterministic (tests/bench/test_cdio_harness.py): the same (n, fetch) gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import signal
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE_BYTES = 150_000
_PRICE = "@@PRICE@@"  # placeholder: a page is built once per product, its price spliced in per fetch
LAST_MODIFIED = 1_767_225_600  # 2026-01-01T00:00:00Z: every static page's Last-Modified

_WORDS = (
    *("durable", "lightweight", "portable", "stainless", "waterproof", "ergonomic", "adjustable", "premium"),
    *("compact", "wireless", "rechargeable", "outdoor", "kitchen", "travel", "office", "gift", "classic"),
    *("modern", "vintage", "soft", "strong", "quick", "easy", "clean", "smart", "mini", "pro", "set"),
)
_REVIEWS = (
    (5, "Arrived quickly and works exactly as described. Would buy again."),
    (4, "Good value for the price, the colour is slightly darker than the photos."),
    (2, "Took five weeks to arrive and the box was damaged, item scratched."),
)


def base_cents(n: int) -> int:
    return 1_000 + (n * 7_919) % 8_000


def changing_price(n: int, fetch: int) -> str:
    """The price product n shows on its `fetch`-th fetch (1-based): it differs from the previous fetch's
    every time (3 cents apart, cycling over 50 steps)."""
    return f"{(base_cents(n) + 3 * (fetch % 50)) / 100:.2f}"


def static_price(n: int) -> str:
    return f"{base_cents(n) / 100:.2f}"


def in_stock(n: int) -> bool:
    return n % 17 != 0  # a few sold out, so both systems read availability too


def page_template(n: int, target_bytes: int = PAGE_BYTES) -> list[str]:
    """Product n's page split at its price: `price.join(parts)` is the page."""
    rng = random.Random(n)
    name = " ".join(rng.choice(_WORDS).capitalize() for _ in range(5)) + f" Model {n}"
    availability = "https://schema.org/" + ("InStock" if in_stock(n) else "OutOfStock")
    organization = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "Bench Shop",
        "url": "/",
        "logo": "/logo.png",
        "sameAs": [f"/social/{i}" for i in range(4)],
    }
    breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i + 1, "name": label, "item": f"/c/{i}"}
            for i, label in enumerate(("Home", "Gadgets", name))
        ],
    }
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": name,
        "sku": f"CDIO-{n:05d}",
        "image": [f"/img/{n}-{i}.jpg" for i in range(4)],
        "description": f"{name}: {' '.join(_WORDS[:20])}.",
        "brand": {"@type": "Brand", "name": "Benchmark Goods"},
        "offers": {
            "@type": "Offer",
            "url": f"/product/{n}",
            "price": _PRICE,
            "priceCurrency": "USD",
            "availability": availability,
            "itemCondition": "https://schema.org/NewCondition",
        },
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": f"{rng.randint(38, 50) / 10:.1f}",
            "reviewCount": rng.randint(3, 4000),
        },
        "review": [
            {
                "@type": "Review",
                "author": {"@type": "Person", "name": f"Buyer {n}-{i}"},
                "datePublished": f"2025-0{i + 1}-1{i}",
                "reviewBody": text,
                "reviewRating": {"@type": "Rating", "ratingValue": stars, "bestRating": 5},
            }
            for i, (stars, text) in enumerate(_REVIEWS)
        ],
    }
    title = html.escape(name)
    ld = "".join(
        f"<script type='application/ld+json'>{json.dumps(block)}</script>"
        for block in (organization, breadcrumbs, product)
    )
    head = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title} | Bench Shop</title>"
        "<style>" + "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px}}" for i in range(200)) + "</style>"
        f"{ld}</head><body>"
    )
    nav = "<nav><ul>" + "".join(f"<li><a href='/c/{i}'>Category {i}</a></li>" for i in range(80)) + "</ul></nav>"
    main = (
        f"<main><h1>{title}</h1><div class='price'>${_PRICE}</div>"
        f"<div class='stock'>{'In stock' if in_stock(n) else 'Sold out'}</div><button>Add to cart</button>"
    )
    parts = [head, nav, main]
    size = sum(map(len, parts))
    i = 0
    while size < target_bytes - 200:  # description, specs and "you may also like" cards
        if i % 3 == 0:
            chunk = "<p>" + " ".join(rng.choice(_WORDS) for _ in range(60)) + ".</p>"
        elif i % 3 == 1:
            chunk = f"<table class='specs'><tr><th>Spec {i}</th><td>{rng.randint(1, 999)} mm</td></tr></table>"
        else:
            chunk = (
                f"<div class='card'><a href='/p/{rng.randint(1, 10**6)}'><img src='/img/r{i}.jpg' alt=''>"
                f"<span>{' '.join(rng.choice(_WORDS) for _ in range(6))}</span></a></div>"
            )
        parts.append(chunk)
        size += len(chunk)
        i += 1
    parts.append("</main><footer>© Bench Shop</footer></body></html>")
    return "".join(parts).split(_PRICE)


def render(template: list[str], price: str) -> bytes:
    return price.join(template).encode()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def parse_path(path: str) -> tuple[str, int] | None:
    """('changing' | 'static', n) for a page path (any prefix allowed), None for anything else."""
    parts = path.split("?", 1)[0].rstrip("/").split("/")
    if len(parts) >= 3 and parts[-2] in ("changing", "static") and parts[-1].isdigit():
        return parts[-2], int(parts[-1])
    return None


class PageServer:
    """The pages above on 127.0.0.1 (port 0: any free one), served from threads of this process."""

    def __init__(self, *, port: int = 0, page_bytes: int = PAGE_BYTES):
        self.page_bytes = page_bytes
        self.lock = threading.Lock()
        self.templates: dict[int, list[str]] = {}
        self.static_bodies: dict[int, bytes] = {}
        self.served: dict[str, dict] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real shops answer

            def do_GET(self):
                server.handle(self)

            def log_message(self, *args):  # thousands of requests: no log lines
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def template(self, n: int) -> list[str]:
        with self.lock:
            if n not in self.templates:
                self.templates[n] = page_template(n, self.page_bytes)
            return self.templates[n]

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        if path == "/_bench/served":
            with self.lock:
                body = json.dumps(self.served).encode()
            return self.reply(h, 200, body, {"Content-Type": "application/json"})
        page = parse_path(path)
        if page is None:
            return self.reply(h, 404, b"not found", {"Content-Type": "text/plain"})
        kind, n = page
        template = self.template(n)
        headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}
        with self.lock:
            record = self.served.setdefault(path, {"fetches": 0, "not_modified": 0, "price": None})
            record["fetches"] += 1
            record["at"] = time.time()
            record["in_stock"] = in_stock(n)
            if kind == "changing":
                price = record["price"] = changing_price(n, record["fetches"])
            else:
                price = record["price"] = static_price(n)
        if kind == "changing":
            return self.reply(h, 200, render(template, price), headers)
        body = self.static_bodies.get(n)
        if body is None:
            body = self.static_bodies[n] = render(template, price)
        tag = etag(body)
        headers |= {"ETag": tag, "Last-Modified": formatdate(LAST_MODIFIED, usegmt=True)}
        if not_modified(h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since"), tag):
            with self.lock:
                record["not_modified"] += 1
            return self.reply(h, 304, b"", headers)
        return self.reply(h, 200, body, headers)

    @staticmethod
    def reply(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict) -> None:
        h.send_response(status)
        for key, value in headers.items():
            h.send_header(key, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if body:
            h.wfile.write(body)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def not_modified(if_none_match: str | None, if_modified_since: str | None, tag: str) -> bool:
    """RFC 9110: If-None-Match wins when present; otherwise If-Modified-Since at or after Last-Modified."""
    if if_none_match:
        return any(t.strip().removeprefix("W/") in (tag, "*") for t in if_none_match.split(","))
    if if_modified_since:
        try:
            return parsedate_to_datetime(if_modified_since).timestamp() >= LAST_MODIFIED
        except (TypeError, ValueError):
            return False
    return False


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cdio_pages")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bytes", type=int, default=PAGE_BYTES, help="size of each page")
    args = parser.parse_args()
    server = PageServer(port=args.port, page_bytes=args.bytes)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"port {server.port}", flush=True)
    stop.wait()
    server.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
