"""Recognising anti-bot and captcha pages, so that they are recorded as `blocked` and never parsed as data.

The markers are data: add a line to MARKERS to teach Dropwatch a new one. A *decisive* marker blocks on its
own. A *strong* marker blocks only when the page carries no product data, because real product pages load
anti-bot scripts too (AliExpress's "baxia", Cloudflare's challenge-platform script, reCAPTCHA on forms):
a normal page that merely loads a captcha script is not blocked. We never try to solve a captcha.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Marker:
    name: str
    where: str  # "title", "body", "header" (name: value), or "json" (a JSON API's error code)
    pattern: str  # case-insensitive substring
    strength: str  # "decisive" or "strong"
    message: str


MARKERS = [
    Marker(
        "aliexpress-captcha-title",
        "title",
        "captcha interception",
        "decisive",
        "AliExpress answered with its captcha (slider) page.",
    ),
    Marker(
        "aliexpress-punish",
        "body",
        "/_____tmd_____/punish",
        "strong",
        "AliExpress answered with its anti-bot 'punish' page.",
    ),
    Marker("aliexpress-x5sec", "body", "x5secdata", "strong", "AliExpress asked for a captcha (x5sec)."),
    Marker("aliexpress-slider", "body", "nc_1_wrapper", "strong", "AliExpress asked to slide a captcha."),
    Marker("slide-to-verify", "body", "slide to verify", "strong", "The shop asked to 'slide to verify'."),
    Marker("baxia-punish", "body", "baxia-punish", "strong", "AliExpress answered with its anti-bot page."),
    Marker(
        "mtop-user-validate",
        "json",
        "fail_sys_user_validate",
        "decisive",
        "AliExpress's API asked for a captcha (FAIL_SYS_USER_VALIDATE).",
    ),
    Marker("mtop-rgv587", "json", "rgv587_error", "decisive", "AliExpress's API refused us as a robot (RGV587)."),
    Marker(
        "cloudflare-mitigated",
        "header",
        "cf-mitigated: challenge",
        "decisive",
        "Cloudflare answered with a challenge page.",
    ),
    Marker("cloudflare-title", "title", "just a moment...", "decisive", "Cloudflare answered with a challenge page."),
    Marker(
        "cloudflare-attention",
        "title",
        "attention required! | cloudflare",
        "decisive",
        "Cloudflare blocked the request.",
    ),
    Marker("cloudflare-challenge-form", "body", "challenge-form", "strong", "Cloudflare answered with a challenge."),
    Marker("generic-robot-check", "title", "robot check", "decisive", "The shop asked to prove we are not a robot."),
    Marker("perimeterx", "body", "px-captcha", "strong", "The shop asked to solve a captcha (PerimeterX)."),
    Marker("datadome", "body", "captcha-delivery.com", "strong", "The shop asked to solve a captcha (DataDome)."),
]

# Signs that a page really carries product data; a strong marker on such a page is only a loaded script.
_DATA_SIGNS = re.compile(
    r'"@type"\s*:\s*"(?:https?://schema\.org/)?Product"|itemtype="https?://schema\.org/Product"'
    r'|property="og:type"\s+content="product|"priceModule"|"priceComponent"|"PRICE"\s*:|"skuModule"'
    r'|"evaViewList"|"variants"\s*:\s*\[',
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def detect(text: str, headers: dict[str, str] | None = None) -> str:
    """Return why the page is a block page, or "" when it is not."""
    headers = {k.lower(): v.lower() for k, v in (headers or {}).items()}
    head = text[:200_000]
    lowered = head.lower()
    title_match = _TITLE.search(head[:50_000])
    title = " ".join(title_match.group(1).split()).lower() if title_match else ""
    is_json = lowered.lstrip()[:1] in ("{", "[")
    strong_hit = ""
    for marker in MARKERS:
        if marker.where == "header":
            name, _, value = marker.pattern.partition(": ")
            hit = value in headers.get(name, "")
        elif marker.where == "title":
            hit = marker.pattern in title
        elif marker.where == "json":
            hit = is_json and marker.pattern in lowered[:5_000]
        else:
            hit = marker.pattern in lowered
        if not hit:
            continue
        if marker.strength == "decisive":
            return marker.message
        strong_hit = strong_hit or marker.message
    if strong_hit and not _DATA_SIGNS.search(text):
        return strong_hit
    return ""
