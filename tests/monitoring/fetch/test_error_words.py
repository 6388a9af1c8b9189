"""Fetch failures say what happened in words (monitoring/fetch/netguard.py, client.py, config/fetch_words.py):
no "[Errno -3] Temporary failure in name resolution", no quoted word the user never typed. Real sockets on
127.0.0.1; only the name lookup of an unknown shop is stood in for (it would ask the internet's DNS)."""

import logging
import socket

import pytest

from monitoring.fetch import Fetcher, FetchError
from monitoring.fetch.netguard import RefusedError, system_resolver, vet_url
from monitoring.fetch.politeness import LocalLimiter
from monitoring.statuses import CheckStatus
from tests.support.servers import LocalShop

RAW = ("Errno", "[SSL", "ConnectError", "gaierror", "Timeout(", "'this'", "httpx")


def fetcher(**kwargs) -> Fetcher:
    options = {"allowed_hosts": ["127.0.0.1"], "total_timeout": 5, "max_retries": 0, "limiter": LocalLimiter(0)}
    return Fetcher(**{**options, **kwargs})


def failure(url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as raised:
        fetcher(**kwargs).get(url)
    for raw in RAW:
        assert raw not in raised.value.message, raised.value.message
    return raised.value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection(caplog):
    with caplog.at_level(logging.INFO, logger="monitoring.fetch.client"):
        error = failure(f"http://127.0.0.1:{free_port()}/p", max_retries=1, sleep=lambda s: None)
    assert error.status == CheckStatus.ERROR
    assert error.message == "The shop's server refused the connection (tried 2 times)."
    assert "Connection refused" in caplog.text  # the technical detail is kept, in the log


def test_a_shop_that_does_not_answer_in_time():
    with socket.socket() as sock:  # listens, never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        error = failure(f"http://127.0.0.1:{sock.getsockname()[1]}/p", total_timeout=1.5, phase_timeout=0.5)
    assert error.status == CheckStatus.ERROR
    assert error.message.startswith(("The shop did not answer in time", "The shop took longer than"))


def test_a_tls_failure():
    shop = LocalShop()  # plain http: a TLS handshake with it fails as a bad certificate or protocol would
    try:
        error = failure(shop.url("/p").replace("http://", "https://"))
    finally:
        shop.close()
    assert error.message.startswith("The shop's secure connection failed")


def test_an_unknown_shop_name(monkeypatch, caplog):
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    with caplog.at_level(logging.INFO, logger="monitoring.fetch.netguard"), pytest.raises(RefusedError) as raised:
        system_resolver("shop-that-is-not.example", 443)
    assert str(raised.value) == (
        "No shop could be found at shop-that-is-not.example: the name does not exist or could not be looked up just "
        "now. Check the spelling of the address."
    )
    assert "Temporary failure in name resolution" in caplog.text


def test_a_private_address_and_a_scheme_are_said_without_quoting_what_was_not_typed():
    with pytest.raises(RefusedError) as private:
        vet_url("https://intranet.example/p", resolver=lambda host, port: ["10.0.0.5"])
    assert str(private.value) == (
        "intranet.example points to a private or reserved network address (10.0.0.5), not to a public shop; "
        "Dropwatch only fetches public shop pages."
    )
    with pytest.raises(RefusedError) as ftp:
        vet_url("ftp://shop.example/p")
    assert str(ftp.value) == "Only http:// and https:// addresses are fetched (this one starts with “ftp:”)."
    with pytest.raises(RefusedError) as bare:
        vet_url("//shop.example/p")
    assert "'this'" not in str(bare.value) and "does not start with either" in str(bare.value)
