"""The deterioration rules, without a database: each fires when it should, stays quiet on noise, recovers."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from monitoring.detect import context, rules
from monitoring.detect.context import NegativeReview, OpenFinding, Point, ProductContext, StoreContext, StorePoint
from monitoring.detect.thresholds import DEFAULTS
from monitoring.observation import Observation, StoreInfo
from monitoring.statuses import CheckStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def hist(five, four, three, two, one):
    return {5: five, 4: four, 3: three, 2: two, 1: one}


def history(days=10, per_day=4, **values):
    """Steady successful checks over the last `days` days."""
    points = []
    for i in range(days * per_day):
        at = NOW - timedelta(days=days) + timedelta(hours=24 / per_day * i)
        points.append(
            Point(
                at=at,
                **{
                    "currency": "USD",
                    "price": D("10.00"),
                    "in_stock": True,
                    "rating": D("4.8"),
                    "review_count": 500,
                    **values,
                },
            )
        )
    return points


def ctx(obs=None, *, status=CheckStatus.OK, hist_points=None, statuses=None, open_=None, t=DEFAULTS, **kwargs):
    obs = obs if obs is not None else Observation(price=D("10.00"), currency="USD", in_stock=True)
    return ProductContext(
        now=NOW,
        status=status,
        obs=obs,
        history=history() if hist_points is None else hist_points,
        recent_statuses=statuses or [],
        open=open_ or {},
        thresholds=t,
        **kwargs,
    )


def opened(kind, baseline=None, evidence=None, days_ago=1, severity=20):
    return {kind: OpenFinding(kind, severity, baseline, None, evidence or {}, NOW - timedelta(days=days_ago))}


# --- price -----------------------------------------------------------------------------------------------


def test_price_increase_fires_against_the_median_baseline():
    verdict = rules.rule_price_increase(ctx(Observation(price=D("11.80"), currency="USD")))
    assert verdict.action == "fire"
    assert verdict.signal.baseline == D("10.00") and verdict.signal.current == D("11.80")
    assert "Price up 18.0%: 10.00 → 11.80 USD" in verdict.signal.message


def test_one_odd_reading_does_not_move_the_baseline():
    points = history()
    points[-1].price = D("6.00")  # a one-off sale price yesterday
    verdict = rules.rule_price_increase(ctx(Observation(price=D("10.50"), currency="USD"), hist_points=points))
    assert verdict.action == "clear"


def test_small_moves_stay_quiet():
    assert rules.rule_price_increase(ctx(Observation(price=D("10.90"), currency="USD"))).action == "clear"


def test_price_increase_has_hysteresis_and_a_frozen_baseline():
    still_open = opened("price_increase", D("10.00"), {"currency": "USD"})
    # 9% over the frozen baseline: inside the recovery margin (10 - 3 points), so it stays open
    assert (
        rules.rule_price_increase(ctx(Observation(price=D("10.90"), currency="USD"), open_=still_open)).action == "hold"
    )
    # the moving median has caught up with the new price, yet the finding stays open against its baseline
    risen = history(price=D("12.00"))
    verdict = rules.rule_price_increase(
        ctx(Observation(price=D("12.00"), currency="USD"), hist_points=risen, open_=still_open)
    )
    assert verdict.action == "fire"
    assert (
        rules.rule_price_increase(ctx(Observation(price=D("10.60"), currency="USD"), open_=still_open)).action
        == "clear"
    )


def test_a_currency_switch_is_not_a_price_change():
    verdict = rules.rule_price_increase(ctx(Observation(price=D("190.00"), currency="MXN")))
    assert verdict.action == "hold"
    assert rules.rule_price_collapse(ctx(Observation(price=D("0.50"), currency="EUR"))).action == "hold"


def test_price_collapse_is_flagged_as_suspicious():
    verdict = rules.rule_price_collapse(ctx(Observation(price=D("4.00"), currency="USD")))
    assert verdict.action == "fire" and "bait listing" in verdict.signal.message
    assert rules.rule_price_collapse(ctx(Observation(price=D("7.00"), currency="USD"))).action == "clear"


def test_margin_low_uses_selling_price_price_and_shipping():
    c = ctx(
        Observation(price=D("8.00"), currency="USD"), my_price=D("12.00"), my_currency="USD", shipping_cost=D("2.00")
    )
    verdict = rules.rule_margin_low(c)
    assert verdict.action == "fire"
    assert verdict.signal.current == D("16.67")
    assert "margin is now 16.7%" in verdict.signal.message
    healthy = ctx(Observation(price=D("6.00"), currency="USD"), my_price=D("12.00"), my_currency="USD")
    assert rules.rule_margin_low(healthy).action == "clear"
    other_currency = ctx(Observation(price=D("8.00"), currency="EUR"), my_price=D("12.00"), my_currency="USD")
    assert rules.rule_margin_low(other_currency).action == "hold"


def test_negative_margin_is_critical():
    c = ctx(Observation(price=D("15.00"), currency="USD"), my_price=D("12.00"), my_currency="USD")
    assert rules.rule_margin_low(c).signal.severity == context.CRITICAL


# --- stock, listing, shipping --------------------------------------------------------------------------


def test_out_of_stock_fires_and_recovers():
    assert rules.rule_out_of_stock(ctx(Observation(in_stock=False))).action == "fire"
    assert rules.rule_out_of_stock(ctx(Observation(stock_quantity=0))).action == "fire"
    assert rules.rule_out_of_stock(ctx(Observation(in_stock=True, stock_quantity=4))).action == "clear"
    assert rules.rule_out_of_stock(ctx(Observation(price=D("1")))).action == "hold"  # unknown is not "out"


def test_listing_removed_needs_consecutive_not_found():
    first = ctx(None, status=CheckStatus.NOT_FOUND, statuses=["ok", "ok"])
    assert rules.evaluate_product(first)["listing_removed"].action == "hold"
    second = ctx(None, status=CheckStatus.NOT_FOUND, statuses=["ok", "not_found"])
    verdict = rules.evaluate_product(second)["listing_removed"]
    assert verdict.action == "fire" and "2 checks in a row" in verdict.signal.message
    blocked_between = ctx(None, status=CheckStatus.NOT_FOUND, statuses=["not_found", "blocked"])
    assert rules.evaluate_product(blocked_between)["listing_removed"].action == "hold"


def test_shipping_unavailable():
    assert rules.rule_shipping_unavailable(ctx(Observation(ships_to_buyer=False))).action == "fire"
    assert rules.rule_shipping_unavailable(ctx(Observation(ships_to_buyer=True))).action == "clear"


# --- ratings ---------------------------------------------------------------------------------------------


def test_rating_drop_and_floor():
    assert rules.rule_rating_drop(ctx(Observation(rating=D("4.6"), review_count=600))).action == "fire"
    assert rules.rule_rating_drop(ctx(Observation(rating=D("4.7"), review_count=600))).action == "clear"
    low = history(rating=D("4.4"))
    assert rules.rule_rating_drop(ctx(Observation(rating=D("4.4"), review_count=600), hist_points=low)).action == "fire"


def test_a_rating_on_a_handful_of_reviews_is_not_judged():
    few = history(rating=D("5.0"), review_count=3)
    assert rules.rule_rating_drop(ctx(Observation(rating=D("3.0"), review_count=4), hist_points=few)).action == "hold"


# --- negative-review shift ---------------------------------------------------------------------------------


def with_histogram(h, days=40, per_day=1, growth=None):
    points = history(days=days, per_day=per_day)
    for i, p in enumerate(points):
        p.histogram = growth(i) if growth else dict(h)
    return points


def test_negative_review_shift_fires_on_a_significant_rise():
    base = hist(800, 100, 40, 20, 40)  # 6% are 1–2★
    points = with_histogram(base)
    # 212 new reviews, 30 of them 1–2★ (14%)
    now = hist(800 + 160, 100 + 15, 40 + 7, 20 + 12, 40 + 18)
    verdict = rules.rule_negative_review_shift(ctx(Observation(rating_histogram=now), hist_points=points))
    assert verdict.action == "fire"
    assert "6% → 14%" in verdict.signal.message and "30 of 212 new reviews" in verdict.signal.message
    assert verdict.signal.evidence["p_value"] < 0.01


def test_two_bad_reviews_out_of_five_page_no_one():
    base = hist(800, 100, 40, 20, 40)
    now = hist(803, 100, 40, 21, 41)
    assert (
        rules.rule_negative_review_shift(
            ctx(Observation(rating_histogram=now), hist_points=with_histogram(base))
        ).action
        == "hold"
    )


def test_steady_share_of_bad_reviews_is_quiet():
    base = hist(800, 100, 40, 20, 40)
    now = hist(800 + 188, 100 + 20, 40 + 10, 20 + 5, 40 + 9)  # 6% of 232 new
    assert (
        rules.rule_negative_review_shift(
            ctx(Observation(rating_histogram=now), hist_points=with_histogram(base))
        ).action
        == "clear"
    )


def test_a_shrinking_histogram_is_not_nonsense():
    base = hist(800, 100, 40, 20, 40)
    recount = hist(700, 90, 30, 15, 100)  # the platform removed and re-counted reviews
    assert (
        rules.rule_negative_review_shift(
            ctx(Observation(rating_histogram=recount), hist_points=with_histogram(base))
        ).action
        == "hold"
    )


def test_after_a_recount_the_baseline_restarts():
    def growth(i):
        return hist(800 + i, 100, 40, 20, 40) if i < 30 else hist(600 + i, 90, 40, 20, 40)

    points = with_histogram(None, growth=growth)
    now = hist(600 + 40 + 100, 90, 40, 20 + 30, 40 + 30)  # 60 bad among the ~170 since the recount
    verdict = rules.rule_negative_review_shift(ctx(Observation(rating_histogram=now), hist_points=points))
    assert verdict.action == "fire"


# --- complaints, bursts -------------------------------------------------------------------------------------


def test_complaint_themes_need_several_reviews():
    recent = NOW.date() - timedelta(days=3)
    reviews = [NegativeReview(1, ["not_as_described"], recent) for _ in range(2)]
    assert rules.rule_complaint_theme(ctx(negative_reviews=reviews)).action == "clear"
    reviews += [NegativeReview(2, ["not_as_described", "never_arrived"], recent)]
    verdict = rules.rule_complaint_theme(ctx(negative_reviews=reviews))
    assert verdict.action == "fire" and "not as described (3)" in verdict.signal.message
    old = [NegativeReview(1, ["counterfeit"], NOW.date() - timedelta(days=90)) for _ in range(5)]
    assert rules.rule_complaint_theme(ctx(negative_reviews=old)).action == "clear"


def test_a_burst_of_five_star_reviews_is_brushing_suspected():
    # ~2 new reviews a day for a month, then 120 5★ in three days
    points = with_histogram(None, days=40, growth=lambda i: hist(1000 + 2 * i, 50, 10, 5, 10))
    now = hist(1000 + 80 + 120, 50, 10, 5, 10)
    verdict = rules.rule_review_burst(ctx(Observation(rating_histogram=now), hist_points=points))
    assert verdict.action == "fire" and "Brushing suspected" in verdict.signal.message


def test_a_j_shaped_histogram_alone_is_not_a_finding():
    points = with_histogram(None, days=40, growth=lambda i: hist(990 + 10 * i, 0, 0, 0, 10))  # 99% 5★, steady
    now = hist(990 + 400, 0, 0, 0, 10)
    assert rules.rule_review_burst(ctx(Observation(rating_histogram=now), hist_points=points)).action == "clear"


# --- health, first check ------------------------------------------------------------------------------------


def test_failed_checks_only_ever_open_unverifiable():
    for status in (CheckStatus.BLOCKED, CheckStatus.ERROR, CheckStatus.UNPARSEABLE):
        verdicts = rules.evaluate_product(
            ctx(Observation.failed(status, "captcha"), status=status, statuses=[status, status])
        )
        assert verdicts["unverifiable"].action == "fire"
        assert set(verdicts) == {"unverifiable", "listing_removed"}
        assert verdicts["listing_removed"].action == "hold"


def test_unverifiable_needs_n_in_a_row_and_a_parser_break_says_so():
    assert rules.rule_unverifiable(CheckStatus.BLOCKED, ["ok", CheckStatus.BLOCKED], "", DEFAULTS).action == "hold"
    verdict = rules.rule_unverifiable(CheckStatus.UNPARSEABLE, [CheckStatus.UNPARSEABLE] * 2, "no price", DEFAULTS)
    assert verdict.action == "fire" and "parser broke" in verdict.signal.message
    assert verdict.signal.severity == context.INFO
    assert rules.rule_unverifiable(CheckStatus.OK, [CheckStatus.BLOCKED] * 5, "", DEFAULTS).action == "clear"


def test_the_first_successful_check_alerts_nothing():
    obs = Observation(
        price=D("99"), currency="USD", in_stock=False, rating=D("2.0"), review_count=900, ships_to_buyer=False
    )
    verdicts = rules.evaluate_product(ctx(obs, hist_points=[]))
    assert all(v.action != "fire" for v in verdicts.values())


# --- store -----------------------------------------------------------------------------------------------


def store_history(**values):
    return [
        StorePoint(
            at=NOW - timedelta(days=d),
            **{
                "positive_feedback_pct": D("97.8"),
                "rating_described": D("4.8"),
                "rating_communication": D("4.8"),
                "rating_shipping": D("4.7"),
                **values,
            },
        )
        for d in range(14, 0, -1)
    ]


def store_ctx(store, open_=None, points=None):
    return StoreContext(
        now=NOW,
        store=store,
        history=store_history() if points is None else points,
        open=open_ or {},
        thresholds=DEFAULTS,
    )


def test_store_feedback_drop_fires_and_recovers_with_margin():
    verdict = rules.rule_store_feedback_drop(store_ctx(StoreInfo(positive_feedback_pct=D("94.1"))))
    assert verdict.action == "fire" and "97.8% → 94.1%" in verdict.signal.message
    assert rules.rule_store_feedback_drop(store_ctx(StoreInfo(positive_feedback_pct=D("97.2")))).action == "clear"
    still = opened("store_feedback_drop", D("97.8"))
    assert rules.rule_store_feedback_drop(store_ctx(StoreInfo(positive_feedback_pct=D("96.6")), still)).action == "hold"


def test_seller_rating_drop():
    verdict = rules.rule_seller_rating_drop(store_ctx(StoreInfo(rating_described=D("4.5"), rating_shipping=D("4.7"))))
    assert verdict.action == "fire" and "item as described 4.8 → 4.5" in verdict.signal.message
    assert rules.rule_seller_rating_drop(store_ctx(StoreInfo(rating_described=D("4.8")))).action == "clear"
    assert rules.rule_seller_rating_drop(store_ctx(StoreInfo())).action == "hold"


def test_new_store():
    young = StoreInfo(opened_on=date(2026, 9, 1))
    assert rules.rule_new_store(store_ctx(young)).action == "fire"
    assert rules.rule_new_store(store_ctx(StoreInfo(opened_on=date(2019, 12, 9)))).action == "clear"
    assert rules.evaluate_store(store_ctx(young, points=[])) == {}  # the first reading only sets baselines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Not as described, colour is different", ["not_as_described"]),
        ("Never arrived and the tracking is fake", ["never_arrived"]),
        ("fake tracking number", ["never_arrived"]),
        ("Never arrived. Tracking number does not work.", ["never_arrived"]),
        ("Does not work at all, and the tracking number does not work either", ["never_arrived", "broken_quality"]),
        ("It's a fake, not original at all", ["counterfeit"]),
        ("No es como en la foto y no funciona", ["not_as_described", "broken_quality"]),
        ("Paczka nie dotarła", ["never_arrived"]),
        ("Товар не пришел", ["never_arrived"]),
        ("Produk palsu, tidak asli", ["counterfeit"]),
        ("Seller asked me to pay an extra fee on WhatsApp", ["extra_fees", "off_platform_contact"]),
        ("They sent the wrong item", ["wrong_item"]),
        ("Great product, fast shipping", []),
    ],
)
def test_complaint_themes_in_many_languages(text, expected):
    from monitoring.detect.themes import themes_in

    assert themes_in(text) == expected
