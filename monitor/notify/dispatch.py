"""The dispatcher: one pass over the outbox, every channel at once, each outcome recorded.

Each channel drains its own due notifications, oldest first, claiming one at a time by lease, so a
channel that is down (or slow) never holds back another. A failed or unconfirmed attempt ends
that channel's pass: the notification is retried with exponential backoff and jitter (capped at
its give-up deadline) and the channel's other notifications wait as long, so a dead channel costs
one attempt per pass, not one per alert.

An attempt that timed out is *unknown*, not failed: apprise stopped waiting but the service may
still have accepted it. It is retried like a failure (an alert is never lost for a maybe), its
retry says that it may repeat an earlier message, and if the channel never confirms, the give-up
(``notification_failed``) says in its error that the alert may have arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from monitor.clock import utcnow
from monitor.config import Settings
from monitor.errors import UsageError
from monitor.events import NotificationFailed, format_time
from monitor.notify import outbox
from monitor.notify.attempts import SENT, Outcome, failure_error, may_have_arrived, retry_at
from monitor.notify.channels import ChannelSender, SendResult, senders
from monitor.notify.formats import Layout, to_html, to_markdown, to_text
from monitor.notify.render import Message, MessageContext, SourceInfo, render
from monitor.redact import link_base
from monitor.store import Store
from monitor.store.deliveries import Claimed

logger = logging.getLogger("monitor.notify")

LEASE_MARGIN = 60.0  # seconds a delivery lease outlives the send timeout
PER_PASS = 200  # notifications one channel sends in one pass at most
IDLE_POLL = 1.0  # seconds between looks for new work while another channel is still sending


@dataclass
class ChannelReport:
    sent: int = 0
    retrying: int = 0  # failed or unconfirmed, will be tried again
    gave_up: int = 0  # notifications recorded as notification_failed
    errors: list[str] = field(default_factory=list)


@dataclass
class DeliveryReport:
    channels: dict[str, ChannelReport] = field(default_factory=dict)
    next_due: datetime | None = None  # when the outbox next has something due

    def channel(self, name: str) -> ChannelReport:
        return self.channels.setdefault(name, ChannelReport())

    @property
    def sent(self) -> int:
        return sum(c.sent for c in self.channels.values())

    @property
    def failed(self) -> int:
        return sum(c.retrying + c.gave_up for c in self.channels.values())


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        worker: str,
        clock: Callable[[], datetime] = utcnow,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.store = store
        self.worker = worker
        self.clock = clock
        self.rand = rand
        self.senders = senders(settings)
        for sender in self.senders.values():
            if not sender.valid:
                logger.error("channel %s: %s", sender.name, sender.error)

    async def run(self) -> DeliveryReport:
        """One pass: send everything due now, record every outcome.

        While one channel is still busy (a slow or hanging send, up to ``[delivery] timeout``),
        the others keep looking for new alerts every second instead of waiting for the next pass.
        """
        report = DeliveryReport()
        await asyncio.to_thread(self._prepare)
        busy = set(self.senders)
        all_idle = asyncio.Event()

        async def keep_draining(sender: ChannelSender) -> None:
            while True:
                busy.add(sender.name)
                await self._drain(sender, report)
                busy.discard(sender.name)
                if not busy:
                    all_idle.set()
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(all_idle.wait(), IDLE_POLL)
                if all_idle.is_set():
                    return
                await asyncio.to_thread(self._reconcile)

        await asyncio.gather(*(keep_draining(s) for s in self.senders.values()))
        report.next_due = await asyncio.to_thread(self._next_due)
        return report

    def _reconcile(self) -> None:
        self.store.deliveries.reconcile()

    def _prepare(self) -> None:
        """Register new channels, forget removed ones (only the delivering process does: its
        config is the one that sends), and take over the leases of the dead."""
        prepared = self.store.deliveries.prepare(
            wanted=outbox.wanted(self.settings),
            configured=outbox.configured(self.settings),
            worker=self.worker,
            now=self.clock(),
        )
        for (channel, klass), dropped in prepared.dropped.items():
            logger.warning(
                "channel %s no longer takes %s alerts: %d undelivered notification(s) dropped",
                channel,
                klass,
                dropped,
            )
        for owner in prepared.released:
            logger.info("released the delivery leases of %s (no longer running)", owner)

    def _next_due(self) -> datetime | None:
        return self.store.deliveries.next_due(list(self.senders))

    async def _drain(self, sender: ChannelSender, report: DeliveryReport) -> None:
        stats = report.channel(sender.name)
        lease = self.settings.delivery.timeout + LEASE_MARGIN
        deliveries = self.store.deliveries
        for _ in range(PER_PASS):
            item = await asyncio.to_thread(
                deliveries.claim,
                channel=sender.name,
                worker=self.worker,
                now=self.clock(),
                lease=lease,
            )
            if item is None:
                return
            try:
                result = await self._attempt(sender, item)
            except BaseException:  # cancelled mid-send: give the lease back, decide nothing
                await asyncio.shield(
                    asyncio.to_thread(deliveries.release, [item], worker=self.worker)
                )
                raise
            if result.outcome == SENT:
                await asyncio.to_thread(deliveries.record_sent, item, now=self.clock())
                stats.sent += 1
                logger.info(
                    "delivered channel=%s notification=#%d events=%d attempt=%d",
                    sender.name,
                    item.first_event,
                    len(item.events),
                    item.attempts + 1,
                )
                continue
            await self._failed(sender, item, result, stats)
            return

    async def _attempt(self, sender: ChannelSender, item: Claimed) -> SendResult:
        try:
            context = await asyncio.to_thread(load_context, self.store, self.settings, item)
            message = render(context)
        except Exception as exc:
            logger.exception("could not render notification #%d", item.first_event)
            return SendResult("failed", f"could not render the message: {exc!r}")
        return await sender.send(message, timeout=self.settings.delivery.timeout)

    async def _failed(
        self, sender: ChannelSender, item: Claimed, result: SendResult, stats: ChannelReport
    ) -> None:
        delivery = self.settings.delivery
        now = self.clock()
        retry = retry_at(item, now, delivery, self.rand)
        error = failure_error(result.outcome, result.error, unconfirmed=item.unconfirmed)
        recorded = await asyncio.to_thread(
            self.store.deliveries.record_failure,
            item,
            now=now,
            outcome=result.outcome,
            may_have_arrived=may_have_arrived(result.outcome),
            error=error,
            retry_at=retry,
            give_up_after=delivery.give_up_after,
        )
        stats.errors.append(error)
        failed = recorded.payload if recorded is not None else None
        assert failed is None or isinstance(failed, NotificationFailed)
        gave_up = set(failed.events) if failed is not None else set()
        if item.first_event not in gave_up:
            stats.retrying += 1
            logger.warning(
                "delivery %s channel=%s notification=#%d attempt=%d retry_at=%s error=%s",
                result.outcome,
                sender.name,
                item.first_event,
                item.attempts + 1,
                format_time(retry),
                error,
            )
        if failed is not None:
            stats.gave_up += failed.notifications
            logger.error(
                "channel=%s gave up on %d notification(s) (events %s) after %s: %s",
                sender.name,
                failed.notifications,
                ", ".join(str(i) for i in failed.events[:20]),
                _age(delivery.give_up_after),
                error,
            )


def _age(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds:g}s"


# --- what a message says ---------------------------------------------------------------------


def load_context(store: Store, settings: Settings, item: Claimed) -> MessageContext:
    """The events of a notification and what its message cites about them."""
    cited = store.deliveries.cited(item.events)
    known = {s.id: s for s in settings.sources}
    sources = {}
    firsts = [s.first for s in cited.stories.values() if s.first is not None]
    for event in [*cited.events, *cited.reported.values(), *firsts]:
        if event.source and event.source not in sources:
            source = known.get(event.source)
            sources[event.source] = SourceInfo(
                id=event.source,
                label=source.label if source else event.source,
                url=link_base(source.url) if source else None,  # never its password or key
                jurisdiction=source.jurisdiction if source else None,
            )
    return MessageContext(
        kind=item.kind,
        events=cited.events,
        sources=sources,
        stories=cited.stories,
        reported=cited.reported,
        unconfirmed=item.unconfirmed,
    )


# --- notify-test -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TestResult:
    channel: str
    url: str  # masked
    outcome: Outcome | Literal["off"]
    error: str = ""


async def notify_test(settings: Settings, names: Iterable[str] | None = None) -> list[TestResult]:
    """Send a test message to each (or each named) channel; nothing is recorded."""
    configured = {c.name: c for c in settings.channels}
    wanted = list(names) if names else list(configured)
    unknown = [n for n in wanted if n not in configured]
    if unknown:
        known = ", ".join(configured) or "none configured"
        raise UsageError(f"unknown channel {unknown[0]!r} (channels: {known})")
    ready = senders(settings, wanted)
    message = _test_message()

    async def one(name: str) -> TestResult:
        sender = ready.get(name)
        if sender is None:
            return TestResult(name, "", "off", "the URL is empty")
        result = await sender.send(message, timeout=settings.delivery.timeout)
        return TestResult(name, sender.masked, result.outcome, result.error)

    return list(await asyncio.gather(*(one(n) for n in wanted)))


def _test_message() -> Message:
    layout = Layout(
        title="monitor: test message",
        summary="nothing: this is a test. If you can read it, alerts reach you here.",
        facts=[("Sent at", format_time(utcnow()))],
        footer=["Sent by `monitor notify-test`."],
    )
    return Message(
        title=layout.title,
        text=to_text(layout),
        html=to_html(layout),
        markdown=to_markdown(layout),
    )
