"""Local servers for hardening tests: a static folder server honouring feedparser's test headers."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_HEADER = re.compile(rb"^Header:\s*([A-Za-z-]+):\s*(.+?)\s*$", re.MULTILINE)


@contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """Serve every file below ``root``; a ``Header: Name: value`` line in a file becomes a header."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = (root / self.path.lstrip("/")).resolve()
            if root.resolve() not in path.parents or not path.is_file():
                self.send_error(404)
                return
            body = path.read_bytes()
            headers = {"Content-Type": "application/xml"}
            for name, value in _HEADER.findall(body[:2000]):
                headers[name.decode().title()] = value.decode("latin-1")
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
