"""Create the demo login (demo / demo) and its data on the demo shop. Local demo mode only."""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import seed


class Command(BaseCommand):
    help = "Create the demo user (demo/demo), suppliers and products on the demo shop, history and test orders."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo only runs in demo mode (DEMO_MODE=1): it creates a known password.")
        user = seed(
            shop_url=settings.DEMO_SHOP_URL,
            start_file=Path(settings.DATA_DIR) / "demo-start",
            check_every=timedelta(seconds=settings.DEMO_CHECK_SECONDS),
        )
        if user is None:
            self.stdout.write("Demo data already there (delete the data folder to start the demo again).")
        else:
            self.stdout.write(self.style.SUCCESS("Demo data created. Sign in as demo / demo."))
