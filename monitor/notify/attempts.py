"""Retry timing and what a failed attempt says: pure, so the timing is tested without a clock.

A failed or unconfirmed attempt is retried with exponential backoff and jitter, never later than
its give-up deadline. A send that timed out is *unknown*: it may have arrived, so its notification
is unconfirmed from then on, and its errors (and its give-up) say so. The working state itself —
retry counters, next attempts, leases — is kept by :mod:`monitor.store.deliveries`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final, Literal

from monitor.config import DeliverySettings
from monitor.store.deliveries import Claimed

# What a send came to: "unknown" is a send that timed out, which may have arrived.
Outcome = Literal["sent", "failed", "unknown"]
SENT: Final = "sent"
FAILED: Final = "failed"
UNKNOWN: Final = "unknown"
UNCONFIRMED = "unconfirmed (a send timed out and may have arrived; a retry may repeat it): "


def backoff(
    attempt: int, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Exponential (``base`` doubling per attempt, at most ``cap``), with equal jitter."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * (0.5 + rand() / 2)


def retry_at(
    item: Claimed,
    now: datetime,
    delivery: DeliverySettings,
    rand: Callable[[], float] = random.random,
) -> datetime:
    """When to try ``item`` again: after its backoff, but not past its give-up deadline (at
    once if that has passed, so the store can give it up)."""
    deadline = item.created_at + timedelta(seconds=delivery.give_up_after)
    delay = backoff(item.attempts + 1, delivery.retry_base, delivery.retry_max, rand)
    return min(now + timedelta(seconds=delay), max(deadline, now))


def may_have_arrived(outcome: Outcome) -> bool:
    return outcome == UNKNOWN


def failure_error(outcome: Outcome, error: str, *, unconfirmed: bool) -> str:
    """The error recorded for an attempt; an alert that may have arrived says so."""
    if may_have_arrived(outcome) or unconfirmed:
        return UNCONFIRMED + error
    return error
