"""``monitor serve`` as a real process on 127.0.0.1, on any free port: for tests/web and for
``bench/web.py`` (a plain module, no pytest in it)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

START_TIMEOUT = 120.0
_SERVING = re.compile(r"serving on (http://\S+?)/ ")


class Server:
    """``monitor serve`` in a subprocess, its stderr in a log file beside the config; ``url``
    is where it says it listens."""

    def __init__(self, config: Path, folder: Path, *args: str, env: dict[str, str] | None = None):
        self.log = folder / f"serve-{config.stem}-{time.monotonic_ns()}.log"
        command = [sys.executable, "-m", "monitor", "--config", str(config), "serve"]
        command += ["--host", "127.0.0.1", "--port", "0", *args]
        base = {k: v for k, v in os.environ.items() if k != "MONITOR_CONFIG"}
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
            env={**base, **(env or {})},
            cwd=folder,
        )
        self.url = self._wait()

    def _wait(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            found = _SERVING.search(self.output())
            if found:
                return found[1]
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"monitor serve did not start:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str, **options: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **options)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
