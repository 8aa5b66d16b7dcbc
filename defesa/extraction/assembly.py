"""The defence data in a request email: the secretariat's form, however it was written.

Reads the form's fields from plain text or HTML: the exact labels of the blank form and
their everyday variants, two-column HTML tables, prose ("A defesa da aluna ... será no
dia ..."), a single "Banca:" line with implicit roles, data inside forwarded messages.
Quoted history (">" lines, whatever follows "Em ..., Fulano escreveu:" or an Outlook
"De:/Enviado:" header) is only read when the message itself holds no field at all.
Nothing is guessed: what cannot be read stays empty, with a problem for staff to check.

Pure Python, no models: services copy the result to DefenseRequest rows.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from defesa.data import ROLES, DefenseData, Member
from defesa.extraction.dates import (
    DATE_PLACEHOLDER_RE,
    TIME,
    TIME_PLACEHOLDER_RE,
    find_date,
    read_date,
    read_time,
)
from defesa.extraction.findings import GROUP_LABELLED, LABELLED, SIDE, Findings, Group
from defesa.extraction.labels import (
    COMMITTEE,
    COMMITTEE_INTRO,
    CONTINUATION_LINES,
    DATETIME,
    MEMBER_KINDS,
    SCALARS,
    Labelled,
    expand_tables,
    is_label_line,
    match_label,
    split_inner_labels,
)
from defesa.extraction.parts import CLOSING, split_parts
from defesa.extraction.people import (
    Institutions,
    Person,
    add_committee,
    as_member,
    clean_name,
    looks_like_name,
    member_line,
    parse_person,
    split_members,
    substitute_problem,
)
from defesa.extraction.prose import read_prose
from defesa.extraction.text import (
    LazyPattern,
    blank_out,
    collapse,
    fold,
    html_lines,
    is_empty,
    strip_bullet,
    text_lines,
)
from defesa.extraction.values import ROOM_PLACEHOLDER_RE, URL, clean_title, read_room, urls

__all__ = [
    "Extraction",
    "extract_defense",
    "merge_defense",
]


_MAX_QUOTE_DEPTH = 6
_MAX_PROBLEMS = 20  # a staff note, not a log: a garbled body must not list thousands


@dataclass
class Extraction:
    data: DefenseData
    missing: list[str]  # data.missing_fields()
    problems: list[str]  # for staff: what could not be read, or was read twice differently


# --- reading one part (own text or a forwarded message) --------------------------------------


class _SegmentReader:
    def __init__(self, lines: list[str], institutions: Institutions) -> None:
        self.lines = expand_tables(lines)
        self.institutions = institutions
        self.found = Findings()
        self.prose: list[str] = []

    def read(self) -> Findings:
        index = 0
        while index < len(self.lines):
            index = self._read_line(index)
        read_prose(self.prose, self.found, self.institutions)
        return self.found

    def _read_line(self, index: int) -> int:
        line = self.lines[index]
        labelled = match_label(line)
        if labelled is None:
            intro = COMMITTEE_INTRO.match(fold(line))
            if intro is None or len(line) > 300:
                self.prose.append(line)
                return index + 1
            labelled = Labelled(COMMITTEE, line[intro.start("rest") :])
        self.prose.append("")  # a form line ends the sentence around it
        parts = split_inner_labels(labelled)
        for part in parts[:-1]:
            self._field(part, [])
        last = parts[-1]
        following = self._following(last, index + 1)
        self._field(last, [self.lines[i] for i in following])
        return following[-1] + 1 if following else index + 1

    def _following(self, labelled: Labelled, start: int) -> list[int]:
        """Indexes of the lines after a label that continue its value."""
        kind, value = labelled.kind, labelled.value.strip(" \t*_")
        if value and _is_explicitly_blank(kind, value):
            return []
        taken: list[int] = []
        index = start
        members = kind in MEMBER_KINDS or kind == COMMITTEE
        while index < len(self.lines) and len(taken) < CONTINUATION_LINES:
            line = self.lines[index]
            if not line.strip():
                # A committee may start after a blank line; nothing else continues past one.
                if members and not value and not taken and index - start < 2:
                    index += 1
                    continue
                break
            if is_label_line(line) or not _continues(kind, line, bool(value or taken)):
                break
            taken.append(index)
            index += 1
            if kind not in ("title",) and not members:
                break  # a single value line
        return taken

    def _field(self, labelled: Labelled, more: list[str]) -> None:
        found = self.found
        found.labels += 1
        kind, value = labelled.kind, labelled.value.strip(" \t")
        value = value.strip("*_ \t") if not URL.search(value) else value.strip(" \t*")
        if value and not more and is_empty(value):
            # "Coorientador: não há" is an answer: it beats a value further down.
            if kind in MEMBER_KINDS:
                found.groups.append(Group(kind, GROUP_LABELLED, []))
            elif kind in SCALARS:
                found.add(kind, None if kind in ("date", "time") else "", LABELLED)
            return
        if kind in MEMBER_KINDS or kind == COMMITTEE:
            self._members(kind, value, more)
            return
        text = collapse(" ".join([value, *more]))
        if kind == "student":
            text = _STUDENT_NOTE.sub("", text)
            if not is_empty(text):
                found.add("student", clean_name(text), LABELLED)
        elif kind == "title":
            title = clean_title(text)
            if title and not is_empty(title):
                found.add("title", title, LABELLED)
        elif kind in ("date", DATETIME):
            self._date(text, with_time=kind == DATETIME)
        elif kind == "time":
            self._time(text, LABELLED)
        elif kind == "room":
            room, links = read_room(text)
            if room:
                found.add("room", room, LABELLED)
            for link in links[:1]:
                found.add("link", link, SIDE)
        elif kind == "link":
            cleaned = fold(text).replace("(se n houver, deixar em branco)", "")
            links = urls(text)
            if links:
                found.add("link", links[0], LABELLED)
            elif not is_empty(cleaned):
                found.problem(_("the link “%(value)s” is not a web address") % {"value": text})

    def _date(self, text: str, *, with_time: bool) -> None:
        text = blank_out(text, DATE_PLACEHOLDER_RE)
        if is_empty(text):
            return
        date, span, problem = read_date(text)
        if date is not None:
            self.found.add("date", date, LABELLED)
        elif problem and not (with_time and TIME.search(fold(text)) and span is None):
            self.found.problem(problem)
        rest = text if span is None else text[: span[0]] + " " + text[span[1] :]
        if TIME.search(fold(rest)):
            self._time(rest, LABELLED if with_time else SIDE)

    def _time(self, text: str, priority: int) -> None:
        folded = collapse(fold(text)).strip(" .,;")
        if is_empty(folded) or TIME_PLACEHOLDER_RE.match(folded):
            return
        found, _written, problem = read_time(text)
        if found is not None:
            self.found.add("time", found, priority)
        elif problem and priority == LABELLED:
            self.found.problem(problem)

    def _members(self, kind: str, value: str, more: list[str]) -> None:
        texts = [value, *more] if value else more
        people: list[Person] = []
        for text in texts:
            text = strip_bullet(text)
            if is_empty(text):
                continue
            for item in split_members(text, self.institutions):
                person = parse_person(item, self.institutions)
                if person is not None:
                    people.append(person)
        if kind == COMMITTEE:
            add_committee(people, self.found, self.institutions)
            return
        members = []
        for person in people:
            if person.substitute:
                self.found.problem(substitute_problem(person))
            else:
                members.append(as_member(person, kind))
        if members:
            self.found.groups.append(Group(kind, GROUP_LABELLED, members))


# "Maria Souza (matrícula 20231234)": a note, not part of the name.
_STUDENT_NOTE = LazyPattern(
    r"\s*[(\[][^()\[\]]*(?:\d|matr[ií]cula|ra\b)[^()\[\]]*[)\]]\s*$", re.IGNORECASE
)


def _is_explicitly_blank(kind: str, value: str) -> bool:
    """A value that says "nothing here" (so the next line is not this field's value)."""
    folded = fold(value)
    if kind in ("date", DATETIME):
        folded = DATE_PLACEHOLDER_RE.sub("", folded)
    elif kind == "time":
        folded = collapse(folded)
        if TIME_PLACEHOLDER_RE.match(folded.strip(" .")):
            return True
    elif kind == "room":
        folded = ROOM_PLACEHOLDER_RE.sub("", folded)
    elif kind == "link":
        folded = folded.replace("(se n houver, deixar em branco)", "")
    return is_empty(folded)


def _continues(kind: str, line: str, has_value: bool) -> bool:
    """Can ``line`` (not a label) carry the value of the label above it?"""
    text = strip_bullet(line)
    if not text or CLOSING.match(fold(text)):
        return False
    if kind in MEMBER_KINDS or kind == COMMITTEE:
        return member_line(text)
    if has_value:
        return kind == "title"  # a long title wraps; other values fit on their line
    folded = fold(text)
    if kind == "student":
        return looks_like_name(text, max_words=10)
    if kind == "title":
        return len(text) <= 400
    if kind in ("date", DATETIME):
        return find_date(folded) is not None or bool(DATE_PLACEHOLDER_RE.search(folded))
    if kind == "time":
        return bool(TIME.search(folded))
    if kind == "link":
        return bool(URL.search(text))
    if kind == "room":
        return len(text.split()) <= 8 and not text.endswith((".", "?", "!"))
    return False


# --- putting it together ---------------------------------------------------------------------


@dataclass
class _Result:
    data: DefenseData
    problems: list[str]

    def score(self) -> tuple[int, int]:
        data = self.data
        missing = len(data.missing_fields())
        extra = bool(data.room) + bool(data.link) + len(data.members)
        return (-missing, extra)


def _read_lines(lines: list[str], institutions: Institutions, depth: int = 0) -> _Result:
    parts, quoted = split_parts(lines)
    findings = [_SegmentReader(part, institutions).read() for part in parts]
    if all(f.found_nothing() for f in findings) and quoted and depth < _MAX_QUOTE_DEPTH:
        return _read_lines(quoted, institutions, depth + 1)
    return _assemble(findings)


def _shown(value: object) -> str:
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value)


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return collapse(fold(a)) == collapse(fold(b))
    return a == b


def _assemble(findings: list[Findings]) -> _Result:
    data = DefenseData()
    problems: list[str] = []
    for name in SCALARS:
        candidates = sorted(
            (
                (value.priority, part, order, value)
                for part, found in enumerate(findings)
                for order, value in enumerate(found.values)
                if value.field == name
            ),
            key=lambda c: c[:3],
        )
        if not candidates:
            continue
        best_priority, best_part, _order, best = candidates[0]
        if not best.value:
            continue  # "não há": the field was answered empty
        setattr(data, name, best.value)
        for priority, part, _order, other in candidates[1:]:
            if not other.value or _same(best.value, other.value):
                continue
            # Prose within one part may mention other dates; two forms, or two parts, may not.
            if best_priority == priority == LABELLED or part != best_part:
                problems.append(
                    _(
                        "two different values for the %(field)s: “%(first)s” and “%(second)s”; "
                        "the first one was kept"
                    )
                    % {"field": name, "first": _shown(best.value), "second": _shown(other.value)}
                )
                break

    chosen: list[tuple[tuple[int, int], str, list[Member]]] = []
    for role in ROLES:
        keyed: dict[tuple[int, int], list[Member]] = {}
        for part, found in enumerate(findings):
            for group in found.groups:
                if group.role == role:
                    keyed.setdefault((group.priority, part), []).extend(group.members)
        if keyed:
            key = min(keyed)
            chosen.append((key, role, keyed[key]))
    taken: set[str] = set()
    by_role: dict[str, list[Member]] = {}
    for _key, role, members in sorted(chosen, key=lambda c: (c[0], ROLES.index(c[1]))):
        for member in members:
            name = collapse(fold(member.name))
            if name not in taken:
                taken.add(name)
                by_role.setdefault(role, []).append(member)
    data.members = [m for role in ROLES for m in by_role.get(role, [])]

    for found in findings:
        for message in found.problems:
            if message not in problems:
                problems.append(message)
        for name in found.unclear:
            message = _("the role of %(name)s is not clear") % {"name": name}
            if collapse(fold(name)) not in taken and message not in problems:
                problems.append(message)
    return _Result(data, problems[:_MAX_PROBLEMS])


def extract_defense(
    *,
    body_text: str,
    body_html: str = "",
    own_institutions: Sequence[str] = ("Ifes", "Instituto Federal do Espírito Santo"),
) -> Extraction:
    """The defence data written in an email (its text and, when given, its HTML body: the
    reading that finds more is kept). ``own_institutions`` name the program's institution:
    in a committee list, its members are internal and everyone else's are external."""
    institutions = Institutions(own_institutions)
    results: list[_Result] = []
    if body_text and body_text.strip():
        results.append(_read_lines(text_lines(body_text), institutions))
    if body_html and body_html.strip():
        results.append(_read_lines(html_lines(body_html), institutions))
    # The first reading (the text) wins a tie.
    result = max(results, key=_Result.score) if results else _Result(DefenseData(), [])
    return Extraction(
        data=result.data, missing=result.data.missing_fields(), problems=result.problems
    )


# --- the answer to the form, and the form ----------------------------------------------------


def merge_defense(current: DefenseData, answer: DefenseData) -> tuple[DefenseData, list[str]]:
    """``current`` updated with the professor's answer: a value in the answer wins; a role
    listed in the answer replaces that role's members. Returns the merged data (a new
    object) and the names of the fields that changed."""
    merged = copy.deepcopy(current)
    changed: list[str] = []
    for name in SCALARS:
        value = getattr(answer, name)
        if value and value != getattr(current, name):
            setattr(merged, name, value)
            changed.append(name)
    members: list[Member] = []
    for role in ROLES:
        mine, theirs = current.by_role(role), answer.by_role(role)
        if theirs and theirs != mine:
            changed.append(role)
            members.extend(copy.deepcopy(theirs))
        else:
            members.extend(copy.deepcopy(mine))
    merged.members = members
    return merged, changed
