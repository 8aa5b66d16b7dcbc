"""Single values as written, after a label or in running text: a title without its quotes,
a room as the secretariat writes it ("Sala 207" -> "207", an online meeting -> "Virtual"),
and web addresses (a meeting's link).
"""

from __future__ import annotations

import re

from defesa.extraction.text import LazyPattern, blank_out, collapse, fold, is_empty

URL = LazyPattern(
    r"(?:https?://|(?<![\w./@])(?=(?:meet\.google\.com|teams\.microsoft\.com|teams\.live\.com"
    r"|[\w-]+\.zoom\.us|zoom\.us|conferenciaweb\.rnp\.br|webconf\.rnp\.br|meet\.jit\.si)/))"
    r"[^\s<>\"'“”*|]+",
    re.IGNORECASE,
)
MEETING_HOST = LazyPattern(
    r"meet\.google\.com|teams\.microsoft\.com|teams\.live\.com|zoom\.us|rnp\.br|jit\.si"
    r"|webex\.com|whereby\.com|bigbluebutton|mconf",
    re.IGNORECASE,
)
_VIRTUAL = LazyPattern(
    r"\b(?:virtual|online|on-line|remot[oa]|remotamente|videoconferencia|webconferencia"
    r"|video\s+conferencia|a\s+distancia|google\s+meet|meet|teams|zoom|conferenciaweb|jitsi)\b"
)
# A place in a building: a videoconference room ("Sala de Videoconferência do Bloco A") is
# a room people go to, not an online meeting.
_PHYSICAL_ROOM = LazyPattern(
    r"^(?:(?:sala|room)\s+)?[a-z]{0,3}[\s-]?\d|\b(?:sala|room)\s+\S*\d|auditorio|laborat"
    r"|\bsala\s+de\s+(?:video|web)\s?conferencia|\b(?:bloco|predio|edificio)\s+\w"
)
_ROOM_PREFIX = LazyPattern(
    r"^(?:sala|room)\s*(?:n[º°o]?\.?\s*|numero\s+|:\s*)?(?=[a-z]{0,3}[\s-]?\d)"
)
_ROOM_NUMBER = LazyPattern(r"^[a-z]{0,3}-?\d+[a-z]?(?:[-/.]\d+)?\b")
# What follows a room's number and is no part of it: "109, Ifes Campus Serra, com acesso
# remoto pelo Zoom", "109 (reservada)".
_ROOM_REMARK = LazyPattern(r"\s*(?:[,;(]|[-–—]\s)")
# ... unless it is the room's building: "204, Bloco B".
_BUILDING_AFTER = LazyPattern(
    r"\s*[,;]?\s*(?:(?:d[oa]|n[oa])\s+)?(?:bloco|predio|edificio|andar)\b"
)
# After a room's number in running text: its building ("na sala 206 do Bloco C").
_BUILDING = LazyPattern(
    r"\s*(?:,\s*)?(?:(?:d[oa]|n[oa])\s+|[-\u2013\u2014]\s*)(?:bloco|predio|edificio|andar)\b"
    r"[^,.;:()\n]{0,40}"
)
_BUILDING_TAIL = LazyPattern(
    r"\s+(?:e|com|para|que|onde|pelo|pela|por|via|as|no\s+dia|em\s+formato|se)\b.*$"
)
ROOM_PLACEHOLDER_RE = LazyPattern(r"\(\s*n?[º°o]?\.?\s*(?:da\s+)?sala\s+ou[^)]*\)")


def urls(text: str) -> list[str]:
    """The web addresses in ``text``; "https://" before a meeting host written without it."""
    found = []
    for match in URL.finditer(text):
        url = match[0].rstrip(".,;:!?)]}>'\"")
        if url.count("(") < url.count(")"):
            url = url.rstrip(")")
        if not url.lower().startswith(("http://", "https://")):
            url = "https://" + url
        found.append(url)
    return found


def read_room(text: str) -> tuple[str, list[str]]:
    """(room as the secretariat writes it, links written with it)."""
    links = urls(text)
    rest = blank_out(URL.sub(" ", text), ROOM_PLACEHOLDER_RE)
    rest = collapse(rest.replace("*", " ")).strip(" .,;:-–—")
    if not rest or is_empty(rest):
        return "", links
    folded = fold(rest)
    if _VIRTUAL.search(folded) and not _PHYSICAL_ROOM.search(folded):
        return "Virtual", links
    prefix = _ROOM_PREFIX.match(folded)
    if prefix:
        rest = rest[prefix.end() :].strip()
    return _without_remarks(rest), links


# A remark after a named room: a clause in lower case after a dash, a comma or in
# parentheses ("– a Profa. X gentilmente cedeu o espaço", ", with hybrid participation",
# "(ainda vou confirmar qual sala estará livre)"); "(LabVisio)" or ", Bloco C" stay.
_NAMED_ROOM_REMARK = LazyPattern(
    r"\s*(?:[-–—]\s+(?=[a-z])|,\s*(?=(?:com|with|e|and|para|que|onde|sendo|mas|pois|se|via|"
    r"por|pel[oa]|j[aá]|ainda|caso|if|but|which|where|h[ií]brid[oa]|hybrid|presencial|"
    r"in\s+person|on-?line|remot[oa]|virtual)\b)|\((?=\s*[a-z][^)\d]*\s[^)\d]*\s[^)\d]*\)))"
)
_ROOM_ONLY_PLACEHOLDER = LazyPattern(r"^(?:sala|room|local)\s+(?P<rest>.+)$")


def _without_remarks(room: str) -> str:
    """A room as written with its building ("206 do Bloco C", "Laboratório X (LabX)"),
    without what is said after it (a remark: see _NAMED_ROOM_REMARK, matched on the text
    as written, where case tells a remark from a name)."""
    folded = fold(room)
    number = _ROOM_NUMBER.match(folded)
    if number is None:
        remark = _NAMED_ROOM_REMARK.search(room)
        if remark is not None and remark.start() > 0:
            room = room[: remark.start()].rstrip(" ,;:-–—")
        placeholder = _ROOM_ONLY_PLACEHOLDER.match(fold(room))
        if placeholder is not None and is_empty(placeholder["rest"]):
            return ""  # "Sala xxx", "Sala a definir"
        return room
    if _BUILDING.match(folded, number.end()) or _BUILDING_AFTER.match(folded, number.end()):
        pass  # "204, Bloco B": the building stays
    elif _ROOM_REMARK.match(folded, number.end()):
        return room[: number.end()]
    remark = _NAMED_ROOM_REMARK.search(room, number.end())
    return room[: remark.start()].rstrip(" ,;:-–—") if remark else room


def clean_title(text: str) -> str:
    """A title without emphasis marks, trailing punctuation or the quotes around it."""
    text = collapse(text.replace("**", " ")).strip(" \t*_").rstrip(" .,;:")
    for left, right in (("“", "”"), ('"', '"'), ("«", "»"), ("'", "'"), ("‘", "’")):
        if len(text) > 2 and text.startswith(left) and text.endswith(right):
            text = text[1:-1].strip()
    return text.rstrip(" .,;:").strip()


def room_in_building(text: str, folded: str, start: int, end: int) -> str | None:
    """ "Sala 206 do Bloco C" when the room number at text[start:end] (``folded`` is
    ``text`` folded) is followed by its building; None when it is not."""
    building = _BUILDING.match(folded, end)
    if building is None:
        return None
    tail = _BUILDING_TAIL.search(folded, end, building.end())
    stop = tail.start() if tail else building.end()
    return collapse(f"Sala {text[start:stop].strip(' ,')}")
