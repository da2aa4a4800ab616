"""The ``monitor`` command line: parses arguments, calls the application, prints.

Read commands print a table, or JSON Lines with ``--json`` (nothing else on stdout). Exit status:
0 success, 1 a runtime failure, 2 bad usage or bad config — never a traceback for either.

Whatever came from outside (titles, entries, errors, URLs) is printed through
:func:`monitor.columns.visible` (rich printers with ``markup=True``) and any URL masked.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor import __version__, columns
from monitor.clock import utcnow
from monitor.columns import visible
from monitor.config import Settings, load_settings
from monitor.describe import summary
from monitor.errors import ConfigError, MonitorError, UsageError
from monitor.events import (
    EVENT_TYPES,
    RecordedEvent,
    document_of,
    encode,
    format_time,
)
from monitor.redact import REDACTOR, mask_url, protect, redact

if TYPE_CHECKING:
    from monitor.store import Store

cli = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Watch official lists and the news for designation changes; keep the evidence.",
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(no_args_is_help=True, help="Database maintenance.")
cli.add_typer(db_cli, name="db")


class _Console:
    """A rich console made when first used: `run --once` prints plain columns and never needs
    rich, whose import is ~40 ms of its start-up."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


def _table(*headers: str, **options: Any) -> Any:
    from rich.table import Table

    return Table(*headers, **options)


# No highlighting and no emoji codes: text from outside is printed as it is written.
out = _Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 200)
err = _Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def safe(value: Any) -> str:
    """A value for a rich printer: visible, markup escaped."""
    return visible(value, markup=True)


JsonOption = Annotated[bool, typer.Option("--json", help="JSON Lines on stdout.")]


class Context:
    def __init__(self, config: Path | None, verbose: int) -> None:
        self.config_path = config
        self.verbose = verbose
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
            # The secrets of every configured URL are blanked in log lines from here on (a
            # source URL without any is left out: it has nothing to blank).
            urls = [s.url for s in self._settings.sources] + [
                c.url for c in self._settings.channels if c.enabled
            ]
            protect(url for url in urls if mask_url(url) != url.strip())
        return self._settings

    @contextmanager
    def app(self) -> Iterator[Any]:
        settings = self.settings
        # What importing the stack makes (~100,000 objects) lives until the process ends: a
        # collection while it is made frees nothing and walks all of it (~50 ms of a start-up).
        # Frozen once made, the collector stops walking it in every full collection and once
        # more at exit (that last walk was ~0.3 s of a 2 s `run --once`).
        gc.disable()
        try:
            from monitor.app import App

            application = App(settings)
        finally:
            gc.freeze()
            gc.enable()
        try:
            yield application
        finally:
            application.close()


@cli.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Config file (default: $MONITOR_CONFIG or ./monitor.toml)."
        ),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output.")
    ] = 0,
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        out.print(f"monitor {__version__}")
        raise typer.Exit(0)
    setup_logging(verbose)
    ctx.obj = Context(config, verbose)


def setup_logging(verbose: int) -> None:
    level_name = os.environ.get("MONITOR_LOG_LEVEL", "")
    level = getattr(logging, level_name.upper(), None) if level_name else None
    if not isinstance(level, int):
        level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, stream=sys.stderr, force=True)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_VisibleFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(REDACTOR)
    # apprise logs full URLs with secrets at its most verbose levels, and urllib3 logs the
    # paths (webhook tokens) of the requests apprise makes: never below INFO.
    for secretive in ("apprise", "urllib3"):
        logging.getLogger(secretive).setLevel(max(level, logging.INFO))
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


class _VisibleFormatter(logging.Formatter):
    """Log lines quote titles and errors from outside: their controls are shown, not obeyed."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record), lines=True)


def _ctx(ctx: typer.Context) -> Context:
    return ctx.obj


def _when(value: str | None, option: str) -> datetime | None:
    from monitor.timeutil import parse_user_time

    return None if value is None else parse_user_time(value, now=utcnow(), option=option)


def _time(moment: datetime | None) -> str:
    return format_time(moment) if moment else "-"


def _print_jsonl(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


# --- polling ---------------------------------------------------------------------------------


@cli.command()
def run(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Poll every source once, deliver, exit.")
    ] = False,
) -> None:
    """Run the service: poll each source on its schedule until SIGTERM/SIGINT."""
    c = _ctx(ctx)
    with c.app() as app:
        sources = app.sources()  # a config without any source is refused here, before anything runs
        if once:
            results = app.poll_now(sources)
            _deliver(app)
            _print_poll_results(results)
            if any(r.failed for r in results):
                raise typer.Exit(1)
            return
        from monitor.service import run_service

        if c.verbose == 0 and not os.environ.get("MONITOR_LOG_LEVEL"):
            setup_logging(1)  # the service logs one line per poll
        raise typer.Exit(run_service(app))


@cli.command()
def poll(
    ctx: typer.Context,
    source: Annotated[list[str], typer.Argument(help="Source ids to poll now.")],
) -> None:
    """Poll the named sources now, then deliver pending notifications."""
    with _ctx(ctx).app() as app:
        results = app.poll_now(app.sources(source))
        _deliver(app)
        _print_poll_results(results)
        if any(r.failed for r in results):
            raise typer.Exit(1)


def _deliver(app: Any) -> None:
    deliver = getattr(app, "deliver_now", None)
    if deliver is not None:
        deliver()


QUIET_STATUSES = ("not_modified", "unchanged")
ROWS_SHOWN = 50  # beyond this many polls, quiet ones are counted instead of listed


def _print_poll_results(results: list[Any]) -> None:
    """A row per poll; in a large run, only the polls that found something or failed."""
    shown = results
    if len(results) > ROWS_SHOWN:
        shown = [r for r in results if r.status not in QUIET_STATUSES or r.event_ids]
    rows = [
        (
            r.source,
            r.status,
            str(r.http_status or "-"),
            f"{r.size:,}",
            str(len(r.event_ids)),
            f"{r.duration:.2f}",
            redact(r.error or ""),
        )
        for r in shown
    ]
    if shown:
        headers = ("source", "status", "http", "bytes", "events", "seconds", "error")
        print(columns.render(headers, rows))
    if len(shown) < len(results):
        counts = Counter(r.status for r in results)
        summary = ", ".join(
            f"{n} {status.replace('_', ' ')}" for status, n in sorted(counts.items())
        )
        print(f"{len(results)} sources polled: {summary}")


# --- reading the log -------------------------------------------------------------------------


@cli.command("log")
def log_(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="From this date (ISO 8601, or 7d / 12h ago).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this event type.")] = None,
    entity: Annotated[str | None, typer.Option(help="Only events about this entity.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many events.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The change log, newest first."""
    if type_ is not None and type_ not in EVENT_TYPES:
        raise UsageError(f"--type: unknown event type {type_!r} (one of {', '.join(EVENT_TYPES)})")
    start, end = _when(since, "--since"), _when(until, "--until")
    c = _ctx(ctx)
    if source is not None and source not in {s.id for s in c.settings.sources}:
        raise UsageError(f"--source: unknown source {source!r}")
    with c.app() as app:
        if entity:
            events = _about(app.store, c.settings, entity, source, type_, start, end, limit)
        else:
            events = app.store.read(
                source=source,
                types=[type_] if type_ else None,
                since=start,
                until=end,
                newest_first=True,
                limit=limit,
            )
    if as_json:
        _print_jsonl([e.to_dict() for e in events])
        return
    rows = [(str(e.id), _time(e.recorded_at), e.type, e.source or "-", summary(e)) for e in events]
    print(columns.render(("id", "recorded (UTC)", "type", "source", "what"), rows))


def _about(
    store: Store,
    settings: Settings,
    name: str,
    source: str | None,
    type_: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
) -> list[RecordedEvent]:
    """``log --entity NAME``: the events of the entity NAME resolves to, newest first (none
    when no entity has the name)."""
    from monitor.entities.timeline import gather, scope_of
    from monitor.store import EntityScope, LogQuery

    with store.reading() as tx:
        query = LogQuery(
            sources=(source,) if source else None,
            types=(type_,) if type_ else None,
            since=since,
            until=until,
            entity=scope_of(gather(tx, settings), name) or EntityScope(),
        )
        events: list[RecordedEvent] = []
        before: int | None = None
        while limit is None or len(events) < limit:
            page = tx.page(query, before=before, limit=500)
            events += page.events
            if page.cursor is None:
                break
            before = page.cursor
    return events[:limit]


@cli.command()
def show(
    ctx: typer.Context,
    event_id: Annotated[int, typer.Argument(metavar="ID", help="The event id.")],
    document: Annotated[
        bool, typer.Option("--document", help="Print the fetched document's bytes.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """One event with its evidence."""
    from monitor.evidence import evidence_for

    with _ctx(ctx).app() as app:
        event = app.store.event(event_id)
        if event is None:
            raise UsageError(f"no event with id {event_id}")
        evidence = evidence_for(app.store, event, confirm_within=app.settings.alerts.confirm_within)
        if document:
            sha = document_of(event.payload)
            doc = app.store.document(sha) if sha else None
            if doc is None:
                raise UsageError(f"event {event_id} cites no stored document")
            _print_document(doc, app.settings, event.source)
            return
    if as_json:
        _print_jsonl([{**event.to_dict(), "evidence": evidence}])
        return
    out.print(
        f"[bold]#{event.id} {safe(event.type)}[/bold]  {_time(event.recorded_at)}  "
        f"source: {safe(event.source or '-')}"
    )
    out.print(safe(summary(event)))
    data = encode(event.payload)
    for key, value in data.items():
        if key in ("entry", "before"):
            continue
        if key == "content" and value:
            value = value[:500] + ("…" if len(value) > 500 else "")
        out.print(f"  {safe(key)}: {safe(value)}")
    if "entry" in data:
        before = data.get("before") or {}
        out.print("  entry:")
        for field, value in data["entry"].items():
            line = f"    {safe(field)}: {safe(value)}"
            if field in before and before[field] != value:
                line += f"\n      [dim]before:[/dim] {safe(before[field])}"
            out.print(line)
    doc = evidence.get("document")
    if doc:
        out.print(
            f"  document: sha256 {doc['sha256']}, {doc['size']:,} bytes, "
            f"{safe(doc['content_type'] or '?')}, fetched from {safe(doc['url'])} "
            f"at {doc['first_seen_at']} (print it with --document)"
        )
    story = evidence.get("story")
    if story:
        out.print(f"  story {safe(story['id'])}: {len(story['reports'])} report(s)")
        confirmed = story.get("confirmed")
        if confirmed:
            out.print(
                f"    confirmed by #{confirmed['id']}: the list {safe(confirmed['source'])} "
                f"recorded change #{confirmed['data']['event']} at {confirmed['recorded_at']}"
            )
        elif "status" in story:
            out.print(f"    {story['status']}: no followed list has recorded this change yet")
        for report in story["reports"]:
            out.print(
                f"    #{report['id']} {safe(report['published'] or '-')} "
                f"{safe(report['source'])}: {safe(report['title'])} <{safe(report['url'])}>"
            )


def _print_document(doc: Any, settings: Settings, source_id: str | None) -> None:
    """The document as text, decoded as its poll read it (the source's ``encoding``, else its
    declared charset); its controls shown, not obeyed."""
    from monitor.text import decode_text

    source = next((s for s in settings.sources if s.id == source_id), None)
    text = decode_text(doc.content, doc.content_type, source.encoding if source else None)
    text = visible(text.replace("\r\n", "\n"), lines=True)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@cli.command()
def state(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A list source id.")],
    at: Annotated[
        str | None, typer.Option("--at", help="As known at this moment (ISO 8601 or 7d).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The entries of a list source, now or as the monitor knew them at any past moment."""
    from monitor.status import why_no_entries

    c = _ctx(ctx)
    moment = _when(at, "--at")
    with c.app() as app:
        if app.sources([source])[0].kind != "list":
            raise UsageError(
                f"{source} is a feed: state shows the entries of a list source "
                f"(a feed's items: monitor log --source {source})"
            )
        with app.store.reading() as tx:  # one view of the list, a page at a time
            rows: list[dict[str, Any]] = []
            after = None
            while True:
                page = tx.entries_at(source, moment, after=after, limit=STATE_PAGE)
                rows += page.entries
                if page.after is None:
                    break
                after = page.after
            why = "" if rows else why_no_entries(tx, source, moment)
    if as_json:
        _print_jsonl(rows)
        return
    fields = sorted({k for e in rows for k in e if k != "key"})
    table = _table("key", *map(safe, fields), box=None)
    for entry in rows:
        table.add_row(*(safe(_cell(entry.get(f, ""))) for f in ["key", *fields]))
    if rows:
        out.print(table)
    out.print(f"{len(rows)} entries" + (f": {safe(why)}" if why else ""))


@cli.command()
def entity(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name or alias, in any script, or SOURCE:KEY.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """One organisation's thread across every list and the news, in time order."""
    from monitor.entities.timeline import find, gather, timeline

    c = _ctx(ctx)
    with c.app() as app, app.store.reading() as tx:
        knowledge = gather(tx, c.settings)
        found = find(knowledge, name)
        if not found:
            raise UsageError(f"no entity named {name!r} on any followed list or in the news")
        if len(found) > 1:
            names = "; ".join(f"{e.name} ({e.id})" for e in found[:10])
            raise UsageError(f"{name!r} names {len(found)} entities: {names}; ask for one")
        thread = timeline(tx, knowledge, found[0], c.settings, utcnow())
    if as_json:
        print(json.dumps(thread.to_dict(), ensure_ascii=False))
        return
    found_entity = thread.entity
    out.print(f"[bold]{safe(found_entity.name)}[/bold]  ({safe(found_entity.id)})")
    others = [n for n in found_entity.names if n != found_entity.name]
    if others:
        out.print(f"  also: {safe('; '.join(others[:12]))}" + (" …" if len(others) > 12 else ""))
    out.print("[bold]Lists[/bold]" if thread.listings else "Lists: none")
    for listing in thread.listings:
        where = "on the list" if listing.on_list else "removed"
        out.print(
            f"  {safe(listing.source)} ({safe(listing.jurisdiction or '-')}): "
            f"{safe(listing.name)} — {where}, since {_time(listing.first.recorded_at)}, "
            f"last change #{listing.last.id} {_time(listing.last.recorded_at)}"
        )
    out.print("[bold]News stories[/bold]" if thread.stories else "News stories: none")
    for story in thread.stories:
        confirmed = story.confirmation
        state = (
            f"confirmed by #{confirmed.id} ({safe(confirmed.source or '-')}, "
            f"{_time(confirmed.recorded_at)})"
            if confirmed is not None
            else story.status
        )
        out.print(
            f"  {safe(story.id)}: {story.reports} report(s) from "
            f"{safe(', '.join(story.sources))} — {state}"
        )
    out.print("[bold]Thread[/bold]")
    rows = [
        (str(e.id), _time(e.recorded_at), e.type, e.source or "-", summary(e))
        for e in thread.events
    ]
    print(columns.render(("id", "recorded (UTC)", "type", "source", "what"), rows))
    if found_entity.links:
        out.print("[bold]Why these are one entity[/bold]")
        for link in found_entity.links:
            why = link.why.removeprefix(f"{link.b}: ")  # a rule's reason starts with its name
            out.print(f"  {safe(link.a)} = {safe(link.b)}: {safe(why)}")


STATE_PAGE = 2000  # entries read at a time by `state`


def _cell(value: Any) -> str:
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


@cli.command()
def accept(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A list source in parse_suspect.")],
) -> None:
    """Take a suspect list as the truth: record its removals and alert them."""
    with _ctx(ctx).app() as app:
        recorded = app.accept(source)
        _deliver(app)
    out.print(f"accepted {safe(source)}: recorded {len(recorded)} event(s)")


@cli.command()
def sources(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option("--check", help="Validate the catalogue offline.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Each source: kind, schedule, last poll, last change, health, next poll."""
    c = _ctx(ctx)
    if check:
        from monitor.catalogue import check_catalogue

        problems, checked = check_catalogue(c.settings)
        for line in checked:
            out.print(safe(line))
        for problem in problems:
            err.print(f"[red]problem:[/red] {safe(redact(problem))}")
        if problems:
            raise typer.Exit(1)
        out.print(f"{len(c.settings.sources)} sources checked, no problem")
        return
    from monitor.status import source_rows

    with c.app() as app:
        rows = source_rows(app.settings, app.store)
    if as_json:
        _print_jsonl(rows)
        return
    table = _table(
        "id",
        "kind",
        "every",
        "last poll",
        "status",
        "last change",
        "health",
        "next poll",
        "worker",
        box=None,
    )
    for r in rows:
        cells = (
            r["id"],
            r["kind"],
            r["every"],
            r["last_poll"] or "-",
            r["last_status"] or "-",
            r["last_change"] or "-",
            r["health"],
            r["next_poll"] or "-",
            r["worker"] or (f"{r['last_worker']} (last)" if r["last_worker"] else "-"),
        )
        table.add_row(*map(safe, cells))
    out.print(table)


@cli.command()
def replay(
    ctx: typer.Context,
    write: Annotated[bool, typer.Option("--write", help="Replace the stored projections.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Rebuild every projection from the log and compare it with the stored one."""
    with _ctx(ctx).app() as app:
        report = app.store.replay(write=write)
    if as_json:
        _print_jsonl(
            [
                {
                    "events": report.events,
                    "matches": report.matches,
                    "written": report.written,
                    "differences": {
                        k: {"missing": m, "extra": x} for k, (m, x) in report.differences.items()
                    },
                }
            ]
        )
    else:
        out.print(f"replayed {report.events} events")
        for table, (missing, extra) in report.differences.items():
            out.print(
                f"  {table}: {missing} row(s) missing from the stored projection, {extra} extra"
            )
        out.print(
            "projections match the log" if report.matches else "projections DO NOT match the log"
        )
        if write:
            out.print("stored projections replaced by the rebuilt ones")
    if not report.matches and not write:
        raise typer.Exit(1)


@cli.command()
def deliveries(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The outbox: pending, delivered and failing notifications per channel."""
    from monitor.notify.status import delivery_rows

    with _ctx(ctx).app() as app:
        rows = delivery_rows(app.settings, app.store)
    if as_json:
        _print_jsonl(rows)
        return
    if not rows:
        out.print("no [[channel]] configured and nothing delivered", markup=False)
        return
    table = _table(
        "channel", "state", "url", "pending", "failing", "sent", "failed", "last sent",
        "next attempt", box=None,
    )  # fmt: skip
    for r in rows:
        cells = (
            r["channel"], r["state"], r["url"] or "-", r["pending"], r["failing"], r["sent"],
            r["failed"], r["last_sent"] or "-", r["next_attempt"] or "-",
        )  # fmt: skip
        table.add_row(*map(safe, cells))
    out.print(table)
    for r in rows:
        for n in r["notifications"]:
            state = f"attempt {n['attempts']}, next {n['next_attempt'] or 'now'}"
            if n["last_error"]:
                state += f", last error: {redact(n['last_error'])}"
            out.print(
                visible(
                    f"  {r['channel']} #{n['id']} ({n['kind']}, {len(n['events'])} event(s), "
                    f"recorded {n['recorded_at']}): {state}"
                ),
                markup=False,
            )


@cli.command("notify-test")
def notify_test(
    ctx: typer.Context,
    channel: Annotated[
        str | None, typer.Argument(help="A channel name (default: every channel).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Send a test message to one or all channels and report each result."""
    import asyncio

    from monitor.notify.dispatch import notify_test as send_tests

    settings = _ctx(ctx).settings
    if not settings.channels:
        raise UsageError("no [[channel]] is configured")
    results = asyncio.run(send_tests(settings, [channel] if channel else None))
    if as_json:
        _print_jsonl([r.__dict__ for r in results])
    else:
        for r in results:
            line = f"{r.channel}: {r.outcome}" + (f" ({mask_url(r.url)})" if r.url else "")
            out.print(visible(line + (f": {redact(r.error)}" if r.error else "")), markup=False)
    bad = [
        r for r in results if r.outcome in ("failed", "unknown") or (channel and r.outcome == "off")
    ]
    if bad:
        raise typer.Exit(1)


@cli.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on (default: [web] host, 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=0, max=65535, help="Port (default: [web] port, 8080; 0: any free one)."),
    ] = None,
) -> None:
    """The web app: change log, lists, stories, sources, deliveries; JSON API; Atom feeds."""
    from monitor.web.serve import serve as run_web

    settings = _ctx(ctx).settings
    raise typer.Exit(
        run_web(
            settings,
            host=host if host is not None else settings.web.host,
            port=port if port is not None else settings.web.port,
        )
    )


@cli.command()
def demo(
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Keep the demo's store and alerts in this folder.")
    ] = None,
) -> None:
    """Run the whole pipeline offline on recorded documents and show what a user is told."""
    from monitor.demo.runner import run_demo

    result = run_demo(keep.resolve() if keep else None)
    out.rule("What the monitor recorded, day by day")
    for title, events in result.phases:
        out.print(f"[bold]{safe(title)}[/bold]")
        shown = [e for e in events if not getattr(e.payload, "baseline", False)]
        baseline = len(events) - len(shown)
        if baseline:
            out.print(f"  {baseline} entries recorded as the baseline of their lists (no alert)")
        for event in sorted(shown, key=lambda e: e.id):
            out.print(
                visible(f"  #{event.id} {event.type} [{event.source}] {summary(event)}"),
                markup=False,
            )
    out.rule("The alerts the desk received (channel alertfile://…/alerts.txt)")
    out.print(visible(result.alerts or "(no alert)", lines=True), markup=False)
    out.rule("The change log (monitor log), newest first")
    table = _table("id", "type", "source", "what", box=None)
    for event in sorted(result.events, key=lambda e: e.id, reverse=True):
        if getattr(event.payload, "baseline", False):
            continue
        table.add_row(*map(safe, (event.id, event.type, event.source or "-", summary(event))))
    out.print(table)
    if keep:
        out.print(
            f"store and alerts kept in {safe(keep)} (try: monitor --config {safe(keep)}/monitor.toml log)"
        )


@db_cli.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply schema migrations (also done at start)."""
    from monitor.store import Store

    settings = _ctx(ctx).settings
    store = Store(settings.store.url, lock_timeout=settings.store.lock_timeout)
    try:
        out.print(f"schema at revision {store.revision()}")
    finally:
        store.close()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: MonitorErrors become one line on stderr and an exit status."""
    run_cli(cli, argv)


def run_cli(app: Callable[..., Any], argv: list[str] | None = None) -> None:
    try:
        code = app(args=argv, prog_name="monitor", standalone_mode=False)
    except (ConfigError, UsageError) as exc:
        err.print(f"monitor: {visible(redact(str(exc)), lines=True)}", markup=False)
        sys.exit(2)
    except MonitorError as exc:
        err.print(f"monitor: {visible(redact(str(exc)), lines=True)}", markup=False)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("monitor: aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        # Usage errors of typer's (vendored) click arrive here in non-standalone mode.
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
