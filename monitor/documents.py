"""A fetched document: the evidence every fetch-derived event points to by its sha256."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Document:
    sha256: str
    content: bytes
    url: str
    content_type: str | None
    fetched_at: datetime

    @classmethod
    def of(
        cls, content: bytes, *, url: str, content_type: str | None, fetched_at: datetime
    ) -> Document:
        return cls(sha256_hex(content), content, url, content_type, fetched_at)


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
