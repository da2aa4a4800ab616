"""The formats a message is written in, from one :class:`Layout`.

Plain text (webhooks), HTML (email: apprise derives the text alternative from it) and Markdown,
which apprise translates into Slack's mrkdwn and the other chat services' dialects.
"""

from __future__ import annotations

import html
from collections.abc import Callable
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


# A fact in each format: (a link, a quote, any other value). Every field is escaped for the
# format but ``raw``, the URL itself, which Markdown's ``<...>`` link target takes as it is.
_TEXT_FACTS = ("{label}: {url}", '{label}: "{text}"', "{label}: {value}")
_HTML_FACTS = (
    '<b>{label}:</b> <a href="{url}">{url}</a><br/>',
    "<b>{label}:</b> <i>“{text}”</i><br/>",
    "<b>{label}:</b> {value}<br/>",
)
_MARKDOWN_FACTS = (
    "**{label}:** [{url}](<{raw}>)",
    "**{label}:**\n> {text}",
    "**{label}:** {value}",
)


def _fact(
    label: str, value: Value, forms: tuple[str, str, str], escape: Callable[[str], str]
) -> str:
    link, quote, plain = forms
    if isinstance(value, Link):
        return link.format(label=escape(label), url=escape(value.url), raw=value.url)
    if isinstance(value, Quote):
        return quote.format(label=escape(label), text=escape(value.text))
    return plain.format(label=escape(label), value=escape(value))


def to_text(layout: Layout) -> str:
    lines = [f"What changed: {layout.summary}", ""]
    lines += [_fact(label, value, _TEXT_FACTS, str) for label, value in layout.facts]
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
    parts += [_fact(label, value, _HTML_FACTS, e) for label, value in layout.facts]
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
    lines += [_fact(label, value, _MARKDOWN_FACTS, md_escape) for label, value in layout.facts]
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
