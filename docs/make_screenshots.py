"""Screenshots of the main pages for the README, taken from the built-in demo.

    .venv/bin/python docs/make_screenshots.py [--out docs/screenshots] [--keep]

Starts from a fresh temporary DATA_DIR, the way `make run` does (SQLite and the filesystem broker, LOCAL_MODE
and DEMO_MODE on): migrate, collectstatic, seed_demo; then the demo shop, a Celery worker, beat and gunicorn,
with the demo's clock compressed (a demo minute lasts 5 s, demo products are checked every 5 s). It waits
until the drift script of demo/scenario.py has produced its findings, puts the demo products back on an
everyday 6-hour check interval and lets the checks in flight finish (so pages hold still and say "next check in
6 hours", not "5 seconds ago"), then signs in as demo / demo with Playwright driving /usr/bin/chromium and
saves full-page screenshots 1280 px wide, plus the first screen of the overview and the product's charts on a
phone (390 px, 2x). One demo product ("Smart bulb") is taken out of the catalogue before the start so that the
add-a-product preview has something new to read.

Nothing outside the temporary folder is touched except collectstatic's output (`staticfiles/`, ignored by git,
as with `make run`). Every process started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MAX_BYTES = 400 * 1024
PREVIEW_KEY = "smart-bulb"  # the demo product removed before the start, then previewed as a new one


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """The processes of the demo, each in its own session so it can be stopped with its children."""

    def __init__(self, env: dict, data_dir: Path):
        self.env, self.data_dir = env, data_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def run(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True)  # noqa: S603

    def start(self, name: str, *cmd: str) -> None:
        log = open(self.data_dir / f"{name}.log", "wb")  # noqa: SIM115 - the child owns it
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our own fixed commands
            cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, name: str, timeout: float = 20) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                log = (self.data_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{log}")


def wait_http(url: str, stack: Stack, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our local server
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def say(text: str) -> None:
    print(f"[screenshots] {text}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder (logs, database)")
    parser.add_argument("--timeout", type=float, default=150, help="seconds to wait for the demo's findings")
    options = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")

    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="dropwatch-screenshots-"))
    shop_port, web_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FETCH_", "DEMO_", "CELERY_"))}
    env.update(
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATA_DIR=str(data_dir),
        # As `make run`: SQLite and the filesystem broker, whatever this shell or a .env file says.
        DATABASE_URL=f"sqlite:///{data_dir / 'dropwatch.sqlite3'}",
        REDIS_URL="",
        EMAIL_URL="",
        SECRET_KEY="",
        DEBUG="0",
        LOCAL_MODE="1",
        DEMO_MODE="1",
        DEMO_SHOP_PORT=str(shop_port),
        DEMO_MINUTE_SECONDS="5",
        DEMO_CHECK_SECONDS="5",
        TICK_SECONDS="3",
        FETCH_HOST_INTERVAL="0.05",
        TIME_ZONE="UTC",
        PYTHONUNBUFFERED="1",
    )
    stack = Stack(env, data_dir)
    say(f"data folder {data_dir}")
    try:
        stack.run("migrate", "--noinput", "-v0")
        stack.run("collectstatic", "--noinput", "-v0")
        stack.run("seed_demo")

        # This process reads the same database (to know when the demo is ready and which pages to open).
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        pages, preview_url = prepare_demo_data()

        stack.start("shop", sys.executable, "manage.py", "demo_shop", "--port", str(shop_port))
        stack.start(
            "worker",
            *("celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"),
            *("--hostname", "screenshots@%h", "--without-gossip", "--without-mingle"),
        )
        stack.start("beat", "celery", "-A", "config", "beat", "--loglevel", "INFO")
        stack.start(
            "web",
            *("gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{web_port}", "--workers", "2", "--timeout", "60"),
        )
        base = f"http://127.0.0.1:{web_port}"
        wait_http(f"http://127.0.0.1:{shop_port}/", stack)
        wait_http(f"{base}/accounts/login/", stack)
        say(f"demo running on {base}, shop on :{shop_port}; waiting for the scripted drift")
        wait_for_findings(stack, options.timeout)

        settle(stack)
        take_screenshots(base, pages, preview_url, out)
    finally:
        stack.stop_all()
        if options.keep:
            say(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def prepare_demo_data() -> tuple[dict[str, str], str]:
    from django.conf import settings

    from demo import scenario
    from demo.seed import product_url
    from suppliers.models import Product, Supplier

    bulb = scenario.PRODUCT_BY_KEY[PREVIEW_KEY]
    platform = scenario.SUPPLIER_BY_KEY[bulb.supplier].platform
    preview_url = product_url(settings.DEMO_SHOP_URL, bulb, platform)
    Product.objects.filter(owner__username="demo", url=preview_url).delete()
    lamp = Product.objects.get(owner__username="demo", title__startswith="LED desk lamp")
    trend = Supplier.objects.get(owner__username="demo", name__startswith="TrendyCase")
    pages = {
        "overview": "/",
        "products": "/products/",
        "product-detail": lamp.get_absolute_url(),
        "supplier-detail": trend.get_absolute_url(),
        "findings": "/findings/",
        "test-orders": "/test-orders/",
        "settings": "/account/settings/",
    }
    return pages, preview_url


def wait_for_findings(stack: Stack, timeout: float) -> None:
    from demo import scenario
    from monitoring.models import Finding

    expected = len(scenario.EXPECTED_FINDINGS)
    started = time.monotonic()
    count = 0
    while time.monotonic() - started < timeout:
        stack.check_alive()
        count = Finding.objects.filter(owner__username="demo", resolved_at__isnull=True).count()
        # The drift lasts 4 demo minutes (20 s here); a few more checks let every rule see it.
        if count >= expected and time.monotonic() - started > 30:
            say(f"{count} open findings after {time.monotonic() - started:.0f}s")
            return
        time.sleep(2)
    say(f"warning: only {count} of {expected} findings after {timeout:.0f}s; taking the screenshots anyway")


def settle(stack: Stack, timeout: float = 30) -> None:
    """Everyday check intervals again (the demo checked every 5 s to play its script quickly), and no check
    in flight: scheduler and worker keep running, but nothing is due for hours."""
    from datetime import timedelta

    from django.utils import timezone

    from suppliers.models import Product, Supplier

    every = timedelta(hours=6)
    demo = Product.objects.filter(owner__username="demo")
    demo.update(check_interval=every)  # a check in flight schedules its next one with this
    demo.filter(pending_slot__isnull=True).update(next_check_at=timezone.now() + every)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        busy = (
            Product.objects.filter(pending_slot__isnull=False).count()
            + Supplier.objects.filter(pending_slot__isnull=False).count()
        )
        if not busy:
            return
        time.sleep(0.5)
    say("warning: some checks were still running")


def take_screenshots(base: str, pages: dict[str, str], preview_url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # no ORM from here on, but be safe
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def new_page(width: int, height: int, scale: float = 1):
            context = browser.new_context(
                viewport={"width": width, "height": height}, device_scale_factor=scale, base_url=base
            )
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"exception: {e}"))
            sign_in(page)
            return page

        page = new_page(1280, 900)
        for name, url in pages.items():
            page.goto(url)
            page.wait_for_load_state("networkidle")
            shoot(page, out / f"{name}.png")

        # A finding's own page (made by the drift, so found from the list): the LED lamp's price increase.
        page.goto("/findings/")
        link = page.locator('a[href^="/findings/"]', has_text="Price increase").first.get_attribute("href")
        page.goto(link)
        page.wait_for_load_state("networkidle")
        shoot(page, out / "finding-detail.png")

        page.goto("/products/add/")
        page.get_by_label("Product URL").fill(preview_url)
        page.get_by_label("My selling price").fill("14.90")
        page.get_by_label("Shipping I pay per unit").fill("1.50")
        page.get_by_label("Platform").select_option("aliexpress")  # a local address says nothing of it
        page.get_by_role("button", name="Preview").click()
        page.locator("#preview").get_by_text("What Dropwatch reads from the page").wait_for()
        shoot(page, out / "add-product-preview.png")

        phone = new_page(390, 844, scale=2)
        phone.goto("/")
        phone.wait_for_load_state("networkidle")
        shoot(phone, out / "overview-phone.png", full_page=False)
        phone.goto(pages["product-detail"])
        phone.wait_for_load_state("networkidle")
        phone.locator("#history").scroll_into_view_if_needed()
        shoot(phone, out / "product-phone.png", full_page=False)
        browser.close()
    for problem in problems:
        say(f"browser {problem}")


def sign_in(page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))


def shoot(page, path: Path, *, full_page: bool = True) -> None:
    """A PNG; reduced to a 256-colour palette when it is larger than MAX_BYTES."""
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    if path.stat().st_size > MAX_BYTES:
        from PIL import Image

        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    say(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
