"""The demo's suppliers and products, and how they drift over (compressed) time.

Everything here is made-up data in real formats. `state(product, minute)` says what a product's pages show
`minute` demo-minutes after the demo started (negative minutes are the seeded past, in days × 1440). The
drift script, one event per problem Dropwatch should catch:

  minute 1  "Fairy string lights" starts answering with a captcha page  → can't verify (never deterioration)
  minute 2  "LED desk lamp" price +30% past the user's margin           → price increase, margin too low
  minute 2  "Slim phone case" sells out                                 → out of stock
  minute 2  "Walkie talkie" gets a wave of 1–2★ "not as described" /
            "never arrived" reviews                                     → more 1–2★ reviews, complaint themes
  minute 2  "Ski goggles" gets a burst of 5★ reviews                    → brushing suspected
  minute 2–4 TrendyCase's positive feedback slides 97.8% → 95.1%        → store feedback drop
  minute 3  "Trail bottle" disappears from the Shopify shop             → listing removed
  minute 2  "USB desk fan": the black one the user sells +25%, the
            cheaper white one unchanged (sold in EUR from USD)          → price increase (of the variant)
  minute 2  "Phone stand": the black one sells out, silver and gold
            remain                                                      → out of stock (of the variant)
  minute 2  "Bike light" free shipping turns paid                      → shipping cost up
  minute 2  "Yoga mat" sells out; it has two backup suppliers (Casa
            Verde Home, Northwind)                                      → out of stock, "Switch to Casa Verde Home …"
  minute 2  "Wireless earbuds" listing turns into a phone case          → listing became another item
Everything else stays healthy, so the quiet majority is visible too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

STAR_SHARES = {5: Decimal("0.80"), 4: Decimal("0.10"), 3: Decimal("0.04"), 2: Decimal("0.02"), 1: Decimal("0.04")}
DAY = 1440  # demo minutes in a day of the seeded past


@dataclass(frozen=True)
class DemoSupplier:
    key: str
    name: str
    platform: str  # aliexpress | shopify | structured
    store_id: str = ""
    opened_on: date | None = None
    positive_pct: Decimal | None = None
    followers: int | None = None


@dataclass(frozen=True)
class DemoProduct:
    key: str
    supplier: str
    title: str
    price: Decimal
    my_price: Decimal
    shipping: Decimal = Decimal("1.50")
    reviews: int = 1200  # total reviews at the start
    reviews_per_day: int = 3
    stock: int = 800
    orders: int = 5000
    product_id: str = ""
    role: str = ""  # the drift event it plays, "" for the quiet majority
    # Several SKUs: (sku id, colour, price factor against `price`); the user sells `sold` (one of the ids).
    variants: tuple = ()
    sold: str = ""
    my_currency: str = "USD"
    free_shipping: bool = False  # the page states shipping to the user (free); else it states none
    backs_up: str = ""  # a backup source of the product with this key (checked daily, findings-free)
    swap_title: str = ""  # role "listing_swap": the title the listing turns to


SUPPLIERS = [
    DemoSupplier("glow", "GlowHome Lighting Store", "aliexpress", "910001", date(2018, 3, 12), Decimal("97.6"), 18450),
    DemoSupplier("trend", "TrendyCase Official Store", "aliexpress", "910002", date(2017, 9, 1), Decimal("97.8"), 9320),
    DemoSupplier("peak", "PeakSport Outdoor Store", "aliexpress", "910003", date(2019, 6, 20), Decimal("96.9"), 4410),
    DemoSupplier("northwind", "Northwind Outfitters", "shopify"),
    DemoSupplier("casa", "Casa Verde Home", "structured"),
]

_P = DemoProduct
PRODUCTS = [
    _P(
        "led-desk-lamp",
        "glow",
        "LED desk lamp, dimmable, USB-C",
        Decimal("8.90"),
        Decimal("16.90"),
        Decimal("2.50"),
        role="price_rise",
    ),
    _P(
        "string-lights",
        "glow",
        "Fairy string lights 10 m, warm white",
        Decimal("3.20"),
        Decimal("9.90"),
        role="blocked",
    ),
    _P("night-light", "glow", "Motion sensor night light (2 pack)", Decimal("4.10"), Decimal("11.90")),
    _P("ceiling-lamp", "glow", "Minimalist ceiling lamp 40 cm", Decimal("21.50"), Decimal("49.00"), Decimal("6.00")),
    _P("solar-lights", "glow", "Solar garden lights (6 pack)", Decimal("9.80"), Decimal("24.90")),
    _P("smart-bulb", "glow", "Smart bulb E27, app controlled", Decimal("5.60"), Decimal("14.90")),
    _P("phone-case", "trend", "Slim phone case, matte black", Decimal("1.90"), Decimal("12.90"), role="sell_out"),
    _P("screen-protector", "trend", "Tempered glass screen protector (3 pack)", Decimal("1.20"), Decimal("8.90")),
    _P("magsafe-wallet", "trend", "Magnetic card wallet", Decimal("2.80"), Decimal("14.90")),
    _P("car-mount", "trend", "Car phone mount, air vent", Decimal("3.40"), Decimal("13.90")),
    _P("charging-cable", "trend", "Braided USB-C cable 2 m", Decimal("1.60"), Decimal("9.90")),
    _P("ring-holder", "trend", "Phone ring holder", Decimal("0.90"), Decimal("6.90")),
    _P(
        "ski-goggles",
        "peak",
        "Ski goggles, anti-fog, UV400",
        Decimal("7.30"),
        Decimal("29.90"),
        reviews=900,
        reviews_per_day=2,
        role="burst",
    ),
    _P(
        "walkie-talkie",
        "peak",
        "Walkie talkie pair, 5 km range",
        Decimal("18.40"),
        Decimal("49.90"),
        Decimal("4.00"),
        reviews=2400,
        role="bad_reviews",
    ),
    _P(
        "usb-fan",
        "glow",
        "USB desk fan, 3 speeds",
        Decimal("6.20"),
        Decimal("14.90"),
        Decimal("0"),
        role="variant_rise",
        variants=(("12000031000001", "Black", Decimal("1")), ("12000031000002", "White", Decimal("0.75"))),
        sold="12000031000001",
        my_currency="EUR",
        free_shipping=True,
    ),
    _P(
        "phone-stand",
        "trend",
        "Aluminium phone stand",
        Decimal("3.80"),
        Decimal("11.90"),
        Decimal("0"),
        role="variant_sellout",
        variants=(
            ("12000032000001", "Silver", Decimal("1")),
            ("12000032000002", "Black", Decimal("1.05")),
            ("12000032000003", "Gold", Decimal("1.10")),
        ),
        sold="12000032000002",
        my_currency="EUR",
        free_shipping=True,
    ),
    _P(
        "bike-light",
        "peak",
        "USB bike light set",
        Decimal("5.60"),
        Decimal("17.90"),
        Decimal("0"),
        role="shipping_paid",
        my_currency="EUR",
        free_shipping=True,
    ),
    _P("hiking-poles", "peak", "Carbon hiking poles (pair)", Decimal("14.20"), Decimal("39.90"), Decimal("5.00")),
    _P("headlamp", "peak", "Rechargeable headlamp 1200 lm", Decimal("6.10"), Decimal("19.90")),
    _P("water-filter", "peak", "Portable water filter straw", Decimal("4.90"), Decimal("16.90")),
    _P("dry-bag", "peak", "Waterproof dry bag 20 l", Decimal("5.40"), Decimal("17.90")),
    _P(
        "trail-bottle",
        "northwind",
        "Trail water bottle 750 ml",
        Decimal("11.00"),
        Decimal("24.00"),
        Decimal("0"),
        role="removed",
    ),
    _P("merino-socks", "northwind", "Merino hiking socks", Decimal("9.50"), Decimal("22.00"), Decimal("0")),
    _P("camp-mug", "northwind", "Enamel camp mug", Decimal("7.00"), Decimal("18.00"), Decimal("0")),
    _P("rain-shell", "northwind", "Packable rain shell", Decimal("39.00"), Decimal("89.00"), Decimal("0")),
    _P("beanie", "northwind", "Wool beanie", Decimal("8.00"), Decimal("20.00"), Decimal("0")),
    _P("trail-cap", "northwind", "Trail running cap", Decimal("10.00"), Decimal("24.00"), Decimal("0")),
    _P("linen-cushion", "casa", "Linen cushion cover 45 × 45", Decimal("6.50"), Decimal("19.90"), Decimal("2.00")),
    _P("ceramic-vase", "casa", "Ceramic vase, matte white", Decimal("12.00"), Decimal("34.90"), Decimal("3.00")),
    _P("bamboo-tray", "casa", "Bamboo serving tray", Decimal("9.00"), Decimal("26.90"), Decimal("2.50")),
    _P("cotton-throw", "casa", "Cotton throw blanket", Decimal("15.00"), Decimal("44.90"), Decimal("4.00")),
    _P("plant-pot", "casa", "Self-watering plant pot", Decimal("5.50"), Decimal("16.90"), Decimal("2.00")),
    _P("candle-set", "casa", "Scented candle set (3)", Decimal("7.50"), Decimal("21.90"), Decimal("2.00")),
    # A product with two backup suppliers: the primary sells out, the finding recommends the best backup.
    _P("yoga-mat", "peak", "Non-slip yoga mat 6 mm", Decimal("8.00"), Decimal("24.90"), role="backed_sell_out"),
    _P(
        "yoga-mat-casa",
        "casa",
        "Yoga mat 6 mm, non-slip",
        Decimal("7.20"),
        Decimal("24.90"),
        Decimal("2.00"),
        backs_up="yoga-mat",
    ),
    _P(
        "yoga-mat-north",
        "northwind",
        "Non slip yoga mat",
        Decimal("12.00"),
        Decimal("24.90"),
        Decimal("0"),
        backs_up="yoga-mat",
    ),
    # Ship-and-switch at the listing: the same page now sells another item.
    _P(
        "wireless-earbuds",
        "trend",
        "Wireless earbuds Bluetooth 5.3, noise cancelling",
        Decimal("6.90"),
        Decimal("24.90"),
        role="listing_swap",
        swap_title="Silicone phone case for iPhone 15, shockproof cover",
    ),
]
SUPPLIER_BY_KEY = {s.key: s for s in SUPPLIERS}
PRODUCT_BY_KEY = {p.key: p for p in PRODUCTS}


def product_id(product: DemoProduct) -> str:
    """A stable AliExpress-like item id (16 digits) from the product key."""
    digest = int(hashlib.sha256(product.key.encode()).hexdigest(), 16)
    return f"100500{digest % 10**10:010d}"


@dataclass
class State:
    """What the shop shows for one product at one moment."""

    status: str = "ok"  # ok | blocked | gone
    price: Decimal = Decimal(0)
    original_price: Decimal | None = None
    stock: int = 0
    histogram: dict[int, int] = field(default_factory=dict)
    orders: int = 0
    store_positive: Decimal | None = None
    negative_wave: bool = False  # the newest reviews are the complaint wave
    variant_prices: dict[str, Decimal] = field(default_factory=dict)
    variant_stock: dict[str, int] = field(default_factory=dict)
    shipping_fee: Decimal | None = None  # to the user's country; None: the page states no shipping
    title: str = ""  # the listing's title as the page shows it

    @property
    def rating(self) -> Decimal:
        total = sum(self.histogram.values()) or 1
        average = Decimal(sum(s * n for s, n in self.histogram.items())) / total
        return average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def review_count(self) -> int:
        return sum(self.histogram.values())


def _histogram(total: int) -> dict[int, int]:
    # floor(share × total) per star: every star count only grows as the total grows
    return {star: int(share * total) for star, share in STAR_SHARES.items()}


def _noise(key: str, minute: float, spread: Decimal) -> Decimal:
    """A small deterministic wobble for the seeded past, so charts look alive but medians do not move."""
    digest = int(hashlib.sha256(f"{key}:{int(minute // 360)}".encode()).hexdigest()[:8], 16)
    return (Decimal(digest % 2001) / 1000 - 1) * spread  # -spread .. +spread


def state(product: DemoProduct, minute: float) -> State:
    supplier = SUPPLIER_BY_KEY[product.supplier]
    days = Decimal(str(minute)) / DAY
    total = max(10, int(product.reviews + product.reviews_per_day * days))
    s = State(
        price=product.price,
        original_price=(product.price * Decimal("1.6")).quantize(Decimal("0.01")),
        stock=max(0, product.stock - int(minute / 30)),
        histogram=_histogram(total),
        orders=max(0, int(product.orders + 12 * days)),
        store_positive=supplier.positive_pct,
        title=product.title,
    )
    if minute < 0:  # the seeded past: small price wobble
        s.price = (product.price * (1 + _noise(product.key, minute, Decimal("0.02")))).quantize(Decimal("0.01"))
    if product.free_shipping:
        s.shipping_fee = Decimal("2.90") if product.role == "shipping_paid" and minute >= 2 else Decimal(0)
    for sku, _colour, factor in product.variants:
        s.variant_prices[sku] = (s.price * factor).quantize(Decimal("0.01"))
        s.variant_stock[sku] = s.stock
    role = product.role
    if role == "variant_rise" and minute >= 2:
        s.variant_prices[product.sold] = (s.variant_prices[product.sold] * Decimal("1.25")).quantize(Decimal("0.01"))
    elif role == "variant_sellout" and minute >= 2:
        s.variant_stock[product.sold] = 0
    if s.variant_prices:  # the listing's top level: its lowest price, the total stock
        s.price = min(s.variant_prices.values())
        s.stock = sum(s.variant_stock.values())
    if role == "blocked" and minute >= 1:
        s.status = "blocked"
    elif role == "price_rise" and minute >= 2:
        s.price = (product.price * Decimal("1.30")).quantize(Decimal("0.01"))
    elif role in ("sell_out", "backed_sell_out") and minute >= 2:
        s.stock = 0
    elif role == "listing_swap" and minute >= 2:
        s.title = product.swap_title
    elif role == "removed" and minute >= 3:
        s.status = "gone"
    elif role == "bad_reviews" and minute >= 2:
        wave = {1: 28, 2: 14, 3: 4, 4: 4, 5: 10} if minute >= 3 else {1: 14, 2: 7, 3: 2, 4: 2, 5: 5}
        s.histogram = {star: s.histogram[star] + wave[star] for star in s.histogram}
        s.negative_wave = True
    elif role == "burst" and minute >= 2:
        s.histogram = {**s.histogram, 5: s.histogram[5] + (160 if minute >= 3 else 80)}
        s.orders += 40
    if supplier.key == "trend" and minute >= 2:
        s.store_positive = Decimal("96.9") if minute < 3 else (Decimal("95.8") if minute < 4 else Decimal("95.1"))
    return s


# The findings the drift script must produce (and only these): the demo test asserts them.
EXPECTED_FINDINGS = {
    ("led-desk-lamp", "price_increase"),
    ("led-desk-lamp", "margin_low"),
    ("phone-case", "out_of_stock"),
    ("walkie-talkie", "negative_review_shift"),
    ("walkie-talkie", "complaint_theme"),
    ("ski-goggles", "review_burst"),
    ("trail-bottle", "listing_removed"),
    ("string-lights", "unverifiable"),
    ("supplier:trend", "store_feedback_drop"),
    ("usb-fan", "price_increase"),
    ("phone-stand", "out_of_stock"),
    ("bike-light", "shipping_cost_up"),
    ("yoga-mat", "out_of_stock"),
    ("wireless-earbuds", "listing_changed"),
}

# The demo shop's exchange-rate table, in the ECB's format (made-up numbers: 1 EUR = … units).
DEMO_RATES = {"USD": Decimal("1.0800"), "GBP": Decimal("0.8600"), "PLN": Decimal("4.3000"), "MXN": Decimal("19.500")}


NORMAL_REVIEWS = [
    (5, "Exactly as in the pictures, works perfectly. Fast delivery."),
    (5, "Great value for the price, would order again."),
    (4, "Good quality, took about two weeks to arrive."),
    (5, "Packed well, seller answered my questions quickly."),
    (3, "Okay for the price. Smaller than I expected."),
    (5, "My customers love it."),
    (2, "Took a long time to arrive, but it is fine."),
    (4, "Nice, a bit thinner than I hoped."),
    (1, "Arrived late and the box was dented."),
    (5, "Second order, same good quality."),
]
WAVE_REVIEWS = [
    (1, "Not as described at all, the picture shows a different model."),
    (1, "Never arrived. Tracking number does not work."),
    (2, "Not as described, range is maybe 500 m, not 5 km."),
    (1, "Never received it, seller stopped answering."),
    (1, "Cheap copy, not as described."),
    (2, "Never arrived, opened a dispute."),
    (5, "Works fine for me."),
]
COUNTRIES = ["US", "FR", "DE", "PL", "ES", "BR", "GB", "NL", "IT", "CA"]


def reviews(product: DemoProduct, st: State, today: date, count: int = 20) -> list[dict]:
    """The newest reviews, newest first, as the feedback endpoint would list them."""
    pool = WAVE_REVIEWS if st.negative_wave else NORMAL_REVIEWS
    total = st.review_count
    items = []
    for i in range(count):
        stars, text = pool[(total - i) % len(pool)]
        day = today - timedelta(days=i // 3 + (0 if st.negative_wave else 2))
        items.append(
            {
                "id": f"{product.key}-{total - i}",
                "stars": stars,
                "text": text,
                "date": day,
                "country": COUNTRIES[(total - i) % len(COUNTRIES)],
            }
        )
    return items
