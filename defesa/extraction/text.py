"""Text helpers of the defence extraction, and a body as the lines its readers scan.

Patterns compiled on first use, case and accent folding that keeps offsets, splitting
outside parentheses, empty answers ("não há", "-"), bullets. A body, plain text or HTML
(read by emails.htmltext), becomes lines without invisible characters or odd spaces, cut
to its first 100,000 characters: the form sits near the top.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from emails import htmltext

# Bodies can be huge (pasted logs, HTML newsletters); the form sits near the top.
_SCAN_LIMIT = 100_000


class LazyPattern:
    """A regular expression compiled on its first use. Django imports this package when it
    starts (defesa's steps), and compiling its sixty patterns would add ~25 ms to every
    `manage.py` command, most of which never read a defence request. After the first
    use the compiled pattern's methods sit on the instance, so a call costs what it costs
    on a compiled pattern."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str):
        compiled = re.compile(*self._source)
        for attribute in dir(compiled):
            if not attribute.startswith("_"):
                setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)


@cache
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char


# Each character's folded form, filled as characters are met (one translate call a text).
_FOLDED: dict[int, str] = {}


def fold(text: str) -> str:
    """Lower case without accents, as long as ``text``: offsets in one are valid in the
    other, so patterns match the folded text and values are cut from the original."""
    missing = [c for c in set(text) if ord(c) not in _FOLDED]
    if len(_FOLDED) + len(missing) > 100_000:  # a hostile text of many symbols
        return "".join(map(_fold_char, text))
    for char in missing:
        _FOLDED[ord(char)] = _fold_char(char)
    return text.translate(_FOLDED)


def collapse(text: str) -> str:
    return " ".join(text.split())


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\x02\x03"))
_ODD_SPACES = LazyPattern(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\f\v]")


def text_lines(text: str) -> list[str]:
    """A plain text body as lines."""
    text = text[:_SCAN_LIMIT].replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    return [line.rstrip() for line in _ODD_SPACES.sub(" ", text).split("\n")]


def _depths(text: str) -> list[int]:
    """Parenthesis depth before each character."""
    depth, out = 0, []
    for char in text:
        out.append(depth)
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
    return out


def split_top(text: str, pattern: re.Pattern[str], *, keep: bool = False) -> list[str]:
    """``text`` split where ``pattern`` matches outside parentheses (folded matching)."""
    depths = _depths(text)
    parts, start = [], 0
    for match in pattern.finditer(fold(text)):
        if match.start() == match.end() or depths[match.start()]:
            continue
        parts.append(text[start : match.start()])
        if keep:
            parts.append(text[match.start() : match.end()])
        start = match.end()
    parts.append(text[start:])
    return parts


def paren_groups(text: str) -> tuple[str, list[str]]:
    """``text`` without its top-level "(...)" groups, and the groups' contents."""
    outside, groups, depth, current = [], [], 0, []
    for char in text:
        if char == "(":
            if depth:
                current.append(char)
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth:
                current.append(char)
            else:
                groups.append("".join(current))
                current = []
        elif depth:
            current.append(char)
        else:
            outside.append(char)
    if depth:  # an unclosed "(": keep it as text
        outside.append("(" + "".join(current))
    return "".join(outside), groups


_EMPTY = LazyPattern(
    r"^(?:-+|–|—|_+|\.+|x|n/?a|n\.a\.?|na|nao|nada|nenhum[a]?|nao\s+ha|nao\s+tem|nao\s+possui"
    r"|nao\s+possuo|nao\s+existe|nao\s+se\s+aplica|inexistente|sem\s+\w+|a\s+definir"
    r"|a\s+confirmar|indefinido|\?+|vazio|em\s+branco)$"
)


def is_empty(text: str) -> bool:
    folded = collapse(fold(text)).strip(" \t*_.,;:!\"'“”()")
    return not folded or bool(_EMPTY.match(folded))


def blank_out(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with what ``pattern`` matches in its folded form replaced by spaces."""
    folded = fold(text)
    for match in pattern.finditer(folded):
        text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    return text


BULLET = LazyPattern(r"^\s*(?:[-*•·◦▪►‣⁃–—]+\s*|\d{1,2}[.)]\s+|[a-z]\)\s+)")


def strip_bullet(line: str) -> str:
    return BULLET.sub("", line, count=1).strip()


def html_lines(markup: str) -> list[str]:
    """An HTML body as lines (see emails.htmltext.html_lines); markup html.parser cannot
    read is read with its tags removed."""
    try:
        lines = htmltext.html_lines(markup[: _SCAN_LIMIT * 4])
    except ValueError:
        return text_lines(re.sub(r"<[^>]*>", " ", markup))
    return text_lines("\n".join(lines))
