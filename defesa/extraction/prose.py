"""Fields read from running text: "A defesa da aluna Maria Souza, intitulada “...”, será no
dia 15/10/2025 às 14h na sala 207", "A banca será composta pelos professores ...",
"orientada pela Profa. X".

Only what a sentence says plainly, and only for a field the part has no value for yet: its
form lines are read before its prose.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from defesa.data import ADVISOR, COADVISOR
from defesa.extraction.dates import MONTH_NAMES, find_date, read_date, read_time
from defesa.extraction.findings import GROUP_COMMITTEE, PROSE, Findings, Group
from defesa.extraction.people import (
    Institutions,
    Person,
    add_committee,
    as_member,
    leading_name,
    looks_like_name,
    parse_person,
    split_honorific,
    split_members,
)
from defesa.extraction.text import BULLET, LazyPattern, fold, strip_bullet
from defesa.extraction.values import MEETING_HOST, clean_title, room_in_building, urls

_ABBREVIATIONS = frozenset(
    {
        "prof",
        "profa",
        "profª",
        "dr",
        "dra",
        "drª",
        "sr",
        "sra",
        "me",
        "ma",
        "msc",
        "m.sc",
        "d.sc",
        "ph.d",
        "phd",
        "eng",
        "n",
        "no",
        "nº",
        "av",
        "obs",
        "ex",
        "ª",
        "prof.ª",
        "dr.ª",
        # places: "Lab. de Redes", "Depto. de Informática", "Bl. C"
        "lab",
        "depto",
        "bl",
    }
)


def _sentences(paragraph: str) -> list[str]:
    out: list[str] = []
    start = counted = 0
    opened = closed = straight = 0  # quotes seen since ``start``
    for match in re.finditer(r"[.!?]+(?=\s|$)", paragraph):
        chunk = paragraph[counted : match.start()]
        opened, closed = opened + chunk.count("“"), closed + chunk.count("”")
        straight += chunk.count('"')
        counted = match.start()
        last = paragraph[paragraph.rfind(" ", start, match.start()) + 1 : match.start()]
        if match[0] == "." and (
            fold(last).strip("(") in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", last)
        ):
            continue
        if opened > closed or straight % 2:
            continue  # inside a quoted title
        out.append(paragraph[start : match.end()].strip())
        start = counted = match.end()
        opened = closed = straight = 0
    if paragraph[start:].strip():
        out.append(paragraph[start:].strip())
    return out


_P_STUDENT = LazyPattern(
    r"\b(?:alun[oa]|discente|mestrand[oa]|orientand[oa]|estudante|candidat[oa])(?:\s?\(a\))?"
    r"(?:\s+de\s+mestrado)?\s+"
)
_P_TITLE = LazyPattern(
    r"(?:intitulad[oa]|com\s+o\s+titulo|cujo\s+titulo\s+e|sob\s+o\s+titulo|titulo"
    r"|dissertacao|trabalho)\s*:?\s*(?:de\s+)?[“\"«]"
)
_CLOSE_QUOTE = {"“": "”", '"': '"', "«": "»"}
_P_DAY_NO_YEAR = LazyPattern(
    rf"\bdia\s+(\d{{1,2}}/\d{{1,2}}|\d{{1,2}}\s+de\s+(?:{MONTH_NAMES})\b)(?![/\d]|\s+de\s+\d)"
)
_P_TIME = LazyPattern(r"\b(?:as|a\s+partir\s+das|das|pelas|horario:?|hora:?|inicio\s+as)\s+(?=\d)")
_P_DATE_CONTEXT = LazyPattern(
    r"defesa|banca|apresenta|realizad|ocorr|marcad|agendad|dissertac|\bsera\b|\bsala\b|horario"
)
_P_ROOM = LazyPattern(r"\bsala\s+(?:n[º°o]?\.?\s*)?([a-z]{0,3}-?\d+[a-z]?(?:[-/.]\d+)?)\b")
# On the original text: the auditorium's name is its capitalised words.
_P_AUDITORIUM = LazyPattern(
    r"\b(?i:n[oa])\s+((?i:mini-?)?(?i:audit[oó]rio|anfiteatro)"
    r"(?:\s+(?:d[aoe]s?\s+)?[A-ZÀ-Ý0-9][\w-]*)*)"
)
_P_VIRTUAL = LazyPattern(
    r"\b(?:de\s+forma|em\s+formato|no\s+formato|na\s+modalidade|formato|modalidade)\s+"
    r"(?:virtual|remot[oa]|online|on-line|a\s+distancia)"
    r"|\bpor\s+(?:video|web)\s?conferencia|\b(?:pelo|via|no|atraves\s+do)\s+"
    r"(?:google\s+meet|meet|microsoft\s+teams|teams|zoom|rnp)\b|\bsala\s+virtual\b"
    r"|\bvirtualmente\b|\bremotamente\b|\bonline\b|\bon-line\b"
)
_P_COMMITTEE = LazyPattern(
    r"\bbanca\b.{0,80}?\b(?:compost|formad|constituid|integrad)[ao]s?\s+(?:pel[oa]s?|por|de)\s+"
    r"(?:(?:seguintes\s+)?(?:professor(?:es|as)|profs\.?|membros|docentes|avaliador(?:es|as)"
    r"|examinador(?:es|as)|doutor(?:es|as)|pesquisador(?:es|as))\s+)?(?:seguintes\s*)?:?\s*"
)
_P_ADVISOR = LazyPattern(
    r"(?<![\w-])(?:orientad[oa]\s+pel[oa]|sob\s+(?:a\s+)?orientacao\s+d[oa]"
    r"|(?:seu|sua|meu|minha|cujo|cuja)\s+orientador(?:a)?\s+(?:e|sera)(?:\s+[oa])?)\s+"
)
_P_COADVISOR = LazyPattern(
    r"(?<![\w-])(?:co-?orientad[oa]\s+pel[oa]|(?:e\s+|sob\s+(?:a\s+)?)?co-?orientacao\s+d[oa])\s+"
)


def read_prose(lines: list[str], found: Findings, institutions: Institutions) -> None:
    """The sentences of ``lines`` (paragraphs end at a blank line) read into ``found``."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        text = line.strip()
        if text:
            paragraphs[-1].append(strip_bullet(text) if BULLET.match(text) else text)
        elif paragraphs[-1]:
            paragraphs.append([])
    for paragraph in paragraphs:
        if paragraph:
            for sentence in _sentences(" ".join(paragraph)):
                _read_sentence(sentence, found, institutions)


def _read_sentence(sentence: str, found: Findings, institutions: Institutions) -> None:
    folded = fold(sentence)
    if not found.has("student", PROSE):
        for match in _P_STUDENT.finditer(folded):
            name = leading_name(sentence[match.end() :], min_words=2)
            if name:
                found.add("student", name, PROSE)
                break
    if not found.has("title", PROSE):
        for match in _P_TITLE.finditer(folded):
            close = sentence.find(_CLOSE_QUOTE[sentence[match.end() - 1]], match.end())
            if close > match.end():
                title = clean_title(sentence[match.end() : close])
                if len(title.split()) >= 2:
                    found.add("title", title, PROSE)
                    break
    date_end: int | None = None
    if not found.has("date", PROSE):
        hit = find_date(folded)
        relevant = _P_DATE_CONTEXT.search(folded)
        no_year = _P_DAY_NO_YEAR.search(folded)
        if hit is None and no_year and relevant:
            written = sentence[no_year.start(1) : no_year.end(1)]
            found.problem(_("the date “%(value)s” has no year") % {"value": written})
        if hit is not None:
            match, _ymd = hit
            if relevant or re.search(r"\bdia\s+$", folded[: match.start()]):
                date, _span, problem = read_date(sentence[match.start() : match.end()])
                if date is not None:
                    found.add("date", date, PROSE)
                    date_end = match.end()
                elif problem:
                    found.problem(problem)
    if not found.has("time", PROSE):
        for match in _P_TIME.finditer(folded):
            value, _written, _problem = read_time(sentence[match.end() : match.end() + 12])
            if value is not None:
                found.add("time", value, PROSE)
                break
        else:
            if date_end is not None:
                value, _written, _problem = read_time(sentence[date_end : date_end + 20])
                if value is not None:
                    found.add("time", value, PROSE)
    if not found.has("room", PROSE):
        room = _P_ROOM.search(folded)
        auditorium = _P_AUDITORIUM.search(sentence)
        if room and not room.group(1).startswith("virtual"):
            found.add(
                "room",
                room_in_building(sentence, folded, room.start(1), room.end(1))
                or sentence[room.start(1) : room.end(1)],
                PROSE,
            )
        elif auditorium and _P_DATE_CONTEXT.search(folded):
            found.add("room", auditorium[1], PROSE)
        elif _P_VIRTUAL.search(folded) and _P_DATE_CONTEXT.search(folded):
            found.add("room", "Virtual", PROSE)
    if not found.has("link", PROSE):
        for url in urls(sentence):
            if MEETING_HOST.search(url):
                found.add("link", url, PROSE)
                break
    committee = _P_COMMITTEE.search(folded)
    if committee:
        listed = sentence[committee.end() :].strip().rstrip(".;!")
        people = []
        for item in split_members(listed, institutions):
            person = parse_person(item, institutions)
            if person is not None and (person.honorific or looks_like_name(person.name)):
                people.append(person)
        add_committee(people, found, institutions)
    for pattern, role in ((_P_ADVISOR, ADVISOR), (_P_COADVISOR, COADVISOR)):
        for match in pattern.finditer(folded):
            person = _prose_person(sentence[match.end() :], institutions)
            if person is not None:
                found.groups.append(Group(role, GROUP_COMMITTEE, [as_member(person, role)]))
                break


def _prose_person(text: str, institutions: Institutions) -> Person | None:
    """The person named at the start of ``text``: "Prof. Dr. Fulano (Ifes) e ..."."""
    honorific, rest = split_honorific(text)
    name = leading_name(rest)
    if not name:
        return None
    after = rest[rest.find(name) + len(name) :]
    annotation = re.match(r"\s*\(([^()]{0,120})\)", after)
    written = f"{honorific} {name}" + (f" ({annotation[1]})" if annotation else "")
    return parse_person(written, institutions)
