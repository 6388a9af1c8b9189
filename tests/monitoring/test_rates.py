"""Exchange rates: the ECB's daily table read through the guarded fetcher from a local server, the last good
table kept when a refresh fails, the user's own rate winning."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from monitoring.fetch import reset_fetcher
from monitoring.models import ExchangeRate
from monitoring.rates import RatesError, parse_ecb_xml, rates_for, rates_refresh
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 16, tzinfo=UTC)


def table(day: str, **rates) -> str:
    cubes = "".join(f"<Cube currency='{c}' rate='{r}'/>" for c, r in rates.items())
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01' "
        "xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'>"
        f"<Cube><Cube time='{day}'>{cubes}</Cube></Cube></gesmes:Envelope>"
    )


@pytest.fixture
def shop(settings):
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.ECB_RATES_URL = s.url("/eurofxref-daily.xml")
    reset_fetcher()
    yield s
    s.close()
    reset_fetcher()


def test_the_table_is_read_with_its_date():
    day, rates = parse_ecb_xml(table("2026-11-30", USD="1.0812", JPY="162.5", BAD="x", XX="1"))
    assert day == date(2026, 11, 30) and rates == {"USD": D("1.0812"), "JPY": D("162.5")}


@pytest.mark.parametrize(
    "text",
    [
        "not xml",
        table("2026-11-30"),
        "<Cube><Cube currency='USD' rate='1.1'/></Cube>",
        "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
    ],
)
def test_garbage_is_refused(text):
    with pytest.raises(RatesError):
        parse_ecb_xml(text)


def test_a_refresh_stores_the_table_and_a_failure_keeps_the_last_good_one(shop):
    shop.page("/eurofxref-daily.xml", table("2026-11-30", USD="1.0800", GBP="0.8600"), content_type="text/xml")
    assert rates_refresh(now=NOW) == "2 rates of 2026-11-30"
    usd_eur = rates_for(currency="EUR", manual=None).rate("USD", "EUR")
    assert usd_eur.value.quantize(D("0.0001")) == D("0.9259") and usd_eur.on == date(2026, 11, 30)
    shop.page("/eurofxref-daily.xml", "<html>maintenance</html>", status=503)
    assert rates_refresh(now=NOW).startswith("kept the last rates")
    assert ExchangeRate.objects.count() == 2
    gbp_usd = rates_for(currency="USD", manual=None).rate("GBP", "USD")
    assert gbp_usd.value.quantize(D("0.0001")) == D("1.2558")


def test_the_newest_table_is_used_and_the_users_own_rate_wins(shop):
    shop.page("/eurofxref-daily.xml", table("2026-11-29", USD="1.2000"), content_type="text/xml")
    rates_refresh(now=NOW)
    shop.page("/eurofxref-daily.xml", table("2026-11-30", USD="1.0000"), content_type="text/xml")
    rates_refresh(now=NOW)
    assert rates_for(currency="EUR", manual=None).rate("USD", "EUR").value == D(1)
    mine = rates_for(currency="EUR", manual={"USD": "0.5", "bad": "x"})
    assert mine.rate("USD", "EUR").value == D("0.5") and mine.rate("USD", "EUR").source == "your rate"
    assert mine.rate("CNY", "EUR") is None


def test_the_refresh_goes_through_the_guard(settings):
    settings.ECB_RATES_URL = "http://127.0.0.1:9/rates.xml"  # loopback, not allow-listed
    settings.FETCH_ALLOWED_HOSTS = []
    reset_fetcher()
    assert rates_refresh(now=NOW).startswith("kept the last rates")
