"""What every platform adapter is: a pure `parse(page) -> Observation`, plus `observe()` for live checks.

`parse` works on a fetched or saved document and does no I/O, so adapters are tested on saved real pages.
`observe` fetches whatever the platform needs (an extra JSON request, a reviews feed) through the one
fetcher, then parses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..fetch.page import Page
from ..observation import Observation
from ..sanitize import clean_observation
from ..statuses import CheckStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchContext:
    """Who is looking: prices are read in this currency and ship-to country (AliExpress switches with IP)."""

    currency: str = "USD"
    ship_to: str = "US"
    language: str = "en_US"


class ParseError(Exception):
    """The page was fetched but holds none of the data we expect (status: unparseable)."""


class Adapter:
    platform: str = ""

    def sniff(self, text: str) -> bool:
        """Does a saved document look like this platform's? (used by `inspect FILE`)"""
        return False

    def parse(self, page: Page) -> Observation:  # pragma: no cover - interface
        raise NotImplementedError

    def observe(self, url: str, fetcher, ctx: FetchContext) -> Observation:
        """A live check: fetch the page and parse it. Adapters that need more requests override this."""
        return observe_page(self, fetcher.get(url), url)


def observe_page(adapter: Adapter, page: Page, url: str = "") -> Observation:
    """Turn a fetched page into an Observation, never parsing a block page or an error page as data."""
    url = url or page.url
    if page.blocked_reason:
        return Observation.failed(CheckStatus.BLOCKED, page.blocked_reason, url=url, platform=adapter.platform)
    if page.status_code in (404, 410):
        return Observation.failed(
            CheckStatus.NOT_FOUND,
            f"The shop answered {page.status_code}: the listing is gone.",
            url=url,
            platform=adapter.platform,
        )
    if page.status_code >= 400:
        return Observation.failed(
            CheckStatus.ERROR, f"The shop answered HTTP {page.status_code}.", url=url, platform=adapter.platform
        )
    try:
        obs = adapter.parse(page)
    except ParseError as exc:
        return Observation.failed(CheckStatus.UNPARSEABLE, str(exc), url=url, platform=adapter.platform)
    except Exception as exc:  # a parser bug must not crash the check: record it, a human looks later
        log.exception("parser %s raised on %s", adapter.platform, url)
        return Observation.failed(
            CheckStatus.UNPARSEABLE,
            f"The {adapter.platform} parser failed: {type(exc).__name__}: {exc}"[:480],
            url=url,
            platform=adapter.platform,
        )
    obs.url = obs.url or url
    obs.platform = obs.platform or adapter.platform
    obs = clean_observation(obs)  # out-of-domain values become unknown before anything looks at them
    nothing_read = obs.price is None and not obs.title and obs.rating is None and obs.in_stock is None
    if obs.ok and nothing_read and (obs.store is None or obs.store.is_empty()):
        return Observation.failed(
            CheckStatus.UNPARSEABLE,
            "No price, title, rating or availability found on the page.",
            url=url,
            platform=adapter.platform,
        )
    return obs
