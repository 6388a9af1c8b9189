"""Photos kept as evidence: validated from their bytes (never their name or claimed type), stored under a
random name in a per-user folder, deleted from disk only once the database change commits."""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import (
    PHOTO_ROOT,
    Order,
    OrderPhoto,
)

# --- Photos -------------------------------------------------------------------------------------

PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
PHOTO_MAX_PIXELS = 50_000_000  # larger than any phone photo; refuses decompression bombs early
PHOTOS_PER_ORDER = 30


@dataclass(frozen=True)
class ValidatedPhoto:
    """An upload that `photo_validate` has decoded as a real image. Only it creates these."""

    upload: File
    content_type: str
    size: int
    width: int
    height: int


def _display_name(upload) -> str:
    name = PurePath(getattr(upload, "name", "") or "the file").name
    return name if len(name) <= 60 else name[:57] + "…"


def _size_text(size: int, *, round_up: bool) -> str:
    """Bytes for people; a file's size rounds up and a limit down, so "5.1 MB; at most 5.0 MB", never "5.0; 5.0"."""
    step = math.ceil if round_up else math.floor
    if size < 1024 * 1024:
        return f"{step(size / 1024)} KB"
    return f"{step(size * 10 / (1024 * 1024)) / 10:.1f} MB"


def photo_max_size_text() -> str:
    return _size_text(settings.TEST_ORDER_PHOTO_MAX_BYTES, round_up=False)


def photo_validate(upload) -> ValidatedPhoto:
    """Decode the upload with Pillow and return what it really is, or raise a ValidationError to show.

    The file name and the type the browser claims are ignored: only the content counts. Accepted: JPEG,
    PNG, WebP and GIF up to `settings.TEST_ORDER_PHOTO_MAX_BYTES`.
    """
    name = _display_name(upload)
    max_bytes = settings.TEST_ORDER_PHOTO_MAX_BYTES
    size = upload.size or 0
    if size <= 0:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    if size > max_bytes:
        raise ValidationError(
            f"“{name}” is {_size_text(size, round_up=True)}; a photo can be at most {photo_max_size_text()}.",
            code="too_large",
        )
    not_an_image = ValidationError(f"“{name}” is not a JPEG, PNG, WebP or GIF image.", code="not_an_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=list(PHOTO_FORMATS)) as image:
                image_format = image.format
                width, height = image.size
                if width * height > PHOTO_MAX_PIXELS:
                    raise ValidationError(f"“{name}” has too many pixels ({width} x {height}).", code="too_many_pixels")
                image.verify()
            # verify() checks the structure only; decoding the pixels catches truncated files.
            upload.seek(0)
            with Image.open(upload, formats=list(PHOTO_FORMATS)) as image:
                image.load()
    except ValidationError:
        raise
    except UnidentifiedImageError:
        raise not_an_image from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(f"“{name}” has too many pixels.", code="too_many_pixels") from None
    except Exception:  # any other decoder error on user input: damaged, truncated or crafted
        raise ValidationError(f"“{name}” is damaged or incomplete.", code="damaged") from None
    finally:
        upload.seek(0)
    if image_format not in PHOTO_FORMATS:  # pragma: no cover - Image.open(formats=...) already refuses
        raise not_an_image
    return ValidatedPhoto(
        upload=upload, content_type=PHOTO_FORMATS[image_format], size=size, width=width, height=height
    )


def store_photos(*, order: Order, photos: Sequence[ValidatedPhoto], stored: list[str]) -> list[OrderPhoto]:
    if order.photos.count() + len(photos) > PHOTOS_PER_ORDER:
        raise ValidationError(f"An order keeps at most {PHOTOS_PER_ORDER} photos.", code="too_many_photos")
    rows = []
    for photo in photos:
        if not isinstance(photo, ValidatedPhoto):
            raise TypeError("Pass photos through photo_validate() first.")
        content = without_metadata(photo)
        with Image.open(io.BytesIO(content.read())) as stored_image:  # turned upright: its own size
            width, height = stored_image.size
        content.seek(0)
        row = OrderPhoto(order=order, content_type=photo.content_type, size=content.size, width=width, height=height)
        row.image.save("photo", content, save=False)  # the name comes from photo_upload_to
        stored.append(row.image.name)
        row.save()
        rows.append(row)
    return rows


def without_metadata(photo: ValidatedPhoto) -> ContentFile:
    """The photo re-encoded without its EXIF and XMP (a phone photo carries where it was taken), turned the way
    its EXIF orientation says first, so it still shows upright. An animated GIF is kept as it is (GIF has no
    EXIF). The colour profile is kept."""
    upload = photo.upload
    upload.seek(0)
    with Image.open(upload, formats=list(PHOTO_FORMATS)) as image:
        if image.format == "GIF" and getattr(image, "is_animated", False):
            upload.seek(0)
            return ContentFile(upload.read())
        icc = image.info.get("icc_profile")
        turned = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        options = {"icc_profile": icc} if icc and image.format in ("JPEG", "PNG", "WEBP") else {}
        if image.format == "JPEG":
            if turned.mode not in ("RGB", "L", "CMYK"):
                turned = turned.convert("RGB")
            turned.save(out, format="JPEG", quality=92, optimize=True, **options)
        elif image.format == "WEBP":
            turned.save(out, format="WEBP", quality=92, **options)
        else:  # PNG, GIF: lossless; text chunks and comments are not copied
            turned.save(out, format=image.format, **options)
    upload.seek(0)
    return ContentFile(out.getvalue())


def photos_sweep(*, now: datetime, grace: timedelta = timedelta(hours=1)) -> int:
    """Delete photo files no row points to any more (an order deleted with its supplier or its user goes by
    a database cascade, which leaves the files behind). Files newer than `grace` are left alone: an upload
    may be between its file and its row."""
    storage = OrderPhoto._meta.get_field("image").storage
    kept = set(OrderPhoto.objects.values_list("image", flat=True))
    removed = 0
    try:
        owners, _ = storage.listdir(PHOTO_ROOT)
    except FileNotFoundError:
        return 0
    for owner in owners:
        _, files = storage.listdir(f"{PHOTO_ROOT}/{owner}")
        for file in files:
            name = f"{PHOTO_ROOT}/{owner}/{file}"
            if name in kept:
                continue
            if now - storage.get_modified_time(name) < grace:
                continue
            storage.delete(name)
            removed += 1
    return removed


def delete_files_on_commit(names: Iterable[str]) -> None:
    names = [n for n in names if n]
    if not names:
        return
    storage = OrderPhoto._meta.get_field("image").storage

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


class PhotoFiles:
    """Files written inside a transaction are removed again when the transaction does not commit."""

    def __init__(self):
        self.stored: list[str] = []

    def __enter__(self):
        return self.stored

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            storage = OrderPhoto._meta.get_field("image").storage
            for name in self.stored:
                storage.delete(name)
        return False
