"""The one fetcher: every request Dropwatch makes to a shop goes through `Fetcher.get` / `Fetcher.post`.

What it guarantees, whatever the server does:
- SSRF guard (monitoring.fetch.netguard): every hop is vetted and connected to the vetted address only;
- a total deadline per call (retries and waits included), enforced by closing the socket, so a server that
  trickles a byte every few seconds, in the headers or the body, cannot hold a worker;
- a body cap that bounds the *decompressed* size too (a gzip bomb stays small); stacked encodings refused;
- at most 5 redirects, each one vetted;
- per-host politeness shared by all workers, and Retry-After (seconds or HTTP-date) honoured for the
  whole host (monitoring.fetch.politeness);
- bounded retries with exponential backoff and full jitter for timeouts, resets, 5xx and 429;
- captcha / anti-bot pages flagged on the Page (monitoring.fetch.blocks), never parsed as data.
It returns a Page for any HTTP answer and raises FetchError when there is no answer to give.
"""

from __future__ import annotations

import codecs
import contextlib
import email.utils
import logging
import random
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from celery.exceptions import SoftTimeLimitExceeded
from httpcore._backends.sync import SyncStream

from config.fetch_words import what_happened

from ..statuses import CheckStatus
from . import blocks, netguard
from .page import Page
from .politeness import HostBusy, make_limiter

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
BACKOFF_BASE = 0.5  # seconds; attempt n waits uniform(0, min(BACKOFF_CAP, BASE * 2**n))
BACKOFF_CAP = 8.0
MAX_RETRY_AFTER = 120.0  # a longer Retry-After pauses the host but does not hold this worker
MAX_HOST_PAUSE = 3600.0  # no Retry-After pauses a host for longer: a shop cannot stop its own checks for good


def _network_failure(url: str, exc: Exception) -> str:
    """What a failed connection means, in one sentence; the technical detail goes to the log only."""
    detail = f"{type(exc).__name__}: {exc}"
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        detail += f" ({type(cause).__name__}: {cause})"
    log.info("connection to %s failed: %s", url, detail)
    return what_happened(detail) or "The connection to the shop failed."


class FetchError(Exception):
    """No answer we can use: refused (SSRF guard), timed out, too large, connection failed."""

    def __init__(self, status: CheckStatus, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Attempt:
    """The sockets one fetch opened, so the deadline watchdog can cut them."""

    sockets: list

    def cut(self):
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects only to addresses the fetcher vetted for this host and port: no second DNS lookup."""

    def __init__(self):
        self._local = threading.local()
        self.proxy_hosts: set[tuple[str, int]] = set()

    def pin(self, host: str, port: int, address: str, attempt: _Attempt) -> None:
        self._local.pins = {(host, port): address}
        self._local.attempt = attempt

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        pins = getattr(self._local, "pins", {})
        address = pins.get((host.lower(), port))
        if address is None:
            if (host, port) not in self.proxy_hosts:
                raise httpcore.ConnectError(f"refusing to connect to unvetted {host}:{port}")
            address = host  # the configured proxy resolves the shop itself
        try:
            sock = socket.create_connection(
                (address, port), timeout, source_address=None if local_address is None else (local_address, 0)
            )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for option in socket_options or []:
            sock.setsockopt(*option)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        attempt = getattr(self._local, "attempt", None)
        if attempt is not None:
            attempt.sockets.append(sock)
        return SyncStream(sock)


class Fetcher:
    def __init__(
        self,
        *,
        allowed_hosts=(),
        user_agent: str = "Dropwatch",
        accept_language: str = "en-US,en;q=0.8",
        proxy: str | None = None,
        total_timeout: float = 30.0,
        phase_timeout: float = 10.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_retries: int = 3,
        limiter=None,
        resolver: netguard.Resolver = netguard.system_resolver,
        sleep=time.sleep,
    ):
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.total_timeout = total_timeout
        self.phase_timeout = phase_timeout
        self.max_bytes = max_bytes
        self.max_retries = max_retries
        self.limiter = limiter or make_limiter(0.0)
        self.resolver = resolver
        self.sleep = sleep
        self._backend = _PinnedBackend()
        transport = httpx.HTTPTransport(proxy=proxy, limits=httpx.Limits(max_keepalive_connections=0))
        # Keep-alive is off: every request opens a connection to the address vetted for it, and the
        # deadline watchdog knows every socket it may have to cut. Politeness makes reuse rare anyway.
        pool_kwargs = {
            "ssl_context": httpx.create_ssl_context(),
            "max_keepalive_connections": 0,
            "network_backend": self._backend,
        }
        if proxy:
            proxy_url = httpx.URL(proxy)
            self._backend.proxy_hosts.add((proxy_url.host, proxy_url.port or 80))
            transport._pool = httpcore.HTTPProxy(
                proxy_url=httpcore.URL(
                    scheme=proxy_url.raw_scheme, host=proxy_url.raw_host, port=proxy_url.port, target=proxy_url.raw_path
                ),
                **pool_kwargs,
            )
        else:
            transport._pool = httpcore.ConnectionPool(**pool_kwargs)
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            headers={
                "User-Agent": user_agent,
                "Accept-Language": accept_language,
                "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
                "Accept-Encoding": "gzip, deflate",
            },
        )

    # --- public API ---------------------------------------------------------------------------------
    def get(self, url: str, *, params=None, headers=None, cookies=None, follow_redirects: bool = True) -> Page:
        return self.request(
            "GET", url, params=params, headers=headers, cookies=cookies, follow_redirects=follow_redirects
        )

    def post(self, url: str, *, data=None, json=None, headers=None, cookies=None) -> Page:
        return self.request("POST", url, data=data, json=json, headers=headers, cookies=cookies)

    def request(
        self, method: str, url: str, *, cookies=None, headers=None, follow_redirects: bool = True, **kwargs
    ) -> Page:
        # Cookies go in as a header and none are kept: the client is shared by every user's checks.
        headers = dict(headers or {})
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        kwargs["headers"] = headers
        deadline = time.monotonic() + self.total_timeout
        for attempt in range(self.max_retries + 1):
            last_attempt = attempt == self.max_retries
            try:
                page = self._follow(method, url, deadline, follow_redirects=follow_redirects, **kwargs)
            except (FetchError, SoftTimeLimitExceeded):
                raise
            except _Retryable as exc:
                if last_attempt:
                    tries = f"tried {attempt + 1} times" if attempt else "tried once"
                    raise FetchError(CheckStatus.ERROR, f"{str(exc).rstrip('.')} ({tries}).") from None
                self._backoff(attempt, deadline, str(exc))
                continue
            except Exception as exc:  # anything else a server made httpx or us raise: a failed fetch, never a crash
                log.exception("fetch of %s raised", url)
                raise FetchError(
                    CheckStatus.ERROR, f"The fetch failed unexpectedly: {type(exc).__name__}: {exc}"[:480]
                ) from None
            if page.status_code in RETRY_STATUSES and not last_attempt:
                retry_after = _retry_after_seconds(page.headers.get("retry-after", ""))
                if retry_after is not None and page.status_code in (429, 503):
                    retry_after = min(retry_after, MAX_HOST_PAUSE)
                    self.limiter.pause(urlsplit(page.url).hostname or "", retry_after)
                    if retry_after > min(MAX_RETRY_AFTER, deadline - time.monotonic()):
                        raise FetchError(
                            CheckStatus.ERROR,
                            f"The shop asked us to wait {retry_after:.0f} s before asking again (HTTP "
                            f"{page.status_code}); the whole host is paused until then.",
                        )
                    continue  # the limiter makes the next attempt wait for the pause
                self._backoff(attempt, deadline, f"HTTP {page.status_code}")
                continue
            return page
        raise AssertionError("unreachable")  # pragma: no cover

    # --- internals ----------------------------------------------------------------------------------
    def _backoff(self, attempt: int, deadline: float, why: str) -> None:
        delay = random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))
        if time.monotonic() + delay >= deadline:
            raise FetchError(CheckStatus.ERROR, f"{why}; no time left to retry within {self.total_timeout:.0f} s.")
        log.info("fetch retry in %.2fs after %s", delay, why)
        self.sleep(delay)

    def _follow(self, method: str, url: str, deadline: float, *, follow_redirects: bool = True, **kwargs) -> Page:
        for _hop in range(MAX_REDIRECTS + 1):
            response_page, location = self._send_once(method, url, deadline, **kwargs)
            # follow_redirects=False: the caller sends a credential (a store's access token) that must not
            # travel to wherever a redirect points; it gets the 3xx page (with its Location) instead.
            if location is None or not follow_redirects:
                return response_page
            try:
                url = urljoin(url, location)
            except ValueError:
                raise FetchError(
                    CheckStatus.ERROR, f"The shop redirected to an invalid address ({location[:200]!r})."
                ) from None
            if response_page.status_code in (301, 302, 303) and method == "POST":
                method, kwargs = "GET", {"headers": kwargs.get("headers")}
            kwargs.pop("params", None)  # the Location carries its own query
        raise FetchError(CheckStatus.ERROR, f"Too many redirects (more than {MAX_REDIRECTS}).")

    def _send_once(self, method: str, url: str, deadline: float, **kwargs) -> tuple[Page, str | None]:
        try:
            target = netguard.vet_url(url, allowed_hosts=self.allowed_hosts, resolver=self.resolver)
        except netguard.RefusedError as exc:
            raise FetchError(CheckStatus.REFUSED, str(exc)) from None
        remaining = deadline - time.monotonic()
        try:
            wait = self.limiter.reserve(target.host, max_wait=max(0.0, remaining - 1.0))
        except HostBusy as exc:
            raise FetchError(
                CheckStatus.ERROR,
                f"{target.host} asked us to slow down; next request allowed in {exc.wait:.0f} s.",
            ) from None
        if wait > 0:
            self.sleep(wait)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Retryable("total deadline reached")
        attempt = _Attempt(sockets=[])
        self._backend.pin(target.host, target.port, target.address, attempt)
        phase = min(self.phase_timeout, remaining)
        watchdog = threading.Timer(remaining, attempt.cut)
        watchdog.daemon = True
        watchdog.start()
        request = None
        try:
            request = self._client.build_request(method, url, timeout=httpx.Timeout(phase, pool=phase), **kwargs)
            response = self._client.send(request, stream=True)
            try:
                if response.is_redirect and response.headers.get("location"):
                    return _page(response, b""), response.headers["location"]
                body = self._read_body(response, deadline)
            finally:
                response.close()
                self._client.cookies.clear()
        except httpx.TimeoutException as exc:
            log.info("fetch of %s timed out: %r", url, exc)
            raise _Retryable("The shop did not answer in time.") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            if time.monotonic() >= deadline:
                raise FetchError(
                    CheckStatus.ERROR, f"The shop took longer than {self.total_timeout:.0f} s to answer."
                ) from None
            raise _Retryable(_network_failure(url, exc)) from None
        except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
            if request is not None and isinstance(exc, httpx.InvalidURL):
                # httpx reads a redirect's Location as it answers (javascript:, a broken port...).
                raise FetchError(
                    CheckStatus.REFUSED, f"The shop redirected to an address that is not fetched ({exc})."
                ) from None
            # An address httpx cannot even build a request for: a bad IDNA name, a control character.
            log.info("cannot request %r: %r", url[:200], exc)
            raise FetchError(
                CheckStatus.ERROR,
                "The address cannot be requested: it holds characters a web address cannot have (check it for typos).",
            ) from None
        except httpx.HTTPError as exc:  # any other protocol-level failure (local protocol error, decoding...)
            log.info("fetch of %s failed: %r", url, exc)
            raise FetchError(
                CheckStatus.ERROR, "The shop's answer could not be read: it did not follow the web's rules (HTTP)."
            ) from None
        finally:
            watchdog.cancel()
        page = _page(response, body)
        page.blocked_reason = blocks.detect(page.text, page.headers)
        return page, None

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        declared = response.headers.get("content-length", "").strip()
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(CheckStatus.ERROR, f"The page is larger than {self.max_bytes // 1024} KiB; not read.")
        decoder = _Decoder(response.headers.get("content-encoding", ""), self.max_bytes)
        raw = 0
        for chunk in response.iter_raw():
            raw += len(chunk)
            if raw > self.max_bytes:
                raise FetchError(CheckStatus.ERROR, f"The page is larger than {self.max_bytes // 1024} KiB; not read.")
            decoder.feed(chunk)
            if time.monotonic() >= deadline:
                raise FetchError(
                    CheckStatus.ERROR, f"The shop took longer than {self.total_timeout:.0f} s to send the page."
                )
        return decoder.finish()


class _Retryable(Exception):
    pass


class _Decoder:
    """gzip/deflate decoding with a hard cap on the decompressed size."""

    def __init__(self, content_encoding: str, max_bytes: int):
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise FetchError(CheckStatus.ERROR, f"Refusing stacked content encodings ({content_encoding}).")
        self.coding = codings[0] if codings else ""
        if self.coding not in ("", "gzip", "x-gzip", "deflate"):
            raise FetchError(CheckStatus.ERROR, f"Unsupported content encoding {self.coding!r}.")
        self.max_bytes = max_bytes
        self.parts: list[bytes] = []
        self.size = 0
        self._zlib = zlib.decompressobj(47) if self.coding else None  # 47: gzip or zlib header, auto

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise FetchError(
                CheckStatus.ERROR, f"The page unpacks to more than {self.max_bytes // 1024} KiB; not read (gzip bomb?)."
            )
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self._zlib is None:
            self._add(chunk)
            return
        try:
            while chunk:
                out = self._zlib.decompress(chunk, self.max_bytes - self.size + 1)
                self._add(out)
                chunk = self._zlib.unconsumed_tail
                if self._zlib.eof and self._zlib.unused_data:  # another gzip member follows
                    chunk = self._zlib.unused_data + chunk
                    self._zlib = zlib.decompressobj(47)
        except zlib.error:
            if self.coding == "deflate" and self.size == 0 and not self.parts:
                # Some servers send raw deflate without the zlib header.
                self._zlib = zlib.decompressobj(-15)
                self.feed(chunk)
                return
            raise FetchError(CheckStatus.ERROR, "The page's compressed body is corrupt.") from None

    def finish(self) -> bytes:
        if self._zlib is not None:
            self._add(self._zlib.flush())
        return b"".join(self.parts)


def _page(response: httpx.Response, body: bytes) -> Page:
    headers = {k.lower(): v for k, v in response.headers.items()}
    if headers.get("content-type", "").strip().lower().startswith("image/"):
        # An image is bytes, not text: kept as they came (the body cap applied), never decoded as a page.
        return Page(
            url=str(response.request.url), text="", status_code=response.status_code, headers=headers, body=body
        )
    return Page(
        url=str(response.request.url),
        text=_decode_text(body, headers),
        status_code=response.status_code,
        headers=headers,
    )


def _decode_text(body: bytes, headers: dict[str, str]) -> str:
    charset = ""
    content_type = headers.get("content-type", "")
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
    if not charset:
        head = body[:2048].lower()
        marker = head.find(b"charset=")
        if marker != -1:
            charset = head[marker + 8 : marker + 40].strip(b"\"' ").split(b'"')[0].split(b"'")[0].split(b";")[0]
            charset = charset.split(b">")[0].split(b"/")[0].strip().decode("ascii", "ignore")
    codec = _text_codec(charset)
    try:
        return body.decode(codec, errors="replace")
    except Exception:  # a codec that fails even with errors="replace"
        return body.decode("utf-8", errors="replace")


# Codecs Python has that no web page is written in: they refuse errors="replace" (idna, undefined), turn
# escapes into arbitrary characters (unicode_escape), or are not text encodings at all (base64, zlib, rot13).
_NOT_FOR_PAGES = {"idna", "punycode", "undefined", "unicode_escape", "raw_unicode_escape"}


def _text_codec(charset: str) -> str:
    """The codec to decode a page with: the declared charset when Python knows it as a text encoding,
    else UTF-8 (with replacement characters, which never fails)."""
    if not charset or len(charset) > 40 or not charset.isascii() or not charset.isprintable():
        return "utf-8"
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError, TypeError):
        return "utf-8"
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("-", "_") in _NOT_FOR_PAGES:
        return "utf-8"
    return info.name


def _retry_after_seconds(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_shared: Fetcher | None = None
_shared_lock = threading.Lock()


def get_fetcher() -> Fetcher:
    """The process-wide fetcher, configured from settings (one httpx client for the whole app)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = build_fetcher()
        return _shared


def build_fetcher(**overrides) -> Fetcher:
    from django.conf import settings

    options = {
        "allowed_hosts": settings.FETCH_ALLOWED_HOSTS,
        "user_agent": settings.FETCH_USER_AGENT,
        "accept_language": settings.FETCH_ACCEPT_LANGUAGE,
        "proxy": settings.FETCH_PROXY,
        "total_timeout": settings.FETCH_TOTAL_TIMEOUT,
        "max_bytes": settings.FETCH_MAX_BYTES,
        "max_retries": settings.FETCH_MAX_RETRIES,
        "limiter": make_limiter(settings.FETCH_HOST_INTERVAL, settings.REDIS_URL),
    }
    options.update(overrides)
    return Fetcher(**options)


def reset_fetcher() -> None:
    """Forget the shared fetcher (after settings change, in tests)."""
    global _shared
    with _shared_lock:
        _shared = None
