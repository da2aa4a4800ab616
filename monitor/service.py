"""``monitor run``: the long-running service.

APScheduler only *triggers* work: every tick a job claims the sources that are due (due times and
leases live in the database, so a restart neither re-polls everything nor skips a source, and
several workers can share one PostgreSQL store), and another job drains the outbox. On SIGTERM or
SIGINT the service stops claiming, lets in-flight polls and sends finish within the grace period,
releases its leases and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.util import undefined

from monitor.app import App
from monitor.clock import utcnow
from monitor.errors import MonitorError, StoreLostError
from monitor.fetch import Fetcher

logger = logging.getLogger("monitor.service")


class Service:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings.service
        self.inflight: dict[str, asyncio.Task[Any]] = {}
        self.delivering: asyncio.Task[Any] | None = None
        self.stopping = False
        self.poller: Any = None
        self.stop = asyncio.Event()
        self.store_lost: StoreLostError | None = None  # then stop, and exit 1

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        stop = self.stop
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        sources = self.app.settings.enabled_sources
        logger.info(
            "service started: worker=%s sources=%d store=%s",
            self.app.worker,
            len(sources),
            self.app.store,
        )
        async with Fetcher(self.app.settings.http) as fetcher:
            self.poller = self.app.poller(fetcher)
            scheduler = AsyncIOScheduler(event_loop=loop)
            jobs = (  # (job, id, every so many seconds, first run at once or after that)
                (self.claim_due, "claim", self.settings.tick, True),
                (self.deliver, "deliver", self.settings.deliver_every, True),
                (self.renew_leases, "renew", max(1.0, self.settings.lease_margin / 4), False),
            )
            for job, name, seconds, at_once in jobs:
                scheduler.add_job(
                    job,
                    "interval",
                    seconds=seconds,
                    id=name,
                    next_run_time=utcnow() if at_once else undefined,
                    coalesce=True,
                    max_instances=1,
                    misfire_grace_time=None,
                )
            scheduler.start()
            try:
                await stop.wait()
            finally:
                logger.info("stopping: finishing %d in-flight poll(s)", len(self.inflight))
                self.stopping = True
                scheduler.pause()
                await self.drain()
                scheduler.shutdown(wait=False)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        logger.info("service stopped")
        return 1 if self.store_lost else 0

    async def claim_due(self) -> None:
        if self.stopping:
            return
        room = self.app.settings.http.concurrency - len(self.inflight)
        if room <= 0:
            return
        sources = [s for s in self.app.settings.enabled_sources if s.id not in self.inflight]
        try:
            claimed = await asyncio.to_thread(self.app.claim, sources, due_only=True, limit=room)
        except Exception as exc:
            if not self._lost(exc):
                logger.exception("could not claim due sources; will try again")
            return
        for claim in claimed:
            task = asyncio.create_task(self.app.poll_claimed(self.poller, claim))
            self.inflight[claim.source.id] = task
            task.add_done_callback(functools.partial(self._done, claim.source.id))

    def _done(self, source_id: str, task: asyncio.Task[Any]) -> None:
        self.inflight.pop(source_id, None)
        error = None if task.cancelled() else task.exception()
        if error is not None and not self._lost(error):
            logger.error("poll of %s crashed: %r", source_id, error)

    async def deliver(self) -> None:
        if self.stopping:
            return
        self.delivering = asyncio.current_task()
        try:
            await self.app.deliver()
        except MonitorError as exc:
            if not self._lost(exc):
                logger.error("delivery pass failed (will try again): %s", exc)
        except Exception:
            logger.exception("delivery pass failed; will try again")
        finally:
            self.delivering = None

    async def renew_leases(self) -> None:
        if not self.inflight:
            return
        ids = list(self.inflight)
        sources = [s for s in self.app.settings.sources if s.id in ids]
        until = utcnow() + timedelta(seconds=self.app.lease_seconds(sources))

        def renew() -> None:
            with self.app.store.writing() as tx:
                tx.renew(worker=self.app.worker, sources=ids, until=until)

        try:
            await asyncio.to_thread(renew)
        except Exception as exc:
            if not self._lost(exc):
                logger.exception("could not renew leases")

    async def drain(self) -> None:
        """Let in-flight work finish within the grace period; abandon the rest cleanly."""
        pending = set(self.inflight.values())
        if self.delivering is not None:
            pending.add(self.delivering)
        if pending:
            _done, late = await asyncio.wait(pending, timeout=self.settings.grace)
            for task in late:
                task.cancel()
            if late:
                logger.warning("%d task(s) did not finish within the grace period", len(late))
                with contextlib.suppress(Exception):
                    await asyncio.wait(late, timeout=1.0)
        try:
            await asyncio.to_thread(self.app.release_all)
        except Exception as exc:
            if not self._lost(exc):
                logger.exception("could not release leases (they expire by themselves)")

    def _lost(self, exc: BaseException) -> bool:
        """The store was deleted, replaced or damaged: stop, so nothing more goes into it."""
        if not isinstance(exc, StoreLostError):
            return False
        if self.store_lost is None:
            self.store_lost = exc
            logger.error("%s", exc)
        self.stop.set()
        return True


def run_service(app: App) -> int:
    app.offload.prefork()  # before the event loop and the scheduler start threads
    return asyncio.run(Service(app).run())
