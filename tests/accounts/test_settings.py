"""The settings page (#17): grouped in plain words, defaults said as hints (not grey values in the boxes), an
error summary at the top linking to each bad field, and currencies checked against ISO 4217."""

import re

import pytest
from django.urls import reverse

from accounts.forms import SETTINGS_GROUPS, NotificationSettingsForm, ThresholdsForm
from accounts.models import settings_for

pytestmark = pytest.mark.django_db
JARGON = ["Significance", "significance", "Fisher", "p-value", "brushing", "Baseline window"]


def test_every_field_is_in_exactly_one_group():
    refs = [ref for _key, _title, _intro, fields in SETTINGS_GROUPS for ref in fields]
    assert len(refs) == len(set(refs))
    expected = {f"n:{name}" for name in NotificationSettingsForm().fields} | {f"t:{n}" for n in ThresholdsForm().fields}
    assert set(refs) == expected


def test_the_page_is_grouped_in_plain_words_with_defaults_as_hints(alice_client):
    page = alice_client.get(reverse("settings")).content.decode()
    titles = re.findall(r'<h2 id="group-\w+-title">([^<]+)</h2>', page)
    assert titles == [
        "Money &amp; margin",
        "Stock &amp; delivery",
        "Reviews &amp; ratings",
        "Store reputation",
        "Alerts &amp; channels",
        "Account",
    ]
    for word in JARGON:
        assert word not in page, word
    assert "How sure before alerting on more 1–2★ reviews" in page
    assert "Default: 10." in page  # the price rise
    assert "placeholder=" not in page.split('<section class="card" id="channels">')[0]
    money = page[page.index('id="group-money"') : page.index('id="group-stock"')]
    assert 'name="n-currency"' in money and 'name="t-min_margin_pct"' in money
    # Each group is linked from the index at the top.
    for key, *_ in SETTINGS_GROUPS:
        assert f'href="#group-{key}"' in page


def test_a_failed_save_lists_each_bad_field_at_the_top_with_a_link(alice_client, alice):
    from tests.accounts.test_email_change import save_settings

    bad = {"n-currency": "dollars", "n-ship_to_country": "USA", "t-price_increase_pct": "-5", "t-rating_floor": "9"}
    response = save_settings(alice_client, "alice@example.com", **bad)
    body = response.content.decode()
    assert response.status_code == 200
    start = body.index('id="error-summary"')
    assert start < body.index('id="group-money"')  # above the first group
    summary = body[start : body.index("</div>", start)]
    for field in ("n-currency", "n-ship_to_country", "t-price_increase_pct", "t-rating_floor"):
        assert f'href="#id_{field}"' in summary, field
        assert f'id="id_{field}"' in body  # the link has a target
    assert "“dollars” is not a currency code" in summary
    assert "4 fields to fix" in summary
    assert settings_for(alice).currency == "USD"  # nothing saved, nothing cut to "dol"


@pytest.mark.parametrize(
    ("typed", "error"),
    [("dollars", "is not a currency code"), ("XYZ", "“XYZ” is not a currency (ISO 4217)"), ("12", "not a currency")],
)
def test_a_currency_must_be_iso_4217(alice_client, typed, error):
    body = alice_client.post(reverse("settings"), {"n-notify_mode": "immediate", "n-currency": typed}).content.decode()
    assert error in body


def test_a_valid_currency_in_lower_case_is_saved_upper_case(alice_client, alice):
    from tests.accounts.test_email_change import save_settings

    assert save_settings(alice_client, "alice@example.com", **{"n-currency": "eur"}).status_code == 302
    assert settings_for(alice).currency == "EUR"
