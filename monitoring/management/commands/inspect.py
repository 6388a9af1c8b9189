"""`manage.py inspect URL_OR_FILE [--platform NAME] [--url URL] [--json] [--variant ID]`: what Dropwatch reads
from a page.

`--json` prints one object: the Observation's fields, with `variants` (every SKU: id, name, price,
original_price, currency, in_stock, stock_quantity) and `shipping` (to, fee, currency, days_min, days_max,
method, or null). `--variant ID` makes the top-level price, original_price, currency, in_stock and
stock_quantity that variant's (price_max null) and adds `"variant"`: the chosen variant. An id the listing
does not carry still prints one object (exit 0): the top-level price and stock are null, `variant` is null
and `message` says which ids the listing has.
"""

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
        parser.add_argument(
            "--variant",
            default="",
            help="A variant id (AliExpress skuId, Shopify variant id): print its price, stock and shipping",
        )

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
        data = for_variant(obs, options["variant"]) if options["variant"].strip() else obs.to_json()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(_human(data))


_VARIANT_FIELDS = ("price", "price_max", "original_price", "in_stock", "stock_quantity")
_LISTED_IDS = 10  # how many of the listing's ids the "not on this listing" message names


def for_variant(obs, variant_id: str) -> dict:
    """The inspect object for one variant of the listing (see the module docstring)."""
    variant_id = variant_id.strip()
    chosen = obs.for_variant(variant_id)
    if chosen is not None:
        data = chosen.to_json()
        data["variant"] = next(v for v in data["variants"] if v["id"] == variant_id)
        return data
    data = obs.to_json()
    data["variant"] = None
    if not obs.ok:
        return data  # the listing itself could not be read: its own message explains why
    for key in _VARIANT_FIELDS:
        data[key] = None
    if obs.variants:
        ids = ", ".join(v.id for v in obs.variants[:_LISTED_IDS])
        more = f" and {len(obs.variants) - _LISTED_IDS} more" if len(obs.variants) > _LISTED_IDS else ""
        data["message"] = (
            f"Variant {variant_id!r} is not on this listing; it has {len(obs.variants)} variant(s): {ids}{more}."
        )
    else:
        data["message"] = f"Variant {variant_id!r} is not on this listing: the page lists no variants."
    return data


_LISTED_BELOW = ("status", "message", "reviews", "store", "variants", "shipping", "variant")


def _human(data: dict) -> str:
    lines = [f"status: {data['status']}" + (f" — {data['message']}" if data["message"] else "")]
    for key, value in data.items():
        if key in _LISTED_BELOW or value in (None, "", [], {}):
            continue
        lines.append(f"{key}: {value}")
    if data.get("shipping"):
        shipping = {k: v for k, v in data["shipping"].items() if v not in (None, "")}
        lines.append("shipping: " + ", ".join(f"{k}={v}" for k, v in shipping.items()))
    if data.get("variant"):
        lines.append(f"variant: {data['variant']['id']} {data['variant']['name'] or ''}".rstrip())
    for variant in data.get("variants") or []:
        stock = "in stock" if variant["in_stock"] else "out of stock" if variant["in_stock"] is False else "stock ?"
        quantity = f" ({variant['stock_quantity']})" if variant["stock_quantity"] is not None else ""
        price = " ".join(part for part in (variant["price"] or "?", variant["currency"] or "") if part)
        lines.append(f"variant {variant['id']}: {variant['name'] or '-'} — {price} {stock}{quantity}")
    if data.get("store"):
        store = {k: v for k, v in data["store"].items() if v not in (None, "")}
        lines.append("store: " + ", ".join(f"{k}={v}" for k, v in store.items()))
    for review in data.get("reviews") or []:
        lines.append(
            f"review {review['id']}: {review['stars']}★ {review['date'] or ''} {review['country']} "
            f"{(review['text'] or '')[:80]!r}"
        )
    return "\n".join(lines)
