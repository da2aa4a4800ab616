"""JSON lists: dotted paths with ``[*]`` and ``[N]``, a few lines instead of a dependency.

Grammar: an optional ``$``, then steps: ``name`` (``.name`` after the first step), ``["any key"]``,
``[N]`` (negative counts from the end), ``[*]`` or ``.*`` (every item of an array or value of an
object). ``""``, ``"."`` and ``"$"`` mean the node itself. A name step does not reach into arrays
implicitly: write ``aka[*].name``, not ``aka.name``.
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any

from monitor.config import Source
from monitor.errors import ParseError
from monitor.sources.lists import FieldValue, Read, Select, compile_each, select_rows
from monitor.text import decode_text, text_value

Step = tuple[str, Any]  # ("key", name) | ("index", n) | ("all", None)

_STEP = re.compile(
    r"""\[\s*(?P<all>\*)\s*\]
      | \[\s*(?P<index>-?\d+)\s*\]
      | \[\s*(?P<quoted>"(?:[^"\\]|\\.)*")\s*\]
      | (?P<dot>\.)?(?P<name>\*|[^.\[\]]+)""",
    re.VERBOSE,
)


def compile_path(path: str) -> list[Step]:
    """Parse a path into steps; raise ValueError pointing at what does not parse."""
    text = path.strip().removeprefix("$")
    if text in ("", "."):
        return []
    steps: list[Step] = []
    pos = 0
    while pos < len(text):
        match = _STEP.match(text, pos)
        if not match or (match["name"] and not match["dot"] and pos > 0):
            raise ValueError(f"cannot read the path {path!r} at {text[pos:]!r}")
        if match["all"] or match["name"] == "*":
            steps.append(("all", None))
        elif match["index"]:
            steps.append(("index", int(match["index"])))
        elif match["quoted"]:
            steps.append(("key", json.loads(match["quoted"])))
        else:
            steps.append(("key", match["name"]))
        pos = match.end()
    return steps


def evaluate(steps: list[Step], value: Any) -> list[Any]:
    """Every value the path reaches from ``value``, in document order."""
    current = [value]
    for kind, arg in steps:
        found: list[Any] = []
        for node in current:
            if (kind == "key" and isinstance(node, dict) and arg in node) or (
                kind == "index" and isinstance(node, list) and -len(node) <= arg < len(node)
            ):
                found.append(node[arg])
            elif kind == "all" and isinstance(node, list | dict):
                found.extend(node.values() if isinstance(node, dict) else node)
        current = found
    return current


def _nodes(steps: list[Step], document: Any) -> list[Any]:
    """The entries: what the path reaches; when it reaches one array without ending in ``[*]``
    (``"data.items"``), that array's items."""
    nodes = evaluate(steps, document)
    if len(nodes) == 1 and isinstance(nodes[0], list) and (not steps or steps[-1][0] != "all"):
        return nodes[0]
    return nodes


def _text(steps: list[Step], node: Any) -> FieldValue:
    return text_value(_texts(evaluate(steps, node)))


def _compile(source: Source) -> tuple[Select, dict[str, Read]]:
    return compile_each(
        source,
        lambda path: partial(_nodes, compile_path(path)),
        lambda path: partial(_text, compile_path(path)),
    )


def compile_selectors(source: Source) -> None:
    """Raise ValueError naming the first path of the source that does not parse."""
    _compile(source)


def _texts(values: list[Any]) -> list[str]:
    """Scalars as text (JSON's own spelling of true/false), arrays flattened, objects as JSON."""
    texts: list[str] = []
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool):
            texts.append("true" if value else "false")
        elif isinstance(value, list):
            texts.extend(_texts(value))
        elif isinstance(value, dict):
            texts.append(json.dumps(value, ensure_ascii=False, sort_keys=True))
        else:
            texts.append(str(value))
    return texts


def parse(body: bytes, source: Source, content_type: str | None) -> list[dict[str, FieldValue]]:
    """One row of field values per node the ``entries`` path reaches."""
    return select_rows(body, source, content_type, _compile, _document)


def _document(body: bytes, content_type: str | None, encoding: str | None) -> Any:
    text = decode_text(body, content_type, encoding)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not valid JSON: {exc.msg}, line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise ParseError("not readable JSON: nested too deeply") from None
