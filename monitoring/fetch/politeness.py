"""Per-host politeness shared by every worker: at most one request per interval per host, and a whole
host paused when it answers 429/503 with Retry-After.

Kept in Redis when REDIS_URL is set (every worker on every machine sees the same schedule), in-process
otherwise (the embedded one-machine mode).
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)

# KEYS[1] = host key; ARGV = interval, max_wait, pause (seconds). Uses Redis's clock so that workers on
# machines with skewed clocks agree. Returns the wait as a string (Lua numbers become integers).
# With pause > 0 it only pushes the host's next slot to now + pause (Retry-After) and returns "0".
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local pause = tonumber(ARGV[3])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > 0 then
  local until_ = math.max(nxt, now + pause)
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil((until_ - now) * 1000) + 1000)
  return '0'
end
local start = math.max(now, nxt)
local wait = start - now
if wait > max_wait then
  return 'busy:' .. tostring(wait)
end
redis.call('SET', KEYS[1], tostring(start + interval), 'PX', math.ceil((start + interval - now) * 1000) + 1000)
return tostring(wait)
"""


class HostBusy(Exception):
    def __init__(self, wait: float):
        super().__init__(f"host busy for {wait:.1f}s")
        self.wait = wait


def host_key(host: str) -> str:
    """Politeness is per site, not per sub-domain: es.aliexpress.com and www.aliexpress.com are one shop."""
    host = host.lower().rstrip(".")
    labels = host.split(".")
    if len(labels) <= 2 or all(label.isdigit() for label in labels) or ":" in host:
        return host
    # co.uk, com.br, com.au ...: keep three labels
    if labels[-2] in {"co", "com", "net", "org", "gov", "ac", "edu"} and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


class LocalLimiter:
    def __init__(self, interval: float):
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, host: str, max_wait: float) -> float:
        key = host_key(host)
        with self._lock:
            now = time.time()
            start = max(now, self._next.get(key, 0.0))
            if start - now > max_wait:
                raise HostBusy(start - now)
            self._next[key] = start + self.interval
            return start - now

    def pause(self, host: str, seconds: float) -> None:
        key = host_key(host)
        with self._lock:
            self._next[key] = max(self._next.get(key, 0.0), time.time() + seconds)


class RedisLimiter:
    def __init__(self, interval: float, redis_url: str):
        import redis

        self.interval = interval
        self._client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        self._script = self._client.register_script(_RESERVE)
        self._fallback = LocalLimiter(interval)

    def _call(self, host: str, max_wait: float, pause: float) -> str | None:
        import redis

        try:
            result = self._script(keys=[f"dropwatch:host:{host_key(host)}"], args=[self.interval, max_wait, pause])
        except redis.RedisError as exc:
            # Redis down: keep going politely within this process rather than stop checking.
            log.warning("politeness limiter: Redis unavailable (%s); using the in-process limiter", exc)
            return None
        return result.decode() if isinstance(result, bytes) else str(result)

    def reserve(self, host: str, max_wait: float) -> float:
        result = self._call(host, max_wait, 0)
        if result is None:
            return self._fallback.reserve(host, max_wait)
        if result.startswith("busy:"):
            raise HostBusy(float(result[5:]))
        return float(result)

    def pause(self, host: str, seconds: float) -> None:
        if self._call(host, 0, seconds) is None:
            self._fallback.pause(host, seconds)


def make_limiter(interval: float, redis_url: str = ""):
    return RedisLimiter(interval, redis_url) if redis_url else LocalLimiter(interval)
