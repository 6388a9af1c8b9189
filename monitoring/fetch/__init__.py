"""Stage 1, fetch: the one HTTP client (client.py), the SSRF guard (netguard.py), per-site politeness shared
by all workers (politeness.py), and block-page recognition (blocks.py). Everything a shop sends us comes
through here as a Page (page.py) or a FetchError."""

from .client import Fetcher, FetchError, build_fetcher, get_fetcher, reset_fetcher
from .page import Page

__all__ = ["FetchError", "Fetcher", "Page", "build_fetcher", "get_fetcher", "reset_fetcher"]
