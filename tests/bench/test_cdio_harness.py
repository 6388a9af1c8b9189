"""The pure parts of the changedetection.io comparison harness (bench/cdio*.py): the pages, their server, the
correctness check and the figures. Nothing here times anything; the comparison itself is `make bench-cdio`."""

import itertools
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import httpx
import pytest

from bench.cdio import aggregate
from bench.cdio_pages import (
    PageServer,
    changing_price,
    not_modified,
    page_template,
    parse_path,
    render,
    static_price,
)
from bench.cdio_verify import fetches_between, round_problems, summarize
from bench.proc_cpu import tree_pids

LD = re.compile(r"<script type='application/ld\+json'>(.*?)</script>", re.DOTALL)


def product_block(page: str) -> dict:
    blocks = [json.loads(b) for b in LD.findall(page)]
    return next(b for b in blocks if b["@type"] == "Product")


def test_the_same_product_and_price_give_the_same_bytes():
    assert render(page_template(7), "12.34") == render(page_template(7), "12.34")
    assert render(page_template(7), "12.34") != render(page_template(8), "12.34")


def test_a_page_has_three_json_ld_blocks_and_the_price_it_was_given():
    page = render(page_template(42), "56.78").decode()
    blocks = [json.loads(b) for b in LD.findall(page)]
    assert [b["@type"] for b in blocks] == ["Organization", "BreadcrumbList", "Product"]
    assert product_block(page)["offers"]["price"] == "56.78"
    assert "$56.78" in page  # the visible price too
    assert 140_000 <= len(page.encode()) <= 160_000


def test_the_changing_price_moves_on_every_fetch():
    prices = [changing_price(5, k) for k in range(1, 120)]
    assert all(a != b for a, b in itertools.pairwise(prices))
    assert changing_price(5, 3) == changing_price(5, 3)
    assert all(Decimal(p) > 0 for p in prices)


def test_page_paths():
    assert parse_path("/cdio/changing/12") == ("changing", 12)
    assert parse_path("/pg/static/3?x=1") == ("static", 3)
    assert parse_path("/changing/abc") is None
    assert parse_path("/_bench/served") is None


def test_validators():
    tag = '"abc"'
    assert not_modified('"abc"', None, tag)
    assert not_modified('W/"abc", "zzz"', None, tag)
    assert not not_modified('"other"', "Thu, 01 Jan 2099 00:00:00 GMT", tag)  # If-None-Match wins
    assert not_modified(None, "Thu, 01 Jan 2099 00:00:00 GMT", tag)
    assert not not_modified(None, "Thu, 01 Jan 2015 00:00:00 GMT", tag)
    assert not not_modified(None, "not a date", tag)


@pytest.fixture
def pages():
    server = PageServer(page_bytes=20_000)
    yield f"http://127.0.0.1:{server.port}"
    server.close()


def test_the_server_moves_changing_prices_and_says_what_it_served_last(pages):
    with httpx.Client() as client:
        first = product_block(client.get(f"{pages}/a/changing/3").text)["offers"]["price"]
        second = product_block(client.get(f"{pages}/a/changing/3").text)["offers"]["price"]
        other = product_block(client.get(f"{pages}/b/changing/3").text)["offers"]["price"]
        served = client.get(f"{pages}/_bench/served").json()
    assert (first, second) == (changing_price(3, 1), changing_price(3, 2))
    assert other == first  # another prefix is another page, with its own count
    assert served["/a/changing/3"]["price"] == second
    assert served["/a/changing/3"]["fetches"] == 2
    assert served["/a/changing/3"]["in_stock"] is True


def test_the_server_answers_304_to_a_static_page_validator(pages):
    with httpx.Client() as client:
        first = client.get(f"{pages}/s/static/17")
        again = client.get(f"{pages}/s/static/17")
        by_tag = client.get(f"{pages}/s/static/17", headers={"If-None-Match": first.headers["ETag"]})
        by_date = client.get(f"{pages}/s/static/17", headers={"If-Modified-Since": first.headers["Last-Modified"]})
        served = client.get(f"{pages}/_bench/served").json()["/s/static/17"]
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert product_block(first.text)["offers"]["price"] == static_price(17)
    assert product_block(first.text)["offers"]["availability"].endswith("OutOfStock")  # 17 is sold out
    assert (by_tag.status_code, by_date.status_code) == (304, 304)
    assert by_tag.content == b""
    assert (served["fetches"], served["not_modified"]) == (4, 2)


SERVED = {"/p/changing/1": {"price": "10.03", "in_stock": True}, "/p/changing/2": {"price": "20.06", "in_stock": False}}


def test_a_correct_round_has_no_problems():
    stored = {"/p/changing/1": {"price": Decimal("10.03"), "in_stock": True}, "/p/changing/2": {"price": 20.06}}
    assert round_problems(SERVED, stored, new_snapshots={k: 1 for k in SERVED}, fetched={k: 1 for k in SERVED}) == []
    assert summarize([]) == "correct"


def test_the_check_catches_a_wrong_price():
    stored = {"/p/changing/1": {"price": "10.00", "in_stock": True}, "/p/changing/2": {"price": "20.06"}}
    problems = round_problems(SERVED, stored)
    assert problems == ["/p/changing/1: stored price '10.00', last served '10.03'"]


def test_the_check_catches_missing_doubled_and_unfetched_checks_and_wrong_stock():
    stored = {"/p/changing/1": {"price": "10.03", "in_stock": False}}
    problems = round_problems(
        SERVED, stored, new_snapshots={"/p/changing/1": 2}, fetched={"/p/changing/1": 1, "/p/changing/2": 0}
    )
    assert problems == [
        "/p/changing/1: stored in_stock=False, served True",
        "/p/changing/1: 2 new snapshots this round (expected 1)",
        "/p/changing/2: nothing stored",
    ]
    unfetched = round_problems(SERVED, {k: dict(v) for k, v in SERVED.items()}, fetched={"/p/changing/1": 1})
    assert unfetched == ["/p/changing/2: not fetched this round"]
    assert round_problems(SERVED, {**SERVED, "/p/changing/9": {"price": "1"}}) == [
        "1 stored keys were never served (first: /p/changing/9)"
    ]


def test_an_unreadable_stored_price_is_a_problem_not_a_crash():
    assert round_problems({"/k": {"price": "1.00"}}, {"/k": {"price": "abc"}}) == [
        "/k: stored price 'abc', last served '1.00'"
    ]


def test_fetches_between_two_readings():
    before = {"/a": {"fetches": 3}}
    after = {"/a": {"fetches": 4}, "/b": {"fetches": 1}}
    assert fetches_between(before, after) == {"/a": 1, "/b": 1}


def test_aggregate_takes_the_median_round_and_cpu_over_all_checks():
    rounds = [
        {"checks": 10, "seconds": 1.0, "cpu": {"worker": 0.2, "postgres": 0.1}, "problems": []},
        {"checks": 10, "seconds": 2.0, "cpu": {"worker": 0.4, "postgres": 0.1}, "problems": []},
        {"checks": 10, "seconds": 4.0, "cpu": {"worker": 0.2, "postgres": 0.1}, "problems": ["/x: wrong"]},
        {"error": "worker exited"},
    ]
    agg = aggregate(rounds)
    assert agg["rate"] == 5.0  # rates 10, 5, 2.5
    assert agg["cpu_ms"] == pytest.approx(1000 * 1.1 / 30)
    assert agg["parts_ms"] == pytest.approx({"worker": 80 / 3, "postgres": 10})
    assert agg["problems"] == ["/x: wrong"] and agg["errors"] == ["worker exited"]
    assert aggregate([{"error": "no answer"}]) == {"error": "no answer"}


def test_a_process_tree_includes_its_children():
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert {os.getpid(), child.pid} <= set(tree_pids(os.getpid()))
    finally:
        child.stdin.close()
        child.wait(timeout=10)
