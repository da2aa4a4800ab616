"""The formats a message is written in, from one :class:`Layout`.

Plain text (webhooks), HTML (email: apprise derives the text alternative from it) and Markdown,
which apprise translates into Slack's mrkdwn and the other chat services' dialects.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

MAX_ITEMS = {"text": 100, "html": 100, "markdown": 15}


@dataclass
class Link:
    url: str


@dataclass
class Quote:
    text: str


Value = str | Link | Quote


@dataclass
class Layout:
    title: str
    summary: str
    facts: list[tuple[str, Value]] = field(default_factory=list)
    items_label: str = ""
    items: list[tuple[str, list[str]]] = field(default_factory=list)  # (line, detail lines)
    more: str = "monitor log"  # the command that shows the items left out
    footer: list[str] = field(default_factory=list)
    notify_type: str = "info"


def _items(layout: Layout, fmt: str) -> tuple[list[tuple[str, list[str]]], int]:
    limit = MAX_ITEMS[fmt]
    return layout.items[:limit], max(0, len(layout.items) - limit)


def _left_out(n: int, layout: Layout) -> str:
    return f"… and {n} more (see {layout.more})"


def to_text(layout: Layout) -> str:
    lines = [f"What changed: {layout.summary}", ""]
    for label, value in layout.facts:
        if isinstance(value, Link):
            lines.append(f"{label}: {value.url}")
        elif isinstance(value, Quote):
            lines.append(f'{label}: "{value.text}"')
        else:
            lines.append(f"{label}: {value}")
    items, more = _items(layout, "text")
    if items:
        lines += ["", f"{layout.items_label}:"]
        for line, details in items:
            lines.append(f"- {line}")
            lines += [f"    {d}" for d in details]
        if more:
            lines.append(_left_out(more, layout))
    if layout.footer:
        lines += ["", *[f.replace("`", "") for f in layout.footer]]
    return "\n".join(lines)


def to_html(layout: Layout) -> str:
    e = html.escape
    parts = [f"<p><b>What changed:</b> {e(layout.summary)}</p>", "<p>"]
    for label, value in layout.facts:
        if isinstance(value, Link):
            shown = f'<a href="{e(value.url)}">{e(value.url)}</a>'
        elif isinstance(value, Quote):
            shown = f"<i>“{e(value.text)}”</i>"
        else:
            shown = e(value)
        parts.append(f"<b>{e(label)}:</b> {shown}<br/>")
    parts.append("</p>")
    items, more = _items(layout, "html")
    if items:
        parts.append(f"<p><b>{e(layout.items_label)}:</b></p><ul>")
        for line, details in items:
            sub = "".join(f"<br/>&nbsp;&nbsp;{e(d)}" for d in details)
            parts.append(f"<li>{e(line)}{sub}</li>")
        parts.append("</ul>")
        if more:
            parts.append(f"<p>{e(_left_out(more, layout))}</p>")
    for line in layout.footer:
        parts.append(f"<p><small>{html.escape(line.replace('`', ''))}</small></p>")
    return "".join(parts)  # no newlines: apprise's text alternative would indent every line


def md_escape(text: str) -> str:
    """Neutralise what would become links or mentions (``<!channel>``) in chat services."""
    for char in "<>[]":
        text = text.replace(char, "\\" + char)
    return text


def to_markdown(layout: Layout) -> str:
    lines = [f"**What changed:** {md_escape(layout.summary)}"]
    for label, value in layout.facts:
        if isinstance(value, Link):
            lines.append(f"**{label}:** [{md_escape(value.url)}](<{value.url}>)")
        elif isinstance(value, Quote):
            lines.append(f"**{label}:**\n> {md_escape(value.text)}")
        else:
            lines.append(f"**{label}:** {md_escape(value)}")
    items, more = _items(layout, "markdown")
    if items:
        lines.append(f"**{layout.items_label}:**")
        for line, details in items:
            lines.append(f"- {md_escape(line)}")
            lines += [f"    {md_escape(d)}" for d in details[:6]]
        if more:
            lines.append(md_escape(_left_out(more, layout)))
    lines += [f"_{f}_" for f in layout.footer]
    return "\n".join(lines)
