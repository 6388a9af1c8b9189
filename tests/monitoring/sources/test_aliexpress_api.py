"""The AliExpress Open Platform client (`aliexpress.ds.product.get`): the saved real answer, the signature
against vectors computed independently with `openssl dgst -sha256 -hmac`, and the client end to end against
a real HTTP server on 127.0.0.1 that checks the signature the way the gateway does."""

import hashlib
import hmac
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from monitoring.fetch import Fetcher
from monitoring.sources.aliexpress import AliExpressAdapter
from monitoring.sources.aliexpress.api import (
    FREIGHT_METHOD,
    METHOD,
    OpenPlatformClient,
    parse_ds_product,
    parse_freight_query,
    sign,
)
from monitoring.sources.base import FetchContext, Page, ParseError
from monitoring.statuses import CheckStatus

D = Decimal


# === the saved real answer ===========================================================================


def test_saved_ds_product_get_answer(shared_fixture):
    text = shared_fixture("aliexpress/ds_product_get_2025_1005009017968975.json").read_text(encoding="utf-8")
    obs = parse_ds_product(text)
    assert obs.status == CheckStatus.OK
    assert obs.platform == "aliexpress"
    assert obs.product_id == "1005009017968975"
    assert obs.rating == D("4.8")
    assert obs.review_count == 389
    assert obs.orders_count == 3000  # "3000+"
    assert obs.price == D("21.32")  # lowest offer_sale_price
    assert obs.price_max == D("36.19")
    assert obs.original_price == D("43.52")  # lowest sku_price
    assert obs.currency == "BRL"  # the SKUs' currency, not the base info's CNY
    assert obs.stock_quantity == 726  # the sum over 20 SKUs
    assert obs.in_stock is True
    assert obs.store.name == "Shop1103832399 Store"
    assert obs.store.id == "1103832399"
    assert obs.store.url == "https://www.aliexpress.com/store/1103832399"
    assert obs.store.rating_described == D("4.6")
    assert obs.store.rating_communication == D("4.6")
    assert obs.store.rating_shipping == D("4.6")
    assert obs.store.positive_feedback_pct is None
    assert obs.store.followers is None
    assert obs.rating_histogram is None
    # the generic adapter recognises the same document (for `inspect FILE`)
    assert AliExpressAdapter().parse(Page(url="f", text=text)).price == D("21.32")


# === our own answers in the same format ==============================================================


def ds_answer(product_id="1005000000000042", status="onSelling", skus=None):
    skus = (
        skus
        if skus is not None
        else [
            {
                "sku_id": "1",
                "offer_sale_price": "9.90",
                "sku_price": "19.80",
                "sku_available_stock": 3,
                "currency_code": "EUR",
            },
            {
                "sku_id": "2",
                "offer_sale_price": "12.00",
                "sku_price": "24.00",
                "sku_available_stock": 0,
                "currency_code": "EUR",
            },
        ]
    )
    return {
        "aliexpress_ds_product_get_response": {
            "rsp_code": 200,
            "rsp_msg": "Call succeeds",
            "result": {
                "ae_item_base_info_dto": {
                    "product_id": int(product_id),
                    "subject": "Test kettle",
                    "product_status_type": status,
                    "avg_evaluation_rating": "4.5",
                    "evaluation_count": "12",
                    "sales_count": "1,5K",
                    "currency_code": "CNY",
                },
                "ae_item_sku_info_dtos": {"ae_item_sku_info_d_t_o": skus},
                "ae_store_info": {
                    "store_id": 77,
                    "store_name": "Kettle Shop",
                    "item_as_described_rating": "4.9",
                    "communication_rating": "4.7",
                    "shipping_speed_rating": "4.1",
                },
            },
        }
    }


def test_synthetic_answer():
    obs = parse_ds_product(json.dumps(ds_answer()))
    assert (obs.title, obs.price, obs.price_max, obs.original_price, obs.currency) == (
        "Test kettle",
        D("9.90"),
        D("12.00"),
        D("19.80"),
        "EUR",
    )
    assert (obs.stock_quantity, obs.in_stock, obs.orders_count) == (3, True, 1500)
    assert (obs.store.rating_described, obs.store.rating_communication, obs.store.rating_shipping) == (
        D("4.9"),
        D("4.7"),
        D("4.1"),
    )
    assert obs.ships_to_buyer is None  # no logistics block in this answer


def test_offline_product_is_not_found():
    obs = parse_ds_product(json.dumps(ds_answer(status="offline")))
    assert obs.status == CheckStatus.NOT_FOUND
    assert "offline" in obs.message
    assert obs.price is None


def test_all_skus_sold_out_and_no_reviews():
    answer = ds_answer(skus=[{"offer_sale_price": "5", "sku_price": "5", "sku_available_stock": 0}])
    answer["aliexpress_ds_product_get_response"]["result"]["ae_item_base_info_dto"]["evaluation_count"] = "0"
    obs = parse_ds_product(json.dumps(answer))
    assert (obs.in_stock, obs.stock_quantity, obs.review_count, obs.rating) == (False, 0, 0, None)
    assert obs.price_max is None


@pytest.mark.parametrize(
    ("document", "status", "words"),
    [
        (
            {
                "error_response": {
                    "code": "IncompleteSignature",
                    "msg": "The request signature does not conform to platform standards",
                    "request_id": "0ba2887315178178017221014",
                }
            },
            CheckStatus.ERROR,
            "IncompleteSignature: The request signature does not conform",
        ),
        (
            {
                "type": "ISV",
                "code": "IllegalAccessToken",
                "message": "The specified access token is invalid or expired",
                "request_id": "2101",
            },
            CheckStatus.ERROR,
            "IllegalAccessToken: The specified access token is invalid",
        ),
        (
            {"aliexpress_ds_product_get_response": {"rsp_code": 407, "rsp_msg": "The product does not exist"}},
            CheckStatus.NOT_FOUND,
            "does not exist",
        ),
    ],
)
def test_error_answers_carry_the_platform_message(document, status, words):
    obs = parse_ds_product(json.dumps(document))
    assert obs.status == status
    assert words in obs.message


def test_garbage_is_a_parse_error():
    with pytest.raises(ParseError):
        parse_ds_product("<html>gateway timeout</html>")
    with pytest.raises(ParseError):
        parse_ds_product('{"aliexpress_ds_product_get_response": {"rsp_code": 200}}')


# === the signature ===================================================================================

# printf '%s' 'access_tokentest-tokenapp_key123456formatjsonmethodaliexpress.ds.product.getproduct_id1005009017968975
#   ship_to_countryBRsign_methodsha256target_currencyBRLtarget_languagepttimestamp1700000000000'
#   | openssl dgst -sha256 -hmac helloworld
SYNC_VECTOR = "D997E53F6F0A516A58AB9A5CFE624A62D83AB2B3067AC746B432CCB89A4C01D3"
# printf '%s' '/auth/token/createapp_key123456codeabcsign_methodsha256timestamp1517820392000' | openssl ... helloworld
REST_VECTOR = "DB7357BB7F1362C85060A8777A39E53C639BD3AAF0FDE47BF2A2F029409E7C38"


def test_signature_for_the_sync_gateway_matches_an_independent_vector():
    params = {
        "app_key": "123456",
        "method": METHOD,
        "timestamp": "1700000000000",
        "sign_method": "sha256",
        "format": "json",
        "access_token": "test-token",
        "product_id": "1005009017968975",
        "ship_to_country": "BR",
        "target_currency": "BRL",
        "target_language": "pt",
    }
    assert sign("helloworld", params, METHOD) == SYNC_VECTOR
    assert sign("helloworld", {**params, "sign": "ignored"}, METHOD) == SYNC_VECTOR  # `sign` is never signed


def test_signature_for_a_rest_path_prefixes_the_path():
    params = {"app_key": "123456", "code": "abc", "sign_method": "sha256", "timestamp": "1517820392000"}
    assert sign("helloworld", params, "/auth/token/create") == REST_VECTOR


def test_client_builds_the_documented_request():
    client = OpenPlatformClient("123456", "helloworld", "test-token", clock=lambda: 1_700_000_000.0)
    params = client.product_params("1005009017968975", FetchContext(currency="BRL", ship_to="BR", language="pt_BR"))
    assert params["sign"] == SYNC_VECTOR
    assert (params["method"], params["sign_method"], params["timestamp"]) == (METHOD, "sha256", "1700000000000")
    assert (params["target_language"], params["target_currency"], params["ship_to_country"]) == ("pt", "BRL", "BR")


# === the client against a real local HTTP server ======================================================

APP_KEY, APP_SECRET, TOKEN = "500500", "s3cr3t-for-tests", "token-abc"


def freight_answer(*options, success=True):
    """An aliexpress.ds.freight.query answer in the documented shape (our own numbers)."""
    options = options or (
        {
            "code": "CAINIAO_STANDARD",
            "company": "AliExpress Standard Shipping",
            "shipping_fee_cent": "4.10",
            "shipping_fee_currency": "EUR",
            "free_shipping": False,
            "min_delivery_days": 9,
            "max_delivery_days": 16,
            "ship_from_country": "CN",
            "tracking": True,
        },
        {
            "code": "CAINIAO_ECONOMY",
            "company": "Cainiao Economy",
            "shipping_fee_cent": "1.05",
            "shipping_fee_currency": "EUR",
            "free_shipping": False,
            "min_delivery_days": 20,
            "max_delivery_days": 35,
        },
    )
    result = {"code": 200, "success": success, "msg": "Call succeeds"}
    if options and success:
        result["delivery_options"] = {"delivery_option_d_t_o": list(options)}
    return {"aliexpress_ds_freight_query_response": {"result": result, "request_id": "r1"}}


class GatewayHandler(BaseHTTPRequestHandler):
    """Checks the signature the way the gateway does; answers a product or an error_response."""

    received: list = []
    freight_answer: dict = {}

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        params = dict(parse_qsl(self.rfile.read(length).decode()))
        type(self).received.append(params)
        body = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
        expected = hmac.new(APP_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest().upper()
        if params.get("sign") != expected:
            answer = {
                "error_response": {
                    "code": "IncompleteSignature",
                    "msg": "The request signature does not conform to platform standards",
                    "request_id": "x1",
                }
            }
        elif params.get("access_token") != TOKEN:
            answer = {
                "error_response": {
                    "code": "IllegalAccessToken",
                    "msg": "The specified access token is invalid or expired",
                }
            }
        elif params.get("method") == FREIGHT_METHOD:
            answer = type(self).freight_answer
        else:
            answer = ds_answer(params["product_id"])
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def gateway():
    GatewayHandler.received = []
    GatewayHandler.freight_answer = freight_answer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), GatewayHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sync"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def fetcher():
    return Fetcher(allowed_hosts=["127.0.0.1"], max_retries=0, total_timeout=10)


CTX = FetchContext(currency="EUR", ship_to="DE", language="de_DE")


def test_client_against_a_local_gateway(gateway, fetcher):
    client = OpenPlatformClient(APP_KEY, APP_SECRET, TOKEN, url=gateway)
    obs = client.observe_product("1005000000000042", fetcher, CTX)
    assert obs.status == CheckStatus.OK, obs.message
    assert (obs.product_id, obs.price, obs.store.rating_shipping) == ("1005000000000042", D("9.90"), D("4.1"))
    sent = GatewayHandler.received[-1]
    assert (sent["method"], sent["app_key"], sent["sign_method"]) == (METHOD, APP_KEY, "sha256")
    assert (sent["ship_to_country"], sent["target_currency"], sent["target_language"]) == ("DE", "EUR", "de")


def test_client_with_a_wrong_secret_reports_the_platforms_message(gateway, fetcher):
    client = OpenPlatformClient(APP_KEY, "not-the-secret", TOKEN, url=gateway)
    obs = client.observe_product("1005000000000042", fetcher, CTX)
    assert obs.status == CheckStatus.ERROR
    assert "IncompleteSignature" in obs.message
    assert obs.price is None


def test_client_with_an_expired_token_reports_the_platforms_message(gateway, fetcher):
    client = OpenPlatformClient(APP_KEY, APP_SECRET, "expired", url=gateway)
    obs = client.observe_product("1005000000000042", fetcher, CTX)
    assert obs.status == CheckStatus.ERROR
    assert "IllegalAccessToken" in obs.message


def test_client_when_the_gateway_is_unreachable(fetcher):
    client = OpenPlatformClient(APP_KEY, APP_SECRET, TOKEN, url="http://127.0.0.1:9/sync")  # discard port: closed
    obs = client.observe_product("1005000000000042", fetcher, CTX)
    assert obs.status == CheckStatus.ERROR
    assert obs.message


def test_from_settings(settings):
    settings.ALIEXPRESS_APP_KEY = ""
    assert OpenPlatformClient.from_settings() is None
    settings.ALIEXPRESS_APP_KEY, settings.ALIEXPRESS_APP_SECRET = "k", "s"
    settings.ALIEXPRESS_ACCESS_TOKEN, settings.ALIEXPRESS_API_URL = "t", "https://api-sg.aliexpress.com/sync"
    client = OpenPlatformClient.from_settings()
    assert (client.app_key, client.app_secret, client.access_token, client.url) == (
        "k",
        "s",
        "t",
        "https://api-sg.aliexpress.com/sync",
    )


ITEM_PAGE = """<html><head><title>Kettle - AliExpress</title></head><body><script>
window.runParams = {data: %s};</script></body></html>"""


def _item_page(price="9.50"):
    data = {
        "productInfoComponent": {"idStr": "1005000000000042", "subject": "Test kettle"},
        "priceComponent": {
            "skuPriceList": [
                {"skuVal": {"skuActivityAmount": {"value": float(price), "currency": "EUR"}, "availQuantity": 5}}
            ]
        },
        "sellerComponent": {"storeNum": "77", "storeName": "Kettle Shop"},
        "storeFeedbackComponent": {"sellerPositiveRate": "96.5"},
    }
    return ITEM_PAGE % json.dumps(data)


@pytest.fixture
def item_shop():
    from tests.support.servers import LocalShop

    shop = LocalShop()
    yield shop
    shop.close()


@pytest.fixture
def configured(settings, gateway):
    settings.ALIEXPRESS_APP_KEY, settings.ALIEXPRESS_APP_SECRET = APP_KEY, APP_SECRET
    settings.ALIEXPRESS_ACCESS_TOKEN, settings.ALIEXPRESS_API_URL = TOKEN, gateway
    return settings


def test_a_live_check_adds_the_detailed_seller_ratings_from_the_api(configured, item_shop, fetcher):
    from monitoring.sources.aliexpress import AliExpressAdapter

    item_shop.page("/item/1005000000000042.html", _item_page("9.50"))
    obs = AliExpressAdapter().observe(item_shop.url("/item/1005000000000042.html"), fetcher, CTX)
    assert obs.status == CheckStatus.OK, obs.message
    assert obs.price == D("9.50")  # what the page shows buyers wins
    assert obs.store.positive_feedback_pct == D("96.5")  # only the page has it
    assert (obs.store.rating_described, obs.store.rating_communication, obs.store.rating_shipping) == (
        D("4.9"),
        D("4.7"),
        D("4.1"),
    )  # only the API has them
    assert obs.rating == D("4.5") and obs.review_count == 12  # filled from the API where the page had none
    assert GatewayHandler.received[0]["product_id"] == "1005000000000042"


def test_when_the_page_is_blocked_the_api_answer_stands_in(configured, item_shop, fetcher):
    from monitoring.sources.aliexpress import AliExpressAdapter

    item_shop.page(
        "/item/1005000000000042.html",
        "<html><head><title>Captcha Interception</title></head><body>slide to verify</body></html>",
    )
    obs = AliExpressAdapter().observe(item_shop.url("/item/1005000000000042.html"), fetcher, CTX)
    assert obs.status == CheckStatus.OK and obs.price == D("9.90") and obs.store.rating_shipping == D("4.1")


def test_without_an_app_key_the_api_is_not_asked(settings, gateway, item_shop, fetcher):
    from monitoring.sources.aliexpress import AliExpressAdapter

    settings.ALIEXPRESS_APP_KEY = ""
    item_shop.page("/item/1005000000000042.html", _item_page())
    obs = AliExpressAdapter().observe(item_shop.url("/item/1005000000000042.html"), fetcher, CTX)
    assert obs.status == CheckStatus.OK and obs.store.rating_described is None
    assert GatewayHandler.received == []


# === variants, shipping and the image (expected values: shared/fixtures/VARIANTS.md) ==================


def test_saved_answer_lists_every_sku_as_a_variant(shared_fixture):
    text = shared_fixture("aliexpress/ds_product_get_2025_1005009017968975.json").read_text(encoding="utf-8")
    obs = parse_ds_product(text)
    assert len(obs.variants) == 20
    assert len({v.id for v in obs.variants}) == 20
    assert sum(v.stock_quantity for v in obs.variants) == 726
    assert all(v.currency == "BRL" for v in obs.variants)  # not the base info's CNY
    expected = {
        # id: (price, original, stock, in stock, name)
        "12000047598442595": ("21.32", "43.52", 6, True, "cor: G; Tamanho: No Dolls"),  # the cheapest
        "12000047598442604": ("36.19", "73.86", 116, True, "cor: P; Tamanho: No Dolls"),  # the dearest
        "12000047598442603": ("25.20", "51.42", 1, True, "cor: O; Tamanho: No Dolls"),
        "12000047598442602": ("32.99", "67.33", 170, True, "cor: N; Tamanho: No Dolls"),
    }
    for sku_id, (price, original, stock, in_stock, name) in expected.items():
        variant = obs.variant(sku_id)
        assert variant is not None, sku_id
        assert (variant.price, variant.original_price) == (D(price), D(original))
        assert (variant.stock_quantity, variant.in_stock, variant.name) == (stock, in_stock, name)
    assert str(obs.variant("12000047598442603").price) == "25.20"  # the string as given
    # logistics_info_dto = {delivery_time: 7, ship_to_country: BR}: 7 is the seller's handling time
    assert obs.shipping is not None
    assert (obs.shipping.to, obs.shipping.fee, obs.shipping.currency) == ("BR", None, "")
    assert (obs.shipping.days_min, obs.shipping.days_max, obs.shipping.method) == (None, None, "")
    assert obs.to_json()["shipping"] == {
        "to": "BR",
        "fee": None,
        "currency": None,
        "days_min": None,
        "days_max": None,
        "method": None,
    }
    assert obs.image == "https://ae01.alicdn.com/kf/S515be5cd76a042c387df859523a1a777P.jpg"


def _sku(sku_id, sale, listed, stock, *props, currency="EUR", attr=None):
    sku = {
        "sku_id": sku_id,
        "sku_price": listed,
        "sku_available_stock": stock,
        "currency_code": currency,
        "ae_sku_property_dtos": {"ae_sku_property_d_t_o": list(props)},
    }
    if sale is not None:
        sku["offer_sale_price"] = sale
    if attr is not None:
        sku["sku_attr"] = attr
    return sku


def _prop(prop_id, name, value, custom=None):
    prop = {"sku_property_id": prop_id, "sku_property_name": name, "sku_property_value": value}
    if custom is not None:
        prop["property_value_definition_name"] = custom
    return prop


def test_synthetic_variants_names_stock_and_missing_properties():
    skus = [
        # the properties listed out of sku_attr order: the name follows sku_attr
        _sku(
            "900001",
            "7.50",
            "10.00",
            4,
            _prop(5, "Plug", "US"),
            _prop(14, "Colour", "Black", custom="Night black"),
            attr="14:193#Night black;5:100",
        ),
        _sku("900002", None, "11.00", 0, _prop(14, "Colour", "White")),  # no offer, sold out
        _sku("900003", "8.00", "12.00", 9),  # no property list at all
    ]
    obs = parse_ds_product(json.dumps(ds_answer(skus=skus)))
    first, sold_out, bare = obs.variants
    assert (first.id, first.name, first.price, first.original_price) == (
        "900001",
        "Colour: Night black; Plug: US",
        D("7.50"),
        D("10.00"),
    )
    assert (first.in_stock, first.stock_quantity, first.currency) == (True, 4, "EUR")
    assert (sold_out.name, sold_out.price, sold_out.original_price) == ("Colour: White", D("11.00"), D("11.00"))
    assert (sold_out.in_stock, sold_out.stock_quantity) == (False, 0)
    assert (bare.id, bare.name, bare.in_stock) == ("900003", "", True)
    assert obs.to_json()["variants"][2]["name"] is None
    # the top level stays the listing's: lowest price, range, total stock
    assert (obs.price, obs.price_max, obs.stock_quantity) == (D("7.50"), D("11.00"), 13)
    assert obs.shipping is None  # no logistics block
    assert obs.image == ""


def test_freight_query_answer():
    shipping = parse_freight_query(freight_answer(), ship_to="de")
    assert (shipping.to, shipping.fee, shipping.currency) == ("DE", D("4.10"), "EUR")  # "cent" is the amount
    assert (shipping.days_min, shipping.days_max, shipping.method) == (9, 16, "AliExpress Standard Shipping")
    free = parse_freight_query(
        json.dumps(
            freight_answer(
                {"code": "X", "free_shipping": True, "shipping_fee_currency": "EUR", "max_delivery_days": 12}
            )
        ),
        ship_to="DE",
    )
    assert (free.fee, free.currency, free.days_min, free.days_max, free.method) == (D(0), "EUR", None, 12, "X")
    unavailable = parse_freight_query(freight_answer(success=False), ship_to="DE")
    assert (unavailable.to, unavailable.fee) == ("DE", None)
    assert parse_freight_query("not json") is None
    assert parse_freight_query({"error_response": {"code": "x"}}) is None


def test_a_live_check_prices_the_delivery_with_a_freight_query(configured, item_shop, fetcher):
    from monitoring.sources.aliexpress import AliExpressAdapter

    item_shop.page("/item/1005000000000042.html", _item_page("9.50"))
    obs = AliExpressAdapter().observe(item_shop.url("/item/1005000000000042.html"), fetcher, CTX)
    assert obs.status == CheckStatus.OK, obs.message
    # the page lists no SKU ids: the variants come from the API answer
    assert [v.id for v in obs.variants] == ["1", "2"]
    assert (obs.shipping.to, obs.shipping.fee, obs.shipping.currency, obs.shipping.days_max) == (
        "DE",
        D("4.10"),
        "EUR",
        16,
    )
    freight = [p for p in GatewayHandler.received if p["method"] == FREIGHT_METHOD]
    assert len(freight) == 1
    request = json.loads(freight[0]["queryDeliveryReq"])
    # SKU "1" is the cheapest in stock (SKU "2" is sold out)
    assert (request["productId"], request["selectedSkuId"], request["shipToCountry"]) == ("1005000000000042", "1", "DE")
    assert request["currency"] == "EUR"


def test_a_failing_freight_query_keeps_the_check(configured, item_shop, fetcher):
    from monitoring.sources.aliexpress import AliExpressAdapter

    GatewayHandler.freight_answer = {"error_response": {"code": "isv.error", "msg": "no"}}
    item_shop.page("/item/1005000000000042.html", _item_page("9.50"))
    obs = AliExpressAdapter().observe(item_shop.url("/item/1005000000000042.html"), fetcher, CTX)
    assert obs.status == CheckStatus.OK and obs.price == D("9.50")
    assert obs.shipping is None
