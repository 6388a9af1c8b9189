"""Import a CSV of product URLs into the catalogue.

The import never fetches: thousands of fetches in one request would take ages and hammer the shops. Each
row is validated with the add form's own rules (suppliers/intake.py) and created on its own (a transaction
or savepoint per row, so a bad row never costs the good ones); the products are due at once and the beat
tick reads them, spread out per host.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from . import platforms
from .intake import clean_currency, clean_selling_price, clean_url, default_currency, parse_amount, refused_host
from .models import Product, Supplier
from .services import DuplicateError, product_create, supplier_create


class ImportFileError(ValueError):
    """The whole file is refused (too large, too many rows, not CSV, no url column). The message says why."""


# --- Import a CSV of product URLs -----------------------------------------------------------------

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 2000

# Column names (case-insensitive; spaces and dashes count as underscores) and the field each one fills.
COLUMNS = {
    "url": ("url", "product_url", "link"),
    "my_price": ("my_price", "price", "selling_price"),
    "currency": ("currency", "my_currency"),
    "shipping_cost": ("shipping_cost", "shipping"),
    "title": ("title",),
    "variant": ("variant", "sku", "variant_sku"),
    "supplier": ("supplier", "supplier_name"),
    # A backup source of one of the user's products, named by its id or its title (suppliers.backups).
    "backs_up": ("backs_up", "backup_for", "alternative_for"),
}

EXAMPLE_CSV = (
    "url,my_price,currency,shipping_cost,title,variant,supplier\r\n"
    "https://www.aliexpress.com/item/1005001234567890.html,24.90,USD,2.50,Garden hose 20 m,Green,Hose Factory Store\r\n"
    "https://shop.example.com/products/led-desk-lamp,39.00,EUR,,LED desk lamp,,\r\n"
)


class RowResult:
    ADDED = "added"
    SKIPPED = "skipped"  # a duplicate: already watched, or repeated within the file
    REJECTED = "rejected"  # invalid: the reason says what to fix


@dataclass
class ImportRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    url: str  # as written in the file
    result: str
    reason: str = ""
    product_id: int | None = None


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    suppliers_created: list[str] = field(default_factory=list)

    def _count(self, result: str) -> int:
        return sum(1 for r in self.rows if r.result == result)

    @property
    def added(self) -> int:
        return self._count(RowResult.ADDED)

    @property
    def skipped(self) -> int:
        return self._count(RowResult.SKIPPED)

    @property
    def rejected(self) -> int:
        return self._count(RowResult.REJECTED)

    @property
    def problems(self) -> list[ImportRow]:
        """The rows that failed, each with what to fix: the only rows the report lists one by one."""
        return [r for r in self.rows if r.result == RowResult.REJECTED]

    def skipped_by_reason(self, show: int = 20) -> list[tuple[str, int, list[int]]]:
        """Skipped rows summarised: (reason, how many, the first `show` row numbers), most common first."""
        groups: dict[str, list[int]] = {}
        for r in self.rows:
            if r.result == RowResult.SKIPPED:
                groups.setdefault(r.reason, []).append(r.row)
        ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
        return [(reason, len(rows), rows[:show]) for reason, rows in ordered]


def _read_text(file) -> str:
    size = getattr(file, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"The file is {size / 1024 / 1024:.1f} MiB; the limit is 1 MiB. Split it into smaller files."
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError("The file is larger than 1 MiB. Split it into smaller files.")
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and upload it again."
        ) from None


def _delimiter(text: str) -> str:
    """Comma or semicolon (or tab), told by csv.Sniffer from the header line, where no value can confuse it."""
    first_line = text.split("\n", 1)[0]
    sniffer = csv.Sniffer()
    for sample in (first_line, text[:8192]):
        try:
            return sniffer.sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            continue
    return ","  # a single column


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", (name or "").strip().lower())


def _column_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    names = [_normalise_header(h) for h in header]
    positions: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                positions[key] = names.index(alias)
                break
    used = set(positions.values())
    ignored = [header[i].strip() for i in range(len(header)) if i not in used and header[i].strip()]
    return positions, ignored


def _parse_csv(text: str) -> tuple[dict[str, int], list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportFileError(f"The file could not be read as CSV (near line {reader.line_num}): {exc}.") from None
    header_at = next((i for i, rec in enumerate(records) if any(cell.strip() for cell in rec)), None)
    if header_at is None:
        raise ImportFileError("The file is empty.")
    positions, ignored = _column_map(records[header_at])
    if "url" not in positions:
        found = ", ".join(repr(h.strip()) for h in records[header_at] if h.strip())[:300]
        raise ImportFileError(f"The file has no “url” column (its first line should name the columns; found {found}).")
    rows = [
        (number, rec)
        for number, rec in enumerate(records[header_at + 1 :], start=header_at + 2)
        if any(cell.strip() for cell in rec)
    ]
    if not rows:
        raise ImportFileError("The file has a header but no rows.")
    if len(rows) > MAX_IMPORT_ROWS:
        raise ImportFileError(
            f"The file has {len(rows):,} rows; import at most {MAX_IMPORT_ROWS:,} at a time. "
            "Split it into smaller files."
        )
    return positions, ignored, rows


@dataclass
class _RowData:
    url: str
    platform: str
    my_price: Decimal | None
    currency: str
    shipping_cost: Decimal | None
    title: str
    variant: str
    supplier: str


def _validate_row(cells: dict[str, str], *, currency_default: str) -> _RowData:
    """The row's values, or ValidationError naming the first problem."""
    raw_url = cells.get("url", "")
    if not raw_url:
        raise ValidationError("No URL.")
    url, named = platforms.split_variant(clean_url(raw_url))
    refused = refused_host(url)
    if refused:
        raise ValidationError(refused)

    def amount(key: str, label: str) -> Decimal | None:
        try:
            return parse_amount(cells.get(key))
        except ValidationError as exc:
            raise ValidationError(f"{label}: {' '.join(exc.messages)}") from None

    my_price = clean_selling_price(amount("my_price", "Price"))
    shipping = amount("shipping_cost", "Shipping")
    if shipping is not None and shipping < 0:
        raise ValidationError("Shipping cannot be negative.")
    currency = clean_currency(cells.get("currency")) or currency_default
    variant = cells.get("variant", "") or named
    if len(variant) > 128:
        raise ValidationError("The variant is longer than 128 characters.")
    supplier = cells.get("supplier", "")
    if len(supplier) > 200:
        raise ValidationError("The supplier name is longer than 200 characters.")
    return _RowData(
        url=url,
        platform=platforms.detect(url).platform,
        my_price=my_price,
        currency=currency,
        shipping_cost=shipping,
        title=cells.get("title", "")[:500],
        variant=variant,
        supplier=supplier,
    )


def products_import_csv(*, owner, file) -> ImportReport:
    """Import a CSV of product URLs with the user's selling prices. Raises ImportFileError for a file that
    cannot be imported at all; otherwise reports every row (added / skipped / rejected, with the reason)."""
    positions, ignored, records = _parse_csv(_read_text(file))
    report = ImportReport(ignored_columns=ignored)
    currency_default = default_currency(owner)
    watched = set(Product.objects.filter(owner=owner).values_list("url", "variant_sku"))
    seen: dict[str, int] = {}  # normalised url -> the row that had it first
    suppliers: dict[str, Supplier] = {}  # lower-cased name -> the owner's supplier of that name

    for number, record in records:
        cells = {key: record[i].strip() if i < len(record) else "" for key, i in positions.items()}
        row = ImportRow(row=number, url=cells.get("url", ""), result=RowResult.REJECTED)
        report.rows.append(row)
        try:
            data = _validate_row(cells, currency_default=currency_default)
        except ValidationError as exc:
            row.reason = " ".join(exc.messages)
            continue
        key = (data.url, data.variant)
        if key in seen:
            row.result, row.reason = RowResult.SKIPPED, f"Same address as row {seen[key]}."
            continue
        seen[key] = number
        if key in watched:
            row.result, row.reason = RowResult.SKIPPED, "You already watch this product."
            continue
        backs_up = None
        if cells.get("backs_up"):
            try:
                backs_up = _product_named(owner, cells["backs_up"])
            except ValidationError as exc:
                row.reason = " ".join(exc.messages)
                continue
        key = data.supplier.casefold()
        created_supplier = False
        try:
            with transaction.atomic():  # this row only: a failure rolls back its supplier too
                supplier = None
                if data.supplier:
                    supplier = suppliers.get(key) or (
                        Supplier.objects.filter(owner=owner, name__iexact=data.supplier).order_by("id").first()
                    )
                    if supplier is None:
                        supplier = supplier_create(owner=owner, name=data.supplier, platform=data.platform)
                        created_supplier = True
                product = product_create(
                    owner=owner,
                    url=data.url,
                    platform=data.platform,
                    supplier=supplier,
                    title=data.title,
                    my_price=data.my_price,
                    my_currency=data.currency,
                    shipping_cost=data.shipping_cost,
                    variant_sku=data.variant,
                    backs_up=backs_up,
                )
        except DuplicateError as exc:  # added meanwhile (another tab, another import)
            row.result, row.reason = RowResult.SKIPPED, str(exc)
            continue
        except (ValidationError, PermissionError) as exc:
            row.reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            continue
        except DatabaseError:
            row.reason = "The row could not be saved; try it again."
            continue
        if supplier is not None:
            suppliers[key] = supplier
        if created_supplier:
            report.suppliers_created.append(supplier.name)
        row.result, row.product_id = RowResult.ADDED, product.pk
        row.reason = f"New supplier “{supplier.name}”." if created_supplier else ""
        if product.backs_up_id is not None:
            row.reason = f"{row.reason} Backup supplier of “{product.backs_up}”.".strip()
    return report


def _product_named(owner, name: str) -> Product:
    """The product a CSV row backs up: by its id, else by its title (exactly, ignoring case)."""
    name = name.strip()
    if name.isdigit():
        found = Product.objects.filter(owner=owner, pk=int(name)).first()
        if found is not None:
            return found
    matches = list(Product.objects.filter(owner=owner, backs_up__isnull=True, title__iexact=name)[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValidationError(f"Several of your products are titled “{name[:80]}”: name the one to back up by its id.")
    raise ValidationError(f"No product “{name[:80]}” to back up: name it by its id or its title.")
