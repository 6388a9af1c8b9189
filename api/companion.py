"""The browser companion's routes, under /api/v1/companion/ (the extension is in companion/).

They open only with a companion token (Settings → Browser companion), and a companion token opens nothing
else: the rest of the API authenticates API tokens only (api/tokens.py `kind`). What a companion token can
do is exactly this: say who it belongs to, add a page (the preview opens in the user's signed-in browser),
ask for due checks, answer them. The work is in suppliers.intake and monitoring.companion.

Bodies are read here rather than by ninja, so that an upload over the cap is refused from its
Content-Length before anything is read or parsed.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import ValidationError as PydanticValidationError

from accounts.models import settings_for
from monitoring import companion
from suppliers import intake
from suppliers.platforms import Platform

from .schemas import Error

ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 410: Error, 413: Error, 422: Error, 429: Error}
ENVELOPE_BYTES = 64 * 1024  # JSON around the page (the claim, the address, escaping) on top of the page cap


def read_body(request, schema: type[Schema]):
    """The JSON body as `schema`, refused with 413 past the cap before it is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > companion.upload_limit() + ENVELOPE_BYTES:
        raise companion.PageTooLarge(companion.too_large_message())
    try:
        data = json.loads(request.body or b"{}")
        return schema.model_validate(data)
    except (ValueError, PydanticValidationError) as exc:
        details = exc.errors() if isinstance(exc, PydanticValidationError) else None
        if details is not None:
            details = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in details]
        message = "Send JSON with the fields this route documents."
        raise DjangoValidationError({"body": [message, *(str(d) for d in details or [])]}) from exc


class SessionOut(Schema):
    username: str
    platforms: list[str]  # where "Check from my browser" is on (Settings → Browser companion)
    poll_minutes: int
    max_page_bytes: int


class PageIn(Schema):
    url: str
    html: str


class PageOut(Schema):
    preview_url: str
    status: str


class ClaimOut(Schema):
    claim: str
    url: str
    platform: str
    wait_seconds: float
    expires_at: str


class ClaimsOut(Schema):
    claims: list[ClaimOut]
    poll_minutes: int


class AnswerIn(Schema):
    claim: str
    html: str


class AnswerOut(Schema):
    product_id: int
    status: str
    message: str


router = Router(tags=["browser companion"])  # mounted by api/v1.py with its own auth (CompanionAuth)

_PAGE_BODY = {"content": {"application/json": {"schema": PageIn.model_json_schema()}}, "required": True}
_ANSWER_BODY = {"content": {"application/json": {"schema": AnswerIn.model_json_schema()}}, "required": True}


@router.get("/session", response={200: SessionOut, **ERRORS}, operation_id="companion_session")
def companion_session(request):
    """Who the token belongs to and what the companion may do: the extension's pairing check."""
    prefs = settings_for(request.auth)
    return {
        "username": request.auth.get_username(),
        "platforms": [p for p in prefs.companion_platforms if p in Platform.values],
        "poll_minutes": companion.poll_minutes(),
        "max_page_bytes": companion.upload_limit(),
    }


@router.post(
    "/pages",
    response={201: PageOut, **ERRORS},
    operation_id="companion_page_add",
    openapi_extra={"requestBody": _PAGE_BODY},
)
def companion_page_add(request):
    """ "Add this page": the tab's address and HTML. Dropwatch reads the HTML as it reads a fetched page and
    answers the address of the add preview (nothing is added until the user confirms there)."""
    payload = read_body(request, PageIn)
    page = intake.product_page_from_browser(owner=request.auth, url=payload.url, html=payload.html)
    obs_status = page.observation.get("status", "")
    path = reverse("product_add_from_browser", args=[page.key])
    return Status(201, {"preview_url": request.build_absolute_uri(path), "status": obs_status})


@router.post("/claims", response={200: ClaimsOut, **ERRORS}, operation_id="companion_claims")
def companion_claims(request):
    """Due checks for the browser: the user's own blocked products on the platforms they opted in for."""
    prefs = settings_for(request.auth)
    platforms = [p for p in prefs.companion_platforms if p in Platform.values]
    issued = companion.claims_issue(owner=request.auth, platforms=platforms, now=timezone.now())
    return {
        "claims": [
            {
                "claim": c.claim,
                "url": c.url,
                "platform": c.platform,
                "wait_seconds": c.wait_seconds,
                "expires_at": c.expires_at.isoformat(),
            }
            for c in issued
        ],
        "poll_minutes": companion.poll_minutes(),
    }


@router.post(
    "/answers",
    response={200: AnswerOut, **ERRORS},
    operation_id="companion_answer",
    openapi_extra={"requestBody": _ANSWER_BODY},
)
def companion_answer(request):
    """The page fetched for a claim. Only the HTML is used: the address is the claim's product's."""
    payload = read_body(request, AnswerIn)
    answer = companion.claim_answer(owner=request.auth, signed=payload.claim, html=payload.html, now=timezone.now())
    return {"product_id": answer.product_id, "status": answer.status, "message": answer.message}
