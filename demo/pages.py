"""The demo shop's documents, in the real formats Dropwatch reads: AliExpress item pages (2023 "components"
runParams), the AliExpress feedback JSON, Shopify's /products/<handle>.js and .json, and schema.org JSON-LD
product pages. All data comes from demo.scenario; nothing is copied from real pages."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from html import escape

from .scenario import DEMO_RATES, SUPPLIER_BY_KEY, DemoProduct, State, product_id, reviews

BLOCK_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Captcha Interception</title></head>
<body><div id="nocaptcha"><div id="nc_1_wrapper"><span>Please slide to verify</span></div></div>
<script>var punish = "/item/_____tmd_____/punish?x5secdata=demo";</script></body></html>"""

NOT_FOUND_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Page not found</title></head>
<body><h1>Sorry, this product is no longer available.</h1></body></html>"""


def _money(value: Decimal) -> dict:
    return {"value": float(value), "currency": "USD", "formatedAmount": f"US ${value:.2f}"}


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def aliexpress_item(product: DemoProduct, st: State) -> str:
    supplier = SUPPLIER_BY_KEY[product.supplier]
    h = st.histogram
    data = {
        "productInfoComponent": {"idStr": product_id(product), "subject": st.title or product.title},
        "priceComponent": {"skuPriceList": _sku_list(product, st)},
        "skuComponent": {"productSKUPropertyList": _sku_properties(product)},
        "currencyComponent": {"currencyCode": "USD"},
        "inventoryComponent": {"totalAvailQuantity": st.stock},
        "feedbackComponent": {
            "averageStar": str(st.rating),
            "totalValidNum": st.review_count,
            "fiveStarNum": h[5],
            "fourStarNum": h[4],
            "threeStarNum": h[3],
            "twoStarNum": h[2],
            "oneStarNum": h[1],
        },
        "tradeComponent": {"formatTradeCount": str(st.orders)},
        "sellerComponent": {
            "storeNum": supplier.store_id,
            "storeName": supplier.name,
            "formatOpenTime": f"{supplier.opened_on:%b} {supplier.opened_on.day}, {supplier.opened_on.year}",
        },
        "storeFeedbackComponent": {"sellerPositiveRate": str(st.store_positive)},
        "webGeneralFreightCalculateComponent": {"originalLayoutResultList": [{"bizData": _freight(st)}]},
        "siteInfoComponent": {"language": "en"},
    }
    if st.stock == 0:
        data["soldOutComponent"] = {"soldOut": True}
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{escape(st.title or product.title)} - AliExpress</title>"
        f'</head><body><div id="root"></div><script>\nwindow.runParams = {{\n  data: {_json(data)}\n}};\n'
        "window.runParams.is23 = true;\n</script></body></html>"
    )


COLOUR_PROPERTY, COLOUR_VALUE_BASE = 14, 200001


def _sku_list(product: DemoProduct, st: State) -> list[dict]:
    if not product.variants:
        sku = {"skuActivityAmount": _money(st.price), "skuAmount": _money(st.original_price), "availQuantity": st.stock}
        return [{"skuVal": sku, "salable": st.stock > 0}]
    rows = []
    for i, (sku_id, colour, _factor) in enumerate(product.variants):
        price, stock = st.variant_prices[sku_id], st.variant_stock[sku_id]
        rows.append(
            {
                "skuIdStr": sku_id,
                "skuAttr": f"{COLOUR_PROPERTY}:{COLOUR_VALUE_BASE + i}#{colour}",
                "skuVal": {
                    "skuActivityAmount": _money(price),
                    "skuAmount": _money((price * Decimal("1.6")).quantize(Decimal("0.01"))),
                    "availQuantity": stock,
                },
                "salable": stock > 0,
            }
        )
    return rows


def _sku_properties(product: DemoProduct) -> list[dict]:
    if not product.variants:
        return []
    values = [
        {"propertyValueId": COLOUR_VALUE_BASE + i, "propertyValueDisplayName": colour}
        for i, (_sku, colour, _f) in enumerate(product.variants)
    ]
    return [{"skuPropertyId": COLOUR_PROPERTY, "skuPropertyName": "Color", "skuPropertyValues": values}]


def _freight(st: State) -> dict:
    option = {"deliveryOptionCode": "CAINIAO_STANDARD"}
    if st.shipping_fee is not None:
        option.update(
            company="AliExpress Standard Shipping",
            shipToCode="US",
            deliveryDayMin=8,
            deliveryDayMax=15,
            displayCurrency="USD",
        )
        if st.shipping_fee == 0:
            option["shippingFee"] = "free"
        else:
            option["displayAmount"] = float(st.shipping_fee)
    return option


def ecb_rates_xml(day: date) -> str:
    """The demo's rate table in the ECB's eurofxref-daily.xml format (made-up numbers)."""
    cubes = "".join(f'<Cube currency="{code}" rate="{rate}"/>' for code, rate in DEMO_RATES.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?><gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><gesmes:subject>Reference rates</gesmes:subject>'
        f'<Cube><Cube time="{day.isoformat()}">{cubes}</Cube></Cube></gesmes:Envelope>'
    )


def aliexpress_store(supplier_key: str) -> str:
    supplier = SUPPLIER_BY_KEY[supplier_key]
    return (
        f"<!DOCTYPE html><html><head><title>{escape(supplier.name)} - Small Orders Online Store on AliExpress"
        "</title></head><body>"
        f"<script>window._store_config_ = {_json({'storeId': supplier.store_id, 'storeName': supplier.name})};"
        '</script><div id="store-root"></div></body></html>'
    )


def aliexpress_feedback(product: DemoProduct, st: State, today: date, page: int, page_size: int) -> str:
    h = st.histogram
    everything = reviews(product, st, today, count=40)
    chunk = everything[(page - 1) * page_size : page * page_size]
    return _json(
        {
            "data": {
                "productEvaluationStatistic": {
                    "evarageStar": float(st.rating),
                    "totalNum": st.review_count,
                    "fiveStarNum": h[5],
                    "fourStarNum": h[4],
                    "threeStarNum": h[3],
                    "twoStarNum": h[2],
                    "oneStarNum": h[1],
                },
                "evaViewList": [
                    {
                        "evaluationIdStr": r["id"],
                        "buyerEval": r["stars"] * 20,
                        "buyerFeedback": r["text"],
                        "buyerTranslationFeedback": "",
                        "evalDate": f"{r['date']:%d %b %Y}",
                        "buyerCountry": r["country"],
                    }
                    for r in chunk
                ],
                "totalNum": st.review_count,
            }
        }
    )


def _handle_id(product: DemoProduct) -> int:
    return int(product_id(product)[-9:])


def shopify_js(product: DemoProduct, st: State) -> str:
    """Shopify's /products/<handle>.js: prices in cents, `available` per variant."""
    cents = int(st.price * 100)
    return _json(
        {
            "id": _handle_id(product),
            "title": st.title or product.title,
            "handle": product.key,
            "price": cents,
            "compare_at_price": None,
            "available": st.stock > 0,
            "variants": [
                {
                    "id": _handle_id(product) + 1,
                    "title": "Default Title",
                    "price": cents,
                    "compare_at_price": None,
                    "available": st.stock > 0,
                    "sku": product.key.upper(),
                }
            ],
        }
    )


def shopify_json(product: DemoProduct, st: State) -> str:
    """Shopify's /products/<handle>.json: decimal strings, no availability flag."""
    return _json(
        {
            "product": {
                "id": _handle_id(product),
                "title": st.title or product.title,
                "handle": product.key,
                "variants": [
                    {
                        "id": _handle_id(product) + 1,
                        "title": "Default Title",
                        "price": f"{st.price:.2f}",
                        "compare_at_price": None,
                        "sku": product.key.upper(),
                        "inventory_quantity": st.stock,
                    }
                ],
            }
        }
    )


def jsonld_page(product: DemoProduct, st: State, *, shopify: bool = False) -> str:
    supplier = SUPPLIER_BY_KEY[product.supplier]
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": st.title or product.title,
        "sku": product.key.upper(),
        "brand": {"@type": "Brand", "name": supplier.name},
        "offers": {
            "@type": "Offer",
            "price": f"{st.price:.2f}",
            "priceCurrency": "USD",
            "availability": "https://schema.org/" + ("InStock" if st.stock > 0 else "OutOfStock"),
        },
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": str(st.rating), "reviewCount": st.review_count},
    }
    shopify_js_config = (
        ('<script>window.Shopify = window.Shopify || {}; Shopify.currency = {"active":"USD","rate":"1.0"};</script>')
        if shopify
        else ""
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(st.title or product.title)} | '
        f'{escape(supplier.name)}</title><meta property="og:site_name" content="{escape(supplier.name)}">'
        f'{shopify_js_config}<script type="application/ld+json">{_json(data)}</script></head><body>'
        f'<main><h1>{escape(st.title or product.title)}</h1><p class="price">${st.price:.2f}</p>'
        f"<button>{'Add to cart' if st.stock > 0 else 'Sold out'}</button></main></body></html>"
    )
