"""A listing's main image as a perceptual hash: fetched once per image URL, through the guarded fetcher.

`listing_changed` (monitoring/detect/listing_rules.py) compares the main image of a listing with the images
it had before. A new URL is fetched at most once (`ListingImage`, one row per URL for every user and
product: the same URL is the same bytes), by the guarded fetcher — public addresses only, at most
IMAGE_MAX_BYTES, decompression capped like any page, the answer's content type must be image/* — and only
its 64-bit pHash is kept, never the picture. A refused or failed fetch is kept with its reason and never
retried: a private address in a listing is refused and recorded, not fetched.

Why our own pHash and not the `imagehash` library: imagehash needs numpy, scipy and PyWavelets (167 MB
installed: numpy 45, scipy 113, pywt 9; imagehash 4.3.2 in a scratch virtualenv) for what is, for pHash, a
32×32 grey thumbnail and two small cosine transforms. `phash_of` below is imagehash's `phash` (hash_size 8,
highfreq_factor 4: LANCZOS to 32×32 grey, DCT-II along both axes, the 8×8 lowest frequencies against their
median), written on Pillow and `math`; tests/monitoring/test_images.py checks it against hashes imagehash
gave for the same images (equal bit for bit on all 38 test drawings tried).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import warnings
from datetime import datetime, timedelta
from statistics import median

from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from .fetch import FetchError
from .fetch.client import build_fetcher
from .models import ListingImage
from .statuses import CheckStatus

log = logging.getLogger(__name__)

IMAGE_MAX_BYTES = 5 * 1024 * 1024  # a product photo is well under this; a bigger answer is not read
IMAGE_MAX_PIXELS = 40_000_000  # checked from the header before any pixel is decoded (decompression bombs)
IMAGE_FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "BMP"]
DRAFT_ABOVE = 2048  # px; up to this the pixels are decoded in full, as imagehash does (the same hash, bit for bit)
CLAIM_STALE = timedelta(minutes=10)  # a claim older than this belonged to a worker that died: taken over
_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8"

_SIDE = 32  # hash_size 8 × highfreq_factor 4
_LOW = 8
# DCT-II basis for the 8 lowest frequencies over 32 samples (scipy.fftpack.dct's unnormalised type II,
# whose factor 2 does not change which coefficients are above the median).
_COS = [[math.cos(math.pi * k * (2 * n + 1) / (2 * _SIDE)) for n in range(_SIDE)] for k in range(_LOW)]


class ImageUnreadable(Exception):
    """Bytes that are not an image we decode, or one too large to decode safely."""


def url_digest(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def phash_of(image: Image.Image) -> str:
    """The 64-bit perceptual hash of a decoded image, as 16 hex digits (imagehash's `str(phash(image))`)."""
    grey = image.convert("L").resize((_SIDE, _SIDE), Image.Resampling.LANCZOS)
    px = list(grey.tobytes())  # mode L: one byte per pixel, row by row
    rows = [px[i * _SIDE : (i + 1) * _SIDE] for i in range(_SIDE)]
    # Along the columns first (axis 0), keeping the 8 lowest row frequencies, then along each row (axis 1).
    cols = [[sum(_COS[k][i] * rows[i][j] for i in range(_SIDE)) for j in range(_SIDE)] for k in range(_LOW)]
    low = [[sum(_COS[m][j] * cols[k][j] for j in range(_SIDE)) for m in range(_LOW)] for k in range(_LOW)]
    flat = [v for row in low for v in row]
    mid = median(flat)
    bits = "".join("1" if v > mid else "0" for v in flat)
    return f"{int(bits, 2):016x}"


def phash_bytes(data: bytes) -> tuple[str, int, int]:
    """(hash, width, height) of an image file's bytes. Raises ImageUnreadable for anything else: not an image,
    a format we do not read, too many pixels (the header is checked before decoding), damaged data."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
                width, height = image.size
                if width * height > IMAGE_MAX_PIXELS:
                    raise ImageUnreadable(f"The image has too many pixels ({width} × {height}).")
                if max(width, height) > DRAFT_ABOVE:  # a big JPEG decodes at a reduced scale: the hash is 32×32
                    image.draft("L", (DRAFT_ABOVE // 2, DRAFT_ABOVE // 2))
                image.load()
                return phash_of(image), width, height
    except ImageUnreadable:
        raise
    except UnidentifiedImageError:
        raise ImageUnreadable("The answer is not a JPEG, PNG, WebP, GIF or BMP image.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageUnreadable("The image has too many pixels (decompression bomb?).") from None
    except Exception as exc:  # any decoder error on a shop's bytes: damaged, truncated or crafted
        raise ImageUnreadable(f"The image is damaged or incomplete ({type(exc).__name__}).") from None


# --- the cache, one row per URL ---------------------------------------------------------------------------------


def image_hashes_for(urls) -> dict[str, str]:
    """The known hashes of these image URLs ({url: hash}); URLs not hashed (yet, or ever) are left out."""
    wanted = {url_digest(u): u for u in dict.fromkeys(urls) if u}
    if not wanted:
        return {}
    rows = ListingImage.objects.filter(url_digest__in=wanted, status=ListingImage.Status.OK)
    return {wanted[d]: h for d, h in rows.values_list("url_digest", "phash") if h}


def image_hash_keep(*, url: str, phash: str, now: datetime) -> ListingImage:
    """Keep a hash known from elsewhere (a recorded history given to `replay`) as if the URL had been fetched."""
    if len(phash) != 16 or any(c not in "0123456789abcdef" for c in phash.lower()):
        raise ValueError(f"{phash!r} is not a 64-bit hash in hex (16 digits).")
    row, _ = ListingImage.objects.update_or_create(
        url_digest=url_digest(url),
        defaults={"url": url, "status": ListingImage.Status.OK, "phash": phash.lower(), "fetched_at": now},
        create_defaults={"url": url, "status": ListingImage.Status.OK, "phash": phash.lower(), "created_at": now},
    )
    return row


def image_needs_fetch(url: str) -> bool:
    """True when this URL was never fetched (or its fetch is still to finish)."""
    if not url:
        return False
    done = ListingImage.objects.filter(url_digest=url_digest(url)).exclude(status=ListingImage.Status.PENDING)
    return not done.exists()


def _claim(url: str, now: datetime) -> tuple[ListingImage, bool]:
    """The URL's row, and whether this worker may fetch it: exactly one worker claims a pending URL (a
    conditional UPDATE); a claim older than CLAIM_STALE is taken over."""
    digest = url_digest(url)
    try:
        with transaction.atomic():
            row, _ = ListingImage.objects.get_or_create(url_digest=digest, defaults={"url": url, "created_at": now})
    except IntegrityError:  # created by another worker between the get and the create
        row = ListingImage.objects.get(url_digest=digest)
    if row.status != ListingImage.Status.PENDING:
        return row, False
    free = ListingImage.objects.filter(pk=row.pk, status=ListingImage.Status.PENDING)
    claimed = free.filter(fetched_at__isnull=True).update(fetched_at=now) or free.filter(
        fetched_at__lt=now - CLAIM_STALE
    ).update(fetched_at=now)
    return row, claimed == 1


def listing_image_hash(*, url: str, fetcher=None, now: datetime | None = None) -> ListingImage:
    """Fetch and hash the image at `url` once; later calls return the kept row without fetching. The row
    says what happened: hashed, refused (the guard: a private address, a non-http scheme) or failed (an
    error answer, not an image, too large, damaged). A row still pending was claimed by another worker."""
    now = now or timezone.now()
    row, mine = _claim(url, now)
    if not mine:
        return row
    result = {"status": ListingImage.Status.FAILED, "message": "", "phash": ""}
    try:
        page = (fetcher or build_fetcher(max_bytes=IMAGE_MAX_BYTES)).get(url, headers={"Accept": _ACCEPT})
        if page.status_code != 200:
            raise ImageUnreadable(f"The image address answered HTTP {page.status_code}.")
        if not page.content_type.startswith("image/"):
            raise ImageUnreadable(f"The answer is not an image (Content-Type {page.content_type or 'missing'}).")
        result["byte_count"] = len(page.body)
        result["phash"], result["width"], result["height"] = phash_bytes(page.body)
        result["status"] = ListingImage.Status.OK
    except FetchError as exc:
        refused = exc.status == CheckStatus.REFUSED
        result["status"] = ListingImage.Status.REFUSED if refused else ListingImage.Status.FAILED
        result["message"] = exc.message[:500]
    except ImageUnreadable as exc:
        result["message"] = str(exc)[:500]
    ListingImage.objects.filter(pk=row.pk).update(fetched_at=timezone.now(), **result)
    row.refresh_from_db()
    log.info("listing image %s: %s %s", url[:200], row.status, row.message or row.phash)
    return row
