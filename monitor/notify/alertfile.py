"""An apprise channel that appends alerts to a local file: ``alertfile:///var/log/monitor/alerts.txt``.

For a desk that reads alerts from a file (or tails it), for air-gapped hosts, and for ``monitor
demo``, which shows what a user would have been told through the very same delivery path as email
or Slack. Registered with apprise when this module is imported (``monitor.notify.channels`` does).
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import apprise
from apprise.decorators import notify

SCHEMA = "alertfile"
SEPARATOR = "=" * 78


@notify(on=SCHEMA, name="monitor alert file", body_format=apprise.NotifyFormat.TEXT)
def append_alert(
    body: str, title: str, notify_type: Any, meta: dict[str, Any], *args: Any, **kwargs: Any
) -> bool:
    # apprise reads alertfile:///var/log/a.txt as host "var" and path "/log/a.txt": rejoin them.
    # The URL's path is percent-encoded ("kept%20here"): the file's name is not.
    location = unquote("/" + (meta.get("host") or "") + (meta.get("fullpath") or ""))
    path = Path(location)
    if location.rstrip("/") == "":
        return False
    text = f"{SEPARATOR}\n{title}\n{SEPARATOR}\n{body.rstrip()}\n\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # several workers may share one file
            handle.write(text)
    except OSError:
        return False
    return True
