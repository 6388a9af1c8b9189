"""Seed the demo: the demo login, its suppliers and products on the demo shop, 90 days of history so charts
and baselines mean something at first sight, and a few test orders (one due, one whose buyer protection
is about to end, one that failed its check)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import settings_for
from monitoring.detect import trust
from monitoring.models import Snapshot, StoreSnapshot
from monitoring.rates import rates_store
from orderlog import services as order_services
from orderlog.reminders import generate_reminders
from suppliers import services
from suppliers.models import Product, Supplier

from .scenario import DEMO_RATES, PRODUCTS, SUPPLIERS, DemoProduct, product_id, state

SEED_DAYS = 90


def product_url(shop_url: str, product: DemoProduct, platform: str) -> str:
    if platform == "aliexpress":
        return f"{shop_url}/item/{product_id(product)}.html"
    if platform == "shopify":
        return f"{shop_url}/products/{product.key}"
    return f"{shop_url}/home/{product.key}"


def seed(
    *,
    shop_url: str,
    start_file: Path,
    check_every: timedelta,
    now: datetime | None = None,
    username: str = "demo",
    password: str = "demo",  # noqa: S107 - the documented demo login, created only in demo mode
):
    """Create the demo account and data (idempotent: an existing demo account is left as it is)."""
    now = now or timezone.now()
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return None
    with transaction.atomic():
        user = User.objects.create_user(username, f"{username}@example.com", password, first_name="Demo")
        prefs = settings_for(user)
        prefs.currency, prefs.ship_to_country = "USD", "US"
        prefs.save()
        suppliers = {}
        for s in SUPPLIERS:
            supplier = Supplier.objects.create(
                owner=user,
                name=s.name,
                platform=s.platform,
                platform_store_id=s.store_id,
                store_url=f"{shop_url}/store/{s.store_id}" if s.store_id else "",
                check_interval=timedelta(hours=1),
                next_check_at=now if s.store_id else None,
                test_order_cadence_days=90,
            )
            suppliers[s.key] = supplier
        created: dict[str, Product] = {}
        for p in PRODUCTS:
            supplier = suppliers[p.supplier]
            product = services.product_create(
                backs_up=created.get(p.backs_up),
                owner=user,
                url=product_url(shop_url, p, supplier.platform),
                platform=supplier.platform,
                supplier=supplier,
                title=p.title,
                my_price=p.my_price,
                my_currency=p.my_currency,
                shipping_cost=p.shipping,
                variant_sku=p.sold,
            )
            created[p.key] = product
            _history(product, p, supplier, now)
            # A backup supplier is checked daily (its seeded history keeps it fresh for the ranking).
            every = services.ALTERNATIVE_INTERVAL if p.backs_up else check_every
            Product.objects.filter(pk=product.pk).update(check_interval=every, next_check_at=now)
        for s in SUPPLIERS:
            if s.store_id:
                _store_history(suppliers[s.key], s, now)
            trust.supplier_trust_update(supplier=suppliers[s.key], now=now)
        _test_orders(user, suppliers, now)
        # The demo shop serves the same table; beat refreshes it from there every few hours.
        rates_store(day=timezone.localdate(now), rates=DEMO_RATES, now=now)
    start_file.parent.mkdir(parents=True, exist_ok=True)
    start_file.write_text(f"{time.time():.3f}")
    generate_reminders(now=now)
    return user


def _history(product: Product, p: DemoProduct, supplier: Supplier, now: datetime) -> None:
    rows = []
    for i in range(SEED_DAYS * 4, 0, -1):
        at = now - timedelta(hours=6 * i)
        st = state(p, -(now - at).total_seconds() / 60)  # the seeded past in (real) minutes
        h = st.histogram
        rows.append(
            Snapshot(
                product=product,
                slot=at,
                taken_at=at,
                status="ok",
                price=st.variant_prices.get(p.sold, st.price),
                currency="USD",
                variant_sku=p.sold,
                shipping_fee=st.shipping_fee,
                shipping_currency="USD" if st.shipping_fee is not None else "",
                delivery_days_max=15 if st.shipping_fee is not None else None,
                original_price=st.original_price if supplier.platform == "aliexpress" else None,
                in_stock=st.variant_stock.get(p.sold, st.stock) > 0,
                stock_quantity=st.variant_stock.get(p.sold, st.stock) if supplier.platform == "aliexpress" else None,
                rating=st.rating if supplier.platform != "shopify" else None,
                review_count=st.review_count if supplier.platform != "shopify" else None,
                stars_5=h[5] if supplier.platform == "aliexpress" else None,
                stars_4=h[4] if supplier.platform == "aliexpress" else None,
                stars_3=h[3] if supplier.platform == "aliexpress" else None,
                stars_2=h[2] if supplier.platform == "aliexpress" else None,
                stars_1=h[1] if supplier.platform == "aliexpress" else None,
                orders_count=st.orders if supplier.platform == "aliexpress" else None,
                ships_to_buyer=True if supplier.platform == "aliexpress" else None,
                # What identified the listing (the listing-changed rule compares live checks with it).
                identity={"title": st.title, "image": "", "variant_ids": [], "option_names": []},
            )
        )
    Snapshot.objects.bulk_create(rows, batch_size=1000)
    last = rows[-1]
    now_state = state(p, 0)
    price = now_state.variant_prices.get(p.sold, p.price)
    Product.objects.filter(pk=product.pk).update(
        price=price,
        currency="USD",
        baseline_price=price,
        shipping_fee=last.shipping_fee,
        shipping_currency=last.shipping_currency,
        delivery_days_max=last.delivery_days_max,
        in_stock=True,
        stock_quantity=last.stock_quantity,
        rating=last.rating,
        review_count=last.review_count,
        orders_count=last.orders_count,
        rating_histogram={str(k): v for k, v in (last.histogram or {}).items()} or None,
        last_status="ok",
        last_checked_at=last.taken_at,
        last_ok_at=last.taken_at,
        ships_to_buyer=last.ships_to_buyer,
        platform_product_id=product_id(p) if supplier.platform == "aliexpress" else p.key,
    )


def _store_history(supplier: Supplier, s, now: datetime) -> None:
    rows = [
        StoreSnapshot(
            supplier=supplier,
            taken_at=now - timedelta(days=d),
            source=StoreSnapshot.Source.PRODUCT_PAGE,
            source_key=f"seed:{d}",
            name=s.name,
            positive_feedback_pct=s.positive_pct,
            followers=s.followers - 3 * d,
            opened_on=s.opened_on,
        )
        for d in range(SEED_DAYS, 0, -1)
    ]
    StoreSnapshot.objects.bulk_create(rows)
    Supplier.objects.filter(pk=supplier.pk).update(
        positive_feedback_pct=s.positive_pct,
        followers=s.followers,
        opened_on=s.opened_on,
        metrics_at=now - timedelta(days=1),
        last_status="ok",
        last_checked_at=now - timedelta(days=1),
    )
    supplier.refresh_from_db()


def _test_orders(user, suppliers: dict[str, Supplier], now: datetime) -> None:
    today = timezone.localdate(now)

    def product_of(key):
        return Product.objects.filter(owner=user, supplier=suppliers[key]).order_by("pk").first()

    # GlowHome: the last test order was 100 days ago and passed → a new one is overdue.
    glow = order_services.order_create(
        owner=user,
        supplier=suppliers["glow"],
        product=product_of("glow"),
        ordered_on=today - timedelta(days=100),
        order_number="8100 2231",
        amount_paid=Decimal("8.90"),
        currency="USD",
        shipping_method="AliExpress Standard",
    )
    order_services.order_mark_shipped(order=glow, shipped_on=today - timedelta(days=97), tracking_number="LP0012345")
    order_services.order_mark_delivered(order=glow, delivered_on=today - timedelta(days=86))
    order_services.order_record_check(order=glow, as_described="yes", genuine="yes", overall_score=5, outcome="pass")
    # TrendyCase: shipped 50 days ago, never arrived, buyer protection ends in 3 days.
    trend = order_services.order_create(
        owner=user,
        supplier=suppliers["trend"],
        product=product_of("trend"),
        ordered_on=today - timedelta(days=57),
        order_number="8123",
        amount_paid=Decimal("1.90"),
        currency="USD",
        shipping_method="Cainiao Saver",
        protection_ends_on=today + timedelta(days=3),
    )
    order_services.order_mark_shipped(order=trend, shipped_on=today - timedelta(days=50), tracking_number="LP9876")
    # PeakSport: arrived, not as described → failed; the next test order comes sooner.
    peak = order_services.order_create(
        owner=user,
        supplier=suppliers["peak"],
        product=Product.objects.get(owner=user, title__startswith="Walkie"),
        ordered_on=today - timedelta(days=40),
        order_number="8077",
        amount_paid=Decimal("18.40"),
        currency="USD",
    )
    order_services.order_mark_delivered(order=peak, delivered_on=today - timedelta(days=25))
    order_services.order_record_check(
        order=peak,
        as_described="no",
        genuine="unsure",
        overall_score=2,
        outcome="fail",
        check_notes="Range far below 5 km; different model from the photos.",
    )
