"""HTML body to plain text, good enough to read a request and to find the data in it.

Pure Python on html.parser. Table rows become one line with the cells joined by a space, so
a two-column form ("Nome Completo Aluno:" | "Fulano") reads as "Nome Completo Aluno: Fulano".
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["html_to_text"]

# Tags that start and end a line.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "ul",
    }
)
# Content never shown to the reader. "xml" is the Office metadata island Word puts in mails.
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title", "template", "xml"})
_CELL_TAGS = frozenset({"td", "th"})
# For other readers of HTML (e.g. the defence extraction).
BLOCK_TAGS = _BLOCK_TAGS
HIDDEN_TAGS = _HIDDEN_TAGS

_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_LINE_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_TAG = re.compile(r"<[^>]*>")
# A "<" that no ">" closes before the next "<": html.parser rescans the rest of the document
# for each one (minutes for 60 KB of "<a "), so it is escaped to plain text first.
_UNCLOSED_LT = re.compile(r"<(?=[^<>]*(?:<|\Z))")


@dataclass
class _Table:
    cells: list[str] = field(default_factory=list)  # finished cells of the open row
    row_open: bool = False
    cell_open: bool = False


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Output buffers: the document, then one per open table cell (innermost last).
        self._buffers: list[list[str]] = [[]]
        self._tables: list[_Table] = []
        self._hidden: dict[str, int] = {}
        self._pre = 0

    # -- output helpers ---------------------------------------------------------------

    def _at_line_start(self) -> bool:
        buf = self._buffers[-1]
        return not buf or buf[-1].endswith("\n")

    def _line_break(self) -> None:
        """End the current line unless we are already at the start of one."""
        if not self._at_line_start():
            self._buffers[-1].append("\n")

    # -- tables -----------------------------------------------------------------------

    def _open_cell(self, table: _Table) -> None:
        self._close_cell(table)
        if not table.row_open:
            table.row_open = True
            table.cells = []
        table.cell_open = True
        self._buffers.append([])

    def _close_cell(self, table: _Table) -> None:
        if table.cell_open:
            text = "".join(self._buffers.pop()).strip(" \t\n\r\f")
            if text:
                table.cells.append(text)
            table.cell_open = False

    def _close_row(self, table: _Table) -> None:
        self._close_cell(table)
        if table.row_open:
            table.row_open = False
            if table.cells:
                self._line_break()
                self._buffers[-1].append(" ".join(table.cells) + "\n")
            table.cells = []

    def _close_table(self) -> None:
        table = self._tables.pop()
        self._close_row(table)
        self._line_break()

    # -- HTMLParser callbacks ---------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden[tag] = self._hidden.get(tag, 0) + 1
            return
        if tag == "body":
            # A missing </head> or </title> must not hide the whole message.
            self._hidden.clear()
            return
        if tag == "br":
            self._buffers[-1].append("\n")
        elif tag in _CELL_TAGS:
            if self._tables:
                self._open_cell(self._tables[-1])
            else:
                self._buffers[-1].append(" ")
        elif tag == "tr":
            if self._tables:
                table = self._tables[-1]
                self._close_row(table)
                table.row_open = True
                table.cells = []
            else:
                self._line_break()
        elif tag == "table":
            self._line_break()
            self._tables.append(_Table())
        elif tag in _BLOCK_TAGS:
            self._line_break()
            if tag == "pre":
                self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            if self._hidden.get(tag):
                self._hidden[tag] -= 1
            return
        if tag in _CELL_TAGS:
            if self._tables:
                self._close_cell(self._tables[-1])
        elif tag == "tr":
            if self._tables:
                self._close_row(self._tables[-1])
            else:
                self._line_break()
        elif tag == "table":
            if self._tables:
                self._close_table()
        elif tag in _BLOCK_TAGS:
            self._line_break()
            if tag == "pre" and self._pre:
                self._pre -= 1

    def handle_data(self, data: str) -> None:
        if any(self._hidden.values()):
            return
        if self._pre:
            text = data.replace("\r\n", "\n").replace("\r", "\n")
        else:
            text = _HTML_SPACE.sub(" ", data)
            if self._at_line_start():
                text = text.lstrip(" ")
        if text:
            self._buffers[-1].append(text)

    def text(self) -> str:
        while self._tables:
            self._close_table()
        while len(self._buffers) > 1:  # a cell left open outside any table bookkeeping
            leftover = self._buffers.pop()
            self._buffers[-1].extend(leftover)
        return _tidy("".join(self._buffers[0]))


def _tidy(text: str) -> str:
    """Collapse spaces within lines, trim lines, keep at most one blank line in a row."""
    lines: list[str] = []
    blank = False
    for line in text.split("\n"):
        line = _LINE_SPACE.sub(" ", line).strip()
        if line:
            lines.append(line)
            blank = False
        elif lines and not blank:
            lines.append("")
            blank = True
    if lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML document or fragment. Never raises."""
    if not markup:
        return ""
    markup = _UNCLOSED_LT.sub("&lt;", markup)
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
        return parser.text()
    except Exception:  # html.parser asserts on some broken markup
        return _tidy(html.unescape(_TAG.sub(" ", markup)))
