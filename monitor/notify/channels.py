"""Channels: one apprise object per configured ``[[channel]]``, and keeping their secrets secret.

A channel URL holds passwords and webhook tokens, so it is only ever printed masked
(:func:`mask_url`), every log line passes a filter that blanks the secret parts of the configured
URLs, and apprise's own logger (which prints full URLs at its most verbose levels) is kept at
INFO or above.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from monitor.config import Channel, Settings
from monitor.notify.attempts import FAILED, SENT, UNKNOWN
from monitor.notify.render import Message

logger = logging.getLogger("monitor.notify")

# Query parameters of apprise URLs that are settings, not secrets.
_PUBLIC_PARAMS = {
    "from", "to", "cc", "bcc", "name", "mode", "format", "method", "overflow", "retry",
    "wait", "optional", "image", "footer", "timestamp", "blocks", "smtp", "cto", "rto",
    "verify", "reply", "user",
}  # fmt: skip
_GENERIC_SEGMENTS = {"services", "webhooks", "webhook", "hooks", "api", "notify", "v1", "v2"}


def mask_url(url: str) -> str:
    """A channel URL fit to print: scheme, user and host; password, path and query hidden."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "<invalid URL>"
    if not parts.scheme:
        return "<invalid URL>"
    host = _raw_host(parts)
    if _token_host(host):
        host = host[:2] + "…"
    user = (
        f"{parts.username}:****@"
        if parts.password
        else (f"{parts.username}@" if parts.username else "")
    )
    port = f":{parts.port}" if _port(parts) else ""
    rest = "/…" if (parts.path.strip("/") or parts.query) else ""
    return f"{parts.scheme}://{user}{host}{port}{rest}"


def _raw_host(parts: Any) -> str:
    """The host as written (``hostname`` is lower-cased; a token must keep its case)."""
    host = parts.netloc.rpartition("@")[2]
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if ":" in host else host


def _token_host(host: str) -> bool:
    """slack://TOKEN/..., tgram://TOKEN/...: a "host" without a dot is a token, not a host."""
    return (
        bool(host) and "." not in host and ":" not in host and host != "localhost" and len(host) > 4
    )


def _port(parts: Any) -> int | None:
    try:
        return parts.port
    except ValueError:
        return None


def secrets_of(url: str) -> set[str]:
    """The parts of ``url`` that must never appear in output: password, tokens, the URL."""
    found = {url.strip()}
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return found
    if parts.password:
        found |= {parts.password, unquote(parts.password)}
    if _token_host(_raw_host(parts)):
        found.add(_raw_host(parts))
    for segment in parts.path.split("/"):
        if _token_like(segment):
            found |= {segment, unquote(segment)}
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key.lstrip("+-:").lower() not in _PUBLIC_PARAMS and len(value) >= 4:
            found |= {value, unquote(value)}
    return {s for s in found if len(s) >= 4}


def _token_like(segment: str) -> bool:
    if len(segment) < 6 or segment.lower() in _GENERIC_SEGMENTS:
        return False
    return bool(re.search(r"[0-9A-Z_-]", segment)) or len(segment) >= 16


class Redactor(logging.Filter):
    """Blanks known secrets in text and in every log record that passes through it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, secrets: Iterable[str]) -> None:
        self.secrets |= set(secrets)

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, "****")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = self(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self(record.exc_text)
        if clean != message:
            record.msg, record.args = clean, None
        return True


REDACTOR = Redactor()


def protect_logs() -> None:
    """Redact channel secrets in every handler's output; keep apprise and urllib3 at INFO+."""
    for name in ("apprise", "urllib3"):
        named = logging.getLogger(name)
        if named.getEffectiveLevel() < logging.INFO:
            named.setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:
        if REDACTOR not in handler.filters:
            handler.addFilter(REDACTOR)


@dataclass
class SendResult:
    outcome: str  # sent | failed | unknown (timed out: it may have arrived)
    error: str = ""


class ChannelSender:
    """A configured channel with a URL, ready to send through apprise."""

    def __init__(self, channel: Channel) -> None:
        import apprise

        from monitor.notify import alertfile  # noqa: F401  (registers alertfile:// with apprise)

        self.name = channel.name
        self.notify = list(channel.notify)
        self.masked = mask_url(channel.url)
        REDACTOR.add(secrets_of(channel.url))
        protect_logs()
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
