"""The one clock. Domain code takes ``now`` as an argument; the edges call :func:`utcnow`."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
