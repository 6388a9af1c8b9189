"""The CSV import's report is a summary: counts, the skipped rows grouped by reason, and only the rows that
failed listed one by one (a 2,000-row import must not print 2,000 rows)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from suppliers.models import Product

pytestmark = pytest.mark.django_db


def test_a_large_import_lists_only_the_rows_that_failed(alice, alice_client):
    Product.objects.create(owner=alice, url="https://shop.example.com/products/p-7", host="shop.example.com")
    lines = ["url,my_price"]
    lines += [f"https://shop.example.com/products/p-{i},10" for i in range(400)]
    lines += ["ftp://shop.example.com/bad,10", "https://shop.example.com/products/q,ten", "not an address,1"]
    lines += ["https://shop.example.com/products/p-3,10"]  # repeated within the file
    upload = SimpleUploadedFile("products.csv", "\n".join(lines).encode(), content_type="text/csv")
    page = alice_client.post("/products/import/", {"file": upload}).content.decode()
    assert re.search(r"<strong>399 added</strong> · 2 skipped · <strong class=\"crit\">3 failed</strong>", page)
    assert "of 404 rows" in page
    assert "https://shop.example.com/products/p-12" not in page  # added rows are counted, not listed
    failed = re.findall(r"<tr>\s*<td>(\d+)</td>", page)
    assert failed == ["402", "403", "404"]  # only the problem rows, by their spreadsheet row number
    assert "skipped: You already watch this product." in page
    assert Product.objects.filter(owner=alice).count() == 400
