"""``monitor serve``: check where it may listen, open the store, run the app under uvicorn.

The socket is bound here, before uvicorn starts, so a port in use is one clear line (exit 1),
and port 0 takes any free port, which the start-up line names (the tests rely on it).
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from monitor.config import Settings
from monitor.errors import MonitorError, NoStoreError
from monitor.redact import REDACTOR, mask_url
from monitor.store import Store
from monitor.web.present import MAX_KEY
from monitor.web.security import check_binding

logger = logging.getLogger("monitor.web")
GRACE = 3  # seconds a SIGTERM waits for open requests (live streams are cut after it)


def listen(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        raise MonitorError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _server(config: Any, app: Any, announce: Callable[[], None]) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn, stopped by SIGTERM or SIGINT like ``monitor run``: the live streams end,
        open requests finish (up to ``GRACE``), and the command exits 0 (uvicorn itself raises
        the signal again after its shutdown, so the process would die of it). It says where it
        listens once it accepts connections."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit:
                announce()

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            app.state.stopping = True
            super().handle_exit(sig, frame)

        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            stops = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in stops}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server(config)


MAX_REQUEST_HEAD = 12 * MAX_KEY + 16 * 1024


def serve(settings: Settings, *, host: str, port: int) -> int:
    """Serve until SIGTERM or SIGINT; 0 then."""
    import uvicorn

    from monitor.web.app import create_app

    token = settings.web.token
    check_binding(host, token, settings.path)
    if token:
        REDACTOR.add({token})
    store = Store(settings.store.url, create=False, lock_timeout=settings.store.lock_timeout)
    try:
        if not store.exists():
            raise NoStoreError(
                f"no store at {mask_url(settings.store.url)}: nothing has been recorded yet "
                "(start `monitor run`, or `monitor poll`, first; or check store.url)"
            )
        sock = listen(host, port)
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        access = "anyone on this machine" if not token else "requests carrying the token"
        mode = "accept and notify-test on" if settings.web.actions else "read-only"

        def announce() -> None:
            sys.stderr.write(
                f"monitor: serving on http://{shown}:{bound}/ ({mode}; {access}); "
                "SIGTERM or Ctrl-C stops it\n"
            )
            sys.stderr.flush()

        app = create_app(settings, store)
        config = uvicorn.Config(
            app,
            log_config=None,  # the monitor's own logging: its format, its redaction
            access_log=logger.isEnabledFor(logging.INFO),
            server_header=False,
            timeout_graceful_shutdown=GRACE,
            lifespan="off",
            # A list page's next link carries an entry's key (up to MAX_KEY characters, each up
            # to 12 bytes percent-encoded): h11's 16 KiB for a request head would refuse it.
            h11_max_incomplete_event_size=MAX_REQUEST_HEAD,
        )
        _server(config, app, announce).run(sockets=[sock])
    finally:
        store.close()
    return 0
