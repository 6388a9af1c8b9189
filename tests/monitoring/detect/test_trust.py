"""The trust score as a plain function: each reason's points, the bounds, the test-order log's part."""

from datetime import date, timedelta
from decimal import Decimal as D

from monitoring.detect.trust import TrustInputs, score
from orderlog.selectors import OrderSummary

TODAY = date(2026, 12, 1)


def reasons_of(inputs: TrustInputs) -> dict[str, int]:
    return {r["reason"]: r["points"] for r in score(inputs)[1]}


def good_store(**overrides) -> TrustInputs:
    values = {
        "today": TODAY,
        "positive_feedback_pct": D("98.5"),
        "ratings": {"described": D("4.8"), "communication": D("4.9"), "shipping": D("4.7")},
        "opened_on": TODAY - timedelta(days=3 * 365),
        "followers": 5000,
        "reviews_total": 1000,
        "reviews_negative": 40,
        "test_orders": OrderSummary(count=2, passed=2, last_outcome="pass", avg_days_to_deliver=12.0),
    }
    values.update(overrides)
    return TrustInputs(**values)


def test_a_good_store_scores_the_top_and_says_why():
    value, reasons = score(good_store())
    assert value == 100  # +5 for the passed test order, clamped at 100
    assert {r["reason"] for r in reasons} >= {
        "Positive feedback 98.5%",
        "Detailed seller ratings 4.7 or better",
        "Store open 3 years",
        "4% of its reviews are 1–2★",
        "Last test order passed",
    }


def test_each_warning_sign_costs_its_points():
    reasons = reasons_of(
        good_store(
            positive_feedback_pct=D("93.0"),
            ratings={"described": D("4.3"), "communication": None, "shipping": D("4.9")},
            opened_on=TODAY - timedelta(days=100),
            followers=40,
            reviews_negative=150,
            open_critical=1,
            open_warning=2,
        )
    )
    assert reasons["Positive feedback 93.0% (under 95%)"] == -15
    assert reasons["A detailed seller rating is 4.3 (under 4.5)"] == -15
    assert reasons["Store open only 100 days"] == -20
    assert reasons["Only 40 followers"] == -5
    assert reasons["15% of its reviews are 1–2★"] == -10
    assert reasons["Open problems: 1 critical, 2 warnings"] == -20


def test_the_score_is_100_plus_its_reasons_within_0_and_100():
    bad = good_store(
        positive_feedback_pct=D("80"),
        opened_on=TODAY - timedelta(days=10),
        reviews_negative=500,
        open_critical=5,
        test_orders=OrderSummary(count=3, failed=1, disputed=2, lost=1, last_outcome="fail"),
    )
    value, reasons = score(bad)
    assert sum(r["points"] for r in reasons) < -100
    assert value == 0


def test_the_test_order_log_counts():
    assert reasons_of(good_store(test_orders=None))["Never test-ordered"] == -5
    failed = reasons_of(good_store(test_orders=OrderSummary(count=1, failed=1, disputed=1, last_outcome="fail")))
    assert failed["Last test order failed the quality check"] == -25
    assert failed["1 test order(s) disputed or lost"] == -10
    slow = reasons_of(
        good_store(test_orders=OrderSummary(count=1, passed=1, last_outcome="pass", avg_days_to_deliver=31))
    )
    assert slow["Test orders took 31 days to arrive on average"] == -5


def test_few_reviews_say_nothing_about_the_negative_share():
    reasons = reasons_of(good_store(reviews_total=10, reviews_negative=9))
    assert not any("reviews are 1–2★" in r for r in reasons)


def test_what_the_platform_never_publishes_costs_nothing_but_unknown_on_aliexpress_does():
    unknown = {"positive_feedback_pct": None, "opened_on": None}
    shopify = reasons_of(good_store(publishes_store_metrics=False, **unknown))
    assert shopify["Positive feedback: not published on this platform"] == 0
    assert shopify["Store age: not published on this platform"] == 0
    aliexpress = reasons_of(good_store(**unknown))
    assert aliexpress["Positive feedback unknown"] == -5 and aliexpress["Store age unknown"] == -5
    assert score(good_store(publishes_store_metrics=False, **unknown))[0] > score(good_store(**unknown))[0]


def test_what_the_seller_asked_for_costs_trust():
    asked = OrderSummary(count=2, passed=1, last_outcome="pass", seller_asked=1, requests=("pay outside the platform",))
    reasons = reasons_of(good_store(test_orders=asked))
    assert reasons["The seller asked you to pay outside the platform (1 order)"] == -15
    twice = OrderSummary(count=3, seller_asked=3, requests=("close the dispute", "pay extra fees after the order"))
    assert (
        reasons_of(good_store(test_orders=twice))[
            "The seller asked you to close the dispute, pay extra fees after the order (3 orders)"
        ]
        == -30
    )
