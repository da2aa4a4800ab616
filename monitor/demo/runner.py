"""``monitor demo``: the whole product, offline, on recorded documents.

A small HTTP server on 127.0.0.1 serves the documents shipped in ``documents/`` the way the real
sites would have over time; the real pipeline (the App the service runs: claim, fetch, parse,
diff, detect, record, deliver) polls them into a temporary store, and alerts go out through a
real apprise channel that writes to a file, which the demo then prints.

The timeline:
1. 5 October 2024 — VOA reports Russia's "principal decision" on the Taliban (on the day of the
   Moscow Format talks); the FSB list and the UN list are seen for the first time (baselines).
2. 6 October 2024 — MENAFN reports the same story: a corroboration, not a second alert.
3. April 2025 — the FSB page appends the Supreme Court's suspension to the Taliban's row, and a
   later UN list adds, removes and amends entries.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from monitor.app import App
from monitor.config import load_settings
from monitor.errors import UsageError
from monitor.events import RecordedEvent
from monitor.fetch import Fetcher
from monitor.store import Store

DOCUMENTS = Path(__file__).parent / "documents"

# The first line of the demo's config: a folder whose monitor.toml starts with it holds an earlier
# demo, which a new one may replace; any other monitor.toml is a user's, and is left alone.
MARK = "# written by `monitor demo`: running it again in this folder starts over"
# What a demo leaves in its folder besides monitor.toml: the store (with SQLite's side files,
# monitor.db-wal and the like) and the alerts.
LEFT_BEHIND = ("monitor.db*", "alerts.txt")
# The hint every alert ends with (the rendered "details: `monitor show 52`").
SHOW_HINT = re.compile(r"\bmonitor show (\d+)\b")

CONFIG = (
    MARK
    + """
[store]
url = "sqlite:///{folder}/monitor.db"

[[watch]]
entity = "Taliban"
aliases = ["Taleban", "Талибан", "Движение «Талибан»"]

[[topic]]
name = "Moscow Format"
match = ["Moscow Format", "Moscow-format", "Московский формат", "Московского формата"]

[[channel]]
name = "desk"
url = "alertfile://{folder}/alerts.txt"
notify = ["designation", "topic", "health"]

[[source]]
id = "voa-asia"
name = "VOA: South and Central Asia (demo)"
kind = "feed"
url = "{base}/voa-asia.xml"

[[source]]
id = "menafn-world"
name = "MENAFN: World (demo)"
kind = "feed"
url = "{base}/menafn-world.xml"

[[source]]
id = "ru-fsb-terrorist-list"
name = "FSB: unified federal list of terrorist organisations"
kind = "list"
format = "html"
url = "{base}/fsb/npd/terror.htm"
jurisdiction = "RU"
encoding = "windows-1251"
entries = "table tr:not(:first-child)"
key = "name"
[source.fields]
name = "td:nth-of-type(2)"
decision = "td:nth-of-type(3)"

[[source]]
id = "un-sc-consolidated"
name = "UN Security Council consolidated list (excerpt)"
kind = "list"
format = "xml"
url = "{base}/consolidated.xml"
jurisdiction = "UN"
entries = "/CONSOLIDATED_LIST/*/*[self::INDIVIDUAL or self::ENTITY]"
key = "reference"
[source.fields]
reference = "REFERENCE_NUMBER"
name = "normalize-space(concat(FIRST_NAME, ' ', SECOND_NAME, ' ', THIRD_NAME, ' ', FOURTH_NAME))"
list_type = "UN_LIST_TYPE"
listed_on = "LISTED_ON"
"""
)


def _without_first_item(feed: bytes) -> bytes:
    """The MENAFN feed as it stood on 5 October: its Taliban item not yet published."""
    return re.sub(rb"<item>.*?</item>", b"", feed, count=1, flags=re.DOTALL)


def _read(name: str) -> bytes:
    return (DOCUMENTS / name).read_bytes()


@dataclass(frozen=True)
class Phase:
    title: str
    documents: dict[str, tuple[bytes, str]]  # path → (body, content type)


def timeline() -> list[Phase]:
    rss = "application/rss+xml"
    voa = (_read("voa-asia.xml"), rss)
    menafn = _read("menafn-world.xml")
    fsb_2024 = (_read("fsb_terror_list_2024.html"), "text/html")  # fsb.ru sends no charset
    un_2018 = (_read("un_consolidated_2018-10-29.excerpt.xml"), "application/xml")
    return [
        Phase(
            "5 October 2024: VOA reports Russia's decision; the lists are seen for the first time",
            {
                "/voa-asia.xml": voa,
                "/menafn-world.xml": (_without_first_item(menafn), rss),
                "/fsb/npd/terror.htm": fsb_2024,
                "/consolidated.xml": un_2018,
            },
        ),
        Phase(
            "6 October 2024: MENAFN reports the same story",
            {
                "/voa-asia.xml": voa,
                "/menafn-world.xml": (menafn, rss),
                "/fsb/npd/terror.htm": fsb_2024,
                "/consolidated.xml": un_2018,
            },
        ),
        Phase(
            "April 2025: the FSB page records the suspension; a later UN list",
            {
                "/voa-asia.xml": voa,
                "/menafn-world.xml": (menafn, rss),
                "/fsb/npd/terror.htm": (_read("fsb_terror_list_2025.html"), "text/html"),
                "/consolidated.xml": (
                    _read("un_consolidated_2020-03-20.excerpt.xml"),
                    "application/xml",
                ),
            },
        ),
    ]


class RecordedSites:
    """Serves the current phase's documents on 127.0.0.1."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[bytes, str]] = {}

    @contextmanager
    def serving(self) -> Iterator[str]:
        sites = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = sites.documents.get(self.path)
                if found is None:
                    self.send_error(404)
                    return
                body, content_type = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
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


@dataclass(frozen=True)
class DemoResult:
    phases: list[tuple[str, list[RecordedEvent]]]
    alerts: str
    events: list[RecordedEvent]


def run_demo(folder: Path | None = None) -> DemoResult:
    """Run the timeline in ``folder`` (a temporary one by default) and collect what happened.

    A kept folder starts from a clean store each time: the timeline begins in 2024, so playing
    it over an earlier run's 2025 state would record the changes backwards and alert them.
    """
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp:
            result = _play_in(Path(tmp))
        return replace(result, alerts=runnable_hints(result.alerts, None))
    folder = folder.absolute()
    clear(folder)
    result = _play_in(folder)
    return replace(result, alerts=runnable_hints(result.alerts, folder / "monitor.toml"))


def _play_in(folder: Path) -> DemoResult:
    sites = RecordedSites()
    with sites.serving() as base:
        config = folder / "monitor.toml"
        config.write_text(CONFIG.format(folder=folder, base=base), encoding="utf-8")
        settings = load_settings(config, env={})
        # Made now (the demo writes anyway): the first phase reads the log before any poll.
        store = Store(settings.store.url, lock_timeout=settings.store.lock_timeout)
        app = App(settings, store)
        try:
            phases = asyncio.run(_play(app, sites))
            events = app.store.read()
        finally:
            app.close()
    alerts_file = folder / "alerts.txt"
    alerts = alerts_file.read_text(encoding="utf-8") if alerts_file.exists() else ""
    return DemoResult(phases=phases, alerts=alerts, events=events)


def clear(folder: Path) -> None:
    """Make ``folder`` ready for a demo: create it, or remove what an earlier demo left there.
    Refuse a file, and a folder holding a store or config that no demo wrote."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--keep: {folder} is a file, not a folder")
    config = folder / "monitor.toml"
    try:
        ours = config.read_text(encoding="utf-8", errors="replace").startswith(MARK)
    except FileNotFoundError:
        ours = False
    except OSError as exc:
        raise UsageError(f"--keep: cannot read {config}: {exc.strerror}") from None
    left = sorted(path for pattern in LEFT_BEHIND for path in folder.glob(pattern))
    if not ours and (config.exists() or left):
        found = config if config.exists() else left[0]
        raise UsageError(
            f"--keep: {found} was not written by `monitor demo`; give a new or empty folder"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in left:
            path.unlink()
    except OSError as exc:
        raise UsageError(f"--keep: cannot use {folder}: {exc.strerror}") from None


def runnable_hints(alerts: str, config: Path | None) -> str:
    """The alerts' ``monitor show N`` hints as commands that work where the demo ran: with the
    kept store's config, or (the store gone with its temporary folder) how to keep one."""
    if config is None:
        return SHOW_HINT.sub(
            r"monitor --config DIR/monitor.toml show \1 (after monitor demo --keep DIR)", alerts
        )
    return SHOW_HINT.sub(
        lambda m: f"monitor --config {shlex.quote(str(config))} show {m[1]}", alerts
    )


async def _play(app: App, sites: RecordedSites) -> list[tuple[str, list[RecordedEvent]]]:
    played = []
    async with Fetcher(app.settings.http) as fetcher:
        for phase in timeline():
            sites.documents = phase.documents
            before = await asyncio.to_thread(app.store.last_position)
            await app.poll_with(fetcher, app.sources(), due_only=False)
            await app.deliver()
            recorded = await asyncio.to_thread(app.store.read, after=before)
            played.append((phase.title, [e for e in recorded if e.source is not None]))
    return played
