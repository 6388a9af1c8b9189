"""A fake Shopify Admin API on 127.0.0.1, answering in the documented REST shapes (`shop.json`,
`products.json` with variants and tags, `products/<id>/metafields.json`, the storefront's `meta.json`), with
cursor pagination in `Link` headers, a leaky call bucket reported in `X-Shopify-Shop-Api-Call-Limit` and
enforced with 429 + `Retry-After`, and 401 for a token it does not know. Tests change its catalogue between
syncs (`products`, `metafields`) and read what was asked (`requests`)."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.support.servers import _QuietServer

API_VERSION = "2026-01"
FAKE_TOKEN = "shpat_fake0123456789abcdef1234"
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def product(pid: int, title: str, variants: list[tuple[int, str, str, str]], *, tags: str = "") -> dict:
    """A product as products.json lists it; variants are (id, title, sku, price)."""
    return {
        "id": pid,
        "title": title,
        "body_html": f"<p>{title}</p>",
        "vendor": "Fake vendor",
        "product_type": "",
        "handle": re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
        "status": "active",
        "tags": tags,
        "variants": [
            {
                "id": vid,
                "product_id": pid,
                "title": vtitle,
                "price": price,
                "sku": sku,
                "position": i + 1,
                "compare_at_price": None,
                "inventory_quantity": 5,
                "option1": vtitle,
            }
            for i, (vid, vtitle, sku, price) in enumerate(variants)
        ],
        "options": [{"name": "Title"}],
        "images": [],
    }


def metafield(pid: int, namespace: str, key: str, value: str) -> dict:
    return {
        "id": pid * 10 + 1,
        "namespace": namespace,
        "key": key,
        "value": value,
        "type": "single_line_text_field",
        "owner_id": pid,
        "owner_resource": "product",
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _any(self):
        fake: FakeShopify = self.server.fake  # type: ignore[attr-defined]
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            fake.handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = _any

    def reply(self, status: int, body, headers=None):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class FakeShopify:
    def __init__(self, *, token: str = FAKE_TOKEN, page_size: int = 2, bucket: int = 40):
        self.token = token
        self.page_size = page_size  # Shopify pages by `limit` (we ask 250); the fake pages small to test it
        self.bucket_size = bucket
        self.leak_per_second = 2.0
        self.shop = {"id": 1, "name": "Fake Store", "currency": "EUR", "domain": "fake.example"}
        self.products: list[dict] = []
        self.metafields: dict[int, list[dict]] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.scopes = {"read_products"}  # what the merchant granted the custom app
        self.down = False  # answer 503 as Shopify does in an outage
        self.redirect_to = ""  # when set, every Admin API call is answered 301 to this address
        self.throttle_next: list[str] = []  # paths (no query) answered 429 once with Retry-After 1.0
        self.retry_after_ignored = 0  # requests that came back before the Retry-After they were given
        self.over_bucket = 0  # requests that found the bucket full
        self._used = 0.0
        self._last = time.monotonic()
        self._retry_until = 0.0
        self.lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", 0), _Handler)
        self.server.fake = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        self.domain = f"127.0.0.1:{self.port}"
        self.shop["myshopify_domain"] = self.domain
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self, suffix: str) -> int:
        return sum(1 for _m, p, _h in self.requests if urlsplit(p).path.endswith(suffix))

    # --- the bucket: 1 call in, `leak_per_second` out ---
    def _take_call(self) -> tuple[bool, str]:
        now = time.monotonic()
        self._used = max(0.0, self._used - (now - self._last) * self.leak_per_second)
        self._last = now
        if self._used + 1 > self.bucket_size:
            return False, f"{self.bucket_size}/{self.bucket_size}"
        self._used += 1
        return True, f"{round(self._used)}/{self.bucket_size}"

    def handle(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        with self.lock:
            self.requests.append((h.command, h.path, dict(h.headers.items())))
            if parts.path == "/meta.json":  # the storefront's public description
                h.reply(200, {"id": 1, "name": self.shop["name"], "myshopify_domain": self.shop["myshopify_domain"]})
                return
            prefix = f"/admin/api/{API_VERSION}/"
            if not parts.path.startswith(prefix):
                h.reply(404, {"errors": "Not Found"})
                return
            if self.redirect_to:
                h.reply(301, {}, {"Location": self.redirect_to})
                return
            if h.headers.get("X-Shopify-Access-Token") != self.token:
                h.reply(401, INVALID_TOKEN)
                return
            now = time.monotonic()
            if now < self._retry_until:
                self.retry_after_ignored += 1
                h.reply(
                    429,
                    {
                        "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
                    },
                    {"Retry-After": "1.0"},
                )
                return
            if parts.path in self.throttle_next:
                self.throttle_next.remove(parts.path)
                self._retry_until = now + 1.0
                h.reply(
                    429,
                    {
                        "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
                    },
                    {"Retry-After": "1.0"},
                )
                return
            ok, level = self._take_call()
            if not ok:
                self.over_bucket += 1
                self._retry_until = now + 1.0
                h.reply(429, {"errors": "Exceeded 2 calls per second for api client."}, {"Retry-After": "1.0"})
                return
            headers = {"X-Shopify-Shop-Api-Call-Limit": level}
            if h.command != "GET":
                h.reply(405, {"errors": "read-only fake"}, headers)
                return
            rest = parts.path[len(prefix) :]
            if self.down:
                h.reply(503, {"errors": "Service Unavailable"}, headers)
                return
            if rest.startswith("products") and "read_products" not in self.scopes:
                h.reply(
                    403, {"errors": "[API] This action requires merchant approval for read_products scope."}, headers
                )
                return
            if rest == "shop.json":
                h.reply(200, {"shop": self.shop}, headers)
            elif rest == "products.json":
                self._products(h, parse_qs(parts.query), headers, prefix)
            elif m := re.fullmatch(r"products/(\d+)/metafields\.json", rest):
                h.reply(200, {"metafields": self.metafields.get(int(m.group(1)), [])}, headers)
            else:
                h.reply(404, {"errors": "Not Found"}, headers)

    def _products(self, h, query, headers, prefix):
        offset = 0
        if "page_info" in query:
            try:
                offset = int(base64.urlsafe_b64decode(query["page_info"][0]).decode().split(":")[1])
            except (ValueError, IndexError):
                h.reply(400, {"errors": {"page_info": "Invalid value."}}, headers)
                return
        size = min(self.page_size, int(query.get("limit", ["50"])[0]))
        page = self.products[offset : offset + size]
        links = []
        base = f"http://{self.domain}{prefix}products.json?limit={query.get('limit', ['50'])[0]}&page_info="
        if offset > 0:
            cursor = base64.urlsafe_b64encode(f"o:{max(0, offset - size)}".encode()).decode()
            links.append(f'<{base}{cursor}>; rel="previous"')
        if offset + size < len(self.products):
            cursor = base64.urlsafe_b64encode(f"o:{offset + size}".encode()).decode()
            links.append(f'<{base}{cursor}>; rel="next"')
        if links:
            headers = {**headers, "Link": ", ".join(links)}
        h.reply(200, {"products": page}, headers)
