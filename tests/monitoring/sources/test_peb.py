"""The 46 pages of Zyte's product-extraction benchmark in ../shared/fixtures/peb/, value by value against the human
annotations in its ground_truth.json, read through the path of `manage.py inspect FILE --url URL --json`.

The pages are read in place (never copied); the tests skip when the folder is absent. The annotations give the
currency as the page writes it ("€", "$", "тг.", "Lei"): it is mapped to ISO 4217 by the site's country below.
Where an annotation carries `price_corrected` (the annotator read a thousands dot as a decimal point), the
corrected value is the truth.
"""

import json
from decimal import Decimal
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from monitoring.observation import Observation
from monitoring.sources.observe import observe_document
from tests.support.paths import SHARED_FIXTURES

PEB = SHARED_FIXTURES / "peb"

# The site's country decides what "$" or "€" is: ISO 4217 per site, written down by hand.
SITE_CURRENCY = {
    "i3fresh.tw": "TWD",
    "mediamarkt.pt": "EUR",
    "shop.bestseller.com": "EUR",  # the /ie/ shop
    "www.bestbuy.ca": "CAD",
    "www.emag.ro": "RON",
    "www.ikea.com": "GBP",  # the /gb/ shop
    "www.jumbo.ch": "CHF",
    "www.k-rauta.ee": "EUR",
    "www.laendleanzeiger.at": "EUR",
    "www.lafeltrinelli.it": "EUR",
    "www.mechta.kz": "KZT",
    "www.otto.de": "EUR",
    "www.paris.cl": "CLP",
    "www.stockcenter.com.ar": "ARS",
    "www.strumentimusicali.net": "EUR",
    "www.tmon.co.kr": "KRW",
    "www.zalando.fi": "EUR",
    "www.zalando.ie": "EUR",
}


def _ground_truth() -> dict:
    path = PEB / "ground_truth.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


GROUND_TRUTH = _ground_truth()
NAMES = sorted(GROUND_TRUTH) or ["(absent)"]


def expected(name: str) -> tuple[set[Decimal], str, bool]:
    truth = GROUND_TRUTH[name]
    prices = {Decimal(p.strip()) for p in truth.get("price_corrected") or truth["price"]}
    currency = SITE_CURRENCY[urlsplit(truth["url"]).hostname]
    return prices, currency, truth["availability"][0] == "InStock"


def inspect_file(shared_fixture, name: str) -> Observation:
    """What `inspect FILE --url URL --json` prints, read back: the file decoded as the command decodes it."""
    path = shared_fixture(f"peb/{name}.html")
    text = path.read_bytes().decode("utf-8", errors="replace")
    data = observe_document(text, url=GROUND_TRUTH[name]["url"]).to_json()
    return Observation.from_json(json.loads(json.dumps(data)))


@pytest.mark.parametrize("name", NAMES)
def test_price_currency_and_stock_match_the_annotation(shared_fixture, name):
    if name == "(absent)":
        shared_fixture("peb/ground_truth.json")  # skips (or fails under REQUIRE_FIXTURES=1)
    prices, currency, in_stock = expected(name)
    obs = inspect_file(shared_fixture, name)
    assert obs.status == "ok", obs.message
    assert obs.price in prices, f"{obs.price} {obs.currency}: {obs.message}"
    assert obs.currency == currency
    if in_stock:
        assert obs.in_stock is not False, obs.message  # never a false "out of stock"
    else:
        assert obs.in_stock is False


def test_the_whole_set_scores_what_the_readme_says(shared_fixture):
    shared_fixture("peb/ground_truth.json")
    right = wrong = out_found = false_out = 0
    for name in GROUND_TRUTH:
        prices, currency, in_stock = expected(name)
        obs = inspect_file(shared_fixture, name)
        if obs.price is not None:
            right += obs.price in prices and obs.currency == currency
            wrong += not (obs.price in prices and obs.currency == currency)
        out_found += not in_stock and obs.in_stock is False
        false_out += in_stock and obs.in_stock is False
    assert (right, wrong, out_found, false_out) == (46, 0, 3, 0)


def test_the_inspect_command_prints_the_same(shared_fixture):
    name = "2342b61d6831e854"  # a classified ad: no offer markup, the price is only in the visible page
    path = shared_fixture(f"peb/{name}.html")
    out = StringIO()
    call_command("inspect", str(path), "--url", GROUND_TRUTH[name]["url"], "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["status"], data["price"], data["currency"]) == ("ok", "20", "EUR")
    assert data["title"] == "Fernbedienung TV"


@pytest.mark.parametrize("name", ["2342b61d6831e854", "4595f2ae9fd95efa", "4f29e8cc0803216e", "8830b60f122373e8"])
def test_every_price_candidate_is_found_again_by_its_selector(shared_fixture, name):
    from monitoring.sources.structured import parse_html
    from monitoring.sources.visible import price_candidates, price_from_selector

    tree = parse_html(shared_fixture(f"peb/{name}.html").read_bytes().decode("utf-8", errors="replace"))
    candidates = price_candidates(tree)
    assert candidates
    for candidate in candidates[:20]:
        assert price_from_selector(tree, candidate.selector) == candidate.value, candidate.selector
