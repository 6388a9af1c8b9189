"""config/testenv.py: which database and broker `make test` runs on, decided with fake probes (no server)."""

import re

import pytest

from config.testenv import Choice, ProvisionError, ServiceMissing, Target, choose_broker, choose_database

URL = "postgres://dropwatch@127.0.0.1:5433/dropwatch"
MISSING_ROLE = 'role "dropwatch" does not exist'


class FakePostgres:
    """Answers `check` from a script of errors; `create` records the call and returns or raises."""

    def __init__(self, *errors, created=("role dropwatch", "database dropwatch"), refuse=None):
        self.errors = list(errors)
        self.created = list(created)
        self.refuse = refuse
        self.create_calls = 0

    def check(self, target):
        return self.errors.pop(0) if self.errors else ""

    def create(self, target):
        self.create_calls += 1
        if self.refuse:
            raise ProvisionError(self.refuse)
        return self.created


def choose(pg, url=URL, require=False, reachable=True):
    return choose_database(url, require=require, reachable=lambda h, p: reachable, check=pg.check, create=pg.create)


def test_a_usable_postgres_is_used_as_it_is():
    pg = FakePostgres()
    assert choose(pg) == Choice(URL, "")
    assert pg.create_calls == 0


def test_a_missing_role_is_created_and_said_so():
    pg = FakePostgres(MISSING_ROLE)
    assert choose(pg) == Choice(URL, "created role dropwatch and database dropwatch")


def test_a_missing_role_that_cannot_be_created_falls_back_to_sqlite_and_says_why():
    pg = FakePostgres(MISSING_ROLE, refuse="postgres may not create roles")
    choice = choose(pg)
    assert choice.url == ""
    assert choice.note == (
        "PostgreSQL answered at 127.0.0.1:5433 but role dropwatch is missing and could not be created: "
        "postgres may not create roles"
    )


def test_with_require_services_an_impossible_role_is_a_failure():
    with pytest.raises(ServiceMissing, match=r"REQUIRE_SERVICES=1 but DATABASE_URL: .*role dropwatch is missing"):
        choose(FakePostgres(MISSING_ROLE, refuse="no administrator could connect"), require=True)


def test_a_role_created_but_still_unusable_falls_back():
    pg = FakePostgres(MISSING_ROLE, "password authentication failed", created=["role dropwatch"])
    choice = choose(pg)
    assert choice.url == ""
    assert choice.note.endswith("created role dropwatch, still: password authentication failed")


def test_nothing_listening_falls_back_or_fails_when_required():
    pg = FakePostgres()
    assert choose(pg, reachable=False) == Choice("", "nothing answers at 127.0.0.1:5433")
    with pytest.raises(ServiceMissing, match=re.escape("nothing answers at 127.0.0.1:5433")):
        choose(pg, reachable=False, require=True)
    assert pg.create_calls == 0


def test_a_remote_server_is_never_provisioned():
    pg = FakePostgres(MISSING_ROLE)
    choice = choose(pg, url="postgres://dropwatch@db.example.com/dropwatch")
    assert choice.url == "" and "not a local server" in choice.note
    assert pg.create_calls == 0


def test_a_non_postgres_database_url_means_sqlite():
    assert choose(FakePostgres(), url="sqlite:////tmp/x.sqlite3").url == ""


def test_the_target_reads_user_password_host_port_and_database_from_the_url():
    target = Target.from_url("postgresql://dw%40x:s%3Acret@localhost:6543/dw_db")
    assert (target.user, target.password, target.host, target.port, target.dbname) == (
        "dw@x",
        "s:cret",
        "localhost",
        6543,
        "dw_db",
    )
    assert target.is_local


def test_redis_is_used_when_it_answers_else_the_filesystem_broker():
    url = "redis://127.0.0.1:6379/13"
    assert choose_broker(url, require=False, reachable=lambda h, p: True) == Choice(url)
    assert choose_broker(url, require=False, reachable=lambda h, p: False) == Choice(
        "", "nothing answers at 127.0.0.1:6379"
    )
    with pytest.raises(ServiceMissing, match="REDIS_URL"):
        choose_broker(url, require=True, reachable=lambda h, p: False)
