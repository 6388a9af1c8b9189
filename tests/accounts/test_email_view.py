"""The "what Dropwatch sent you" page shows an email's HTML part safely: escaped into the `srcdoc` of an
`<iframe sandbox>` (no scripts, opaque origin, the app's CSP), with the text part still there; in Chromium it
renders with no script run and no CSP violation."""

import html as html_lib
import re

import pytest
from django.urls import reverse

from monitoring.alerts import email as alerts
from tests.dashboard.test_browser import browser, make_page, sign_in  # noqa: F401 - the Chromium fixtures
from tests.support.security_world import build_world, csp_directives, problems_in_html

pytestmark = pytest.mark.django_db
HOSTILE = '<script>window.parent.__pwned=1</script><img src=x onerror="window.parent.__pwned=2"> lamp'


def _iframe(page: str) -> tuple[dict, str]:
    match = re.search(r"<iframe ([^>]*)></iframe>", page)
    assert match, "no iframe"
    attrs = dict(re.findall(r'([\w-]+)(?:="([^"]*)")?', match.group(1)))
    return attrs, html_lib.unescape(attrs.get("srcdoc", ""))


def test_the_html_part_is_in_a_sandboxed_frame_and_the_text_part_stays(alice, alice_client, media, queue):
    world = build_world(alice, "ALICEMARK", text=HOSTILE)
    response = alice_client.get(reverse("email_detail", args=[world.email.pk]))
    page = response.content.decode()
    attrs, srcdoc = _iframe(page)
    assert "sandbox" in attrs and attrs["sandbox"] == ""  # nothing allowed: no scripts, forms, popups, same-origin
    # The frame holds exactly the HTML part that was emailed.
    sent_html = next(c for c, t in alerts.render(world.email).alternatives if t == "text/html")
    assert srcdoc == sent_html
    # The scraped text is escaped inside the email (it shows as text, never as markup) ...
    assert "<script>window.parent" not in srcdoc and "&lt;script&gt;window.parent" in srcdoc
    # ... and the page around it has no live markup from it either.
    nonce = re.search(r'<script nonce="([^"]+)"', page)
    assert problems_in_html(page, nonce=nonce.group(1) if nonce else None) == []
    assert "<script>window.parent" not in page and 'onerror="window' not in page
    assert "script-src" in csp_directives(response) and "'unsafe-inline'" not in csp_directives(response)["script-src"]
    text_part = page[page.index('id="email-text"') :]
    assert "&lt;script&gt;window.parent" in text_part  # the plain text, escaped, still shown


def test_bob_cannot_read_alices_email(alice, bob_client, media, queue):
    world = build_world(alice, "ALICEMARK")
    assert bob_client.get(reverse("email_detail", args=[world.email.pk])).status_code == 404


def test_in_chromium_the_email_renders_and_nothing_in_it_runs(make_page, live_server, alice, media, queue):  # noqa: F811
    world = build_world(alice, "ALICEMARK", text=HOSTILE)
    page = make_page()
    sign_in(page, "alice", "alice-password-1")
    page.goto(reverse("email_detail", args=[world.email.pk]))
    frame = page.frame_locator("iframe.email-html")
    frame.get_by_text("window.parent.__pwned=1", exact=False).first.wait_for()  # shown as text
    assert page.evaluate("window.__pwned === undefined")
    # The frame's document is not reachable from the page (an opaque origin): the sandbox is in force.
    assert page.evaluate("document.querySelector('iframe.email-html').contentDocument === null")
    assert page.get_by_role("heading", name="Plain text").is_visible()
