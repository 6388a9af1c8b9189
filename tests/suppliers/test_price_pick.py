"""The price the user points at, on the add preview and the product edit page, and the supplier the add preview
files the product under — through the real views, a real local shop, and without JavaScript."""

import html as htmllib
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from monitoring.fetch import reset_fetcher
from suppliers import services
from suppliers.models import Product, Supplier
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db

ADD = "/products/add/"
LAMP = """<html lang="en"><head><title>Desk lamp | Lumen</title></head><body><main>
<h1>Desk lamp</h1><div class="buy"><span class="was"><del>$14.00</del></span>
<span id="our-price" class="price">$8.90</span><span class="unit">$2.20 / 100 g</span>
<button>Add to cart</button></div><p>A desk lamp with a warm light and a heavy base, for long evenings.</p></main>
<aside class="related"><div><span>$3.00</span></div></aside></body></html>"""
SHELL = (
    '<html><head><script src="/bundle.js"></script></head><body><div id="root"></div>'
    "<noscript>You need to enable JavaScript to run this app.</noscript></body></html>"
)


@pytest.fixture
def shop(settings):
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FETCH_HOST_INTERVAL = 0
    reset_fetcher()
    cache.clear()
    yield s
    s.close()
    reset_fetcher()


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    from monitoring import tasks

    monkeypatch.setattr(tasks.check_product, "apply_async", lambda *a, **kw: None)
    monkeypatch.setattr(tasks.check_supplier, "apply_async", lambda *a, **kw: None)


def confirm_form(response) -> dict:
    """The confirmation form as a browser without JavaScript sends it: hidden inputs, the checked radios, the
    text inputs and the selected options."""
    page = response.content.decode()
    at = page.index('value="confirm"')
    form = page[page.rindex("<form", 0, at) : page.index("</form>", at)]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    for name, value in re.findall(r'<input type="radio" name="([^"]+)" value="([^"]*)"[^>]*checked', form):
        data[name] = value
    for tag in re.findall(r'<input type="text"[^>]*>', form):
        name, value = re.search(r'name="([^"]+)"', tag).group(1), re.search(r'value="([^"]*)"', tag)
        data[name] = value.group(1) if value else ""
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        data[name] = chosen.group(1) if chosen else re.search(r'<option value="([^"]*)"', body).group(1)
    return {k: htmllib.unescape(v) for k, v in data.items()}


def preview(client, url, **extra):
    return client.post(ADD, {"step": "preview", "url": url, **extra})


# --- the add preview ----------------------------------------------------------------------------------------------


def test_the_preview_lists_the_pages_prices_with_their_text_place_and_confidence(alice_client, shop):
    shop.page("/lamp", LAMP)
    page = preview(alice_client, shop.url("/lamp")).content.decode()
    assert "The price to watch" in page and 'name="csrfmiddlewaretoken"' in page
    rows = re.findall(r'<tr>\s*<td><input type="radio" name="price_pick" value="([^"]*)".*?</tr>', page, re.S)
    assert rows[0] == "#our-price"  # the price Dropwatch reads comes first
    first = page[page.index('value="#our-price"') :]
    first = first[: first.index("</tr>")]
    assert "$8.90" in first and "USD" in first and "next to the buy button" in first
    assert "the price Dropwatch reads" in first and re.search(r"\d+%", first)
    assert "struck through or a previous price" in page and "a price per unit" in page
    assert "elsewhere on the page (hidden, page furniture or another product)" in page
    assert "Let Dropwatch find it" in page and "(now 8.90 USD)" in page


def test_picking_a_listed_price_stores_its_selector(alice, alice_client, shop):
    shop.page("/lamp", LAMP)
    shown = preview(alice_client, shop.url("/lamp"))
    form = confirm_form(shown)
    struck = re.search(
        r'name="price_pick" value="([^"]*span[^"]*)"[^>]*aria-label="Pick \$14.00"', shown.content.decode()
    )
    struck = htmllib.unescape(struck.group(1))
    response = alice_client.post(ADD, {**form, "price_pick": struck})
    product = Product.objects.get(owner=alice)
    assert response.status_code == 302 and product.price_selector == struck
    assert shop.count("/lamp") == 1  # a listed price needs no second read


def test_a_typed_selector_that_does_not_parse_is_a_clear_error_and_nothing_is_added(alice_client, shop):
    shop.page("/lamp", LAMP)
    form = confirm_form(preview(alice_client, shop.url("/lamp")))
    response = alice_client.post(ADD, {**form, "price_pick": "typed", "price_selector": "span:has(b)"})
    page = response.content.decode()
    assert response.status_code == 200 and not Product.objects.exists()
    assert "Dropwatch cannot read “span:has(b)” as a CSS selector" in page and 'aria-invalid="true"' in page
    assert 'value="span:has(b)"' in page and re.search(r'value="typed"\s+checked', page)  # kept as typed


def test_a_typed_selector_that_matches_nothing_on_the_page_says_so(alice_client, shop):
    shop.page("/lamp", LAMP)
    form = confirm_form(preview(alice_client, shop.url("/lamp")))
    response = alice_client.post(ADD, {**form, "price_pick": "typed", "price_selector": "#no-such-price"})
    page = response.content.decode()
    assert not Product.objects.exists()
    assert "Your price selector reads no price on this page: it matches nothing on the page." in page


def test_a_typed_selector_that_reads_a_price_is_tried_then_added(alice, alice_client, shop):
    shop.page("/lamp", LAMP)
    form = confirm_form(preview(alice_client, shop.url("/lamp")))
    tried = alice_client.post(
        ADD, {**form, "price_pick": "typed", "price_selector": "div.buy .price", "try_selector": "1"}
    )
    assert "Your selector reads 8.90 USD on this page" in tried.content.decode() and not Product.objects.exists()
    response = alice_client.post(ADD, confirm_form(tried))
    assert response.status_code == 302
    assert Product.objects.get(owner=alice).price_selector == "div.buy .price"
    # Typed straight into the confirmation, untried: read once more, then added.
    other = LAMP.replace("Desk lamp", "Floor lamp")
    shop.page("/floor", other)
    form = confirm_form(preview(alice_client, shop.url("/floor")))
    response = alice_client.post(ADD, {**form, "price_pick": "typed", "price_selector": "main .buy span.price"})
    assert response.status_code == 302 and shop.count("/floor") == 2
    assert Product.objects.get(owner=alice, url=shop.url("/floor")).price_selector == "main .buy span.price"


def test_a_page_that_needs_javascript_says_so_in_the_preview(alice_client, shop):
    shop.page("/app", SHELL)
    page = preview(alice_client, shop.url("/app")).content.decode()
    assert "This page needs JavaScript to show its price (the page asks the browser to enable JavaScript)" in page
    assert "You can still add it: pick a price below" in page
    assert "could not find product data" not in page and "No schema.org" not in page


# --- the supplier ------------------------------------------------------------------------------------------------


def test_the_preview_files_the_product_under_a_new_supplier_named_after_the_shop(alice, alice_client, shop):
    shop.page("/lamp", LAMP)
    shown = preview(alice_client, shop.url("/lamp"))
    form = confirm_form(shown)
    assert form["supplier"] == "new" and form["new_supplier_name"] == "127.0.0.1"  # no store block: the domain
    alice_client.post(ADD, {**form, "new_supplier_name": "Lumen lamps"})
    product = Product.objects.get(owner=alice)
    assert product.supplier.name == "Lumen lamps" and product.supplier.owner == alice
    assert product.supplier.store_url == shop.url("/")
    page = alice_client.get(product.get_absolute_url()).content.decode()
    assert "Lumen lamps" in page and f"?supplier={product.supplier_id}&amp;product={product.pk}" in page  # test orders
    # The next product of the same shop is preselected under that supplier.
    shop.page("/floor", LAMP.replace("Desk lamp", "Floor lamp"))
    again = confirm_form(preview(alice_client, shop.url("/floor")))
    assert again["supplier"] == str(product.supplier_id)
    alice_client.post(ADD, again)
    assert Supplier.objects.filter(owner=alice).count() == 1
    assert Product.objects.filter(owner=alice, supplier=product.supplier).count() == 2


def test_an_existing_supplier_can_be_chosen_but_never_someone_elses(alice, bob, alice_client, shop):
    mine = services.supplier_create(owner=alice, name="My lamp wholesaler")
    theirs = services.supplier_create(owner=bob, name="Bob's wholesaler")
    shop.page("/lamp", LAMP)
    shown = preview(alice_client, shop.url("/lamp"))
    page = shown.content.decode()
    assert "My lamp wholesaler" in page and "Bob&#x27;s wholesaler" not in page and "Bob's" not in page
    form = confirm_form(shown)
    refused = alice_client.post(ADD, {**form, "supplier": str(theirs.pk)})
    assert "That supplier is not one of yours" in refused.content.decode() and not Product.objects.exists()
    alice_client.post(ADD, {**form, "supplier": str(mine.pk)})
    assert Product.objects.get(owner=alice).supplier == mine


# --- the edit page -----------------------------------------------------------------------------------------------


@pytest.fixture
def lamp(alice, shop):
    shop.page("/lamp", LAMP)
    product = services.product_create(owner=alice, url=shop.url("/lamp"), my_currency="USD")
    Product.objects.filter(pk=product.pk).update(price=Decimal("8.90"), currency="USD")
    product.refresh_from_db()
    return product


def edit_data(product, **changes) -> dict:
    data = {
        "url": product.url,
        "platform": product.platform,
        "title": product.title,
        "my_currency": "USD",
        "check_interval": "6",
        "active": "on",
        "price_pick": "",
        "price_selector": "",
    }
    data.update(changes)
    return data


def test_the_edit_page_shows_the_pages_prices_on_demand(alice_client, lamp, shop):
    edit = f"/products/{lamp.pk}/edit/"
    page = alice_client.get(edit).content.decode()
    assert shop.count("/lamp") == 0  # the page is read only when asked
    assert "Show the prices on the page" in page and f'hx-get="{edit}?prices=1"' in page
    full = alice_client.get(edit + "?prices=1").content.decode()  # without JavaScript: the whole page
    assert "<html" in full and 'value="#our-price"' in full and "next to the buy button" in full
    fragment = alice_client.get(edit + "?prices=1", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="price-pick-area"' in fragment and 'value="#our-price"' in fragment


def test_the_edit_page_saves_a_picked_price_and_restarts_the_price_baseline(alice_client, lamp):
    response = alice_client.post(f"/products/{lamp.pk}/edit/", edit_data(lamp, price_pick="#our-price"))
    assert response.status_code == 302
    lamp.refresh_from_db()
    assert lamp.price_selector == "#our-price" and "price" in lamp.baseline_since
    page = alice_client.get(f"/products/{lamp.pk}/edit/").content.decode()
    assert 'value="#our-price"' in page and re.search(r'value="typed"\s+checked', page)
    cleared = alice_client.post(f"/products/{lamp.pk}/edit/", edit_data(lamp, price_pick=""))
    assert cleared.status_code == 302
    lamp.refresh_from_db()
    assert lamp.price_selector == ""


def test_the_edit_page_refuses_a_selector_that_does_not_parse_or_match(alice_client, lamp):
    edit = f"/products/{lamp.pk}/edit/"
    bad = alice_client.post(edit, edit_data(lamp, price_pick="typed", price_selector="div >"))
    assert bad.status_code == 200 and "Dropwatch cannot read “div &gt;” as a CSS selector" in bad.content.decode()
    missing = alice_client.post(edit, edit_data(lamp, price_pick="typed", price_selector=".gone"))
    page = missing.content.decode()
    assert missing.status_code == 200 and "reads no price on this page: it matches nothing on the page" in page
    lamp.refresh_from_db()
    assert lamp.price_selector == ""
    tried = alice_client.post(edit, edit_data(lamp, price_pick="typed", price_selector="#our-price", try_selector="1"))
    assert "Your selector reads 8.90 USD on this page" in tried.content.decode()
    lamp.refresh_from_db()
    assert lamp.price_selector == ""  # trying saves nothing


def test_the_edit_forms_carry_csrf_and_another_user_cannot_read_the_prices(alice_client, bob_client, lamp, shop):
    page = alice_client.get(f"/products/{lamp.pk}/edit/?prices=1").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    before = shop.count("/lamp")
    assert bob_client.get(f"/products/{lamp.pk}/edit/?prices=1").status_code == 404
    assert shop.count("/lamp") == before  # nothing fetched for someone else's product
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(lamp.owner)
    assert strict.post(f"/products/{lamp.pk}/edit/", edit_data(lamp, try_selector="1")).status_code == 403


def test_trying_a_selector_with_htmx_swaps_only_the_part_that_changes(alice_client, lamp, shop):
    shop.page("/floor", LAMP.replace("Desk lamp", "Floor lamp"))
    shown = preview(alice_client, shop.url("/floor"))
    assert 'hx-post="/products/add/" hx-target="#preview"' in shown.content.decode()
    data = {**confirm_form(shown), "price_pick": "typed", "price_selector": "#our-price", "try_selector": "1"}
    fragment = alice_client.post(ADD, data, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "Your selector reads 8.90 USD on this page" in fragment
    edit = f"/products/{lamp.pk}/edit/"
    data = edit_data(lamp, price_pick="typed", price_selector="#our-price", try_selector="1")
    swapped = alice_client.post(edit, data, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in swapped and swapped.lstrip().startswith('<div id="price-pick-area">')
    assert "Your selector reads 8.90 USD on this page" in swapped
