"""Correctness of one round of the changedetection.io comparison: pure functions, no I/O.

A round counts only when every product's stored price equals the price its page served LAST (the page moves
on every fetch, so a system that fetched twice, or stored an older reading, shows), its stock matches, and
(where the system keeps history as rows) exactly one new snapshot was written per product.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_LISTED = 5  # problems named one by one; the rest are counted


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def round_problems(
    served: dict[str, dict],
    stored: dict[str, dict],
    *,
    new_snapshots: dict[str, int] | None = None,
    fetched: dict[str, int] | None = None,
) -> list[str]:
    """What is wrong with a round, as sentences ([] = correct).

    served: {key: {"price", "in_stock"}} what each page served last (bench/cdio_pages.py's /_bench/served);
    stored: {key: {"price", "in_stock"}} what the system recorded for that page (in_stock None = not read);
    new_snapshots: {key: rows written this round}, for systems that keep one row per check;
    fetched: {key: fetches this round}: a page never fetched in the round was not checked.
    """
    wrong: list[str] = []
    for key in sorted(served):
        want = served[key]
        have = stored.get(key)
        if have is None:
            wrong.append(f"{key}: nothing stored")
            continue
        want_price, have_price = _decimal(want.get("price")), _decimal(have.get("price"))
        if have_price is None or have_price != want_price:
            wrong.append(f"{key}: stored price {have.get('price')!r}, last served {want.get('price')!r}")
        both = have.get("in_stock") is not None and want.get("in_stock") is not None
        if both and bool(have["in_stock"]) != bool(want["in_stock"]):
            wrong.append(f"{key}: stored in_stock={have['in_stock']}, served {want['in_stock']}")
        if new_snapshots is not None and new_snapshots.get(key, 0) != 1:
            wrong.append(f"{key}: {new_snapshots.get(key, 0)} new snapshots this round (expected 1)")
        if fetched is not None and fetched.get(key, 0) < 1:
            wrong.append(f"{key}: not fetched this round")
    extra = sorted(set(stored) - set(served))
    if extra:
        wrong.append(f"{len(extra)} stored keys were never served (first: {extra[0]})")
    return wrong


def summarize(problems: list[str]) -> str:
    if not problems:
        return "correct"
    head = "; ".join(problems[:MAX_LISTED])
    more = len(problems) - MAX_LISTED
    return head + (f"; … and {more} more" if more > 0 else "")


def fetches_between(before: dict[str, dict], after: dict[str, dict]) -> dict[str, int]:
    """{path: fetches (200 and 304 alike) between two /_bench/served readings}."""
    return {path: rec["fetches"] - before.get(path, {}).get("fetches", 0) for path, rec in after.items()}
