"""Channels: one apprise object per configured ``[[channel]]``, and keeping their secrets secret.

A channel URL holds passwords and webhook tokens, so it is only ever printed masked
(:func:`monitor.redact.mask_url`), every log line passes the filter that blanks the secret parts
of the configured URLs, and apprise's own logger (which prints full URLs at its most verbose
levels) is kept at INFO or above (:func:`monitor.redact.protect`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from monitor.config import Channel, Settings
from monitor.notify.attempts import FAILED, SENT, UNKNOWN, Outcome
from monitor.notify.render import Message
from monitor.redact import REDACTOR, mask_url, protect

logger = logging.getLogger("monitor.notify")


@dataclass
class SendResult:
    outcome: Outcome
    error: str = ""


class ChannelSender:
    """A configured channel with a URL, ready to send through apprise."""

    def __init__(self, channel: Channel) -> None:
        import apprise

        from monitor.notify import alertfile  # noqa: F401  (registers alertfile:// with apprise)

        self.name = channel.name
        self.notify = list(channel.notify)
        self.masked = mask_url(channel.url)
        protect([channel.url])
        asset = apprise.AppriseAsset(
            app_id="monitor", app_desc="Policy change monitor", app_url="https://example.org"
        )
        self.apprise = apprise.Apprise(asset=asset)
        self.error = (
            "" if self.apprise.add(channel.url) else f"not a valid apprise URL: {self.masked}"
        )
        self.format = _format_of(self.apprise[0]) if not self.error else "text"

    @property
    def valid(self) -> bool:
        return not self.error

    async def send(self, message: Message, *, timeout: float) -> SendResult:
        """One attempt; a timeout is *unknown* (apprise stops waiting, the send may finish)."""
        import apprise

        if self.error:
            return SendResult(FAILED, self.error)
        body = {"html": message.html, "markdown": message.markdown}.get(self.format, message.text)
        # A service's own read timeout (apprise: 4 s) would end a hang as a definite failure
        # inside ``timeout``, though the receiver may still take the message: ``timeout`` decides.
        for service in self.apprise:
            service.socket_read_timeout = max(service.socket_read_timeout, timeout + 5.0)
        try:
            result = await self.apprise.async_notify(
                body=body,
                title=message.title,
                body_format=self.format,
                notify_type=message.notify_type,
                timeout=timeout,
            )
        except Exception as exc:  # apprise reports per service; this is a bug or bad input
            return SendResult(FAILED, REDACTOR(f"{type(exc).__name__}: {exc}"))
        if result.status == apprise.AppriseResultStatus.SUCCESS:
            return SendResult(SENT)
        problems = [
            entry.message
            for entry in result.logs()
            if entry.level in ("WARNING", "ERROR", "CRITICAL")
        ]
        error = "; ".join(dict.fromkeys(problems)) or result.status.name.lower()
        if result.status == apprise.AppriseResultStatus.TIMEOUT:
            return SendResult(UNKNOWN, REDACTOR(f"no answer within {timeout:g}s; {error}"))
        return SendResult(FAILED, REDACTOR(error)[:1000])


def _format_of(service: Any) -> str:
    """The service's own first format: HTML for email, Markdown for Slack, text for webhooks."""
    formats = service.notify_format
    first = formats[0] if isinstance(formats, tuple | list) else formats
    return str(getattr(first, "value", first))


def senders(settings: Settings, names: Iterable[str] | None = None) -> dict[str, ChannelSender]:
    """The enabled channels (all, or the named ones) as senders; disabled ones are warned once."""
    wanted = set(names) if names is not None else None
    result = {}
    for channel in settings.channels:
        if wanted is not None and channel.name not in wanted:
            continue
        if not channel.enabled:
            warn_disabled(channel.name)
            continue
        result[channel.name] = ChannelSender(channel)
    return result


_warned: set[str] = set()


def warn_disabled(name: str) -> None:
    if name not in _warned:
        _warned.add(name)
        logger.warning("channel %s has an empty URL: it is off", name)
