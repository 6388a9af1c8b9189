"""The main image: pHash equal to imagehash's, fetched once per URL through the guarded fetcher, refusals and
bad answers recorded, never retried — against real HTTP servers on 127.0.0.1 serving real PNG/JPEG files."""

import struct
import zlib

import pytest
from django.utils import timezone

from monitoring.fetch import Fetcher
from monitoring.fetch.politeness import LocalLimiter
from monitoring.images import (
    IMAGE_MAX_BYTES,
    IMAGE_MAX_PIXELS,
    ImageUnreadable,
    image_hashes_for,
    image_needs_fetch,
    listing_image_hash,
    phash_bytes,
    phash_of,
    url_digest,
)
from monitoring.models import ListingImage
from tests.support import images as pics
from tests.support.servers import Canary, LocalShop

# imagehash 4.3.2's `str(imagehash.phash(Image.open(f)))` for these drawings saved as PNG, computed once in a
# separate virtualenv with numpy/scipy/PyWavelets (known answers, as for any hash function).
IMAGEHASH_PHASH = {
    "yoga_mat": "ea4b9ab1a7ac19c2",
    "phone_case": "e4cc8e339b339a8c",
    "earbuds": "e961969e3621cb6c",
    "desk_lamp": "b3cc3893c638cd39",
}


@pytest.fixture
def shop():
    s = LocalShop()
    yield s
    s.close()


def fetcher(**kwargs) -> Fetcher:
    options = {
        "allowed_hosts": ["127.0.0.1"],
        "total_timeout": 10,
        "max_retries": 0,
        "limiter": LocalLimiter(0),
        "max_bytes": IMAGE_MAX_BYTES,
    }
    options.update(kwargs)
    return Fetcher(**options)


@pytest.mark.parametrize("name", sorted(IMAGEHASH_PHASH))
def test_the_phash_is_imagehash_s_bit_for_bit(name):
    drawing = getattr(pics, name)()
    assert phash_bytes(pics.encoded(drawing, "PNG"))[0] == IMAGEHASH_PHASH[name]
    assert phash_of(drawing) == IMAGEHASH_PHASH[name]


def test_a_bigger_copy_of_the_same_picture_has_the_same_hash():
    drawing = pics.yoga_mat()
    assert phash_bytes(pics.encoded(pics.resized(drawing, 1600), "PNG"))[0] == IMAGEHASH_PHASH["yoga_mat"]
    big_hash, width, height = phash_bytes(pics.encoded(pics.resized(drawing, 3000)))  # decoded at a reduced scale
    assert (width, height) == (3000, 3000)
    assert (int(big_hash, 16) ^ int(IMAGEHASH_PHASH["yoga_mat"], 16)).bit_count() <= 4


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size in a few bytes (what a decompression bomb looks like from outside)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (_png_header_only(7000, 7000), "too many pixels (7000 × 7000)"),  # over our cap, under Pillow's
        (_png_header_only(30000, 30000), "too many pixels"),  # Pillow's own bomb limit
        (b"<html><body>Not an image</body></html>", "not a JPEG, PNG"),
        (pics.encoded(pics.yoga_mat())[:4000], "damaged or incomplete"),
    ],
)
def test_bad_image_bytes_are_refused_with_a_reason(data, says):
    assert IMAGE_MAX_PIXELS < 7000 * 7000
    with pytest.raises(ImageUnreadable, match=says.replace("(", r"\(").replace(")", r"\)")):
        phash_bytes(data)


# --- fetched once per URL -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_image_is_fetched_once_and_its_hash_kept(shop):
    shop.page("/kf/mat.jpg", pics.encoded(pics.yoga_mat()), content_type="image/jpeg")
    url = shop.url("/kf/mat.jpg")
    assert image_needs_fetch(url)
    row = listing_image_hash(url=url, fetcher=fetcher())
    assert row.status == ListingImage.Status.OK and len(row.phash) == 16
    assert (row.width, row.height) == (640, 640) and row.byte_count == len(pics.encoded(pics.yoga_mat()))
    assert shop.hits[0][2]["Accept"].startswith("image/")
    again = listing_image_hash(url=url, fetcher=fetcher())
    assert again.pk == row.pk and again.phash == row.phash
    assert shop.count("/kf/mat.jpg") == 1  # never again for the same URL
    assert not image_needs_fetch(url)
    assert image_hashes_for([url, shop.url("/kf/other.jpg"), ""]) == {url: row.phash}


@pytest.mark.django_db
def test_a_png_and_a_jpeg_of_one_picture_hash_close(shop):
    shop.page("/a.png", pics.encoded(pics.phone_case(), "PNG"), content_type="image/png")
    shop.page("/a.jpg", pics.encoded(pics.phone_case(), quality=60), content_type="image/jpeg")
    png = listing_image_hash(url=shop.url("/a.png"), fetcher=fetcher())
    jpg = listing_image_hash(url=shop.url("/a.jpg"), fetcher=fetcher())
    assert png.phash == IMAGEHASH_PHASH["phone_case"]
    assert (int(png.phash, 16) ^ int(jpg.phash, 16)).bit_count() <= 4


@pytest.mark.django_db
def test_a_private_address_is_refused_and_recorded_not_fetched():
    canary = Canary()
    try:
        url = f"http://127.0.0.1:{canary.port}/kf/mat.jpg"  # loopback, and no allow-list: a private address
        row = listing_image_hash(url=url, fetcher=fetcher(allowed_hosts=[]))
        assert row.status == ListingImage.Status.REFUSED and "private" in row.message
        assert canary.connections == []
        # A public-looking name that resolves to a private network: refused before any connection.
        named = listing_image_hash(
            url="http://cdn.shop.example/kf/x.jpg",
            fetcher=fetcher(allowed_hosts=[], resolver=lambda h, p: ["10.1.2.3"]),
        )
        assert named.status == ListingImage.Status.REFUSED and "10.1.2.3" in named.message
        # Kept: the next check does not queue it again, and nothing refetches it.
        assert not image_needs_fetch(url)
        assert listing_image_hash(url=url, fetcher=fetcher()).status == ListingImage.Status.REFUSED
        assert canary.connections == []
    finally:
        canary.close()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "says"),
    [
        (lambda h: h.reply(200, "<html>a product page</html>"), "not an image (Content-Type text/html)"),
        (lambda h: h.reply(404, "gone"), "HTTP 404"),
        (lambda h: h.reply(200, b"\xff\xd8\xff" + b"\0" * (IMAGE_MAX_BYTES + 10), "image/jpeg"), "larger than"),
        (lambda h: h.reply(200, _png_header_only(30000, 30000), "image/png"), "too many pixels"),
        (lambda h: h.reply(200, b"GIF89a-not-really", "image/gif"), "not a JPEG"),
    ],
)
def test_a_bad_answer_is_recorded_as_failed_and_never_retried(shop, route, says):
    shop.routes["/kf/x.jpg"] = route
    url = shop.url("/kf/x.jpg")
    row = listing_image_hash(url=url, fetcher=fetcher())
    assert row.status == ListingImage.Status.FAILED and says in row.message and row.phash == ""
    listing_image_hash(url=url, fetcher=fetcher())
    assert shop.count("/kf/x.jpg") == 1
    assert image_hashes_for([url]) == {}


@pytest.mark.django_db
def test_a_url_claimed_by_another_worker_is_not_fetched_twice(shop):
    shop.page("/kf/mat.jpg", pics.encoded(pics.yoga_mat()), content_type="image/jpeg")
    url = shop.url("/kf/mat.jpg")
    ListingImage.objects.create(
        url_digest=url_digest(url), url=url, created_at=timezone.now(), fetched_at=timezone.now()
    )
    row = listing_image_hash(url=url, fetcher=fetcher())
    assert row.status == ListingImage.Status.PENDING and shop.count("/kf/mat.jpg") == 0
