"""Made-up product photos for the image tests, drawn with Pillow: an item on a plain background, and the
ways a seller re-shoots the same item (moved, zoomed, lighter, re-encoded, another background tint)."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter


def _canvas(background=(246, 246, 244), size=(640, 640)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", size, background)
    return image, ImageDraw.Draw(image)


def yoga_mat(background=(246, 246, 244)) -> Image.Image:
    """A rolled mat lying diagonally: a long band with stripes and a round end."""
    image, draw = _canvas(background)
    draw.polygon([(80, 470), (470, 110), (560, 200), (170, 560)], fill=(86, 140, 120))
    for i in range(6):
        off = 40 + i * 70
        draw.line([(80 + off, 470 - off * 0.92), (170 + off, 560 - off * 0.92)], fill=(60, 110, 95), width=6)
    draw.ellipse((455, 95, 575, 215), fill=(70, 120, 104), outline=(40, 80, 70), width=8)
    draw.ellipse((495, 135, 535, 175), fill=(40, 80, 70))
    return image


def phone_case(background=(246, 246, 244)) -> Image.Image:
    """An upright phone case: a tall rounded rectangle with a camera block in the top-left corner."""
    image, draw = _canvas(background)
    draw.rounded_rectangle((200, 60, 440, 580), radius=48, fill=(30, 30, 34))
    draw.rounded_rectangle((225, 90, 330, 200), radius=22, fill=(70, 70, 78))
    for box in ((238, 102, 278, 142), (284, 102, 324, 142), (238, 150, 278, 190)):
        draw.ellipse(box, fill=(10, 10, 12), outline=(120, 120, 130), width=4)
    return image


def earbuds(background=(246, 246, 244)) -> Image.Image:
    """A charging case, open, with two buds beside it."""
    image, draw = _canvas(background)
    draw.rounded_rectangle((150, 300, 490, 520), radius=90, fill=(250, 250, 252), outline=(190, 190, 196), width=6)
    draw.line([(160, 360), (480, 360)], fill=(170, 170, 176), width=5)
    for x in (200, 380):
        draw.ellipse((x, 120, x + 70, 190), fill=(255, 255, 255), outline=(180, 180, 186), width=5)
        draw.rectangle((x + 22, 185, x + 48, 280), fill=(255, 255, 255), outline=(180, 180, 186), width=5)
    return image


def desk_lamp(background=(246, 246, 244)) -> Image.Image:
    """A lamp: a heavy base, an arm at an angle, a cone shade."""
    image, draw = _canvas(background)
    draw.ellipse((120, 520, 360, 590), fill=(40, 40, 40))
    draw.line([(240, 540), (330, 300), (470, 200)], fill=(60, 60, 60), width=18)
    draw.polygon([(430, 150), (560, 230), (470, 300)], fill=(220, 180, 40))
    return image


def street_photo(seed: int = 7) -> Image.Image:
    """A busy picture with no single subject: random blocks of colour (a lifestyle shot, a banner)."""
    rng = random.Random(seed)
    image, draw = _canvas((rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(60):
        x, y = rng.randrange(600), rng.randrange(600)
        w, h = rng.randrange(20, 220), rng.randrange(20, 220)
        draw.rectangle((x, y, x + w, y + h), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    return image


# --- re-shooting the same item -------------------------------------------------------------------------------


def moved(image: Image.Image, dx: int = 24, dy: int = -16) -> Image.Image:
    background = image.getpixel((2, 2))
    out = Image.new("RGB", image.size, background)
    out.paste(image, (dx, dy))
    return out


def zoomed(image: Image.Image, factor: float = 1.08) -> Image.Image:
    w, h = image.size
    big = image.resize((int(w * factor), int(h * factor)), Image.Resampling.BICUBIC)
    left, top = (big.width - w) // 2, (big.height - h) // 2
    return big.crop((left, top, left + w, top + h))


def lighter(image: Image.Image, factor: float = 1.18) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(factor)


def softer(image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(2))


def resized(image: Image.Image, side: int = 800) -> Image.Image:
    return image.resize((side, side), Image.Resampling.LANCZOS)


def encoded(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        options.setdefault("quality", 70)
    image.save(out, fmt, **options)
    return out.getvalue()
