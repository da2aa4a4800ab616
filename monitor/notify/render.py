"""Messages people want to read: a notification and its events → title, text, HTML, Markdown.

Pure. A message is first laid out once (:class:`Layout`: a summary line, labelled facts, a list
of changes, a footer) and then written in each format: plain text (webhooks), HTML (email;
apprise derives the text alternative from it) and Markdown, which apprise turns into Slack's
mrkdwn (and into each other chat service's dialect). Times are UTC ISO 8601.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.describe import (
    ACTION_WORDS,
    changed_fields,
    entry_name,
    reported_entity,
    shorten,
    summary,
)
from monitor.events import (
    ENTRY_ADDED,
    ENTRY_CHANGED,
    ENTRY_REMOVED,
    PARSE_SUSPECT,
    DesignationConfirmed,
    DesignationReport,
    EntryAdded,
    EntryChange,
    EntryChanged,
    EntryRemoved,
    NotificationFailed,
    ParseSuspect,
    RecordedEvent,
    SourceFailed,
    SourceRecovered,
    StoryReport,
    TopicReport,
    format_time,
)
from monitor.notify.formats import Layout, Link, Quote, Value, to_html, to_markdown, to_text
from monitor.notify.routing import KIND_ENTRIES, KIND_HEALTH
from monitor.store.deliveries import StoryReach
from monitor.timeutil import parse_iso

ACTORS = {
    "RU": "Russia", "KZ": "Kazakhstan", "KG": "Kyrgyzstan", "UZ": "Uzbekistan",
    "TJ": "Tajikistan", "TM": "Turkmenistan", "BY": "Belarus", "US": "United States",
    "GB": "United Kingdom", "CA": "Canada", "AU": "Australia", "NZ": "New Zealand",
    "UN": "UN Security Council", "EU": "European Union", "DE": "Germany", "FR": "France",
    "CN": "China", "IN": "India", "PK": "Pakistan", "AF": "Afghanistan", "IR": "Iran",
    "TR": "Türkiye", "AE": "United Arab Emirates", "SA": "Saudi Arabia", "QA": "Qatar",
    "JP": "Japan", "CH": "Switzerland", "UA": "Ukraine",
}  # fmt: skip
# Title phrases and sentences for a reported action ({list} is the list the report names).
TITLE_PHRASES = {
    "added": "added to {list}",
    "removed": "removed from {list}",
    "amended": "{list} listing amended",
    "announced_addition": "addition to {list} announced",
    "announced_removal": "removal from {list} announced",
    "suspended": "ban suspended",
}
SENTENCES = {
    "added": "{actor} added {entity} to its {list}",
    "removed": "{actor} removed {entity} from its {list}",
    "amended": "{actor} amended the listing of {entity} on its {list}",
    "announced_addition": "{actor} announced it will add {entity} to its {list}",
    "announced_removal": "{actor} announced it will remove {entity} from its {list}",
    "suspended": "{actor} suspended the ban on {entity}",
}
ENTRY_VERBS = {ENTRY_ADDED: "added", ENTRY_REMOVED: "removed", ENTRY_CHANGED: "amended"}
RESEND_NOTE = "An earlier attempt to send this alert timed out: it may have arrived already."


@dataclass(frozen=True)
class SourceInfo:
    id: str
    label: str
    url: str | None = None
    jurisdiction: str | None = None


@dataclass(frozen=True)
class MessageContext:
    """Everything a message says, loaded from the store by the dispatcher."""

    kind: str
    events: Sequence[RecordedEvent]
    sources: Mapping[str, SourceInfo] = field(default_factory=dict)
    stories: Mapping[str, StoryReach] = field(default_factory=dict)
    reported: Mapping[int, RecordedEvent] = field(default_factory=dict)  # for notification_failed
    unconfirmed: bool = False


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    html: str
    markdown: str
    notify_type: str = "info"  # apprise NotifyType: info | success | warning | failure


def render(ctx: MessageContext) -> Message:
    layout = lay_out(ctx)
    if ctx.unconfirmed:
        layout.footer.insert(0, RESEND_NOTE)
    return Message(
        title=layout.title,
        text=to_text(layout),
        html=to_html(layout),
        markdown=to_markdown(layout),
        notify_type=layout.notify_type,
    )


def lay_out(ctx: MessageContext) -> Layout:
    first = ctx.events[0]
    if ctx.kind == KIND_ENTRIES:
        return _entries(ctx)
    if isinstance(first.payload, DesignationReport):
        return _report(ctx, first, first.payload)
    if isinstance(first.payload, TopicReport):
        return _topic(ctx, first, first.payload)
    if ctx.kind == KIND_HEALTH:
        return _health(ctx, first)
    return Layout(title=summary(first), summary=summary(first), footer=_event_footer(ctx.events))


def actor_name(code: str | None) -> str:
    if not code:
        return "?"
    return ACTORS.get(code.upper(), code)


def _source(ctx: MessageContext, source: str | None) -> SourceInfo:
    if source is None:
        return SourceInfo(id="-", label="-")
    return ctx.sources.get(source) or SourceInfo(id=source, label=source)


def _source_value(info: SourceInfo) -> str:
    return info.label if info.label == info.id else f"{info.label} ({info.id})"


# --- news ------------------------------------------------------------------------------------


def _report(ctx: MessageContext, event: RecordedEvent, report: DesignationReport) -> Layout:
    actor = actor_name(report.actor)
    entity = reported_entity(report.entity)
    action = report.action
    words = {"list": "terrorist list", "actor": actor, "entity": entity}
    phrase = TITLE_PHRASES.get(action, ACTION_WORDS.get(action, action)).format(**words)
    sentence = SENTENCES.get(action, "{actor}: {entity} — " + phrase).format(**words)
    info = _source(ctx, event.source)
    layout = Layout(
        title=f"{actor}: {entity} — {phrase}",
        summary=f"A news report says {sentence}.",
        notify_type="warning",
    )
    entity_value = entity + (" (watched)" if report.watched else "")
    layout.facts += [
        ("Actor", f"{actor} ({report.actor})" if actor != report.actor else actor),
        ("Entity", entity_value),
        ("Action", f"{ACTION_WORDS.get(action, action)} ({action})"),
    ]
    layout.facts += _news_facts(ctx, event, report, info)
    layout.footer = _event_footer([event])
    return layout


def _topic(ctx: MessageContext, event: RecordedEvent, report: TopicReport) -> Layout:
    topic = report.topic or "Topic"
    info = _source(ctx, event.source)
    layout = Layout(
        title=f"{topic}: {shorten(report.title, 120)}",
        summary=f"A news item about {topic}.",
    )
    layout.facts.append(("Topic", topic))
    layout.facts += _news_facts(ctx, event, report, info)
    layout.footer = _event_footer([event])
    return layout


def _news_facts(
    ctx: MessageContext, event: RecordedEvent, report: StoryReport, info: SourceInfo
) -> list[Any]:
    facts: list[tuple[str, Value]] = [("Headline", report.title or "-")]
    facts.append(("Source", _source_value(info)))
    if report.url:
        facts.append(("Link", Link(report.url)))
    facts.append(("Published", _when(report.published)))
    facts.append(("First seen", format_time(event.recorded_at)))
    facts.append(("Corroboration", _corroboration(ctx, event, report.story)))
    if report.evidence:
        facts.append(("Evidence", Quote(shorten(report.evidence, 600))))
    return facts


def _corroboration(ctx: MessageContext, event: RecordedEvent, story_id: str) -> str:
    story = ctx.stories.get(story_id)
    if story is None or story.reports <= 1:
        return "no other outlet yet"
    others = [s for s in story.sources if s != event.source]
    n = story.reports - 1
    text = f"{n} other report{'s' if n != 1 else ''}"
    if others:
        text += f" ({', '.join(others)})"
    return text


def _when(value: Any) -> str:
    if not value:
        return "-"
    moment = parse_iso(str(value))
    return format_time(moment) if moment else str(value)


# --- list changes ----------------------------------------------------------------------------


def _entries(ctx: MessageContext) -> Layout:
    """The list changes of one poll, and the news stories they confirm (never alerted twice)."""
    events = [e for e in ctx.events if not isinstance(e.payload, DesignationConfirmed)]
    confirms = [e.payload for e in ctx.events if isinstance(e.payload, DesignationConfirmed)]
    changes = [_entry_change(e) for e in events]
    first, change = events[0], changes[0]
    info = _source(ctx, first.source)
    jurisdiction = change.jurisdiction or info.jurisdiction
    prefix = actor_name(jurisdiction) if jurisdiction else info.label
    counts = {verb: 0 for verb in ENTRY_VERBS.values()}
    for event in events:
        counts[ENTRY_VERBS[event.type]] += 1
    tally = ", ".join(f"{n} {verb}" for verb, n in counts.items() if n)
    if len(events) == 1:
        verb = ENTRY_VERBS[first.type]
        where = {"added": "added to", "removed": "removed from", "amended": "amended on"}[verb]
        title = f"{prefix}: {entry_name(change.entry)} — {where} {info.label}"
    else:
        title = f"{prefix}: {len(events)} changes on {info.label} — {tally}"
    noun = "entry" if len(events) == 1 else "entries"
    layout = Layout(
        title=title,
        summary=f"The list {_source_value(info)} changed: {len(events)} {noun} ({tally}).",
        notify_type="warning",
    )
    if jurisdiction:
        actor = actor_name(jurisdiction)
        layout.facts.append(
            ("Actor", actor if actor == jurisdiction else f"{actor} ({jurisdiction})")
        )
    if len(events) == 1:
        layout.facts.append(("Entity", entry_name(change.entry)))
        layout.facts.append(("Action", ENTRY_VERBS[first.type]))
    layout.facts.append(("Source", _source_value(info)))
    if info.url:
        layout.facts.append(("Link", Link(info.url)))
    if change.accepted:
        layout.facts.append(("Note", "recorded by `monitor accept` after a suspect parse"))
    layout.facts.append(("First seen", format_time(first.recorded_at)))
    for confirmed in confirms:
        layout.facts.append(("Confirms", _confirmed_story(ctx, confirmed)))
    layout.items_label = "Changes"
    layout.items = [_entry_item(e) for e in events]
    layout.more = f"monitor log --source {info.id}"
    layout.footer = _event_footer(events)
    return layout


def _confirmed_story(ctx: MessageContext, confirmed: DesignationConfirmed) -> str:
    """ "the news story RU-taliban-… (change #12): first reported by voa-en on … — «headline»"."""
    text = f"the news story {confirmed.story} (change #{confirmed.event})"
    story = ctx.stories.get(confirmed.story)
    first = story.first if story is not None else None
    if first is not None and isinstance(first.payload, DesignationReport):
        report = first.payload
        outlet = _source_value(_source(ctx, first.source))
        text += f": first reported by {outlet} on {_when(report.published)}"
        if story is not None and story.reports > 1:
            text += f", {story.reports} reports"
        text += f" — “{shorten(report.title, 100)}”"
    return text


def _entry_change(event: RecordedEvent) -> EntryChange:
    assert isinstance(event.payload, EntryAdded | EntryRemoved | EntryChanged)
    return event.payload


def _entry_item(event: RecordedEvent) -> tuple[str, list[str]]:
    change = _entry_change(event)
    entry = change.entry
    line = f"{ENTRY_VERBS[event.type]}: {entry_name(entry)} (#{event.id})"
    before = change.before if isinstance(change, EntryChanged) else {}
    changed = set(changed_fields(before, entry)) if isinstance(change, EntryChanged) else set()
    details = []
    for name, value in entry.items():
        if name == "key" or (name not in changed and _plain(value) == entry_name(entry)):
            continue
        if name in changed:
            details.append(f"{name}: “{_plain(before.get(name))}” → “{_plain(value)}”")
        else:
            details.append(f"{name}: {_plain(value)}")
    for name in sorted(changed - set(entry)):
        details.append(f"{name}: “{_plain(before.get(name))}” → (none)")
    return line, details


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return shorten(str(value), 300)


# --- health ----------------------------------------------------------------------------------


def _health(ctx: MessageContext, event: RecordedEvent) -> Layout:
    payload = event.payload
    info = _source(ctx, event.source)
    if isinstance(payload, NotificationFailed):
        return _delivery_failed(ctx, event, payload)
    if isinstance(payload, SourceFailed):
        layout = Layout(
            title=f"Source failing: {info.label}",
            summary=f"The source {_source_value(info)} fails to fetch or parse.",
            notify_type="failure",
        )
        layout.facts.append(("Error", payload.error or "-"))
        if payload.failures:
            layout.facts.append(("Failed polls in a row", str(payload.failures)))
    elif isinstance(payload, SourceRecovered):
        again = "parses normally again" if payload.after == PARSE_SUSPECT else "works again"
        layout = Layout(
            title=f"Source recovered: {info.label}",
            summary=f"The source {_source_value(info)} {again}.",
            notify_type="success",
        )
    elif isinstance(payload, ParseSuspect):
        why = "; ".join(payload.problems)
        layout = Layout(
            title=f"Source suspect: {info.label} parsed to {payload.found} entries",
            summary=(
                f"The list {_source_value(info)} does not parse as expected: {why}. No baseline "
                f"and no removal is recorded until it parses normally again or you run "
                f"`monitor accept {info.id}`."
            ),
            notify_type="warning",
        )
    else:
        layout = Layout(title=summary(event), summary=summary(event))
    layout.facts.append(("Source", _source_value(info)))
    if info.url:
        layout.facts.append(("Link", Link(info.url)))
    layout.facts.append(("Recorded", format_time(event.recorded_at)))
    layout.footer = _event_footer([event])
    return layout


def _delivery_failed(
    ctx: MessageContext, event: RecordedEvent, failed: NotificationFailed
) -> Layout:
    ids, channel, n = failed.events, failed.channel, failed.notifications
    layout = Layout(
        title=f"Delivery failed: {channel} could not deliver {n} alert{'s' if n != 1 else ''}",
        summary=(
            f"The channel {channel} did not accept {'these alerts' if n != 1 else 'this alert'} "
            "before giving up; what it missed is listed below."
        ),
        notify_type="failure",
    )
    layout.facts.append(("Channel", channel))
    layout.facts.append(("Error", failed.error or "-"))
    layout.facts.append(("Recorded", format_time(event.recorded_at)))
    layout.items_label = "Not delivered"
    for i in ids:
        reported = ctx.reported.get(i)
        line = f"#{i} {reported.type}: {summary(reported)}" if reported else f"#{i}"
        layout.items.append((line, []))
    layout.footer = _event_footer([event])
    return layout


def _event_footer(events: Sequence[RecordedEvent]) -> list[str]:
    if len(events) == 1:
        return [f"Event #{events[0].id} — details: `monitor show {events[0].id}`"]
    ids = ", ".join(f"#{e.id}" for e in events[:20]) + (" …" if len(events) > 20 else "")
    return [f"Events {ids} — details: `monitor show {events[0].id}`"]
