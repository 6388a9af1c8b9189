"""The bench's local shop: `python -m bench.shop` prints "port N" and serves until terminated.

- /fixture/<dir>/<file>: a saved page, read in place from ../shared/fixtures (never copied);
- /product/<n>: a product page generated here from our own data (schema.org JSON-LD + OpenGraph, with
  three reviews and enough ordinary page furniture to weigh about --product-bytes); the same bytes every time;
- /etag/<n>: the same page with an ETag and a Last-Modified, answering 304 to a matching If-None-Match;
- /changing/<n>: the same page whose price moves by a few cents on every fetch (never 10%: no finding opens).
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
from pathlib import Path

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".js": "text/html; charset=utf-8",  # the saved runParams script bodies stand for item pages
}

_WORDS = [
    *("durable", "lightweight", "portable", "stainless", "waterproof", "ergonomic", "adjustable", "premium"),
    *("compact", "wireless", "rechargeable", "outdoor", "kitchen", "travel", "office", "gift", "classic"),
    *("modern", "vintage", "soft", "strong", "quick", "easy", "clean", "smart", "mini", "pro", "set"),
]
_REVIEWS = (
    (5, "Arrived quickly and works exactly as described. Would buy again."),
    (4, "Good value for the price, the colour is slightly darker than the photos."),
    (2, "Took five weeks to arrive and the box was damaged, item scratched."),
)


def product_data(n: int) -> dict:
    """The facts of product n: stable across requests, so repeated checks see no change."""
    rng = random.Random(n)
    name = " ".join(rng.choice(_WORDS).capitalize() for _ in range(5)) + f" Model {n}"
    return {
        "name": name,
        "sku": f"BENCH-{n:05d}",
        "price": f"{rng.randint(300, 9000) / 100:.2f}",
        "rating": f"{rng.randint(38, 50) / 10:.1f}",
        "reviews": rng.randint(3, 4000),
        "in_stock": n % 17 != 0,
    }


def product_page(n: int, target_bytes: int = 60_000, *, version: int = 0) -> str:
    d = product_data(n)
    if version:  # a changing page: the price moves by 1-6 cents, round after round
        d["price"] = f"{float(d['price']) + (version % 6 + 1) / 100:.2f}"
    availability = "https://schema.org/" + ("InStock" if d["in_stock"] else "OutOfStock")
    ld = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": d["name"],
        "sku": d["sku"],
        "image": [f"/img/{n}-{i}.jpg" for i in range(4)],
        "description": f"{d['name']}: {' '.join(_WORDS[:20])}.",
        "brand": {"@type": "Brand", "name": "Benchmark Goods"},
        "offers": {
            "@type": "Offer",
            "url": f"/product/{n}",
            "price": d["price"],
            "priceCurrency": "USD",
            "availability": availability,
            "itemCondition": "https://schema.org/NewCondition",
        },
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": d["rating"], "reviewCount": d["reviews"]},
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
    title = html.escape(d["name"])
    head = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title} | Bench Shop</title>"
        f"<meta property='og:type' content='product'><meta property='og:title' content='{title}'>"
        f"<meta property='product:price:amount' content='{d['price']}'>"
        "<meta property='product:price:currency' content='USD'>"
        f"<link rel='canonical' href='/product/{n}'>"
        "<style>" + "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px}}" for i in range(120)) + "</style>"
        f"<script type='application/ld+json'>{json.dumps(ld)}</script></head><body>"
    )
    nav = "<nav><ul>" + "".join(f"<li><a href='/c/{i}'>Category {i}</a></li>" for i in range(60)) + "</ul></nav>"
    main = (
        f"<main><h1>{title}</h1><div class='price'>${d['price']}</div>"
        f"<div class='stock'>{'In stock' if d['in_stock'] else 'Sold out'}</div>"
        "<button>Add to cart</button>"
    )
    rng = random.Random(n * 7919)
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
                f"<div class='card'><a href='/product/{rng.randint(1, 10**6)}'><img src='/img/r{i}.jpg' alt=''>"
                f"<span>{' '.join(rng.choice(_WORDS) for _ in range(6))}</span></a></div>"
            )
        parts.append(chunk)
        size += len(chunk)
        i += 1
    parts.append("</main><footer>© Bench Shop</footer></body></html>")
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--product-bytes", type=int, default=60_000)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.support.servers import LocalShop

    shop = LocalShop()
    shop.hits = _Discard()  # the bench makes thousands of requests: keep no log of them
    products: dict[int, bytes] = {}
    lock = threading.Lock()

    fetches: dict[int, int] = {}

    def product_route(handler):
        kind, number = handler.path.split("?", 1)[0].strip("/").split("/")
        n = int(number)
        if kind == "changing":
            with lock:
                fetches[n] = fetches.get(n, 0) + 1
                version = fetches[n]
            handler.reply(200, product_page(n, args.product_bytes, version=version).encode())
            return
        with lock:
            body = products.get(n)
            if body is None:
                body = products[n] = product_page(n, args.product_bytes).encode()
        if kind != "etag":
            handler.reply(200, body)
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        validators = {"ETag": etag, "Last-Modified": "Mon, 30 Nov 2026 12:00:00 GMT"}
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            for name, value in validators.items():
                handler.send_header(name, value)
            handler.end_headers()
            return
        handler.reply(200, body, headers=validators)

    class Routes(dict):
        def get(self, path, default=None):
            kind, _, number = path.strip("/").partition("/")
            if kind in ("product", "etag", "changing") and number.isdigit():
                return product_route
            if path.startswith("/fixture/"):
                file = (args.fixtures / path.removeprefix("/fixture/")).resolve()
                if file.is_file() and args.fixtures.resolve() in file.parents:
                    body = _fixture_body(file)
                    content_type = CONTENT_TYPES.get(file.suffix, "text/html; charset=utf-8")
                    return lambda h: h.reply(200, body, content_type)
            return default

    shop.routes = Routes()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"port {shop.port}", flush=True)
    stop.wait()
    shop.close()


_bodies: dict[Path, bytes] = {}


def _fixture_body(path: Path) -> bytes:
    if path not in _bodies:
        _bodies[path] = path.read_bytes()  # kept in this process's memory only
    return _bodies[path]


class _Discard(list):
    def append(self, _item):
        pass


if __name__ == "__main__":
    main()
