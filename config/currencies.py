"""Currency codes as people type them, checked against ISO 4217 (Babel's list of currencies)."""

from functools import cache

from babel.numbers import list_currencies
from django import forms

EXAMPLES = "USD, EUR or GBP"


@cache
def iso_4217() -> frozenset[str]:
    return frozenset(list_currencies())


def clean_currency_code(value, *, required: bool = True) -> str:
    """The upper-cased code, or a ValidationError that says what was wrong in words."""
    code = (value or "").strip().upper()
    if not code:
        if required:
            raise forms.ValidationError(f"Enter a currency code such as {EXAMPLES}.")
        return ""
    if len(code) != 3 or not code.isalpha():
        raise forms.ValidationError(
            f"“{str(value).strip()[:20]}” is not a currency code: use the three letters, such as {EXAMPLES}."
        )
    if code not in iso_4217():
        raise forms.ValidationError(f"“{code}” is not a currency (ISO 4217): use a code such as {EXAMPLES}.")
    return code
