"""Forward detection: is this message a forward, and who sent the original?

Works on the plain text body (HTML bodies are converted first). Recognises the header block
that Gmail, Outlook, Thunderbird and Apple Mail write above a forwarded message, in English
and Portuguese. Pure Python, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import cache
from zoneinfo import ZoneInfo

__all__ = [
    "SCAN_LIMIT",
    "ForwardInfo",
    "find_forward",
    "has_forward_prefix",
    "local_zone",
    "parse_forward_date",
    "split_sender",
]

# Forward blocks sit near the top; a 15 MB body must not be scanned whole.
SCAN_LIMIT = 100_000
# A header block is a handful of short lines; this bounds the work per candidate.
_BLOCK_CHARS = 6_000
_BLOCK_LINES = 40
_FIELD_VALUE_MAX = 500


@dataclass(frozen=True)
class ForwardInfo:
    from_name: str = ""
    from_address: str = ""  # lower-cased; "" when the block only gave a name
    subject: str = ""
    date: datetime | None = None


_FORWARD_PREFIX = re.compile(r"^\s*(?:\[[^\]]{0,80}\]\s*)?(?:fwd?|enc|tr|wg)\s*:", re.IGNORECASE)

# Cheap pre-filter: a line that could open a forward block. Written so that runs of
# spaces never make the engine backtrack quadratically.
_CANDIDATE = re.compile(
    r"^[ \t>]*(?:\*+[ \t]*)?"
    r"(?:-{2,}|_{10,}|in[ií]cio da mensagem|begin forwarded|(?:de|from)[ \t]*(?:\*+[ \t]*)?:)",
    re.IGNORECASE | re.MULTILINE,
)
_FORWARD_MARKER = re.compile(
    r"^(?:-{2,}\s*(?:forwarded message|mensagem (?:re)?encaminhada|mensaje reenviado)\s*-{2,}"
    r"|(?:in[ií]cio da mensagem (?:re)?encaminhada|begin forwarded message)\s*:?)$",
    re.IGNORECASE,
)
# Outlook writes the same block for replies and forwards.
_OUTLOOK_SEPARATOR = re.compile(
    r"^(?:_{10,}|-{2,}\s*(?:original message|mensagem original)\s*-{2,})$", re.IGNORECASE
)
_ATTRIBUTION = re.compile(
    r"(?:escreveu|wrote|a écrit|escribió|schrieb)[ \t]*:[ \t]*$", re.IGNORECASE | re.MULTILINE
)
_ATTRIBUTION_START = re.compile(r"^(?:em|on|le|el|am)\s", re.IGNORECASE)
_QUOTE_PREFIX = re.compile(r"^(?:[ \t]*>)+")
_FIELD = re.compile(
    r"^\**[ \t]*([^\W\d_][^\W\d_ \-]{0,12}(?:[ \-][^\W\d_]{1,12})?)[ \t]*\**[ \t]*:(.*)$"
)

_LABELS = {
    "de": "from",
    "from": "from",
    "date": "date",
    "data": "date",
    "sent": "date",
    "enviado": "date",
    "enviada": "date",
    "enviado em": "date",
    "enviada em": "date",
    "subject": "subject",
    "assunto": "subject",
    "to": "to",
    "para": "to",
}
# Labels that belong to a header block but whose value we do not need.
_OTHER_LABELS = frozenset(
    {
        "cc",
        "cco",
        "bcc",
        "reply-to",
        "responder a",
        "responder para",
        "importance",
        "importância",
        "importancia",
        "prioridade",
        "priority",
        "anexos",
        "attachments",
        "grupos",
        "newsgroups",
        "organization",
        "organização",
    }
)
_CONTINUABLE = frozenset({"from", "to"})  # address lists wrap; other fields do not

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_NAME_TAIL = re.compile(r"[\s<\[(\"']*(?:mailto:)?\s*$", re.IGNORECASE)
_COMMENT = re.compile(r"\(([^()]{1,200})\)")


def has_forward_prefix(subject: str) -> bool:
    """True for "Fwd:", "Fw:", "ENC:", "TR:", "WG:" subjects (any case)."""
    return bool(_FORWARD_PREFIX.match(subject or ""))


def find_forward(body_text: str, subject: str = "") -> ForwardInfo | None:
    """The topmost forwarded message in ``body_text``; None when the body is not a forward.

    ``subject`` is the outer subject: an Outlook header block without a forward marker only
    counts when it has a forward prefix, because Outlook writes the same block for replies.
    """
    found = _find(body_text, subject)
    return _forward_info(found[0]) if found else None


def forward_span(body_text: str, subject: str = "") -> tuple[int, int] | None:
    """Where the topmost forward's header block starts and ends in ``body_text`` (its
    marker line, then the text of the forwarded message from the end); None when the body
    is not a forward. Offsets are in the text with its line ends made "\\n"."""
    found = _find(body_text, subject)
    return (found[1], found[2]) if found else None


def _find(body_text: str, subject: str) -> tuple[dict[str, str], int, int] | None:
    if not body_text:
        return None
    text = body_text[:SCAN_LIMIT]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    attribution_at: int | None = None  # computed only when a candidate shows up
    block_end = 0  # a "De:" line inside a block already read is no new block
    for match in _CANDIDATE.finditer(text):
        line_start = match.start()
        line_end = text.find("\n", line_start)
        if line_end == -1:
            line_end = len(text)
        marker = _marker_text(text[line_start:line_end])

        if _FORWARD_MARKER.match(marker):
            kind = "forward"
            fields, block_end = _read_fields(text, line_end + 1)
        elif _OUTLOOK_SEPARATOR.match(marker):
            kind = "outlook"
            fields, block_end = _read_fields(text, line_end + 1)
            if "from" not in fields or not ("date" in fields or "subject" in fields):
                continue  # a decorative line, not a header block
        else:
            if line_start < block_end:
                continue
            kind = "outlook"
            fields, block_end = _read_fields(text, line_start)
            if not (
                "from" in fields and "subject" in fields and ("date" in fields or "to" in fields)
            ):
                continue

        if attribution_at is None:
            attribution_at = _first_attribution(text)
        if attribution_at < line_start:
            return None  # a reply on top: whatever is below is quoted history
        if kind == "outlook" and not has_forward_prefix(subject):
            return None
        return fields, line_start, block_end
    return None


def header_blocks(body_text: str) -> list[tuple[int, int]]:
    """(start, end) of every forwarded or quoted message's header block in ``body_text``
    ("---------- Forwarded message ---------" with its From/Date/Subject/To lines, an
    Outlook "De: ... Enviado: ..." block), at any depth: their "Data:" and "Assunto:" lines
    are the mail client's, not the writer's. Offsets are in the text with its line ends
    made "\\n"."""
    text = body_text[:SCAN_LIMIT].replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[tuple[int, int]] = []
    block_end = 0
    for match in _CANDIDATE.finditer(text):
        line_start = match.start()
        if line_start < block_end:
            continue
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end == -1 else line_end
        marker = _marker_text(text[line_start:line_end])
        if _FORWARD_MARKER.match(marker) or _OUTLOOK_SEPARATOR.match(marker):
            fields, end = _read_fields(text, line_end + 1)
            if _FORWARD_MARKER.match(marker) or "from" in fields:
                blocks.append((line_start, min(end, len(text))))
                block_end = end
            continue
        fields, end = _read_fields(text, line_start)
        if "from" in fields and ("date" in fields or "subject" in fields):
            blocks.append((line_start, min(end, len(text))))
            block_end = end
    return blocks


def reply_start(body_text: str) -> int:
    """Where the quoted history of a reply begins ("Em ..., Fulano escreveu:"), or the
    text's length when there is none."""
    return _first_attribution(body_text[:SCAN_LIMIT])


def history_start(body_text: str) -> int:
    """Where a reply's quoted history begins: its attribution line, or the first quoted
    header block (Outlook's "De: ... Enviado: ..." writes no attribution), or the text's
    length when there is none."""
    blocks = header_blocks(body_text)
    return min(reply_start(body_text), blocks[0][0] if blocks else len(body_text))


def history_text(body_text: str, start: int) -> str:
    """The quoted history of a reply from ``start`` on, at the same offsets as in
    ``body_text`` (so spans found in it index the email's text): what is above it, the
    quote marks ("> ") and the attribution lines ("Em ..., Fulano escreveu:", wrapped or
    not) made spaces."""
    head = re.sub(r"[^\n]", " ", body_text[:start])
    lines = body_text[start:].split("\n")
    for index, line in enumerate(lines):
        marks = _QUOTE_PREFIX.match(line)
        if marks:
            line = " " * marks.end() + line[marks.end() :]
        lines[index] = line
        if _ATTRIBUTION.search(line):
            lines[index] = " " * len(line)
            opens = _ATTRIBUTION_START.match(line.strip())
            if index and not opens and _ATTRIBUTION_START.match(lines[index - 1].strip()):
                lines[index - 1] = " " * len(lines[index - 1])
    return head + "\n".join(lines)


def _marker_text(line: str) -> str:
    return _QUOTE_PREFIX.sub("", line).strip().strip("*").strip()


def _read_fields(text: str, start: int) -> tuple[dict[str, str], int]:
    """Header fields ("De: ...", "*Assunto:* ...", "> From: ...") from ``start`` on, and
    the offset where the block ends."""
    fields: dict[str, str] = {}
    current: str | None = None
    started = False
    end = start
    for count, raw_line in enumerate(text[start : start + _BLOCK_CHARS].split("\n")):
        if count >= _BLOCK_LINES:
            break
        end += len(raw_line) + 1
        line = _QUOTE_PREFIX.sub("", raw_line).strip()
        if not line:
            if started:
                break
            continue
        match = _FIELD.match(line)
        if match:
            label = " ".join(match.group(1).lower().split())
            key = _LABELS.get(label)
            if key is not None or label in _OTHER_LABELS:
                started = True
                value = match.group(2).strip().lstrip("*").strip()[:_FIELD_VALUE_MAX]
                if key is not None and key not in fields:
                    fields[key] = value
                    current = key if key in _CONTINUABLE else None
                else:
                    current = None
                continue
        if not started:
            break  # the first text line is no header: there is no block here
        marker = _marker_text(line)
        if current is None or _FORWARD_MARKER.match(marker) or _OUTLOOK_SEPARATOR.match(marker):
            break
        fields[current] = (fields[current] + " " + line)[:_FIELD_VALUE_MAX]
    return fields, end


def _first_attribution(text: str) -> int:
    """Offset of the first reply attribution line ("Em ..., X escreveu:"), or len(text)."""
    for match in _ATTRIBUTION.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line = _QUOTE_PREFIX.sub("", text[line_start : match.end()]).strip()
        if _ATTRIBUTION_START.match(line):
            return line_start
        # Long attributions wrap: "On Mon, ... Fulano <\nx@y> wrote:".
        prev_start = text.rfind("\n", 0, max(line_start - 1, 0)) + 1
        previous = _QUOTE_PREFIX.sub("", text[prev_start : max(line_start - 1, 0)]).strip()
        if previous and _ATTRIBUTION_START.match(previous):
            return prev_start
        following = text[match.end() : match.end() + 400].lstrip()
        if following.startswith(">"):
            return line_start
    return len(text)


def _forward_info(fields: dict[str, str]) -> ForwardInfo:
    name, address = split_sender(fields.get("from", ""))
    return ForwardInfo(
        from_name=name,
        from_address=address,
        subject=fields.get("subject", "").strip(),
        date=parse_forward_date(fields.get("date", "")),
    )


def split_sender(value: str) -> tuple[str, str]:
    """("Name", "address") from "Name <addr>", "*Name* <addr>", "Name [mailto:addr]", "addr"."""
    value = value.strip()[:_FIELD_VALUE_MAX]
    match = _EMAIL.search(value)
    if match is None:
        return _clean_name(value), ""
    address = match.group(0).strip(".").lower()
    name = _NAME_TAIL.sub("", value[: match.start()])
    if not name.strip(" \"'*"):
        comment = _COMMENT.search(value, match.end())
        name = comment.group(1) if comment else ""
    name = _clean_name(name)
    if name.lower() == address:
        name = ""
    return name, address


def _clean_name(name: str) -> str:
    return " ".join(name.replace("*", " ").split()).strip(" \"'")


# -- dates ------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "fev": 2,
    "mar": 3,
    "apr": 4,
    "abr": 4,
    "may": 5,
    "mai": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "ago": 8,
    "sep": 9,
    "set": 9,
    "oct": 10,
    "out": 10,
    "nov": 11,
    "dec": 12,
    "dez": 12,
}
_ZONE_HOURS = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "BST": 1,
    "CET": 1,
    "WEST": 1,
    "CEST": 2,
    "BRT": -3,
    "BRST": -2,
    "AMT": -4,
    "AMST": -3,
    "FNT": -2,
    "ACT": -5,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}

_RFC2822_SHAPE = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
_DATE_PT = re.compile(r"\b(\d{1,2})\s+de\s+([^\W\d_]{3,12})\.?\s+de\s+(\d{4})\b", re.IGNORECASE)
_DATE_MDY = re.compile(r"\b([^\W\d_]{3,12})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DATE_DMY = re.compile(r"\b(\d{1,2})\.?\s+([^\W\d_]{3,12})\.?,?\s+(\d{4})\b")
_DATE_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?\s?m\b\.?)?", re.IGNORECASE)
_ZONE_OFFSET = re.compile(r"(?:\b(?:GMT|UTC)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?\b")
_ZONE_NAME = re.compile(r"\b([A-Z]{1,4})\b")


@cache
def local_zone() -> tzinfo:
    """The secretariat's zone, assumed for forwarded dates written without one."""
    try:
        return ZoneInfo("America/Sao_Paulo")
    except Exception:  # no tz database on this machine
        return timezone(timedelta(hours=-3), "BRT")


def parse_forward_date(value: str) -> datetime | None:
    """Aware datetime from the date line of a forward block; None when unreadable.

    Handles RFC 2822, Gmail ("Mon, Mar 3, 2025 at 10:12 AM", "seg., 3 de mar. de 2025 às
    10:12"), Outlook ("segunda-feira, 3 de março de 2025 10:12", "Monday, March 3, 2025
    10:12 AM") and Apple Mail ("3 de março de 2025 10:12:00 BRT").
    """
    text = " ".join((value or "").replace("*", " ").split())[:200]
    if not text:
        return None
    try:
        if _RFC2822_SHAPE.match(text):
            parsed = _parse_rfc2822(text)
            if parsed is not None:
                return parsed
        return _parse_loose(text)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


def _parse_rfc2822(text: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(text)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_zone())
    return _checked(parsed)


def _parse_loose(text: str) -> datetime | None:
    found = _find_date(text)
    if found is None:
        return None
    year, month, day, end = found
    hour = minute = second = 0
    time_match = _TIME.search(text, end)
    if time_match is not None:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        second = int(time_match.group(3) or 0)
        meridiem = (time_match.group(4) or "").lower()
        if meridiem == "p" and hour < 12:
            hour += 12
        elif meridiem == "a" and hour == 12:
            hour = 0
        end = time_match.end()
    zone = _find_zone(text[end:]) if time_match is not None else None
    return _checked(datetime(year, month, day, hour, minute, second, tzinfo=zone or local_zone()))


def _find_date(text: str) -> tuple[int, int, int, int] | None:
    """(year, month, day, end offset) of the first date written in ``text``."""
    for match in _DATE_PT.finditer(text):
        month = _month(match.group(2))
        if month:
            return int(match.group(3)), month, int(match.group(1)), match.end()
    for match in _DATE_MDY.finditer(text):
        month = _month(match.group(1))
        if month:
            return int(match.group(3)), month, int(match.group(2)), match.end()
    for match in _DATE_DMY.finditer(text):
        month = _month(match.group(2))
        if month:
            return int(match.group(3)), month, int(match.group(1)), match.end()
    match = _DATE_NUMERIC.search(text)
    if match:  # dd/mm/yyyy: the secretariat's and Outlook pt-BR's order
        return int(match.group(3)), int(match.group(2)), int(match.group(1)), match.end()
    match = _DATE_ISO.search(text)
    if match:
        return int(match.group(1)), int(match.group(2)), int(match.group(3)), match.end()
    return None


def _month(name: str) -> int | None:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return _MONTHS.get(plain[:3])


def _find_zone(rest: str) -> tzinfo | None:
    offset = _ZONE_OFFSET.search(rest)
    if offset is not None:
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours < 24 and minutes < 60:
            delta = timedelta(hours=hours, minutes=minutes)
            return timezone(-delta if offset.group(1) == "-" else delta)
    for name in _ZONE_NAME.findall(rest):
        if name in _ZONE_HOURS:
            return timezone(timedelta(hours=_ZONE_HOURS[name]), name)
    return None


def _checked(moment: datetime) -> datetime | None:
    """Reject dates a database column or a UTC conversion cannot hold."""
    try:
        in_utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    if not 1900 <= in_utc.year <= 9998:
        return None
    return moment
