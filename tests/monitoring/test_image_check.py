"""The image step after a check: queued once per new image URL when the check commits, the image fetched once,
and `listing_changed` judged again with its hash — on the real database, a real local image server, and in
the last test a real Celery worker."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from monitoring.checking import record_product_check
from monitoring.detect.listing_rules import IMAGE_VERY_DIFFERENT, hash_distance
from monitoring.fetch import Fetcher
from monitoring.fetch.politeness import LocalLimiter
from monitoring.image_check import listing_image_step
from monitoring.images import IMAGE_MAX_BYTES
from monitoring.models import Finding, ListingImage, Notification
from monitoring.observation import Observation, Variant, description_digest
from suppliers import services
from suppliers.models import Product
from tests.support import images as pics
from tests.support.servers import Canary, LocalShop

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
MAT = "Yoga Mat Non Slip 6mm Thick Exercise Fitness Mat"
MAT_BAG = "Yoga Mat Bag Carrier Exercise Fitness Strap"  # similarity 0.57: the grey zone
COLOURS = [Variant("11", "Color: Purple"), Variant("12", "Color: Green")]


@pytest.fixture
def shop():
    s = LocalShop()
    s.page("/kf/mat.jpg", pics.encoded(pics.yoga_mat()), content_type="image/jpeg")
    s.page("/kf/mat-reshot.jpg", pics.encoded(pics.lighter(pics.moved(pics.yoga_mat()))), content_type="image/jpeg")
    s.page("/kf/case.jpg", pics.encoded(pics.phone_case()), content_type="image/jpeg")
    yield s
    s.close()


def local_fetcher() -> Fetcher:
    return Fetcher(
        allowed_hosts=["127.0.0.1"], total_timeout=10, max_retries=0, limiter=LocalLimiter(0), max_bytes=IMAGE_MAX_BYTES
    )


def reading(title, image, text="A non-slip 6 mm TPE yoga mat with a carry strap."):
    return Observation(
        title=title,
        image=image,
        price=None,
        currency="USD",
        variants=COLOURS,
        description_digest=description_digest(text),
    )


def check(product, obs, at, capture):
    Product.objects.filter(pk=product.pk).update(pending_slot=at, check_started_at=None)
    with capture() as queued:
        record_product_check(product_id=product.pk, slot=at, obs=obs, now=at)
    return queued


@pytest.fixture
def mat(alice):
    return services.product_create(owner=alice, url="https://shop.example/products/mat", platform="structured")


@pytest.mark.django_db
def test_a_swap_only_the_picture_betrays_opens_once_the_image_is_hashed(
    mat, shop, django_capture_on_commit_callbacks, alice_client
):
    old, new = shop.url("/kf/mat.jpg"), shop.url("/kf/case.jpg")
    queued = check(mat, reading(MAT, old), T0, django_capture_on_commit_callbacks)
    assert len(queued) == 1  # a URL never fetched: the image step is queued for after the commit
    row, changes = listing_image_step(product_id=mat.pk, url=old, fetcher=local_fetcher())
    assert row.status == ListingImage.Status.OK and changes == []
    for i in range(1, 4):
        assert check(mat, reading(MAT, old), T0 + timedelta(hours=6 * i), django_capture_on_commit_callbacks) == []

    # The listing now sells a mat bag: the title is only partly the same, the picture is another item.
    at = T0 + timedelta(days=1)
    assert len(check(mat, reading(MAT_BAG, new), at, django_capture_on_commit_callbacks)) == 1
    assert not Finding.objects.filter(kind="listing_changed").exists()  # the check could not see the picture
    row, changes = listing_image_step(product_id=mat.pk, url=new, fetcher=local_fetcher())
    assert [c.event for c in changes] == ["opened"]
    finding = Finding.objects.get(kind="listing_changed", resolved_at=None)
    ev = finding.evidence
    old_hash = ListingImage.objects.get(url=old).phash
    assert ev["image_hash_before"] == old_hash and ev["image_hash_after"] == row.phash
    assert ev["image_distance"] == hash_distance(old_hash, row.phash) >= IMAGE_VERY_DIFFERENT
    assert ev["title_before"] == MAT and ev["title_after"] == MAT_BAG
    assert f"{ev['image_distance']} of 64 hash bits" in finding.message
    assert finding.advice  # the advice is written like any finding's
    page = alice_client.get(finding.get_absolute_url()).content.decode()
    assert f"{ev['image_distance']} of 64 bits of the perceptual hash differ" in page
    assert f"{old_hash} → {row.phash}" in page and 'Description</th><td colspan="2">the same' in page

    # The next check sees the hash itself: the same finding goes on, no second one, no second alert.
    check(mat, reading(MAT_BAG, new), at + timedelta(hours=6), django_capture_on_commit_callbacks)
    assert Finding.objects.filter(kind="listing_changed").count() == 1
    assert Notification.objects.filter(finding__kind="listing_changed").count() == 1
    assert shop.count("/kf/mat.jpg") == 1 and shop.count("/kf/case.jpg") == 1


@pytest.mark.django_db
def test_a_re_shot_photo_with_the_same_grey_title_stays_quiet(mat, shop, django_capture_on_commit_callbacks):
    old, new = shop.url("/kf/mat.jpg"), shop.url("/kf/mat-reshot.jpg")
    check(mat, reading(MAT, old), T0, django_capture_on_commit_callbacks)
    listing_image_step(product_id=mat.pk, url=old, fetcher=local_fetcher())
    check(mat, reading(MAT, old), T0 + timedelta(hours=6), django_capture_on_commit_callbacks)
    check(mat, reading(MAT_BAG, new), T0 + timedelta(days=1), django_capture_on_commit_callbacks)
    row, changes = listing_image_step(product_id=mat.pk, url=new, fetcher=local_fetcher())
    assert row.status == ListingImage.Status.OK and changes == []
    assert not Finding.objects.exists()


@pytest.mark.django_db
def test_a_backup_source_is_hashed_but_opens_nothing(alice, mat, shop, django_capture_on_commit_callbacks):
    backup = services.product_create(owner=alice, url="https://other.example/products/mat", platform="structured")
    Product.objects.filter(pk=backup.pk).update(backs_up=mat)
    old, new = shop.url("/kf/mat.jpg"), shop.url("/kf/case.jpg")
    check(backup, reading(MAT, old), T0, django_capture_on_commit_callbacks)
    listing_image_step(product_id=backup.pk, url=old, fetcher=local_fetcher())
    check(backup, reading(MAT_BAG, new), T0 + timedelta(days=1), django_capture_on_commit_callbacks)
    row, changes = listing_image_step(product_id=backup.pk, url=new, fetcher=local_fetcher())
    assert row.status == ListingImage.Status.OK and changes == []
    assert not Finding.objects.exists()


@pytest.mark.django_db
def test_a_private_image_address_in_a_listing_is_refused_recorded_and_not_queued_again(
    mat, django_capture_on_commit_callbacks
):
    canary = Canary()
    try:
        url = f"http://127.0.0.1:{canary.port}/kf/mat.jpg"  # the tests' settings allow-list nothing
        assert len(check(mat, reading(MAT, url), T0, django_capture_on_commit_callbacks)) == 1
        row, changes = listing_image_step(product_id=mat.pk, url=url)  # the task's own fetcher, from settings
        assert row.status == ListingImage.Status.REFUSED and "private" in row.message and changes == []
        assert canary.connections == []
        assert check(mat, reading(MAT, url), T0 + timedelta(hours=6), django_capture_on_commit_callbacks) == []
        mat.refresh_from_db()
        assert mat.last_status == "ok"  # the check itself was never held up by the image
    finally:
        canary.close()


WORKER_ENV = {"FETCH_ALLOWED_HOSTS": "127.0.0.1", "FETCH_HOST_INTERVAL": "0.05", "FETCH_MAX_RETRIES": "0"}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_image_step_after_the_check_commits(mat, shop, celery_worker_factory):
    celery_worker_factory("img", extra_env=WORKER_ENV)
    old, new = shop.url("/kf/mat.jpg"), shop.url("/kf/case.jpg")

    def check_now(obs, at):
        Product.objects.filter(pk=mat.pk).update(pending_slot=at, check_started_at=None)
        record_product_check(product_id=mat.pk, slot=at, obs=obs, now=at)

    def wait_for(predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.2)
        return False

    now = timezone.now() - timedelta(days=1)
    check_now(reading(MAT, old), now)
    assert wait_for(lambda: ListingImage.objects.filter(url=old, status="ok").exists()), "the image was not hashed"
    check_now(reading(MAT, old), now + timedelta(hours=6))
    check_now(reading(MAT_BAG, new), now + timedelta(hours=12))
    assert wait_for(lambda: Finding.objects.filter(kind="listing_changed", resolved_at=None).exists())
    finding = Finding.objects.get(kind="listing_changed")
    assert finding.evidence["image_distance"] >= IMAGE_VERY_DIFFERENT
    assert shop.count("/kf/mat.jpg") == 1 and shop.count("/kf/case.jpg") == 1
