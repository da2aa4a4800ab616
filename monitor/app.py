"""The application: one configuration and one store, wired to the pipeline.

The CLI and the service call this; it never prints. Each pass polls sources concurrently (bounded
by the fetcher), records what changed, then delivers what the outbox owes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor.clock import utcnow
from monitor.config import Settings, Source
from monitor.detect.reports import Detector, make_detector
from monitor.diff import list_events
from monitor.errors import ParseError, UsageError
from monitor.events import PARSE_SUSPECT, RecordedEvent, document_of, source_stream
from monitor.notify import outbox as notify_outbox
from monitor.offload import Offload, process_count
from monitor.poll import Poller, PollResult, list_state
from monitor.schedule import first_poll_at
from monitor.sources import parse_document
from monitor.store import SourceState, Store, holder_id

if TYPE_CHECKING:
    from monitor.fetch import Fetcher
    from monitor.notify.dispatch import DeliveryReport

logger = logging.getLogger("monitor")


@dataclass(frozen=True)
class Claim:
    """A source this process holds the lease on, with its working state as leased."""

    source: Source
    state: SourceState


def worker_id() -> str:
    return holder_id()


class App:
    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        # A store that does not exist yet is made by the first write: a command that only
        # reads says there is none instead of leaving an empty one behind.
        self.store = store or Store(
            settings.store.url, create=False, lock_timeout=settings.store.lock_timeout
        )
        self.worker = worker_id()
        self.detector: Detector = make_detector(settings)
        # Alerting events owe notifications (the outbox reads and writes the store: once it is).
        self.store.when_ready(lambda: notify_outbox.install(self.store, settings))
        self._dispatcher: Any = None
        processes = process_count(settings.service.processes, len(settings.enabled_sources))
        self.offload = Offload(settings, processes)

    def close(self) -> None:
        self.offload.close()
        self.store.close()

    def sources(self, ids: Sequence[str] | None = None) -> list[Source]:
        """The named sources (all enabled ones if none), refusing unknown names, and a config
        that has no source at all."""
        self.settings.check_before_polling()
        if not ids:
            return self.settings.enabled_sources
        known = {s.id: s for s in self.settings.sources}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UsageError(
                f"unknown source {unknown[0]!r} (see `monitor sources` for the configured ids)"
            )
        return [known[i] for i in ids]

    async def poll(self, sources: Sequence[Source]) -> list[PollResult]:
        """Poll ``sources`` now (whether due or not), skipping any another process holds."""
        # httpx (with its command line: click, rich, pygments) and httpcore are ~50 ms of a
        # start-up: imported by the commands that fetch, not by those that read the store.
        from monitor.fetch import Fetcher

        async with Fetcher(self.settings.http) as fetcher:
            return await self.poll_with(fetcher, sources, due_only=False)

    async def poll_with(
        self, fetcher: Fetcher, sources: Sequence[Source], *, due_only: bool
    ) -> list[PollResult]:
        poller = self.poller(fetcher)
        # Polls in progress, fetch to record, are bounded like requests are: otherwise fetching
        # outruns parsing and recording, and fetched documents pile up in memory. A quiet poll
        # holds no document, so it leaves room as soon as it knows it is quiet, and its write
        # waits in a batch with others (larger batches: fewer statements per poll).
        room = asyncio.Semaphore(self.settings.http.concurrency)

        async def bounded(claim: Claim) -> PollResult:
            left = False

            def leave() -> None:
                nonlocal left
                if not left:
                    left = True
                    room.release()

            try:
                return await self.poll_claimed(poller, claim, on_quiet=leave)
            finally:
                leave()

        # Claimed a slice at a time, so no lease runs out while its source waits its turn. The
        # next slice is claimed once the last poll of this one has started, not finished: a
        # slow poll (a document to parse) holds up no other.
        step = 4 * self.settings.http.concurrency
        polls: list[asyncio.Task[PollResult]] = []
        try:
            for start in range(0, len(sources), step):
                part = sources[start : start + step]
                for claim in await asyncio.to_thread(self.claim, part, due_only=due_only):
                    await room.acquire()
                    polls.append(asyncio.create_task(bounded(claim)))
            poller.all_started(len(polls))
        except asyncio.CancelledError:
            for poll in polls:
                poll.cancel()
            raise
        except BaseException:
            # What has started is recorded before the error goes up.
            await asyncio.gather(*polls, return_exceptions=True)
            raise
        return list(await asyncio.gather(*polls))

    def poller(self, fetcher: Fetcher) -> Poller:
        return Poller(
            self.settings,
            self.store,
            fetcher,
            worker=self.worker,
            detector=self.detector,
            offload=self.offload,
        )

    def claim(
        self, sources: Sequence[Source], *, due_only: bool, limit: int | None = None
    ) -> list[Claim]:
        """Lease the sources this process may poll now; the rest are due or held elsewhere."""
        now = utcnow()
        by_id = {s.id: s for s in sources}
        with self.store.writing() as tx:
            tx.ensure_sources({s.id: first_poll_at(now, s.every) for s in sources})
            lease = self.lease_seconds(sources)
            states = tx.claim(
                worker=self.worker,
                now=now,
                lease=lease,
                sources=list(by_id),
                due_only=due_only,
                limit=limit,
            )
            if not due_only:
                taken = {state.source for state in states}
                for source, owner in tx.holders([i for i in by_id if i not in taken], now).items():
                    logger.warning("source %s is being polled by %s; skipped", source, owner)
        return [Claim(by_id[state.source], state) for state in states]

    def lease_seconds(self, sources: Sequence[Source]) -> float:
        longest = max((self.settings.timeout(s) for s in sources), default=0.0)
        return longest + self.settings.service.lease_margin

    async def poll_claimed(
        self, poller: Poller, claim: Claim, *, on_quiet: Callable[[], None] | None = None
    ) -> PollResult:
        """Poll a leased source; the poll's transaction schedules the next one and releases
        the lease (here only if the poll itself broke down)."""
        try:
            result = await poller.poll(claim.source, claim.state, on_quiet=on_quiet)
        except BaseException:
            await asyncio.to_thread(self._release, claim.source)
            raise
        log_poll(result)
        return result

    def _release(self, source: Source) -> None:
        with self.store.writing() as tx:
            tx.finish(worker=self.worker, source=source.id, next_poll_at=None)

    def release_all(self) -> None:
        with self.store.writing() as tx:
            tx.release_all(worker=self.worker)

    def poll_now(self, sources: Sequence[Source]) -> list[PollResult]:
        if process_count(self.settings.service.processes, len(sources)):
            self.offload.prefork()  # before asyncio.run starts threads
        return asyncio.run(self.poll(sources))

    async def deliver(self) -> DeliveryReport:
        """One delivery pass: send every notification the outbox owes and that is due."""
        from monitor.notify.dispatch import Dispatcher

        if self._dispatcher is None:
            self._dispatcher = Dispatcher(self.settings, self.store, worker=self.worker)
        return await self._dispatcher.run()

    def deliver_now(self) -> DeliveryReport:
        return asyncio.run(self.deliver())

    def accept(self, source_id: str) -> list[RecordedEvent]:
        """Take the document of a suspect list as the truth: record its removals too."""
        from monitor.fetch import Fetched

        source = self.sources([source_id])[0]
        if source.kind != "list":
            raise UsageError(f"{source_id} is a feed; only list sources can be accepted")
        with self.store.writing() as tx:
            if not tx.health(source.id).suspect:
                raise UsageError(f"{source_id} is not in parse_suspect; nothing to accept")
            suspects = tx.events(
                source=source.id, types=[PARSE_SUSPECT], newest_first=True, limit=1
            )
            sha = document_of(suspects[0].payload) if suspects else None
            document = tx.document(sha) if sha else None
            if document is None:
                raise UsageError(f"{source_id}: the suspect document is not in the store")
            fetched = Fetched(
                url=document.url,
                http_status=200,
                not_modified=False,
                body=document.content,
                content_type=document.content_type,
                etag=None,
                last_modified=None,
            )
            try:
                entries = parse_document(source, fetched)
            except ParseError as exc:
                raise UsageError(
                    f"{source_id}: the suspect document no longer parses: {exc}"
                ) from exc
            stream = source_stream(source.id)
            events = list_events(
                list_state(tx, source, suspect=True),
                entries,
                document=document.sha256,
                ratio=self.settings.suspect_ratio(source),
                accept=True,
            )
            version = tx.stream_version(stream)
            return tx.append(events, expected={stream: version}, now=utcnow())


def log_poll(result: PollResult) -> None:
    """One structured line per poll."""
    logger.info(
        "poll source=%s status=%s http=%s bytes=%d duration=%.3fs events=%d%s",
        result.source,
        result.status,
        result.http_status if result.http_status is not None else "-",
        result.size,
        result.duration,
        len(result.event_ids),
        f" error={result.error!r}" if result.error else "",
    )
