"""tests/web: `monitor serve` as a real process over a store the real pipeline filled (`monitor
demo`'s), read by httpx and by a real headless browser (Debian's chromium driven by Playwright).

Chromium comes from Debian, never from Playwright's own download (which this machine and CI
cannot reach): :func:`ensure_chromium` installs it with apt-get where it is missing, and fails
the tests — never skips them — when it cannot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.web.server import Server

CHROMIUM = Path("/usr/bin/chromium")
# What a headless chromium needs here, as root, with no network but loopback: no sandbox, no
# GPU, and none of its own connections (updates, sync, field trials) that the network refuses.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APT_PACKAGES = ["chromium", "fonts-dejavu-core"]
SCREENSHOTS = REPO / "state" / "screenshots"  # git-ignored, like all of state/


def ensure_chromium() -> Path:
    """/usr/bin/chromium, installed from Debian's packages if it is missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail(
            f"{CHROMIUM} is missing and there is no apt-get to install it: install Debian's "
            "chromium package (or Chromium at that path) to run tests/web",
            pytrace=False,
        )
    if os.geteuid() != 0:
        pytest.fail(
            f"{CHROMIUM} is missing and only root can install it: "
            f"sudo apt-get install --no-install-recommends {' '.join(APT_PACKAGES)}",
            pytrace=False,
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "-q", "--no-install-recommends", *APT_PACKAGES]
    sys.stderr.write(f"tests/web: installing {' '.join(APT_PACKAGES)} with apt-get\n")
    result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0:  # a new machine's package lists may be missing or stale
        subprocess.run([apt, "update", "-q"], env=env, capture_output=True, timeout=600)
        result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0 or not CHROMIUM.exists():
        pytest.fail(
            f"apt-get could not install chromium (exit {result.returncode}):\n"
            f"{result.stdout[-1500:]}\n{result.stderr[-1500:]}",
            pytrace=False,
        )
    return CHROMIUM


def play_demo(folder: Path) -> Path:
    """A store filled through the real pipeline: the founding story, the FSB change and the UN
    snapshots (``monitor demo``). Its config is returned. The demo runs its own event loop, so
    it runs in a thread of its own (Playwright's loop may be running in this one)."""
    from monitor.demo.runner import run_demo

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run_demo, folder).result()
    return folder / "monitor.toml"


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return play_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def web(demo: Path) -> Iterator[Server]:
    server = Server(demo, demo.parent)
    yield server
    assert server.stop() == 0, server.output()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    chromium = ensure_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies and profile) for each test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
