"""Parsing the dates users type and the dates feeds carry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from monitor.errors import UsageError

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 moment as aware UTC; naive means UTC; None if it is not one (feeds carry
    any text here, "0001-01-01T00:00+01:00" included, which no UTC datetime can hold)."""
    try:
        return _iso(value)
    except OverflowError:
        return None


def _iso(value: str) -> datetime | None:
    """parse_iso, but a date outside years 1..9999 once in UTC raises OverflowError."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_user_time(value: str, *, now: datetime, option: str = "date") -> datetime:
    """``2024-10-05``, ``2024-10-05T09:00``, ``...+03:00`` or relative ``7d``/``12h`` (ago)."""
    try:
        match = _RELATIVE.match(value)
        if match:
            return now - timedelta(seconds=int(match[1]) * _UNITS[match[2]])
        moment = _iso(value)
    except (OverflowError, ValueError):  # ValueError: more digits than int() reads
        shown = value if len(value) <= 40 else value[:39] + "…"
        raise UsageError(
            f"{option}: {shown!r} is out of range (dates run from the year 1 to 9999)"
        ) from None
    if moment is None:
        raise UsageError(
            f"{option}: {value!r} is not a date (use ISO 8601 like 2024-10-05 or "
            "2024-10-05T09:00, or a relative time like 7d or 12h)"
        )
    return moment
