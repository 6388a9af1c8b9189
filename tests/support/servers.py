"""Real HTTP servers on 127.0.0.1 for the tests: a scriptable shop, and a canary that records connections."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def _dispatch(self):
        shop: LocalShop = self.server.shop  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        with shop.lock:
            shop.hits.append((self.command, self.path, dict(self.headers.items())))
        route = shop.routes.get(path)
        if route is None:
            self.reply(404, b"<html><title>Not found</title><body>No such page</body></html>")
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    do_GET = _dispatch
    do_POST = _dispatch

    def reply(self, status: int, body: bytes | str, content_type: str = "text/html; charset=utf-8", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # tests reset connections on purpose; the failure is asserted where it matters


class LocalShop:
    """A ThreadingHTTPServer whose routes tests set: `shop.routes["/p"] = lambda h: h.reply(200, "...")`."""

    def __init__(self):
        self.routes: dict[str, Callable[[_Handler], None]] = {}
        self.hits: list[tuple[str, str, dict]] = []
        self.lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", 0), _Handler)
        self.server.shop = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def page(
        self, path: str, body: str | bytes, status: int = 200, content_type="text/html; charset=utf-8", headers=None
    ):
        self.routes[path] = lambda h: h.reply(status, body, content_type, headers)

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, p, _ in self.hits if p.split("?", 1)[0] == path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Canary:
    """Listens on 127.0.0.1 (and ::1 when available) and records every connection made to it."""

    def __init__(self):
        self.connections: list[str] = []
        self.socks = []
        self.port = None
        for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((address, self.port or 0))
            except OSError:
                continue
            sock.listen(16)
            self.port = sock.getsockname()[1]
            self.socks.append(sock)
            threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock):
        while True:
            try:
                conn, peer = sock.accept()
            except OSError:
                return
            self.connections.append(peer[0])
            conn.close()

    def close(self):
        for sock in self.socks:
            sock.close()
