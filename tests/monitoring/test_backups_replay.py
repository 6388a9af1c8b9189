"""Through `manage.py replay` (the detection code the workers use, with a database): a listing that turns
into another item is caught, ordinary edits stay quiet, and every finding carries its advice."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

EARBUDS = "Wireless Earbuds Bluetooth 5.3 Headphones TWS Noise Cancelling Earphones with Mic"
VARIANTS = [
    {"id": "111", "name": "Color: Black", "price": "10.00", "currency": "USD", "in_stock": True},
    {"id": "222", "name": "Color: White", "price": "10.00", "currency": "USD", "in_stock": True},
    {"id": "333", "name": "Color: Pink", "price": "10.00", "currency": "USD", "in_stock": True},
]


def line(at, title=EARBUDS, image="https://img.example/earbuds.jpg", variants=VARIANTS, **extra):
    return {
        "at": at,
        "status": "ok",
        "title": title,
        "image": image,
        "price": "10.00",
        "currency": "USD",
        "in_stock": True,
        "variants": variants,
        **extra,
    }


def replay(tmp_path, lines):
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    out = StringIO()
    call_command("replay", str(path), "--json", stdout=out)
    return [json.loads(x) for x in out.getvalue().splitlines()][:-1]


def test_ordinary_edits_stay_quiet(tmp_path):
    rows = replay(
        tmp_path,
        [
            line("2026-11-01T06:00:00Z"),
            line("2026-11-02T06:00:00Z", title="2025 Hot Sale " + EARBUDS + " for iPhone Xiaomi"),
            line("2026-11-03T06:00:00Z", image="https://img.example/earbuds-new-photo.webp"),
            line("2026-11-04T06:00:00Z", variants=[*VARIANTS, {"id": "444", "name": "Color: Blue"}]),
            line("2026-11-05T06:00:00Z", title="TWS Noise Cancelling Earphones Wireless Headphones Bluetooth 5.3"),
        ],
    )
    assert [r for r in rows if r["kind"] == "listing_changed"] == []


def test_swapped_listing_is_caught_once_and_advised(tmp_path):
    case = "Silicone Phone Case for iPhone 15 Pro Max Shockproof Cover"
    rows = replay(
        tmp_path,
        [
            line("2026-11-01T06:00:00Z"),
            line("2026-11-02T06:00:00Z"),
            line("2026-11-03T06:00:00Z", title=case, image="https://img.example/case.jpg"),
            line("2026-11-04T06:00:00Z", title=case, image="https://img.example/case.jpg"),
        ],
    )
    changed = [r for r in rows if r["kind"] == "listing_changed"]
    assert [(r["at"][:10], r["event"], r["severity"]) for r in changed] == [("2026-11-03", "opened", "critical")]
    assert "Pause the product" in changed[0]["advice"] and case in changed[0]["advice"]


def test_variants_replaced_at_once_are_caught(tmp_path):
    posters = [
        {"id": "901", "name": "Size: 40x60cm"},
        {"id": "902", "name": "Size: 60x90cm"},
        {"id": "903", "name": "Size: 80x120cm"},
    ]
    rows = replay(tmp_path, [line("2026-11-01T06:00:00Z"), line("2026-11-02T06:00:00Z", variants=posters)])
    assert ("listing_changed", "opened") in {(r["kind"], r["event"]) for r in rows}


def test_every_opened_finding_has_advice(tmp_path):
    rows = replay(
        tmp_path,
        [
            {"settings": {"my_price": "14", "min_margin_pct": 20}},
            line("2026-11-01T06:00:00Z"),
            line("2026-11-02T06:00:00Z", price="12.00", in_stock=False),
        ],
    )
    opened = {r["kind"]: r["advice"] for r in rows if r["event"] == "opened"}
    assert {"price_increase", "margin_low", "out_of_stock"} <= set(opened)
    assert "Raise your price to" in opened["margin_low"]
    assert opened["out_of_stock"].startswith("Pause the product in your store until it is back in stock")
