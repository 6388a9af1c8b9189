"""Serve the demo shop (its pages drift over compressed time; see demo/scenario.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.shop import Clock, serve


class Command(BaseCommand):
    help = "Run the built-in demo shop on 127.0.0.1 (DEMO_SHOP_PORT)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.DEMO_SHOP_PORT)

    def handle(self, *args, **options):
        clock = Clock(Path(settings.DATA_DIR) / "demo-start", settings.DEMO_MINUTE_SECONDS)
        server = serve("127.0.0.1", options["port"], clock, quiet=True)
        self.stdout.write(
            f"Demo shop on http://127.0.0.1:{options['port']}/ (a demo minute lasts {settings.DEMO_MINUTE_SECONDS:g} s)"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
