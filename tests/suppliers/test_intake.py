"""Adding products and suppliers by URL (preview, then confirm) and importing a CSV of product URLs."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from monitoring import tasks
from monitoring.fetch import reset_fetcher
from monitoring.observation import Observation, StoreInfo
from monitoring.sources.observe import Reading
from monitoring.statuses import CheckStatus
from suppliers import imports, intake
from suppliers.models import Product, Supplier
from suppliers.services import DuplicateError
from tests.support.servers import LocalShop

pytestmark = pytest.mark.django_db

ADD = "/products/add/"
IMPORT = "/products/import/"

PAGE = """<html><head><title>Garden hose</title><script type="application/ld+json">
{"@context":"https://schema.org","@type":"Product","name":"Garden hose 20 m <b>XL</b>","sku":"GH-20",
 "offers":{"@type":"AggregateOffer","lowPrice":"19.90","highPrice":"24.50","priceCurrency":"EUR",
           "availability":"https://schema.org/InStock"},
 "aggregateRating":{"@type":"AggregateRating","ratingValue":"4.6","reviewCount":"87"}}</script></head>
<body><h1>Garden hose 20 m</h1></body></html>"""

CAPTCHA = "<html><head><title>Captcha Interception</title></head><body>slide to verify</body></html>"


@pytest.fixture
def shop(settings):
    s = LocalShop()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    reset_fetcher()
    yield s
    s.close()
    reset_fetcher()


@pytest.fixture
def queue(monkeypatch):
    """The broker: records the check tasks sent (set `queue.down = True` to make it unreachable)."""

    class Queue:
        down = False
        sent: list = []

        def fake(self, name):
            def apply_async(args, countdown=None, **kwargs):
                if self.down:
                    raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
                self.sent.append((name, args[0]))

            return apply_async

    q = Queue()
    q.sent = []
    monkeypatch.setattr(tasks.check_product, "apply_async", q.fake("product"))
    monkeypatch.setattr(tasks.check_supplier, "apply_async", q.fake("supplier"))
    return q


def preview(client, url, **extra):
    return client.post(ADD, {"step": "preview", "url": url, **extra})


def hidden_fields(response) -> dict:
    """The confirmation form's hidden inputs, as a browser would send them back."""
    import re

    html = response.content.decode()
    at = html.index('value="confirm"')
    form = html[html.rindex("<form", 0, at) : html.index("</form>", at)]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def confirm(client, response, **changes):
    import html

    data = {k: html.unescape(v) for k, v in hidden_fields(response).items()}
    data.update(changes)
    return client.post(ADD, data)


# --- Preview -------------------------------------------------------------------------------------


def test_the_add_page_works_without_js_and_keeps_its_url_name(alice_client):
    response = alice_client.get(reverse("product_add"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/products/add/"' in html and 'hx-post="/products/add/"' in html
    assert 'hx-indicator="#preview-loading"' in html
    assert '<label for="id_url">' in html and '<label for="id_my_price">' in html
    assert 'value="USD"' in html  # the user's currency by default


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in (ADD, IMPORT, "/products/import/example.csv", "/suppliers/add/url/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_preview_of_a_shop_page_shows_what_it_reads(alice_client, shop):
    shop.page("/hose", PAGE)
    response = preview(alice_client, shop.url("/hose"), my_price="39,90", my_currency="eur", shipping_cost="2.50")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Garden hose 20 m &lt;b&gt;XL&lt;/b&gt;" in html  # scraped text is escaped
    assert "19.90–24.50 EUR" in html and "4.6★ · 87 reviews" in html and "In stock" in html
    assert "margin 44%" in html  # (39.90 - 19.90 - 2.50) / 39.90
    assert 'value="confirm"' in html
    assert not Product.objects.exists()  # nothing is saved by a preview
    assert shop.count("/hose") == 1


def test_preview_of_a_refused_address_explains_and_offers_no_confirm(alice_client, settings):
    settings.FETCH_ALLOWED_HOSTS = []
    reset_fetcher()
    response = preview(alice_client, "http://169.254.169.254/latest/meta-data")
    html = response.content.decode()
    assert "status-refused" in html and "private or reserved" in html
    assert "Dropwatch will not fetch this address" in html
    assert 'value="confirm"' not in html


def test_preview_of_a_blocked_page_says_so_and_can_still_be_added(alice_client, shop, queue):
    shop.page("/captcha", CAPTCHA)
    response = preview(alice_client, shop.url("/captcha"), platform="aliexpress")
    html = response.content.decode()
    assert "status-blocked" in html
    assert "The shop shows us a captcha; Dropwatch will keep trying, you can still add it." in html
    assert 'value="confirm"' in html
    response = confirm(alice_client, response)
    product = Product.objects.get(owner__username="alice")
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    assert product.platform == "aliexpress"


def test_preview_of_a_missing_page(alice_client, shop):
    html = preview(alice_client, shop.url("/gone")).content.decode()
    assert "status-not_found" in html and "the listing may be gone" in html and "404" in html
    assert 'value="confirm"' in html


def test_preview_of_a_page_without_product_data(alice_client, shop):
    shop.page("/about", "<html><head><title>About us</title></head><body>We sell hoses.</body></html>")
    html = preview(alice_client, shop.url("/about")).content.decode()
    assert "status-unparseable" in html and "could not find product data" in html


def test_htmx_preview_returns_only_the_fragment(alice_client, shop):
    shop.page("/hose", PAGE)
    response = alice_client.post(ADD, {"step": "preview", "url": shop.url("/hose")}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<body" not in html and 'id="preview"' not in html
    assert "19.90–24.50 EUR" in html and 'value="confirm"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_an_invalid_address_is_a_form_error(alice_client):
    response = preview(alice_client, "ftp://example.com/item.html")
    assert "Only http:// and https://" in response.content.decode()
    for url in ("https://x.example:99999/p", "http://[::1/p"):  # urlsplit raises ValueError for these
        response = preview(alice_client, url)
        assert response.status_code == 200 and "is not a valid web address" in response.content.decode()
    fragment = alice_client.post(ADD, {"step": "preview", "url": "ftp://x.example/"}, HTTP_HX_REQUEST="true")
    assert "Only http:// and https://" in fragment.content.decode()  # shown in the swapped fragment too


# --- Confirm -------------------------------------------------------------------------------------


def test_confirm_adds_the_product_due_now_and_checks_it_right_away(alice_client, alice, shop, queue):
    shop.page("/hose", PAGE)
    response = preview(alice_client, shop.url("/hose"), my_price="39,90", my_currency="eur")
    before = timezone.now()
    response = confirm(alice_client, response)
    product = Product.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == f"/products/{product.pk}/"
    assert product.url == shop.url("/hose") and product.my_price == Decimal("39.90") and product.my_currency == "EUR"
    assert product.supplier is None  # a schema.org page names no store
    assert product.pending_slot >= before  # check_now claimed it
    assert queue.sent == [("product", product.pk)]
    page = alice_client.get(response["Location"])
    assert "Product added. Checking now." in page.content.decode()


def test_with_the_broker_down_the_product_is_added_and_the_user_told(alice_client, alice, shop, queue):
    queue.down = True
    shop.page("/hose", PAGE)
    response = confirm(alice_client, preview(alice_client, shop.url("/hose")))
    assert response.status_code == 302
    product = Product.objects.get(owner=alice)
    assert product.next_check_at <= timezone.now()  # still due: the next tick picks it up
    page = alice_client.get(response["Location"])
    assert "The task queue is not reachable" in page.content.decode()


def test_htmx_confirm_redirects_client_side(alice_client, alice, shop, queue):
    shop.page("/hose", PAGE)
    data = hidden_fields(preview(alice_client, shop.url("/hose")))
    response = alice_client.post(ADD, {**data, "step": "confirm"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == Product.objects.get(owner=alice).get_absolute_url()


def test_confirm_validates_again(alice_client, shop, queue):
    shop.page("/hose", PAGE)
    shown = preview(alice_client, shop.url("/hose"))
    # A hidden URL edited to something that is not a shop address: a form error.
    response = confirm(alice_client, shown, url="ftp://example.com/x")
    assert response.status_code == 200 and "Only http:// and https://" in response.content.decode()
    # Edited to another (valid) address than the one previewed, e.g. one the preview refused.
    response = confirm(alice_client, shown, url="http://169.254.169.254/latest/meta-data")
    assert "changed since the preview" in response.content.decode()
    # A forged or missing stamp.
    assert "does not match a preview" in confirm(alice_client, shown, token="x" * 40).content.decode()
    assert "Preview the page first" in confirm(alice_client, shown, token="").content.decode()
    # A user input edited to nonsense.
    assert "more than zero" in confirm(alice_client, shown, my_price="-3").content.decode()
    assert "not a currency" in confirm(alice_client, shown, my_currency="EURO").content.decode()
    assert not Product.objects.exists()
    # The untouched confirmation still works.
    assert confirm(alice_client, shown).status_code == 302


def test_bob_cannot_use_alices_preview(alice_client, bob_client, shop, queue):
    shop.page("/hose", PAGE)
    data = hidden_fields(preview(alice_client, shop.url("/hose")))
    response = bob_client.post(ADD, data)
    assert "changed since the preview" in response.content.decode()
    assert not Product.objects.exists()


def test_a_duplicate_is_a_clear_error(alice_client, alice, shop, queue):
    shop.page("/hose", PAGE)
    shown = preview(alice_client, shop.url("/hose"))
    assert confirm(alice_client, shown).status_code == 302
    again = confirm(alice_client, shown)
    assert again.status_code == 200 and "You already watch this product." in again.content.decode()
    assert Product.objects.filter(owner=alice).count() == 1
    # Previewing it again does not fetch it and links to it.
    hits = shop.count("/hose")
    response = preview(alice_client, shop.url("/hose"))
    html = response.content.decode()
    assert "You already watch this product" in html and 'value="confirm"' not in html
    assert Product.objects.get(owner=alice).get_absolute_url() in html
    assert shop.count("/hose") == hits


def _store_obs(url, store_id="31337", store_url="https://www.aliexpress.com/store/31337"):
    return Observation(
        status=CheckStatus.OK,
        platform="aliexpress",
        url=url,
        title="Desk lamp",
        price=Decimal("12.30"),
        currency="USD",
        store=StoreInfo(id=store_id, name="Lamp Store", url=store_url, positive_feedback_pct=Decimal("97.5")),
    )


def test_confirm_files_the_product_under_the_store_the_preview_read(alice_client, alice, bob, monkeypatch, queue):
    monkeypatch.setattr(intake, "read_url", lambda url, **kw: Reading(_store_obs(url)))
    url = "https://www.aliexpress.com/item/1005001234567890.html"
    shown = preview(alice_client, url)
    html = shown.content.decode()
    assert "Lamp Store" in html and "97.5% positive feedback" in html and "A new supplier “Lamp Store”" in html
    assert 'href="https://www.aliexpress.com/store/31337"' in html
    confirm(alice_client, shown)
    product = Product.objects.get(owner=alice)
    supplier = product.supplier
    assert (supplier.owner, supplier.platform_store_id, supplier.name) == (alice, "31337", "Lamp Store")
    # A second product of the same store goes under the same supplier.
    other = preview(alice_client, "https://www.aliexpress.com/item/1005009999999999.html")
    assert "Will be filed under your supplier" in other.content.decode()
    confirm(alice_client, other)
    assert Supplier.objects.filter(owner=alice).count() == 1
    assert Product.objects.filter(owner=alice, supplier=supplier).count() == 2
    # Bob adding a product of the same store gets his own supplier, never Alice's.
    intake.product_add_from_preview(
        owner=bob, url=url, token=intake.product_preview(owner=bob, url=url).token, my_price=Decimal("20")
    )
    bobs = Product.objects.get(owner=bob)
    assert bobs.supplier.owner == bob and bobs.supplier != supplier


def test_a_scraped_store_url_is_a_link_only_when_it_is_http(alice_client, alice, monkeypatch, queue):
    monkeypatch.setattr(intake, "read_url", lambda url, **kw: Reading(_store_obs(url, store_url="javascript:alert(1)")))
    url = "https://www.aliexpress.com/item/1005001234567890.html"
    shown = preview(alice_client, url)
    assert "javascript:" not in shown.content.decode() and "Lamp Store" in shown.content.decode()
    confirm(alice_client, shown)
    assert Product.objects.get(owner=alice).supplier.store_url == ""  # never stored either


def test_a_duplicate_does_not_leave_a_new_supplier_behind(alice, monkeypatch):
    monkeypatch.setattr(intake, "read_url", lambda url, **kw: Reading(_store_obs(url)))
    url = "https://www.aliexpress.com/item/1005001234567890.html"
    token = intake.product_preview(owner=alice, url=url).token
    Product.objects.create(owner=alice, url=url, host="www.aliexpress.com")
    with pytest.raises(DuplicateError):
        intake.product_add_from_preview(owner=alice, url=url, token=token)
    assert not Supplier.objects.exists()


def test_an_old_preview_cannot_be_confirmed(alice, shop, monkeypatch):
    from django.core import signing

    shop.page("/hose", PAGE)
    token = intake.product_preview(owner=alice, url=shop.url("/hose")).token
    later = (timezone.now() + timedelta(seconds=intake.PREVIEW_MAX_AGE + 5)).timestamp()
    monkeypatch.setattr(signing.time, "time", lambda: later)
    with pytest.raises(intake.PreviewMismatch, match="more than an hour old"):
        intake.product_add_from_preview(owner=alice, url=shop.url("/hose"), token=token)


# --- Add a supplier by its store URL -------------------------------------------------------------


def test_add_a_supplier_by_store_url_without_preview(alice_client, alice, queue):
    url = "https://www.aliexpress.com/store/31337"
    response = alice_client.post("/suppliers/add/url/", {"step": "add", "store_url": url})
    supplier = Supplier.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == supplier.get_absolute_url()
    assert (supplier.platform, supplier.platform_store_id, supplier.name) == ("aliexpress", "31337", "Store 31337")
    assert queue.sent == [("supplier", supplier.pk)]
    again = alice_client.post("/suppliers/add/url/", {"step": "add", "store_url": url + "?spm=x"})
    assert "You already watch this store." in again.content.decode()
    assert Supplier.objects.filter(owner=alice).count() == 1


def test_preview_a_store_page_then_add_it(alice_client, alice, shop, queue):
    shop.page(
        "/store/31337",
        "<html><head><title>Lamp Store - Amazing products with exclusive discounts on AliExpress</title>",
    )
    url = shop.url("/store/31337")
    shown = alice_client.post("/suppliers/add/url/", {"step": "preview", "store_url": url, "platform": "aliexpress"})
    html = shown.content.decode()
    assert "Lamp Store" in html and "Add this supplier" in html
    import html as htmllib
    import re

    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html[html.index('value="add"') - 200 :])
    )
    fields = {k: htmllib.unescape(v) for k, v in fields.items()}
    response = alice_client.post("/suppliers/add/url/", fields)
    supplier = Supplier.objects.get(owner=alice)
    assert response.status_code == 302
    assert (supplier.name, supplier.platform_store_id, supplier.store_url) == ("Lamp Store", "31337", url)
    assert queue.sent == [("supplier", supplier.pk)]


def test_a_generic_store_is_added_without_reading_it(alice_client, alice, queue):
    shown = alice_client.post("/suppliers/add/url/", {"step": "preview", "store_url": "https://shop.example.com/"})
    assert "does not read" in shown.content.decode()  # nothing fetched for a generic shop
    response = alice_client.post(
        "/suppliers/add/url/", {"step": "add", "store_url": "https://shop.example.com/", "name": "Example shop"}
    )
    assert response.status_code == 302 and Supplier.objects.get(owner=alice).name == "Example shop"
    assert queue.sent == []  # its store page is never checked: its products' pages tell about it
    assert "figures will come from its products" in alice_client.get(response["Location"]).content.decode()


def test_the_full_form_stays_available(alice_client):
    response = alice_client.get(reverse("product_add_manual"))
    assert response.status_code == 200 and 'name="check_interval"' in response.content.decode()


# --- CSV import ----------------------------------------------------------------------------------


def upload(client, content: bytes | str, name="products.csv", **headers):
    if isinstance(content, str):
        content = content.encode()
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content, content_type="text/csv")}, **headers)


def results(report) -> list[tuple[int, str, str]]:
    return [(r.row, r.result, r.reason) for r in report.rows]


def test_import_adds_good_rows_and_reports_bad_ones(alice, queue):
    Product.objects.create(owner=alice, url="https://shop.example.com/products/old", host="shop.example.com")
    csv_text = (
        "URL,My Price,Currency,Shipping,Title,SKU,Notes\n"
        "https://shop.example.com/products/a,19.90,usd,1.50,Lamp A,A-1,first\n"
        "shop.example.com/products/b,,,,,,\n"  # no scheme: https:// is assumed
        "ftp://shop.example.com/products/c,10,USD,,,,\n"
        "https://shop.example.com/products/d,-5,USD,,,,\n"
        "https://shop.example.com/products/e,10,EURO,,,,\n"
        "https://shop.example.com/products/a,21,USD,,,A-1,\n"  # repeated in the file (same variant)
        "https://shop.example.com/products/old,10,USD,,,,\n"  # already watched
        ",,,,,,\n"  # a blank row is ignored
        "https://shop.example.com/products/f,abc,USD,,,,\n"
        "http://169.254.169.254/latest/meta-data,10,USD,,,,\n"
        "https://shop.example.com/products/g,10,USD,-1,,,\n"
        "https://shop.example.com:99999/products/h,10,USD,,,,\n"
    )
    report = imports.products_import_csv(owner=alice, file=io.BytesIO(csv_text.encode()))
    rows = results(report)
    assert [r[:2] for r in rows] == [
        (2, "added"),
        (3, "added"),
        (4, "rejected"),
        (5, "rejected"),
        (6, "rejected"),
        (7, "skipped"),
        (8, "skipped"),
        (10, "rejected"),
        (11, "rejected"),
        (12, "rejected"),
        (13, "rejected"),
    ]
    reasons = dict((r[0], r[2]) for r in rows)
    assert "Only http:// and https://" in reasons[4]
    assert reasons[5] == "Your selling price must be more than zero."
    assert "not a currency" in reasons[6]
    assert reasons[7] == "Same address as row 2."
    assert reasons[8] == "You already watch this product."
    assert "not a number" in reasons[10]
    assert "private or reserved" in reasons[11]
    assert reasons[12] == "Shipping cannot be negative."
    assert "is not a valid web address" in reasons[13]
    assert report.ignored_columns == ["Notes"]
    a = Product.objects.get(owner=alice, url="https://shop.example.com/products/a")
    assert (a.my_price, a.my_currency, a.shipping_cost, a.title, a.variant_sku) == (
        Decimal("19.90"),
        "USD",
        Decimal("1.50"),
        "Lamp A",
        "A-1",
    )
    assert a.next_check_at <= timezone.now()  # due: the tick reads it
    assert Product.objects.get(owner=alice, url="https://shop.example.com/products/b").my_price is None
    assert queue.sent == []  # nothing fetched or queued during the import


def test_semicolons_decimal_commas_and_a_bom(alice):
    csv_text = "\ufeffurl;price;currency;shipping\nhttps://shop.example.com/products/a;12,50;EUR;1,20\n"
    csv_text += "https://shop.example.com/products/b;1.234,50;EUR;\n"
    report = imports.products_import_csv(owner=alice, file=io.BytesIO(csv_text.encode("utf-8")))
    assert [r.result for r in report.rows] == ["added", "added"]
    a = Product.objects.get(url="https://shop.example.com/products/a")
    assert (a.my_price, a.shipping_cost, a.my_currency) == (Decimal("12.50"), Decimal("1.20"), "EUR")
    assert Product.objects.get(url="https://shop.example.com/products/b").my_price == Decimal("1234.50")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12.50", Decimal("12.50")),
        ("12,5", Decimal("12.5")),
        ("1,234.56", Decimal("1234.56")),
        ("1.234,56", Decimal("1234.56")),
        ("$ 9.99", Decimal("9.99")),
        ("", None),
    ],
)
def test_amounts_as_people_type_them(raw, value):
    assert intake.parse_amount(raw) == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [("1,234", "ambiguous"), ("NaN", "not a number"), ("1e5", "not a number"), ("1.23456", "4 decimals")],
)
def test_amounts_that_are_refused(raw, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=message):
        intake.parse_amount(raw)


def test_file_limits(alice_client, alice):
    too_big = "url\n" + ("https://shop.example.com/products/" + "x" * 60 + "\n") * 20000
    response = upload(alice_client, too_big)
    assert "1 MiB" in response.content.decode()
    too_many = "url\n" + "".join(f"https://shop.example.com/products/{i}\n" for i in range(imports.MAX_IMPORT_ROWS + 1))
    response = upload(alice_client, too_many)
    assert "2,001 rows" in response.content.decode() and "at most 2,000" in response.content.decode()
    assert not Product.objects.exists()  # a refused file adds nothing
    exactly = "url\n" + "".join(f"https://shop.example.com/products/{i}\n" for i in range(imports.MAX_IMPORT_ROWS))
    response = upload(alice_client, exactly)
    assert Product.objects.filter(owner=alice).count() == imports.MAX_IMPORT_ROWS


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"link_text,price\nhttps://x.example/,1\n", "column"),
        (b"url\n", "no rows"),
        ("url\nhttps://x.example/p,caf\xe9\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_files_that_cannot_be_imported(alice_client, content, message):
    response = upload(alice_client, content)
    assert response.status_code == 200 and message in response.content.decode()


def test_the_supplier_column_uses_this_users_suppliers_only(alice, bob):
    alices = Supplier.objects.create(owner=alice, name="Lamp Store", platform="structured")
    csv_text = (
        "url,supplier\n"
        "https://shop.example.com/products/a,lamp store\n"
        "https://shop.example.com/products/b,Hose Factory\n"
        "https://shop.example.com/products/c,Hose Factory\n"
    )
    report = imports.products_import_csv(owner=alice, file=io.BytesIO(csv_text.encode()))
    assert [r.result for r in report.rows] == ["added"] * 3 and report.suppliers_created == ["Hose Factory"]
    assert Product.objects.get(url="https://shop.example.com/products/a").supplier == alices
    hose = Supplier.objects.get(owner=alice, name="Hose Factory")
    assert Product.objects.filter(supplier=hose).count() == 2
    # Bob's import with the same names creates his own suppliers; Alice's are never touched.
    report = imports.products_import_csv(owner=bob, file=io.BytesIO(csv_text.encode()))
    assert [r.result for r in report.rows] == ["added"] * 3
    assert sorted(report.suppliers_created) == ["Hose Factory", "lamp store"]
    for product in Product.objects.filter(owner=bob):
        assert product.supplier.owner == bob
    assert Supplier.objects.filter(owner=alice).count() == 2 and alices.products.count() == 1


def test_a_failing_row_does_not_cost_the_others(alice, monkeypatch):
    from suppliers import services

    real = services.product_create

    def flaky(**kwargs):
        if kwargs["url"].endswith("/b"):
            Supplier.objects.create(owner=kwargs["owner"], name="half-done")  # rolled back with the row
            raise services.DuplicateError("You already watch this product.")
        return real(**kwargs)

    monkeypatch.setattr(imports, "product_create", flaky)
    csv_text = "url,supplier\nhttps://x.example/a,\nhttps://x.example/b,New one\nhttps://x.example/c,\n"
    report = imports.products_import_csv(owner=alice, file=io.BytesIO(csv_text.encode()))
    assert [r.result for r in report.rows] == ["added", "skipped", "added"]
    assert not Supplier.objects.exists() and report.suppliers_created == []


def test_the_import_page_reports_each_row(alice_client, alice, bob_client):
    csv_text = "url,my_price\nhttps://shop.example.com/products/a,10\nftp://x.example/b,10\n"
    response = upload(alice_client, csv_text)
    html = response.content.decode()
    assert "<html" in html and "1 added" in html and "1 failed" in html
    assert Product.objects.filter(owner=alice).count() == 1
    assert "status-not_found" in html and "ftp://x.example/b" in html
    assert "shop.example.com/products/a" not in html  # an added row is counted, not listed
    # Asked by htmx, only the report; and Bob sees nothing of Alice's import.
    fragment = upload(alice_client, csv_text, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "1 row skipped: You already watch this product." in fragment
    assert "(row 2)" in fragment
    bobs = bob_client.get(IMPORT).content.decode()
    assert "shop.example.com/products/a" not in bobs and "Import result" not in bobs


def test_the_example_csv_downloads_and_imports(alice_client, alice):
    response = alice_client.get(reverse("product_import_example"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    report = imports.products_import_csv(owner=alice, file=io.BytesIO(response.content))
    assert [r.result for r in report.rows] == ["added", "added"]
    assert Supplier.objects.get(owner=alice).name == "Hose Factory Store"


# --- The variant sold ---------------------------------------------------------------------------------

LAMP_JS = """{"id": 7, "title": "LED desk lamp", "handle": "lamp", "options": [{"name": "Color"}],
 "variants": [
  {"id": 111, "title": "Black", "option1": "Black", "price": 1250, "compare_at_price": null, "available": true},
  {"id": 222, "title": "White", "option1": "White", "price": 990, "compare_at_price": null, "available": false}],
 "available": true, "price": 990, "images": []}"""


def test_preview_lists_the_variants_and_preselects_the_one_the_address_names(alice_client, alice, shop, queue):
    shop.page("/products/lamp.js", LAMP_JS, content_type="application/json")
    response = preview(alice_client, shop.url("/products/lamp?variant=111"), platform="shopify")
    html = response.content.decode()
    assert "The variant you sell" in html and "Color: Black" in html and "Color: White" in html
    assert 'name="variant" value="111" checked' in html
    assert hidden_fields(response)["url"] == shop.url("/products/lamp")  # the listing, not the variant's address
    confirm(alice_client, response, variant="111")
    product = Product.objects.get(owner=alice)
    assert product.variant_sku == "111" and product.url == shop.url("/products/lamp")


def test_a_second_variant_of_the_same_listing_is_another_product(alice_client, alice, shop, queue):
    shop.page("/products/lamp.js", LAMP_JS, content_type="application/json")
    for variant in ("111", "222"):
        confirm(alice_client, preview(alice_client, shop.url("/products/lamp"), platform="shopify"), variant=variant)
    assert sorted(Product.objects.filter(owner=alice).values_list("variant_sku", flat=True)) == ["111", "222"]
    again = confirm(alice_client, preview(alice_client, shop.url("/products/lamp"), platform="shopify"), variant="111")
    assert "already watch variant 111" in again.content.decode()


def test_a_variant_not_on_the_previewed_listing_is_refused(alice_client, alice, shop, queue):
    shop.page("/products/lamp.js", LAMP_JS, content_type="application/json")
    response = confirm(
        alice_client, preview(alice_client, shop.url("/products/lamp"), platform="shopify"), variant="999"
    )
    assert "not on the listing you previewed" in response.content.decode()
    assert not Product.objects.filter(owner=alice).exists()


def test_csv_names_the_variant_by_id_option_text_or_address(alice):
    csv_text = (
        "url,my_price,variant\n"
        "https://shop.example.com/products/lamp,20,Black\n"
        "https://shop.example.com/products/lamp?variant=222,20,\n"
        "https://shop.example.com/products/lamp,20,Black\n"
    )
    report = imports.products_import_csv(owner=alice, file=io.BytesIO(csv_text.encode()))
    assert [r.result for r in report.rows] == ["added", "added", "skipped"]
    assert sorted(Product.objects.filter(owner=alice).values_list("variant_sku", flat=True)) == ["222", "Black"]
