"""The AliExpress adapter: every saved real page (read in place from ../shared/fixtures), our own small
synthetic pages for the edge cases, and the live `observe()` flow against a fake fetcher."""

import copy
import hashlib
import json
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from monitoring.fetch import FetchError
from monitoring.sources.aliexpress import AliExpressAdapter, locale_cookies, mtop_sign, parse_feedback, parse_store
from monitoring.sources.aliexpress.live import FEEDBACK_URL, MTOP_APP_KEY, MTOP_URL
from monitoring.sources.base import FetchContext, Page, ParseError, observe_page
from monitoring.statuses import CheckStatus

ADAPTER = AliExpressAdapter()
D = Decimal


def parse_fixture(shared_fixture, name):
    path = shared_fixture(f"aliexpress/{name}")
    return ADAPTER.parse(Page(url=f"https://www.aliexpress.com/saved/{name}", text=path.read_text(encoding="utf-8")))


# === the saved real pages (expected values: shared/fixtures/README.md) ==============================


def test_item_2022_modules_html(shared_fixture):
    obs = parse_fixture(shared_fixture, "item_2022_modules_3256803382674519.html")
    assert obs.status == CheckStatus.OK
    assert obs.product_id == "3256803382674519"
    assert obs.title == (
        "Unisex Glasses Windproof Outdoor Sport Eyewear Motocross Sunglasses Snowboard Goggles Ski Googles "
        "UV400 for Men Women"
    )
    assert obs.price == D("1.73")
    assert obs.price_max == D("4.05")
    assert obs.original_price == D("2.55")
    assert obs.currency == "USD"
    assert obs.stock_quantity == 14969
    assert obs.in_stock is True
    assert obs.orders_count == 12
    assert obs.rating == D("5.0")
    assert obs.review_count == 3
    assert obs.rating_histogram == {5: 3, 4: 0, 3: 0, 2: 0, 1: 0}
    assert obs.store.name == "Car Accessories Zone Store"
    assert obs.store.id == "1101366561"
    assert obs.store.url == "https://www.aliexpress.com/store/1101366561"
    assert obs.store.positive_feedback_pct == D("86.6")
    assert obs.store.followers == 1905
    assert obs.store.opened_on == date(2019, 12, 9)
    assert obs.store.rating_described is None


def test_runparams_2022_modules_json_uses_values_not_rounded_display_strings(shared_fixture):
    obs = parse_fixture(shared_fixture, "runparams_2022_modules_4000465717631.json")
    assert obs.status == CheckStatus.OK
    assert obs.price == D("143.9")  # the display string says "PKR 144"
    assert obs.price_max == D("1340.62")  # "PKR 1,341"
    assert obs.original_price == D("206.25")
    assert obs.currency == "PKR"
    assert obs.stock_quantity == 40763
    assert obs.in_stock is True
    assert obs.orders_count == 1248
    assert obs.rating == D("4.5")
    assert obs.review_count == 476
    assert obs.rating_histogram == {5: 352, 4: 68, 3: 18, 2: 8, 1: 30}
    assert obs.store.name == "car unique Store"
    assert obs.store.id == "2986026"
    assert obs.store.positive_feedback_pct == D("90.9")
    assert obs.store.followers == 4514
    assert obs.store.opened_on == date(2017, 4, 14)


def test_runparams_2022_hierarchy_json(shared_fixture):
    obs = parse_fixture(shared_fixture, "runparams_2022_hierarchy_3256803246120444.json")
    assert obs.status == CheckStatus.OK
    assert obs.title.startswith("6 Pcs/set Fashion Watch Men Luxury Gifts Set")
    assert obs.price == D("13.36")
    assert obs.price_max == D("24.62")
    assert obs.original_price == D("20.55")
    assert obs.currency == "USD"
    assert obs.stock_quantity == 43144
    assert obs.in_stock is True
    assert obs.orders_count == 3
    assert obs.rating is None  # absent from this layout
    assert obs.review_count is None
    assert obs.rating_histogram is None
    assert obs.store.name == "Joan Yu Store"
    assert obs.store.id == "1101222680"
    assert obs.store.positive_feedback_pct == D("92.9")
    assert obs.store.followers == 4476
    assert obs.store.opened_on == date(2016, 9, 9)


def test_runparams_2023_components_mexico(shared_fixture):
    obs = parse_fixture(shared_fixture, "runparams_2023_components_1005005424987520.js")
    assert obs.status == CheckStatus.OK
    assert obs.product_id == "1005005424987520"
    assert obs.title.startswith("Baofeng Walkie Talkie UV 5R 5W 8W doble banda")
    assert obs.price == D("155.59")
    assert obs.price_max == D("399.15")
    assert obs.original_price == D("893.04")
    assert obs.currency == "MXN"
    assert obs.stock_quantity == 3434
    assert obs.in_stock is True
    assert obs.orders_count == 10000  # "10.000+"
    assert obs.rating == D("4.8")
    assert obs.review_count == 4899
    assert obs.rating_histogram == {5: 4404, 4: 271, 3: 55, 2: 25, 1: 144}
    assert obs.store.name == "Factory Direct Collected Store"
    assert obs.store.id == "5379102"
    assert obs.store.positive_feedback_pct == D("94.9")
    assert obs.store.opened_on == date(2019, 9, 28)  # "sep 28, 2019"
    assert obs.store.followers is None  # absent
    assert obs.ships_to_buyer is True


def test_runparams_2023_components_single_sku(shared_fixture):
    obs = parse_fixture(shared_fixture, "runparams_2023_components_1005006427599086.js")
    assert obs.status == CheckStatus.OK
    assert obs.price == D("8.52")
    assert obs.price_max is None  # one SKU: no range
    assert obs.original_price == D("235.35")
    assert obs.currency == "MXN"
    assert obs.stock_quantity == 11157
    assert obs.in_stock is True
    assert obs.orders_count == 10000
    assert obs.rating == D("4.4")
    assert obs.review_count == 2385
    assert obs.rating_histogram == {5: 1704, 4: 295, 3: 180, 2: 85, 1: 121}
    assert obs.store.id == "1102565101"
    assert obs.store.positive_feedback_pct == D("82.1")
    assert obs.store.opened_on == date(2022, 12, 30)  # "dic 30, 2022"
    assert obs.labels == ["Choice"]


def test_item_2025_rendered_polish_dom(shared_fixture):
    obs = parse_fixture(shared_fixture, "item_2025_rendered_pl_1005006722922099.html")
    assert obs.status == CheckStatus.OK
    assert obs.product_id == "1005006722922099"
    assert obs.title == (
        "Nowa wersja Pagoda pro Pagoda 5.8GHz dookólna antena 9.4DBi o wysokim wzmocnieniu dla odbiornika "
        "RC FPV Fatshark HD3 Skyzone Goggles"
    )
    assert obs.price == D("1542")  # JSON-LD "1542."
    assert obs.price_max is None
    assert obs.original_price is None
    assert obs.currency == "PKR"
    assert obs.in_stock is True
    assert obs.stock_quantity == 8
    assert obs.rating == D("5.0")
    assert obs.review_count == 9
    assert obs.rating_histogram is None
    assert obs.orders_count == 60
    assert obs.store.name == "Creapart RC Store"
    assert obs.store.id == "5361180"
    assert obs.store.positive_feedback_pct == D("98.4")
    assert obs.store.followers == 897
    assert obs.store.opened_on is None
    assert [r.stars for r in obs.reviews] == [5, 5, 5]
    assert [r.date for r in obs.reviews] == [date(2025, 3, 3), date(2025, 4, 3), date(2025, 5, 2)]
    assert all(r.text and r.id.startswith("dom-") for r in obs.reviews)
    assert len({r.id for r in obs.reviews}) == 3


def test_item_2025_not_found_takes_nothing_from_recommendations(shared_fixture):
    obs = parse_fixture(shared_fixture, "item_2025_not_found_de_1005008204179129.html")
    assert obs.status == CheckStatus.NOT_FOUND
    assert obs.product_id == "1005008204179129"
    assert obs.price is None
    assert obs.price_max is None
    assert obs.original_price is None
    assert obs.rating is None
    assert obs.review_count is None
    assert obs.orders_count is None
    assert obs.store is None
    assert obs.title == ""
    assert obs.reviews == []


def test_mtop_pdp_2026(shared_fixture):
    obs = parse_fixture(shared_fixture, "mtop_pdp_2026_1005012410104961.json")
    assert obs.status == CheckStatus.OK
    assert obs.product_id == "1005012410104961"
    assert obs.title.startswith("1 Buah Sisir Pelurus Rambut Portabel 2600mAh")
    assert obs.price == D("343297")
    assert obs.price_max == D("344721")  # the other SKU
    assert obs.original_price == D("746269")
    assert obs.currency == "IDR"
    assert obs.stock_quantity == 1005
    assert obs.in_stock is True
    assert obs.rating == D("4.5")
    assert obs.review_count == 4
    assert obs.orders_count == 39
    assert obs.store.name == "Shop1103920178 Store"
    assert obs.store.id == "1103920178"
    assert obs.store.positive_feedback_pct == D("90.5")
    assert obs.store.opened_on == date(2024, 6, 30)
    assert obs.store.followers == 31
    assert obs.ships_to_buyer is False


def test_store_page_shell(shared_fixture):
    path = shared_fixture("aliexpress/store_page_2024_4682001.html")
    page = Page(url="https://www.aliexpress.com/store/4682001", text=path.read_text(encoding="utf-8"))
    for obs in (parse_store(page), ADAPTER.parse(page)):
        assert obs.status == CheckStatus.OK
        assert obs.store.name == "FAN MODEL WORD Store"
        assert obs.store.id == "4682001"
        assert obs.store.url == "https://www.aliexpress.com/store/4682001"
        assert obs.store.positive_feedback_pct is None
        assert obs.store.followers is None
        assert obs.store.opened_on is None
        assert (obs.price, obs.rating, obs.review_count, obs.orders_count, obs.stock_quantity) == (None,) * 5
        assert obs.title == ""


def test_feedback_json(shared_fixture):
    text = shared_fixture("aliexpress/feedback_2026_1005006717259012.json").read_text(encoding="utf-8")
    reviews, histogram, average, total, positive = parse_feedback(text)
    assert average == D("4.9")
    assert total == 248
    assert histogram == {5: 228, 4: 13, 3: 4, 2: 1, 1: 2}
    assert positive == D("97.2")
    assert len(reviews) == 60
    assert Counter(r.stars for r in reviews) == {5: 51, 4: 4, 3: 1, 2: 2, 1: 2}
    first = reviews[0]
    assert (first.country, first.stars, first.date) == ("RU", 5, date(2025, 11, 22))
    assert first.id == "50197810292797653"
    assert first.text.startswith("Отличный шуруповерт")
    assert first.translated_text.startswith("Excellent screwdriver")
    # The saved scrape overlaps pages: 7 reviews appear twice, with the same id (storage dedupes by id).
    assert len({r.id for r in reviews}) == 53


def test_feedback_json_through_parse(shared_fixture):
    obs = parse_fixture(shared_fixture, "feedback_2026_1005006717259012.json")
    assert (obs.rating, obs.review_count) == (D("4.9"), 248)
    assert obs.rating_histogram == {5: 228, 4: 13, 3: 4, 2: 1, 1: 2}
    assert len(obs.reviews) == 60


@pytest.mark.parametrize(
    "name",
    [
        "item_2022_modules_3256803382674519.html",
        "runparams_2022_modules_4000465717631.json",
        "runparams_2022_hierarchy_3256803246120444.json",
        "runparams_2023_components_1005005424987520.js",
        "runparams_2023_components_1005006427599086.js",
        "item_2025_rendered_pl_1005006722922099.html",
        "item_2025_not_found_de_1005008204179129.html",
        "mtop_pdp_2026_1005012410104961.json",
        "store_page_2024_4682001.html",
        "feedback_2026_1005006717259012.json",
        "ds_product_get_2025_1005009017968975.json",
    ],
)
def test_every_saved_page_is_sniffed_and_round_trips_as_json(shared_fixture, name):
    text = shared_fixture(f"aliexpress/{name}").read_text(encoding="utf-8")
    assert ADAPTER.sniff(text)
    obs = ADAPTER.parse(Page(url="file://" + name, text=text))
    assert obs.platform == "aliexpress"
    assert obs.to_json() == type(obs).from_json(obs.to_json()).to_json()


# === synthetic pages in the same formats (our own data) =============================================


def _amount(value, currency="EUR"):
    return {"currency": currency, "formatedAmount": f"€{value}", "value": value}


def _components(**overrides):
    """A small 2023 'components' runParams.data of our own."""
    data = {
        "productInfoComponent": {"idStr": "1005000000000001", "subject": "Test lamp"},
        "priceComponent": {
            "skuPriceList": [
                {
                    "skuIdStr": "1",
                    "salable": True,
                    "skuVal": {
                        "availQuantity": 4,
                        "skuActivityAmount": _amount(9.99),
                        "skuAmount": _amount(19.99),
                    },
                },
                {
                    "skuIdStr": "2",
                    "salable": True,
                    "skuVal": {
                        "availQuantity": 6,
                        "skuActivityAmount": _amount(12.5),
                        "skuAmount": _amount(25),
                    },
                },
            ]
        },
        "inventoryComponent": {"totalAvailQuantity": 10},
        "feedbackComponent": {
            "evarageStar": "4.6",
            "totalValidNum": 100,
            "fiveStarNum": 80,
            "fourStarNum": 10,
            "threeStarNum": 5,
            "twoStarNum": 2,
            "oneStarNum": 3,
        },
        "tradeComponent": {"formatTradeCount": "1.000+", "tradeCountUnit": "vendidos"},
        "sellerComponent": {"storeNum": 42, "storeName": "Lamp Store", "formatOpenTime": "5. März 2021"},
        "storeFeedbackComponent": {"sellerPositiveRate": "97.5"},
        "gagaComponent": {"gagaDataSite": "de"},
        "currencyComponent": {"currencyCode": "EUR"},
        "itemStatusComponent": {"status": 0},
    }
    data.update(overrides)
    return data


def _run_params_page(data, *, extra_js="window.runParams.is23 = true;"):
    return (
        "<html><head><title>x - AliExpress</title></head><body><script>\n"
        f"window.runParams = {{\n  data: {json.dumps(data)},\n  csrfToken: 'abc',\n}};\n{extra_js}\n"
        "</script><img src='https://ae01.alicdn.com/x.png'></body></html>"
    )


def _parse(text, url="https://www.aliexpress.com/item/1005000000000001.html"):
    return ADAPTER.parse(Page(url=url, text=text))


def test_synthetic_components_page():
    obs = _parse(_run_params_page(_components()))
    assert obs.status == CheckStatus.OK
    assert (obs.price, obs.price_max, obs.original_price, obs.currency) == (D("9.99"), D("12.5"), D("19.99"), "EUR")
    assert (obs.stock_quantity, obs.in_stock) == (10, True)
    assert obs.orders_count == 1000
    assert obs.rating_histogram == {5: 80, 4: 10, 3: 5, 2: 2, 1: 3}
    assert obs.store.opened_on == date(2021, 3, 5)
    assert obs.store.id == "42"
    assert obs.labels == []


def test_components_sold_out_flag_and_zero_stock():
    data = _components(inventoryComponent={"totalAvailQuantity": 0})
    for sku in data["priceComponent"]["skuPriceList"]:
        sku["skuVal"]["availQuantity"] = 0
        sku["salable"] = False
    obs = _parse(_run_params_page(data))
    assert (obs.in_stock, obs.stock_quantity) == (False, 0)
    assert obs.price == D("9.99")  # a sold-out listing still shows its price

    flagged = _components(productTagComponent={"soldOut": True, "choiceProduct": True})
    obs = _parse(_run_params_page(flagged))
    assert obs.in_stock is False  # the explicit flag wins over a stale quantity
    assert obs.labels == ["Choice"]


def test_single_sku_without_promotion_has_no_range_and_no_original():
    data = _components()
    data["priceComponent"]["skuPriceList"] = [
        {"skuIdStr": "1", "skuVal": {"availQuantity": 3, "skuAmount": _amount(5.5)}}
    ]
    data.pop("inventoryComponent")
    obs = _parse(_run_params_page(data))
    assert (obs.price, obs.price_max, obs.original_price) == (D("5.5"), None, None)
    assert obs.stock_quantity == 3  # the SKU sum when the page gives no total


def test_missing_fields_are_none_never_zero():
    data = {"productInfoComponent": {"idStr": "1005000000000009", "subject": "Bare"}, "priceComponent": {}}
    obs = _parse(_run_params_page(data))
    assert obs.status == CheckStatus.OK
    assert obs.title == "Bare"
    for name in (
        "price",
        "price_max",
        "original_price",
        "in_stock",
        "stock_quantity",
        "rating",
        "review_count",
        "rating_histogram",
        "orders_count",
        "store",
        "ships_to_buyer",
    ):
        assert getattr(obs, name) is None, name


def test_zero_reviews_is_a_known_zero_count_with_no_rating():
    data = _components(
        feedbackComponent={
            "evarageStar": "0.0",
            "totalValidNum": 0,
            "fiveStarNum": 0,
            "fourStarNum": 0,
            "threeStarNum": 0,
            "twoStarNum": 0,
            "oneStarNum": 0,
        }
    )
    obs = _parse(_run_params_page(data))
    assert (obs.review_count, obs.rating) == (0, None)


def test_histogram_from_percentages_and_total_is_rounded():
    data = _components(
        feedbackComponent={
            "evarageStar": "4.5",
            "totalValidNum": 7,
            "fiveStarRate": "71",
            "fourStarRate": "14",
            "threeStarRate": "14",
            "twoStarRate": "0",
            "oneStarRate": "1",
        }
    )
    obs = _parse(_run_params_page(data))
    assert obs.rating_histogram == {5: 5, 4: 1, 3: 1, 2: 0, 1: 0}


def test_offline_item_status_is_not_found():
    obs = _parse(_run_params_page(_components(itemStatusComponent={"status": 2})))
    assert obs.status == CheckStatus.NOT_FOUND
    assert obs.price is None


def test_run_params_written_as_javascript_not_json():
    page = """<script>
    window.runParams = {
        data: {titleModule: {subject: 'It\\'s a "lamp"', tradeCount: 7,},
               priceModule: {minActivityAmount: {value: 3.5, currency: 'USD'}, maxActivityAmount: {value: 4,
                             currency: 'USD'}, minAmount: {value: 7, currency: 'USD'}},
               quantityModule: {totalAvailQuantity: 0},
               commonModule: {productIdStr: '4000000000001', choiceProduct: !0},
               storeModule: {storeNum: 9, storeName: 'JS Store', positiveRate: '95.0%', openTime: undefined},
        },
        csrfToken: 'x', // a comment
    };
    </script>aliexpress"""
    obs = _parse(page)
    assert obs.title == 'It\'s a "lamp"'
    assert (obs.price, obs.price_max, obs.original_price, obs.currency) == (D("3.5"), D("4"), D("7"), "USD")
    assert (obs.stock_quantity, obs.in_stock, obs.orders_count) == (0, False, 7)
    assert obs.store.name == "JS Store"
    assert obs.store.opened_on is None
    assert obs.labels == ["Choice"]


def test_hierarchy_with_empty_stock_flag():
    data = {
        "hierarchy": {"root": "root", "structure": {}},
        "data": {
            "titleBanner_1": {"id": 1, "type": "titleBanner", "fields": {"subject": "Watch"}},
            "price_2": {"type": "price", "fields": {"minAmount": _amount(10), "maxAmount": _amount(10)}},
            "infoWrap_3": {"type": "infoWrap", "fields": {"status": 0, "isEmptyStock": True}},
            "quantity_4": {"type": "quantity", "fields": {"totalAvailQuantity": 12}},
        },
        "global": {},
    }
    obs = _parse(json.dumps({"data": data}))
    assert obs.title == "Watch"
    assert (obs.price, obs.price_max, obs.original_price) == (D("10"), None, None)
    assert obs.in_stock is False


def _mtop(**overrides):
    result = {
        "PRODUCT_TITLE": {"text": "Synthetic kettle"},
        "GLOBAL_DATA": {
            "globalData": {
                "productId": "1005000000000077",
                "currencyCode": "EUR",
                "localStr": "de_DE",
                "itemStatus": 0,
                "productInfo": {"hasStock": True},
            }
        },
        "PRICE": {
            "skuIdStrPriceInfoMap": {
                "11": {"salePrice": _amount(20.0), "originalPrice": _amount(30.0)},
                "12": {"salePriceLocal": "€21,50|21|50", "originalPrice": _amount(31.0)},
            }
        },
        "SKU": {
            "skuPaths": [
                {"skuIdStr": "11", "skuStock": 2, "salable": True},
                {"skuIdStr": "12", "skuStock": 3, "salable": True},
            ]
        },
        "QUANTITY_PC": {"totalAvailableInventory": 5},
        "PC_RATING": {"rating": "4.0", "totalValidNum": 10, "otherText": "1.234 verkauft"},
        "SHOP_CARD_PC": {
            "storeName": "Kettle Shop",
            "sellerPositiveRate": "88.8",
            "sellerInfo": {"storeNum": 77, "formatOpenTime": "1. Okt. 2023"},
        },
        "WISHLIST": {"storeWishedCount": 1200},
        "SHIPPING": {
            "deliveryLayoutInfo": [{"bizData": {"deliveryOptionCode": "CAINIAO_STANDARD", "shipToCode": "DE"}}]
        },
    }
    result.update(overrides)
    return {"api": "mtop.aliexpress.pdp.pc.query", "ret": ["SUCCESS::ok"], "data": {"result": result}}


def test_synthetic_mtop_json_and_jsonp():
    for text in (json.dumps(_mtop()), "mtopjsonp3(" + json.dumps(_mtop()) + ")"):
        obs = _parse(text)
        assert obs.title == "Synthetic kettle"
        assert (obs.price, obs.price_max, obs.original_price, obs.currency) == (D("20"), D("21.50"), D("30"), "EUR")
        assert (obs.stock_quantity, obs.in_stock, obs.orders_count) == (5, True, 1234)
        assert obs.store.opened_on == date(2023, 10, 1)
        assert obs.store.followers == 1200
        assert obs.ships_to_buyer is True


def test_mtop_explicit_no_stock_and_offline():
    no_stock = _mtop()
    no_stock["data"]["result"]["GLOBAL_DATA"]["globalData"]["productInfo"]["hasStock"] = False
    assert _parse(json.dumps(no_stock)).in_stock is False
    offline = _mtop()
    offline["data"]["result"]["GLOBAL_DATA"]["globalData"]["itemStatus"] = 1
    assert _parse(json.dumps(offline)).status == CheckStatus.NOT_FOUND


def test_mtop_error_answer_is_a_parse_error():
    with pytest.raises(ParseError, match="FAIL_SYS_TOKEN_EMPTY"):
        _parse(json.dumps({"api": "mtop.aliexpress.pdp.pc.query", "ret": ["FAIL_SYS_TOKEN_EMPTY::令牌为空"]}))


RENDERED = """<!DOCTYPE html><html lang="fr"><head>
<meta property="og:url" content="https://fr.aliexpress.com/item/1005000000000555.html">
<script type="application/ld+json">[{"@context":"https://schema.org/","@type":"Product",
 "name":"Lampe de test - AliExpress 44","offers":{"@type":"Offer","availability":"https://schema.org/OutOfStock",
 "priceCurrency":"EUR","price":"12.30"},"aggregateRating":{"ratingValue":"4.2","reviewCount":"17"}}]</script>
</head><body><div id="root">
<div data-pl="product-reviewer"><span class="reviewer--sold--x">1\u202f234 vendus</span></div>
<a data-pl="store-name" href="//fr.aliexpress.com/store/808">Lampes Store</a>
<div class="store-info--desc--x"><strong>91,5%</strong><span> avis positifs</span> | <strong>2\u202f001</strong></div>
<div id="nav-review"><div class="list--itemBox--a"><div class="stars--box--b">
 <span class="comet-icon comet-icon-starreviewfilled"></span><span class="comet-icon comet-icon-starreviewfilled"></span>
 </div><div class="list--itemReview--c">Bof.</div><div class="list--itemInfo--d"><span>A***e | 7 juil. 2024</span></div>
</div></div>
<div id="nav-moretolove"><h2>Vous aimerez aussi</h2>
 <a href="//fr.aliexpress.com/item/1005009999999999.html"><span class="price">0,99€</span><span>4.9</span>
 <span>10 000+ vendus</span><a href="//fr.aliexpress.com/store/999">Other Store</a></a></div>
</div></body></html>"""


def test_rendered_page_reads_only_the_product_not_the_recommendation_cards():
    obs = _parse(RENDERED, url="https://fr.aliexpress.com/item/1005000000000555.html")
    assert obs.title == "Lampe de test"
    assert (obs.price, obs.currency, obs.in_stock) == (D("12.30"), "EUR", False)
    assert (obs.rating, obs.review_count, obs.orders_count) == (D("4.2"), 17, 1234)
    assert (obs.store.id, obs.store.name, obs.store.positive_feedback_pct, obs.store.followers) == (
        "808",
        "Lampes Store",
        D("91.5"),
        2001,
    )
    assert [(r.stars, r.date, r.text) for r in obs.reviews] == [(2, date(2024, 7, 7), "Bof.")]


NOT_FOUND = """<html><head><meta property="og:url" content="//de.aliexpress.com/item/1005000000000666.html">
</head><body><script>window.runParams = {
 };</script><div id="root"><div class="not-found--wrap--x"><div class="not-found--desc--y">Sorry, the page
you requested can not be found</div></div>
<div id="nav-moretolove"><h2>You may also like</h2><a href="//de.aliexpress.com/item/1.html">Teekanne 4,19€
 <span>4.8</span><span>3.000+ verkauft</span></a></div>
<script type="application/ld+json">{"@type":"Product","name":"Teekanne","offers":{"price":"4.19"}}</script>
</div></body></html>"""


def test_not_found_page_never_reports_recommendation_data():
    obs = _parse(NOT_FOUND, url="https://de.aliexpress.com/item/1005000000000666.html")
    assert obs.status == CheckStatus.NOT_FOUND
    assert (obs.price, obs.rating, obs.orders_count, obs.store, obs.title) == (None, None, None, None, "")
    assert obs.product_id == "1005000000000666"


def test_i18n_not_found_strings_on_a_normal_page_are_not_a_not_found():
    data = _components()
    page = _run_params_page(data).replace(
        "</body>",
        '<script>x = {"PAGE_NOT_FOUND_RCMD_TITLE":"Sorry, the page you requested can not be found:("}</script></body>',
    )
    assert _parse(page).status == CheckStatus.OK


def test_captcha_page_is_blocked_by_the_fetcher_and_unparseable_on_its_own():
    punish = (
        "<html><head><title>Captcha Interception</title></head><body><script src='https://g.alicdn.com/"
        "/_____tmd_____/punish?x5secdata=abc'></script><div id='nc_1_wrapper'></div> aliexpress</body></html>"
    )
    with pytest.raises(ParseError, match="No AliExpress product data"):
        _parse(punish)
    blocked = observe_page(ADAPTER, Page(url="u", text=punish, blocked_reason="AliExpress captcha"))
    assert blocked.status == CheckStatus.BLOCKED
    assert blocked.price is None


def test_client_rendered_shell_without_data_is_a_clear_parse_error():
    shell = "<html><body><script>window.runParams = {\n };</script>aliexpress alicdn.com</body></html>"
    with pytest.raises(ParseError, match="runParams is empty"):
        _parse(shell)
    unknown = _run_params_page({"somethingNew": {"a": 1}})
    with pytest.raises(ParseError, match=r"none of the known layouts.*somethingNew"):
        _parse(unknown)
    with pytest.raises(ParseError, match="empty"):
        _parse("   ")


def test_sniff():
    assert ADAPTER.sniff(_run_params_page(_components()))
    assert ADAPTER.sniff(json.dumps(_mtop()))
    assert ADAPTER.sniff(RENDERED)
    assert ADAPTER.sniff(NOT_FOUND)
    assert not ADAPTER.sniff("<html><body>A Shopify store selling lamps</body></html>")
    assert not ADAPTER.sniff('{"products": [{"title": "x", "variants": []}]}')
    # a dropshipping shop elsewhere that shows AliExpress images and names AliExpress is not AliExpress
    shop = (
        '<html><head><link rel="canonical" href="https://lamps.example/products/lamp"></head><body>'
        '<img src="https://ae01.alicdn.com/kf/x.jpg"> Ships from our AliExpress partner.</body></html>'
    )
    assert not ADAPTER.sniff(shop)


def test_synthetic_store_page():
    page = Page(
        url="https://www.aliexpress.com/store/31337",
        text="<html><head><title>Lamp &amp; Light Store - Amazing products with exclusive discounts on "
        "AliExpress</title></head><body></body></html>",
    )
    obs = parse_store(page)
    assert (obs.store.id, obs.store.name) == ("31337", "Lamp & Light Store")
    with pytest.raises(ParseError):
        parse_store(Page(url="https://www.aliexpress.com/p/x.html", text="<html></html>"))


def test_feedback_data_envelope_and_bad_documents():
    document = {
        "data": {
            "totalNum": 3,
            "productEvaluationStatistic": {
                "evarageStar": 4.0,
                "fiveStarNum": 2,
                "fourStarNum": 0,
                "threeStarNum": 0,
                "twoStarNum": 0,
                "oneStarNum": 1,
                "positiveRate": 66.7,
            },
            "evaViewList": [
                {
                    "evaluationIdStr": "a1",
                    "buyerEval": 100,
                    "evalDate": "02 MAJ 2025",
                    "buyerCountry": "pl",
                    "buyerFeedback": "Super",
                    "buyerTranslationFeedback": "Great",
                },
                {"evaluationId": 77, "buyerEval": 20, "evalDate": "1 Feb 2025", "buyerCountry": "Poland"},
                {"buyerEval": 60},  # no id: skipped
            ],
        }
    }
    reviews, histogram, average, total, positive = parse_feedback(json.dumps(document), "pl")
    assert [(r.id, r.stars, r.date, r.country) for r in reviews] == [
        ("a1", 5, date(2025, 5, 2), "PL"),
        ("77", 1, date(2025, 2, 1), ""),
    ]
    assert (histogram, average, total, positive) == ({5: 2, 4: 0, 3: 0, 2: 0, 1: 1}, D("4.0"), 3, D("66.7"))
    with pytest.raises(ParseError):
        parse_feedback('{"something": "else"}')


# === observe(): the live check against a fake fetcher =================================================


class FakeFetcher:
    """Answers by URL prefix; records every request. A route may return a Page or raise."""

    def __init__(self, routes):
        self.routes = routes
        self.calls = []

    def get(self, url, *, params=None, headers=None, cookies=None):
        self.calls.append(
            {"method": "GET", "url": url, "params": params or {}, "cookies": cookies or {}, "headers": headers or {}}
        )
        for prefix, answer in self.routes.items():
            if url.startswith(prefix):
                return answer(url, params or {}, cookies or {})
        raise AssertionError(f"unexpected request {url}")

    def post(self, url, *, data=None, json=None, headers=None):  # pragma: no cover - not used here
        raise AssertionError("no POST expected")

    def urls(self):
        return [c["url"] for c in self.calls]


CTX = FetchContext(currency="EUR", ship_to="DE", language="de_DE")
ITEM_URL = "https://de.aliexpress.com/item/1005000000000001.html"


def _reviews_page(page_number, count, start=0):
    items = [
        {
            "evaluationIdStr": f"p{page_number}-{i}",
            "buyerEval": 100 if i % 3 else 40,
            "evalDate": f"{1 + (start + i) % 28:02d} Jan 2025",
            "buyerCountry": "DE",
            "buyerFeedback": f"review {start + i}",
        }
        for i in range(count)
    ]
    stats = {
        "evarageStar": 4.1,
        "fiveStarNum": 30,
        "fourStarNum": 5,
        "threeStarNum": 2,
        "twoStarNum": 1,
        "oneStarNum": 2,
        "positiveRate": 90.0,
    }
    return Page(
        url=FEEDBACK_URL,
        text=json.dumps({"data": {"totalNum": 40, "productEvaluationStatistic": stats, "evaViewList": items}}),
    )


def _reviews_route(url, params, cookies):
    number = int(params["page"])
    return _reviews_page(number, 20 if number == 1 else 5, start=20 * (number - 1))


def test_observe_item_page_then_bounded_reviews():
    html = _run_params_page(_components())
    fetcher = FakeFetcher({ITEM_URL: lambda u, p, c: Page(url=u, text=html), FEEDBACK_URL: _reviews_route})
    obs = ADAPTER.observe(ITEM_URL, fetcher, CTX)
    assert obs.status == CheckStatus.OK
    assert obs.price == D("9.99")
    assert obs.rating_histogram == {5: 80, 4: 10, 3: 5, 2: 2, 1: 3}  # the page's own, not the feed's
    assert len(obs.reviews) == 25
    assert obs.reviews[0].date >= obs.reviews[-1].date  # newest first
    assert fetcher.urls() == [ITEM_URL, FEEDBACK_URL, FEEDBACK_URL]
    item_call, first_reviews, _ = fetcher.calls
    assert item_call["cookies"]["aep_usuc_f"] == "site=glo&c_tp=EUR&region=DE&b_locale=de_DE"
    assert first_reviews["params"]["productId"] == "1005000000000001"
    assert first_reviews["params"]["pageSize"] == "20"
    assert (first_reviews["params"]["country"], first_reviews["params"]["lang"]) == ("DE", "de_DE")


def test_observe_stops_after_two_review_pages():
    fetcher = FakeFetcher(
        {
            ITEM_URL: lambda u, p, c: Page(url=u, text=_run_params_page(_components())),
            FEEDBACK_URL: lambda u, p, c: _reviews_page(int(p["page"]), 20, start=20 * int(p["page"])),
        }
    )
    obs = ADAPTER.observe(ITEM_URL, fetcher, CTX)
    assert fetcher.urls().count(FEEDBACK_URL) == 2
    assert len(obs.reviews) == 40


@pytest.mark.parametrize(
    "failure",
    [
        lambda u, p, c: (_ for _ in ()).throw(FetchError(CheckStatus.ERROR, "timed out")),
        lambda u, p, c: Page(url=u, text="<html>slide to verify</html>", blocked_reason="captcha"),
        lambda u, p, c: Page(url=u, text="oops", status_code=500),
        lambda u, p, c: Page(url=u, text="<html>not json</html>"),
    ],
)
def test_a_failing_reviews_fetch_does_not_fail_the_observation(failure):
    fetcher = FakeFetcher(
        {ITEM_URL: lambda u, p, c: Page(url=u, text=_run_params_page(_components())), FEEDBACK_URL: failure}
    )
    obs = ADAPTER.observe(ITEM_URL, fetcher, CTX)
    assert obs.status == CheckStatus.OK
    assert obs.price == D("9.99")
    assert obs.reviews == []
    assert fetcher.urls().count(FEEDBACK_URL) == 1


def test_observe_blocked_or_gone_item_page_fetches_nothing_else():
    for answer, status in (
        (Page(url=ITEM_URL, text="<title>Captcha Interception</title>", blocked_reason="captcha"), CheckStatus.BLOCKED),
        (Page(url=ITEM_URL, text="gone", status_code=404), CheckStatus.NOT_FOUND),
        (Page(url=ITEM_URL, text=NOT_FOUND), CheckStatus.NOT_FOUND),
    ):
        fetcher = FakeFetcher({ITEM_URL: lambda u, p, c, a=answer: a})
        assert ADAPTER.observe(ITEM_URL, fetcher, CTX).status == status
        assert fetcher.urls() == [ITEM_URL]


SHELL = "<html><body><script>window.runParams = {\n };</script>aliexpress</body></html>"


def _mtop_route(issued="abc123"):
    """The mtop gateway: refuses an unsigned call with a fresh token, then checks the signature."""

    def answer(url, params, cookies):
        token = cookies.get("_m_h5_tk", "").split("_")[0]
        if not token:
            return Page(
                url=url,
                text=json.dumps({"api": "mtop.aliexpress.pdp.pc.query", "ret": ["FAIL_SYS_TOKEN_EMPTY::令牌为空"]}),
                headers={"set-cookie": f"_m_h5_tk={issued}_1700000000000; Path=/, _m_h5_tk_enc=e0e0; Path=/"},
            )
        expected = hashlib.md5(
            f"{token}&{params['t']}&{MTOP_APP_KEY}&{params['data']}".encode(), usedforsecurity=False
        ).hexdigest()
        assert token == issued and params["sign"] == expected and cookies["_m_h5_tk_enc"] == "e0e0"
        assert json.loads(params["data"])["productId"] == "1005000000000001"
        document = _mtop()
        document["data"]["result"]["GLOBAL_DATA"]["globalData"]["productId"] = "1005000000000001"
        return Page(url=url, text=json.dumps(document))

    return answer


def test_observe_shell_page_falls_back_to_signed_mtop_and_fills_the_histogram_from_reviews():
    fetcher = FakeFetcher(
        {ITEM_URL: lambda u, p, c: Page(url=u, text=SHELL), MTOP_URL: _mtop_route(), FEEDBACK_URL: _reviews_route}
    )
    obs = ADAPTER.observe(ITEM_URL, fetcher, CTX)
    assert obs.status == CheckStatus.OK
    assert obs.title == "Synthetic kettle"
    assert obs.price == D("20")
    assert obs.url == ITEM_URL
    assert obs.rating_histogram == {5: 30, 4: 5, 3: 2, 2: 1, 1: 2}  # mtop has none: from the reviews feed
    assert obs.rating == D("4.0")  # the page's rating is kept
    assert fetcher.urls() == [ITEM_URL, MTOP_URL, MTOP_URL, FEEDBACK_URL, FEEDBACK_URL]
    mtop_call = fetcher.calls[2]
    assert mtop_call["params"]["api"] == "mtop.aliexpress.pdp.pc.query"
    assert mtop_call["params"]["appKey"] == MTOP_APP_KEY


def test_observe_shell_with_blocked_mtop_is_blocked_not_unparseable():
    blocked = Page(url=MTOP_URL, text='{"ret":["RGV587_ERROR::SM"]}', blocked_reason="AliExpress's API refused us")
    fetcher = FakeFetcher({ITEM_URL: lambda u, p, c: Page(url=u, text=SHELL), MTOP_URL: lambda u, p, c: blocked})
    obs = ADAPTER.observe(ITEM_URL, fetcher, CTX)
    assert obs.status == CheckStatus.BLOCKED
    assert FEEDBACK_URL not in fetcher.urls()


def test_observe_shell_when_mtop_is_unreachable_reports_the_pages_own_failure():
    def down(url, params, cookies):
        raise FetchError(CheckStatus.ERROR, "connection refused")

    fetcher = FakeFetcher({ITEM_URL: lambda u, p, c: Page(url=u, text=SHELL), MTOP_URL: down})
    obs = ADAPTER.observe(ITEM_URL, fetcher, CTX)
    assert obs.status == CheckStatus.UNPARSEABLE
    assert "runParams is empty" in obs.message


def test_observe_store_url_reads_the_store_only():
    store_url = "https://www.aliexpress.com/store/31337"
    page = Page(
        url=store_url, text="<title>Lamp Store - Amazing products with exclusive discounts on AliExpress</title>"
    )
    fetcher = FakeFetcher({store_url: lambda u, p, c: page})
    obs = ADAPTER.observe(store_url, fetcher, CTX)
    assert (obs.status, obs.store.id, obs.store.name) == (CheckStatus.OK, "31337", "Lamp Store")
    assert fetcher.urls() == [store_url]


def test_locale_cookie_and_mtop_signature_helpers():
    cookies = locale_cookies(FetchContext(currency="PLN", ship_to="PL", language="pl_PL"))
    assert cookies["aep_usuc_f"] == "site=glo&c_tp=PLN&region=PL&b_locale=pl_PL"
    # md5("tok&1700000000000&12574478&{}"), computed independently with coreutils md5sum
    assert mtop_sign("tok", "1700000000000", "12574478", "{}") == "88e869fe69f088323180ee5c037e14b9"


def test_parse_does_not_mutate_or_depend_on_shared_state():
    data = _components()
    before = copy.deepcopy(data)
    page = _run_params_page(data)
    first, second = _parse(page), _parse(page)
    assert first == second
    assert data == before


# === variants, shipping and the main image of the saved pages (expected: shared/fixtures/VARIANTS.md) ==


def _check_variants(obs, count, total_stock, expected, currency):
    assert len(obs.variants) == count
    assert len({v.id for v in obs.variants}) == count  # every SKU once, ids intact (above 2**53)
    assert sum(v.stock_quantity for v in obs.variants) == total_stock
    assert {v.currency for v in obs.variants} == {currency}
    for sku_id, (price, original, stock, in_stock, name) in expected.items():
        variant = obs.variant(sku_id)
        assert variant is not None, sku_id
        assert (variant.price, variant.original_price) == (D(price), D(original)), sku_id
        assert (variant.stock_quantity, variant.in_stock, variant.name) == (stock, in_stock, name), sku_id
    prices = [v.price for v in obs.variants]
    assert (min(prices), max(prices)) == (obs.price, obs.price_max or obs.price)  # the top level is unchanged


def _check_shipping(obs, to, fee, currency, days_min, days_max, method):
    shipping = obs.shipping
    assert shipping is not None
    assert (shipping.to, shipping.fee, shipping.currency) == (to, D(fee) if fee is not None else None, currency)
    assert (shipping.days_min, shipping.days_max, shipping.method) == (days_min, days_max, method)


def test_item_2022_modules_html_variants_and_shipping(shared_fixture):
    obs = parse_fixture(shared_fixture, "item_2022_modules_3256803382674519.html")
    expected = {
        "12000026321052619": ("1.73", "2.55", 999, True, "Ships From: Russian Federation; Color: 01"),
        "12000026321052618": ("4.05", "5.95", 992, True, "Ships From: China; Color: 01"),
        "12000026321052631": ("2.94", "4.32", 999, True, "Ships From: United States; Color: 03"),
        "12000026321052623": ("3.99", "5.87", 993, True, "Ships From: China; Color: 02"),
    }
    _check_variants(obs, 15, 14969, expected, "USD")
    # commonModule.userCountryCode is PK, but the freight is quoted to shipToCode US
    _check_shipping(obs, "US", "3.8", "USD", 44, 44, "Seller's Shipping Method - US")
    assert obs.image.startswith("https://ae01.alicdn.com/kf/H41ed3b2161e74a6db634cac28805912bg/")


def test_runparams_2022_modules_json_variants_and_shipping(shared_fixture):
    obs = parse_fixture(shared_fixture, "runparams_2022_modules_4000465717631.json")
    expected = {
        "10000001879753530": ("143.9", "206.25", 2091, True, "Ships From: China; Color: black-gray"),
        "10000001879753536": ("1340.62", "1916.2", 0, False, "Ships From: Australia; Color: black-gray"),
        "10000001879753532": ("1244.69", "1777.1", 1890, True, "Ships From: United States; Color: black-gray"),
        "10000001879753537": ("772.24", "1103.2", 1875, True, "Ships From: Poland; Color: black-gray"),
    }
    _check_variants(obs, 28, 40763, expected, "PKR")
    australia = [v for v in obs.variants if v.name.startswith("Ships From: Australia")]
    assert len(australia) == 4 and all(v.in_stock is False and v.stock_quantity == 0 for v in australia)
    # the fee's numeric fields are USD although the page shows "PKR 281"; the first of 5 options
    _check_shipping(obs, "PK", "1.17", "USD", 60, 60, "Cainiao Super Economy Global")
    assert obs.image.startswith("https://ae01.alicdn.com/kf/H6dedc64683cc490490b99d554cda5f62w/")


def test_runparams_2022_hierarchy_variants_and_shipping(shared_fixture):
    obs = parse_fixture(shared_fixture, "runparams_2022_hierarchy_3256803246120444.json")
    expected = {
        "12000025763098430": ("13.36", "20.55", 1028, True, "Color: all Black; Ships From: Australia"),
        "12000025763098429": ("24.62", "37.88", 1023, True, "Color: all Black; Ships From: China"),
        # 14:350686 has no custom name: the display name "Brown"
        "12000025763098457": ("24.62", "37.88", 1024, True, "Color: Brown; Ships From: China"),
        "12000025763098466": ("13.36", "20.55", 1028, True, "Color: Black white; Ships From: United States"),
    }
    _check_variants(obs, 42, 43144, expected, "USD")
    china = [v for v in obs.variants if v.name.endswith("Ships From: China")]
    assert len(china) == 6 and {v.price for v in china} == {D("24.62")}
    _check_shipping(obs, "US", "3.73", "USD", 24, 24, "AliExpress Standard Shipping")
    assert obs.image.startswith("https://ae01.alicdn.com/kf/S6d877558b9cf4bb08f2b2e02e39addfa7/")


def test_runparams_2023_components_variants_and_shipping(shared_fixture):
    obs = parse_fixture(shared_fixture, "runparams_2023_components_1005005424987520.js")
    expected = {
        # availQuantity 124 (inventory says 587): availQuantity is the stock
        "12000034661999011": ("155.59", "893.04", 124, True, "Color: 5W radio; Enchufe estándar: American"),
        "12000034661999002": ("399.15", "1076.27", 0, False, "Color: 8W-mic; Enchufe estándar: American"),
        "12000034661999008": ("218.17", "1082.35", 214, True, "Color: 8W-mic; Enchufe estándar: Euro"),
        "12000034661774997": ("156.63", "895.99", 645, True, "Color: 5W radio; Enchufe estándar: Euro"),
    }
    _check_variants(obs, 16, 3434, expected, "MXN")
    # salable: true but 0 available is not in stock
    sold_out = {v.id for v in obs.variants if v.in_stock is False}
    assert sold_out == {"12000034661999002", "12000034661999003", "12000034661999006", "12000034661999007"}
    # free above MXN$170 (logisticsComposeThreshold), but the fee for the item is 51.98
    _check_shipping(obs, "MX", "51.98", "MXN", 12, 14, "AliExpress Selection Standard")
    assert obs.image.startswith("https://ae01.alicdn.com/kf/S3196a7bf669f44a4ae2e69dff56b626dx/")


def test_runparams_2023_components_single_sku_variant_and_shipping(shared_fixture):
    obs = parse_fixture(shared_fixture, "runparams_2023_components_1005006427599086.js")
    # the base currency is CNY here; the variant's amounts are MXN
    _check_variants(obs, 1, 11157, {"12000037130188733": ("8.52", "235.35", 11157, True, "Color: White")}, "MXN")
    _check_shipping(obs, "MX", "51.98", "MXN", 12, 14, "AliExpress Selection Standard")


def test_mtop_pdp_2026_variants_and_unreachable_shipping(shared_fixture):
    obs = parse_fixture(shared_fixture, "mtop_pdp_2026_1005012410104961.json")
    expected = {
        "12000058476050807": ("343297", "746269.0", 10, True, "Warna: WHITE"),
        "12000058476050808": ("344721", "749387", 995, True, "Warna: Abu-abu"),
    }
    _check_variants(obs, 2, 1005, expected, "IDR")
    # SHIPPING has only bizData.unreachable with shipToCode ID: the destination is known, nothing else
    _check_shipping(obs, "ID", None, "", None, None, "")
    assert obs.ships_to_buyer is False
    assert obs.to_json()["shipping"] == {
        "to": "ID",
        "fee": None,
        "currency": None,
        "days_min": None,
        "days_max": None,
        "method": None,
    }
    assert obs.image == "https://ae-pic-a1.aliexpress-media.com/kf/S9e0501832f6b49698d4502e004a3a390a.jpeg"


def test_rendered_page_has_no_readable_variants_and_no_shipping(shared_fixture):
    obs = parse_fixture(shared_fixture, "item_2025_rendered_pl_1005006722922099.html")
    assert obs.variants == []  # two option tiles, but no SKU id, per-SKU price or stock
    assert obs.shipping is None  # "Darmowa dostawa powyżej PKR2,840" and a date range: no fee or days
    assert obs.image == "https://ae01.alicdn.com/kf/S6b49d67c7ff243599740e41d7ef657eeG.jpg"


@pytest.mark.parametrize(
    "name",
    [
        "item_2025_not_found_de_1005008204179129.html",
        "store_page_2024_4682001.html",
        "feedback_2026_1005006717259012.json",
    ],
)
def test_pages_without_skus_have_no_variants_and_no_shipping(shared_fixture, name):
    obs = parse_fixture(shared_fixture, name)
    assert (obs.variants, obs.shipping) == ([], None)
    data = obs.to_json()
    assert (data["variants"], data["shipping"]) == ([], None)


def test_variants_and_shipping_round_trip_through_json(shared_fixture):
    from monitoring.observation import Observation

    obs = parse_fixture(shared_fixture, "runparams_2023_components_1005005424987520.js")
    data = json.loads(json.dumps(obs.to_json()))
    variant = next(v for v in data["variants"] if v["id"] == "12000034661999011")
    assert variant == {
        "id": "12000034661999011",
        "name": "Color: 5W radio; Enchufe estándar: American",
        "price": "155.59",
        "original_price": "893.04",
        "currency": "MXN",
        "in_stock": True,
        "stock_quantity": 124,
    }
    assert data["shipping"] == {
        "to": "MX",
        "fee": "51.98",
        "currency": "MXN",
        "days_min": 12,
        "days_max": 14,
        "method": "AliExpress Selection Standard",
    }
    again = Observation.from_json(data)
    assert again.variants == obs.variants and again.shipping == obs.shipping and again.image == obs.image


# === variants and shipping on our own pages: the edge cases ========================================


def _option(**biz):
    """One delivery option of a freight block (originalLayoutResultList / deliveryLayoutInfo entry)."""
    return {"bizData": biz}


_LAMP_PROPERTIES = [
    {
        "skuPropertyId": 14,
        "skuPropertyName": "Colour",
        "skuPropertyValues": [
            {"propertyValueId": 193, "propertyValueDisplayName": "Black", "propertyValueName": "Black"},
            {"propertyValueId": 29, "propertyValueDisplayName": "White", "propertyValueName": "White"},
        ],
    },
    {
        "skuPropertyId": 5,
        "skuPropertyName": "Plug",
        "skuPropertyValues": [
            {"propertyValueIdLong": 100, "propertyValueDisplayName": "EU", "propertyValueName": "EU"},
            {"propertyValueIdLong": 101, "propertyValueDisplayName": "UK", "propertyValueName": "UK"},
        ],
    },
]


def _lamp_skus():
    return [
        {
            "skuIdStr": "23000000000000001",  # above 2**53: stays exact as a string
            "skuId": 23000000000000001,
            "skuAttr": "14:193#Midnight;5:100",
            "salable": True,
            "skuVal": {"availQuantity": 4, "skuActivityAmount": _amount(9.99), "skuAmount": _amount(19.99)},
        },
        {
            "skuId": 23000000000000003,  # no skuIdStr: the integer, exactly
            "skuAttr": "14:29;5:101",
            "salable": True,  # salable, but none left: not in stock
            "skuVal": {"availQuantity": 0, "skuAmount": _amount(21)},
        },
        {
            "skuIdStr": "23000000000000005",
            "skuPropIds": "29,100",  # no skuAttr: the value ids in property order
            "salable": False,
            "skuVal": {"inventory": 7, "skuActivityAmount": _amount(11.5), "skuAmount": _amount(23)},
        },
    ]


def test_components_variants_names_zero_stock_and_unsalable():
    data = _components(
        priceComponent={"skuPriceList": _lamp_skus()},
        skuComponent={"productSKUPropertyList": _LAMP_PROPERTIES},
        inventoryComponent={"totalAvailQuantity": 11},
    )
    obs = _parse(_run_params_page(data))
    midnight, white_uk, white_eu = obs.variants
    assert (midnight.id, midnight.name) == ("23000000000000001", "Colour: Midnight; Plug: EU")  # the custom name
    assert (midnight.price, midnight.original_price, midnight.in_stock, midnight.stock_quantity) == (
        D("9.99"),
        D("19.99"),
        True,
        4,
    )
    assert (white_uk.id, white_uk.name) == ("23000000000000003", "Colour: White; Plug: UK")
    # no promotion: price = original = the listed price
    assert (white_uk.price, white_uk.original_price, white_uk.in_stock, white_uk.stock_quantity) == (
        D("21"),
        D("21"),
        False,
        0,
    )
    assert (white_eu.name, white_eu.in_stock, white_eu.stock_quantity) == ("Colour: White; Plug: EU", False, 7)
    assert {v.currency for v in obs.variants} == {"EUR"}
    # the top level stays the listing's
    assert (obs.price, obs.price_max, obs.stock_quantity, obs.in_stock) == (D("9.99"), D("21"), 11, True)


def test_variants_without_a_property_list_keep_ids_and_custom_names():
    data = _components(priceComponent={"skuPriceList": _lamp_skus()})  # no skuComponent at all
    obs = _parse(_run_params_page(data))
    assert [v.id for v in obs.variants] == ["23000000000000001", "23000000000000003", "23000000000000005"]
    # only the seller's custom name (after "#") is readable; bare value ids give no text
    assert [v.name for v in obs.variants] == ["Midnight", "", ""]
    assert obs.to_json()["variants"][1]["name"] is None


def test_skus_without_ids_are_not_variants():
    obs = _parse(_run_params_page(_components(priceComponent={"skuPriceList": [{"skuVal": {"availQuantity": 3}}]})))
    assert obs.variants == []


def test_components_paid_shipping_uses_the_display_amount_and_currency():
    freight = {
        "originalLayoutResultList": [
            _option(
                shipToCode="FR",
                company="Cainiao Standard",
                deliveryProviderName="Cainiao Standard For Special Goods",
                shippingFee="charge",
                displayAmount=2.49,
                displayCurrency="EUR",
                currency="USD",  # the base currency, not the fee's
                deliveryDayMin=8,
                deliveryDayMax=15,
            ),
            _option(shipToCode="FR", company="DHL", shippingFee="charge", displayAmount=30.1, displayCurrency="EUR"),
        ]
    }
    obs = _parse(_run_params_page(_components(webGeneralFreightCalculateComponent=freight)))
    assert (obs.shipping.to, obs.shipping.fee, obs.shipping.currency) == ("FR", D("2.49"), "EUR")
    assert (obs.shipping.days_min, obs.shipping.days_max, obs.shipping.method) == (8, 15, "Cainiao Standard")
    assert obs.ships_to_buyer is True


def test_free_shipping_is_a_fee_of_zero_in_the_page_currency():
    freight = {
        "originalLayoutResultList": [
            _option(shipToCode="DE", company="AliExpress Selection Standard", shippingFee="free", deliveryDayMax=9)
        ]
    }
    obs = _parse(_run_params_page(_components(webGeneralFreightCalculateComponent=freight)))
    assert (obs.shipping.fee, obs.shipping.currency, obs.shipping.days_min, obs.shipping.days_max) == (
        D(0),
        "EUR",
        None,
        9,
    )
    assert obs.to_json()["shipping"]["fee"] == "0"


def test_shipping_from_ut_params_when_the_display_fields_are_missing():
    ut = json.dumps({"fAmount": 1.99, "fCurrency": "GBP", "shipToCountry": "GB", "deliveryDayMin": 6})
    freight = {"originalLayoutResultList": [_option(deliveryOptionCode="CAINIAO_ECONOMY", utParams=ut)]}
    obs = _parse(_run_params_page(_components(webGeneralFreightCalculateComponent=freight)))
    assert (obs.shipping.to, obs.shipping.fee, obs.shipping.currency) == ("GB", D("1.99"), "GBP")
    assert (obs.shipping.days_min, obs.shipping.days_max, obs.shipping.method) == (6, None, "CAINIAO_ECONOMY")


def test_no_freight_block_is_no_shipping_never_free():
    obs = _parse(_run_params_page(_components()))
    assert obs.shipping is None
    assert obs.to_json()["shipping"] is None


def _modules(**overrides):
    data = {
        "titleModule": {"subject": "Old lamp"},
        "commonModule": {"productIdStr": "4000000000001", "currencyCode": "USD", "userCountryCode": "CA"},
        "skuModule": {
            "productSKUPropertyList": _LAMP_PROPERTIES,
            "skuPriceList": _lamp_skus()[:2],
        },
        "imageModule": {"imagePathList": ["//ae01.alicdn.com/kf/HTBlamp.jpg", "//ae01.alicdn.com/kf/HTB2.jpg"]},
    }
    data.update(overrides)
    return data


def test_old_modules_page_freight_calculate_info():
    shipping = {
        "freightCalculateInfo": {
            "freight": {
                "company": "ePacket",
                "currency": "USD",
                "freightAmount": {"currency": "USD", "formatedAmount": "US $1.50", "value": 1.5},
                "time": "15-30",
            }
        },
        "userCountryCode": "CA",
    }
    obs = _parse(_run_params_page(_modules(shippingModule=shipping), extra_js=""))
    assert [v.name for v in obs.variants] == ["Colour: Midnight; Plug: EU", "Colour: White; Plug: UK"]
    assert (obs.shipping.to, obs.shipping.fee, obs.shipping.currency) == ("CA", D("1.5"), "USD")
    assert (obs.shipping.days_min, obs.shipping.days_max, obs.shipping.method) == (15, 30, "ePacket")
    assert obs.image == "https://ae01.alicdn.com/kf/HTBlamp.jpg"  # protocol-relative made absolute


def test_modules_free_old_freight():
    shipping = {"freightCalculateInfo": {"freight": {"company": "China Post", "freightAmount": _amount(0, "USD")}}}
    obs = _parse(_run_params_page(_modules(shippingModule=shipping), extra_js=""))
    assert (obs.shipping.fee, obs.shipping.currency, obs.shipping.to) == (D(0), "USD", "CA")


def test_hierarchy_variants_shipping_and_image():
    data = {
        "hierarchy": {"root": ["sku_1"]},
        "data": {
            "titleBanner_1": {"type": "titleBanner", "fields": {"subject": "Hier lamp"}},
            "sku_2": {
                "type": "sku",
                "fields": {
                    "propertyList": _LAMP_PROPERTIES,
                    "skuList": [
                        {
                            "skuIdStr": "31",
                            "skuAttr": "14:29;5:100",
                            "skuStock": 3,
                            "skuVal": {"skuAmount": _amount(5, "USD")},
                        },
                        {
                            "skuId": "32",
                            "skuAttr": "14:193;5:101#UK 3-pin",
                            "skuVal": {"availQuantity": 0, "skuAmount": _amount(6, "USD")},
                        },
                    ],
                },
            },
            "shipping_3": {
                "type": "shipping",
                "fields": {
                    "tradeCurrency": "USD",
                    "generalFreightInfo": {
                        "originalLayoutResultList": [
                            _option(
                                shipToCode="US",
                                company="USPS",
                                shippingFee="charge",
                                displayAmount=0.99,
                                displayCurrency="USD",
                                deliveryTime="5-9",
                            )
                        ]
                    },
                },
            },
            "imageView_4": {"type": "imageView", "fields": {"imagePathList": ["https://ae01.alicdn.com/kf/h1.jpg"]}},
        },
    }
    obs = _parse(json.dumps({"data": data}))
    assert [(v.id, v.name, v.stock_quantity, v.in_stock) for v in obs.variants] == [
        ("31", "Colour: White; Plug: EU", 3, True),
        ("32", "Colour: Black; Plug: UK 3-pin", 0, False),
    ]
    assert (obs.shipping.fee, obs.shipping.days_min, obs.shipping.days_max) == (D("0.99"), 5, 9)
    assert obs.image == "https://ae01.alicdn.com/kf/h1.jpg"


def test_mtop_variants_names_and_free_shipping():
    sku = {
        "skuPaths": [
            {"skuIdStr": "11", "skuAttr": "14:193#Coal", "skuStock": 2, "salable": True},
            {"skuIdStr": "12", "skuAttr": "14:29", "skuStock": 3, "salable": False},
        ],
        "skuProperties": [
            {
                "skuPropertyId": 14,
                "skuPropertyName": "Farbe",
                "skuPropertyValues": [
                    {"propertyValueIdLong": 193, "propertyValueDisplayName": "Schwarz"},
                    {"propertyValueIdLong": 29, "propertyValueDisplayName": "Weiß"},
                ],
            }
        ],
    }
    shipping = {
        "deliveryLayoutInfo": [
            _option(shipToCode="DE", company="AliExpress Selection Standard", shippingFee="free", deliveryDayMin=5)
        ]
    }
    obs = _parse(json.dumps(_mtop(SKU=sku, SHIPPING=shipping)))
    coal, white = obs.variants
    assert (coal.id, coal.name, coal.price, coal.original_price, coal.in_stock) == (
        "11",
        "Farbe: Coal",
        D("20"),
        D("30"),
        True,
    )
    assert (white.id, white.name, white.price, white.in_stock, white.stock_quantity) == (
        "12",
        "Farbe: Weiß",
        D("21.50"),
        False,  # not salable, though 3 are counted
        3,
    )
    assert (obs.shipping.to, obs.shipping.fee, obs.shipping.currency, obs.shipping.days_min) == (
        "DE",
        D(0),
        "EUR",
        5,
    )
    assert obs.shipping.method == "AliExpress Selection Standard"


def test_mtop_selected_sku_only_price():
    price = {"selectedSkuIdStr": "77", "targetSkuPriceInfo": {"salePriceLocal": "€5,00|5|00"}}
    obs = _parse(json.dumps(_mtop(PRICE=price, SKU={})))
    assert [(v.id, v.price, v.original_price) for v in obs.variants] == [("77", D("5.00"), D("5.00"))]
    assert obs.original_price is None  # no "was" price at the top level


def test_for_variant_picks_one_sku_and_unknown_ids_give_none():
    data = _components(
        priceComponent={"skuPriceList": _lamp_skus()},
        skuComponent={"productSKUPropertyList": _LAMP_PROPERTIES},
    )
    obs = _parse(_run_params_page(data))
    chosen = obs.for_variant("23000000000000003")
    assert (chosen.price, chosen.price_max, chosen.original_price, chosen.currency) == (D("21"), None, D("21"), "EUR")
    assert (chosen.in_stock, chosen.stock_quantity) == (False, 0)
    assert chosen.variants == obs.variants and chosen.title == obs.title
    assert (obs.price, obs.price_max) == (D("9.99"), D("21"))  # the original is untouched
    assert obs.for_variant("404") is None and obs.variant("404") is None
    assert obs.for_variant(" 23000000000000001 ").price == D("9.99")
