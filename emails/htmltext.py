"""HTML body to plain text, good enough to read a request and to find the data in it.

Pure Python on html.parser: one reader, read out in two ways.

- ``html_to_text`` is for people (the stored body, the admin). A table row becomes one line
  with its cells joined by a space, so a two-column form ("Nome Completo Aluno:" | "Fulano")
  reads as "Nome Completo Aluno: Fulano"; a <pre> keeps its spacing.
- ``html_lines`` is for a program that reads a form (the defence extraction). A row's cells
  are joined by tabs, empty ones included, so that "label<TAB>value" and the columns of a
  table stay apart; the lines of a <blockquote> start with "> ", as quoted plain text does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["html_lines", "html_to_text"]

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
# Where html_lines' blockquotes start and end, on lines of their own until the very end.
_QUOTE_OPEN, _QUOTE_CLOSE = "\x02", "\x03"

_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_LINE_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_TAG = re.compile(r"<[^>]*>")
_WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"']{3,2000}$", re.I)
_MAX_OPEN_LINKS = 100  # unclosed <a> tags by the thousand must not pile up
# A "<" that no ">" closes before the next "<": html.parser rescans the rest of the document
# for each one (minutes for 60 KB of "<a "), so it is escaped to plain text first.
_UNCLOSED_LT = re.compile(r"<(?=[^<>]*(?:<|\Z))")


@dataclass
class _Table:
    cells: list[str] = field(default_factory=list)  # the open row's cells, as read
    row_open: bool = False
    cell_open: bool = False


class _Reader(HTMLParser):
    """What both readings share: content never shown is left out, a block or a <br> ends
    the line, each table cell is read into a buffer of its own and each row becomes one
    line. A subclass says how a row is written (``_row``), what a block does besides
    ending the line (``_block``), and what a cell or row outside any table does."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Output buffers: the document, then one per open table cell (innermost last).
        self._buffers: list[list[str]] = [[]]
        self._tables: list[_Table] = []
        self._hidden: dict[str, int] = {}
        self._pre = 0  # open <pre> blocks whose spacing is kept
        # open <a href="http..."> links: (address, the buffer, its length at the start tag)
        self._links: list[tuple[str, list[str], int]] = []

    # -- what each reading decides ----------------------------------------------------

    def _row(self, cells: list[str]) -> str | None:
        """The line for a table row, from its cells as read (empty ones included); None
        when the row shows nothing."""
        raise NotImplementedError

    def _block(self, tag: str, *, start: bool) -> None:
        self._line_break()

    def _outside_table(self, tag: str, *, start: bool) -> None:
        """A <tr>, <td> or <th> (start or end tag) with no open table."""

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
            table.cells.append("".join(self._buffers.pop()))
            table.cell_open = False

    def _close_row(self, table: _Table) -> None:
        self._close_cell(table)
        if table.row_open:
            table.row_open = False
            line = self._row(table.cells)
            if line is not None:
                self._line_break()
                self._buffers[-1].append(line + "\n")
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
        if tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            if _WEB_ADDRESS.match(href) and len(self._links) < _MAX_OPEN_LINKS:
                self._links.append((href, self._buffers[-1], len(self._buffers[-1])))
        elif tag == "br":
            self._buffers[-1].append("\n")
        elif tag in _CELL_TAGS:
            if self._tables:
                self._open_cell(self._tables[-1])
            else:
                self._outside_table(tag, start=True)
        elif tag == "tr":
            if self._tables:
                table = self._tables[-1]
                self._close_row(table)
                table.row_open = True
                table.cells = []
            else:
                self._outside_table(tag, start=True)
        elif tag == "table":
            self._line_break()
            self._tables.append(_Table())
        elif tag in _BLOCK_TAGS:
            self._block(tag, start=True)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            # a link whose text hides its address ("clique aqui", "link"): the address
            # is written after it, so a reader of the text has it too
            href, buffer, start = self._links.pop()
            if buffer is self._buffers[-1] and not any(self._hidden.values()):
                shown = "".join(buffer[start:])
                if href not in shown and href.rstrip("/") not in shown:
                    buffer.append(f" ({href})" if shown.strip() else href)
            return
        if tag in _HIDDEN_TAGS:
            if self._hidden.get(tag):
                self._hidden[tag] -= 1
            return
        if tag in _CELL_TAGS:
            if self._tables:
                self._close_cell(self._tables[-1])
            else:
                self._outside_table(tag, start=False)
        elif tag == "tr":
            if self._tables:
                self._close_row(self._tables[-1])
            else:
                self._outside_table(tag, start=False)
        elif tag == "table":
            if self._tables:
                self._close_table()
        elif tag in _BLOCK_TAGS:
            self._block(tag, start=False)

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

    def _document(self) -> str:
        """The text read. Tables still open are closed as their end tags would close them,
        but without the line break after each: it could only end the text."""
        while self._tables:
            self._close_row(self._tables.pop())
        while len(self._buffers) > 1:  # a cell left open outside any table bookkeeping
            leftover = self._buffers.pop()
            self._buffers[-1].extend(leftover)
        return "".join(self._buffers[0])


class _TextExtractor(_Reader):
    """For html_to_text: cells joined by a space, <pre> spacing kept."""

    def _row(self, cells: list[str]) -> str | None:
        shown = [text for text in (cell.strip(" \t\n\r\f") for cell in cells) if text]
        return " ".join(shown) if shown else None

    def _block(self, tag: str, *, start: bool) -> None:
        self._line_break()
        if tag == "pre":
            if start:
                self._pre += 1
            elif self._pre:
                self._pre -= 1

    def _outside_table(self, tag: str, *, start: bool) -> None:
        if tag == "tr":
            self._line_break()
        elif start:
            self._buffers[-1].append(" ")

    def text(self) -> str:
        return _tidy(self._document())


class _LineReader(_Reader):
    """For html_lines: cells joined by tabs, blockquotes as "> " lines."""

    def _row(self, cells: list[str]) -> str | None:
        texts = [_cell_text(cell) for cell in cells]
        return "\t".join(texts) if any(texts) else None

    def _block(self, tag: str, *, start: bool) -> None:
        self._line_break()
        if tag == "blockquote":
            self._buffers[-1].append((_QUOTE_OPEN if start else _QUOTE_CLOSE) + "\n")

    def lines(self) -> list[str]:
        out: list[str] = []
        depth = 0
        for raw in self._document().split("\n"):
            if raw in (_QUOTE_OPEN, _QUOTE_CLOSE):  # written on lines of their own
                depth = depth + 1 if raw == _QUOTE_OPEN else max(depth - 1, 0)
                continue
            text = raw.replace(_QUOTE_OPEN, "").replace(_QUOTE_CLOSE, "")
            text = "\t".join(" ".join(cell.split()) for cell in text.split("\t"))
            out.append(("> " * depth + text) if depth and text else text)
        return out


def _cell_text(text: str) -> str:
    """A cell's lines with their spaces collapsed, blank ones left out."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


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


def html_lines(markup: str) -> list[str]:
    """The lines of an HTML document for a program that reads a form: a table row's cells
    joined by tabs (an empty cell too, so a two-cell row reads "label<TAB>value" and the
    columns line up), the lines of a <blockquote> after "> " (one per level), spaces
    collapsed within each cell, blank lines kept.

    Raises ValueError when html.parser cannot read ``markup`` (it asserts on some broken
    markup): the caller chooses what to read instead.
    """
    parser = _LineReader()
    try:
        parser.feed(_UNCLOSED_LT.sub("&lt;", markup))
        parser.close()
    except Exception as error:
        raise ValueError("html.parser could not read the markup") from error
    return parser.lines()
