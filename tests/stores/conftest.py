import pytest

from stores import shopify
from tests.support.fake_shopify import API_VERSION, FakeShopify


@pytest.fixture
def fake_shopify(settings):
    """A fake Admin API on 127.0.0.1, allow-listed the way the shop tests allow theirs."""
    fake = FakeShopify()
    settings.FETCH_ALLOWED_HOSTS = [fake.domain]
    settings.SHOPIFY_ADMIN_SCHEME = "http"
    settings.SHOPIFY_API_VERSION = API_VERSION
    settings.STORES_REQUEST_INTERVAL = 0.0
    shopify.reset_admin_fetcher()
    yield fake
    fake.close()
    shopify.reset_admin_fetcher()


class SleepLog(list):
    """Records what the client chose to wait, and waits it (the fake enforces its Retry-After)."""

    def __call__(self, seconds: float) -> None:
        import time

        self.append(seconds)
        time.sleep(seconds)


@pytest.fixture
def sleeps():
    return SleepLog()
