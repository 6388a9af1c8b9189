"""`manage.py inspect URL_OR_FILE [--platform NAME] [--url URL] [--json]`: what Dropwatch reads from a page."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monitoring.sources.base import FetchContext
from monitoring.sources.observe import observe_document, observe_url
from monitoring.sources.registry import names


class Command(BaseCommand):
    help = "Print what a platform adapter extracts from a URL or a saved file."

    def add_arguments(self, parser):
        parser.add_argument("target", help="A product/store URL, or a saved page or API answer")
        parser.add_argument("--platform", help="Force the adapter (default: from the URL or the content)")
        parser.add_argument("--url", default="", help="Where a saved file came from")
        parser.add_argument("--json", action="store_true", help="Print exactly one JSON object")
        parser.add_argument("--currency", default="USD", help="Currency to read AliExpress prices in")
        parser.add_argument("--ship-to", default="US", help="Ship-to country for AliExpress")

    def handle(self, *args, **options):
        platform = options["platform"] or ""
        if platform and platform not in names():
            raise CommandError(f"Unknown platform {platform!r}; choose from {', '.join(names())}.", returncode=2)
        target = options["target"]
        path = Path(target)
        if "://" not in target:
            if not path.is_file():
                raise CommandError(f"{target}: no such file (give an http(s) URL or a saved file).", returncode=2)
            try:
                text = path.read_bytes().decode("utf-8", errors="replace")
            except OSError as exc:
                raise CommandError(f"{target}: cannot read the file ({exc.strerror}).", returncode=2) from None
            obs = observe_document(text, url=options["url"], platform=platform)
        else:
            ctx = FetchContext(currency=options["currency"].upper(), ship_to=options["ship_to"].upper())
            obs = observe_url(target, platform=platform, ctx=ctx)
        data = obs.to_json()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(_human(data))


def _human(data: dict) -> str:
    lines = [f"status: {data['status']}" + (f" — {data['message']}" if data["message"] else "")]
    for key, value in data.items():
        if key in ("status", "message", "reviews", "store") or value in (None, "", [], {}):
            continue
        lines.append(f"{key}: {value}")
    if data.get("store"):
        store = {k: v for k, v in data["store"].items() if v not in (None, "")}
        lines.append("store: " + ", ".join(f"{k}={v}" for k, v in store.items()))
    for review in data.get("reviews") or []:
        lines.append(
            f"review {review['id']}: {review['stars']}★ {review['date'] or ''} {review['country']} "
            f"{(review['text'] or '')[:80]!r}"
        )
    return "\n".join(lines)
