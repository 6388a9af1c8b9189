"""What the fetcher returns: one fetched (or saved) document."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Page:
    """One fetched (or saved) document."""

    url: str
    text: str
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    blocked_reason: str = ""  # set by the fetcher when the page is a captcha / anti-bot page
    # The raw bytes, kept only for image/* answers (their `text` is then ""): monitoring/images.py hashes them.
    body: bytes = field(default=b"", repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()
