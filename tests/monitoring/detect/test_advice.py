"""Advice for every finding kind: plain words first, with the numbers worked out."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from monitoring.detect.advice import ADVISERS, AdviceInput, advice_for, price_for_target_margin
from monitoring.models import FindingKind

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

# One realistic input per kind, as the rules fire them.
SAMPLES = {
    "price_increase": AdviceInput(
        "price_increase",
        baseline=D("10.00"),
        current=D("12.50"),
        evidence={"currency": "USD", "change_pct": 25.0},
        my_price=D("29.90"),
        my_currency="USD",
    ),
    "margin_low": AdviceInput(
        "margin_low",
        baseline=D("20"),
        current=D("12.5"),
        evidence={"currency": "USD", "landed_cost": "17.50", "price_for_min_margin": "21.88"},
        my_price=D("20.00"),
        my_currency="USD",
    ),
    "price_collapse": AdviceInput("price_collapse", baseline=D("20"), current=D("5"), evidence={"change_pct": -75.0}),
    "out_of_stock": AdviceInput("out_of_stock", current=D(0), evidence={"since": "2026-11-30T08:00:00+00:00"}),
    "listing_removed": AdviceInput("listing_removed", current=D(3), evidence={"checks": 3}),
    "shipping_unavailable": AdviceInput("shipping_unavailable"),
    "rating_drop": AdviceInput("rating_drop", baseline=D("4.8"), current=D("4.3")),
    "store_feedback_drop": AdviceInput(
        "store_feedback_drop", baseline=D("97.5"), current=D("93.1"), supplier_name="Casa Verde"
    ),
    "seller_rating_drop": AdviceInput("seller_rating_drop", baseline=D("4.8"), current=D("4.2")),
    "negative_review_shift": AdviceInput(
        "negative_review_shift",
        baseline=D("8.00"),
        current=D("35.00"),
        evidence={"new_reviews": 40, "new_negative": 14, "p_value": 0.0004, "baseline_at": "2026-11-01T00:00:00+00:00"},
        message="1–2★ share of new reviews 8% → 35% (Fisher's exact test p=0.0004).",
    ),
    "complaint_theme": AdviceInput(
        "complaint_theme",
        current=D(5),
        evidence={"themes": {"never_arrived": 3, "pay_off_platform": 2}},
        protection_ends_on=date(2026, 12, 9),
    ),
    "review_burst": AdviceInput("review_burst", evidence={"new_5_star": 60, "new_reviews": 62}),
    "new_store": AdviceInput("new_store", baseline=D(180), current=D(41), evidence={"opened_on": "2026-10-21"}),
    "unverifiable": AdviceInput("unverifiable", current=D(4), evidence={"checks": 4, "last_status": "blocked"}),
    "variant_removed": AdviceInput(
        "variant_removed",
        current=D(2),
        evidence={"variant": "123", "variants_left": ["1", "2"]},
        variant_name="Color: Black",
    ),
    "low_stock": AdviceInput("low_stock", baseline=D(10), current=D(4), evidence={"left": 4}),
    "shipping_cost_up": AdviceInput(
        "shipping_cost_up",
        baseline=D("0.00"),
        current=D("2.99"),
        evidence={"currency": "USD"},
        my_price=D("19.90"),
        my_currency="USD",
    ),
    "delivery_slow": AdviceInput("delivery_slow", baseline=D(15), current=D(28), evidence={"days_max": 28}),
    "listing_changed": AdviceInput(
        "listing_changed",
        evidence={
            "title_before": "Wireless Earbuds Bluetooth 5.3",
            "title_after": "Silicone Phone Case",
            "reasons": ["Title similarity 0.08 (fires under 0.45)."],
        },
    ),
}

# What the advice must say for each kind: the action and its numbers.
EXPECTED = {
    "price_increase": ["10.00 USD to 12.50 USD", "raise your price by 2.50 USD to 32.40 USD"],
    "margin_low": ["Raise your price to 21.88 USD", "minimum margin of 20%", "12% today"],
    "price_collapse": ["Don't order", "75%", "test order"],
    "out_of_stock": ["Pause the product in your store until it is back in stock", "2026-11-30"],
    "listing_removed": ["Take the product down", "3 checks in a row", "another supplier"],
    "shipping_unavailable": ["no longer ships"],
    "rating_drop": ["4.8 to 4.3★", "test order"],
    "store_feedback_drop": ["Casa Verde", "98% to 93%", "test order"],
    "seller_rating_drop": ["4.8 → 4.2★", "test order"],
    "negative_review_shift": ["35% of the new reviews", "it was 8%"],
    "complaint_theme": ["open a dispute", "outside the platform", "open a dispute before 2026-12-09"],
    "review_burst": ["Don't trust", "test order"],
    "new_store": ["test order", "41 days", "2026-10-21"],
    "unverifiable": ["Nothing is known to be wrong", "4 checks in a row"],
    "variant_removed": ["Contact the seller about the removed variant (Color: Black)", "2 variants left"],
    "low_stock": ["Only 4 left"],
    "shipping_cost_up": ["2.99 USD per order (was 0.00 USD)", "raise your price by 2.99 USD to 22.89 USD"],
    "delivery_slow": ["up to 28 days", "maximum of 15"],
    "listing_changed": ["Pause the product", "different item", "Silicone Phone Case"],
}


def test_every_kind_has_an_adviser_and_a_sample():
    kinds = set(FindingKind.values)
    assert kinds == set(ADVISERS) == set(SAMPLES) == set(EXPECTED)


@pytest.mark.parametrize("kind", sorted(FindingKind.values))
def test_advice_text_for_every_kind(kind):
    advice = advice_for(SAMPLES[kind])
    for part in EXPECTED[kind]:
        assert part in advice.text, (part, advice.text)
    # Plain words first: the statistics stay in "how we know".
    assert "p=" not in advice.text and "Fisher" not in advice.text


def test_statistics_go_behind_how_we_know():
    advice = advice_for(SAMPLES["negative_review_shift"])
    assert "Fisher's exact test" in advice.how and "p=0.0004" in advice.how
    assert "14 of 40 reviews" in advice.how


def test_margin_target_worked_out_without_landed_cost():
    # Sell at 20.00 with a 10% margin: cost 18.00; 20% margin needs 18 / 0.8 = 22.50.
    assert price_for_target_margin(D("20.00"), D("10"), D("20")) == D("22.50")
    advice = advice_for(
        AdviceInput(
            "margin_low",
            baseline=D("20"),
            current=D("10"),
            my_price=D("20"),
            my_currency="EUR",
            evidence={"currency": "EUR"},
        )
    )
    assert "Raise your price to 22.50 EUR" in advice.text
    negative = advice_for(
        AdviceInput("margin_low", baseline=D("20"), current=D("-5"), my_price=D("20"), evidence={"currency": "EUR"})
    )
    assert negative.text.startswith("You lose money on every sale.")


def test_price_increase_in_another_currency_gives_no_wrong_number():
    advice = advice_for(
        AdviceInput(
            "price_increase",
            baseline=D("10"),
            current=D("12"),
            evidence={"currency": "USD"},
            my_price=D("30"),
            my_currency="EUR",
        )
    )
    assert "raise your price by" not in advice.text and "resolve this finding" in advice.text


def test_recommendation_is_appended():
    a = replace(SAMPLES["out_of_stock"])
    a.recommendation = "Switch to Casa Verde: landed 9.40 USD, margin 31%, 8–12 days, trust 86, in stock."
    assert advice_for(a).text.endswith(a.recommendation)
