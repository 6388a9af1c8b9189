"""Create the demo login (demo / demo) and a small demo catalogue. Local demo mode only."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from suppliers import services
from suppliers.models import Product

DEMO_SUPPLIERS = [
    ("Car Accessories Zone Store", "aliexpress", "https://www.aliexpress.com/store/1101366561"),
    ("Joan Yu Store", "aliexpress", "https://www.aliexpress.com/store/1101222680"),
    ("Northwind Outfitters", "shopify", "https://northwind-outfitters.myshopify.com/"),
]
DEMO_PRODUCTS = [
    (0, "https://www.aliexpress.com/item/3256803382674519.html", "Windproof ski goggles", "19.90"),
    (0, "https://www.aliexpress.com/item/1005005424987520.html", "Dual-band walkie talkie", "49.00"),
    (1, "https://www.aliexpress.com/item/3256803246120444.html", "6-piece watch gift set", "39.00"),
    (2, "https://northwind-outfitters.myshopify.com/products/trail-bottle", "Trail water bottle", "24.00"),
]


class Command(BaseCommand):
    help = "Create the demo user (demo/demo) with a few suppliers and products. Refused outside demo mode."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo only runs in demo mode (DEMO_MODE=1): it creates a known password.")
        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(username="demo", defaults={"email": "demo@example.com"})
            if created:
                user.set_password("demo")
                user.save()
            if Product.objects.filter(owner=user).exists():
                self.stdout.write("Demo data already there.")
                return
            suppliers = [
                services.supplier_create(owner=user, name=name, platform=platform, store_url=url)
                for name, platform, url in DEMO_SUPPLIERS
            ]
            for index, url, title, my_price in DEMO_PRODUCTS:
                services.product_create(
                    owner=user, url=url, title=title, supplier=suppliers[index], my_price=Decimal(my_price)
                )
        self.stdout.write(self.style.SUCCESS("Demo login: demo / demo"))
