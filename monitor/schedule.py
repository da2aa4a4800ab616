"""When to poll a source next: its interval, with jitter, backed off once it is failing.

A failed poll is not yet a failing source: until ``fail_after`` consecutive failures (when
``source_failed`` is recorded) it is retried at its own interval or sooner, so one transient
error never delays what the source would tell. Backoff starts with the poll that judges it
failing, and an official list is still retried within its own interval: it is what users follow
most closely, and one poll of it per interval costs its server nothing.

Pure: the service passes in the clock and the random source.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

JITTER = 0.1  # ± share of the interval, so sources with one interval do not fire together
MAX_BACKOFF_FACTOR = 16
MAX_BACKOFF = 86400.0  # a failing feed is still tried at least daily ...
MIN_FIRST_SPREAD = 30.0  # ... and a fresh start spreads first polls over this many seconds


def next_delay(
    every: float,
    *,
    fail_after: int,
    kind: str,
    failures: int = 0,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next poll after one that ended with ``failures`` consecutive failures.

    ``retry_after`` (the server's Retry-After) is honoured up to the longest wait allowed.
    """
    # Without a generator, the module's own: a new Random() seeds itself from the OS (~20 µs),
    # and a pass asks for a first-poll time for every source it claims.
    uniform = rng.uniform if rng else random.uniform
    if failures == 0:
        return max(every * (1 + uniform(-JITTER, JITTER)), 1.0)
    if failures < fail_after or kind == "list":  # not failing yet, or a list: its interval
        longest = every
        delay = every * (1 - uniform(0, JITTER))
    else:
        factor = min(2 ** (failures - fail_after + 1), MAX_BACKOFF_FACTOR)
        longest = max(every, MAX_BACKOFF)
        delay = max(every, min(every * factor, MAX_BACKOFF)) * (1 + uniform(-JITTER, JITTER))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return max(min(delay, longest), 1.0)


def first_poll_at(now: datetime, every: float, rng: random.Random | None = None) -> datetime:
    """A never-polled source is due soon, but not all at the same instant."""
    uniform = rng.uniform if rng else random.uniform
    return now + timedelta(seconds=uniform(0, min(every, MIN_FIRST_SPREAD)))
