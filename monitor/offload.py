"""The CPU-bound steps of a poll — parsing a document, classifying news items — off the event loop.

Parsing a feed and reading its items are pure Python and take milliseconds each. In threads they
share one core with fetching and recording (the GIL), so with several cores and many sources a
pool of worker processes does them instead: one poll's parsing then overlaps another's recording.
Few sources, or one core, and the pool would cost more to start than it saves: threads it is.
While a spawned pool starts (a second or so), documents are read in threads, so no poll waits
for it.

A run about to poll many sources starts the processes before it starts any thread (``prefork``).
They are then forks of the monitor: they start in milliseconds and share the stack it imported
instead of importing their own copies (~40 MB and ~1 s of CPU each); only the parsers, which the
monitor's process itself never needs, each worker imports on its own. A pool started later, while
other threads run, is spawned instead (a fresh interpreter each), since a fork could inherit a lock
that another thread holds (in libxml2, say) and wait on it for ever. A forked child drops the
database connections it inherited (``monitor.store.engine``).

Either way the processes watch their parent: if the monitor is killed, they exit instead of
lingering. A worker process that dies — killed, out of memory, a crash in a C library — takes
only its own documents with it: the pool is replaced and the document tried once more, then
reported as a parse failure of that source.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

from monitor.errors import ParseError
from monitor.sources import parse_document

if TYPE_CHECKING:
    from monitor.config import Settings, Source
    from monitor.detect.reports import Detector
    from monitor.fetch import Fetched
    from monitor.sources.feeditems import FeedItem

logger = logging.getLogger("monitor.offload")
T = TypeVar("T")

MIN_SOURCES = 50  # "auto" starts worker processes only for at least this many sources
MAX_AUTO = 4  # ... and at most this many
PARENT_CHECK = 1.0  # seconds between a worker's checks that the monitor still runs


def process_count(setting: int | str, sources: int, cores: int | None = None) -> int:
    """How many worker processes ``[service] processes`` asks for; 0 means threads."""
    if setting != "auto":
        return int(setting)
    cores = cores or os.cpu_count() or 1
    if cores < 2 or sources < MIN_SOURCES:
        return 0
    return min(cores - 1, MAX_AUTO)


class Offload:
    """Runs parsing and classification in threads or in worker processes, as configured."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self.ready = False  # the pool's processes have started and imported the parsers
        self.failed = False  # ... or they could not: parsing stays in threads
        self.start_method: str | None = None  # how the pool's processes start: fork or spawn

    @property
    def fast_feeds(self) -> bool:
        return self.settings.service.fast_feeds

    @property
    def in_processes(self) -> bool:
        """Whether jobs go to worker processes (configured, and not fallen back to threads)."""
        return bool(self.processes) and not self.failed

    async def parse(self, source: Source, fetched: Fetched) -> Any:
        if self._in_threads():
            return await asyncio.to_thread(parse_document, source, fetched, self.fast_feeds)
        return await self._in_process(parse_document, source, fetched, self.fast_feeds)

    async def classify(
        self, detector: Detector, source: Source, items: Sequence[FeedItem]
    ) -> Sequence[Any]:
        """``detector`` classifies in threads; worker processes build the same one from the
        settings they started with (a detector does not travel between processes)."""
        if not items:
            return []
        if self._in_threads():
            return await asyncio.to_thread(detector.classify, source, items)
        return await self._in_process(_classify, source, items)

    async def parse_and_classify(
        self, detector: Detector, source: Source, fetched: Fetched
    ) -> tuple[Any, Sequence[Any]]:
        """Parse a feed and classify all its items in one step: for a first poll, when every
        item is new, it saves sending the items to the worker process and back again."""
        if self._in_threads():
            return await asyncio.to_thread(
                _parse_and_classify_with, detector, source, fetched, self.fast_feeds
            )
        return await self._in_process(_parse_and_classify, source, fetched)

    def _in_threads(self) -> bool:
        """Threads without a pool, and while a spawned pool starts: spawning interpreters that
        import the parsers takes a second or so, and no poll should wait for it (a run that
        finds ten changed documents is over before it would help). A forked pool only imports
        the parsers (tens of milliseconds), so jobs wait for it in its queue instead."""
        if not self.processes:
            return True
        if not self.ready:
            self.start()
        return not self.ready and (self.start_method != "fork" or self.failed)

    def start(self) -> list[Future[None]]:
        """Start the worker processes in the background; ``ready`` turns true once they are."""
        if self._pool is not None:
            return []
        pool = self._ensure_pool()
        warming = [pool.submit(_warm_up) for _ in range(self.processes)]
        logger.info("%d worker process(es) for parsing, %s", self.processes, self.start_method)

        def started(_done: Future[None]) -> None:
            if self._pool is not pool or not all(f.done() for f in warming):
                return
            failed = [f.exception() for f in warming if f.exception() is not None]
            if failed:
                self.failed = True
                logger.warning("worker processes did not start (%r); parsing in threads", failed[0])
            else:
                self.ready = True

        for future in warming:
            future.add_done_callback(started)
        return warming

    def prefork(self) -> list[Future[None]]:
        """Start the worker processes now, as forks of this process, if nothing makes that unsafe
        (call it before the run starts threads). Otherwise nothing starts here: the pool is
        spawned when the first document needs it."""
        if self.processes and self._pool is None and _can_fork():
            return self.start()
        return []

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def _in_process(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._ensure_pool()
            try:
                return await loop.run_in_executor(pool, function, *args)
            except BrokenProcessPool:
                logger.warning("a parsing process died; starting a new pool (attempt %d)", attempt)
                if self._pool is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = None
                    self.ready = False
        raise ParseError("the parsing process died twice on this document (a parser crash?)")

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self.start_method = "fork" if _can_fork() else "spawn"
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context(self.start_method),
                initializer=_start_worker,
                initargs=(self.settings, os.getpid()),
            )
        return self._pool


def _can_fork() -> bool:
    """A fork copies only the calling thread: with no other thread there is no lock another
    thread could hold in the child."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


# --- inside a worker process ------------------------------------------------------------------

_worker_settings: Settings | None = None
_worker_detector: Detector | None = None


def _start_worker(settings: Settings, parent: int) -> None:
    global _worker_settings
    _worker_settings = settings
    # A forked worker inherits the monitor's signal handling (an event loop's wakeup pipe among
    # it); a worker's signals are its own, as in a spawned one.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """A killed monitor cannot shut its pool down; its orphaned workers notice and go."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os._exit(0)


def _warm_up() -> None:
    """Import the parsers before the first real job. The monitor's process leaves them to its
    workers (a pass with no changed document needs none), so a fork does not share them. The
    detection rules compile when the first feed has items: a run may have none."""
    import monitor.sources.feed
    import monitor.sources.lists  # noqa: F401


def _detector() -> Detector:
    global _worker_detector
    if _worker_detector is None:
        from monitor.detect.reports import make_detector

        assert _worker_settings is not None, "worker started without settings"
        _worker_detector = make_detector(_worker_settings)
    return _worker_detector


def _classify(source: Source, items: Sequence[FeedItem]) -> Sequence[Any]:
    return _detector().classify(source, items)


def _parse_and_classify(source: Source, fetched: Fetched) -> tuple[Any, Sequence[Any]]:
    assert _worker_settings is not None, "worker started without settings"
    return _parse_and_classify_with(
        _detector(), source, fetched, _worker_settings.service.fast_feeds
    )


def _parse_and_classify_with(
    detector: Detector, source: Source, fetched: Fetched, fast_feeds: bool
) -> tuple[Any, Sequence[Any]]:
    feed = parse_document(source, fetched, fast_feeds)
    return feed, detector.classify(source, feed.items) if feed.items else []
