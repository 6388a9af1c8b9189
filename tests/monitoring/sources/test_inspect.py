"""`manage.py inspect`: one JSON object for files and URLs, with clear statuses; exit 2 only for usage errors."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from monitoring.fetch import reset_fetcher
from tests.support.paths import ROOT
from tests.support.servers import LocalShop

KEYS = {
    "status",
    "message",
    "platform",
    "url",
    "product_id",
    "title",
    "price",
    "price_max",
    "original_price",
    "currency",
    "in_stock",
    "stock_quantity",
    "rating",
    "review_count",
    "rating_histogram",
    "orders_count",
    "store",
    "labels",
    "ships_to_buyer",
    "reviews",
}

PAGE = """<html><head><title>Garden hose</title><script type="application/ld+json">
{"@context":"https://schema.org","@type":"Product","name":"Garden hose 20 m","sku":"GH-20",
 "offers":{"@type":"Offer","price":"19.90","priceCurrency":"EUR","availability":"https://schema.org/InStock"},
 "aggregateRating":{"@type":"AggregateRating","ratingValue":"4.6","reviewCount":"87"}}</script></head>
<body><h1>Garden hose 20 m</h1></body></html>"""


def inspect(*args) -> dict:
    out = StringIO()
    call_command("inspect", *args, "--json", stdout=out)
    text = out.getvalue().strip()
    assert "\n" not in text  # exactly one JSON object
    return json.loads(text)


@pytest.fixture
def shop(settings):
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    reset_fetcher()
    yield s
    s.close()
    reset_fetcher()


def test_a_saved_page_in_the_documented_format(tmp_path):
    path = tmp_path / "hose.html"
    path.write_text(PAGE)
    data = inspect(str(path), "--url", "https://garden.example/hose")
    assert set(data) >= KEYS
    assert data["status"] == "ok" and data["platform"] == "structured"
    assert data["price"] == "19.90" and data["currency"] == "EUR" and data["rating"] == 4.6
    assert data["review_count"] == 87 and data["in_stock"] is True and data["url"] == "https://garden.example/hose"


def test_the_platform_is_detected_from_a_saved_aliexpress_page(shared_fixture):
    data = inspect(str(shared_fixture("aliexpress/runparams_2022_modules_4000465717631.json")))
    assert data["platform"] == "aliexpress" and data["price"] == "143.9" and data["currency"] == "PKR"
    assert data["rating_histogram"] == {"5": 352, "4": 68, "3": 18, "2": 8, "1": 30}
    assert data["store"]["opened_on"] == "2017-04-14" and data["store"]["positive_feedback_pct"] == 90.9


def test_a_url_is_fetched_and_parsed(shop):
    shop.page("/hose", PAGE)
    data = inspect(shop.url("/hose"), "--platform", "structured")
    assert data["status"] == "ok" and data["title"] == "Garden hose 20 m" and data["price"] == "19.90"


def test_a_block_page_is_blocked_not_parsed(shop):
    shop.page("/captcha", "<html><head><title>Captcha Interception</title></head><body>slide to verify</body></html>")
    data = inspect(shop.url("/captcha"), "--platform", "aliexpress")
    assert data["status"] == "blocked" and data["price"] is None and "captcha" in data["message"]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("http://127.0.0.1:9/latest/meta-data", "refused", "private or reserved"),
        ("http://169.254.169.254/latest/meta-data", "refused", "private or reserved"),
        ("ftp://example.com/item.html", "refused", "Only http"),
    ],
)
def test_refused_urls_print_a_json_status(settings, url, status, message):
    settings.FETCH_ALLOWED_HOSTS = []
    reset_fetcher()
    data = inspect(url)
    assert data["status"] == status and message in data["message"]


def test_usage_errors_exit_2(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("inspect", str(tmp_path / "missing.html"))
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        call_command("inspect", "https://example.com/", "--platform", "ebay")
    assert exc.value.returncode == 2


def test_exit_status_from_the_shell(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOCAL_MODE": "1",
        "DATA_DIR": str(tmp_path),
        "FETCH_ALLOWED_HOSTS": "",
    }
    env.pop("DATABASE_URL", None)
    ok = subprocess.run(
        [sys.executable, "manage.py", "inspect", "http://127.0.0.1:9/", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "refused"
    missing = subprocess.run(
        [sys.executable, "manage.py", "inspect", "nope.html"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr
