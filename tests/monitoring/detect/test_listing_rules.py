"""`listing_changed`: the listing that turns into another item fires; ordinary edits stay quiet.
Plain functions, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from monitoring.detect import rules
from monitoring.detect.context import OpenFinding, Point, ProductContext
from monitoring.detect.listing_rules import (
    TITLE_ALONE,
    TITLE_MIN_SIMILARITY,
    identity_of,
    rule_listing_changed,
    title_similarity,
    variants_kept,
)
from monitoring.detect.thresholds import DEFAULTS
from monitoring.observation import Observation, Variant
from monitoring.statuses import CheckStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

EARBUDS = "Wireless Earbuds Bluetooth 5.3 Headphones TWS Noise Cancelling Earphones with Mic"
LAMP = "LED Desk Lamp Dimmable Eye-Caring Reading Light USB Rechargeable"
HOLDER = "Magnetic Phone Holder for Car Dashboard 360 Rotation"
POT = "Casa Verde Ceramic Plant Pot with Drainage 15cm"
WATCH = "Smart Watch Men Women Fitness Tracker Heart Rate Blood Oxygen IP68"
BLENDER = "Portable Blender USB Rechargeable Juicer Cup 380ml"

# (before, after): ordinary edits of the same item.
SAME_ITEM = [
    (
        EARBUDS,
        "2025 Hot Sale Wireless Earbuds Bluetooth 5.3 Headphones TWS Noise Cancelling Sport Earphones for iPhone",
    ),
    (EARBUDS, "TWS Noise Cancelling Earphones Wireless Headphones Bluetooth 5.3 Earbuds Mic"),  # reordered
    (EARBUDS, "TWS Wireless Earbuds"),  # trimmed hard
    (LAMP, "USB Rechargeable LED Desk Lamp, Dimmable Eye Caring Reading Light for Office Bedroom"),
    (HOLDER, "Car Phone Holder Magnetic Dashboard Mount 360° Rotating Strong Magnet"),
    (POT, "Ceramic Plant Pot with Drainage Hole and Saucer, 15 cm Modern Planter"),
    (WATCH, "Smart Watch Fitness Tracker Heart Rate IP68 Waterproof Sport Bracelet 2025 New"),
    ("Lámpara de escritorio LED regulable", "Lampara de Escritorio LED Regulable USB recargable"),  # accents
    ("Wireless Earbud", "Wireless Earbuds"),  # plural
    ("Yoga Mat", "Yoga Mat with Carry Bag"),
    (
        "Portable Mini Projector 1080P WiFi Bluetooth Home Theater Movie Projector",
        "Mini Projector 4K Supported, 5G WiFi 6 Bluetooth 5.2, Portable Outdoor Movie Projector for Home",
    ),
    ("Men's Running Shoes Breathable Lightweight Sneakers", "Running Shoes for Men Women Breathable Mesh Sneakers"),
]

# (before, after): the listing now sells something else.
OTHER_ITEM = [
    (EARBUDS, "Silicone Phone Case for iPhone 15 Pro Max Shockproof Cover"),
    (EARBUDS, "Wireless Earbuds Case Cover Silicone Protective Shell Keychain"),  # the accessory of the item
    (LAMP, "Stainless Steel Water Bottle Vacuum Insulated 500ml"),
    (HOLDER, "Car Seat Gap Filler Organizer Leather Storage Box"),  # same "car" category
    (BLENDER, "Portable Neck Fan USB Rechargeable Bladeless 3 Speeds"),  # same "USB rechargeable" words
    ("Yoga Mat Non Slip 6mm", "Resistance Bands Set 5 Levels"),
    (WATCH, "Smart Watch Band Strap Silicone Replacement for Fitness Tracker"),  # half the words: the band
    ("Xiaomi Redmi Buds 4 Pro Wireless Earbuds", "Xiaomi Redmi Buds Case Silicone Cover"),
    ("Wireless Earbuds", "Wireless Mouse"),
]


@pytest.mark.parametrize(("before", "after"), SAME_ITEM)
def test_ordinary_title_edits_are_similar(before, after):
    assert title_similarity(before, after) >= TITLE_MIN_SIMILARITY


@pytest.mark.parametrize(("before", "after"), OTHER_ITEM)
def test_another_item_is_not_similar(before, after):
    assert title_similarity(before, after) < TITLE_MIN_SIMILARITY


def variants(*pairs):
    return [Variant(vid, name) for vid, name in pairs]


BLACK_WHITE = variants(("111", "Color: Black"), ("222", "Color: White"), ("333", "Color: Pink"))


def reading(title=EARBUDS, vs=None, image="https://img.example/a.jpg"):
    return Observation(title=title, image=image, price=None, currency="USD", variants=BLACK_WHITE if vs is None else vs)


def ctx(obs, *, before=None, open_=None, since=None, hashes=None):
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
        baseline_since=since or {},
        image_hashes=hashes or {},
    )


def test_the_rule_is_registered():
    assert rules.PRODUCT_RULES["listing_changed"] is rule_listing_changed


@pytest.mark.parametrize(("before", "after"), SAME_ITEM)
def test_same_item_does_not_fire(before, after):
    assert rule_listing_changed(ctx(reading(after), before=reading(before))).action == "clear"


# Two pictures 40 of 64 pHash bits apart: another picture.
APART = {"https://img.example/a.jpg": "0000000000000000", "https://img.example/b.jpg": "ffffffffff000000"}

# (before, after): a seller's rewrite of the same item's title, sharing fewer than half its words. Word overlap
# cannot tell these from a swap within the family (a watch band on the watch's listing scores 0.50).
REWRITES = [
    ("TPE Yoga Mat 6mm Non Slip Exercise Mat for Home Workout", "Eco TPE Yoga Mat 6mm Double Layer Gym Fitness Mat"),
    ("Yoga Mat Non-Slip 6mm Thick Exercise Pad", "Eco TPE Yoga Mat 6mm Double Layer Gym Fitness Mat"),
]


@pytest.mark.parametrize(("before", "after"), OTHER_ITEM)
def test_other_item_fires_critical_with_before_and_after(before, after):
    verdict = rule_listing_changed(
        ctx(reading(after, image="https://img.example/b.jpg"), before=reading(before), hashes=APART)
    )
    assert verdict.action == "fire" and verdict.signal.severity == 30
    ev = verdict.signal.evidence
    assert ev["title_before"] == before and ev["title_after"] == after
    assert ev["image_before"].endswith("a.jpg") and ev["image_after"].endswith("b.jpg")
    assert "resembles none" in verdict.signal.message


@pytest.mark.parametrize(("before", "after"), [*REWRITES, *(p for p in OTHER_ITEM if title_similarity(*p) >= 0.35)])
def test_a_title_sharing_a_third_to_a_half_of_its_words_needs_a_second_sign(before, after):
    assert TITLE_ALONE <= title_similarity(before, after) < TITLE_MIN_SIMILARITY
    # The title alone (same picture, same variants): a rewrite or a swap, so nothing is said.
    assert rule_listing_changed(ctx(reading(after), before=reading(before))).action == "clear"
    # With the picture changed too, or most variants renamed, it is another item.
    moved = ctx(reading(after, image="https://img.example/b.jpg"), before=reading(before), hashes=APART)
    assert rule_listing_changed(moved).action == "fire"
    renamed = variants(("111", "Color: Black"), ("222", "Color: White"), ("944", "Size: L"))  # 2 of 3 kept
    assert rule_listing_changed(ctx(reading(after, vs=renamed), before=reading(before))).action == "fire"


@pytest.mark.parametrize(("before", "after"), [p for p in OTHER_ITEM if title_similarity(*p) < 0.35])
def test_a_title_sharing_under_a_third_of_its_words_fires_alone(before, after):
    assert rule_listing_changed(ctx(reading(after), before=reading(before))).action == "fire"


def test_a_variant_added_or_reordered_or_one_dropped_is_quiet():
    added = [*BLACK_WHITE, Variant("444", "Color: Blue")]
    assert rule_listing_changed(ctx(reading(vs=added))).action == "clear"
    assert rule_listing_changed(ctx(reading(vs=list(reversed(BLACK_WHITE))))).action == "clear"
    assert rule_listing_changed(ctx(reading(vs=BLACK_WHITE[:2]))).action == "clear"


def test_renumbered_variants_with_the_same_names_are_quiet():
    renumbered = variants(("9111", "Color: Black"), ("9222", "Color: White"), ("9333", "Color: Pink"))
    assert variants_kept(identity_of(reading()), identity_of(reading(vs=renumbered))) == 1
    assert rule_listing_changed(ctx(reading(vs=renumbered))).action == "clear"


def test_most_variants_replaced_at_once_fires_even_with_the_same_title():
    swapped = variants(("111", "Color: Black"), ("777", "Size: 40x60cm"), ("888", "Size: 60x90cm"))
    verdict = rule_listing_changed(ctx(reading(vs=swapped)))
    assert verdict.action == "fire"
    assert "33% of 3 kept" in verdict.signal.message and verdict.signal.evidence["variants_kept"] == 0.333


def test_renumbered_variants_with_relabelled_options_are_quiet():
    before = variants(("111", "Color: Black; Size: M"), ("222", "Color: White; Size: M"))
    after = variants(("911", "Colour: black; Size: M"), ("922", "Colour: White; Size:  M"))
    assert rule_listing_changed(ctx(reading(vs=after), before=reading(vs=before))).action == "clear"


def test_a_one_variant_listing_is_not_judged_by_its_variant():
    one = variants(("111", "Default"))
    other = variants(("999", "Default Title"))
    assert rule_listing_changed(ctx(reading(vs=other), before=reading(vs=one))).action == "clear"


def test_a_new_photo_of_the_same_item_is_quiet():
    assert rule_listing_changed(ctx(reading(image="https://img.example/new-photo.webp"))).action == "clear"


def test_no_identity_kept_yet_holds():
    c = ctx(reading("Silicone Phone Case"))
    for p in c.history:
        p.identity = None
    assert rule_listing_changed(c).action == "hold"


def test_a_title_resembling_any_recent_title_is_quiet():
    # The listing's title changed last week (an ordinary edit); the new one resembles the latest.
    c = ctx(reading("TWS Earbuds Wireless 5.3 Sport Headset Waterproof"))
    c.history[-1].identity = identity_of(reading("Wireless Earbuds Bluetooth 5.3 TWS Sport Headset"))
    assert rule_listing_changed(c).action == "clear"


def test_open_finding_compares_with_the_frozen_listing_and_resolves_when_it_comes_back():
    fired = rule_listing_changed(ctx(reading("Silicone Phone Case for iPhone 15")))
    open_ = {
        "listing_changed": OpenFinding(
            "listing_changed", 30, None, None, fired.signal.evidence, NOW - timedelta(days=1)
        )
    }
    # Days later the history is all the new item; still compared with the item it was.
    later = ctx(
        reading("Silicone Phone Case for iPhone 15"), before=reading("Silicone Phone Case for iPhone 15"), open_=open_
    )
    assert rule_listing_changed(later).action == "fire"
    back = ctx(reading(EARBUDS), before=reading("Silicone Phone Case for iPhone 15"), open_=open_)
    assert rule_listing_changed(back).action == "clear"


def test_resolving_restarts_the_comparison():
    c = ctx(reading("Silicone Phone Case for iPhone 15"), since={"listing_changed": NOW - timedelta(hours=1)})
    assert rule_listing_changed(c).action == "hold"  # no reading since the user accepted the new listing
