"""Personal API tokens: create, revoke, authenticate, and the per-token rate limit.

A token is `dw_` followed by 43 random URL-safe characters (32 bytes from `secrets`). The database keeps
its SHA-256 digest and its first 11 characters; a request is authenticated by looking the digest up, so
the token itself is never stored nor compared character by character.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import ApiToken, TokenKind

TOKEN_PREFIX = "dw_"  # noqa: S105 - a marker, not a secret
COMPANION_PREFIX = "dwc_"
PREFIXES = {TokenKind.API: TOKEN_PREFIX, TokenKind.COMPANION: COMPANION_PREFIX}
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8  # "dw_" and 8 random characters stay visible
MAX_TOKENS_PER_USER = 25
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token
RATE_WINDOW_SECONDS = 60


def rate_limit() -> int:
    """Requests per token per minute (settings.API_RATE_LIMIT_PER_MINUTE, default 120)."""
    return int(getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 120))


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, owner, name: str, kind: str = TokenKind.API) -> tuple[ApiToken, str]:
    """A new token for `owner`: the row, and the token itself (shown to the user once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the token a name, such as the script or service that will use it.")
    if len(name) > 100:
        raise ValidationError("The name is longer than 100 characters.")
    if ApiToken.objects.filter(owner=owner, kind=kind, revoked_at__isnull=True).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(f"You have {MAX_TOKENS_PER_USER} active tokens: revoke one you no longer use first.")
    prefix = PREFIXES[TokenKind(kind)]
    plain = prefix + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        owner=owner, name=name, kind=kind, prefix=plain[: len(prefix) + 8], digest=digest_of(plain)
    )
    return token, plain


def token_revoke(*, token: ApiToken, now=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])


def token_authenticate(plain: str, *, now=None, kind: str = TokenKind.API) -> ApiToken | None:
    """The active token of an active user that `plain` is, or None. Records when it was last used.

    Only a token of `kind` opens: a companion token is no API token (and the reverse), so a stolen companion
    token reaches nothing but the companion's own routes."""
    plain = (plain or "").strip()
    if not plain.startswith(PREFIXES[TokenKind(kind)]) or len(plain) > 200:
        return None
    token = (
        ApiToken.objects.select_related("owner")
        .filter(digest=digest_of(plain), kind=kind, revoked_at__isnull=True, owner__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@dataclass
class RateVerdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window resets


def rate_check(token: ApiToken) -> RateVerdict:
    """Count one request against the token's fixed one-minute window, in Django's cache (Redis in
    production, so every web process shares the count). INCR is atomic: no two requests read the same count."""
    limit = rate_limit()
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"api:rate:{token.digest[:24]}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=RATE_WINDOW_SECONDS * 2)
        count = 1
    retry_after = max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - now))
    return RateVerdict(allowed=count <= limit, limit=limit, remaining=max(0, limit - count), retry_after=retry_after)
