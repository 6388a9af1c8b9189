"""Getting things into the catalogue: add a product (or a supplier) by pasting its URL, with a preview of
what Dropwatch reads from the page (the CSV import is suppliers/imports.py).

Plain functions with keyword-only arguments (`<entity>_<action>`); the views only call them.

The preview goes through the same `inspect` path as the scheduled checks (`monitoring.sources.observe.observe_url`),
which never raises for a shop's behaviour: a captcha, a missing page or a refused address is a status with
a message. The confirmation carries a *signed* stamp of the preview (the owner, the address, the platform
and the store the page named): nothing the page said is taken back from the browser unsigned, and a
confirmation whose address does not match its preview is refused.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import settings_for
from monitoring.companion import observe_upload
from monitoring.fetch.netguard import is_public_address
from monitoring.models import CompanionPage
from monitoring.observation import Observation, StoreInfo
from monitoring.sources.appshell import needs_javascript
from monitoring.sources.observe import fetch_context_for, observe_url, read_url
from monitoring.sources.selector import clean_selector, page_tree, price_choices, read_selector, selector_problem
from monitoring.statuses import CheckStatus

from . import platforms
from .models import Product, Supplier
from .services import DuplicateError, product_create, supplier_create, supplier_for_store

MAX_URL_LENGTH = 2000  # Product.url / Supplier.store_url
MAX_AMOUNT = Decimal("1e12")  # far above any price, well inside MONEY (18 digits, 4 decimals)
PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may be confirmed for
_PREVIEW_SALT = "suppliers.intake.preview"

# What the user is told for each status the preview can end in (the shop's own message is shown beside it).
STATUS_ADVICE = {
    CheckStatus.OK: "",
    CheckStatus.BLOCKED: "The shop shows us a captcha; Dropwatch will keep trying, you can still add it.",
    CheckStatus.NOT_FOUND: (
        "The shop says this page does not exist: the listing may be gone. Check the address; you can still add it."
    ),
    CheckStatus.UNPARSEABLE: (
        "Dropwatch fetched the page but could not find product data on it. You can still add it; "
        "every check will try again."
    ),
    CheckStatus.REFUSED: "Dropwatch will not fetch this address, so it cannot be watched.",
    CheckStatus.ERROR: "The page could not be fetched just now. You can still add it; Dropwatch will try again.",
}


# A page that needs JavaScript to show its price: said plainly (the message says why), with what the user can do.
JAVASCRIPT_STATUSES = (CheckStatus.OK, CheckStatus.UNPARSEABLE)
JAVASCRIPT_ADVICE = (
    "You can still add it: pick a price below if the page shows one, or type a CSS selector for it; otherwise "
    "Dropwatch can watch only what the page shows without its scripts."
)


class PreviewMismatch(ValueError):
    """A confirmation that does not match a preview of this user (expired, forged or edited)."""


# --- Small helpers shared by the forms and the import ------------------------------------------------


def http_link(url: str) -> str:
    """`url` when it is safe to render as a link (http or https with a host), else ""."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return ""
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


_AMOUNT_NOISE = re.compile(r"[\s\u00a0\u202f'$€£¥]")
_PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")


def parse_amount(raw: str | None) -> Decimal | None:
    """A money amount as people type it: "12.50", "12,50", "1.234,50", "1,234.50", "$12.50". None if empty.

    A lone comma is a decimal comma, except "1,234", which could mean either and is refused rather than
    guessed (a selling price off by a thousand times would raise false margin alerts)."""
    text = _AMOUNT_NOISE.sub("", raw or "")
    if not text:
        return None
    if "," in text and "." in text:
        comma_last = text.rfind(",") > text.rfind(".")
        # "1.234,50" has a decimal comma; "1,234.50" a thousands comma.
        text = text.replace(".", "").replace(",", ".") if comma_last else text.replace(",", "")
    elif "," in text:
        whole, _, fraction = text.partition(",")
        if "," in fraction:
            raise ValidationError(f"{raw.strip()!r} is not a number.")
        if len(fraction) == 3:
            raise ValidationError(
                f"{raw.strip()!r} is ambiguous: write {whole}{fraction} or {whole}.{fraction} (or use a decimal point)."
            )
        text = f"{whole}.{fraction}"
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ValidationError(f"{raw.strip()!r} is not a number.")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{raw.strip()!r} is not a number.") from None
    if value.normalize().as_tuple().exponent < -4:
        raise ValidationError(f"{raw.strip()!r} has more than 4 decimals.")
    if abs(value) >= MAX_AMOUNT:
        raise ValidationError(f"{raw.strip()!r} is too large.")
    return value


def clean_selling_price(value: Decimal | None) -> Decimal | None:
    if value is not None and value <= 0:
        raise ValidationError("Your selling price must be more than zero.")
    return value


def clean_shipping_cost(value: Decimal | None) -> Decimal | None:
    if value is not None and value < 0:
        raise ValidationError("Shipping cannot be negative.")
    return value


def clean_currency(raw: str | None) -> str:
    value = (raw or "").strip().upper()
    if value and not (len(value) == 3 and value.isascii() and value.isalpha()):
        raise ValidationError(f"{(raw or '').strip()[:20]!r} is not a currency: use a three-letter code such as USD.")
    return value


def default_currency(owner) -> str:
    """The currency the user reads prices in (their settings), for selling prices given without one."""
    return settings_for(owner).currency or "USD"


def clean_url(url: str) -> str:
    try:
        url = platforms.clean_shop_url(url)
    except ValueError:  # urlsplit's own complaints (a port out of range, a broken IPv6 address)
        raise ValidationError(f"{(url or '').strip()[:200]!r} is not a valid web address.") from None
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"The address is longer than {MAX_URL_LENGTH} characters.")
    return url


def refused_host(url: str) -> str:
    """Why a URL whose host is a literal private address (or localhost) will never be fetched; "" otherwise.

    Only what can be told without a DNS lookup: the fetcher's SSRF guard still vets every fetch."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    allowed = {h.lower() for h in settings.FETCH_ALLOWED_HOSTS}
    if host in allowed or f"{host}:{port}" in allowed:
        return ""
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host!r} is this server, not a shop; Dropwatch only fetches public shop pages."
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return ""
    if not is_public_address(host):
        return f"{host!r} is a private or reserved network address; Dropwatch only fetches public shop pages."
    return ""


# --- The signed preview stamp --------------------------------------------------------------------


def _stamp(*, owner, url: str, platform: str, store: StoreInfo | None = None, variants=(), selectors=()) -> str:
    store_part = None
    if store is not None and store.id:
        store_part = [store.id[:64], (store.name or "")[:200], _safe_store_url(store.url)]
    data = {"o": owner.pk, "u": url, "p": platform, "s": store_part, "v": [v[:128] for v in list(variants)[:200]]}
    if selectors:  # the price selectors the preview showed a price for: confirming one needs no second read
        data["c"] = list(selectors)
    return signing.dumps(data, salt=_PREVIEW_SALT, compress=True)


def _unstamp(*, owner, token: str, url: str, platform: str) -> StoreInfo | None:
    return _read_stamp(owner=owner, token=token, url=url, platform=platform)[0]


def _read_stamp(*, owner, token: str, url: str, platform: str) -> tuple[StoreInfo | None, list[str]]:
    store, variants, _selectors = _read_full_stamp(owner=owner, token=token, url=url, platform=platform)
    return store, variants


def _read_full_stamp(*, owner, token: str, url: str, platform: str) -> tuple[StoreInfo | None, list[str], list[str]]:
    """The store the preview read, once the stamp proves the preview was this user's, for this address."""
    try:
        data = signing.loads(token or "", salt=_PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise PreviewMismatch("The preview is more than an hour old: preview the page again.") from None
    except signing.BadSignature:
        raise PreviewMismatch("This confirmation does not match a preview: preview the page again.") from None
    if data.get("o") != owner.pk or data.get("u") != url or data.get("p") != platform:
        raise PreviewMismatch("The address or platform changed since the preview: preview the page again.")
    store = data.get("s")
    store_info = StoreInfo(id=store[0], name=store[1], url=store[2]) if store else None
    return store_info, list(data.get("v") or []), list(data.get("c") or [])


def _safe_store_url(url: str) -> str:
    """A store address read from a page, kept only when it is a clean http(s) address."""
    if not url:
        return ""
    try:
        return clean_url(url)
    except ValidationError:
        return ""


# --- Add a product by URL -------------------------------------------------------------------------


class _ReadPage:
    """What a preview shows of the page it read (`obs`): the advice for its status and the store it names."""

    obs: Observation | None

    @property
    def advice(self) -> str:
        return STATUS_ADVICE.get(self.obs.status, "") if self.obs else ""

    @property
    def store(self) -> StoreInfo | None:
        store = self.obs.store if self.obs else None
        return store if store is not None and not store.is_empty() else None

    @property
    def store_link(self) -> str:
        return http_link(self.store.url) if self.store else ""


@dataclass
class Preview(_ReadPage):
    """What Dropwatch read from a product page, before the user adds it."""

    url: str
    platform: str
    obs: Observation | None = None  # None when the page was not fetched (already watched)
    existing: Product | None = None  # the user already watches this address (a listing without variants)
    watched: list = field(default_factory=list)  # the user's products on this listing (other variants)
    variant_hint: str = ""  # the variant the address named (AliExpress skuId=, ?variant=)
    supplier: Supplier | None = None  # the user's supplier that the page's store block matches
    ship_to: str = ""
    token: str = ""  # the signed stamp the confirmation carries
    price_choices: list = field(default_factory=list)  # the page's visible prices (sources.selector.PriceChoice)
    price_selector: str = ""  # the selector the user picked or typed, tried on this page
    selector_price: Decimal | None = None  # what it read there
    selector_currency: str = ""
    selector_text: str = ""
    selector_error: str = ""  # why it reads no price here (or does not parse)
    needs_javascript: str = ""  # why the page needs JavaScript to show its price ("" when it does not)
    suppliers: list = field(default_factory=list)  # the user's suppliers, to file the product under one
    supplier_choice: str = ""  # preselected: a supplier's pk, or "new"
    new_supplier_name_default: str = ""  # the name a new supplier gets: the page's store, else the shop's domain
    price_pick: str = ""  # which price the form shows as picked: "" automatic, a listed selector, or "typed"
    page_read: bool = False  # an HTML page was read (the candidates and the selector's reading are about it)

    @property
    def status(self) -> str:
        return str(self.obs.status) if self.obs else ""

    @property
    def advice(self) -> str:
        if self.needs_javascript and self.obs is not None and self.obs.status in JAVASCRIPT_STATUSES:
            return JAVASCRIPT_ADVICE
        return super().advice

    @property
    def can_add(self) -> bool:
        return self.existing is None and self.obs is not None and self.obs.status != CheckStatus.REFUSED

    @property
    def variants(self) -> list:
        return list(self.obs.variants) if self.obs is not None and self.obs.ok else []

    @property
    def preselected(self) -> str:
        """The variant to preselect: the one the address named, else the only one there is."""
        ids = [v.id for v in self.variants]
        if self.variant_hint in ids:
            return self.variant_hint
        return ids[0] if len(ids) == 1 else ""

    @property
    def new_supplier_name(self) -> str:
        """The supplier adding this product will create (none when the store is already one of the user's)."""
        store = self.store
        if self.supplier is not None or store is None or not store.id:
            return ""
        return store.name or f"Store {store.id}"


def product_preview(*, owner, url: str, platform: str = "", price_selector: str = "") -> Preview:
    """Read the page as a check would (the user's currency and ship-to country), without saving anything: what
    Dropwatch reads, the page's visible prices to pick from, and (with `price_selector`) what that selector
    reads on this page."""
    url, hint = platforms.split_variant(clean_url(url))
    platform = platform or platforms.detect(url).platform
    watched = list(Product.objects.filter(owner=owner, url=url))
    existing = next((p for p in watched if not p.variant_sku), None)
    if existing is not None and len(watched) == 1 and not existing.variants:
        return Preview(url=url, platform=platform, existing=existing)
    ctx = fetch_context_for(owner)
    reading = read_url(url, platform=platform, ctx=ctx, want_page=True)
    return _preview_of(
        owner=owner,
        url=url,
        platform=platform,
        obs=reading.obs,
        watched=watched,
        hint=hint,
        page=reading.page,
        price_selector=price_selector,
    )


def _preview_of(
    *, owner, url: str, platform: str, obs: Observation, watched: list, hint: str, page=None, price_selector: str = ""
) -> Preview:
    """The preview of a page read (fetched by Dropwatch, or sent by the browser companion: no page kept, so no
    price candidates to pick from)."""
    ctx = fetch_context_for(owner)
    preview = Preview(url=url, platform=platform, obs=obs, ship_to=ctx.ship_to, watched=watched, variant_hint=hint)
    store = preview.store
    if store is not None and store.id:
        preview.supplier = Supplier.objects.filter(owner=owner, platform=platform, platform_store_id=store.id).first()
    _read_prices(preview, page, price_selector)
    _supplier_options(preview, owner)
    if preview.can_add:
        variants = [v.id for v in preview.variants]
        approved = [c.selector for c in preview.price_choices]
        if preview.price_selector and preview.selector_price is not None:
            approved.append(preview.price_selector)
        preview.token = _stamp(
            owner=owner, url=url, platform=platform, store=store, variants=variants, selectors=approved
        )
    return preview


def _read_prices(preview: Preview, page, price_selector: str) -> None:
    """The page's price candidates, whether it needs JavaScript, and what the user's selector reads on it."""
    tree = page_tree(page)
    if tree is None:
        return
    preview.page_read = True
    obs = preview.obs
    read_price = obs.price if obs is not None and obs.ok else None
    preview.price_choices = price_choices(page, title=obs.title if obs else "", tree=tree, read_price=read_price)
    if obs is not None and obs.price is None:
        preview.needs_javascript = needs_javascript(tree)
    try:
        preview.price_selector = clean_selector(price_selector)
    except ValidationError as exc:
        preview.price_selector = " ".join((price_selector or "").split())[:300]
        preview.selector_error = " ".join(exc.messages)
        preview.price_pick = "typed"
        return
    if preview.price_selector:
        listed = {c.selector for c in preview.price_choices}
        preview.price_pick = preview.price_selector if preview.price_selector in listed else "typed"
        found = read_selector(page, preview.price_selector, tree=tree)
        preview.selector_price, preview.selector_currency, preview.selector_text = (
            found.price,
            found.currency,
            found.text,
        )
        problem = selector_problem(found)
        if problem:
            preview.selector_error = f"Your price selector reads no price on this page: {problem}."


def _supplier_options(preview: Preview, owner) -> None:
    """The user's suppliers to file the product under, the one to preselect, and a new one's name: the page's
    store when it names one, else the shop's domain (never no supplier: test orders need one)."""
    preview.suppliers = list(Supplier.objects.filter(owner=owner).order_by("name", "id"))
    store = preview.store
    host = platforms.host_of(preview.url)
    site = host[4:] if host.startswith("www.") else host
    preview.new_supplier_name_default = (store.name if store else "") or (
        f"Store {store.id}" if store and store.id else ""
    )
    preview.new_supplier_name_default = preview.new_supplier_name_default or site
    if preview.supplier is not None:
        preview.supplier_choice = str(preview.supplier.pk)
        return
    if store is None or not store.id:  # the user's supplier already filing products of this shop
        same_shop = Product.objects.filter(owner=owner, host=host, supplier__isnull=False).select_related("supplier")
        known = same_shop.order_by("-created_at").first()
        if known is not None and preview.platform != platforms.Platform.ALIEXPRESS:
            preview.supplier_choice = str(known.supplier_id)
            return
    preview.supplier_choice = "new"


def product_prices(*, owner, url: str, platform: str = "", price_selector: str = "") -> Preview:
    """The edit page's view of a product's page: its visible prices to pick from, whether it needs JavaScript,
    and what `price_selector` reads there (nothing is saved). `page_read` is False when the page could not be
    read just now (the caller then cannot tell whether the selector matches)."""
    url = clean_url(url)
    platform = platform or platforms.detect(url).platform
    reading = read_url(url, platform=platform, ctx=fetch_context_for(owner), want_page=True)
    preview = Preview(url=url, platform=platform, obs=reading.obs)
    _read_prices(preview, reading.page, price_selector)
    return preview


class SelectorNotPreviewed(PreviewMismatch):
    """A price selector the preview did not try: the page is read again with it before anything is saved."""


# --- Add the page the browser companion sent ("Add this page") -------------------------------------


def product_page_from_browser(*, owner, url: str, html: str, now=None) -> CompanionPage:
    """Read a page the user's browser sent, as a fetched page is read (the size cap, block pages, adapters,
    sanitising: monitoring.companion.observe_upload), and keep what was read for the add preview. Only the
    address and the HTML come from the browser; every value is Dropwatch's own reading of that HTML."""
    url = clean_url(url)
    listing, _hint = platforms.split_variant(url)
    platform = platforms.detect(listing).platform
    why = refused_host(url)
    if why:
        obs = Observation.failed(CheckStatus.REFUSED, why, url=listing, platform=platform)
    else:
        # An address that names no platform (any shop's) leaves it to the page: AliExpress and Shopify pages
        # are recognised by their content, as `inspect FILE` recognises them.
        generic = platform == platforms.Platform.STRUCTURED
        obs = observe_upload(html, url=listing, platform="" if generic else platform)
        platform = obs.platform or platform
    now = now or timezone.now()
    # A preview opens for an hour; the user's older pages are of no use to anyone.
    CompanionPage.objects.filter(owner=owner, created_at__lt=now - timedelta(days=1)).delete()
    return CompanionPage.objects.create(
        owner=owner,
        key=secrets.token_urlsafe(18),
        url=url,
        platform=platform,
        observation=obs.to_json(),
        created_at=now,
    )


def browser_page_preview(*, owner, key: str, now=None) -> Preview | None:
    """The add preview of a page the companion sent (None when it is not this user's, or over an hour old)."""
    now = now or timezone.now()
    page = CompanionPage.objects.filter(owner=owner, key=key, created_at__gt=now - timedelta(seconds=PREVIEW_MAX_AGE))
    page = page.first()
    if page is None:
        return None
    url, hint = platforms.split_variant(page.url)
    watched = list(Product.objects.filter(owner=owner, url=url))
    existing = next((p for p in watched if not p.variant_sku), None)
    if existing is not None and len(watched) == 1 and not existing.variants:
        return Preview(url=url, platform=page.platform, existing=existing)
    obs = Observation.from_json(page.observation)
    return _preview_of(owner=owner, url=url, platform=page.platform, obs=obs, watched=watched, hint=hint)


def product_add_from_preview(
    *,
    owner,
    url: str,
    token: str,
    platform: str = "",
    my_price: Decimal | None = None,
    my_currency: str = "",
    shipping_cost: Decimal | None = None,
    variant: str = "",
    backs_up: Product | None = None,
    price_selector: str = "",
    supplier_choice: str | None = None,
    new_supplier_name: str = "",
) -> Product:
    """Add the previewed product; its supplier too when the preview read the page's store. With `backs_up`,
    it is added as a backup source of that product (suppliers.backups).

    `supplier_choice` (the add page always sends it): one of the user's suppliers by pk, or "new" (the page's
    store, else a supplier named `new_supplier_name` for the shop's domain). None keeps the old way: the
    page's store when it names one. `price_selector` must be one the preview read a price with
    (SelectorNotPreviewed otherwise: the caller previews again with it).

    Everything is validated again: the address and the user's inputs as on the form, and the signed stamp
    proves the preview (and the store it read) belonged to this user and this address. The product is due
    at once; the caller asks for a check right away (`monitoring.scheduling.check_now`)."""
    url = clean_url(url)
    platform = platform or platforms.detect(url).platform
    store, variants, approved = _read_full_stamp(owner=owner, token=token, url=url, platform=platform)
    price_selector = clean_selector(price_selector)
    if price_selector and price_selector not in approved:
        raise SelectorNotPreviewed("Dropwatch has not tried this price selector on the page yet.")
    chosen = _chosen_supplier(owner, supplier_choice)
    variant = (variant or "").strip()
    if variant and variants and variant not in variants:
        raise ValidationError("That variant is not on the listing you previewed: preview the page again.")
    if not variant and len(variants) == 1:
        variant = variants[0]
    my_price = clean_selling_price(my_price)
    shipping_cost = clean_shipping_cost(shipping_cost)
    my_currency = clean_currency(my_currency) or default_currency(owner)
    with transaction.atomic():  # a duplicate must not leave a new supplier behind
        supplier = chosen
        if supplier is None and store is not None:
            supplier = supplier_for_store(
                owner=owner,
                platform=platform,
                store_id=store.id,
                name=(new_supplier_name or "").strip()[:200] or store.name,
                store_url=store.url,
            )
        if supplier is None and supplier_choice == "new":
            supplier = _new_shop_supplier(owner=owner, url=url, platform=platform, name=new_supplier_name)
        product = product_create(
            owner=owner,
            url=url,
            platform=platform,
            supplier=supplier,
            my_price=my_price,
            my_currency=my_currency,
            shipping_cost=shipping_cost,
            variant_sku=variant,
            backs_up=backs_up,
        )
        if price_selector:
            product.price_selector = price_selector
            product.save(update_fields=["price_selector"])
        return product


def _chosen_supplier(owner, choice: str | None) -> Supplier | None:
    choice = (choice or "").strip()
    if not choice.isdigit():
        if choice not in ("", "new"):
            raise ValidationError("Choose one of your suppliers, or a new one.")
        return None
    found = Supplier.objects.filter(owner=owner, pk=int(choice)).first()
    if found is None:
        raise ValidationError("That supplier is not one of yours (or no longer exists).")
    return found


def _new_shop_supplier(*, owner, url: str, platform: str, name: str) -> Supplier:
    """A supplier for a shop that names no store block: the shop itself, at its home page (AliExpress is a
    marketplace, not one shop: no store address there)."""
    parts = urlsplit(url)
    host = platforms.host_of(url)
    name = (name or "").strip()[:200] or (host[4:] if host.startswith("www.") else host)
    home = "" if platform == platforms.Platform.ALIEXPRESS else f"{parts.scheme}://{parts.netloc}/"
    return supplier_create(owner=owner, name=name, platform=platform, store_url=home)


# --- Add a supplier by its store URL --------------------------------------------------------------


@dataclass
class StorePreview(_ReadPage):
    url: str
    platform: str
    store_id: str = ""
    obs: Observation | None = None  # None when the platform's store pages are not read
    existing: Supplier | None = None
    token: str = ""

    @property
    def can_add(self) -> bool:
        return self.existing is None and (self.obs is None or self.obs.status != CheckStatus.REFUSED)


def store_pages_readable(platform: str) -> bool:
    """Does Dropwatch read store pages of this platform? (AliExpress: yes; a generic shop: no.)"""
    return platform in platforms.STORE_PAGE_PLATFORMS


def _existing_supplier(*, owner, url: str, platform: str, store_id: str) -> Supplier | None:
    qs = Supplier.objects.filter(owner=owner)
    if store_id:
        found = qs.filter(platform=platform, platform_store_id=store_id).first()
        if found is not None:
            return found
    return qs.filter(store_url=url).first()


def supplier_preview(*, owner, url: str, platform: str = "") -> StorePreview:
    """Read the store page when the platform's store pages can be read; otherwise just say what will be added."""
    url = clean_url(url)
    info = platforms.detect(url)
    platform = platform or info.platform
    preview = StorePreview(url=url, platform=platform, store_id=info.store_id)
    preview.existing = _existing_supplier(owner=owner, url=url, platform=platform, store_id=info.store_id)
    if preview.existing is not None or not store_pages_readable(platform):
        return preview
    # The same reading as the supplier's scheduled check (monitoring.checking.observe_store).
    preview.obs = observe_url(url, platform=platform, ctx=fetch_context_for(owner))
    if preview.store is not None and preview.store.id and not preview.store_id:
        preview.store_id = preview.store.id
        preview.existing = _existing_supplier(owner=owner, url=url, platform=platform, store_id=preview.store_id)
    if preview.can_add:
        preview.token = _stamp(owner=owner, url=url, platform=platform, store=preview.store)
    return preview


def supplier_add_from_url(*, owner, url: str, platform: str = "", name: str = "", token: str = "") -> Supplier:
    """Add a supplier by its store address. With a preview's stamp, the store name it read is used when the
    user gave none; without one nothing is fetched here (the tick reads the store page)."""
    url = clean_url(url)
    info = platforms.detect(url)
    platform = platform or info.platform
    store = _unstamp(owner=owner, token=token, url=url, platform=platform) if token else None
    store_id = info.store_id or (store.id if store else "")
    if _existing_supplier(owner=owner, url=url, platform=platform, store_id=store_id) is not None:
        raise DuplicateError("You already watch this store.")
    name = (name or "").strip()[:200] or (store.name if store else "") or (f"Store {store_id}" if store_id else "")
    return supplier_create(
        owner=owner,
        name=name or platforms.host_of(url),
        platform=platform,
        store_url=url,
        platform_store_id=store_id,
    )
