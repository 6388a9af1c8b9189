"""`listing_changed`: the listing turns into a different item (ship-and-switch at the listing).

What identifies a listing is kept on each snapshot (`identity`: title, main image URL, variant ids and
variant names, and the digest of the description when the page gives one). The main image takes part through
its 64-bit perceptual hash (pHash, monitoring/images.py), fetched once per image URL after the check that
first saw it (monitoring/image_check.py); the check passes the hashes it knows in `ctx.image_hashes`.

The rule fires, critical, when any of these holds:

1. the new title resembles none of the titles the listing had in the baseline window: its `title_similarity`
   to each of them is under TITLE_ALONE (0.35); or under TITLE_MIN_SIMILARITY (0.55) with a second sign, the
   main image IMAGE_DIFFERENT (16 bits) or more away or fewer than VARIANTS_CHANGED (80%) of the variants
   kept — from 0.35 to 0.55 a seller's rewrite of the same item's title ("TPE Yoga Mat 6mm Non Slip Exercise
   Mat for Home Workout" → "Eco TPE Yoga Mat 6mm Double Layer Gym Fitness Mat", 0.44) and a swap within the
   family (a watch's listing selling its band, 0.50) both happen, and word overlap cannot tell them apart; or
2. most variants were replaced at once: of the previous reading's variants (at least MIN_VARIANTS of them)
   fewer than VARIANTS_MIN_KEPT (50%) are still there, by id and by option values alike (a shop that
   renumbers its variants but keeps the option values "Black / M" is not a new item); or
3. the title is in the grey zone — similar enough not to fire alone, TITLE_MIN_SIMILARITY ≤ s <
   TITLE_GREY_TOP (0.70) — and the main image is very different: its pHash is IMAGE_VERY_DIFFERENT (24) or
   more of 64 bits away from every main image of the window; or
4. three things changed at once against the previous reading: the main image (≥ IMAGE_DIFFERENT, 16 bits),
   the description (its digest) and the variants (fewer than VARIANTS_CHANGED, 80%, kept: one of three gone,
   or renamed; a variant added is no change). A seller who keeps the old title for its search rank and
   swaps everything else is caught here.

A new photo alone never fires, however different: sellers re-shoot, re-crop and swap a white-background shot
for a lifestyle picture, and a perceptual hash cannot tell a new angle of the item from another item. Nor do
two of the three signals of rule 4 (a refreshed listing: new picture and text; a discontinued colour and a new
photo). The image counts only when both hashes are known: an image not fetched yet, refused (a private
address) or unreadable takes no part, so it can delay a finding, never cause one.

Why these numbers. Titles: on made-up pairs of real-looking titles (tests/monitoring/detect/test_listing_rules.py)
ordinary edits score 0.7–1.0 and swaps 0–0.5; the grey zone 0.55–0.70 holds both swaps within a category
("Yoga Mat … Fitness Mat" → "Yoga Mat Bag Carrier …" 0.57, "Stainless Steel Water Bottle Insulated 500ml" →
"… Lunch Box …" 0.67) and real rewrites ("… Water Bottle …" → "Insulated Water Bottle 500ml Double Wall
Thermos Flask" 0.67): only the picture can tell them apart. Images: on drawings of products re-shot the ways
sellers do (moved, zoomed 8%, 18% lighter, blurred, re-encoded at JPEG quality 40, another backdrop tint,
all at once; tests/monitoring/detect/test_listing_images.py) the same item stayed at 0–20 bits, and different
items were 26–38 bits apart (20 at the closest between two re-shot variants); unrelated pictures average 32.
So 24 is "another picture" and 16 only "not a re-encode", used with two other signals.

The title similarity is on distinctive words (lower-cased, accents folded, filler such as "2025 hot sale new
free shipping" left out): the larger of the share of the old title's words the new one keeps and the share
of the new title's words that were in the old one; two words match exactly or when difflib's character
ratio is at least FUZZY_WORD ("earbud"/"earbuds", "rotation"/"rotating"). So ordinary edits stay quiet: SEO
words added (the old words are all kept), words reordered (sets, not sequences), a title trimmed (the new
words were all in the old one), a variant added or one dropped. A title that drifts slowly, each edit close
to the last, resembles the reading before it and does not fire: the rule catches swaps, not evolution.

While the finding is open, the listing as it was when it opened is frozen in the evidence and the rule
compares with that; it resolves when the listing resembles it again — the title back to TITLE_RECOVERY and
the picture no longer very different. Resolving it yourself accepts the new listing (the comparison restarts
from then). The evidence keeps both images' hashes and their distance, and whether the description changed.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from .context import CLEAR, CRITICAL, HOLD, ProductContext, Signal, Verdict, in_window, restart_of

TITLE_MIN_SIMILARITY = 0.55  # under this the title belongs to another item (half the words or fewer)
TITLE_ALONE = (
    0.35  # under this the title alone says another item; from here to TITLE_MIN_SIMILARITY it needs a second sign
)
TITLE_RECOVERY = 0.65  # an open finding resolves only once the title is this close to the frozen one
VARIANTS_MIN_KEPT = 0.5  # fewer than half of the variants kept = replaced at once
MIN_VARIANTS = 2  # a one-variant listing that changes its only variant says little by itself
TITLE_GREY_TOP = 0.70  # from TITLE_MIN_SIMILARITY up to this the title alone cannot tell: the image decides
IMAGE_VERY_DIFFERENT = 24  # pHash bits (of 64) apart: another picture (re-shoots of one item stayed ≤ 20)
IMAGE_DIFFERENT = 16  # bits apart: not a re-encode or a small re-shoot; taken only with other signals
VARIANTS_CHANGED = 0.8  # under this share of the variants kept, the variants "changed" (for the combined rule)
FUZZY_WORD = 0.85  # two words this close (difflib ratio) count as the same word: "earbud" / "earbuds"

# Words that say nothing about what the item is: sellers add and drop them to rank in search.
_FILLER_TEXT = (
    "a an and the of for with to in on by at from or new hot sale sales best top quality high free",
    "shipping fast original genuine latest newest upgraded upgrade version style fashion 2020 2021 2022",
    "2023 2024 2025 2026 2027 men women mens womens unisex kids gift gifts pcs pc set lot piece pieces",
    "1pc 2pcs 1pcs premium luxury cheap discount promotion offer deal hd pro plus max mini portable",
    "universal",
)
FILLER = {word for chunk in _FILLER_TEXT for word in chunk.split()}

_WORD = re.compile(r"[^\W_]+(?:[.,][0-9]+)?", re.UNICODE)


def identity_of(obs) -> dict | None:
    """What a snapshot keeps about the listing itself."""
    if obs is None:
        return None
    return {
        "title": (obs.title or "")[:500],
        "image": (obs.image or "")[:1000],
        "variant_ids": [v.id[:128] for v in obs.variants[:200]],
        "option_names": [v.name[:300] for v in obs.variants[:200] if v.name],
        "description": (getattr(obs, "description_digest", "") or "")[:64],
    }


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


_UNIT = re.compile(r"(\d)\s+(cm|mm|ml|l|m|g|kg|w|v|mah|inch|in|oz|gb|tb|pcs|ft)\b")


def words(title: str) -> list[str]:
    """The title's distinctive words: lower-cased, accents folded, "15 cm" written "15cm", filler and
    one-letter words left out."""
    found = []
    for word in _WORD.findall(_UNIT.sub(r"\1\2", _fold(title or ""))):
        if len(word) < 2 and not word.isdigit():
            continue
        if word in FILLER:
            continue
        found.append(word)
    return found


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    if a.isdigit() or b.isdigit() or min(len(a), len(b)) < 4:
        return False  # numbers and short words only match exactly: "5.3" is not "5.0", "usb" not "usa"
    return SequenceMatcher(None, a, b).ratio() >= FUZZY_WORD


def _share_in(these: set[str], those: set[str]) -> float:
    kept = sum(1 for w in these if w in those or any(_same_word(w, t) for t in those))
    return kept / len(these)


def words_kept(before: str, after: str) -> float | None:
    """The share of the old title's distinctive words still in the new one (None: the old had none)."""
    old, new = set(words(before)), set(words(after))
    if not old:
        return None
    return _share_in(old, new) if new else 0.0


def title_similarity(before: str, after: str) -> float | None:
    """How much the new title is still the old item, 0..1: the larger of the share of the old title's
    distinctive words the new one keeps (blind to added SEO words and to order) and the share of the new
    title's words that were in the old one (blind to trimming). Words match exactly, or when difflib's
    character-level ratio is at least FUZZY_WORD (plurals, spelling fixes). None when either title has no
    distinctive word."""
    old, new = set(words(before)), set(words(after))
    if not old or not new:
        return None
    return max(_share_in(old, new), _share_in(new, old))


def option_values(name: str) -> str:
    """A variant's option values, without the option labels and in order of label: "Color: Black; Size: M"
    and "Colour: black; Size: M" are the same variant."""
    parts = [part.split(":", 1)[-1] for part in name.split(";") if part.strip()]
    return " / ".join(" ".join(_fold(p).split()) for p in parts)


def variants_kept(before: dict, after: dict) -> float | None:
    """The share of the earlier reading's variants still on the listing, by id or by name (None when the
    earlier reading had fewer than MIN_VARIANTS, or the new one lists none)."""
    old_ids, new_ids = set(before.get("variant_ids") or []), set(after.get("variant_ids") or [])
    if len(old_ids) < MIN_VARIANTS or not new_ids:
        return None
    by_id = len(old_ids & new_ids) / len(old_ids)
    old_names = {option_values(n) for n in before.get("option_names") or []}
    new_names = {option_values(n) for n in after.get("option_names") or []}
    by_name = len(old_names & new_names) / len(old_names) if old_names and new_names else 0.0
    return max(by_id, by_name)


def _pct(share: float) -> str:
    return f"{share:.0%}"


def hash_distance(a: str, b: str) -> int | None:
    """Bits that differ between two 64-bit perceptual hashes in hex (0 = the same picture, about 32 for
    unrelated pictures); None when either is unknown."""
    if not a or not b:
        return None
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return None


def _image_distance(now_id: dict, earlier: list[dict], hashes: dict[str, str]) -> tuple[int | None, str]:
    """The smallest pHash distance between the new main image and the earlier readings' (bits of 64), with
    the earlier image it is closest to. The same URL is distance 0 without a hash; an image whose hash is
    not known (not fetched yet, refused, unreadable) takes no part: None."""
    url = now_id.get("image") or ""
    if not url:
        return None, ""
    earlier_urls = list(dict.fromkeys(i.get("image") for i in earlier if i.get("image")))
    if url in earlier_urls:
        return 0, url
    best: tuple[int | None, str] = (None, "")
    for old in earlier_urls:
        distance = hash_distance(hashes.get(old, ""), hashes.get(url, ""))
        if distance is not None and (best[0] is None or distance < best[0]):
            best = (distance, old)
    return best


def description_changed(before: dict, after: dict) -> bool | None:
    """Whether the description's digest changed (None when either reading had none to compare)."""
    old, new = before.get("description") or "", after.get("description") or ""
    if not old or not new:
        return None
    return old != new


def rule_listing_changed(ctx: ProductContext) -> Verdict:
    now_id = identity_of(ctx.listing or ctx.obs)
    if now_id is None:
        return HOLD
    found = ctx.open.get("listing_changed")
    if found is not None:
        return listing_verdict(
            now_id=now_id, window=[], frozen=found.evidence.get("before") or {}, hashes=ctx.image_hashes
        )
    points = in_window(ctx.history, ctx.now, ctx.thresholds.baseline_days, restart_of(ctx, "listing_changed"))
    window = [p.identity for p in points if p.identity]
    if not window:
        return HOLD  # no identity kept yet (snapshots from before this rule): start from this one
    return listing_verdict(now_id=now_id, window=window, frozen=None, hashes=ctx.image_hashes)


def listing_verdict(*, now_id: dict, window: list[dict], frozen: dict | None, hashes: dict[str, str]) -> Verdict:
    """The rule on identities alone: `window` holds the baseline window's identities (oldest first) when no
    finding is open, `frozen` the listing as it was when the open finding opened; `hashes` the known
    perceptual hashes of image URLs. Also run after a check by monitoring/image_check.py, once the new main
    image's hash is known."""
    if frozen is not None:
        before = previous = frozen
        earlier = [frozen]
    else:
        before = previous = window[-1]
        earlier = window
    titles = list(dict.fromkeys(i["title"] for i in earlier if i.get("title")))

    reasons: list[str] = []
    scores = [s for s in (title_similarity(t, now_id["title"]) for t in titles) if s is not None]
    title_score = max(scores) if scores else None
    kept = variants_kept(previous, now_id)
    distance, closest = _image_distance(now_id, earlier, hashes)
    described = description_changed(previous, now_id)
    # A title sharing under a third of its words is another item. From there to TITLE_MIN_SIMILARITY both
    # happen: a seller's SEO rewrite of the same yoga mat scores 0.38-0.44, a watch band on a watch's listing
    # 0.50; so the title needs a second sign there, the picture or the variants changing with it.
    other_image = distance is not None and distance >= IMAGE_DIFFERENT
    other_variants = kept is not None and kept < VARIANTS_CHANGED
    if title_score is not None and title_score < TITLE_ALONE:
        reasons.append(
            f"The title resembles none of its earlier titles (similarity {title_score:.2f}; "
            f"under {TITLE_ALONE} means another item)."
        )
    elif title_score is not None and title_score < TITLE_MIN_SIMILARITY and (other_image or other_variants):
        sign = (
            f"the main image changed with it ({distance} of 64 hash bits apart)"
            if other_image
            else f"the variants changed with it ({_pct(kept)} kept)"
        )
        reasons.append(
            f"The title resembles none of its earlier titles (similarity {title_score:.2f}; under "
            f"{TITLE_MIN_SIMILARITY}) and {sign}."
        )
    if kept is not None and kept < VARIANTS_MIN_KEPT:
        reasons.append(
            f"Most variants were replaced at once: {_pct(kept)} of {len(previous.get('variant_ids') or [])} "
            f"kept (under {_pct(VARIANTS_MIN_KEPT)} means another item)."
        )
    grey_title = title_score is not None and TITLE_MIN_SIMILARITY <= title_score < TITLE_GREY_TOP
    if not reasons and grey_title and distance is not None and distance >= IMAGE_VERY_DIFFERENT:
        reasons.append(
            f"The title is only partly the same (similarity {title_score:.2f}) and the main image shows "
            f"something else (it differs from the earlier image in {distance} of 64 hash bits; "
            f"{IMAGE_VERY_DIFFERENT} or more means another picture)."
        )
    if (
        not reasons
        and distance is not None
        and distance >= IMAGE_DIFFERENT
        and described
        and kept is not None
        and kept < VARIANTS_CHANGED
    ):
        reasons.append(
            f"The main image ({distance} of 64 hash bits apart), the description and the variants "
            f"({_pct(kept)} kept) all changed at once."
        )
    if reasons:
        was, now = before.get("title") or "?", now_id["title"] or "?"
        return Verdict.fire(
            Signal(
                "listing_changed",
                CRITICAL,
                f"The listing became another item: “{was[:120]}” → “{now[:120]}”. " + " ".join(reasons),
                None,
                None,
                {
                    "before": before,
                    "after": now_id,
                    "title_before": was,
                    "title_after": now,
                    "image_before": closest or before.get("image", ""),
                    "image_after": now_id["image"],
                    "image_hash_before": hashes.get(closest or before.get("image", ""), ""),
                    "image_hash_after": hashes.get(now_id["image"], ""),
                    "image_distance": distance,
                    "description_changed": described,
                    "title_similarity": None if title_score is None else round(title_score, 3),
                    "variants_kept": None if kept is None else round(kept, 3),
                    "reasons": reasons,
                },
            )
        )
    if frozen is not None:
        close = title_score is None or title_score >= TITLE_RECOVERY
        if not close or (distance is not None and distance >= IMAGE_VERY_DIFFERENT):
            return HOLD  # not back to the item it was: the title, or the picture, still says another item
    return CLEAR
