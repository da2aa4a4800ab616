"""Real parts for delivery tests: list pages and report events (the SMTP server is tests/mail.py)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.events import DESIGNATION_CORROBORATED, DESIGNATION_REPORTED, NewEvent
from monitor.store import Store
from tests.factories import event
from tests.mail import Mailbox, free_port, smtp  # noqa: F401  (fixtures and helpers)

LIST_PAGE = """<html><body><table>
<tr><th>No</th><th>Name</th><th>Decision</th></tr>
{rows}
</table></body></html>"""
BEFORE = [
    ("Alpha Front", "Court A, 2003"),
    ("Taliban", "Supreme Court, 14.02.2003"),
    ("Gamma Group", "Court C, 2015"),
]
AFTER = [
    ("Alpha Front", "Court A, 2003; appeal 2024"),  # amended
    ("Gamma Group", "Court C, 2015"),
    ("Delta Network", "Court D, 2025"),  # added; Taliban removed
]
LIST_SOURCE = """
[[source]]
id = "ru-test-list"
name = "FSB terrorist list"
kind = "list"
format = "html"
url = "{url}"
jurisdiction = "RU"
entries = "table tr:not(:first-child)"
key = "name"
[source.fields]
name = "td:nth-of-type(2)"
decision = "td:nth-of-type(3)"
"""
FAST_RETRIES = """
[delivery]
retry_base = "50ms"
retry_max = "200ms"
timeout = "5s"
"""


def page(rows: list[tuple[str, str]]) -> str:
    body = "\n".join(
        f"<tr><td>{i}</td><td>{n}</td><td>{d}</td></tr>" for i, (n, d) in enumerate(rows, 1)
    )
    return LIST_PAGE.format(rows=body)


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, message
    return text.get_content(), html.get_content()


class ListServer:
    """A list page on the test HTTP server that a test can change between polls."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.rows = list(BEFORE)
        httpserver.expect_request("/list.html").respond_with_handler(
            lambda _r: Response(page(self.rows), content_type="text/html; charset=utf-8")
        )
        self.url = httpserver.url_for("/list.html")
        self.source = LIST_SOURCE.format(url=self.url)


@pytest.fixture
def list_server(httpserver: HTTPServer) -> ListServer:
    return ListServer(httpserver)


def channel(name: str, url: str, notify: str = '["designation", "topic", "health"]') -> str:
    return f'\n[[channel]]\nname = "{name}"\nurl = "{url}"\nnotify = {notify}\n'


def report_events(
    *,
    source: str = "tass-en",
    story: str = "designation:RU:Taliban:announced_removal:1",
    watched: bool = True,
    published: str = "2025-04-17T08:55:00Z",
) -> list[NewEvent]:
    """A designation story as the detector records it: a first report and two corroborations."""
    stream = f"story:{story}"
    first = event(
        DESIGNATION_REPORTED,
        stream,
        {
            "actor": "RU",
            "entity": "Taliban",
            "action": "announced_removal",
            "title": "Russia says decision made to remove Taliban from terrorist list",
            "url": "https://tass.example.org/politics/1",
            "published": published,
            "story": story,
            "story_key": ["RU", "Taliban", "announced_removal"],
            "watched": watched,
            "evidence": "A principal decision has been made to remove the Taliban from the list "
            "of terrorist organisations, the foreign ministry said.",
        },
        source=source,
    )
    corroborations = [
        event(
            DESIGNATION_CORROBORATED,
            f"{stream}:{outlet}",
            {
                "story": story,
                "title": f"{outlet}: Moscow to delist Taliban",
                "url": f"https://{outlet}.example.org/a",
                "published": published,
            },
            source=outlet,
        )
        for outlet in ("reuters-world", "rferl")
    ]
    return [first, *corroborations]


def append(store: Store, events: list[NewEvent]) -> list[int]:
    return [e.id for e in store.append(events)]


def write(folder: Path, body: str, store: str | None = None) -> Path:
    from tests.conftest import write_config

    return write_config(folder, body, store=store)
