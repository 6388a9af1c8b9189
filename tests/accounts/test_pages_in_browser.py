"""The account pages in Chromium at phone width (390 px): no sideways scroll, and the settings error summary
takes the user to the bad field."""

import pytest
from django.urls import reverse

from tests.dashboard.test_browser import browser, fits_width, make_page, sign_in  # noqa: F401 - the Chromium fixtures

pytestmark = pytest.mark.django_db


def test_the_account_pages_fit_a_phone(make_page, live_server, staff, alice, django_user_model):  # noqa: F811
    django_user_model.objects.create_user("a-very-long-name", "someone.with.a.very.long.address@subdomain.example.com")
    page = make_page(width=390, height=800)
    sign_in(page, "carol", "carol-password-1")
    for name in ("settings", "team", "email_log", "password_change"):
        page.goto(reverse(name))
        scroll_width, width = fits_width(page)
        assert scroll_width <= width, f"{name}: {scroll_width} px wide at {width} px"


def test_the_error_summary_links_to_the_field(make_page, live_server, alice):  # noqa: F811
    page = make_page(width=1366, height=900)
    sign_in(page, "alice", "alice-password-1")
    page.goto(reverse("settings"))
    page.get_by_label("Currency").fill("dollars")
    page.get_by_role("button", name="Save settings").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert "1 field to fix" in summary.inner_text()
    summary.get_by_role("link", name="Currency").click()
    assert page.evaluate("location.hash") == "#id_n-currency"
    assert page.locator("#id_n-currency").input_value() == "dollars"  # what was typed, not cut to "dol"
