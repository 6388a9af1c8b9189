"""Shared by the security tests (test_access_matrix.py, test_security.py): every route of the app read from
the URL resolver, one of everything for a user (`build_world`), how to fill each id-taking route with a
user's real ids (`ID_ROUTES`), a snapshot of every row and stored file (to prove "no side effect"), and an
HTML checker for stored XSS and the Content-Security-Policy (`assert_safe_html`)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal as D
from html.parser import HTMLParser
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from accounts import email_change, invitations
from accounts.models import Invitation, settings_for
from api.models import TokenKind
from api.tokens import token_create
from monitoring.alerts import email as alerts
from monitoring.checking import record_product_check
from monitoring.models import Channel, Email, Finding
from monitoring.observation import Observation, Review, StoreInfo
from orderlog import photos as orderlog_photos
from orderlog import services as orderlog_services
from stores import secrets as store_secrets
from stores.models import StoreConnection, StoreVariant
from suppliers import intake, services
from suppliers.models import Product

# --- the URL resolver, walked --------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, as reverse() takes it ("admin:index")
    pattern: str
    params: tuple[str, ...]
    callback: Callable = field(compare=False, repr=False)

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")

    @property
    def is_api(self) -> bool:
        """The token API under /api/v1/ (tokens, not sessions): its own matrix in test_access_matrix.py."""
        return self.name.startswith("api-v1:")


def walk(patterns=None, prefix: str = "", namespace: str = "", params: tuple = ()) -> list[Route]:
    """Every named route, recursing into includes; `params` are the kwargs the whole path takes."""
    routes = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        own = tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = ":".join(filter(None, [namespace, entry.namespace]))
            routes += walk(entry.url_patterns, prefix + str(entry.pattern), ns, params + own)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            routes.append(Route(name, prefix + str(entry.pattern), params + own, entry.callback))
    return routes


ALL_ROUTES = walk()
APP_ROUTES = [r for r in ALL_ROUTES if not r.is_admin and not r.is_api]  # ours and django.contrib.auth's
ADMIN_ROUTES = [r for r in ALL_ROUTES if r.is_admin]
API_ROUTES = [r for r in ALL_ROUTES if r.is_api]
# The API's schema and docs: public (they describe the API and hold no one's data); the rest needs a token.
API_PUBLIC_ROUTES = {"api-v1:api-root", "api-v1:openapi-json", "api-v1:openapi-view"}
ID_ROUTE_NAMES = sorted(r.name for r in APP_ROUTES if r.params)
PLAIN_ROUTE_NAMES = sorted(r.name for r in APP_ROUTES if not r.params)

# Reachable without signing in, on purpose. Everything else redirects an anonymous visitor to the login.
PUBLIC_ROUTES = {
    "login",
    "logout",  # POST only; signs out whoever is signed in
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "unsubscribe",  # the signed token in the link is the authority
    "invitation_accept",  # likewise: the signed, single-use invitation link
    "email_change_confirm",  # likewise: the signed link sent to the new address
    "healthz",  # for load balancers: says only whether the database answers
}

# Views without Django's CSRF check, and why. Nothing else may be exempt.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail providers POST "List-Unsubscribe=One-Click" to the link with no
    # cookie and no token. The signed, per-user token in the URL is the authority; a forger would need it.
    "unsubscribe",
    # The token API (django-ninja marks its operations exempt): it authenticates only by the Authorization
    # header, never by the session cookie, and a browser does not add that header to a forged cross-site
    # request, so such a request is a 401 (tests/test_api.py: test_a_session_alone_does_not_open_the_api).
    *(r.name for r in API_ROUTES if r.name not in API_PUBLIC_ROUTES),
}


# --- one of everything for a user ---------------------------------------------------------------------


def png_bytes(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PNG = png_bytes()


def upload(name="photo.png", content: bytes | None = None, content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG if content is None else content, content_type=content_type)


@dataclass
class World:
    user: object
    tag: str
    supplier: object
    product: object
    finding: object
    order: object
    photo: object
    email: object
    token: str  # the user's unsubscribe token
    api_token: object = None  # an API token (its name carries the tag)
    alternative: object = None  # a backup source of `product`
    api_key: str = ""  # ... and the token itself
    channel: object = None  # a notification channel (its name carries the tag)
    store: object = None  # a connected Shopify store (its name carries the tag)
    store_variant: object = None  # one of its variants, not mapped yet (its title carries the tag)
    invitation: object = None  # a pending invitation this user sent
    companion_token: object = None  # a browser companion token (its name carries the tag)
    companion_key: str = ""  # ... and the token itself
    companion_page: object = None  # a page the companion sent ("Add this page"), for its preview

    @property
    def markers(self) -> list[str]:
        """Strings that appear only in this user's data: none may reach another user's response."""
        return [self.tag, self.user.email]


def _check(product, obs, at):
    Product.objects.filter(pk=product.pk).update(pending_slot=at, check_started_at=None)
    return record_product_check(product_id=product.pk, slot=at, obs=obs, now=at)


def build_world(user, tag: str, *, text: str | None = None, order_text: str | None = None) -> World:
    """A watched product (price up, then out of stock: two findings), the supplier read from its store
    block, a test order with a photo, and the alert email. `text` is the scraped text (title, store name,
    review, label); `order_text` what the user typed on the order. Both default to the user's `tag`."""
    text = text if text is not None else f"{tag} lamp"
    order_text = order_text if order_text is not None else f"{tag}-order"
    settings_for(user)  # the settings row exists before anything is measured
    product = services.product_create(
        owner=user,
        url=f"https://shop.example/products/{tag.lower()}-{user.pk}",
        platform="structured",
        my_price=D("30"),
        my_currency="USD",
    )
    store = StoreInfo(
        id=f"{tag}-{user.pk}", name=text, url=f"https://shop.example/stores/{user.pk}", positive_feedback_pct=D("97")
    )
    start = timezone.now() - timedelta(days=2)
    for i, (price, in_stock) in enumerate([("10.00", True), ("10.00", True), ("10.00", True), ("12.50", False)]):
        _check(
            product,
            Observation(
                title=text,
                price=D(price),
                currency="USD",
                in_stock=in_stock,
                rating=D("4.5"),
                review_count=10 + i,
                rating_histogram={5: 6, 4: 2, 3: 1, 2: 0, 1: 1},
                store=store,
                labels=[text],
                reviews=[Review(id=f"r-{user.pk}", stars=1, text=text)],
            ),
            start + timedelta(hours=6 * i),
        )
    product.refresh_from_db()
    supplier = product.supplier
    supplier.notes = order_text
    supplier.save(update_fields=["notes"])
    order = orderlog_services.order_create(
        owner=user,
        supplier=supplier,
        product=product,
        ordered_on=timezone.localdate() - timedelta(days=20),
        order_number=order_text,
        notes=order_text,
    )
    order = orderlog_services.order_mark_delivered(order=order, delivered_on=timezone.localdate() - timedelta(days=5))
    (photo,) = orderlog_services.order_photos_add(order=order, photos=[orderlog_photos.photo_validate(upload())])
    alerts.build_emails(now=timezone.now())
    api_token, api_key = token_create(owner=user, name=f"{tag} script")
    companion_token, companion_key = token_create(owner=user, name=f"{tag} browser", kind=TokenKind.COMPANION)
    companion_page = intake.product_page_from_browser(
        owner=user,
        url=f"https://shop.example/products/{tag.lower()}-sent-{user.pk}",
        html=f'<html><head><title>{text}</title></head><body><h1>{text}</h1><p class="price">$9.99</p></body></html>',
    )
    alternative = services.product_create(
        owner=user,
        url=f"https://shop.example/products/{tag.lower()}-backup-{user.pk}",
        platform="structured",
        backs_up=product,
    )
    channel = Channel.objects.create(
        owner=user, name=f"{tag} channel", url=f"slack://T0/B0/{tag}secret", created_at=timezone.now()
    )
    store = StoreConnection.objects.create(
        owner=user,
        shop_domain=f"{tag.lower()}-{user.pk}.myshopify.com",
        shop_name=f"{tag} store",
        token_sealed=store_secrets.seal(f"shpat_{tag}secret0000"),
        token_last4="0000",
    )
    variants = [
        StoreVariant.objects.create(
            connection=store,
            owner=user,
            store_product_id=str(user.pk),
            variant_id=f"{user.pk}{i}",
            product_title=f"{text} store product",  # scraped-like text: the XSS tests cover the store pages
            variant_title=f"{tag} variant {i}",
            price=D("30"),
            currency="USD",
            product=mapped,
            seen_at=timezone.now(),
        )
        for i, mapped in enumerate([None, product])
    ]
    return World(
        user=user,
        tag=tag,
        supplier=supplier,
        product=product,
        finding=Finding.objects.filter(owner=user).order_by("pk").first(),
        order=order,
        photo=photo,
        email=Email.objects.filter(owner=user).order_by("pk").first(),
        token=alerts.unsubscribe_token(user),
        api_token=api_token,
        api_key=api_key,
        alternative=alternative,
        channel=channel,
        store=store,
        store_variant=variants[0],
        invitation=Invitation.objects.create(
            email=f"{tag.lower()}-invitee@example.com", invited_by=user, created_at=timezone.now()
        ),
        companion_token=companion_token,
        companion_key=companion_key,
        companion_page=companion_page,
    )


# --- how to fill each id-taking route ---------------------------------------------------------------------

Kwargs = dict
Variants = Callable[[World, World], list[Kwargs]]  # (victim, attacker) -> kwargs to try


@dataclass(frozen=True)
class Spec:
    """How the security tests call one id-taking route with the victim's ids.

    variants: the kwargs an attacker tries (the victim's ids; mixes of the attacker's and the victim's).
    own: the kwargs the victim uses legitimately (CSRF tests); defaults to the first variant.
    data: plausible POST data. expect: what the attacker gets (404, or for the password-reset link an
    "invalid link" page that shows no form)."""

    variants: Variants
    data: Callable[[World], dict] = lambda w: {}
    own: Callable[[World, World], Kwargs] | None = None
    expect: int = 404

    def own_kwargs(self, victim: World, other: World) -> Kwargs:
        return self.own(victim, other) if self.own else self.variants(victim, other)[0]


def _pk(attr: str) -> Variants:
    return lambda v, a: [{"pk": getattr(v, attr).pk}]


def _switch(v: World, a: World) -> list[Kwargs]:
    return [
        {"pk": v.product.pk, "alt": v.alternative.pk},
        {"pk": a.product.pk, "alt": v.alternative.pk},  # the attacker's product, the victim's backup
        {"pk": v.product.pk, "alt": a.alternative.pk},  # the victim's product, the attacker's backup
    ]


def _kinds(v: World, a: World) -> list[Kwargs]:
    return [{"kind": "product", "pk": v.product.pk}, {"kind": "supplier", "pk": v.supplier.pk}]


def _photos(v: World, a: World) -> list[Kwargs]:
    return [
        {"order_pk": v.order.pk, "pk": v.photo.pk},
        {"order_pk": a.order.pk, "pk": v.photo.pk},  # the attacker's own order, the victim's photo
        {"order_pk": v.order.pk, "pk": a.photo.pk},  # the victim's order, the attacker's photo
    ]


def _tokens(v: World, a: World) -> list[Kwargs]:
    token = v.token
    return [
        {"token": token[:-2] + ("xx" if not token.endswith("xx") else "yy")},  # tampered signature
        {"token": signing.dumps({"u": v.user.pk}, salt="another.salt")},  # signed for something else
        {"token": signing.dumps({"u": v.user.pk}, key="not-our-secret", salt="dropwatch.unsubscribe")},
        {"token": str(v.user.pk)},  # a bare id
    ]


def _signed_links(salt: str, payload: Callable[[World], dict]) -> Variants:
    """A link of ours tampered with, signed for something else, signed with another key, and a bare id."""

    def variants(v: World, a: World) -> list[Kwargs]:
        token = signing.dumps(payload(v), salt=salt)
        return [
            {"token": token[:-2] + ("xx" if not token.endswith("xx") else "yy")},
            {"token": signing.dumps(payload(v), salt="dropwatch.unsubscribe")},
            {"token": signing.dumps(payload(v), key="not-our-secret", salt=salt)},
            {"token": str(v.user.pk)},
        ]

    return variants


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


FUTURE = (timezone.now() + timedelta(days=30)).date().isoformat()
SUPPLIER_FORM = {
    "name": "Taken over",
    "store_url": "https://www.aliexpress.com/store/999",
    "test_order_cadence_days": "30",
    "check_interval": "24",
    "active": "on",
}
PRODUCT_FORM = {"url": "https://shop.example/products/taken-over", "title": "Taken over", "check_interval": "6"}
ORDER_FORM = {"ordered_on": "2026-01-10", "amount_paid": "1", "currency": "USD", "order_number": "taken-over"}
CHECK_FORM = {"as_described": "no", "genuine": "no", "overall_score": "1", "outcome": "fail"}

ID_ROUTES: dict[str, Spec] = {
    "email_detail": Spec(_pk("email")),
    "unsubscribe": Spec(_tokens, own=lambda v, a: {"token": v.token}),
    "password_reset_confirm": Spec(
        lambda v, a: [
            {"uidb64": _uid(v.user), "token": "c5v-0123456789abcdef0123456789abcdef"},
            {"uidb64": _uid(v.user), "token": "set-password"},
            {"uidb64": _uid(v.user), "token": default_token_generator.make_token(a.user)},  # a token for bob
        ],
        data=lambda w: {"new_password1": "Taken-over-42!", "new_password2": "Taken-over-42!"},
        expect=200,  # Django's "invalid link" page, with no form
    ),
    "invitation_accept": Spec(
        _signed_links(invitations.SALT, lambda v: {"i": v.invitation.pk, "e": v.invitation.email}),
        own=lambda v, a: {"token": invitations.invitation_token(v.invitation)},
        data=lambda w: {"username": "taken-over", "password1": "Taken-over-42!", "password2": "Taken-over-42!"},
    ),
    "email_change_confirm": Spec(
        _signed_links(email_change.SALT, lambda v: {"u": v.user.pk, "e": "taken@evil.example", "o": v.user.email}),
        own=lambda v, a: {"token": email_change.email_change_token(user=v.user, new_email="new@example.com")},
    ),
    # The team page is for staff: to anyone else these are 404s, with the victim's ids or any other.
    "team_invitation_revoke": Spec(_pk("invitation")),
    "team_user_active": Spec(lambda v, a: [{"pk": v.user.pk}, {"pk": a.user.pk}], data=lambda w: {"active": "0"}),
    "finding_detail": Spec(_pk("finding")),
    "finding_action": Spec(
        lambda v, a: [
            {"pk": v.finding.pk, "action": action} for action in ("acknowledge", "resolve", "snooze", "unsnooze", "x")
        ],
        data=lambda w: {"until": FUTURE, "next": "/"},
    ),
    "check_now": Spec(_kinds),
    "check_status": Spec(_kinds),
    "supplier_detail": Spec(_pk("supplier"), data=lambda w: SUPPLIER_FORM),
    "supplier_edit": Spec(_pk("supplier"), data=lambda w: SUPPLIER_FORM),
    "supplier_delete": Spec(_pk("supplier")),
    "product_detail": Spec(_pk("product"), data=lambda w: PRODUCT_FORM),
    "product_edit": Spec(_pk("product"), data=lambda w: PRODUCT_FORM),
    "product_delete": Spec(_pk("product")),
    "test_order_evidence": Spec(_pk("order")),
    "alternative_promote": Spec(_switch),
    "test_order_detail": Spec(_pk("order"), data=lambda w: ORDER_FORM),
    "test_order_edit": Spec(_pk("order"), data=lambda w: ORDER_FORM),
    "test_order_delete": Spec(_pk("order")),
    "test_order_ship": Spec(_pk("order"), data=lambda w: {"shipped_on": "2026-01-12", "tracking_number": "X"}),
    "test_order_deliver": Spec(_pk("order"), data=lambda w: {"delivered_on": "2026-01-12"}),
    "test_order_check": Spec(_pk("order"), data=lambda w: {**CHECK_FORM, "photos": [upload()]}),
    "test_order_status": Spec(_pk("order"), data=lambda w: {"status": "lost"}),
    "test_order_photo_add": Spec(_pk("order"), data=lambda w: {"photos": [upload()]}),
    "test_order_photo": Spec(_photos),
    "test_order_photo_delete": Spec(_photos),
    "api_token_revoke": Spec(_pk("api_token")),
    "companion_token_revoke": Spec(_pk("companion_token")),
    "product_add_from_browser": Spec(lambda v, a: [{"key": v.companion_page.key}]),
    "channel_delete": Spec(_pk("channel")),
    "channel_test": Spec(_pk("channel")),
    "product_history_csv": Spec(_pk("product")),
    "product_history_json": Spec(_pk("product")),
    "supplier_history_csv": Spec(_pk("supplier")),
    "supplier_history_json": Spec(_pk("supplier")),
    "store_sync_now": Spec(_pk("store")),
    "store_disconnect": Spec(_pk("store")),
    "store_variant_map": Spec(_pk("store_variant"), data=lambda w: {"step": "preview", "url": ""}),
}

# Routes without ids in the path that take an object id in the query string.
QUERY_ID_ROUTES: list[tuple[str, Callable[[World], dict], int]] = [
    ("test_order_list", lambda v: {"supplier": v.supplier.pk}, 404),
    ("test_order_export", lambda v: {"supplier": v.supplier.pk}, 404),
    ("test_order_add", lambda v: {"supplier": v.supplier.pk}, 404),
    ("test_order_add", lambda v: {"product": v.product.pk}, 404),
    ("product_list", lambda v: {"supplier": v.supplier.pk}, 200),  # a filter among one's own: empty
    ("finding_list", lambda v: {"supplier": v.supplier.pk}, 200),  # likewise
]


def url_for(name: str, kwargs: Kwargs | None = None) -> str:
    return reverse(name, kwargs=kwargs or None)


# --- no side effect: every row and every stored file -------------------------------------------------

SNAPSHOT_APPS = ("auth", "accounts", "suppliers", "orderlog", "monitoring", "api", "stores")


def snapshot() -> dict:
    rows = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = list(model._base_manager.order_by("pk").values())
    media = Path(settings.MEDIA_ROOT)
    files = sorted((str(p.relative_to(media)), p.stat().st_size) for p in media.rglob("*") if p.is_file())
    return {"rows": rows, "files": files}


def diff(before: dict, after: dict) -> list[str]:
    changed = [label for label in before["rows"] if before["rows"][label] != after["rows"].get(label)]
    if before["files"] != after["files"]:
        changed.append("stored files")
    return changed


def content_of(response) -> bytes:
    """The body, streamed or not (a streamed one is read once and kept on the response)."""
    if not getattr(response, "streaming", False):
        return response.content
    if not hasattr(response, "_security_content"):
        response._security_content = b"".join(response.streaming_content)
    return response._security_content


def body_of(response) -> str:
    return content_of(response).decode("utf-8", errors="replace")


# --- stored XSS and the CSP -------------------------------------------------------------------------

URL_ATTRS = {"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "data"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_text.append(data)


def csp_directives(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def problems_in_html(html: str, *, nonce: str | None, scripts: bool = True) -> list[str]:
    """What would let scraped or typed text run as script: inline handlers, inline scripts without the
    response's nonce, scripts from elsewhere, javascript: links, embedded objects. `scripts=False` (emails):
    no script at all."""
    parser = _Collector()
    parser.feed(html)
    parser.close()
    problems = []
    for tag, attrs in parser.tags:
        for name, value in attrs.items():
            if name.startswith("on") or name.startswith("hx-on"):
                problems.append(f"<{tag} {name}=…>: an inline event handler")
            if name in URL_ATTRS and re.sub(r"[\x00-\x20]", "", value).lower().startswith(BAD_SCHEMES):
                problems.append(f"<{tag} {name}={value!r}>: an active URL")
        if tag == "script":
            src = attrs.get("src", "")
            if not scripts:
                problems.append(f"<script {attrs}>: no script belongs here")
            elif src and not (src.startswith("/") and not src.startswith("//")):
                problems.append(f"<script {attrs}>: a script from another origin")
            elif not src and (nonce is None or attrs.get("nonce") != nonce):
                problems.append(f"<script {attrs}>: inline, without the response's nonce")
        if tag == "iframe" and attrs.get("sandbox") == "" and "srcdoc" in attrs and "src" not in attrs:
            continue  # an email's HTML part: inline, sandboxed with nothing allowed (accounts/email_detail.html)
        if tag in ("iframe", "object", "embed", "base", "frame"):
            problems.append(f"<{tag}>: not in our templates")
    return problems


def assert_safe_html(response, *, where: str = "") -> None:
    """An HTML response: a CSP header that allows scripts only with the nonce, and markup where scraped or
    typed text cannot run (nothing inline, nothing without the nonce)."""
    where = where or response.wsgi_request.get_full_path()
    directives = csp_directives(response)
    script_src = directives.get("script-src") or directives.get("default-src")
    assert script_src, f"{where}: no Content-Security-Policy for scripts: {response.get('Content-Security-Policy')!r}"
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, (where, script_src)
    nonces = [s[len("'nonce-") : -1] for s in script_src if s.startswith("'nonce-")]
    assert "'none'" in directives.get("object-src", []), where
    assert directives.get("frame-ancestors") == ["'none'"], where
    problems = problems_in_html(body_of(response), nonce=nonces[0] if nonces else None)
    assert not problems, f"{where}: {problems}"
