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
