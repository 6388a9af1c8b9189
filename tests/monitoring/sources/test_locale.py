"""Locale-proof numbers, prices, counts and dates (monitoring.sources.locale)."""

from datetime import date
from decimal import Decimal

import pytest

from monitoring.sources.locale import parse_count, parse_date, parse_number, parse_price


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),  # no-break space
        ("1\u202f234,56", "1234.56"),  # narrow no-break space (French)
        ("1\u2009234,56", "1234.56"),  # thin space
        ("1542.", "1542"),  # JSON-LD price with a trailing dot
        ("143.9", "143.9"),
        ("4,5", "4.5"),
        ("10.000", "10000"),  # a lone separator before exactly three digits groups thousands
        ("1,082", "1082"),
        ("1.5", "1.5"),
        ("0.500", "0.500"),  # ...but not after a zero
        ("1234.567", "1234.567"),  # ...nor after four digits
        ("1.234.567", "1234567"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("1,23,456.00", "123456.00"),  # Indian grouping
        ("CHF 1'234.50", "1234.50"),
        ("-3,5", "-3.5"),
        ("86.6%", "86.6"),
        ("Rating 4.8 of 5", "4.8"),
        ("12", "12"),
        ("  7  ", "7"),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "—", "N/A", ".", ",", "1.2.3"])
def test_parse_number_gives_none_for_garbage(text):
    assert parse_number(text) is None


def test_parse_number_keeps_decimal_exactness():
    assert isinstance(parse_number("0.1"), Decimal)
    assert parse_number("0.1") + parse_number("0.2") == Decimal("0.3")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.000+", 10000),
        ("3000+", 3000),
        ("1,2 mil", 1200),
        ("1.2K", 1200),
        ("5k+", 5000),
        ("60 sold", 60),
        ("60 vendidos", 60),
        ("Sprzedano 60", 60),
        ("60 sprzedanych", 60),
        ("+1 000 sprzedano", 1000),
        ("4,000+", 4000),
        ("3", 3),
        ("2 тыс.", 2000),
        ("1,5 млн", 1500000),
        ("1.5M", 1500000),
        ("10万", 100000),
        ("3 rb terjual", 3000),
        ("9 Recenzje", 9),
        ("1,248 orders", 1248),
        (42, 42),
    ],
)
def test_parse_count(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["", "sold", "Nouveau", None])
def test_parse_count_gives_none_without_a_number(text):
    assert parse_count(text) is None


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("US $1,234.56", "1234.56", "USD"),
        ("MXN$1.082,35", "1082.35", "MXN"),
        ("1.234,56 €", "1234.56", "EUR"),
        ("€ 1.234,56", "1234.56", "EUR"),
        ("R$ 21,32", "21.32", "BRL"),
        ("zł 12,50", "12.50", "PLN"),
        ("12,50 zł", "12.50", "PLN"),
        ("Rp343.297", "343297", "IDR"),
        ("Rp343,297", "343297", "IDR"),
        ("₽ 1 500", "1500", "RUB"),
        ("1\u00a0500,00\u00a0₽", "1500.00", "RUB"),
        ("PKR 1,542", "1542", "PKR"),
        ("PKR1,542", "1542", "PKR"),
        ("£25", "25", "GBP"),
        ("CN￥97.46", "97.46", "CNY"),
        ("C$ 12.99", "12.99", "CAD"),
        ("TRY 1.234,56", "1234.56", "TRY"),
        ("₩12,000", "12000", "KRW"),
        ("KWD 1.250", "1.250", "KWD"),  # three-decimal currency: the lone dot is a decimal point
        ("MXN$155,59 - $399,15", "155.59", "MXN"),  # a range: its low end
    ],
)
def test_parse_price(text, amount, currency):
    assert parse_price(text) == (Decimal(amount), currency)


@pytest.mark.parametrize("text", ["Free", "Gratis", "Kostenlos", "Darmowa dostawa", "FREE shipping"])
def test_free_is_zero_in_the_buyers_currency(text):
    assert parse_price(text, "EUR") == (Decimal("0"), "EUR")


def test_a_bare_dollar_sign_is_the_buyers_dollar_or_usd():
    assert parse_price("$12") == (Decimal("12"), "USD")
    assert parse_price("$12", "MXN") == (Decimal("12"), "MXN")
    assert parse_price("$12", "EUR") == (Decimal("12"), "USD")
    assert parse_price("$") == (None, "USD")


def test_ambiguous_kronor_follow_the_buyer_and_words_are_not_currencies():
    assert parse_price("99,00 kr", "SEK") == (Decimal("99.00"), "SEK")
    assert parse_price("99,00 kr", "DKK") == (Decimal("99.00"), "DKK")
    assert parse_price("TOTAL 12") == (Decimal("12"), "")  # "TL" inside a word is not Turkish lira


def test_price_without_an_amount_is_none():
    assert parse_price("") == (None, "")
    assert parse_price("price on request", "USD") == (None, "USD")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-30", date(2024, 6, 30)),
        ("2024-06-30 05:35:14", date(2024, 6, 30)),
        ("2024/6/3", date(2024, 6, 3)),
        ("Dec 9, 2019", date(2019, 12, 9)),
        ("September 9, 2016", date(2016, 9, 9)),
        ("Apr 14, 2017", date(2017, 4, 14)),
        ("Jun 30, 2024", date(2024, 6, 30)),
        ("sep 28, 2019", date(2019, 9, 28)),
        ("dic 30, 2022", date(2022, 12, 30)),  # es
        ("03 MAR 2025", date(2025, 3, 3)),
        ("03 KWI 2025", date(2025, 4, 3)),  # pl
        ("02 MAJ 2025", date(2025, 5, 2)),  # pl
        ("2 maja 2024", date(2024, 5, 2)),  # pl genitive
        ("22 Nov 2025", date(2025, 11, 22)),
        ("30 juin 2024", date(2024, 6, 30)),  # fr
        ("7 juil. 2024", date(2024, 7, 7)),  # fr: "jui" alone is ambiguous, "juil." is not
        ("15 sept. 2023", date(2023, 9, 15)),
        ("5. März 2024", date(2024, 3, 5)),  # de
        ("1. Okt. 2023", date(2023, 10, 1)),
        ("12 янв. 2024", date(2024, 1, 12)),  # ru abbreviated
        ("30 июня 2024 г.", date(2024, 6, 30)),  # ru genitive
        ("14 Agu 2024", date(2024, 8, 14)),  # id
        ("2 de março de 2024", date(2024, 3, 2)),  # pt
        ("10 Eki 2024", date(2024, 10, 10)),  # tr
        ("1 mrt 2024", date(2024, 3, 1)),  # nl
        ("5 ott 2024", date(2024, 10, 5)),  # it
        ("31 lip 2024", date(2024, 7, 31)),  # pl July
        ("30/06/2024", date(2024, 6, 30)),
        ("30.06.2024", date(2024, 6, 30)),
        ("03/04/2024", date(2024, 4, 3)),  # ambiguous: day first
        ("06/30/2024", date(2024, 6, 30)),  # day first is impossible: month first
        ("2024年6月30日", date(2024, 6, 30)),
        ("G***N | 03 MAR 2025", date(2025, 3, 3)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_language_hint_settles_names_languages_disagree_on():
    assert parse_date("02 MAJ 2025", "pl_PL") == date(2025, 5, 2)
    assert parse_date("14 Agu 2024", "in_ID") == date(2024, 8, 14)
    assert parse_date("dic 30, 2022", "es") == date(2022, 12, 30)


@pytest.mark.parametrize("text", ["", "garbage", "31/02/2024", "13/13/2024", "Mar 2025", "yesterday"])
def test_parse_date_gives_none_when_not_a_date(text):
    assert parse_date(text) is None
