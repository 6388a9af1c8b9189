"""The item-page data layouts AliExpress has used, each read into one Observation.

- 2019-2022 "modules":    runParams.data = {titleModule, priceModule, skuModule, storeModule, ...}
- 2022 "hierarchy":       {data: {hierarchy, data: {"<type>_<id>": {fields}}, global}}
- 2023-2024 "components": runParams.data = {priceComponent, feedbackComponent, sellerComponent, ...}
- mid-2024+ mtop:          mtop.aliexpress.pdp.pc.query -> data.result = {PRICE, PC_RATING, SHOP_CARD_PC, ...}
"""

from __future__ import annotations

import json

from ...observation import Observation
from ...statuses import CheckStatus
from .common import (
    PLATFORM,
    Sku,
    amount,
    apply_feedback,
    apply_prices,
    apply_stock,
    as_dict,
    currency_code,
    description_version,
    dig,
    first_image,
    int_or_none,
    language_of,
    make_store,
    money,
    opened_on,
    property_table,
    read_old_freight,
    read_shipping,
    ships_to_buyer,
    sku_from_val,
    sku_id,
    sku_name,
    variants_of,
)


def detect_layout(data) -> str:
    """ "modules", "hierarchy", "components", "mtop" or "" for a decoded runParams.data / mtop document."""
    if not isinstance(data, dict):
        return ""
    if isinstance(data.get("hierarchy"), dict) and isinstance(data.get("data"), dict):
        return "hierarchy"
    if isinstance(dig(data, "data", "result"), dict) or isinstance(data.get("result"), dict):
        result = dig(data, "data", "result") or data.get("result")
        if any(key in result for key in ("PRICE", "PRODUCT_TITLE", "PC_RATING", "SHOP_CARD_PC", "GLOBAL_DATA")):
            return "mtop"
    if any(key in data for key in ("priceModule", "titleModule", "skuModule", "storeModule")):
        return "modules"
    if any(key in data for key in ("priceComponent", "productInfoComponent", "feedbackComponent")):
        return "components"
    return ""


def parse_layout(layout: str, data: dict) -> Observation:
    obs = Observation(platform=PLATFORM)
    {"modules": _modules, "hierarchy": _hierarchy, "components": _components, "mtop": _mtop}[layout](data, obs)
    return obs


def _not_found_if_offline(obs: Observation, *statuses) -> bool:
    """A non-zero itemStatus means the listing is offline or removed (0 is on sale)."""
    for status in statuses:
        code = int_or_none(status)
        if code:
            obs.status = CheckStatus.NOT_FOUND
            obs.message = f"AliExpress says the listing is not on sale (itemStatus {code})."
            return True
    return False


# --- 2019-2022 "modules" -----------------------------------------------------------------------------


def _modules(data: dict, obs: Observation) -> None:
    title = as_dict(data.get("titleModule"))
    price = as_dict(data.get("priceModule"))
    common = as_dict(data.get("commonModule"))
    web_env = as_dict(data.get("webEnv"))
    store = as_dict(data.get("storeModule"))
    quantity = as_dict(data.get("quantityModule"))
    action = as_dict(data.get("actionModule"))
    language = language_of(web_env.get("language"), web_env.get("locale"), common.get("gagaDataSite"))

    obs.product_id = str(common.get("productIdStr") or common.get("productId") or store.get("productId") or "")
    if _not_found_if_offline(obs, action.get("itemStatus")):
        return
    obs.title = str(title.get("subject") or "")
    sku_module = as_dict(data.get("skuModule"))
    table = property_table(sku_module.get("productSKUPropertyList"))
    skus = [sku_from_val(s, table) for s in sku_module.get("skuPriceList") or [] if isinstance(s, dict)]
    page_currency = currency_code(common.get("currencyCode") or web_env.get("currency"))
    apply_prices(obs, skus, _price_summary(price), page_currency)
    apply_stock(obs, quantity.get("totalAvailQuantity", action.get("totalAvailQuantity")), skus)
    obs.variants = variants_of(skus, obs.currency)
    apply_feedback(obs, as_dict(title.get("feedbackRating")))
    obs.orders_count = int_or_none(title.get("tradeCount", title.get("formatTradeCount")))
    obs.store = _store_module(store, language)
    shipping = as_dict(data.get("shippingModule"))
    layouts = dig(shipping, "generalFreightInfo", "originalLayoutResultList")
    obs.ships_to_buyer = ships_to_buyer(layouts)
    ship_to = shipping.get("userCountryCode") or common.get("userCountryCode") or web_env.get("country")
    obs.shipping = read_shipping(layouts, currency=obs.currency, ship_to=ship_to) or read_old_freight(
        dig(shipping, "freightCalculateInfo", "freight"), currency=obs.currency, ship_to=ship_to
    )
    obs.image = first_image(dig(data, "imageModule", "imagePathList"))
    obs.description_digest = description_version(dig(data, "descriptionModule", "descriptionUrl"))
    if common.get("choiceProduct") is True:
        obs.labels.append("Choice")


def _price_summary(block: dict) -> tuple | None:
    """(min current, max current, min original, currency) from a priceModule-like block."""
    low, currency = amount(block.get("minActivityAmount"))
    high, _ = amount(block.get("maxActivityAmount"))
    original, original_currency = amount(block.get("minAmount"))
    if low is None and high is None:  # no promotion: the listed range is the current range
        low, currency = original, original_currency
        high, _ = amount(block.get("maxAmount"))
        original = None
    if low is None and high is None:
        return None
    return low, high, original, currency or original_currency


def _store_module(store: dict, language: str):
    return make_store(
        store.get("storeNum"),
        store.get("storeName"),
        positive=store.get("positiveRate"),
        followers=store.get("followingNumber"),
        opened=store.get("openTime"),
        language=language,
    )


# --- 2022 "hierarchy" --------------------------------------------------------------------------------


def _hierarchy(data: dict, obs: Observation) -> None:
    blocks: dict[str, dict] = {}
    for key, node in as_dict(data.get("data")).items():
        kind = str(as_dict(node).get("type") or key.rsplit("_", 1)[0])
        blocks.setdefault(kind, {}).update(as_dict(as_dict(node).get("fields")))
    header = as_dict(dig(blocks, "headerInfo", "_for_header_info"))
    store = as_dict(header.get("storeModule"))
    action = blocks.get("actionButtons", {})
    info = blocks.get("infoWrap", {})
    shipping = blocks.get("shipping", {}) or blocks.get("oldShipping", {})

    obs.product_id = str(dig(blocks, "seoTdk", "productId") or action.get("productId") or store.get("productId") or "")
    if _not_found_if_offline(obs, action.get("itemStatus"), info.get("status")):
        return
    obs.title = str(dig(blocks, "titleBanner", "subject") or "")
    sku_block = blocks.get("sku", {})
    table = property_table(sku_block.get("propertyList") or sku_block.get("productSKUPropertyList"))
    skus = [sku_from_val(s, table) for s in sku_block.get("skuList") or [] if isinstance(s, dict)]
    apply_prices(obs, skus, _price_summary(blocks.get("price", {})), currency_code(shipping.get("tradeCurrency")))
    total = blocks.get("quantity", {}).get("totalAvailQuantity", action.get("totalAvailQuantity"))
    sold_out = True if info.get("isEmptyStock") is True or action.get("no_available") is True else None
    apply_stock(obs, total, skus, sold_out)
    obs.variants = variants_of(skus, obs.currency)
    feedback = next((b["feedbackRating"] for b in blocks.values() if isinstance(b.get("feedbackRating"), dict)), {})
    apply_feedback(obs, feedback)
    obs.orders_count = int_or_none(dig(blocks, "shareHeader", "formatTradeCount"))
    recommend = blocks.get("storeRecommend", {})
    obs.store = make_store(
        store.get("storeNum") or recommend.get("storeNum"),
        store.get("storeName") or recommend.get("storeName"),
        positive=store.get("positiveRate") or recommend.get("sellerPositiveRate"),
        followers=store.get("followingNumber"),
        opened=store.get("openTime"),
    )
    layouts = next(
        (
            found
            for block in (blocks.get("shipping", {}), blocks.get("oldShipping", {}))
            if (found := dig(block, "generalFreightInfo", "originalLayoutResultList"))
        ),
        None,
    )
    obs.ships_to_buyer = ships_to_buyer(layouts)
    obs.shipping = read_shipping(layouts, currency=obs.currency) or read_old_freight(
        dig(shipping, "freightCalculateInfo", "freight"), currency=obs.currency
    )
    obs.image = first_image(dig(blocks, "imageView", "imagePathList"), dig(blocks, "imageView", "imageList"))


# --- 2023-2024 "components" --------------------------------------------------------------------------


def _components(data: dict, obs: Observation) -> None:
    info = as_dict(data.get("productInfoComponent"))
    seller = as_dict(data.get("sellerComponent"))
    price = as_dict(data.get("priceComponent"))
    currency_block = as_dict(data.get("currencyComponent"))
    inventory = as_dict(data.get("inventoryComponent"))
    tags = as_dict(data.get("productTagComponent"))
    language = language_of(dig(data, "gagaComponent", "gagaDataSite"), dig(data, "siteInfoComponent", "language"))

    obs.product_id = str(info.get("idStr") or info.get("id") or "")
    if _not_found_if_offline(obs, dig(data, "itemStatusComponent", "status")):
        return
    obs.title = str(info.get("subject") or "")
    sku_block = as_dict(data.get("skuComponent"))
    table = property_table(sku_block.get("productSKUPropertyList") or _json_list(sku_block.get("skuPropertyJson")))
    skus = [sku_from_val(s, table) for s in _component_skus(price) or _component_skus(sku_block)]
    summary = _price_summary(
        {
            "minActivityAmount": dig(price, "discountPrice", "minActivityAmount"),
            "maxActivityAmount": dig(price, "discountPrice", "maxActivityAmount"),
            "minAmount": dig(price, "origPrice", "minAmount"),
            "maxAmount": dig(price, "origPrice", "maxAmount"),
        }
    )
    apply_prices(obs, skus, summary, currency_code(currency_block.get("currencyCode")))
    sold_out = True if data.get("soldOutComponent") or tags.get("soldOut") is True else None
    apply_stock(obs, inventory.get("totalAvailQuantity"), skus, sold_out)
    obs.variants = variants_of(skus, obs.currency)
    apply_feedback(obs, as_dict(data.get("feedbackComponent")))
    obs.orders_count = int_or_none(dig(data, "tradeComponent", "formatTradeCount"))
    # The 2023 page shows no follower count. wishListComponent.storeWishedCount counts wish-list saves of
    # the store (millions on AliExpress's own "Factory Direct Collected" stores), so it is not read as one.
    obs.store = make_store(
        seller.get("storeNum"),
        seller.get("storeName"),
        positive=dig(data, "storeFeedbackComponent", "sellerPositiveRate"),
        opened=seller.get("formatOpenTime") or seller.get("openTime"),
        language=language,
    )
    if obs.store and obs.store.opened_on is None:
        obs.store.opened_on = opened_on(seller.get("openTime"))  # epoch milliseconds
    freight = as_dict(data.get("webGeneralFreightCalculateComponent") or data.get("shippingComponent"))
    layouts = freight.get("originalLayoutResultList") or freight.get("deliveryLayoutInfo")
    obs.ships_to_buyer = ships_to_buyer(layouts)
    obs.shipping = read_shipping(layouts, currency=obs.currency)
    image = as_dict(data.get("imageComponent"))
    obs.image = first_image(image.get("imagePathList"), image.get("image640PathList"))
    obs.description_digest = description_version(dig(data, "productDescComponent", "descriptionUrl"))
    if tags.get("choiceProduct") is True:
        obs.labels.append("Choice")


def _component_skus(price: dict) -> list[dict]:
    skus = price.get("skuPriceList")
    if not isinstance(skus, list):
        skus = _json_list(price.get("skuJson"))
    return [s for s in skus or [] if isinstance(s, dict)]


def _json_list(value) -> list:
    """A list, or a JSON string of one (skuJson), else []. skuPropertyJson is a list of id lists, not a
    property list: property_table skips entries that are not objects."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            return []
        return decoded if isinstance(decoded, list) else []
    return []


# --- mid-2024+ mtop ----------------------------------------------------------------------------------


def _mtop(data: dict, obs: Observation) -> None:
    result = as_dict(dig(data, "data", "result") or data.get("result"))
    global_data = as_dict(dig(result, "GLOBAL_DATA", "globalData"))
    price = as_dict(result.get("PRICE"))
    shop = as_dict(result.get("SHOP_CARD_PC"))
    seller = as_dict(shop.get("sellerInfo"))
    rating = as_dict(result.get("PC_RATING"))
    language = language_of(global_data.get("localStr"))

    obs.product_id = str(global_data.get("productId") or price.get("productId") or "")
    if _not_found_if_offline(obs, global_data.get("itemStatus"), dig(global_data, "offlineInfo", "itemStatus")):
        return
    obs.title = str(dig(result, "PRODUCT_TITLE", "text") or global_data.get("subject") or "")
    skus = _mtop_skus(price, as_dict(result.get("SKU")))
    apply_prices(obs, skus, None, currency_code(global_data.get("currencyCode")))
    has_stock = dig(global_data, "productInfo", "hasStock")
    apply_stock(
        obs,
        dig(result, "QUANTITY_PC", "totalAvailableInventory"),
        skus,
        sold_out=True if has_stock is False else None,
    )
    obs.variants = variants_of(skus, obs.currency)
    total = int_or_none(rating.get("totalValidNum"))
    apply_feedback(obs, {"averageStar": rating.get("rating"), "totalValidNum": total} if rating else {})
    sold = str(rating.get("otherText") or "")
    obs.orders_count = int_or_none(sold) if any(ch.isdigit() for ch in sold) else None
    obs.store = make_store(
        seller.get("storeNum") or global_data.get("storeId"),
        shop.get("storeName") or global_data.get("storeName"),
        positive=shop.get("sellerPositiveRate"),
        followers=dig(result, "WISHLIST", "storeWishedCount"),
        opened=seller.get("formatOpenTime") or seller.get("openTime"),
        language=language,
    )
    shipping = as_dict(result.get("SHIPPING"))
    layouts = shipping.get("deliveryLayoutInfo") or shipping.get("originalLayoutResultList")
    obs.ships_to_buyer = ships_to_buyer(layouts)
    obs.shipping = read_shipping(layouts, currency=obs.currency, ship_to=price.get("region"))
    header = as_dict(result.get("HEADER_IMAGE_PC"))
    obs.image = first_image(
        header.get("imagePathList"), header.get("mainImages"), header.get("imgList"), global_data.get("image")
    )
    desc = as_dict(result.get("DESC"))
    obs.description_digest = description_version(desc.get("pcDescUrl"), desc.get("msiteDescUrl"))
    tag_info = as_dict(global_data.get("productTagInfo"))
    if tag_info.get("choiceProduct") is True or tag_info.get("mergeChoice") is True:
        obs.labels.append("Choice")


def _mtop_skus(price: dict, sku_block: dict) -> list[Sku]:
    """Per-SKU prices from PRICE.skuIdStrPriceInfoMap, ids, stock and salability from SKU.skuPaths, option
    names from SKU.skuProperties. The SKUs are listed in skuPaths order, then any priced SKU it lacks."""
    paths = {sku_id(p): p for p in sku_block.get("skuPaths") or [] if isinstance(p, dict) and sku_id(p)}
    price_map = {
        str(key).strip(): as_dict(info)
        for key, info in as_dict(price.get("skuIdStrPriceInfoMap") or price.get("skuPriceInfoMap")).items()
    }
    if not price_map and isinstance(price.get("targetSkuPriceInfo"), dict):
        selected = sku_id(price, "selectedSkuIdStr", "selectedSkuId") or sku_id(
            sku_block, "selectedSkuIdStr", "selectedSkuId"
        )
        price_map = {selected: price["targetSkuPriceInfo"]}
    table = property_table(sku_block.get("skuProperties") or sku_block.get("productSKUPropertyList"))
    skus = []
    for key in [*paths, *(k for k in price_map if k not in paths)]:
        info = price_map.get(key, {})
        path = paths.get(key, {})
        if not info and not path:
            continue
        current, currency = _mtop_sale_price(info)
        original, original_currency = amount(info.get("originalPrice"))
        salable = path.get("salable")
        skus.append(
            Sku(
                price=current,
                original=original,
                stock=int_or_none(path.get("skuStock")),
                currency=currency or original_currency,
                salable=salable if isinstance(salable, bool) else None,
                id=key,
                name=sku_name(path.get("skuAttr") or path.get("path"), table),
                listed=original if original is not None else current,  # no "was" price: it costs what it costs
            )
        )
    return skus


def _mtop_sale_price(info: dict) -> tuple:
    """The sale price: a numeric `salePrice.value` when present, else `salePriceLocal` "Rp343,297|343297|"
    (display|whole units|fraction), else the display string."""
    current, currency = amount(info.get("salePrice"))
    if current is not None:
        return current, currency
    local = str(info.get("salePriceLocal") or "")
    parts = local.split("|")
    if len(parts) >= 2 and parts[1].isdigit():
        fraction = parts[2] if len(parts) > 2 and parts[2].isdigit() else ""
        return money(f"{parts[1]}.{fraction}" if fraction else parts[1]), ""
    if info.get("salePriceString"):
        return amount({"formatedAmount": info["salePriceString"]})
    return None, ""
