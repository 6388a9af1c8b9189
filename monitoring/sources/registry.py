"""Which adapter reads which page: chosen from the URL, or from the content of a saved file."""

from __future__ import annotations

from functools import cache

from suppliers.platforms import Platform, detect

from .aliexpress import AliExpressAdapter
from .base import Adapter
from .shopify import ShopifyAdapter
from .structured import StructuredAdapter


@cache
def adapters() -> dict[str, Adapter]:
    return {a.platform: a for a in (AliExpressAdapter(), ShopifyAdapter(), StructuredAdapter())}


def names() -> list[str]:
    return list(adapters())


def adapter_for(platform: str) -> Adapter:
    try:
        return adapters()[platform]
    except KeyError:
        raise ValueError(f"Unknown platform {platform!r}; known: {', '.join(adapters())}") from None


def adapter_for_url(url: str) -> Adapter:
    return adapter_for(detect(url).platform)


def adapter_for_content(text: str, url: str = "") -> Adapter:
    """A saved file: the adapter whose sniff() recognises a platform's own format; else the URL's platform (as a
    live check of that URL would choose); else structured data, which also reads the visible page.

    Only the platform formats are sniffed (AliExpress pages also carry JSON-LD that structured data would take;
    Shopify's JSON is recognised by its first character). Structured data is not sniffed when the URL says:
    that sniff reads the whole text, and the URL gives the same answer a live check would."""
    for name in (Platform.ALIEXPRESS, Platform.SHOPIFY):
        adapter = adapters()[name]
        if adapter.sniff(text):
            return adapter
    if url:
        return adapter_for_url(url)
    return adapters()[Platform.STRUCTURED]
