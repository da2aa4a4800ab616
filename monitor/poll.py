"""One poll of one source, top to bottom: fetch → parse → diff → record.

Everything a poll records — its events, the document they cite, the source's new working state,
the poll's own line and the release of its lease with the next due time — is written in one
transaction, so a crash leaves either all of it or none of it (and then the next poll simply does
the work again).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from monitor.batch import Batcher
from monitor.clock import utcnow
from monitor.config import Settings, Source
from monitor.diff import ListPoll, list_events
from monitor.documents import Document
from monitor.errors import ConcurrencyError, FetchError, ParseError
from monitor.events import (
    DESIGNATION_REPORTED,
    ENTRY_ADDED,
    PARSE_SUSPECT,
    TOPIC_REPORTED,
    NewEvent,
    RecordedEvent,
    SourceFailed,
    SourceRecovered,
    source_stream,
)
from monitor.news import item_events, new_items
from monitor.offload import Offload
from monitor.redact import mask_url
from monitor.schedule import next_delay
from monitor.sources.feeditems import ParsedFeed
from monitor.store import Health, PollLine, SourceState, Store, Transaction

if TYPE_CHECKING:
    from monitor.detect.reports import Detector
    from monitor.fetch import Fetched, Fetcher

logger = logging.getLogger("monitor.poll")
_OPENS_STORY = frozenset({DESIGNATION_REPORTED, TOPIC_REPORTED})


@dataclass(frozen=True)
class ClassifiedFeed:
    """A parsed feed with what the detector found in its new items, by item id."""

    feed: ParsedFeed
    findings: dict[str, Any]


PollStatus = Literal["changed", "unchanged", "not_modified", "suspect", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What a poll brings to its transaction: the fetch, and the document read if it changed."""

    source: Source
    started_at: datetime
    started: float
    fetched: Fetched
    document: Document | None
    parsed: Any
    status: PollStatus


@dataclass(frozen=True)
class PollResult:
    source: str
    status: PollStatus
    # The positions of the events it recorded; not the events, which a run of thousands of
    # sources would otherwise hold in memory until it ends.
    event_ids: tuple[int, ...] = ()
    error: str | None = None
    http_status: int | None = None
    size: int = 0
    duration: float = 0.0
    retry_after: float | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


class Poller:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        fetcher: Fetcher,
        *,
        worker: str,
        detector: Detector | None = None,
        offload: Offload | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.clock = clock  # injected by tests, which cannot wait hours for a due time
        self.store = store
        self.fetcher = fetcher
        self.worker = worker
        self.detector = detector
        self.offload = offload or Offload(settings, processes=0)
        self._quiet: Batcher[Outcome, PollResult] = Batcher(self._record_quiet)
        # The end of a pass (``all_started``): how many polls it started; how many of them are
        # over, and how many wait in the quiet batch.
        self._started: int | None = None
        self._over = 0
        self._waiting = 0

    def all_started(self, count: int) -> None:
        """The pass has started its last poll, ``count`` in all: once each of them is over or
        waits in the quiet batch, that batch goes without gathering for polls that will not
        come. (A service's poller is never told: polls keep coming.)"""
        self._started = count
        if self._nothing_else_coming():
            self._quiet.flush()

    def _nothing_else_coming(self) -> bool:
        return self._started is not None and self._over + self._waiting >= self._started

    async def poll(
        self, source: Source, state: SourceState, *, on_quiet: Callable[[], None] | None = None
    ) -> PollResult:
        """Poll a source this worker has leased; ``state`` is its working state as claimed.
        ``on_quiet`` is called once the poll knows it found nothing new (before its write)."""
        try:
            return await self._poll(source, state, on_quiet)
        finally:
            self._over += 1
            if self._nothing_else_coming():
                self._quiet.flush()

    async def _poll(
        self, source: Source, state: SourceState, on_quiet: Callable[[], None] | None
    ) -> PollResult:
        started_at = self.clock()
        started = time.monotonic()
        # A suspect list is read again even if the document has not changed: its selectors or
        # expectations may have been put right since, and only a new parse can tell.
        reread = source.kind == "list" and state.last_status == "suspect"
        try:
            fetched = await self.fetcher.fetch(
                source.url,
                headers=source.headers,
                etag=None if reread else state.etag,
                last_modified=None if reread else state.last_modified,
                max_bytes=self.settings.max_bytes(source),
                timeout=self.settings.timeout(source),
            )
        except FetchError as exc:
            return await asyncio.to_thread(self._failed, source, started_at, started, exc, None)
        if reread or not fetched.not_modified:  # a 304 has no document to hash, store or read
            document = Document.of(
                fetched.body,
                url=mask_url(fetched.url),  # what is stored and shown: never the URL's secrets
                content_type=fetched.content_type,
                fetched_at=started_at,
            )
            if reread or document.sha256 != state.last_hash:
                return await self._changed(source, state, started_at, started, fetched, document)
        status: PollStatus = "not_modified" if fetched.not_modified else "unchanged"
        if on_quiet is not None:
            on_quiet()
        return await self._record(source, started_at, started, fetched, None, None, status)

    async def _changed(
        self,
        source: Source,
        state: SourceState,
        started_at: datetime,
        started: float,
        fetched: Fetched,
        document: Document,
    ) -> PollResult:
        """A document the log has not seen: read it, then record what changed."""
        try:
            parsed = await self._read(source, state, fetched)
        except ParseError as exc:
            error = FetchError("parse", str(exc))
            return await asyncio.to_thread(
                self._failed, source, started_at, started, error, fetched
            )
        return await self._record(source, started_at, started, fetched, document, parsed, "changed")

    async def _read(self, source: Source, state: SourceState, fetched: Fetched) -> Any:
        """The document's entries or items; a feed's items with what the detector found."""
        if source.kind != "feed" or self.detector is None:
            return await self.offload.parse(source, fetched)
        if state.last_hash is None or self.offload.in_processes:
            # Parse and classify every item in one step, without first asking the log which
            # items it knows (the write transaction picks the new ones). On a first poll all are
            # new; in a worker process, the known ones cost the worker a few milliseconds and
            # spare the monitor's process a second round trip and a read of the log.
            feed, findings = await self.offload.parse_and_classify(self.detector, source, fetched)
            return ClassifiedFeed(feed, {f.item.item_id: f for f in findings})
        return await self._classify(source, await self.offload.parse(source, fetched))

    async def _classify(self, source: Source, feed: ParsedFeed) -> ClassifiedFeed:
        """Classify the items the log has not seen before taking the write lock: it is the
        slow part, and nothing in it needs the lock. (The write transaction checks again which
        items are new, and records only those.)"""
        assert self.detector is not None
        known = await asyncio.to_thread(self._seen, source, feed)
        fresh = new_items(feed.items, known)
        findings = await self.offload.classify(self.detector, source, fresh)
        return ClassifiedFeed(feed, {f.item.item_id: f for f in findings})

    def _seen(self, source: Source, feed: ParsedFeed) -> set[str]:
        with self.store.reading() as tx:
            return tx.seen(source.id, [i.item_id for i in feed.items])

    async def _record(
        self,
        source: Source,
        started_at: datetime,
        started: float,
        fetched: Fetched,
        document: Document | None,
        parsed: Any,
        status: PollStatus,
    ) -> PollResult:
        outcome = Outcome(source, started_at, started, fetched, document, parsed, status)
        if document is None:  # nothing new: recorded with the other quiet polls of the moment
            self._waiting += 1
            try:
                return await self._quiet.submit(outcome, last=self._nothing_else_coming())
            finally:
                self._waiting -= 1
        return await asyncio.to_thread(self._record_retrying, outcome)

    def _record_quiet(self, outcomes: list[Outcome]) -> list[PollResult | Exception]:
        """Quiet polls in one transaction; if it fails, each in its own, so one poll's
        trouble is its own."""
        try:
            with self.store.writing() as tx:
                return self._record_quiet_in(tx, outcomes)
        except Exception as exc:
            if len(outcomes) == 1 and not isinstance(exc, ConcurrencyError):
                return [exc]
        results: list[PollResult | Exception] = []
        for outcome in outcomes:
            try:
                results.append(self._record_retrying(outcome))
            except Exception as exc:
                results.append(exc)
        return results

    def _record_quiet_in(
        self, tx: Transaction, outcomes: list[Outcome]
    ) -> list[PollResult | Exception]:
        """What ``_record_in`` does for each, in one statement per table: a quiet poll
        records no event unless its source was failing (or is a suspect list), and those few
        take the one-by-one way."""
        health = tx.healths([o.source.id for o in outcomes])
        results: list[PollResult | Exception] = []
        states: dict[str, dict[str, Any]] = {}
        polls: list[PollLine] = []
        next_polls: dict[str, datetime] = {}
        for outcome in outcomes:
            source, fetched = outcome.source, outcome.fetched
            state = health[source.id]
            if state.failing or (source.kind == "list" and state.suspect):
                results.append(self._record_in(tx, outcome))
                continue
            duration = time.monotonic() - outcome.started
            states[source.id] = {
                "last_poll_at": outcome.started_at,
                "last_status": outcome.status,
                "last_error": None,
                "consecutive_failures": 0,
                "etag": fetched.etag,
                "last_modified": fetched.last_modified,
            }
            result = PollResult(
                source=source.id,
                status=outcome.status,
                http_status=fetched.http_status,
                size=len(fetched.body),
                duration=duration,
            )
            polls.append(self._line(result, outcome.started_at))
            next_polls[source.id] = self._next_poll_at(source, failures=0, retry_after=None)
            results.append(result)
        if polls:
            tx.save_source_states(states)
            tx.record_polls(polls)
            tx.finish_many(worker=self.worker, next_polls=next_polls)
        return results

    def _record_retrying(self, outcome: Outcome) -> PollResult:
        for attempt in range(3):
            try:
                with self.store.writing() as tx:
                    return self._record_in(tx, outcome)
            except ConcurrencyError:
                if attempt == 2:
                    raise
                logger.info("source %s: another writer recorded first; retrying", outcome.source.id)
        raise AssertionError("unreachable")

    def _record_in(self, tx: Transaction, outcome: Outcome) -> PollResult:
        source, fetched, document = outcome.source, outcome.fetched, outcome.document
        status = outcome.status
        stream = source_stream(source.id)
        now = self.clock()
        health = tx.health(source.id)
        events: list[NewEvent] = []
        if health.failing:
            events.append(NewEvent(stream, SourceRecovered(), source=source.id))
        changes: list[NewEvent] = []
        if document is not None:
            changes = self._changes(tx, source, document, outcome.parsed, health, now)
        events += changes
        if any(e.type == PARSE_SUSPECT for e in changes):
            status = "suspect"
        elif changes:
            status = "changed"
        elif source.kind == "list" and health.suspect:
            status = "suspect"
        elif document is not None:
            status = "unchanged"
        recorded: list[RecordedEvent] = []
        if events:  # most polls find nothing: no version to check, no append
            expected = {stream: tx.stream_version(stream)}
            # A new story's stream must still be empty: two workers cannot both open it.
            expected.update({e.stream: 0 for e in events if e.type in _OPENS_STORY})
            recorded = tx.append(
                events,
                expected=expected,
                documents=[document] if document is not None else [],
                now=now,
            )
        if source.kind == "list" and self.detector is not None and changes:
            # Confirmations cite the list events by id, so they follow them, in this transaction.
            confirmed = self.detector.confirm(tx, source, recorded)
            if confirmed:
                streams = {e.stream: tx.stream_version(e.stream) for e in confirmed}
                recorded += tx.append(confirmed, expected=streams, now=now)
        validators: dict[str, Any] = {"etag": fetched.etag, "last_modified": fetched.last_modified}
        if document is not None:
            validators["last_hash"] = document.sha256
        tx.save_source_state(
            source.id,
            last_poll_at=outcome.started_at,
            last_status=status,
            last_error=None,
            consecutive_failures=0,
            **validators,
        )
        result = PollResult(
            source=source.id,
            status=status,
            event_ids=tuple(e.id for e in recorded),
            http_status=fetched.http_status,
            size=len(fetched.body),
            duration=time.monotonic() - outcome.started,
        )
        tx.record_poll(**self._line(result, outcome.started_at))
        self._finish_lease(tx, source, failures=0, retry_after=None)
        return result

    def _changes(
        self,
        tx: Transaction,
        source: Source,
        document: Document,
        parsed: Any,
        health: Health,
        now: datetime,
    ) -> list[NewEvent]:
        if source.kind == "feed":
            feed = parsed.feed if isinstance(parsed, ClassifiedFeed) else parsed
            fresh = new_items(feed.items, tx.seen(source.id, [i.item_id for i in feed.items]))
            events = item_events(source.id, fresh, document=document.sha256)
            if self.detector is not None and isinstance(parsed, ClassifiedFeed):
                found = [parsed.findings[i.item_id] for i in fresh if i.item_id in parsed.findings]
                events += self.detector.record(tx, source, found, now)
            return events
        state = list_state(tx, source, suspect=health.suspect)
        return list_events(
            state,
            parsed,
            document=document.sha256,
            ratio=self.settings.suspect_ratio(source),
            expect_entries=source.expect_entries,
            expect=source.expect,
        )

    def _failed(
        self,
        source: Source,
        started_at: datetime,
        started: float,
        error: FetchError,
        fetched: Fetched | None,
    ) -> PollResult:
        stream = source_stream(source.id)
        message = str(error)
        with self.store.writing() as tx:
            state = tx.source_state(source.id)
            failures = state.consecutive_failures + 1
            health = tx.health(source.id)
            recorded: list[RecordedEvent] = []
            if not health.failing and failures >= self.settings.fail_after(source):
                failed = SourceFailed(error=message, kind=error.kind, failures=failures)
                recorded = tx.append([NewEvent(stream, failed, source=source.id)])
            tx.save_source_state(
                source.id,
                last_poll_at=started_at,
                last_status="failed",
                last_error=message,
                consecutive_failures=failures,
            )
            result = PollResult(
                source=source.id,
                status="failed",
                event_ids=tuple(e.id for e in recorded),
                error=message,
                http_status=fetched.http_status if fetched else error.http_status,
                size=len(fetched.body) if fetched else 0,
                duration=time.monotonic() - started,
                retry_after=error.retry_after,
            )
            tx.record_poll(**self._line(result, started_at))
            self._finish_lease(tx, source, failures=failures, retry_after=error.retry_after)
        return result

    def _line(self, result: PollResult, started_at: datetime) -> PollLine:
        """The poll's line in the ``polls`` table: its result, with when it began and who polled."""
        return PollLine(
            source=result.source,
            started_at=started_at,
            duration_ms=int(result.duration * 1000),
            status=result.status,
            http_status=result.http_status,
            size=result.size,
            events=len(result.event_ids),
            error=result.error,
            worker=self.worker,
        )

    def _finish_lease(
        self, tx: Transaction, source: Source, *, failures: int, retry_after: float | None
    ) -> None:
        """Release the lease and set the next due time, backed off while the source fails."""
        next_poll_at = self._next_poll_at(source, failures=failures, retry_after=retry_after)
        tx.finish(worker=self.worker, source=source.id, next_poll_at=next_poll_at)

    def _next_poll_at(
        self, source: Source, *, failures: int, retry_after: float | None
    ) -> datetime:
        delay = next_delay(
            source.every,
            fail_after=self.settings.fail_after(source),
            kind=source.kind,
            failures=failures,
            retry_after=retry_after,
        )
        return self.clock() + timedelta(seconds=delay)


def list_state(tx: Transaction, source: Source, *, suspect: bool) -> ListPoll:
    has_baseline = tx.has_event(source=source.id, type=ENTRY_ADDED)
    return ListPoll(
        source=source.id,
        jurisdiction=source.jurisdiction,
        entries=tx.current_entries(source.id),
        has_baseline=has_baseline,
        suspect=suspect,
    )
