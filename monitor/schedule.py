"""When to poll a source next: its interval, with jitter, backed off while it fails.

Pure: the service passes in the clock and the random source.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

JITTER = 0.1  # ± share of the interval, so sources with one interval do not fire together
MAX_BACKOFF_FACTOR = 16
MAX_BACKOFF = 86400.0  # a failing source is still tried at least daily ...
MIN_FIRST_SPREAD = 30.0  # ... and a fresh start spreads first polls over this many seconds


def next_delay(
    every: float,
    *,
    failures: int = 0,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next poll after one that ended with ``failures`` consecutive failures."""
    # Without a generator, the module's own: a new Random() seeds itself from the OS (~20 µs),
    # and a pass asks for a first-poll time for every source it claims.
    uniform = rng.uniform if rng else random.uniform
    delay = every
    if failures > 0:
        factor = min(2 ** (failures - 1), MAX_BACKOFF_FACTOR)
        delay = max(every, min(every * factor, MAX_BACKOFF))
    delay *= 1 + uniform(-JITTER, JITTER)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return max(delay, 1.0)


def first_poll_at(now: datetime, every: float, rng: random.Random | None = None) -> datetime:
    """A never-polled source is due soon, but not all at the same instant."""
    uniform = rng.uniform if rng else random.uniform
    return now + timedelta(seconds=uniform(0, min(every, MIN_FIRST_SPREAD)))
