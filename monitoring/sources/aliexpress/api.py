"""AliExpress Open Platform: `aliexpress.ds.product.get`, the only source of the detailed seller ratings.

Requests go to the sync gateway (settings.ALIEXPRESS_API_URL, https://api-sg.aliexpress.com/sync) as a
form POST of system parameters (app_key, method, timestamp in ms, sign_method=sha256, access_token) plus
the business parameters, signed as the platform documents ("Signature algorithm", and the official IOP
SDK's `sign()`):
  1. sort every parameter except `sign` by name (ASCII order);
  2. concatenate name and value of each: "app_keyXaccess_tokenY...";
  3. for a REST API path ("/auth/token/create") put the path in front; the /sync gateway's dotted method
     names ("aliexpress.ds.product.get") are not prefixed;
  4. HMAC-SHA256 with the app secret, upper-case hex.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal

from ...fetch import FetchError
from ...observation import Observation, Shipping, StoreInfo, Variant, description_digest
from ...statuses import CheckStatus
from ..base import FetchContext, ParseError
from ..locale import parse_count

PLATFORM = "aliexpress"
METHOD = "aliexpress.ds.product.get"
FREIGHT_METHOD = "aliexpress.ds.freight.query"
DEFAULT_API_URL = "https://api-sg.aliexpress.com/sync"
STORE_URL = "https://www.aliexpress.com/store/{}"
_NOT_FOUND = re.compile(r"not ?exist|not ?found|offline|removed|no longer", re.IGNORECASE)


def sign(secret: str, parameters: dict, api: str = "") -> str:
    """The Open Platform signature of `parameters` (all but `sign`); `api` is prefixed only for REST paths."""
    body = "".join(f"{key}{parameters[key]}" for key in sorted(parameters) if key != "sign")
    if "/" in api:
        body = api + body
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest().upper()


@dataclass
class OpenPlatformClient:
    app_key: str
    app_secret: str
    access_token: str = ""
    url: str = DEFAULT_API_URL
    clock: object = field(default=time.time, repr=False)

    @classmethod
    def from_settings(cls) -> OpenPlatformClient | None:
        """The client configured in settings, or None when no app key is configured."""
        from django.conf import settings

        if not settings.ALIEXPRESS_APP_KEY or not settings.ALIEXPRESS_APP_SECRET:
            return None
        return cls(
            app_key=settings.ALIEXPRESS_APP_KEY,
            app_secret=settings.ALIEXPRESS_APP_SECRET,
            access_token=settings.ALIEXPRESS_ACCESS_TOKEN,
            url=settings.ALIEXPRESS_API_URL or DEFAULT_API_URL,
        )

    def signed_params(self, method: str, business: dict) -> dict[str, str]:
        params = {
            "app_key": self.app_key,
            "method": method,
            "timestamp": str(int(self.clock() * 1000)),
            "sign_method": "sha256",
            "format": "json",
            **{key: str(value) for key, value in business.items() if value not in (None, "")},
        }
        if self.access_token:
            params["access_token"] = self.access_token
        params["sign"] = sign(self.app_secret, params, method)
        return params

    def product_params(self, product_id: str, ctx: FetchContext) -> dict[str, str]:
        return self.signed_params(
            METHOD,
            {
                "product_id": product_id,
                "ship_to_country": ctx.ship_to,
                "target_currency": ctx.currency,
                "target_language": ctx.language.replace("-", "_").split("_")[0].lower() or "en",
            },
        )

    def freight_params(self, product_id: str, sku_id: str, ctx: FetchContext) -> dict[str, str]:
        request = {
            "productId": product_id,
            "selectedSkuId": sku_id,
            "quantity": 1,
            "shipToCountry": ctx.ship_to,
            "currency": ctx.currency,
            "language": ctx.language.replace("-", "_").split("_")[0].lower() or "en",
            "locale": ctx.language.replace("-", "_") or "en_US",
        }
        return self.signed_params(FREIGHT_METHOD, {"queryDeliveryReq": json.dumps(request, separators=(",", ":"))})

    def freight(self, product_id: str, sku_id: str, fetcher, ctx: FetchContext) -> Shipping | None:
        """Shipping of one SKU to ctx.ship_to from aliexpress.ds.freight.query; None when it cannot be had
        (best effort: a failing freight query never fails the check)."""
        if not product_id or not sku_id:
            return None
        try:
            page = fetcher.post(self.url, data=self.freight_params(product_id, sku_id, ctx))
        except FetchError:
            return None
        if page.blocked_reason or page.status_code >= 400:
            return None
        return parse_freight_query(page.text, ship_to=ctx.ship_to)

    def observe_product(self, product_id: str, fetcher, ctx: FetchContext, url: str = "") -> Observation:
        """Call aliexpress.ds.product.get through the fetcher and read the answer into an Observation."""

        url = url or f"https://www.aliexpress.com/item/{product_id}.html"
        try:
            page = fetcher.post(self.url, data=self.product_params(product_id, ctx))
        except FetchError as exc:
            return Observation.failed(exc.status, exc.message, url=url, platform=PLATFORM)
        if page.blocked_reason:
            return Observation.failed(CheckStatus.BLOCKED, page.blocked_reason, url=url, platform=PLATFORM)
        try:
            obs = parse_ds_product(page.text)
        except ParseError as exc:
            status = CheckStatus.ERROR if page.status_code >= 400 else CheckStatus.UNPARSEABLE
            message = f"The Open Platform answered HTTP {page.status_code}: {exc}"
            return Observation.failed(status, message, url=url, platform=PLATFORM)
        obs.url = url
        return obs


# --- the answer --------------------------------------------------------------------------------------


def parse_ds_product(text: str) -> Observation:
    """Read an `aliexpress.ds.product.get` answer (or its error answer) into an Observation."""
    try:
        document = json.loads(text)
    except ValueError:
        raise ParseError("The Open Platform answer is not JSON.") from None
    return parse_ds_product_document(document)


def parse_ds_product_document(document) -> Observation:
    if not isinstance(document, dict):
        raise ParseError("The Open Platform answer is not a JSON object.")
    error = _error_of(document)
    if error is not None:
        code, message = error
        status = CheckStatus.NOT_FOUND if _NOT_FOUND.search(message) else CheckStatus.ERROR
        return Observation.failed(status, f"AliExpress Open Platform: {code}: {message}".strip(), platform=PLATFORM)
    response = document.get("aliexpress_ds_product_get_response")
    result = response.get("result") if isinstance(response, dict) else None
    if not isinstance(result, dict):
        raise ParseError("No aliexpress_ds_product_get_response.result in the Open Platform answer.")
    return _observation(result)


def _error_of(document: dict) -> tuple[str, str] | None:
    """(code, message) of an error answer: {"error_response": {code, msg}}, the IOP {"code", "message"}
    envelope, or a product answer whose rsp_code is not 200."""
    error = document.get("error_response")
    if isinstance(error, dict):
        return str(error.get("code") or error.get("sub_code") or ""), str(
            error.get("sub_msg") or error.get("msg") or error.get("message") or "unknown error"
        )
    if str(document.get("code", "0")) not in ("0", "") and document.get("message"):
        return str(document["code"]), str(document["message"])
    response = document.get("aliexpress_ds_product_get_response")
    if (
        isinstance(response, dict)
        and response.get("rsp_code") not in (None, 200, "200")
        and not isinstance(response.get("result"), dict)
    ):
        return str(response.get("rsp_code")), str(response.get("rsp_msg") or "no result")
    return None


def _observation(result: dict) -> Observation:
    base = _dict(result.get("ae_item_base_info_dto"))
    skus = _list(_dict(result.get("ae_item_sku_info_dtos")).get("ae_item_sku_info_d_t_o"))
    product_id = str(base.get("product_id") or "")
    obs = Observation(platform=PLATFORM, product_id=product_id)
    if product_id:
        obs.url = f"https://www.aliexpress.com/item/{product_id}.html"
    status = str(base.get("product_status_type") or "")
    if status and status != "onSelling":
        obs.status = CheckStatus.NOT_FOUND
        obs.message = f"AliExpress Open Platform: the product is {status}, not on sale."
        return obs
    obs.title = str(base.get("subject") or "")
    review_count = parse_count(base.get("evaluation_count")) if base.get("evaluation_count") is not None else None
    obs.review_count = review_count
    obs.rating = _decimal(base.get("avg_evaluation_rating")) if review_count != 0 else None
    obs.orders_count = parse_count(base.get("sales_count")) if base.get("sales_count") not in (None, "") else None
    _apply_skus(obs, skus, str(base.get("currency_code") or ""))
    obs.variants = _variants(skus, obs.currency)
    obs.store = _store(_dict(result.get("ae_store_info")))
    logistics = _dict(result.get("logistics_info_dto"))
    if logistics.get("delivery_time") not in (None, ""):
        obs.ships_to_buyer = True
    obs.shipping = _logistics(logistics)
    obs.image = _main_image(_dict(result.get("ae_multimedia_info_dto")).get("image_urls"))
    obs.description_digest = description_digest(str(base.get("detail") or base.get("mobile_detail") or ""))
    return obs


def _variants(skus: list, currency: str) -> list[Variant]:
    """Every `ae_item_sku_info_d_t_o` as a Variant: id = sku_id, price = offer_sale_price (the listed
    sku_price when there is no offer), original = sku_price, in the SKU's own currency_code (the base
    info's currency_code can name another currency than the SKU prices are in)."""
    variants = []
    seen: set[str] = set()
    for sku in skus:
        if not isinstance(sku, dict):
            continue
        sku_id = _text(sku.get("sku_id")) or _text(sku.get("id")) or _text(sku.get("sku_attr"))
        if not sku_id or sku_id in seen:
            continue
        seen.add(sku_id)
        listed = _decimal(sku.get("sku_price"))
        sale = _decimal(sku.get("offer_sale_price"))
        stock = _int(sku.get("sku_available_stock"))
        if stock is None:
            stock = _int(sku.get("ipm_sku_stock"))
        in_stock = stock > 0 if stock is not None else None
        if in_stock is None and isinstance(sku.get("sku_stock"), bool):
            in_stock = sku["sku_stock"]
        variants.append(
            Variant(
                id=sku_id,
                name=_sku_name(sku),
                price=sale if sale is not None else listed,
                original_price=listed if listed is not None else sale,
                currency=_text(sku.get("currency_code")).upper() or currency,
                in_stock=in_stock,
                stock_quantity=stock,
            )
        )
    return variants


def _sku_name(sku: dict) -> str:
    """ "cor: G; Tamanho: No Dolls": each property's name and the seller's custom value name
    (property_value_definition_name), else the standard value (sku_property_value), in sku_attr order."""
    wrapper = sku.get("ae_sku_property_dtos")
    listed = wrapper.get("ae_sku_property_d_t_o") if isinstance(wrapper, dict) else wrapper
    properties = [p for p in _list(listed) if isinstance(p, dict)]
    order = [piece.split(":", 1)[0].strip() for piece in _text(sku.get("sku_attr")).split(";") if piece.strip()]

    def position(prop: dict) -> int:
        prop_id = _text(prop.get("sku_property_id"))
        return order.index(prop_id) if prop_id in order else len(order)

    properties.sort(key=position)
    parts = []
    for prop in properties:
        name = _text(prop.get("sku_property_name"))
        value = _text(prop.get("property_value_definition_name")) or _text(prop.get("sku_property_value"))
        if value:
            parts.append(f"{name}: {value}" if name else value)
    return "; ".join(parts)


def _logistics(logistics: dict) -> Shipping | None:
    """logistics_info_dto = {delivery_time, ship_to_country}: only the destination is a shipping fact here.
    `delivery_time` is the seller's handling time (the same whatever the destination; the field of that name
    in AliExpress's seller API is the handling time), not a delivery window, so days stay unknown; the
    answer carries no fee or carrier (that takes aliexpress.ds.freight.query: parse_freight_query)."""
    country = _text(logistics.get("ship_to_country")).upper()
    if not country:
        return None
    return Shipping(to=country)


def _main_image(value) -> str:
    """The first of `image_urls` ("a.jpg;b.jpg")."""
    for url in _text(value).split(";"):
        url = url.strip()
        if url.startswith("//"):
            url = "https:" + url
        if url.startswith(("http://", "https://")):
            return url
    return ""


# --- aliexpress.ds.freight.query ---------------------------------------------------------------------


def parse_freight_query(document, ship_to: str = "") -> Shipping | None:
    """An `aliexpress.ds.freight.query` answer: the first delivery option (the one AliExpress lists
    first is the one it offers by default). `shipping_fee_cent` is, despite its name, the amount in
    `shipping_fee_currency` ("3.29" is 3.29); `free_shipping: true` is a fee of 0. None when the answer
    has no option (an error, or DELIVERY_NOT_AVAILABLE_TO_YOUR_ADDRESS: then only `to` is known)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    if not isinstance(document, dict):
        return None
    response = _dict(document.get("aliexpress_ds_freight_query_response") or document)
    result = _dict(response.get("result") or response)
    options = result.get("delivery_options")
    options = _dict(options).get("delivery_option_d_t_o") if isinstance(options, dict) else options
    options = [o for o in _list(options) if isinstance(o, dict)]
    if not options:
        return Shipping(to=ship_to.upper()) if ship_to and result.get("success") is False else None
    option = options[0]
    fee = _decimal(option.get("shipping_fee_cent"))
    if option.get("free_shipping") is True or str(option.get("free_shipping")).lower() == "true":
        fee = Decimal(0)
    days_min, days_max = _int(option.get("min_delivery_days")), _int(option.get("max_delivery_days"))
    return Shipping(
        to=ship_to.upper(),
        fee=fee,
        currency=_text(option.get("shipping_fee_currency")).upper() if fee is not None else "",
        days_min=days_min,
        days_max=days_max,
        method=_text(option.get("company")) or _text(option.get("code")),
    )


def _apply_skus(obs: Observation, skus: list, base_currency: str) -> None:
    current, original, stocks, currencies = [], [], [], []
    for sku in skus:
        if not isinstance(sku, dict):
            continue
        listed = _decimal(sku.get("sku_price"))
        sale = _decimal(sku.get("offer_sale_price"))
        if sale is not None or listed is not None:
            current.append(sale if sale is not None else listed)
        if listed is not None and sale is not None:
            original.append(listed)
        if sku.get("sku_available_stock") not in (None, ""):
            stocks.append(int(sku["sku_available_stock"]))
        if sku.get("currency_code"):
            currencies.append(str(sku["currency_code"]).upper())
    if current:
        obs.price = min(current)
        obs.price_max = max(current) if max(current) != min(current) else None
        obs.original_price = min(original) if original else None
        obs.currency = currencies[0] if currencies else base_currency.upper()
    if stocks:
        obs.stock_quantity = sum(stocks)
        obs.in_stock = obs.stock_quantity > 0


def _store(info: dict) -> StoreInfo | None:
    store_id = str(info.get("store_id") or "")
    name = str(info.get("store_name") or "")
    if not store_id and not name:
        return None
    return StoreInfo(
        id=store_id,
        name=name,
        url=STORE_URL.format(store_id) if store_id else "",
        rating_described=_decimal(info.get("item_as_described_rating")),
        rating_communication=_decimal(info.get("communication_rating")),
        rating_shipping=_decimal(info.get("shipping_speed_rating")),
    )


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _int(value) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(Decimal(str(value).strip()))
    except ArithmeticError:
        return None


def _text(value) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return " ".join(str(value).split())


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []
