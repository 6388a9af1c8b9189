"""Exchange rates for margins: the European Central Bank's daily euro reference rates, refreshed by a beat
task through the one guarded fetcher, every table kept; a rate the user sets by hand wins.

Conversion is for margins and landed costs only. Price history stays in the supplier's own currency (a shop
switching currency restarts the price baseline; it is never a price change), so rate noise cannot open a
price finding.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from lxml import etree

from .fetch import FetchError, get_fetcher
from .models import ExchangeRate

log = logging.getLogger(__name__)

MAX_RATE_TABLE_BYTES = 1 << 20


class RatesError(ValueError):
    """The answer is not an ECB rate table we can trust."""


def parse_ecb_xml(text: str | bytes) -> tuple[date, dict[str, Decimal]]:
    """The ECB's eurofxref-daily.xml: `<Cube time="YYYY-MM-DD"><Cube currency="USD" rate="1.0812"/>…`.
    Namespaces and the envelope are ignored; every rate must be a positive number of a three-letter code."""
    data = text.encode() if isinstance(text, str) else text
    if len(data) > MAX_RATE_TABLE_BYTES:
        raise RatesError("The rate table is too large.")
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise RatesError(f"Not XML: {exc}") from None
    day, rates = None, {}
    for cube in root.iter("{*}Cube", "Cube"):
        if cube.get("time"):
            try:
                day = date.fromisoformat(cube.get("time"))
            except ValueError:
                raise RatesError(f"Bad date {cube.get('time')!r}.") from None
        currency, rate = (cube.get("currency") or "").upper(), cube.get("rate")
        if currency and rate:
            try:
                value = Decimal(rate)
            except InvalidOperation:
                continue
            if len(currency) == 3 and currency.isalpha() and value.is_finite() and value > 0:
                rates[currency] = value
    if day is None or not rates:
        raise RatesError("No dated rates in the table.")
    return day, rates


def rates_store(*, day: date, rates: dict[str, Decimal], now: datetime) -> int:
    with transaction.atomic():
        for currency, value in rates.items():
            ExchangeRate.objects.update_or_create(
                currency=currency, on=day, defaults={"per_eur": value.quantize(Decimal("0.000001")), "fetched_at": now}
            )
    return len(rates)


def rates_refresh(*, now: datetime, fetcher=None) -> str:
    """Fetch today's table; on any failure the last good one stays in use. Returns what happened."""
    url = settings.ECB_RATES_URL
    if not url:
        return "no rate source configured"
    try:
        page = (fetcher or get_fetcher()).get(url)
        if page.status_code != 200:
            raise RatesError(f"HTTP {page.status_code}")
        day, rates = parse_ecb_xml(page.text)
    except (FetchError, RatesError) as exc:
        log.warning("exchange rates not refreshed from %s: %s", url, exc)
        return f"kept the last rates: {exc}"
    count = rates_store(day=day, rates=rates, now=now)
    return f"{count} rates of {day.isoformat()}"


@dataclass(frozen=True)
class Rate:
    value: Decimal  # 1 unit of the source currency = value units of the target currency
    on: date | None  # the ECB table's day; None for a rate the user set
    source: str  # "ECB" or "your rate"

    def label(self, source_currency: str, target_currency: str) -> str:
        when = f" of {self.on:%Y-%m-%d}" if self.on else ""
        return f"1 {source_currency} = {self.value:.6g} {target_currency} ({self.source}{when})"


@dataclass
class Rates:
    """What is known to convert with: the newest ECB table (units per euro) and the user's own rates
    (units of the user's currency per unit of another)."""

    per_eur: dict[str, Decimal] = field(default_factory=dict)
    on: date | None = None
    manual: dict[str, Decimal] = field(default_factory=dict)
    manual_target: str = ""

    def rate(self, source: str, target: str) -> Rate | None:
        source, target = source.upper(), target.upper()
        if not source or not target:
            return None
        if source == target:
            return Rate(Decimal(1), None, "same currency")
        if target == self.manual_target and source in self.manual:
            return Rate(self.manual[source], None, "your rate")
        per_eur = {**self.per_eur, "EUR": Decimal(1)}
        if source in per_eur and target in per_eur:
            return Rate(per_eur[target] / per_eur[source], self.on, "ECB")
        return None


def rates_for(*, currency: str, manual: dict | None) -> Rates:
    """The newest ECB table, plus the user's own rates into `currency` (their selling currency)."""
    newest = ExchangeRate.objects.order_by("-on").values_list("on", flat=True).first()
    table = dict(ExchangeRate.objects.filter(on=newest).values_list("currency", "per_eur")) if newest else {}
    return Rates(per_eur=table, on=newest, manual=clean_manual_rates(manual), manual_target=(currency or "").upper())


def clean_manual_rates(raw: dict | None) -> dict[str, Decimal]:
    result = {}
    for code, value in (raw or {}).items():
        try:
            rate = Decimal(str(value))
        except (InvalidOperation, ValueError):
            continue
        if isinstance(code, str) and len(code) == 3 and code.isalpha() and rate.is_finite() and rate > 0:
            result[code.upper()] = rate
    return result
