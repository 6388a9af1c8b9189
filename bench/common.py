"""What every benchmark shares: the Django set-up on the bench's own database and Redis DB, the saved pages,
the local shop process, statistics, and the aligned tables.

The bench never touches the app's data or the tests': it creates and drops its OWN PostgreSQL database
(default `dropwatch_bench`) and flushes only its OWN Redis DB (default 12). BENCH_DATABASE_URL /
BENCH_REDIS_URL win over DATABASE_URL / REDIS_URL; a database whose name lacks "bench", or a Redis DB the
app or the tests use (0, 13-15), is refused rather than dropped or flushed.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("DROPWATCH_FIXTURES", ROOT.parent / "shared" / "fixtures"))
DEFAULT_DATABASE_URL = "postgres://dropwatch@127.0.0.1:5432/dropwatch_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
FORBIDDEN_REDIS_DBS = {0, 13, 14, 15}  # the app's default and the tests'


class Skip(Exception):
    """The benchmark cannot run here (a service or the saved pages are missing); the message says why."""


# --- results ------------------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    title: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)  # "PASS …", "FAIL …", or plain notes
    notes: list[str] = field(default_factory=list)
    # Rows of the README snippet: [benchmark, measured, baseline in the same run, target, result].
    summary: list[list[str]] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str = ""
    # 1-minute load average before and after; "before" is other people's work (after includes our own).
    load: tuple[float, float] = (0.0, 0.0)
    # What it ran on, for a benchmark whose services live in its own side processes (bench/cdio.py).
    services: str = ""


SNIPPET_HEADERS = ["benchmark", "measured", "baseline (same run)", "target", "result"]


def snippet(results: Sequence[Result]) -> str:
    """The short markdown for the README: one line per figure that matters, with its baseline and target."""
    svc = _services.describe() if _services else next((r.services for r in results if r.services), "no services")
    cores = os.cpu_count() or 0
    busiest = max((r.load[0] for r in results), default=0.0)
    lines = [
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d')}: {cores} cores, {svc}, "
        f"Python {sys.version.split()[0]}; {sum(r.seconds for r in results):.0f} s in all.",
        "",
        "| " + " | ".join(SNIPPET_HEADERS) + " |",
        "|" + "|".join("---" for _ in SNIPPET_HEADERS) + "|",
    ]
    for r in results:
        if r.skipped:
            lines.append(f"| {r.name} | skipped: {r.skipped} |  |  |  |")
        for row in r.summary:
            lines.append("| " + " | ".join(row) + " |")
    if busiest > cores * 0.75:
        lines += ["", f"(The machine was busy before a benchmark — load average {busiest:.1f} on {cores} cores.)"]
    return "\n".join(lines) + "\n"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A small aligned table: text columns left-aligned, numbers right-aligned."""
    rows = [list(map(str, r)) for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def numeric(col: int) -> bool:
        cells = [r[col] for r in rows if r[col] not in ("", "-")]
        return bool(cells) and all(_looks_numeric(c) for c in cells)

    right = [numeric(i) for i in range(len(headers))]

    def fmt(cells):
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True))

    out = [fmt(headers), "  ".join("-" * w for w in widths)]
    out += [fmt(r) for r in rows]
    return "\n".join(line.rstrip() for line in out)


def _looks_numeric(cell: str) -> bool:
    cell = cell.strip().rstrip("%x×s").replace(",", "").replace("+", "")
    try:
        float(cell)
    except ValueError:
        return False
    return True


def report(result: Result) -> Result:
    print()
    print(f"== {result.title} ==")
    if result.skipped:
        print(f"SKIPPED: {result.skipped}")
        return result
    print(table(result.headers, result.rows))
    for note in result.notes:
        print(note)
    for line in result.verdicts:
        print(line)
    busy = result.load[0] > (os.cpu_count() or 1) * 0.75
    print(
        f"({result.name}: {result.seconds:.1f} s; load average {result.load[0]:.1f} → {result.load[1]:.1f}"
        + (f" on {os.cpu_count()} cores: the machine was busy before it started, figures are noisy)" if busy else ")")
    )
    return result


def run_one(run, argv=None) -> Result:
    """Run one benchmark, timing it and noting how busy the machine was; a Skip becomes a skipped Result."""
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    module = sys.modules.get(run.__module__)
    spec = getattr(module, "__spec__", None)
    name = (spec.name if spec else run.__module__).rsplit(".", 1)[-1]
    try:
        result = run(argv)
    except Skip as exc:
        result = Result(name=name, title=f"bench.{name}", skipped=str(exc))
    result.seconds = result.seconds or time.monotonic() - started
    result.load = (load_before, os.getloadavg()[0])
    return report(result)


def run_alone(run, argv=None) -> int:
    """`python -m bench.X`: run one benchmark, print its table, then its README snippet."""
    result = run_one(run, argv)
    print()
    print(snippet([result]))
    return 0


# --- statistics ---------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in 0..100."""
    data = sorted(values)
    if not data:
        return float("nan")
    k = (len(data) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}" if seconds < 0.1 else f"{seconds * 1000:.0f}"


def verdict(ok: bool, text: str) -> str:
    return f"{'PASS' if ok else 'FAIL'}  {text}"


# --- saved pages --------------------------------------------------------------------------------------------


def fixture_files() -> list[Path]:
    """Every saved page under ../shared/fixtures/*/*, read in place (never copied)."""
    if not FIXTURES.is_dir():
        raise Skip(f"the saved pages are not here ({FIXTURES} is absent)")
    files = sorted(p for p in FIXTURES.glob("*/*") if p.is_file())
    if not files:
        raise Skip(f"no saved pages under {FIXTURES}")
    return files


def fixture(relative: str) -> Path:
    path = FIXTURES / relative
    if not path.is_file():
        raise Skip(f"saved page {relative} is absent ({path})")
    return path


# --- services and Django ------------------------------------------------------------------------------------


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port or 0), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class Services:
    database_url: str  # postgres://… (ours) or sqlite:///… in DATA_DIR
    redis_url: str  # "" when Redis is not reachable
    data_dir: Path

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith(("postgres", "postgresql"))

    def describe(self) -> str:
        db = urlsplit(self.database_url)
        database = f"PostgreSQL {db.hostname}:{db.port or 5432}{db.path}" if self.postgres else "SQLite"
        broker = f"Redis {urlsplit(self.redis_url).netloc}{urlsplit(self.redis_url).path}" if self.redis_url else ""
        return f"{database}, {broker or 'filesystem broker'}"


_services: Services | None = None


def services() -> Services:
    """Choose the bench's database and Redis DB, and point this process's Django at them (once)."""
    global _services
    if _services is not None:
        return _services
    data_dir = Path(tempfile.mkdtemp(prefix="dropwatch-bench-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)

    database_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if database_url.startswith(("postgres", "postgresql")) and reachable(database_url):
        name = urlsplit(database_url).path.lstrip("/")
        if "bench" not in name:
            raise SystemExit(
                f"bench: refusing to create/drop database {name!r} (its name lacks 'bench'). "
                "Set BENCH_DATABASE_URL=postgres://…/dropwatch_bench."
            )
    else:
        if database_url.startswith(("postgres", "postgresql")):
            print(f"bench: PostgreSQL at {urlsplit(database_url).netloc} is not reachable; using SQLite", flush=True)
        database_url = f"sqlite:///{data_dir / 'bench.sqlite3'}"

    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if reachable(redis_url):
        db_number = int((urlsplit(redis_url).path.lstrip("/") or "0").split("/")[0] or 0)
        if db_number in FORBIDDEN_REDIS_DBS:
            raise SystemExit(
                f"bench: refusing to flush Redis DB {db_number} (the app's or the tests'). "
                "Set BENCH_REDIS_URL=redis://127.0.0.1:6379/12."
            )
    else:
        print(f"bench: Redis at {urlsplit(redis_url).netloc} is not reachable; using the filesystem broker", flush=True)
        redis_url = ""

    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        LOCAL_MODE="1",
        DEMO_MODE="0",
        DEBUG="0",
        DATA_DIR=str(data_dir),
        SECRET_KEY="bench-only-not-secret",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        FETCH_ALLOWED_HOSTS="127.0.0.1",
        FETCH_HOST_INTERVAL="0",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    )
    os.environ.pop("EMAIL_URL", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    _services = Services(database_url, redis_url, data_dir)
    return _services


def setup_django() -> Services:
    """Django without a database (parse and fetch need no tables)."""
    return services()


def _maintenance_dsn(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, "")), name


def _drop_create(database_url: str, *, create: bool) -> None:
    import psycopg

    dsn, name = _maintenance_dsn(database_url.replace("postgres://", "postgresql://", 1))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def bench_database():
    """Our own freshly migrated database and an empty Redis DB; dropped and flushed afterwards.

    Only one bench run at a time may own them: a second one stops with a message instead of dropping the
    database under the first one's feet."""
    svc = services()
    lock_path = Path(tempfile.gettempdir()) / f"dropwatch-bench-{zlib.crc32(svc.database_url.encode()):08x}.lock"
    lock = open(lock_path, "w")  # noqa: SIM115 - held for the duration of the block
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise Skip("another bench run is using the bench database right now") from None
    from django.core.management import call_command
    from django.db import connections

    try:
        if svc.postgres:
            _drop_create(svc.database_url, create=True)
        flush_redis(svc)
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        print(f"bench: migrated {svc.describe()} in {time.monotonic() - started:.1f} s", flush=True)
        yield svc
    finally:
        connections.close_all()
        if svc.postgres:
            _drop_create(svc.database_url, create=False)
        else:
            with contextlib.suppress(OSError):
                Path(svc.database_url.removeprefix("sqlite:///")).unlink()
        flush_redis(svc)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def flush_redis(svc: Services) -> None:
    if svc.redis_url:
        import redis

        redis.Redis.from_url(svc.redis_url).flushdb()


def bench_user(username: str = "bench"):
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
    return user


# --- the local shop, in its own process -----------------------------------------------------------------------


class ShopProcess:
    """`python -m bench.shop` in a separate process, so serving pages does not share this process's GIL
    with the client being measured. Serves saved pages in place under /fixture/<dir>/<file> and generated
    product pages under /product/<n>."""

    def __init__(self, *, product_bytes: int = 0):
        args = [sys.executable, "-m", "bench.shop", "--fixtures", str(FIXTURES)]
        if product_bytes:
            args += ["--product-bytes", str(product_bytes)]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("port "):
            self.proc.kill()
            raise RuntimeError(f"bench shop did not start: {line!r}")
        self.port = int(line.split()[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
