"""monitor: an event-sourced monitor of official lists and of the news that reports on them."""

import sys

__version__ = "0.1.0"

# httpx imports its own command-line client (click, rich, pygments: ~45 ms of every start-up)
# inside a try block that expects it may be missing. monitor never runs that client, so it is
# marked missing here, before anything imports httpx.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
