"""The store access token at rest.

With `cryptography` installed the token is encrypted with Fernet under a key derived from SECRET_KEY
("fernet:" prefix). Without it (it is not a dependency of Dropwatch today) the token is kept as given
("plain:" prefix): the prefix says which, so tokens saved before the package was installed still open, and
the next successful sync re-seals them (`needs_reseal`).

Rotation: put the old key in SECRET_KEY_FALLBACKS and the new one in SECRET_KEY. Tokens sealed under a
fallback still open (MultiFernet tries every key) and are re-sealed under the new key at the next sync;
once every connection has synced, drop the fallback. A SECRET_KEY changed with no fallback makes the
stored tokens unreadable: the connection says so and the user pastes the token again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings

try:  # optional: see the module docstring
    from cryptography.fernet import Fernet, InvalidToken, MultiFernet
except ImportError:  # pragma: no cover - depends on the environment
    Fernet = None

_PLAIN = "plain:"
_FERNET = "fernet:"


class SecretUnreadable(Exception):
    """The stored token cannot be opened (SECRET_KEY changed without a fallback)."""


def encryption_available() -> bool:
    return Fernet is not None


def _fernet_key(secret: str) -> bytes:
    # A key of its own per purpose: the token key is not the session-signing key itself.
    digest = hmac.new(secret.encode(), b"dropwatch.stores.token", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet():
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def seal(token: str) -> str:
    if Fernet is None:
        return _PLAIN + token
    return _FERNET + _fernet().encrypt(token.encode()).decode()


def unseal(value: str) -> str:
    if value.startswith(_PLAIN):
        return value[len(_PLAIN) :]
    if value.startswith(_FERNET):
        if Fernet is None:
            raise SecretUnreadable("The token was encrypted, but the cryptography package is no longer installed.")
        try:
            return _fernet().decrypt(value[len(_FERNET) :].encode()).decode()
        except InvalidToken:
            raise SecretUnreadable(
                "The stored access token cannot be read (the server's SECRET_KEY changed): paste the token again."
            ) from None
    raise SecretUnreadable("The stored access token is in an unknown format: paste the token again.")


def needs_reseal(value: str) -> bool:
    """Stored in plain while encryption is available, or under a fallback key."""
    if Fernet is None:
        return False
    if value.startswith(_PLAIN):
        return True
    try:
        Fernet(_fernet_key(settings.SECRET_KEY)).decrypt(value[len(_FERNET) :].encode())
    except InvalidToken:
        return True
    return False


def last4(token: str) -> str:
    return token[-4:]
