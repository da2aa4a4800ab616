"""A real SMTP server on 127.0.0.1 (aiosmtpd) that remembers what it received."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """What a real SMTP server on 127.0.0.1 received, parsed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.raw: list[bytes] = []
        self.lock = threading.Lock()
        self.logins: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=a@example.org&to=b@example.org"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            raw = list(self.raw)
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raw]  # type: ignore[misc]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.raw) < count:
            time.sleep(0.02)
        return self.messages

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.raw.append(envelope.original_content or envelope.content)
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    port = free_port()
    box = Mailbox(port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
