"""Rules on what the user buys: the variant they sell, its stock, shipping to them, delivery time, and the
margin on the landed cost in their currency. Plain functions, no database."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

from monitoring.checking import resolve_variant, watched_reading
from monitoring.detect import rules
from monitoring.detect.context import OpenFinding, Point, ProductContext
from monitoring.detect.thresholds import DEFAULTS
from monitoring.observation import Observation, Shipping, Variant
from monitoring.rates import Rate, Rates
from monitoring.statuses import CheckStatus
from suppliers.margins import landed_cost, price_for_margin

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FREE = Shipping(to="US", fee=D("0"), currency="USD", days_min=7, days_max=15, method="AliExpress Standard")


def listing(black="10.00", white="5.00", black_stock=100, white_stock=100, shipping=FREE, variants=None):
    variants = variants or [
        Variant("111", "Color: Black", D(black), None, "USD", black_stock > 0, black_stock),
        Variant("222", "Color: White", D(white), None, "USD", white_stock > 0, white_stock),
    ]
    prices = [v.price for v in variants if v.price is not None]
    return Observation(
        price=min(prices), price_max=max(prices), currency="USD", in_stock=True, variants=variants, shipping=shipping
    )


def history(days=10, per_day=2, **values):
    return [
        Point(at=NOW - timedelta(days=days) + timedelta(hours=24 / per_day * i), **{"currency": "USD", **values})
        for i in range(days * per_day)
    ]


def ctx(obs, *, variant="111", hist=None, open_=None, t=DEFAULTS, landed=None, my_price=None, my_currency=""):
    return ProductContext(
        now=NOW,
        status=CheckStatus.OK,
        obs=watched_reading(obs, variant),
        listing=obs,
        variant_id=variant,
        variant_name="Color: Black",
        history=hist if hist is not None else history(price=D("10.00"), variant_sku=variant, shipping_fee=D("0")),
        recent_statuses=[],
        open=open_ or {},
        thresholds=t,
        landed=landed,
        my_price=my_price,
        my_currency=my_currency,
    )


def opened(kind, baseline=None, evidence=None):
    return {kind: OpenFinding(kind, 20, baseline, None, evidence or {}, NOW - timedelta(days=1))}


# --- the variant sold ----------------------------------------------------------------------------------


def test_a_rise_of_the_variant_sold_fires_though_the_cheapest_stays():
    verdict = rules.rule_price_increase(ctx(listing(black="12.50")))
    assert verdict.action == "fire" and "10.00 → 12.50" in verdict.signal.message


def test_another_variant_moving_is_not_a_finding():
    c = ctx(listing(white="9.00", white_stock=0))
    verdicts = rules.evaluate_product(c)
    assert {k for k, v in verdicts.items() if v.action == "fire"} == set()


def test_the_variant_sold_selling_out_fires_while_others_remain():
    assert rules.rule_out_of_stock(ctx(listing(black_stock=0))).action == "fire"
    assert rules.rule_out_of_stock(ctx(listing(white_stock=0))).action == "clear"


def test_without_a_variant_chosen_the_rules_watch_the_lowest_price():
    c = ctx(listing(white="6.00"), variant="", hist=history(price=D("5.00")))
    verdict = rules.rule_price_increase(c)
    assert verdict.action == "fire" and "5.00 → 6.00" in verdict.signal.message


def test_the_variant_removed_while_the_listing_answers():
    gone = listing(variants=[Variant("222", "Color: White", D("5.00"), None, "USD", True, 50)])
    c = ctx(gone)
    verdict = rules.rule_variant_removed(c)
    assert verdict.action == "fire" and verdict.signal.severity == 30 and "Color: Black" in verdict.signal.message
    assert c.obs.price is None and rules.rule_price_increase(c).action == "hold"  # no price read as a change
    assert rules.rule_variant_removed(ctx(listing())).action == "clear"
    no_list = replace(listing(), variants=[])  # a page whose variants were not read says nothing
    assert rules.rule_variant_removed(ctx(no_list)).action == "hold"


def test_variant_named_by_options_resolves_to_its_id():
    obs = listing()
    assert resolve_variant(obs, "Black") == "111"
    assert resolve_variant(obs, "color: white") == "222"
    assert resolve_variant(obs, "111") == "111"
    assert resolve_variant(obs, "Red") == ""
    two = replace(
        obs,
        variants=[
            Variant("1", "Color: Green; Length: 20 m", D("5"), None, "USD", True, 5),
            Variant("2", "Color: Green; Length: 30 m", D("6"), None, "USD", True, 5),
        ],
    )
    assert resolve_variant(two, "Green") == ""  # ambiguous: the user picks
    assert resolve_variant(two, "Green; 30 m") == "2"


# --- stock ---------------------------------------------------------------------------------------------


def test_low_stock_fires_under_the_threshold_and_recovers_with_margin():
    assert rules.rule_low_stock(ctx(listing(black_stock=8))).action == "fire"
    assert rules.rule_low_stock(ctx(listing(black_stock=8, white_stock=3))).signal.current == 8
    assert rules.rule_low_stock(ctx(listing(black_stock=500, white_stock=3))).action == "clear"  # other variant
    is_open = opened("low_stock", D(20))
    assert rules.rule_low_stock(ctx(listing(black_stock=22), open_=is_open)).action == "hold"
    assert rules.rule_low_stock(ctx(listing(black_stock=40), open_=is_open)).action == "clear"
    assert rules.rule_low_stock(ctx(listing(black_stock=0))).action == "hold"  # that is "out of stock"


# --- shipping and delivery -------------------------------------------------------------------------------


def test_free_shipping_turning_paid_fires():
    paid = replace(FREE, fee=D("3.50"))
    verdict = rules.rule_shipping_cost_up(ctx(listing(shipping=paid)))
    assert verdict.action == "fire" and "no longer free" in verdict.signal.message
    assert rules.rule_shipping_cost_up(ctx(listing())).action == "clear"


def test_shipping_up_by_the_threshold_fires_and_noise_stays_quiet():
    hist = history(price=D("10.00"), variant_sku="111", shipping_fee=D("2.00"))
    fee = lambda v: listing(shipping=replace(FREE, fee=D(v)))  # noqa: E731
    assert rules.rule_shipping_cost_up(ctx(fee("2.60"), hist=hist)).action == "fire"  # +30%
    assert rules.rule_shipping_cost_up(ctx(fee("2.20"), hist=hist)).action == "clear"  # +10%
    still = opened("shipping_cost_up", D("2.00"), {"currency": "USD"})
    assert rules.rule_shipping_cost_up(ctx(fee("2.45"), hist=hist, open_=still)).action == "hold"  # +22.5%
    assert rules.rule_shipping_cost_up(ctx(fee("2.10"), hist=hist, open_=still)).action == "clear"


def test_delivery_slower_than_the_maximum_fires_and_recovers_with_margin():
    slow = lambda lo, hi: listing(shipping=replace(FREE, days_min=lo, days_max=hi))  # noqa: E731
    verdict = rules.rule_delivery_slow(ctx(slow(20, 35)))
    assert verdict.action == "fire" and "35 days" in verdict.signal.message
    assert rules.rule_delivery_slow(ctx(slow(10, 20))).action == "clear"
    is_open = opened("delivery_slow", D(20))
    assert rules.rule_delivery_slow(ctx(slow(10, 19), open_=is_open)).action == "hold"
    assert rules.rule_delivery_slow(ctx(slow(10, 18), open_=is_open)).action == "clear"
    stricter = DEFAULTS.with_overrides({"max_delivery_days": 10})
    assert rules.rule_delivery_slow(ctx(slow(7, 15), t=stricter)).action == "fire"


# --- landed cost and currency -------------------------------------------------------------------------------


RATES = Rates(per_eur={"USD": D("1.0870"), "GBP": D("0.8600")}, on=date(2026, 11, 24))


def test_landed_cost_adds_every_term_converted_with_a_dated_rate():
    cost = landed_cost(
        price=D("10.00"),
        currency="USD",
        my_price=D("30.00"),
        my_currency="EUR",
        shipping_fee=D("2.00"),
        shipping_currency="USD",
        fee_pct=D("3"),
        fixed_fee=D("0.30"),
        rate=RATES.rate,
    )
    amounts = {t.label: t.amount.quantize(D("0.01")) for t in cost.terms}
    assert amounts == {
        "Supplier price": D("9.20"),
        "Shipping": D("1.84"),
        "Payment / marketplace fee 3%": D("0.90"),
        "Fixed fee per order": D("0.30"),
    }
    assert cost.total.quantize(D("0.01")) == D("12.24")
    assert cost.margin_pct.quantize(D("0.1")) == D("59.2")
    assert cost.rates == ("1 USD = 0.919963 EUR (ECB of 2026-11-24)",)


def test_no_rate_says_why_and_the_margin_rule_holds():
    cost = landed_cost(price=D("10"), currency="CNY", my_price=D("30"), my_currency="EUR", rate=RATES.rate)
    assert cost.margin_pct is None and "No exchange rate from CNY to EUR" in cost.unknown
    assert rules.rule_margin_low(ctx(listing(), landed=cost, my_price=D("30"))).action == "hold"


def test_the_users_own_rate_wins_over_the_ecb():
    mine = Rates(per_eur=RATES.per_eur, on=RATES.on, manual={"USD": D("0.50")}, manual_target="EUR")
    assert mine.rate("USD", "EUR") == Rate(D("0.50"), None, "your rate")
    assert mine.rate("USD", "GBP").source == "ECB"


def test_margin_low_on_the_landed_cost_names_the_price_that_restores_it():
    cost = landed_cost(price=D("12.50"), currency="USD", my_price=D("14.00"), my_currency="EUR", rate=RATES.rate)
    verdict = rules.rule_margin_low(ctx(listing(black="12.50"), landed=cost, my_price=D("14.00"), my_currency="EUR"))
    assert verdict.action == "fire" and "landed" in verdict.signal.message and "ECB" in verdict.signal.message
    target = D(verdict.signal.evidence["price_for_min_margin"])
    again = landed_cost(price=D("12.50"), currency="USD", my_price=target, my_currency="EUR", rate=RATES.rate)
    assert again.margin_pct >= DEFAULTS.min_margin_pct - D("0.1")
    assert price_for_margin(landed=cost, my_price=D("14.00"), min_margin_pct=D("20")) == target


def test_rate_noise_near_the_threshold_does_not_flap():
    def margin_at(usd_per_eur):
        r = Rates(per_eur={"USD": D(usd_per_eur)}, on=date(2026, 11, 24))
        return landed_cost(price=D("10.70"), currency="USD", my_price=D("12.50"), my_currency="EUR", rate=r.rate)

    is_open = opened("margin_low", D(20))
    for noisy in ("1.0870", "1.0800", "1.0950", "1.0850"):  # the euro moving by ±0.7%
        cost = margin_at(noisy)
        assert D("20") < cost.margin_pct < D("23")
        quiet = ctx(listing(black="10.70"), landed=cost, my_price=D("12.50"), my_currency="EUR")
        assert rules.rule_margin_low(quiet).action == "clear"  # above the minimum: nothing opens
        held = replace(quiet, open=is_open)
        assert rules.rule_margin_low(held).action == "hold"  # open: inside the recovery band, not resolved


def test_the_price_that_restores_the_margin_counts_the_percentage_fee():
    def cost(my_price):
        return landed_cost(
            price=D("10.00"), currency="EUR", my_price=my_price, fee_pct=D("3"), fixed_fee=D("0.30"), rate=RATES.rate
        )

    target = price_for_margin(landed=cost(D("12.00")), my_price=D("12.00"), min_margin_pct=D("20"))
    assert cost(target).margin_pct.quantize(D("0.1")) == D("20.0")  # the fee grows with the new price
