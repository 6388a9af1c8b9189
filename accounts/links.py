"""Signed links sent by email (invitations, email changes): what can be wrong with one, in words."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing


class LinkProblem(Exception):
    """This link cannot be used. `status` is what the page answers (404 unknown, 410 expired or used)."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.status = status


def read_link(token: str, *, salt: str, max_age: timedelta, expired: str) -> dict:
    """The signed payload of a link, or LinkProblem (tampered, signed for something else, or too old)."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkProblem(expired, status=410) from None
    except signing.BadSignature:
        raise LinkProblem("This link is not valid. Check that it was copied whole.") from None
    if not isinstance(data, dict):
        raise LinkProblem("This link is not valid. Check that it was copied whole.")
    return data
