"""The demo shop: a tiny WSGI app serving demo.pages from the scenario's state at the current demo minute.

Routes (all on one local port):
  /item/<aliexpress id>.html           AliExpress item page        /pc/searchEvaluation.do   reviews JSON
  /store/<store id>                    AliExpress store page
  /products/<handle>(.js|.json)        Shopify product             /home/<handle>            JSON-LD product page
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from . import pages
from .scenario import PRODUCTS, SUPPLIERS, DemoProduct, product_id, state

_ITEM = re.compile(r"^/item/(\d+)\.html$")
_STORE = re.compile(r"^/store/(\d+)/?$")
_SHOPIFY = re.compile(r"^/products/([a-z0-9-]+?)(\.js|\.json)?$")
_HOME = re.compile(r"^/home/([a-z0-9-]+)$")


VERIFY_PATH = "/captcha/verify"
VERIFIED_COOKIE = "demo_verified"
VERIFIED_COOKIE_HEADER = f"{VERIFIED_COOKIE}=1; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"


def _verified(environ) -> bool:
    cookie = SimpleCookie()
    try:
        cookie.load(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return False
    return VERIFIED_COOKIE in cookie and cookie[VERIFIED_COOKIE].value == "1"


def _local_path(query: dict) -> str:
    """Where the verify link goes back to: a path on this shop only (never another site)."""
    target = (query.get("next") or ["/"])[0]
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


class Clock:
    """Demo minutes since the start recorded by seed_demo (DATA_DIR/demo-start), `minute_seconds` a minute."""

    def __init__(self, start_file: Path, minute_seconds: float = 60.0):
        self.start_file = start_file
        self.minute_seconds = minute_seconds

    def start(self) -> float:
        try:
            return float(self.start_file.read_text().strip())
        except (OSError, ValueError):
            return time.time()

    def minute(self) -> float:
        return (time.time() - self.start()) / self.minute_seconds


class DemoShop:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.by_item = {product_id(p): p for p in PRODUCTS}
        self.by_handle = {p.key: p for p in PRODUCTS}
        self.stores = {s.store_id: s.key for s in SUPPLIERS if s.store_id}

    def __call__(self, environ, start_response):
        path, query = environ.get("PATH_INFO", "/"), parse_qs(environ.get("QUERY_STRING", ""))
        if path == VERIFY_PATH:  # the captcha's "I am not a robot": a cookie, and back to the page
            start_response("302 Found", [("Location", _local_path(query)), ("Set-Cookie", VERIFIED_COOKIE_HEADER)])
            return [b""]
        status, content_type, body = self.route(path, query, human=_verified(environ))
        start_response(
            status, [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
        )
        return [body]

    def route(self, path: str, query: dict, human: bool = False) -> tuple[str, str, bytes]:
        """`human`: the visitor passed the captcha (a browser with the shop's cookie): the blocked product's
        real page, as a real shop that blocks data-centre servers still serves signed-in shoppers."""
        minute = self.clock.minute()
        html, js = "text/html; charset=utf-8", "application/json; charset=utf-8"
        if match := _ITEM.match(path):
            product = self.by_item.get(match.group(1))
            if product is None or product.supplier not in {"glow", "trend", "peak"}:
                return _answer("404 Not Found", html, pages.NOT_FOUND_PAGE)
            return self._item(product, minute, lambda st: pages.aliexpress_item(product, st), html, human, path)
        if path == "/pc/searchEvaluation.do":
            product = self.by_item.get((query.get("productId") or [""])[0])
            if product is None:
                return _answer("200 OK", js, '{"data": {"evaViewList": [], "totalNum": 0}}')
            page = int((query.get("page") or ["1"])[0] or 1)
            size = min(50, int((query.get("pageSize") or ["20"])[0] or 20))
            today = datetime.now(UTC).date()
            return self._item(product, minute, lambda st: pages.aliexpress_feedback(product, st, today, page, size), js)
        if match := _STORE.match(path):
            key = self.stores.get(match.group(1))
            if key is None:
                return _answer("404 Not Found", html, pages.NOT_FOUND_PAGE)
            return _answer("200 OK", html, pages.aliexpress_store(key))
        if match := _SHOPIFY.match(path):
            product = self.by_handle.get(match.group(1))
            if product is None or product.supplier != "northwind":
                return _answer("404 Not Found", html, pages.NOT_FOUND_PAGE)
            suffix = match.group(2)
            if suffix == ".js":
                return self._item(product, minute, lambda st: pages.shopify_js(product, st), js)
            if suffix == ".json":
                return self._item(product, minute, lambda st: pages.shopify_json(product, st), js)
            return self._item(product, minute, lambda st: pages.jsonld_page(product, st, shopify=True), html)
        if match := _HOME.match(path):
            product = self.by_handle.get(match.group(1))
            if product is None or product.supplier != "casa":
                return _answer("404 Not Found", html, pages.NOT_FOUND_PAGE)
            return self._item(product, minute, lambda st: pages.jsonld_page(product, st), html)
        if path == "/ecb/eurofxref-daily.xml":
            return _answer("200 OK", "text/xml; charset=utf-8", pages.ecb_rates_xml(datetime.now(UTC).date()))
        if path == "/":
            return _answer("200 OK", html, "<html><body><h1>Dropwatch demo shop</h1></body></html>")
        return _answer("404 Not Found", html, pages.NOT_FOUND_PAGE)

    @staticmethod
    def _item(
        product: DemoProduct, minute: float, render, content_type: str, human=False, path=""
    ) -> tuple[str, str, bytes]:
        st = state(product, minute)
        if st.status == "blocked" and human:
            st.status = "ok"
        if st.status == "blocked":
            page = pages.BLOCK_PAGE
            if path:  # a captcha a person can pass (the demo's: one click)
                verify = f'<p><a id="verify" href="{VERIFY_PATH}?next={quote(path)}">I am not a robot</a></p></body>'
                page = page.replace("</body>", verify)
            return _answer("200 OK", "text/html; charset=utf-8", page)  # AliExpress blocks with 200
        if st.status == "gone":
            return _answer("404 Not Found", "text/html; charset=utf-8", pages.NOT_FOUND_PAGE)
        return _answer("200 OK", content_type, render(st))


def _answer(status: str, content_type: str, text: str) -> tuple[str, str, bytes]:
    return status, content_type, text.encode()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve(host: str, port: int, clock: Clock, quiet: bool = False):
    """A threaded server for the shop (returns it; call serve_forever())."""
    handler = _QuietHandler if quiet else WSGIRequestHandler
    return make_server(host, port, DemoShop(clock), server_class=ThreadingWSGIServer, handler_class=handler)
