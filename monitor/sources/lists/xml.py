"""XML lists: XPath 1.0 over a document parsed so that it cannot reach out or blow up.

The parser never loads a DTD, never touches the network and keeps entity references as nodes
instead of expanding them; those nodes are then dropped, because XPath's string value would
otherwise expand them after all (a "billion laughs" document would do its damage at select
time). libxml2 also refuses a document whose entities would amplify past its limit.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from lxml import etree

from monitor.config import Source
from monitor.errors import ParseError
from monitor.sources.lists import FieldValue, Read, Select, compile_each, select_rows
from monitor.text import decode_text, text_value


def _xpath(expression: str, namespaces: dict[str, str] | None) -> etree.XPath:
    try:
        compiled = etree.XPath(expression, namespaces=namespaces, smart_strings=False)
        # An undefined prefix or an unknown function only shows when the expression runs.
        compiled(etree.Element("probe"))
    except (etree.XPathError, ValueError, TypeError) as exc:
        raise ValueError(f"not a valid XPath 1.0 expression {expression!r}: {exc}") from None
    return compiled


def _elements(select: etree.XPath, root: etree._Element) -> list[etree._Element]:
    selected = select(root)
    if not isinstance(selected, list) or not all(
        isinstance(node, etree._Element) for node in selected
    ):
        raise ParseError(f"entries {select.path!r} must select elements")
    return selected


def _text(select: etree.XPath, element: etree._Element) -> FieldValue:
    return text_value(_texts(select(element)))


def _compile(source: Source) -> tuple[Select, dict[str, Read]]:
    namespaces = dict(source.namespaces) or None
    return compile_each(
        source,
        lambda expression: partial(_elements, _xpath(expression, namespaces)),
        lambda expression: partial(_text, _xpath(expression, namespaces)),
    )


def compile_selectors(source: Source) -> None:
    """Raise ValueError naming the first XPath of the source that does not compile."""
    _compile(source)


def parse(body: bytes, source: Source, content_type: str | None) -> list[dict[str, FieldValue]]:
    """One row of field values per element the ``entries`` XPath selects."""
    return select_rows(body, source, content_type, _compile, document)


def document(body: bytes, content_type: str | None, encoding: str | None) -> etree._Element:
    """Decode and parse safely; raise ParseError with the libxml2 message and line."""
    text = decode_text(body, content_type, encoding)
    parser = etree.XMLParser(
        encoding="utf-8",  # we decoded already; a declaration in the text must not re-decode it
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        message = exc.msg or str(exc)
        if "line" not in message and exc.lineno:
            message += f", line {exc.lineno}"
        if content_type and "html" in content_type.lower():
            raise ParseError(
                f"the server sent an HTML page ({content_type}) where XML was expected"
            ) from None
        raise ParseError(f"not well-formed XML: {message}") from None
    if root is None:
        raise ParseError("not well-formed XML: no root element")
    if isinstance(root.tag, str) and root.tag.lower().rsplit("}", 1)[-1] == "html":
        # Error, login and bot-check pages: say so rather than report an empty list.
        raise ParseError("the server sent an HTML page where XML was expected")
    _drop_entity_references(root)
    return root


def _drop_entity_references(root: etree._Element) -> None:
    for entity in list(root.iter(etree.Entity)):
        parent = entity.getparent()
        if parent is None:
            continue
        previous = entity.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + (entity.tail or "")
        else:
            parent.text = (parent.text or "") + (entity.tail or "")
        parent.remove(entity)


def _texts(result: Any) -> list[str]:
    """XPath results as text: elements by their string value; numbers without a stray ".0"."""
    texts = []
    for item in result if isinstance(result, list) else [result]:
        if isinstance(item, etree._Element):
            texts.append("".join(item.itertext()))
        elif isinstance(item, bool):
            texts.append("true" if item else "false")
        elif isinstance(item, float):
            if math.isfinite(item):
                texts.append(str(int(item)) if item.is_integer() else repr(item))
        elif isinstance(item, str):
            texts.append(item)
        else:
            texts.append(str(item))
    return texts
