"""The fetcher against real HTTP servers on 127.0.0.1: misbehaving shops, block pages and the SSRF guard."""

import gzip
import threading
import time
import zlib
from email.utils import formatdate

import pytest

from monitoring.fetch import Fetcher, FetchError
from monitoring.fetch.netguard import system_resolver
from monitoring.fetch.politeness import LocalLimiter
from monitoring.statuses import CheckStatus
from tests.support.servers import Canary, LocalShop


@pytest.fixture
def shop():
    s = LocalShop()
    yield s
    s.close()


@pytest.fixture
def canary():
    c = Canary()
    yield c
    c.close()


def make_fetcher(**kwargs) -> Fetcher:
    options = {"allowed_hosts": ["127.0.0.1"], "total_timeout": 10, "max_retries": 3, "limiter": LocalLimiter(0)}
    options.update(kwargs)
    return Fetcher(**options)


# --- ordinary pages --------------------------------------------------------------------------------


def test_it_fetches_a_page_with_its_status_and_headers(shop):
    shop.page("/p", "<html><title>Mug</title><body>Café €12</body></html>", headers={"X-Shop": "1"})
    page = make_fetcher().get(shop.url("/p"))
    assert page.status_code == 200
    assert "Café €12" in page.text
    assert page.headers["x-shop"] == "1"
    assert page.blocked_reason == ""


def test_a_404_is_a_page_not_an_error(shop):
    page = make_fetcher().get(shop.url("/gone"))
    assert page.status_code == 404


def test_it_decodes_gzip_and_the_declared_charset(shop):
    body = gzip.compress("<html><body>Łódź żółć</body></html>".encode("iso-8859-2"))
    shop.page("/gz", body, content_type="text/html; charset=iso-8859-2", headers={"Content-Encoding": "gzip"})
    assert "Łódź żółć" in make_fetcher().get(shop.url("/gz")).text


def test_cookies_are_sent_but_never_kept_between_fetches(shop):
    shop.routes["/set"] = lambda h: h.reply(200, "ok", headers={"Set-Cookie": "session=alice; Path=/"})
    fetcher = make_fetcher()
    fetcher.get(shop.url("/set"), cookies={"aep_usuc_f": "c_tp=USD&region=US"})
    fetcher.get(shop.url("/set"))
    first, second = (h[2] for h in shop.hits)
    assert first.get("Cookie") == "aep_usuc_f=c_tp=USD&region=US"
    assert "Cookie" not in second  # nothing from the first answer leaked into the next request


# --- misbehaving servers ---------------------------------------------------------------------------


def test_a_slow_drip_is_cut_at_the_total_deadline(shop):
    def drip(h):
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(200):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.3)

    shop.routes["/drip"] = drip
    started = time.monotonic()
    with pytest.raises(FetchError) as exc:
        make_fetcher(total_timeout=2, phase_timeout=1).get(shop.url("/drip"))
    elapsed = time.monotonic() - started
    assert exc.value.status == CheckStatus.ERROR
    assert "longer than 2 s" in exc.value.message
    assert elapsed < 3.5


def test_headers_trickled_slowly_are_cut_at_the_deadline_too(shop):
    def trickle_headers(h):
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100):
            h.wfile.write(b"X-Slow: 1\r\n")
            h.wfile.flush()
            time.sleep(0.3)

    shop.routes["/slow-headers"] = trickle_headers
    started = time.monotonic()
    with pytest.raises(FetchError):
        make_fetcher(total_timeout=2, phase_timeout=1, max_retries=0).get(shop.url("/slow-headers"))
    assert time.monotonic() - started < 3.5


def test_an_endless_body_stops_at_the_size_cap(shop):
    def endless(h):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b"y" * 65536
        while True:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    shop.routes["/endless"] = endless
    with pytest.raises(FetchError) as exc:
        make_fetcher(max_bytes=1024 * 1024).get(shop.url("/endless"))
    assert "larger than 1024 KiB" in exc.value.message


def test_a_declared_huge_body_is_not_read(shop):
    shop.routes["/huge"] = lambda h: (
        h.send_response(200),
        h.send_header("Content-Length", str(50 * 2**20)),
        h.end_headers(),
    )
    with pytest.raises(FetchError) as exc:
        make_fetcher(max_bytes=2**20).get(shop.url("/huge"))
    assert "larger than" in exc.value.message


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """About 1 MiB of gzip that unpacks to 1 GiB: 1024 gzip members of 1 MiB of zeros each."""
    member = gzip.compress(b"\0" * 2**20, compresslevel=9)
    return member * 1024


def test_a_gzip_bomb_stays_small(shop, gzip_bomb):
    assert len(gzip_bomb) < 2 * 2**20
    shop.page("/bomb", gzip_bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as exc:
        make_fetcher().get(shop.url("/bomb"))  # default cap: 10 MiB
    assert "unpacks to more than 10240 KiB" in exc.value.message


def test_a_deflate_bomb_stays_small(shop):
    bomb = zlib.compress(b"\0" * 200 * 2**20, 9)
    shop.page("/deflate", bomb, headers={"Content-Encoding": "deflate"})
    with pytest.raises(FetchError) as exc:
        make_fetcher(max_bytes=2**20).get(shop.url("/deflate"))
    assert "gzip bomb" in exc.value.message


def test_stacked_encodings_are_refused(shop):
    shop.page("/stacked", gzip.compress(gzip.compress(b"hello")), headers={"Content-Encoding": "gzip, gzip"})
    with pytest.raises(FetchError) as exc:
        make_fetcher().get(shop.url("/stacked"))
    assert "stacked" in exc.value.message


def test_a_redirect_loop_stops_after_five_hops(shop):
    shop.routes["/loop"] = lambda h: h.reply(302, "", headers={"Location": "/loop"})
    with pytest.raises(FetchError) as exc:
        make_fetcher(max_retries=0).get(shop.url("/loop"))
    assert "Too many redirects" in exc.value.message
    assert shop.count("/loop") == 6


def test_redirects_are_followed(shop):
    shop.routes["/old"] = lambda h: h.reply(301, "", headers={"Location": "/new"})
    shop.page("/new", "<title>new</title>")
    page = make_fetcher().get(shop.url("/old"))
    assert page.url.endswith("/new") and page.status_code == 200


def test_5xx_is_retried_with_backoff_then_succeeds(shop):
    calls = []

    def flaky(h):
        calls.append(time.monotonic())
        if len(calls) < 3:
            h.reply(503, "busy")
        else:
            h.reply(200, "<title>ok</title>")

    shop.routes["/flaky"] = flaky
    sleeps = []
    page = make_fetcher(sleep=lambda s: (sleeps.append(s), time.sleep(s))).get(shop.url("/flaky"))
    assert page.status_code == 200 and len(calls) == 3
    assert len(sleeps) == 2 and all(0 <= s <= 1.0 for s in sleeps)  # full jitter within the backoff window


def test_5xx_on_every_attempt_gives_the_last_answer(shop):
    shop.page("/down", "down", status=502)
    page = make_fetcher(max_retries=2, sleep=lambda s: None).get(shop.url("/down"))
    assert page.status_code == 502
    assert shop.count("/down") == 3


def test_a_reset_connection_is_retried(shop):
    calls = []

    def reset(h):
        calls.append(1)
        if len(calls) == 1:
            h.connection.shutdown(2)
            h.connection.close()
            h.close_connection = True
            return
        h.reply(200, "<title>ok</title>")

    shop.routes["/reset"] = reset
    page = make_fetcher(sleep=lambda s: None).get(shop.url("/reset"))
    assert page.status_code == 200 and len(calls) == 2


@pytest.mark.parametrize("header", ["seconds", "http-date"])
def test_429_retry_after_pauses_the_whole_host(shop, header):
    calls = []

    def limited(h):
        calls.append(time.monotonic())
        if len(calls) == 1:
            value = "2" if header == "seconds" else formatdate(time.time() + 2, usegmt=True)
            h.reply(429, "slow down", headers={"Retry-After": value})
        else:
            h.reply(200, "<title>ok</title>")

    shop.routes["/limited"] = limited
    shop.page("/other", "<title>other</title>")
    limiter = LocalLimiter(0)
    fetcher = make_fetcher(limiter=limiter)
    result = {}

    def other_worker():
        time.sleep(0.3)  # starts after the 429 arrived
        started = time.monotonic()
        fetcher.get(shop.url("/other"))
        result["waited"] = time.monotonic() - started

    t = threading.Thread(target=other_worker)
    t.start()
    page = fetcher.get(shop.url("/limited"))
    t.join()
    assert page.status_code == 200
    assert calls[1] - calls[0] >= 1.0  # HTTP-date has one-second resolution
    # another request to the same host waited for the pause too (an HTTP-date is rounded to the second)
    assert result["waited"] >= (1.5 if header == "seconds" else 0.5)


def test_a_long_retry_after_does_not_hold_the_worker(shop):
    shop.page("/later", "later", status=503, headers={"Retry-After": "3600"})
    started = time.monotonic()
    with pytest.raises(FetchError) as exc:
        make_fetcher().get(shop.url("/later"))
    assert "wait 3600 s" in exc.value.message
    assert time.monotonic() - started < 2


def test_politeness_spaces_requests_to_one_host(shop):
    shop.page("/a", "<title>a</title>")
    fetcher = make_fetcher(limiter=LocalLimiter(0.4))
    started = time.monotonic()
    for _ in range(3):
        fetcher.get(shop.url("/a"))
    assert time.monotonic() - started >= 0.8


# --- block pages -----------------------------------------------------------------------------------

PUNISH = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Captcha Interception</title></head><body>
<div id="nocaptcha"><div id="nc_1_wrapper"><span>Please slide to verify</span></div></div>
<script>var url = "https://www.aliexpress.com/item/_____tmd_____/punish?x5secdata=xyz&x5step=1";</script>
</body></html>"""

PUNISH_NO_TITLE = """<html><head><title></title></head><body><script>
window.location.href = "//www.aliexpress.com/wholesale/_____tmd_____/punish?x5secdata=abc";</script></body></html>"""

CLOUDFLARE = """<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
<div id="challenge-form"></div><script src="/cdn-cgi/challenge-platform/h/g/orchestrate/jsch/v1"></script></body></html>"""

NORMAL_WITH_CAPTCHA_SCRIPT = """<html><head><title>Blue mug</title>
<script src="https://g.alicdn.com/sd/baxia-entry/index.js"></script>
<script src="https://www.google.com/recaptcha/api.js"></script>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Blue mug",
"offers":{"@type":"Offer","price":"9.50","priceCurrency":"EUR"}}</script></head><body>Blue mug</body></html>"""


@pytest.mark.parametrize(
    ("body", "status", "headers", "reason"),
    [
        (PUNISH, 200, {}, "captcha"),
        (PUNISH_NO_TITLE, 200, {}, "punish"),
        (CLOUDFLARE, 403, {"cf-mitigated": "challenge"}, "Cloudflare"),
        (CLOUDFLARE, 503, {}, "Cloudflare"),
        (
            '{"api":"mtop.aliexpress.pdp.pc.query","ret":["FAIL_SYS_USER_VALIDATE::x"],"data":{"url":"/punish"}}',
            200,
            {},
            "FAIL_SYS_USER_VALIDATE",
        ),
    ],
)
def test_block_pages_are_flagged(shop, body, status, headers, reason):
    shop.page("/blocked", body, status=status, headers=headers)
    page = make_fetcher(max_retries=0).get(shop.url("/blocked"))
    assert reason in page.blocked_reason


def test_a_normal_page_that_loads_a_captcha_script_is_not_blocked(shop):
    shop.page("/normal", NORMAL_WITH_CAPTCHA_SCRIPT)
    assert make_fetcher().get(shop.url("/normal")).blocked_reason == ""


# --- SSRF guard --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f.1",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "127.0.1",
        "[::ffff:127.0.0.1]",
        "[::1]",
        "0.0.0.0",
        "0",
        "localhost",
        "[::ffff:7f00:1]",
        "[0:0:0:0:0:ffff:127.0.0.1]",
    ],
)
def test_loopback_in_every_spelling_is_refused_and_never_connected(canary, host):
    fetcher = make_fetcher(allowed_hosts=[], max_retries=0)
    with pytest.raises(FetchError) as exc:
        fetcher.get(f"http://{host}:{canary.port}/latest/meta-data")
    assert exc.value.status == CheckStatus.REFUSED
    assert "private or reserved" in exc.value.message or "does not resolve" in exc.value.message
    time.sleep(0.05)
    assert canary.connections == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://100.64.0.1/",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[ff02::1]/",
        "http://[::]/",
        "http://198.18.0.1/",
    ],
)
def test_private_reserved_and_metadata_ranges_are_refused(url):
    with pytest.raises(FetchError) as exc:
        make_fetcher(allowed_hosts=[]).get(url)
    assert exc.value.status == CheckStatus.REFUSED


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/file", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("gopher://127.0.0.1:70/", "Only http:// and https://"),
        ("http://user:secret@example.com/", "user name or password"),
    ],
)
def test_bad_schemes_and_credentials_are_refused(url, message):
    with pytest.raises(FetchError) as exc:
        make_fetcher(allowed_hosts=[]).get(url)
    assert exc.value.status == CheckStatus.REFUSED and message in exc.value.message


def fake_dns(table):
    calls = []

    def resolve(host, port):
        calls.append(host)
        if host not in table:
            return system_resolver(host, port)
        answer = table[host]
        return answer(len(calls)) if callable(answer) else answer

    resolve.calls = calls
    return resolve


def test_a_name_mixing_public_and_private_answers_is_refused(canary):
    dns = fake_dns({"mixed.example": ["93.184.216.34", "127.0.0.1"]})
    with pytest.raises(FetchError) as exc:
        make_fetcher(allowed_hosts=[], resolver=dns).get(f"http://mixed.example:{canary.port}/")
    assert exc.value.status == CheckStatus.REFUSED
    assert canary.connections == []


def test_dns_rebinding_cannot_swap_in_a_private_address(canary):
    # First answer public, every later one private: we must connect to the address we vetted, not ask again.
    dns = fake_dns({"rebind.example": lambda n: ["93.184.216.34"] if n == 1 else ["127.0.0.1"]})
    with pytest.raises(FetchError):
        make_fetcher(allowed_hosts=[], resolver=dns, phase_timeout=0.5, total_timeout=1.5, max_retries=0).get(
            f"http://rebind.example:{canary.port}/"
        )
    assert dns.calls == ["rebind.example"]  # resolved exactly once
    time.sleep(0.05)
    assert canary.connections == []


def test_a_public_host_redirecting_to_metadata_or_loopback_is_refused(shop, canary):
    # shop.example stands for a public shop (allow-listed here because it runs on this machine).
    dns = fake_dns({"shop.example": ["127.0.0.1"], "localhost": ["127.0.0.1"]})
    shop.routes["/to-metadata"] = lambda h: h.reply(302, "", headers={"Location": "http://169.254.169.254/latest/"})
    shop.routes["/to-canary"] = lambda h: h.reply(302, "", headers={"Location": f"http://0x7f.1:{canary.port}/admin"})
    fetcher = make_fetcher(allowed_hosts=["shop.example"], resolver=dns)
    for path in ("/to-metadata", "/to-canary"):
        with pytest.raises(FetchError) as exc:
            fetcher.get(f"http://shop.example:{shop.port}{path}")
        assert exc.value.status == CheckStatus.REFUSED
    assert canary.connections == []
