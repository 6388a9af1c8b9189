"""Fetch errors in words: the operating system's and the HTTP library's messages ("[Errno -3] Temporary
failure in name resolution") are translated into what happened, for the people who read them."""

import re

_PLAIN = [
    (
        re.compile(
            r"name resolution|Name or service not known|nodename nor servname|getaddrinfo|No address associated", re.I
        ),
        "The shop's address could not be found: check the spelling of the web address (the shop may also be gone).",
    ),
    (re.compile(r"Connection refused|Errno 111", re.I), "The shop's server refused the connection."),
    (re.compile(r"timed? ?out|Timeout", re.I), "The shop did not answer in time."),
    (re.compile(r"Network is unreachable|No route to host", re.I), "The shop could not be reached from here."),
    (
        re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate|SSL", re.I),
        "The shop's secure connection failed: its certificate is not valid (expired, self-made or for another "
        "name), or the server does not speak https.",
    ),
    (
        re.compile(r"Connection reset|RemoteDisconnected|Server disconnected", re.I),
        "The shop closed the connection before answering.",
    ),
]
_RAW = re.compile(
    r"\[Errno -?\d+\]|Errno|Traceback|HTTPSConnectionPool|Max retries|urlopen error|<[a-z_.]+ object", re.I
)


def what_happened(text) -> str:
    """A network failure's technical text ("[Errno 111] Connection refused", "[SSL: CERTIFICATE_VERIFY_FAILED]")
    as one plain sentence; "" when none of the known failures is in it."""
    value = str(text or "")
    for pattern, words in _PLAIN:
        if pattern.search(value):
            return words
    return ""


def in_words(text) -> str:
    """The message as it is when it reads well, else what happened in plain words."""
    value = str(text or "")
    if not _RAW.search(value):
        return value
    return what_happened(value) or "The page could not be fetched (a network error)."
