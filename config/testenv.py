"""Which database and broker the test suite runs on, decided once by config/testing_settings.py.

`make test` must pass on any machine with no setup:
- nothing answers at DATABASE_URL (default postgres://dropwatch@127.0.0.1:5432/dropwatch): SQLite;
- PostgreSQL answers but the role or its database is missing (a newcomer's PostgreSQL has only `postgres`
  and the OS user): on a local server, connect as `postgres`, then as the OS user, and create the role
  (LOGIN CREATEDB, since pytest-django creates the test database) and its database; when that is not
  allowed, SQLite;
- nothing answers at REDIS_URL (default redis://127.0.0.1:6379/15): kombu's filesystem broker.
With REQUIRE_SERVICES=1 (CI) each of these fallbacks is an error instead. Existing roles are never
altered. Each choice carries a note for the test header saying what happened.

The decisions (`choose_database`, `choose_broker`) take their probes as arguments, so
tests/config/test_testenv.py checks them without a server.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
ADMIN_DATABASES = ("postgres", "template1")
CONNECT_TIMEOUT = 3


class ServiceMissing(RuntimeError):
    """REQUIRE_SERVICES=1 and a service the suite needs is not usable."""


class ProvisionError(Exception):
    """The missing role or database could not be created; the message says why."""


@dataclass(frozen=True)
class Choice:
    url: str  # what the run uses; "" means the embedded fallback (SQLite, the filesystem broker)
    note: str = ""  # for the test header; empty when the service simply answered


@dataclass(frozen=True)
class Target:
    """The PostgreSQL a DATABASE_URL names."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> Target:
        parts = urlsplit(url)
        return cls(
            host=unquote(parts.hostname or ""),
            port=parts.port or 5432,
            user=unquote(parts.username or "") or getpass.getuser(),
            password=unquote(parts.password or ""),
            dbname=unquote(parts.path.lstrip("/")) or "postgres",
        )

    @property
    def address(self) -> str:
        return f"{self.host or 'the local socket'}:{self.port}"

    @property
    def is_local(self) -> bool:
        return not self.host or self.host in LOCAL_HOSTS or self.host.startswith("/")


# --- Probes (the real ones; tests pass fakes) -----------------------------------------------------


def tcp_reachable(host: str, port: int) -> bool:
    if not host or host.startswith("/"):
        return True  # a Unix socket: let the connection attempt answer
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def short_error(exc: BaseException) -> str:
    """libpq's one useful clause: 'role "dropwatch" does not exist', not the whole 'connection to ...' line."""
    text = " ".join(str(exc).split())
    for marker in ("FATAL:", "ERROR:", "failed: "):
        if marker in text:
            text = text.rsplit(marker, 1)[1].strip()
            break
    return text or type(exc).__name__


def _connect(target: Target, user: str, dbname: str):
    import psycopg

    return psycopg.connect(
        host=target.host or None,
        port=target.port,
        user=user,
        password=(target.password or None) if user == target.user else None,
        dbname=dbname,
        connect_timeout=CONNECT_TIMEOUT,
        autocommit=True,
    )


def connect_error(target: Target) -> str:
    """'' when the suite can use this role and database as they are, else what is wrong."""
    import psycopg

    try:
        with _connect(target, target.user, target.dbname) as conn:
            row = conn.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    except psycopg.Error as exc:
        return short_error(exc)
    if not (row and row[0]):
        return f'role "{target.user}" lacks CREATEDB'
    return ""


def admin_users(target: Target) -> list[str]:
    """Who may create the role on a newcomer's machine: `postgres`, then the OS user."""
    users = []
    for user in ("postgres", getpass.getuser()):
        if user and user != target.user and user not in users:
            users.append(user)
    return users


def provision(target: Target) -> list[str]:
    """Create the role and database `target` names, as the first administrator that can connect.

    Returns what was created ("role dropwatch", "database dropwatch"); raises ProvisionError.
    """
    import psycopg

    tried = []
    for admin in admin_users(target):
        for dbname in ADMIN_DATABASES:
            try:
                conn = _connect(target, admin, dbname)
            except psycopg.Error as exc:
                tried.append(f"as {admin}: {short_error(exc)}")
                if "does not exist" in str(exc) and f'"{dbname}"' in str(exc):
                    continue  # that administrator database is missing: try the next one
                break
            with conn:
                return _create_missing(conn, target, admin)
    raise ProvisionError("no administrator could connect (" + "; ".join(tried) + ")")


def _create_missing(conn, target: Target, admin: str) -> list[str]:
    from psycopg import errors, sql

    created = []
    row = conn.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = %s", [target.user]).fetchone()
    if row is None:
        statement = sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(target.user))
        if target.password:
            statement += sql.SQL(" PASSWORD {}").format(sql.Literal(target.password))
        try:
            conn.execute(statement)
            created.append(f"role {target.user}")
        except errors.DuplicateObject:
            pass  # another test run created it a moment ago
        except errors.InsufficientPrivilege as exc:
            raise ProvisionError(f"{admin} may not create roles ({short_error(exc)})") from exc
    elif not row[0]:
        raise ProvisionError(f"an existing role is left as it is (ALTER ROLE {target.user} CREATEDB would do)")
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target.dbname]).fetchone()
    if exists is None:
        statement = sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(target.dbname), sql.Identifier(target.user)
        )
        try:
            conn.execute(statement)
            created.append(f"database {target.dbname}")
        except errors.DuplicateDatabase:
            pass
        except errors.InsufficientPrivilege as exc:
            raise ProvisionError(f"{admin} may not create databases ({short_error(exc)})") from exc
    return created


# --- Decisions --------------------------------------------------------------------------------------


def _problem(error: str, target: Target) -> tuple[str, str]:
    """What is wrong, in the header's words, and what fixing it would be called."""
    if f'role "{target.user}" does not exist' in error:
        return f"role {target.user} is missing", "created"
    if f'database "{target.dbname}" does not exist' in error:
        return f"database {target.dbname} is missing", "created"
    if f'role "{target.user}" lacks CREATEDB' in error:
        return f"role {target.user} may not create databases (pytest-django needs CREATEDB)", "fixed"
    return f"connecting as {target.user} gave: {error}", "fixed"


def choose_database(
    url: str,
    *,
    require: bool,
    reachable: Callable[[str, int], bool] = tcp_reachable,
    check: Callable[[Target], str] = connect_error,
    create: Callable[[Target], list[str]] = provision,
) -> Choice:
    """The PostgreSQL `url` names, made usable when we may; else '' (SQLite), or ServiceMissing if required."""

    def fallback(why: str) -> Choice:
        if require:
            raise ServiceMissing(f"REQUIRE_SERVICES=1 but DATABASE_URL: {why}")
        return Choice("", why)

    if urlsplit(url).scheme not in POSTGRES_SCHEMES:
        return fallback(f"DATABASE_URL is not PostgreSQL ({url.split(':', 1)[0]}://)")
    target = Target.from_url(url)
    if not reachable(target.host, target.port):
        return fallback(f"nothing answers at {target.address}")
    error = check(target)
    if not error:
        return Choice(url)
    problem, fix = _problem(error, target)
    if not target.is_local:
        return fallback(f"PostgreSQL answered at {target.address} but {problem} (left alone: not a local server)")
    try:
        created = create(target)
    except ProvisionError as exc:
        return fallback(f"PostgreSQL answered at {target.address} but {problem} and could not be {fix}: {exc}")
    error = check(target)
    if error:
        done = f"created {' and '.join(created)}, " if created else ""
        return fallback(f"PostgreSQL answered at {target.address} but {problem}; {done}still: {error}")
    return Choice(url, f"created {' and '.join(created)}" if created else "")


def choose_broker(url: str, *, require: bool, reachable: Callable[[str, int], bool] = tcp_reachable) -> Choice:
    """The Redis `url` names when it answers; else '' (the filesystem broker), or ServiceMissing if required."""
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss") and parts.hostname and reachable(parts.hostname, parts.port or 6379):
        return Choice(url)
    why = f"nothing answers at {parts.hostname}:{parts.port or 6379}" if parts.hostname else f"no Redis in {url!r}"
    if require:
        raise ServiceMissing(f"REQUIRE_SERVICES=1 but REDIS_URL: {why}")
    return Choice("", why)
