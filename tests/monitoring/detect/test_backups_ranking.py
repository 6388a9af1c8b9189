"""The ranking of backup suppliers: which alternative to switch to, or why none qualifies. No database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from monitoring.detect.backups import Candidate, describe, rank_alternatives, score

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FRESH = NOW - timedelta(hours=5)


def cand(name, margin="30", landed="9.40", trust=80, days=(8, 12), stock=True, at=FRESH, ships=None):
    return Candidate(
        name=name,
        landed=D(landed) if landed is not None else None,
        currency="USD",
        margin_pct=D(margin) if margin is not None else None,
        days_min=days[0] if days else None,
        days_max=days[1] if days else None,
        trust=trust,
        in_stock=stock,
        ships_to_buyer=ships,
        last_ok_at=at,
    )


def rank(cands, **kw):
    return rank_alternatives(cands, min_margin_pct=D("20"), max_delivery_days=25, now=NOW, **kw)


def test_the_recommendation_names_the_numbers():
    ranking = rank([cand("Casa Verde", margin="31", trust=86)])
    assert ranking.text == "Switch to Casa Verde: landed 9.40 USD, margin 31%, 8–12 days, trust 86, in stock."


def test_higher_margin_wins_but_trust_and_delivery_count():
    # 30% margin, trust 60, 20 days: 30 - 2 - 5 = 23; 26% margin, trust 90, 10 days: 26 + 4 - 0 = 30.
    cheap_risky = cand("Cheap", margin="30", trust=60, days=(15, 20))
    solid = cand("Solid", margin="26", trust=90, days=(6, 10))
    assert score(cheap_risky, max_delivery_days=25) == D("23.0")
    assert score(solid, max_delivery_days=25) == D("30.0")
    assert [c.name for c in rank([cheap_risky, solid]).ranked] == ["Solid", "Cheap"]
    # Far more margin beats a better reputation.
    rich = cand("Rich", margin="45", trust=70, days=(8, 12))
    assert rank([solid, rich]).best.name == "Rich"


def test_unknown_trust_counts_as_poor():
    assert rank([cand("Unknown", trust=None), cand("Known", trust=80)]).best.name == "Known"


def test_ties_go_to_the_lower_landed_cost_then_the_name():
    a, b = cand("B shop", landed="9.00"), cand("A shop", landed="9.50")
    assert [c.name for c in rank([b, a]).ranked] == ["B shop", "A shop"]


def test_none_qualifies_all_out_of_stock():
    ranking = rank([cand("A", stock=False), cand("B", stock=False)])
    assert ranking.best is None and ranking.text == "No backup supplier qualifies: all are out of stock."


def test_none_qualifies_margins_below_minimum():
    ranking = rank([cand("A", margin="12"), cand("B", margin="5")])
    assert ranking.text == "No backup supplier qualifies: all margins are below your minimum of 20%."


def test_none_qualifies_none_checked_recently():
    old = NOW - timedelta(days=4)
    ranking = rank([cand("A", at=old), cand("B", at=None)])
    assert ranking.text == "No backup supplier qualifies: none was checked in the last 3 days."


def test_mixed_reasons_are_listed():
    ranking = rank([cand("A", stock=False), cand("B", margin="10"), cand("C", days=(30, 40))])
    assert ranking.text == (
        "No backup supplier qualifies: A is out of stock; B's margin of 10% is below your minimum of 20%; "
        "C takes up to 40 days (your maximum is 25)."
    )


def test_a_listing_that_does_not_ship_or_has_no_price_does_not_qualify():
    ranking = rank([cand("A", ships=False), cand("B", landed=None, margin=None)])
    assert ranking.best is None and "A does not ship to you" in ranking.text and "B has no price read" in ranking.text


def test_without_a_selling_price_the_margin_is_not_required():
    ranking = rank([cand("A", margin=None, trust=90), cand("B", margin=None, trust=70)], priced=False)
    assert ranking.best.name == "A"
    assert describe(ranking.best) == "A: landed 9.40 USD, 8–12 days, trust 90, in stock"


def test_no_alternatives_no_text():
    assert rank([]).text == ""
