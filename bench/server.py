"""A threaded HTTP server on 127.0.0.1 that serves a benchmark corpus with conditional GET.

    python bench/server.py --root /tmp/corpus-1000 [--port 0]

prints its base URL (``http://127.0.0.1:PORT``) on the first line of stdout, then serves
``ROOT/base/<path>`` until killed. Every response carries a strong ``ETag`` (a hash of the bytes)
and ``Last-Modified`` (the file's time); a request whose ``If-None-Match`` matches gets
``304 Not Modified``, and so does one with only ``If-Modified-Since`` when the file is not newer
(``If-None-Match`` wins when both are sent, as RFC 9110 says). HTTP/1.1 keep-alive, no
compression.

Control requests (for the benchmark driver, never for the tools under test):

- ``GET /_bench/variant/changed`` serves ``ROOT/changed/<path>`` where it exists (the 10 %
  changed overlay), ``GET /_bench/variant/base`` goes back;
- ``GET /_bench/stats`` returns the counts of 200, 304 and 404 responses so far as JSON, and
  ``GET /_bench/reset`` zeroes them.

Files are read once and kept in memory (keyed by path, size and mtime), so the server's own cost
per request stays small next to the tools'.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
from collections import Counter
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
}


class Corpus:
    """The files under ``root/base`` (and ``root/changed`` when that variant is on), cached."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.variant = "base"
        self.stats: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._cache: dict[Path, tuple[int, int, bytes, str, str]] = {}

    def resolve(self, url_path: str) -> Path | None:
        relative = unquote(urlsplit(url_path).path).lstrip("/")
        if not relative or ".." in Path(relative).parts:
            return None
        if self.variant != "base":
            candidate = self.root / self.variant / relative
            if candidate.is_file():
                return candidate
        candidate = self.root / "base" / relative
        return candidate if candidate.is_file() else None

    def load(self, path: Path) -> tuple[bytes, str, str, float]:
        """(body, etag, Last-Modified, mtime) of ``path``, re-read only when the file changed."""
        stat = path.stat()
        cached = self._cache.get(path)
        if cached is None or cached[0] != stat.st_mtime_ns or cached[1] != stat.st_size:
            body = path.read_bytes()
            etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
            modified = formatdate(stat.st_mtime, usegmt=True)
            cached = (stat.st_mtime_ns, stat.st_size, body, etag, modified)
            self._cache[path] = cached
        return cached[2], cached[3], cached[4], stat.st_mtime_ns / 1e9

    def count(self, key: str) -> None:
        with self.lock:
            self.stats[key] += 1


def not_modified(headers: object, etag: str, mtime: float) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; else If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")  # type: ignore[attr-defined]
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        tags = [t.strip() for t in if_none_match.split(",")]
        return any(t.removeprefix("W/") == etag for t in tags)  # weak comparison
    if_modified_since = headers.get("If-Modified-Since")  # type: ignore[attr-defined]
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return int(mtime) <= since
    return False


def make_handler(corpus: Corpus) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "bench-corpus/1"

        def do_GET(self) -> None:
            if self.path.startswith("/_bench/"):
                self._control()
                return
            path = corpus.resolve(self.path)
            if path is None:
                corpus.count("404")
                self._send(404, b"not found\n", {"Content-Type": "text/plain"})
                return
            body, etag, modified, mtime = corpus.load(path)
            headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "no-cache"}
            if not_modified(self.headers, etag, mtime):
                corpus.count("304")
                self._send(304, b"", headers)
                return
            corpus.count("200")
            headers["Content-Type"] = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
            self._send(200, body, headers)

        def do_HEAD(self) -> None:
            self.do_GET()

        def _control(self) -> None:
            parts = self.path.strip("/").split("/")
            if parts[1:2] == ["variant"] and len(parts) == 3 and parts[2] in ("base", "changed"):
                corpus.variant = parts[2]
                body = json.dumps({"variant": corpus.variant}).encode()
            elif parts[1:] == ["stats"]:
                with corpus.lock:
                    body = json.dumps({"variant": corpus.variant, **corpus.stats}).encode()
            elif parts[1:] == ["reset"]:
                with corpus.lock:
                    corpus.stats.clear()
                body = b"{}"
            else:
                self._send(404, b"unknown control request\n", {"Content-Type": "text/plain"})
                return
            self._send(200, body, {"Content-Type": "application/json"})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and status != 304:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops connections when 10+ clients connect at once


def serve(root: Path, host: str = "127.0.0.1", port: int = 0) -> Server:
    """A started server (in a daemon thread); ``server.server_address`` has the port."""
    server = Server((host, port), make_handler(Corpus(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, required=True, help="corpus folder (with base/)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args(argv)
    if not (args.root / "base").is_dir():
        print(f"{args.root}/base is not a folder; run bench/corpus.py first", file=sys.stderr)
        return 2
    server = Server((args.host, args.port), make_handler(Corpus(args.root)))
    print(f"http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
