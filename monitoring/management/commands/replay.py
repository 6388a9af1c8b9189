"""`manage.py replay FILE.jsonl [--json]`: run a recorded history through the detection code the workers use,
in a throwaway transaction (nothing is kept), and print what it finds."""

import json
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import settings_for
from monitoring.checking import record_product_check
from monitoring.detect.thresholds import SETTINGS, coerce
from monitoring.images import image_hash_keep
from monitoring.models import FindingEvent
from monitoring.observation import Observation
from monitoring.rates import clean_manual_rates
from monitoring.sanitize import fee
from monitoring.statuses import CheckStatus
from suppliers.models import Product, Supplier


class _Rollback(Exception):
    pass


def _amount(raw, name: str, where: str) -> Decimal:
    value = fee(raw)  # a finite amount ≥ 0 within the money columns
    if value is None:
        raise CommandError(f"{where}: {raw!r} is not a valid value for {name}.", returncode=2)
    return value


def _status(value) -> CheckStatus:
    try:
        return CheckStatus(value)
    except ValueError:  # a status this version does not know: a failed check
        return CheckStatus.ERROR


class Command(BaseCommand):
    help = "Replay a JSONL history (inspect --json observations plus 'at') through the deterioration rules."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="One JSON line per finding event")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read ({exc.strerror}).", returncode=2) from None
        records = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CommandError(f"{path}:{number}: not JSON ({exc.msg}).", returncode=2) from None
        output: list[dict] = []
        try:
            with transaction.atomic():
                output = self._replay(records, path)
                raise _Rollback
        except _Rollback:
            pass
        for item in output:
            if options["json"]:
                self.stdout.write(json.dumps(item, ensure_ascii=False))
            elif "trust_score" in item:
                self.stdout.write(f"trust score {item['trust_score']}")
                for reason in item["reasons"]:
                    self.stdout.write(f"  {reason['points']:+d}  {reason['reason']}")
            else:
                self.stdout.write(f"{item['at']}  {item['event']:<8} {item['kind']:<22} {item['message']}")

    def _replay(self, records: list[dict], path: Path) -> list[dict]:
        user = get_user_model().objects.create_user(f"replay-{uuid.uuid4().hex[:12]}")
        supplier = Supplier.objects.create(owner=user, name="Replayed supplier")
        product = Product.objects.create(
            owner=user,
            supplier=supplier,
            url="https://replay.invalid/item",
            host="replay.invalid",
            title="Replayed product",
        )
        prefs = settings_for(user)
        output = []
        for number, record in enumerate(records, 1):
            if not isinstance(record, dict):
                raise CommandError(f"{path}:{number}: each line must be a JSON object.", returncode=2)
            if "settings" in record:
                self._apply_settings(record["settings"], prefs, product, f"{path}:{number}")
                continue
            try:
                at = datetime.fromisoformat(str(record["at"]).replace("Z", "+00:00"))
            except (KeyError, ValueError):
                raise CommandError(f"{path}:{number}: needs an ISO 8601 'at' with a time zone.", returncode=2) from None
            if at.tzinfo is None:
                raise CommandError(f"{path}:{number}: 'at' needs a time zone (e.g. Z).", returncode=2)
            obs = (
                Observation.from_json(record)
                if record.get("status", "ok") == "ok"
                else Observation.failed(_status(record["status"]), str(record.get("message") or ""))
            )
            if record.get("image_hash") and obs.image:  # a recorded history may carry the image's pHash
                try:
                    image_hash_keep(url=obs.image, phash=str(record["image_hash"]), now=at)
                except ValueError as exc:
                    raise CommandError(f"{path}:{number}: image_hash: {exc}", returncode=2) from None
            Product.objects.filter(pk=product.pk).update(pending_slot=at, check_started_at=None)
            result = record_product_check(product.pk, slot=at, obs=obs, now=at)
            for change in result.changes:
                output.append(
                    {
                        "at": at.isoformat(),
                        "kind": change.finding.kind,
                        "event": self._event(change),
                        "severity": change.finding.get_severity_display().lower(),
                        "message": change.finding.message,
                        "advice": change.finding.advice,
                    }
                )
        supplier.refresh_from_db()
        output.append({"trust_score": supplier.trust_score, "reasons": supplier.trust_reasons})
        return output

    @staticmethod
    def _event(change) -> str:
        return "updated" if change.event == FindingEvent.Event.WORSENED else str(change.event)

    @staticmethod
    def _apply_settings(values: dict, prefs, product, where: str) -> None:
        if not isinstance(values, dict):
            raise CommandError(f"{where}: 'settings' must be an object.", returncode=2)
        for name, raw in values.items():
            if name == "my_price":
                product.my_price = _amount(raw, name, where) if raw is not None else None
            elif name == "my_currency":
                product.my_currency = str(raw).upper()[:3]
            elif name == "shipping_cost":
                product.shipping_cost = _amount(raw, name, where)
            elif name == "variant":
                product.variant_sku = str(raw or "")[:128]
            elif name == "rates":
                if not isinstance(raw, dict) or len(clean_manual_rates(raw)) != len(raw):
                    raise CommandError(f"{where}: 'rates' must map currency codes to positive numbers.", returncode=2)
                prefs.manual_rates = {code.upper(): str(value) for code, value in raw.items()}
            elif name in ("order_fee_pct", "order_fee_fixed"):
                setattr(prefs, name, _amount(raw, name, where))
            elif name in ("ship_to", "ship_to_country"):
                prefs.ship_to_country = str(raw).upper()[:2]
            elif name in SETTINGS:
                if coerce(name, raw) is None:
                    raise CommandError(f"{where}: {raw!r} is not a valid value for {name}.", returncode=2)
                prefs.thresholds[name] = raw if not isinstance(raw, float) else str(raw)
            else:
                raise CommandError(f"{where}: unknown setting {name!r}.", returncode=2)
        prefs.save()
        product.save()
