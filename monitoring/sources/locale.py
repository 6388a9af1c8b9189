"""Locale-proof reading of the numbers, prices, counts and dates that shops print.

Shops print "1.234,56", "1 234,56" (with a no-break space), "10.000+", "1,2 mil", "Rp343.297", "03 KWI 2025"
depending on the buyer's site. These helpers read them all without being told the locale, and answer None
(never 0) when a text holds no number. Money comes back as Decimal.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.dates import get_month_names
from price_parser import Price

__all__ = [
    "currency_code",
    "currency_in",
    "default_currency_for",
    "parse_count",
    "parse_date",
    "parse_number",
    "parse_price",
]

# --- numbers -----------------------------------------------------------------------------------------

# Spaces used as thousands separators: no-break, narrow no-break, thin, figure space, and the apostrophes
# of Swiss prices ("1'234.50").
_GROUP_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2019": "'"})
# A number: digits with "." and "," inside, and spaces or apostrophes only where a group of exactly three
# digits follows (so "5 8" stays two numbers, "1 234,56" is one).
_NUMBER = re.compile(r"[-\u2212]?\d[\d.,]*(?:[ '](?=\d{3}(?!\d))\d{3}[\d.,]*)*")


def parse_number(text: str) -> Decimal | None:
    """The first number in `text`, whatever its locale: "1.234,56", "1 234,56", "1542.", "4,5" -> Decimal."""
    return _parse_number(text)


def _parse_number(text, *, three_decimals: bool = False) -> Decimal | None:
    if text is None:
        return None
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        return Decimal(str(text))
    match = _NUMBER.search(str(text).translate(_GROUP_SPACES))
    if not match:
        return None
    token = match.group(0).replace(" ", "").replace("'", "").replace("\u2212", "-")
    token = token.rstrip(".,")  # "1542." is 1542: a trailing separator carries no decimals
    digits = _normalise_separators(token, three_decimals=three_decimals)
    if digits is None:
        return None
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _normalise_separators(token: str, *, three_decimals: bool) -> str | None:
    """Turn "1.234,56" / "1,234.56" / "10.000" / "1.5" into "1234.56" / "1234.56" / "10000" / "1.5"."""
    sign = "-" if token.startswith("-") else ""
    token = token.lstrip("-")
    dots, commas = token.count("."), token.count(",")
    if not dots and not commas:
        return sign + token
    if dots and commas:
        # Both kinds: the last one is the decimal separator, the other groups thousands ("1.234,56").
        decimal_sep = "." if token.rfind(".") > token.rfind(",") else ","
        if token.count(decimal_sep) > 1:
            return None
        group_sep = "," if decimal_sep == "." else "."
        whole, fraction = token.split(decimal_sep)
        if not _valid_groups(whole.split(group_sep)):
            return None
        return f"{sign}{whole.replace(group_sep, '')}.{fraction}"
    sep = "." if dots else ","
    parts = token.split(sep)
    if len(parts) > 2:  # "1.234.567": only thousands separators
        return sign + "".join(parts) if _valid_groups(parts) else None
    whole, fraction = parts
    # A lone separator followed by exactly three digits groups thousands ("10.000", "1,082"), unless the
    # whole part is 0 ("0.500") or the currency has three decimals (KWD 1.250).
    if len(fraction) == 3 and whole not in ("", "0") and len(whole) <= 3 and not three_decimals:
        return sign + whole + fraction
    return f"{sign}{whole or '0'}.{fraction}"


def _valid_groups(groups: list[str]) -> bool:
    """Thousands groups: 1-3 digits first, then threes (Indian lakh grouping, twos then a three, is fine)."""
    if not groups[0] or (len(groups[0]) > 3 and len(groups) > 1):
        return False
    tail = groups[1:]
    return all(len(g) in (2, 3) for g in tail) and (not tail or len(tail[-1]) == 3)


# --- counts ------------------------------------------------------------------------------------------

# Multipliers written after a count: "1,2 mil" (es/pt thousand), "5k", "2 тыс.", "1,5 млн", "3 rb" (id).
_MULTIPLIERS = {
    "k": 1_000, "mil": 1_000, "tys": 1_000, "tsd": 1_000, "rb": 1_000, "ribu": 1_000,
    "тыс": 1_000, "千": 1_000, "万": 10_000, "m": 1_000_000, "mln": 1_000_000, "mio": 1_000_000,
    "млн": 1_000_000, "jt": 1_000_000, "juta": 1_000_000, "million": 1_000_000, "millones": 1_000_000,
    "millón": 1_000_000, "milhões": 1_000_000, "milhão": 1_000_000, "mn": 1_000_000,
}  # fmt: skip
_COUNT = re.compile(_NUMBER.pattern + r"\s*(?P<unit>[^\W\d_]+)?")


def parse_count(text) -> int | None:
    """A count as its lower bound: "10.000+" -> 10000, "1,2 mil" -> 1200, "5k+" -> 5000, "60 vendidos" -> 60."""
    if text is None:
        return None
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if isinstance(text, float):
        return int(text) if math.isfinite(text) else None
    if _EXPONENT.search(str(text)):
        return None  # "1e20" is no count a shop writes: garbage, not 1
    match = _COUNT.search(str(text).translate(_GROUP_SPACES))
    if not match:
        return None
    value = _parse_number(match.group(0))
    if value is None:
        return None
    multiplier = _MULTIPLIERS.get((match.group("unit") or "").lower(), 1)
    return int(value * multiplier)


# --- prices ------------------------------------------------------------------------------------------

# Written currency markers -> ISO 4217, longest first so "MXN$" wins over "$" and "US $" over "$".
_SYMBOLS = {
    "US $": "USD", "US$": "USD", "USD$": "USD", "MXN$": "MXN", "MX$": "MXN", "CA $": "CAD", "CA$": "CAD",
    "C$": "CAD", "AU $": "AUD", "AU$": "AUD", "A$": "AUD", "NZ$": "NZD", "HK$": "HKD", "S$": "SGD",
    "NT$": "TWD", "R$": "BRL", "COL$": "COP", "CLP$": "CLP", "RD$": "DOP", "CN￥": "CNY", "CN¥": "CNY",
    "RMB": "CNY", "JP¥": "JPY", "zł": "PLN", "Rp": "IDR", "RM": "MYR", "Kč": "CZK", "Ft": "HUF", "lei": "RON",
    "руб.": "RUB", "руб": "RUB", "р.": "RUB", "₽": "RUB", "€": "EUR", "£": "GBP", "₩": "KRW", "₹": "INR",
    "₺": "TRY", "TL": "TRY", "₫": "VND", "฿": "THB", "₱": "PHP", "₪": "ILS", "₴": "UAH", "грн": "UAH",
    "₦": "NGN", "₸": "KZT", "₼": "AZN", "₾": "GEL", "¥": "JPY", "￥": "CNY", "Fr.": "CHF", "SAR": "SAR",
    "Lei": "RON", "LEI": "RON", "тг.": "KZT", "тг": "KZT", "원": "KRW", "лв.": "BGN", "лв": "BGN",
    "৳": "BDT", "₲": "PYG", "₡": "CRC", "S/.": "PEN", "Bs.": "VES",
    "Q.": "GTQ", "円": "JPY", "₭": "LAK", "₮": "MNT", "сом": "KGS", "RSD": "RSD", "din.": "RSD",
}  # fmt: skip
# Alphabetic markers ("RM", "TL", "zł") must stand alone, so "TOTAL" does not read as Turkish lira.
_SYMBOL_RE = re.compile(
    "|".join(
        (r"(?<![^\W\d_])" if symbol[0].isalpha() else "")
        + re.escape(symbol)
        + (r"(?![^\W\d_])" if symbol[-1].isalpha() else "")
        for symbol in sorted(_SYMBOLS, key=len, reverse=True)
    )
)
# Markers that several currencies share: the buyer's currency wins when it is one of them.
_AMBIGUOUS = [
    (re.compile(r"\$"), "USD", {"USD", "CAD", "AUD", "NZD", "MXN", "ARS", "CLP", "COP", "SGD", "HKD", "TWD", "UYU"}),
    (re.compile(r"(?<![^\W\d_])kr\.?(?![^\W\d_])", re.I), "", {"SEK", "NOK", "DKK", "ISK"}),
    (re.compile(r"¥"), "JPY", {"JPY", "CNY"}),
    (re.compile(r"元"), "CNY", {"CNY", "TWD", "HKD", "MOP"}),
    (re.compile(r"(?<![^\W\d_])Rs\.?(?![^\W\d_])"), "", {"INR", "PKR", "LKR", "NPR", "MUR", "SCR"}),
]
_ISO_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
_THREE_DECIMALS = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
_FREE = re.compile(r"\b(?:free|gratis|gratuit|gratuito|kostenlos|darmowa|darmowy|бесплатно|ücretsiz)\b", re.I)


def _iso_codes() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


_ISO_CURRENCIES = _iso_codes()


# Scientific notation, and a minus before the first digit: garbage in a price or a count, never a value.
_EXPONENT = re.compile(r"\d\s*[eE][+-]?\d")
_NEGATIVE = re.compile(r"^[^\d]*[-\u2212\u2012\u2013]\s*[^\w\s]{0,3}\s*\d")


def _current_codes() -> frozenset[str]:
    """ISO 4217 codes in use today (Babel's territory tables: a tender with no end date), without the metals,
    funds and test codes (XAU, XTS, XXX...) that no shop prices in."""
    from babel.core import get_global

    current = {
        code for entries in get_global("territory_currencies").values() for code, _start, end, _tender in entries
        if end is None
    }  # fmt: skip
    not_money = {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}
    return frozenset(current - not_money)


CURRENT_CURRENCIES = _current_codes()
# Withdrawn codes that shops still print for today's money (Russia's pre-1998 "RUR" on ruble prices). Other
# withdrawn codes (DEM, BYR, VEF...) name other money: they are not read as a currency.
_OBSOLETE_CODES = {"RUR": "RUB"}


def currency_code(text: str) -> str:
    """An ISO 4217 code in use today for `text` ("eur", "RUR" -> "RUB"), or "" when it is none."""
    code = (text or "").strip().upper()
    code = _OBSOLETE_CODES.get(code, code)
    return code if code in CURRENT_CURRENCIES else ""


def currency_in(text: str, default_currency: str = "") -> str:
    """The currency a short price text is written in ("44 890 тг." -> KZT, "$99" on a Taiwanese page -> TWD);
    "" when it shows none. ISO codes count only when they are today's (not "ALL" in "SHOP ALL" next to nothing)."""
    text = (text or "").translate(_GROUP_SPACES)
    default_currency = (default_currency or "").upper()
    for code in _ISO_CODE.findall(text):
        code = _OBSOLETE_CODES.get(code, code)
        if code in CURRENT_CURRENCIES and code not in _WORDLIKE_CODES:
            return code
    symbol = _SYMBOL_RE.search(text)
    if symbol:
        return _SYMBOLS[symbol.group(0)]
    for pattern, fallback, family in _AMBIGUOUS:
        if pattern.search(text):
            return default_currency if default_currency in family else fallback
    return ""


# Codes that are also English words or labels in shop copy ("SHOP ALL", "TOP", "CUP").
_WORDLIKE_CODES = frozenset({"ALL", "TOP", "CUP", "BOB", "MOP", "PEN", "GEL", "MAD", "SOS", "BAM", "TMT"})

# Country-code top-level domains that are sold as generic names: they say nothing about the shop's country.
_GENERIC_TLDS = frozenset({"com", "net", "org", "info", "biz", "shop", "store", "io", "co", "me", "tv", "ai", "app",
                           "online", "site", "eu", "asia", "xyz", "ly", "to", "fm", "gg", "cc"})  # fmt: skip
_LOCALE_REGION = re.compile(r"^[a-z]{2,3}[-_]([a-z]{2})$", re.I)
_PATH_REGION = re.compile(r"/(?:[a-z]{2}[-_])?([a-z]{2})(?:[-_][a-z]{2})?/", re.I)


def default_currency_for(url: str = "", locale: str = "") -> str:
    """The currency a shop most likely prices in when it writes only "$" or "kr": its country's, from the URL's
    country domain (paris.cl -> CLP, shop.co.uk -> GBP), else the page's locale ("es_AR", "en-CA"), else a
    country segment of the path (ikea.com/gb/en/ -> GBP). "" when nothing says."""
    from urllib.parse import urlsplit

    from babel.numbers import get_territory_currencies

    def currency_of(region: str) -> str:
        try:
            found = get_territory_currencies(region.upper())
        except Exception:  # an unknown territory
            return ""
        return next((c for c in found if c in CURRENT_CURRENCIES), "")

    host = (urlsplit(url).hostname or "") if url else ""
    tld = host.rsplit(".", 1)[-1].lower() if "." in host else ""
    if tld and tld not in _GENERIC_TLDS and len(tld) == 2:
        found = currency_of("GB" if tld == "uk" else tld)
        if found:
            return found
    match = _LOCALE_REGION.match((locale or "").strip())
    if match and (found := currency_of(match.group(1))):
        return found
    if url:
        path = urlsplit(url).path.lower() + "/"
        match = _PATH_REGION.match(path)
        if match and (found := currency_of("GB" if match.group(1) == "uk" else match.group(1))):
            return found
    return ""


def parse_price(text: str, default_currency: str = "") -> tuple[Decimal | None, str]:
    """("US $1,234.56") -> (Decimal("1234.56"), "USD"); "Free"/"Gratis" -> (0, currency); no amount -> None."""
    text = (text or "").translate(_GROUP_SPACES).strip()
    default_currency = (default_currency or "").upper()
    currency = _currency_of(text, default_currency)
    if not text:
        return None, currency
    if _EXPONENT.search(text) or _NEGATIVE.match(text):
        return None, currency  # "1e400", "-5": not a price (read as 1 and 5 before)
    amount_text = Price.fromstring(text).amount_text
    if amount_text is None or not re.search(r"\d", amount_text):
        if _FREE.search(text):
            return Decimal("0"), currency
        return None, currency
    amount = _parse_number(amount_text, three_decimals=currency in _THREE_DECIMALS)
    return amount, currency


def _currency_of(text: str, default_currency: str) -> str:
    for code in _ISO_CODE.findall(text):
        if code in _ISO_CURRENCIES:
            return code
    symbol = _SYMBOL_RE.search(text)
    if symbol:
        return _SYMBOLS[symbol.group(0)]
    for pattern, fallback, family in _AMBIGUOUS:
        if pattern.search(text):
            return default_currency if default_currency in family else (fallback or default_currency)
    return default_currency


# --- dates -------------------------------------------------------------------------------------------

# Languages whose month names we read (AliExpress's sites and the shops our users buy from).
_DATE_LANGUAGES = ("en", "es", "pt", "de", "fr", "pl", "ru", "id", "it", "nl", "tr", "uk", "cs", "ro", "sv", "da",
                   "nb", "hu", "vi", "ko", "ja", "he", "ar")  # fmt: skip
# Words that sit between the parts of a date: "2 de março de 2024", "5 maja 2024 r." and the Russian year mark.
_FILLER_WORDS = {"de", "del", "di", "van", "of", "the", "г", "года", "r", "roku", "le", "am", "den", "th", "st", "nd",
                 "rd", "e", "el", "um", "o"}  # fmt: skip


def _normalise_word(word: str) -> str:
    """Case-, accent- and dot-insensitive form: "Févr." -> "fevr", "März" -> "marz", "янв." -> "янв"."""
    decomposed = unicodedata.normalize("NFKD", word.strip().lower().rstrip("."))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _build_month_tables() -> tuple[dict[str, int], dict[str, dict[str, int]], dict[str, int]]:
    """{name: month} over all languages, per language, and by 3-letter prefix; ambiguous keys dropped."""
    merged: dict[str, set[int]] = {}
    prefixes: dict[str, set[int]] = {}
    per_language: dict[str, dict[str, int]] = {}
    for language in _DATE_LANGUAGES:
        table = per_language.setdefault(language, {})
        for width in ("abbreviated", "wide"):
            for context in ("format", "stand-alone"):
                for month, name in get_month_names(width, context=context, locale=language).items():
                    key = _normalise_word(name)
                    if not key.isalpha():  # "thg 1", "1월": numeric month names are read as numbers
                        continue
                    table[key] = month
                    merged.setdefault(key, set()).add(month)
                    if len(key) >= 3:
                        prefixes.setdefault(key[:3], set()).add(month)
    exact = {key: months.pop() for key, months in merged.items() if len(months) == 1}
    by_prefix = {key: months.pop() for key, months in prefixes.items() if len(months) == 1}
    return exact, per_language, by_prefix


_MONTHS, _MONTHS_BY_LANGUAGE, _MONTHS_BY_PREFIX = _build_month_tables()
_DATE_TOKENS = re.compile(r"\d+|[^\W\d_]+\.?")
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


def _month_exact(key: str, language: str) -> int | None:
    if language and key in _MONTHS_BY_LANGUAGE.get(language, {}):
        return _MONTHS_BY_LANGUAGE[language][key]
    return _MONTHS.get(key)


def _month_by_prefix(key: str) -> int | None:
    """ "sept" -> 9, "maja" -> 5: a longer or inflected form of a known name (unambiguous prefixes only)."""
    return _MONTHS_BY_PREFIX.get(key[:3]) if 3 <= len(key) <= 10 else None


def parse_date(text: str, language_hint: str = "") -> date | None:
    """A calendar date from ISO, numeric (day first unless impossible) or month-name text in ~20 languages."""
    if not text:
        return None
    text = str(text).strip()
    language = language_hint.replace("-", "_").split("_")[0].lower() if language_hint else ""
    language = "id" if language == "in" else language  # Java's old code for Indonesian ("in_ID")
    iso = _ISO_DATE.search(text)
    if iso:
        return _make_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    numbers: list[str] = []
    words: list[str] = []
    for token in _DATE_TOKENS.findall(text):
        if token.isdigit():
            numbers.append(token)
        else:
            key = _normalise_word(token)
            if key and key not in _FILLER_WORDS:
                words.append(key)
    # Whole month names first; an inflected form ("maja", "sept") only when no word is a known name.
    month = next((m for m in (_month_exact(w, language) for w in words) if m), None)
    if month is None:
        month = next((m for m in (_month_by_prefix(w) for w in words) if m), None)
    if month is not None:
        return _date_with_month_name(numbers, month)
    return _numeric_date(numbers)


def _date_with_month_name(numbers: list[str], month: int) -> date | None:
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if not years or not days:
        return None
    return _make_date(int(years[0]), month, int(days[0]))


def _numeric_date(numbers: list[str]) -> date | None:
    if len(numbers) < 3:
        return None
    first, second, third = numbers[:3]
    if len(first) == 4:
        return _make_date(int(first), int(second), int(third))
    year = int(third) if len(third) == 4 else 2000 + int(third) if len(third) == 2 else None
    if year is None:
        return None
    day, month = int(first), int(second)
    if month > 12 and day <= 12:  # "06/30/2024" cannot be day-first
        day, month = month, day
    return _make_date(year, month, day)


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
