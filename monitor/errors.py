"""The exceptions the monitor raises, as one hierarchy.

Callers catch :class:`MonitorError` to tell a problem the monitor understands (and can explain to a
user in one line) from a bug.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error the monitor explains to its user."""


class ConfigError(MonitorError):
    """The configuration is wrong; the message names the file, the key and the reason."""


class UsageError(MonitorError):
    """A command was called with arguments that cannot work (unknown source, bad date, ...)."""


class StoreError(MonitorError):
    """The event store cannot be opened, read or written."""


class NoStoreError(StoreError, UsageError):
    """A command that only reads found no store where ``store.url`` points. It creates none (an
    empty store in a mistyped place would hide the real one), and it is a usage error: exit 2."""


class StoreLostError(StoreError):
    """The store was deleted, replaced or damaged under this process: whatever it recorded now
    would be lost or mixed into another file, so a service stops instead of carrying on."""


class ConcurrencyError(StoreError):
    """Another writer appended to the same stream first; re-read and try again."""


class FetchError(MonitorError):
    """A document could not be fetched. ``kind`` is a short machine-readable reason."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        retry_after: float | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.http_status = http_status


class ParseError(MonitorError):
    """A fetched document could not be read as what its source says it is."""
