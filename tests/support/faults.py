"""Fault injection helpers: a private Redis the tests may kill, and a TCP proxy that can cut connections."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from contextlib import contextmanager, suppress

from .smtp import free_port


class PrivateRedis:
    """A redis-server of our own on a free port: killing it does not disturb anything else."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def flushall(self):
        import redis

        redis.Redis.from_url(self.url).flushall()


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (what the web and the tick publish with) at another broker."""
    from config import celery_app

    def reset_pools():
        from kombu import pools

        celery_app.pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        pools.reset()

    old = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    reset_pools()
    try:
        yield celery_app
    finally:
        celery_app.conf.broker_url = old
        reset_pools()


class CuttableProxy:
    """A TCP proxy to `upstream`; `cut()` drops every connection and refuses new ones until `restore()`,
    as a database restart looks from the clients' side."""

    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.open = False
        with self.lock:
            for a, b in self.pairs:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                        s.close()
                    except OSError:
                        pass
            self.pairs.clear()

    def restore(self):
        self.open = True

    def close(self):
        self.cut()
        self.listener.close()
