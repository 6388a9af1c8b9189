"""The token at rest: what is stored, and how a changed SECRET_KEY is handled."""

import pytest

from stores import secrets

TOKEN = "shpat_0123456789abcdef0123456789abcdef"


def test_a_sealed_token_opens_and_is_never_stored_without_its_marker():
    sealed = secrets.seal(TOKEN)
    assert secrets.unseal(sealed) == TOKEN
    assert sealed.startswith("fernet:" if secrets.encryption_available() else "plain:")
    assert secrets.last4(TOKEN) == "cdef"


def test_an_unknown_format_is_a_clear_message_not_a_crash():
    with pytest.raises(secrets.SecretUnreadable, match="paste the token again"):
        secrets.unseal("rot13:abc")


def test_rotation_with_a_fallback_key(settings):
    pytest.importorskip("cryptography")  # encryption needs the optional package
    settings.SECRET_KEY = "old-key-" + "x" * 40
    sealed = secrets.seal(TOKEN)
    assert TOKEN not in sealed
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-key-" + "y" * 40, [settings.SECRET_KEY]
    assert secrets.unseal(sealed) == TOKEN and secrets.needs_reseal(sealed)
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(secrets.SecretUnreadable, match="SECRET_KEY changed"):
        secrets.unseal(sealed)
