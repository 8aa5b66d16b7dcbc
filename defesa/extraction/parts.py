"""The parts of a message: its own text, each forwarded message, and its quoted history.

Quoted history is the ">" lines and whatever follows "Em ..., Fulano escreveu:",
"-----Mensagem original-----" or an Outlook header block ("De:", "Enviado:", "Assunto:").
A signature ("--") or a closing ("Atenciosamente,") ends a part's text, unless form lines
follow it ("Obrigado!" may open a reply).
"""

from __future__ import annotations

from defesa.extraction.labels import CONTINUATION_LINES, match_label
from defesa.extraction.text import LazyPattern, collapse, fold

_QUOTED = LazyPattern(r"^\s*>")
_UNQUOTE = LazyPattern(r"^\s*> ?")
_FORWARD_MARKER = LazyPattern(
    r"^[\s*]*(?:-{2,}\s*(?:forwarded message|mensagem (?:re)?encaminhada|mensaje reenviado)\s*-{2,}"
    r"|(?:inicio da mensagem (?:re)?encaminhada|begin forwarded message)\s*:?)[\s*]*$"
)
_ORIGINAL_MARKER = LazyPattern(
    r"^[\s*]*(?:-{2,}\s*(?:original message|mensagem original)\s*-{2,}|_{10,})[\s*]*$"
)
_HEADER_FIELD = LazyPattern(
    r"^[\s*]*(de|from|data|date|enviad[oa](?:\s+em)?|sent|assunto|subject|para|to|cc|cco|bcc"
    r"|responder\s+(?:a|para)|reply-to|importancia|importance|anexos?|attachments?)[\s*]*:",
)
_HEADER_KEYS = {
    "de": "from",
    "from": "from",
    "data": "date",
    "date": "date",
    "sent": "date",
    "assunto": "subject",
    "subject": "subject",
    "para": "to",
    "to": "to",
}
_ATTRIBUTION_END = LazyPattern(r"(?:escreveu|wrote|a ecrit|escribio|schrieb)\s*:\s*$")
_ATTRIBUTION_START = LazyPattern(r"^[\s*]*(?:em|on|le|el|am)\s")
_SIGNATURE = LazyPattern(r"^--\s?$")
CLOSING = LazyPattern(
    r"^[\s*_]*(?:(?:atenciosamente|cordialmente|respeitosamente|att|atte|at\.|abracos?|abs"
    r"|um\s+abraco|saudacoes(?:\s+academicas)?)(?:[\s,.!].*)?"
    r"|(?:grat[oa]|obrigad[oa]|muito\s+obrigad[oa]|sds|best|regards|best\s+regards"
    r"|kind\s+regards|cheers|thanks|thank\s+you|vlw|valeu|obg|bjs|beijos)[\s,.!]*)$"
)


def _header_key(line: str) -> str | None:
    match = _HEADER_FIELD.match(fold(line))
    if match is None:
        return None
    label = collapse(match[1])
    return _HEADER_KEYS.get(label, "date" if label.startswith("enviad") else label)


def _header_end(lines: list[str], start: int) -> int:
    """The index after the header lines ("De:", "Data:", "Assunto:", ...) from ``start``."""
    seen: set[str] = set()
    index = start
    while index < len(lines) and not lines[index].strip() and index - start < 2:
        index += 1
    while index < len(lines):
        key = _header_key(lines[index])
        if key is None or key in seen:
            break
        seen.add(key)
        index += 1
    return index


def _outlook_header(lines: list[str], start: int) -> int | None:
    """The end of an Outlook-style header block starting at ``start`` ("De: ...",
    "Enviado: ...", "Para: ...", "Assunto: ..."), or None when there is none."""
    if _header_key(lines[start]) != "from":
        return None
    end = _header_end(lines, start)
    keys = {_header_key(line) for line in lines[start:end]}
    if "subject" in keys and ("date" in keys or "to" in keys):
        return end
    return None


def _attribution_starts(lines: list[str]) -> dict[int, int]:
    """{first line of a reply attribution: its last line} ("Em seg., ..., Fulano <x@y>
    escreveu:" may wrap over up to three lines)."""
    starts: dict[int, int] = {}
    for index, line in enumerate(lines):
        if _QUOTED.match(line) or not _ATTRIBUTION_END.search(fold(line)):
            continue
        start = index
        for back in (1, 2):
            previous = index - back
            if previous < 0 or not lines[previous].strip() or _QUOTED.match(lines[previous]):
                break
            if _ATTRIBUTION_START.match(fold(lines[previous])):
                start = previous
                break
        starts[start] = index
    return starts


def _boundary(lines: list[str], index: int, attributions: dict[int, int]) -> tuple[str, int] | None:
    """("forward", index of the forwarded text) or ("quote", index of the quoted text)
    when a forwarded or quoted message starts at ``index``."""
    folded = fold(lines[index])
    if _FORWARD_MARKER.match(folded):
        return "forward", _header_end(lines, index + 1)
    if index in attributions:
        return "quote", attributions[index] + 1
    if _ORIGINAL_MARKER.match(folded):
        end = _header_end(lines, index + 1)
        return ("quote", end) if end > index + 1 else None
    end = _outlook_header(lines, index)
    return ("quote", end) if end is not None else None


def _form_follows(lines: list[str], index: int, attributions: dict[int, int]) -> bool:
    """Do form lines follow ``index`` in the same message? ("Obrigado!" may open a reply.)"""
    labels = 0
    for following in range(index + 1, min(index + 1 + CONTINUATION_LINES, len(lines))):
        if _QUOTED.match(lines[following]) or _boundary(lines, following, attributions):
            break
        labels += match_label(lines[following]) is not None
        if labels >= 2:
            return True
    return False


def split_parts(lines: list[str]) -> tuple[list[list[str]], list[str]]:
    """The message's own parts (its text, then each forwarded message: read in order, the
    first value wins) and its quoted history (read only when the parts hold nothing)."""
    parts: list[list[str]] = [[]]
    quoted: list[str] = []
    attributions = _attribution_starts(lines)
    in_signature = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if _QUOTED.match(line):
            quoted.append(_UNQUOTE.sub("", line, count=1))
            index += 1
            continue
        boundary = _boundary(lines, index, attributions)
        if boundary is not None:
            kind, index = boundary
            if kind == "quote":
                quoted.extend(_UNQUOTE.sub("", rest, count=1) for rest in lines[index:])
                break
            parts.append([])
            in_signature = False
            continue
        if not in_signature and (
            _SIGNATURE.match(line)
            or (CLOSING.match(fold(line)) and not _form_follows(lines, index, attributions))
        ):
            in_signature = True
        if not in_signature:
            parts[-1].append(line)
        index += 1
    return [part for part in parts if any(line.strip() for line in part)], quoted
