"""What to do about a finding, in plain words, with the numbers worked out.

`advice_for(AdviceInput) -> Advice`: a pure function (no database) from what a rule fired with — its kind,
baseline, current value and evidence — plus a few facts about the product (the user's price, currency, the
variant, the supplier, the nearest buyer-protection deadline of an order still awaited). `Advice.text` is
the headline the finding, its page and the email show first; `Advice.how` is "how we know": the statistics
and the rule behind it, shown behind a disclosure.

The pipeline (monitoring.findings) computes it when a finding opens or changes and stores it on the finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass
class AdviceInput:
    kind: str
    severity: int = 20
    message: str = ""
    baseline: Decimal | None = None
    current: Decimal | None = None
    evidence: dict = field(default_factory=dict)
    now: datetime | None = None
    my_price: Decimal | None = None
    my_currency: str = ""
    variant_name: str = ""
    supplier_name: str = ""
    # The earliest buyer-protection deadline among this supplier's test orders still awaited, if any.
    protection_ends_on: date | None = None
    # What the ranking of backup suppliers says ("Switch to …" / "No backup qualifies: …"); "" when none known.
    recommendation: str = ""


@dataclass
class Advice:
    text: str
    how: str = ""


def _d(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def money(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return "?"
    text = f"{value.quantize(CENT):,.2f}"
    return f"{text} {currency}".strip()


def _pct(value) -> str:
    number = _d(value)
    return "?" if number is None else f"{number:.0f}%"


def _day(value) -> str:
    if isinstance(value, (date, datetime)):
        return f"{value:%Y-%m-%d}"
    try:
        return f"{datetime.fromisoformat(str(value)):%Y-%m-%d}"
    except (TypeError, ValueError):
        return str(value or "?")


def price_for_target_margin(my_price: Decimal, margin_pct: Decimal, min_margin_pct: Decimal) -> Decimal | None:
    """The selling price that gets back to `min_margin_pct`, from the current price and margin: the cost is
    my_price × (1 − margin), and the price p with (p − cost) / p = min is cost / (1 − min). Rounded up to the
    cent, so the margin is at least the minimum."""
    share = 1 - min_margin_pct / HUNDRED
    if my_price is None or my_price <= 0 or share <= 0:
        return None
    cost = my_price * (1 - margin_pct / HUNDRED)
    return (cost / share).quantize(CENT, rounding=ROUND_UP)


def _protection(a: AdviceInput) -> str:
    if a.protection_ends_on is None:
        return ""
    return (
        f" You have a test order with this supplier still on its way: open a dispute before "
        f"{a.protection_ends_on:%Y-%m-%d}, when buyer protection ends, if it has not arrived."
    )


def _switch(a: AdviceInput) -> str:
    return f" {a.recommendation}" if a.recommendation else ""


# --- one function per kind ------------------------------------------------------------------------------


def _margin_low(a: AdviceInput) -> Advice:
    minimum, margin, ev = a.baseline, a.current, a.evidence
    currency = ev.get("currency") or a.my_currency
    target = _d(ev.get("price_for_min_margin"))
    if target is None and a.my_price is not None and margin is not None and minimum is not None:
        target = price_for_target_margin(a.my_price, margin, minimum)
    lead = "You lose money on every sale. " if margin is not None and margin < 0 else ""
    if target is not None:
        text = (
            f"{lead}Raise your price to {money(target, currency)} (now {money(a.my_price, currency)}) "
            f"to get back to your minimum margin of {_pct(minimum)}; your margin is {_pct(margin)} today."
        )
    else:
        text = f"{lead}Your margin is {_pct(margin)}, under your minimum of {_pct(minimum)}: raise your price."
    how = a.message
    if ev.get("landed_cost"):
        how += f" Landed cost {money(_d(ev['landed_cost']), currency)}."
    return Advice(text + _switch(a), how)


def _price_increase(a: AdviceInput) -> Advice:
    old, new, currency = a.baseline, a.current, a.evidence.get("currency", "")
    text = f"The supplier's price went from {money(old, currency)} to {money(new, currency)}."
    if old is not None and new is not None and a.my_price is not None and (a.my_currency or currency) == currency:
        text += (
            f" To keep the same profit per sale, raise your price by {money(new - old, currency)} to "
            f"{money(a.my_price + new - old, currency)}."
        )
    text += " If the new price is fine for you, resolve this finding to accept it."
    how = f"{a.message} The baseline is the median price of the baseline window, frozen while this is open."
    return Advice(text + _switch(a), how)


def _price_collapse(a: AdviceInput) -> Advice:
    change = a.evidence.get("change_pct")
    text = (
        f"Don't order at this price yet: a fall of {_pct(abs(change)) if change is not None else 'this size'} "
        "is often a bait listing or a swapped variant. Look at the listing (title, photos, the variant you sell) "
        "and place a test order with this supplier before you rely on it."
    )
    return Advice(text, a.message)


def _out_of_stock(a: AdviceInput) -> Advice:
    since = a.evidence.get("since")
    text = (
        f"Pause the product in your store until it is back in stock (sold out since {_day(since)}): "
        "we tell you when it is back."
    )
    return Advice(text + _switch(a), a.message)


def _listing_removed(a: AdviceInput) -> Advice:
    checks = a.evidence.get("checks")
    text = (
        "Take the product down in your store: the supplier's listing is gone"
        f"{f' ({checks} checks in a row)' if checks else ''}. Ask the seller whether it moved to a new listing, "
        "or find another supplier."
    )
    return Advice(text + _switch(a) + _protection(a), a.message)


def _shipping_unavailable(a: AdviceInput) -> Advice:
    text = (
        "Stop selling this product to your country for now: the supplier no longer ships there. "
        "Ask the seller whether another shipping method does."
    )
    return Advice(text + _switch(a), a.message)


def _variant_removed(a: AdviceInput) -> Advice:
    left = a.evidence.get("variants_left") or []
    name = a.variant_name or a.evidence.get("variant") or "the variant you sell"
    text = (
        f"Contact the seller about the removed variant ({name}): ask whether it comes back. Until then pause it "
        f"in your store, or pick one of the {len(left)} variant{'s' if len(left) != 1 else ''} left on the "
        "product's page."
    )
    return Advice(text + _switch(a), a.message)


def _low_stock(a: AdviceInput) -> Advice:
    left = a.evidence.get("left", a.current)
    text = f"Only {left} left: order what you need soon, and be ready to pause the product if it sells out."
    return Advice(text + _switch(a), a.message)


def _shipping_cost_up(a: AdviceInput) -> Advice:
    old, new, currency = a.baseline, a.current, a.evidence.get("currency", "")
    text = f"Shipping to you now costs {money(new, currency)} per order (was {money(old, currency)})."
    if old is not None and new is not None and a.my_price is not None and (a.my_currency or currency) == currency:
        text += (
            f" To keep the same profit per sale, raise your price by {money(new - old, currency)} to "
            f"{money(a.my_price + new - old, currency)}, or ask the seller for another shipping method."
        )
    else:
        text += " Check your margin, or ask the seller for another shipping method."
    return Advice(text + _switch(a), f"{a.message} The baseline is the median fee of the baseline window.")


def _delivery_slow(a: AdviceInput) -> Advice:
    days, limit = a.evidence.get("days_max", a.current), a.baseline
    limit_text = f"{limit:.0f}" if isinstance(limit, Decimal) else str(limit)
    text = (
        f"Delivery now takes up to {days} days, over your maximum of {limit_text}: tell your buyers the longer "
        "delivery time in your store, or ask the seller for a faster shipping method."
    )
    return Advice(text + _switch(a), a.message)


def _rating_drop(a: AdviceInput) -> Advice:
    text = (
        f"The product's rating fell from {a.baseline if a.baseline is not None else '?'} to "
        f"{a.current if a.current is not None else '?'}★: read the latest low reviews, and place a test order "
        "with this supplier before your next batch."
    )
    return Advice(text + _switch(a), a.message)


def _negative_review_shift(a: AdviceInput) -> Advice:
    ev = a.evidence
    text = (
        f"More buyers are unhappy: {_pct(a.current)} of the new reviews are 1–2★ (it was {_pct(a.baseline)}). "
        "Read them, and place a test order with this supplier before you order more."
    )
    how = a.message
    if "p_value" in ev:
        how = (
            f"{ev.get('new_negative', '?')} of {ev.get('new_reviews', '?')} reviews added since "
            f"{_day(ev.get('baseline_at'))} are 1–2★, against {_pct(a.baseline)} before. A one-sided Fisher's "
            f"exact test of new against earlier reviews gives p={float(ev['p_value']):.2g}: a rise this large is "
            "unlikely to be chance."
        )
    return Advice(text + _switch(a), how)


# What to tell the user per complaint theme, most serious first.
THEME_ADVICE = {
    "never_arrived": "Buyers say parcels never arrive: do not confirm delivery before a parcel arrives, and open a "
    "dispute for any order that does not come.",
    "counterfeit": "Buyers say the item is fake: stop selling it until a test order shows it is genuine.",
    "extra_fees": "Buyers were asked to pay extra after ordering: never pay anything outside the order.",
    "pay_off_platform": "Buyers were asked to pay outside the platform: never do, you lose buyer protection.",
    "close_dispute": "Buyers were pressed to close their disputes: keep a dispute open until you have your refund.",
    "confirm_early": "Buyers were asked to confirm delivery before it arrived: never confirm before the parcel is "
    "in your hands.",
    "off_platform_contact": "The seller moves buyers to WhatsApp or email: keep every conversation on the "
    "platform, where a dispute can use it.",
}


def _complaint_theme(a: AdviceInput) -> Advice:
    found = a.evidence.get("themes") or {}
    lines = [THEME_ADVICE[t] for t in THEME_ADVICE if t in found]
    text = " ".join(lines) if lines else "Read the recent 1–2★ reviews:"
    text += " Place a test order with this supplier to see for yourself."
    return Advice(text + _protection(a) + _switch(a), a.message)


def _review_burst(a: AdviceInput) -> Advice:
    text = (
        "Don't trust the listing's recent 5★ reviews: many arrived at once, a sign of paid reviews. Judge the "
        "product by its older and its low reviews, and by a test order."
    )
    how = a.message
    ev = a.evidence
    if "new_5_star" in ev:
        how += f" {ev['new_5_star']} of {ev.get('new_reviews', '?')} new reviews are 5★."
    return Advice(text, how)


def _store_feedback_drop(a: AdviceInput) -> Advice:
    who = a.supplier_name or "this store"
    text = (
        f"Buyers are less happy with {who}: positive feedback fell from {_pct(a.baseline)} to {_pct(a.current)}. "
        "Place a test order with this supplier before your next batch."
    )
    return Advice(text + _protection(a) + _switch(a), a.message)


def _seller_rating_drop(a: AdviceInput) -> Advice:
    who = a.supplier_name or "this seller"
    text = (
        f"Buyers rate {who} lower ({a.baseline if a.baseline is not None else '?'} → "
        f"{a.current if a.current is not None else '?'}★ at worst). Place a test order with this supplier to check "
        "what you would get."
    )
    return Advice(text + _protection(a) + _switch(a), a.message)


def _new_store(a: AdviceInput) -> Advice:
    opened = a.evidence.get("opened_on")
    age = f"{a.current:.0f} days" if isinstance(a.current, Decimal) else "a short time"
    text = (
        f"Place a test order with this supplier before selling its products: the store is only {age} old "
        f"(open since {_day(opened)}), and fake sellers often run young stores."
    )
    return Advice(text, a.message)


def _unverifiable(a: AdviceInput) -> Advice:
    checks = a.evidence.get("checks", a.current)
    text = (
        "Nothing is known to be wrong with the supplier: we could not read the page "
        f"({checks} checks in a row). Open the listing yourself to see it is still fine; if this lasts, check "
        "the address."
    )
    return Advice(text, a.message)


def _listing_changed(a: AdviceInput) -> Advice:
    ev = a.evidence
    was, now = ev.get("title_before"), ev.get("title_after")
    text = (
        "Pause the product and don't order from this listing: it now sells a different item"
        f"{f' (was “{was}”, now “{now}”)' if was and now else ''}. Contact the seller, and place a test order "
        "before you trust it again."
    )
    how = a.message
    if ev.get("reasons"):
        how = " ".join(ev["reasons"])
    return Advice(text + _switch(a), how)


ADVISERS = {
    "margin_low": _margin_low,
    "price_increase": _price_increase,
    "price_collapse": _price_collapse,
    "out_of_stock": _out_of_stock,
    "listing_removed": _listing_removed,
    "shipping_unavailable": _shipping_unavailable,
    "variant_removed": _variant_removed,
    "low_stock": _low_stock,
    "shipping_cost_up": _shipping_cost_up,
    "delivery_slow": _delivery_slow,
    "rating_drop": _rating_drop,
    "negative_review_shift": _negative_review_shift,
    "complaint_theme": _complaint_theme,
    "review_burst": _review_burst,
    "store_feedback_drop": _store_feedback_drop,
    "seller_rating_drop": _seller_rating_drop,
    "new_store": _new_store,
    "unverifiable": _unverifiable,
    "listing_changed": _listing_changed,
}


def advice_for(a: AdviceInput) -> Advice:
    adviser = ADVISERS.get(a.kind)
    if adviser is None:
        return Advice("Open the listing and check what changed.", a.message)
    return adviser(a)
