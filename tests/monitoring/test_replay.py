"""`manage.py replay`: a recorded history through the same detection code, nothing kept."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from monitoring.models import Finding, Snapshot
from suppliers.models import Product

pytestmark = pytest.mark.django_db

LINES = [
    {"settings": {"my_price": "14", "min_margin_pct": 20}},
    {
        "at": "2026-11-01T06:00:00Z",
        "status": "ok",
        "price": "10.00",
        "currency": "USD",
        "in_stock": True,
        "store": {"id": "77", "name": "Lamp Store", "positive_feedback_pct": 97.8, "opened_on": "2019-01-01"},
    },
    {"at": "2026-11-01T12:00:00Z", "status": "ok", "price": "10.00", "currency": "USD", "in_stock": True},
    {"at": "2026-11-02T06:00:00Z", "status": "blocked"},
    {"at": "2026-11-02T12:00:00Z", "status": "ok", "price": "11.50", "currency": "USD", "in_stock": True},
    {"at": "2026-11-03T12:00:00Z", "status": "ok", "price": "10.00", "currency": "USD", "in_stock": True},
]


def replay(tmp_path, lines, *args):
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    out = StringIO()
    call_command("replay", str(path), *args, stdout=out)
    return out.getvalue()


def test_it_prints_finding_events_and_the_trust_score(tmp_path):
    rows = [json.loads(line) for line in replay(tmp_path, LINES, "--json").splitlines()]
    events = [(r["at"][:13], r["kind"], r["event"]) for r in rows[:-1]]
    assert events == [
        ("2026-11-02T12", "price_increase", "opened"),
        ("2026-11-02T12", "margin_low", "opened"),
        ("2026-11-03T12", "price_increase", "resolved"),
        ("2026-11-03T12", "margin_low", "resolved"),
    ]
    assert rows[1]["severity"] == "warning" and "Price up 15.0%" in rows[0]["message"]
    assert set(rows[-1]) == {"trust_score", "reasons"}
    # A healthy replayed store, never test-ordered, with no problem left open.
    assert rows[-1]["trust_score"] == 100 + sum(r["points"] for r in rows[-1]["reasons"]) == 95
    assert any("Never test-ordered" in r["reason"] for r in rows[-1]["reasons"])


def test_nothing_is_kept(tmp_path):
    replay(tmp_path, LINES)
    assert not Product.objects.exists() and not Snapshot.objects.exists() and not Finding.objects.exists()


def test_threshold_settings_change_the_outcome(tmp_path):
    lines = [{"settings": {"price_increase_pct": 20}}, *LINES[1:]]
    kinds = [json.loads(line).get("kind") for line in replay(tmp_path, lines, "--json").splitlines()]
    assert "price_increase" not in kinds


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["{not json"], "not JSON"),
        ([json.dumps({"settings": {"no_such_setting": 1}})], "unknown setting"),
        ([json.dumps({"status": "ok", "price": "1"})], "'at'"),
        ([json.dumps({"at": "2026-11-01T06:00:00", "price": "1"})], "time zone"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, lines, message):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError, match=message):
        call_command("replay", str(path))


def _variant_line(day: int, black="10.00", white="5.00", black_stock=100, white_stock=100, shipping=None, **extra):
    variants = [
        {
            "id": "111",
            "name": "Color: Black",
            "price": black,
            "currency": "USD",
            "in_stock": black_stock > 0,
            "stock_quantity": black_stock,
        },
        {
            "id": "222",
            "name": "Color: White",
            "price": white,
            "currency": "USD",
            "in_stock": white_stock > 0,
            "stock_quantity": white_stock,
        },
    ]
    prices = [v["price"] for v in variants]
    return {
        "at": f"2026-11-{day:02d}T12:00:00Z",
        "status": "ok",
        "price": min(prices, key=float),
        "currency": "USD",
        "in_stock": True,
        "variants": variants,
        "shipping": shipping or {"to": "US", "fee": "0", "currency": "USD", "days_min": 7, "days_max": 15},
        **extra,
    }


def test_a_history_of_the_variant_sold_in_another_currency(tmp_path):
    paid = {"to": "US", "fee": "3.50", "currency": "USD", "days_min": 7, "days_max": 15, "method": "Standard"}
    slow = {"to": "US", "fee": "0", "currency": "USD", "days_min": 20, "days_max": 35, "method": "Cainiao"}
    lines = [
        {
            "settings": {
                "variant": "111",
                "my_price": "14",
                "my_currency": "EUR",
                "rates": {"USD": "0.92"},
                "max_delivery_days": 20,
                "low_stock_below": 20,
            }
        },
        *[_variant_line(d) for d in range(1, 11)],
        _variant_line(11, white="7.50"),  # another variant rises 50%: quiet
        _variant_line(12, white="7.50", white_stock=0),  # another variant sells out: quiet
        {"settings": {"rates": {"USD": "0.93"}}},  # rate noise: quiet
        _variant_line(13, black="12.50", white="7.50", white_stock=0),  # the variant sold: +25%, margin 17.9%
        _variant_line(14, black="12.50", black_stock=8),  # low stock
        _variant_line(15, black="12.50", black_stock=8, shipping=paid),  # free shipping turns paid
        _variant_line(16, black="12.50", black_stock=8, shipping=slow),  # delivery too slow
        {**_variant_line(17, shipping=slow), "variants": [_variant_line(17)["variants"][1]]},  # the variant is gone
    ]
    rows = [json.loads(line) for line in replay(tmp_path, lines, "--json").splitlines()[:-1]]
    opened = [(r["at"][:10], r["kind"]) for r in rows if r["event"] == "opened"]
    assert opened == [
        ("2026-11-13", "price_increase"),
        ("2026-11-13", "margin_low"),
        ("2026-11-14", "low_stock"),
        ("2026-11-15", "shipping_cost_up"),
        ("2026-11-16", "delivery_slow"),
        ("2026-11-17", "variant_removed"),
    ]
    margin = next(r for r in rows if r["kind"] == "margin_low")
    assert "EUR" in margin["message"] and "your rate" in margin["message"]


def test_unknown_settings_stay_an_error(tmp_path):
    with pytest.raises(CommandError, match="unknown setting 'colour'"):
        replay(tmp_path, [{"settings": {"colour": "red"}}])
    with pytest.raises(CommandError, match="rates"):
        replay(tmp_path, [{"settings": {"rates": {"USD": "-1"}}}])
