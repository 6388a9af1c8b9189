"""`listing_changed` with the main image and the description: the combined rule on made-up pairs.

The hashes are those of real images drawn with Pillow (tests/support/images.py) and hashed by
monitoring/images.py, so the distances are what the rule sees in production, not numbers typed in."""

from datetime import UTC, datetime, timedelta

import pytest

from monitoring.detect.context import OpenFinding, Point, ProductContext
from monitoring.detect.listing_rules import (
    IMAGE_DIFFERENT,
    IMAGE_VERY_DIFFERENT,
    TITLE_GREY_TOP,
    TITLE_MIN_SIMILARITY,
    hash_distance,
    identity_of,
    rule_listing_changed,
    title_similarity,
)
from monitoring.detect.thresholds import DEFAULTS
from monitoring.images import phash_bytes
from monitoring.observation import Observation, Variant, description_digest
from monitoring.statuses import CheckStatus
from tests.support import images as pics

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OLD_URL = "https://img.example/old.jpg"
NEW_URL = "https://img.example/new.jpg"


def _hash(image, fmt="JPEG"):
    return phash_bytes(pics.encoded(image, fmt))[0]


MAT = pics.yoga_mat()
HASHES = {
    "mat": _hash(MAT),
    "mat_reshot": _hash(pics.lighter(pics.zoomed(pics.moved(pics.yoga_mat((236, 238, 240)), 12, 10), 1.05), 1.1)),
    "mat_moved": _hash(pics.moved(MAT)),
    "buds": _hash(pics.earbuds()),
    "buds_tinted": _hash(pics.earbuds((232, 236, 242))),  # the hardest re-shoot here: white item, tinted backdrop
    "case": _hash(pics.phone_case()),
    "lamp": _hash(pics.desk_lamp()),
    "banner": _hash(pics.street_photo()),
}

MAT_TITLE = "Yoga Mat Non Slip 6mm Thick Exercise Fitness Mat"
BOTTLE = "Stainless Steel Water Bottle Insulated 500ml"
BUDS = "Wireless Earbuds Bluetooth 5.3 TWS Headphones"
MAT_TEXT = "<p>Non-slip 6 mm TPE yoga mat, 183 × 61 cm, with a carry strap. Washable.</p>"
OTHER_TEXT = "<p>Protective silicone case, shockproof corners, raised camera lip. Fits iPhone 15.</p>"
COLOURS = [Variant("11", "Color: Purple"), Variant("12", "Color: Green"), Variant("13", "Color: Black")]
ONE_DROPPED = COLOURS[:2]  # 67% kept: "changed", not "replaced"
ONE_RENAMED = [COLOURS[0], COLOURS[1], Variant("19", "Color: Pink")]


def test_the_grey_zone_sits_between_the_title_thresholds():
    assert TITLE_MIN_SIMILARITY < TITLE_GREY_TOP
    assert IMAGE_DIFFERENT < IMAGE_VERY_DIFFERENT


def test_re_shot_photos_of_one_item_stay_under_very_different_and_other_items_reach_it():
    same = [("mat", "mat_reshot"), ("mat", "mat_moved"), ("buds", "buds_tinted")]
    other = [("mat", "case"), ("mat", "buds"), ("mat", "lamp"), ("buds", "case"), ("mat", "banner")]
    assert all(hash_distance(HASHES[a], HASHES[b]) < IMAGE_VERY_DIFFERENT for a, b in same)
    assert all(hash_distance(HASHES[a], HASHES[b]) >= IMAGE_VERY_DIFFERENT for a, b in other)


def reading(title=MAT_TITLE, *, image=OLD_URL, text=MAT_TEXT, vs=None):
    return Observation(
        title=title,
        image=image,
        currency="USD",
        variants=COLOURS if vs is None else vs,
        description_digest=description_digest(text),
    )


def ctx(obs, *, before=None, hashes=None, open_=None):
    before = before or reading()
    hist = [
        Point(at=NOW - timedelta(days=5) + timedelta(hours=12 * i), currency="USD", identity=identity_of(before))
        for i in range(8)
    ]
    return ProductContext(
        now=NOW,
        status=CheckStatus.OK,
        obs=obs,
        listing=obs,
        history=hist,
        recent_statuses=[],
        open=open_ or {},
        thresholds=DEFAULTS,
        image_hashes=hashes or {},
    )


def images(old, new):
    return {OLD_URL: HASHES[old], NEW_URL: HASHES[new]}


# (before title, after title, old picture, new picture): a title in the grey zone and another picture.
GREY_SWAPS = [
    (MAT_TITLE, "Yoga Mat Bag Carrier Exercise Fitness Strap", "mat", "case"),
    (BOTTLE, "Stainless Steel Lunch Box Insulated 500ml", "lamp", "banner"),
    (BUDS, "Wireless Bluetooth 5.3 Speaker Waterproof TWS", "buds", "lamp"),
    ("Ceramic Plant Pot with Drainage 15cm", "Ceramic Vase with Drainage 15cm Flower", "mat", "buds"),
    (
        "LED Desk Lamp Dimmable USB Rechargeable",
        "LED Strip Lights USB Dimmable Rechargeable",
        "lamp",
        "case",
    ),
]


@pytest.mark.parametrize(("before", "after", "old", "new"), GREY_SWAPS)
def test_a_grey_zone_title_with_a_very_different_image_fires(before, after, old, new):
    assert TITLE_MIN_SIMILARITY <= title_similarity(before, after) < TITLE_GREY_TOP
    verdict = rule_listing_changed(ctx(reading(after, image=NEW_URL), before=reading(before), hashes=images(old, new)))
    assert verdict.action == "fire" and verdict.signal.severity == 30
    ev = verdict.signal.evidence
    assert ev["image_distance"] == hash_distance(HASHES[old], HASHES[new]) >= IMAGE_VERY_DIFFERENT
    assert ev["image_hash_before"] == HASHES[old] and ev["image_hash_after"] == HASHES[new]
    assert ev["image_before"] == OLD_URL and ev["image_after"] == NEW_URL
    assert f"{ev['image_distance']} of 64 hash bits" in verdict.signal.message


@pytest.mark.parametrize(("before", "after", "old", "new"), GREY_SWAPS)
def test_the_same_grey_zone_title_with_a_re_shot_photo_is_quiet(before, after, old, new):
    verdict = rule_listing_changed(
        ctx(reading(after, image=NEW_URL), before=reading(before), hashes=images("mat", "mat_reshot"))
    )
    assert verdict.action == "clear"


def test_a_grey_zone_title_whose_new_image_is_not_hashed_yet_is_quiet_until_it_is():
    after = reading("Yoga Mat Bag Carrier Exercise Fitness Strap", image=NEW_URL)
    assert rule_listing_changed(ctx(after, hashes={OLD_URL: HASHES["mat"]})).action == "clear"
    assert rule_listing_changed(ctx(after, hashes=images("mat", "case"))).action == "fire"


def test_an_ordinary_title_edit_in_the_grey_zone_with_a_re_shot_photo_is_quiet():
    after = "Insulated Water Bottle 500ml Double Wall Thermos Flask"  # the same bottle, 0.67
    assert TITLE_MIN_SIMILARITY <= title_similarity(BOTTLE, after) < TITLE_GREY_TOP
    c = ctx(reading(after, image=NEW_URL), before=reading(BOTTLE), hashes=images("buds", "buds_tinted"))
    assert rule_listing_changed(c).action == "clear"


def test_a_title_above_the_grey_zone_with_a_very_different_image_is_quiet():
    after = "Thick Yoga Mat 8mm Extra Wide Exercise Mat Non-Slip"  # 0.75: the title says it is the mat
    assert title_similarity(MAT_TITLE, after) >= TITLE_GREY_TOP
    c = ctx(reading(after, image=NEW_URL), hashes=images("mat", "banner"))  # a lifestyle shot
    assert rule_listing_changed(c).action == "clear"


@pytest.mark.parametrize("new", ["mat_reshot", "mat_moved", "banner", "case"])
def test_a_new_photo_alone_never_fires_however_different(new):
    c = ctx(reading(image=NEW_URL), hashes=images("mat", new))
    assert rule_listing_changed(c).action == "clear"


@pytest.mark.parametrize("vs", [ONE_DROPPED, ONE_RENAMED])
def test_image_description_and_variants_changed_together_fire(vs):
    after = reading(image=NEW_URL, text=OTHER_TEXT, vs=vs)  # the title was kept to keep the listing's ranking
    verdict = rule_listing_changed(ctx(after, hashes=images("mat", "case")))
    assert verdict.action == "fire"
    ev = verdict.signal.evidence
    assert ev["description_changed"] is True and ev["variants_kept"] == 0.667
    assert ev["image_distance"] == hash_distance(HASHES["mat"], HASHES["case"]) >= IMAGE_DIFFERENT
    assert "all changed at once" in verdict.signal.message


@pytest.mark.parametrize(
    ("image", "text", "vs"),
    [
        ("case", OTHER_TEXT, None),  # new picture and text, the same variants: a refreshed listing
        ("case", MAT_TEXT, ONE_DROPPED),  # new picture, a colour discontinued
        ("mat", OTHER_TEXT, ONE_DROPPED),  # same picture (re-uploaded), new text, a colour gone
        ("mat_reshot", OTHER_TEXT, ONE_DROPPED),  # a re-shoot, new text, a colour gone
        ("case", OTHER_TEXT, [*COLOURS, Variant("14", "Color: Blue")]),  # a colour added is no change
    ],
)
def test_two_of_the_three_signals_are_quiet(image, text, vs):
    after = reading(image=NEW_URL, text=text, vs=vs)
    c = ctx(after, hashes=images("mat", image))
    assert rule_listing_changed(c).action == "clear"


def test_a_page_without_a_description_cannot_make_the_combined_rule_fire():
    after = reading(image=NEW_URL, text="", vs=ONE_DROPPED)
    assert rule_listing_changed(ctx(after, hashes=images("mat", "case"))).action == "clear"


def test_an_open_finding_holds_while_the_picture_is_still_another_item():
    fired = rule_listing_changed(
        ctx(reading("Yoga Mat Bag Carrier Exercise Fitness Strap", image=NEW_URL), hashes=images("mat", "case"))
    )
    open_ = {"listing_changed": OpenFinding("listing_changed", 30, None, None, fired.signal.evidence, NOW)}
    title_back = reading(MAT_TITLE, image=NEW_URL)
    still_other = ctx(title_back, before=title_back, hashes=images("mat", "case"), open_=open_)
    assert rule_listing_changed(still_other).action == "hold"
    back = ctx(reading(MAT_TITLE), before=title_back, hashes=images("mat", "case"), open_=open_)
    assert rule_listing_changed(back).action == "clear"


def test_identity_keeps_the_description_digest_and_not_the_text():
    ident = identity_of(reading())
    assert ident["description"] == description_digest(MAT_TEXT) and len(ident["description"]) == 32
    assert "yoga" not in str(ident["description"])


def test_the_description_digest_ignores_markup_case_entities_and_spacing():
    assert description_digest("<p>Non-slip  6&nbsp;mm TPE yoga mat</p>\n<br>") == description_digest(
        "non-slip 6 mm tpe YOGA mat"
    )
    assert description_digest(MAT_TEXT) != description_digest(OTHER_TEXT)
    assert description_digest("Hot sale!") == ""  # too little to say which item
