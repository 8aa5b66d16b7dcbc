"""The defence data of an email, put together from what its parts say.

Each part of the message is read (the quoted history only when the parts hold nothing).
For each field, a value read at its own label beats one from another field's line or from
prose, and an earlier part beats a later one; a different value from another form or part
is a problem for staff. Each role takes its members from its best source, and a person is
listed once. Both the text and the HTML body are read, and the reading that finds more is
kept. merge_defense applies the professor's answer to what was known.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from defesa.data import ROLES, DefenseData, Member
from defesa.extraction.findings import LABELLED, Findings
from defesa.extraction.labels import SCALARS
from defesa.extraction.parts import split_parts
from defesa.extraction.people import Institutions
from defesa.extraction.segment import SegmentReader
from defesa.extraction.text import collapse, fold, html_lines, text_lines

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
    # how each value was read: field -> LABELLED, SIDE or PROSE (findings), and each role
    # -> GROUP_LABELLED (its own label) or GROUP_COMMITTEE (a committee list or prose)
    read_from: dict[str, int] = field(default_factory=dict)


# --- putting it together ---------------------------------------------------------------------


@dataclass
class _Result:
    data: DefenseData
    problems: list[str]
    read_from: dict[str, int] = field(default_factory=dict)

    def score(self) -> tuple[int, int]:
        data = self.data
        missing = len(data.missing_fields())
        extra = bool(data.room) + bool(data.link) + len(data.members)
        return (-missing, extra)


def _read_lines(
    lines: list[str], institutions: Institutions, depth: int = 0, reference=None
) -> _Result:
    parts, quoted = split_parts(lines)
    findings = [SegmentReader(part, institutions, reference).read() for part in parts]
    if all(f.found_nothing() for f in findings) and quoted and depth < _MAX_QUOTE_DEPTH:
        return _read_lines(quoted, institutions, depth + 1, reference)
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
    read_from: dict[str, int] = {}
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
        read_from[name] = best_priority
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
            read_from[role] = key[0]
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
    return _Result(data, problems[:_MAX_PROBLEMS], read_from)


def extract_defense(
    *,
    body_text: str,
    body_html: str = "",
    own_institutions: Sequence[str] = ("Ifes", "Instituto Federal do Espírito Santo"),
    reference=None,
) -> Extraction:
    """The defence data written in an email (its text and, when given, its HTML body: the
    reading that finds more is kept). ``own_institutions`` name the program's institution:
    in a committee list, its members are internal and everyone else's are external.
    ``reference`` (the email's date) gives the year of a date written without one."""
    institutions = Institutions(own_institutions)
    results: list[_Result] = []
    if body_text and body_text.strip():
        results.append(_read_lines(text_lines(body_text), institutions, reference=reference))
    if body_html and body_html.strip():
        results.append(_read_lines(html_lines(body_html), institutions, reference=reference))
    # The first reading (the text) wins a tie.
    result = max(results, key=_Result.score) if results else _Result(DefenseData(), [])
    return Extraction(
        data=result.data,
        missing=result.data.missing_fields(),
        problems=result.problems,
        read_from=result.read_from,
    )


# --- the answer to the form -----------------------------------------------------------------


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
