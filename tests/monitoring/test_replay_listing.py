"""`manage.py replay` on histories where the listing becomes another item through its picture and description:
lines carry `image` with its `image_hash` (a pHash) and `description` text, as a recorded history may."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from monitoring.images import phash_bytes
from monitoring.models import ListingImage
from tests.support import images as pics

pytestmark = pytest.mark.django_db

MAT_HASH = phash_bytes(pics.encoded(pics.yoga_mat()))[0]
RESHOT_HASH = phash_bytes(pics.encoded(pics.lighter(pics.moved(pics.yoga_mat()))))[0]
CASE_HASH = phash_bytes(pics.encoded(pics.phone_case()))[0]
VARIANTS = [
    {"id": "11", "name": "Color: Purple"},
    {"id": "12", "name": "Color: Green"},
    {"id": "13", "name": "Color: Black"},
]
MAT_TEXT = "Non-slip 6 mm TPE yoga mat, 183 x 61 cm, with a carry strap."


def line(at, title, image, phash, text=MAT_TEXT, variants=VARIANTS):
    return {
        "at": at,
        "status": "ok",
        "title": title,
        "price": "8.00",
        "currency": "USD",
        "in_stock": True,
        "image": image,
        "image_hash": phash,
        "description": text,
        "variants": variants,
    }


def replay(tmp_path, lines):
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    out = StringIO()
    call_command("replay", str(path), stdout=out)
    return out.getvalue()


def history(*last):
    mat = "Yoga Mat Non Slip 6mm Thick Exercise Fitness Mat"
    return [line(f"2026-11-0{d}T06:00:00Z", mat, "https://cdn.example/mat.jpg", MAT_HASH) for d in range(1, 5)] + list(
        last
    )


def test_a_grey_title_with_another_picture_is_caught(tmp_path):
    out = replay(
        tmp_path,
        history(
            line(
                "2026-11-05T06:00:00Z",
                "Yoga Mat Bag Carrier Exercise Fitness Strap",
                "https://cdn.example/bag.jpg",
                CASE_HASH,
            )
        ),
    )
    assert "opened   listing_changed" in out and "of 64 hash bits" in out
    assert not ListingImage.objects.exists()  # nothing kept


def test_picture_description_and_variants_changed_at_once_are_caught(tmp_path):
    swapped = line(
        "2026-11-05T06:00:00Z",
        "Yoga Mat Non Slip 6mm Thick Exercise Fitness Mat",
        "https://cdn.example/case.jpg",
        CASE_HASH,
        text="Shockproof silicone case with raised camera lip, fits iPhone 15.",
        variants=VARIANTS[:2],
    )
    out = replay(tmp_path, history(swapped))
    assert "opened   listing_changed" in out and "all changed at once" in out


def test_ordinary_edits_stay_quiet(tmp_path):
    reshot = line(
        "2026-11-05T06:00:00Z",
        "Thick Yoga Mat 6mm Non Slip Exercise Fitness Mat with Strap 2025",
        "https://cdn.example/mat-new.jpg",
        RESHOT_HASH,
        text="Non-slip 6 mm TPE yoga mat, 183 x 61 cm. Now with a carry strap and a bag!",
        variants=VARIANTS[:2],
    )
    new_photo_only = line(
        "2026-11-06T06:00:00Z",
        "Yoga Mat Non Slip 6mm Thick Exercise Fitness Mat",
        "https://cdn.example/banner.jpg",
        CASE_HASH,
    )
    out = replay(tmp_path, history(reshot, new_photo_only))
    assert "listing_changed" not in out


def test_a_bad_image_hash_is_a_clear_error(tmp_path):
    bad = line("2026-11-05T06:00:00Z", "Yoga Mat", "https://cdn.example/x.jpg", "not-a-hash")
    with pytest.raises(CommandError, match="image_hash"):
        replay(tmp_path, history(bad))
