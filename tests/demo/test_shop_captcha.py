"""The demo shop's captcha for the browser companion's demo: the blocked product answers its block page to a
client without the shop's cookie (Dropwatch's server) and its real page to a browser that passed the captcha
(one click on "I am not a robot", which sets the cookie and goes back, to a path on the shop only)."""

import time

from demo.scenario import PRODUCTS, product_id
from demo.shop import VERIFIED_COOKIE, Clock, DemoShop
from monitoring.fetch import blocks
from monitoring.sources.base import Page, observe_page
from monitoring.sources.registry import adapter_for

LIGHTS = next(p for p in PRODUCTS if p.key == "string-lights")


def call(shop, path, query="", cookie=""):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(shop({"PATH_INFO": path, "QUERY_STRING": query, "HTTP_COOKIE": cookie}, start_response))
    return seen["status"], seen["headers"], body.decode()


def shop_at_minute(tmp_path, minute: float) -> DemoShop:
    start = tmp_path / "demo-start"
    start.write_text(str(time.time() - minute * 60))
    return DemoShop(Clock(start, minute_seconds=60))


def test_the_blocked_product_shows_a_captcha_without_the_cookie_and_the_page_with_it(tmp_path):
    shop = shop_at_minute(tmp_path, 2)
    path = f"/item/{product_id(LIGHTS)}.html"
    _s, _h, blocked = call(shop, path)
    assert blocks.detect(blocked) and f'href="/captcha/verify?next={path}"' in blocked
    status, headers, _ = call(shop, "/captcha/verify", f"next={path}")
    assert status.startswith("302") and headers["Location"] == path
    assert headers["Set-Cookie"].startswith(f"{VERIFIED_COOKIE}=1;")
    _s, _h, real = call(shop, path, cookie=f"other=x; {VERIFIED_COOKIE}=1")
    assert not blocks.detect(real)
    obs = observe_page(adapter_for("aliexpress"), Page(url="http://127.0.0.1" + path, text=real))
    assert obs.ok and obs.title == LIGHTS.title and obs.price == LIGHTS.price


def test_the_verify_link_goes_back_only_to_a_path_on_the_shop(tmp_path):
    shop = shop_at_minute(tmp_path, 2)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        _status, headers, _ = call(shop, "/captcha/verify", f"next={target}")
        assert headers["Location"] == "/", target


def test_a_broken_cookie_header_is_no_pass(tmp_path):
    shop = shop_at_minute(tmp_path, 2)
    _s, _h, body = call(shop, f"/item/{product_id(LIGHTS)}.html", cookie='demo_verified="1; \x00bad')
    assert blocks.detect(body)
