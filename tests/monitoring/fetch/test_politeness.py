"""Per-host politeness, shared by every worker through Redis (in-process without it)."""

import threading
import time

import pytest
from django.conf import settings

from monitoring.fetch.politeness import HostBusy, LocalLimiter, RedisLimiter, host_key


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("www.aliexpress.com", "aliexpress.com"),
        ("es.aliexpress.com", "aliexpress.com"),
        ("feedback.aliexpress.com", "aliexpress.com"),
        ("shop.example.co.uk", "example.co.uk"),
        ("loja.exemplo.com.br", "exemplo.com.br"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
    ],
)
def test_politeness_is_per_site(host, key):
    assert host_key(host) == key


def limiters():
    made = [("local", lambda interval: LocalLimiter(interval))]
    if settings.REDIS_URL:
        made.append(("redis", lambda interval: RedisLimiter(interval, settings.REDIS_URL)))
    return made


@pytest.mark.parametrize(("kind", "make"), limiters(), ids=[k for k, _ in limiters()])
def test_reservations_are_spaced_by_the_interval(kind, make):
    limiter = make(0.5)
    host = f"spacing-{kind}-{time.time()}.example"
    waits = [limiter.reserve(host, max_wait=10) for _ in range(4)]
    assert waits[0] == pytest.approx(0, abs=0.05)
    assert waits[1] == pytest.approx(0.5, abs=0.05)
    assert waits[3] == pytest.approx(1.5, abs=0.05)


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis")
def test_two_workers_share_one_schedule_through_redis():
    host = f"shared-{time.time()}.example"
    worker_a, worker_b = RedisLimiter(1.0, settings.REDIS_URL), RedisLimiter(1.0, settings.REDIS_URL)
    waits = []
    threads = [
        threading.Thread(target=lambda lim=lim: waits.append(lim.reserve(host, 10)))
        for lim in (worker_a, worker_b, worker_a, worker_b)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(round(w) for w in waits) == [0, 1, 2, 3]


@pytest.mark.parametrize(("kind", "make"), limiters(), ids=[k for k, _ in limiters()])
def test_a_pause_holds_the_whole_site_and_busy_is_reported(kind, make):
    limiter = make(0.0)
    limiter.pause(f"www.{kind}-pause.example", 30)
    with pytest.raises(HostBusy) as exc:
        limiter.reserve(f"es.{kind}-pause.example", max_wait=5)
    assert 25 < exc.value.wait <= 30


def test_redis_down_falls_back_to_local_politeness():
    limiter = RedisLimiter(0.5, "redis://127.0.0.1:1/0")
    assert limiter.reserve("down.example", 10) == 0
    assert limiter.reserve("down.example", 10) == pytest.approx(0.5, abs=0.05)
