"""Apprise channel URLs: which ones we accept, where they connect, and how they are shown.

A channel must not become a way into the server's network, so an URL is vetted when it is saved and again
right before each send, with the fetcher's rules (`monitoring.fetch.netguard`: every address the host
resolves to must be public; `FETCH_ALLOWED_HOSTS` lets named hosts through, "host" or "host:port").

Two kinds of scheme are accepted:

- Services whose endpoint is the user's own server (`json://host:port/path`, `ntfy://host/topic`,
  `gotify://host/token`, ...): the host Apprise itself parsed from the URL (the one it will connect to) is
  vetted. ntfy without a server (`ntfy://topic`) posts to ntfy.sh and needs no check.
- Services whose endpoint is a fixed public API (`slack://`, `discord://`, `tgram://`, `pover://`,
  `pbul://`): the "host" part of those URLs is a token, not a place; Apprise always posts to the service's
  own public host, so there is nothing of ours it can reach and no host check is needed.

Anything else is refused: a scheme we have not classified could take a host we do not check. Plain
`https://` webhook URLs that Apprise recognises (Slack, Discord) are vetted like a fetch.

Known limit: Apprise resolves the host again when it connects, so a DNS answer that changes between our check
and its connection (rebinding) is not caught; redirects are not followed while a channel is sent (see
`no_redirects`).
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from urllib.parse import urlsplit

import apprise
import requests.sessions
from django.conf import settings

from ..fetch import netguard

# Endpoint is the host in the URL (the user's own server).
HOST_SCHEMES = {
    "json",
    "jsons",
    "xml",
    "xmls",
    "form",
    "forms",
    "ntfy",
    "ntfys",
    "gotify",
    "gotifys",
    "apprise",
    "apprises",
    "mmost",
    "mmosts",
    "rocket",
    "rockets",
    "workflow",
    "workflows",
}
# Endpoint is a fixed public service; the URL's "host" is a token.
FIXED_SERVICE_SCHEMES = {"slack", "discord", "tgram", "pover", "pbul"}
WEB_SCHEMES = {"http", "https"}


class ChannelRefused(Exception):
    """This channel URL will not be used. The message says why, in words a user understands."""


def _asset() -> apprise.AppriseAsset:
    # Nothing written to disk by Apprise's persistent store.
    return apprise.AppriseAsset(storage_mode="memory")


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def instantiate(url: str):
    """Apprise's own reading of the URL (a plugin object), or ChannelRefused."""
    url = (url or "").strip()
    scheme = scheme_of(url)
    if scheme not in HOST_SCHEMES | FIXED_SERVICE_SCHEMES | WEB_SCHEMES:
        raise ChannelRefused(
            f"Channels of kind {scheme or 'this'!r} are not supported. Use one of: "
            + ", ".join(sorted(HOST_SCHEMES | FIXED_SERVICE_SCHEMES))
            + "."
        )
    plugin = apprise.Apprise.instantiate(url, asset=_asset())
    if plugin is None:
        raise ChannelRefused("Apprise cannot read this URL: check it against Apprise's documentation.")
    return plugin


def endpoint(url: str, plugin) -> tuple[str, int] | None:
    """The (host, port) this URL connects to when it is the user's own server; None for a fixed service."""
    scheme = scheme_of(url)
    if scheme in WEB_SCHEMES:
        parts = urlsplit(url.strip())
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise ChannelRefused("The URL has an invalid port.") from None
        return (parts.hostname or "").lower().rstrip("."), port
    if scheme in FIXED_SERVICE_SCHEMES:
        return None
    if scheme in ("ntfy", "ntfys") and getattr(plugin, "mode", "") == "cloud":
        return None  # ntfy.sh
    host = (getattr(plugin, "host", None) or "").lower().rstrip(".").strip("[]")
    secure = bool(getattr(plugin, "secure", False))
    port = getattr(plugin, "port", None) or (443 if secure else 80)
    return host, int(port)


def vet(url: str, *, resolver: netguard.Resolver = netguard.system_resolver) -> None:
    """Refuse (ChannelRefused) an URL Apprise cannot read or whose server is not public."""
    plugin = instantiate(url)
    target = endpoint(url, plugin)
    if target is None:
        return
    host, port = target
    if not host:
        raise ChannelRefused("The URL has no server name.")
    bracketed = f"[{host}]" if ":" in host else host
    try:
        netguard.vet_url(
            f"http://{bracketed}:{port}/",
            allowed_hosts=getattr(settings, "FETCH_ALLOWED_HOSTS", ()),
            resolver=resolver,
        )
    except netguard.RefusedError as exc:
        text = str(exc).replace("Dropwatch only fetches public shop pages.", "Channels must be on the internet.")
        raise ChannelRefused(text.replace("The shop's address", "The channel's server")) from None


def mask(url: str) -> str:
    """Scheme + server + the last characters: enough to recognise a channel, never its secrets. For a fixed
    service (and ntfy.sh) the "host" is itself a token, so only the scheme and a tail are shown."""
    url = (url or "").strip()
    scheme = scheme_of(url)
    if not scheme:
        return "…"
    rest = url.split("://", 1)[1]
    try:
        own_server = endpoint(url, instantiate(url)) is not None
    except ChannelRefused:
        own_server = scheme in HOST_SCHEMES | WEB_SCHEMES
    if not own_server:
        return f"{scheme}://…{rest.rstrip('/')[-4:] if len(rest) > 12 else ''}"
    parts = urlsplit(url)
    try:
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        host, port = "", ""
    if ":" in host:
        host = f"[{host}]"
    path = (parts.path + ("?" + parts.query if parts.query else "")).rstrip("/")
    return f"{scheme}://{host}{port}/…{path[-4:] if len(path) > 8 else ''}"


# --- no redirects while a channel is sent -------------------------------------------------------------------
# Apprise's plugins call `requests.post`, which follows redirects: a vetted public server could otherwise
# answer 307 to an internal address. While `no_redirects()` is active, requests sees no redirect
# target (the 3xx answer is what the plugin gets, and reports as a failure). A context variable,
# not a thread-local: Apprise runs services in workers with a copy of the caller's context.

_no_redirects = contextvars.ContextVar("dropwatch_no_redirects", default=False)
_original_redirect_target = requests.sessions.Session.get_redirect_target


def _guarded_redirect_target(self, resp):
    if _no_redirects.get():
        return None
    return _original_redirect_target(self, resp)


requests.sessions.Session.get_redirect_target = _guarded_redirect_target


@contextmanager
def no_redirects():
    token = _no_redirects.set(True)
    try:
        yield
    finally:
        _no_redirects.reset(token)
