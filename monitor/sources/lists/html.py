"""HTML lists: CSS selectors over a page whose tables have been normalised first.

Official pages merge cells: the FSB list gives its first fifteen organisations one shared
"court decision" cell through ``rowspan``. A selector like ``td:nth-of-type(3)`` only finds that
decision in every row if the spanned cell is first copied into each row and column it covers,
which :func:`expand_spans` does before anything is selected.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

import lxml.html
from cssselect.xpath import XPathExpr
from lxml import etree
from lxml.cssselect import LxmlHTMLTranslator, SelectorError

from monitor.config import Source
from monitor.errors import ParseError
from monitor.sources.lists import FieldValue, Read, Select, compile_each, select_rows
from monitor.text import break_words, decode_text, normalize_text, text_value

_SELF = {".", ":scope"}
_CELLS = {"td", "th"}
_MAX_COLSPAN = 1000  # the HTML limit
_MAX_CELLS = 2_000_000  # cells one table may grow to once spans are expanded

Selector = Callable[[etree._Element], list[etree._Element]]


class _Translator(LxmlHTMLTranslator):
    """cssselect's translation, with first/last-child tests that stop at the first sibling.

    cssselect counts every preceding sibling (``count(preceding-sibling::*) = 0``), which makes
    ``tr:not(:first-child)`` quadratic: seconds on a 20,000-row list. Counting only the nearest
    one (``[1]``) means the same, and libxml2 stops there (a bare ``not(preceding-sibling::*)`` is
    no faster: it still collects them all).
    """

    def xpath_first_child_pseudo(self, xpath: XPathExpr) -> XPathExpr:
        return xpath.add_condition("count(preceding-sibling::*[1]) = 0")

    def xpath_last_child_pseudo(self, xpath: XPathExpr) -> XPathExpr:
        return xpath.add_condition("count(following-sibling::*[1]) = 0")

    def xpath_first_of_type_pseudo(self, xpath: XPathExpr) -> XPathExpr:
        self._check_of_type_element(xpath, "first-of-type")
        return xpath.add_condition(f"count(preceding-sibling::{xpath.element}[1]) = 0")

    def xpath_last_of_type_pseudo(self, xpath: XPathExpr) -> XPathExpr:
        self._check_of_type_element(xpath, "last-of-type")
        return xpath.add_condition(f"count(following-sibling::{xpath.element}[1]) = 0")

    def xpath_only_child_pseudo(self, xpath: XPathExpr) -> XPathExpr:
        return xpath.add_condition(
            "count(preceding-sibling::*[1]) = 0 and count(following-sibling::*[1]) = 0"
        )


_TRANSLATOR = _Translator()


def _css(selector: str, prefix: str = "descendant-or-self::") -> Selector:
    try:
        return etree.XPath(_TRANSLATOR.css_to_xpath(selector, prefix=prefix))
    except (SelectorError, etree.XPathError) as exc:
        raise ValueError(f"not a valid CSS selector {selector!r}: {exc}") from None


def _field(selector: str) -> Read:
    """A field's text, from the entry's descendants, or from the entry itself with ``:scope``."""
    if selector.strip() in _SELF:
        return lambda element: normalize_text(element.text_content())
    matches = _css(selector, "descendant-or-self::" if ":scope" in selector else "descendant::")
    return lambda element: text_value(match.text_content() for match in matches(element))


def _compile(source: Source) -> tuple[Select, dict[str, Read]]:
    return compile_each(source, _css, _field)


def compile_selectors(source: Source) -> None:
    """Raise ValueError naming the first selector of the source that does not compile."""
    _compile(source)


def parse(body: bytes, source: Source, content_type: str | None) -> list[dict[str, FieldValue]]:
    """One row of field values per element the ``entries`` selector matches."""
    return select_rows(body, source, content_type, _compile, document)


def document(body: bytes, content_type: str | None, encoding: str | None) -> lxml.html.HtmlElement:
    """Decode and parse a page, drop scripts and styles, mark word breaks, expand table spans."""
    text = decode_text(body, content_type, encoding)
    if not text.strip():
        raise ParseError("empty HTML document")
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError) as exc:
        raise ParseError(f"unreadable HTML: {exc}") from None
    break_words(root)
    expand_spans(root)
    return root


def expand_spans(root: etree._Element) -> None:
    """Copy every ``rowspan``/``colspan`` cell into each row and column it covers.

    Rows are grouped by their parent (``table``, ``thead``, ``tbody``, ``tfoot``), as in HTML,
    where a ``rowspan`` never crosses a row group; ``rowspan="0"`` spans to the group's end.
    """
    for group in root.iter("table", "thead", "tbody", "tfoot"):
        rows = [child for child in group if child.tag == "tr"]
        if any(cell.get("rowspan") or cell.get("colspan") for row in rows for cell in row):
            _expand_group(rows)


def _span(cell: etree._Element, name: str) -> int | None:
    match = re.match(r"\s*(\d+)", cell.get(name) or "")
    return int(match[1]) if match else None


def _expand_group(rows: list[etree._Element]) -> None:
    grid: list[dict[int, tuple[etree._Element, bool]]] = [{} for _ in rows]
    size = 0
    for r, row in enumerate(rows):
        column = 0
        for cell in [child for child in row if child.tag in _CELLS]:
            while column in grid[r]:
                column += 1
            colspan = min(max(_span(cell, "colspan") or 1, 1), _MAX_COLSPAN)
            rowspan = _span(cell, "rowspan")
            remaining = len(rows) - r
            rowspan = remaining if rowspan == 0 else min(max(rowspan or 1, 1), remaining)
            size += rowspan * colspan
            if size > _MAX_CELLS:
                raise ParseError(f"a table grows past {_MAX_CELLS} cells once spans are expanded")
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[r + dr].setdefault(column + dc, (cell, dr == 0 and dc == 0))
            column += colspan
    for row, cells in zip(rows, grid, strict=True):
        if all(original for _, original in cells.values()):
            continue
        for child in [child for child in row if child.tag in _CELLS]:
            row.remove(child)
        for column in sorted(cells):
            cell, original = cells[column]
            row.append(cell if original else copy.deepcopy(cell))
    for row in rows:
        for cell in row:
            cell.attrib.pop("rowspan", None)
            cell.attrib.pop("colspan", None)
