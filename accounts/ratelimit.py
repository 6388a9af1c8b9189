"""Limits on the forms that send email (or a channel message): so a signed-in user, a visitor or a script
cannot turn Dropwatch into a mail cannon, nor flood one address with password-reset links.

Counted in Django's cache (a fixed window per key: `cache.add` then `cache.incr`, both atomic on Redis and
on the local-memory cache), so it works on the embedded default and with Redis alike. With the embedded
default each web process counts on its own; with Redis all of them share the counts.

Each send is counted against every key it names (the user, or the address asked for; and the IP), and is
refused when any of them is over its limit. A refused attempt still counts: hammering does not reopen the
window.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Refused:
    retry_after: int  # seconds until the window that refused ends

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return (
            "Too many emails were asked for in a short time, so this one was not sent. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


def _key(scope: str, kind: str, value: str, bucket: int) -> str:
    # Hashed: the cache never holds email addresses, and any value makes a valid cache key.
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
    return f"dw:rl:{scope}:{digest}:{bucket}"


def _count(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        return 1


def consume(scope: str, *, per_key: dict[str, tuple[str, int]], now: float | None = None) -> Refused | None:
    """Count one send under `scope` against each key ({kind: (value, limit)}); Refused if any is over."""
    window = int(settings.EMAIL_FORM_LIMIT_WINDOW_SECONDS)
    now = time.time() if now is None else now
    bucket = int(now // window)
    over = False
    for kind, (value, limit) in per_key.items():
        if not value:
            continue
        if _count(_key(scope, kind, str(value).lower(), bucket), window) > limit:
            over = True
    if over:
        return Refused(retry_after=max(1, int((bucket + 1) * window - now)))
    return None


def client_ip(request) -> str:
    """The client's address as django-axes reads it (the same answer the sign-in lockout uses)."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "")


def consume_for_request(request, scope: str, *, subject: str | None = None) -> Refused | None:
    """Count one send from this request: per user (or per `subject`, e.g. the address a reset is asked for)
    and per IP."""
    who = subject if subject is not None else (f"user:{request.user.pk}" if request.user.is_authenticated else "")
    return consume(
        scope,
        per_key={
            "who": (who, settings.EMAIL_FORM_LIMIT_PER_USER),
            "ip": (client_ip(request), settings.EMAIL_FORM_LIMIT_PER_IP),
        },
    )
