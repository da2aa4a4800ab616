"""monitor: an event-sourced monitor of official lists and of the news that reports on them."""

__version__ = "0.1.0"
