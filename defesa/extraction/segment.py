"""One part of a message read: its form lines, then the rest as prose.

Each label takes the lines that continue its value (a long title wraps; members may follow
on lines of their own, even after a blank line), tables are first turned into labelled
lines, and every line that is not part of the form is read as running text.
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from defesa.data import ADVISOR
from defesa.extraction.dates import (
    DATE_PLACEHOLDER_RE,
    TIME,
    TIME_PLACEHOLDER_RE,
    find_date,
    read_date,
    read_time,
    spell_numbers,
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
from defesa.extraction.parts import CLOSING
from defesa.extraction.people import (
    Institutions,
    Person,
    add_committee,
    as_member,
    clean_name,
    is_marker,
    looks_like_name,
    member_line,
    parse_person,
    split_honorific,
    split_members,
    substitute_problem,
)
from defesa.extraction.prose import read_prose
from defesa.extraction.text import LazyPattern, blank_out, collapse, fold, is_empty, strip_bullet
from defesa.extraction.values import ROOM_PLACEHOLDER_RE, URL, clean_title, read_room, urls

# A day and its month, with no year ("8 de julho", "15/6"): a date line, not a title's.
_DAY_MONTH = LazyPattern(r"\b\d{1,2}\s+de\s+[a-z]{3,9}\b|(?<![\d/])\d{1,2}/\d{1,2}(?![\d/])")

# Lines in a row that name doctors make a committee even with no label above them.
_COMMITTEE_RUN = 3


class SegmentReader:
    """Reads one part of a message (its own text, or a forwarded message)."""

    def __init__(
        self, lines: list[str], institutions: Institutions, reference: datetime.date | None = None
    ) -> None:
        self.lines = expand_tables(lines)
        self.institutions = institutions
        self.reference = reference  # the email's date: the year of "22/06"
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
        if labelled is None and self._unlabelled_committee(index):
            labelled = Labelled(COMMITTEE, line)
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

    def _unlabelled_committee(self, index: int) -> bool:
        """Whether a committee starts at ``index`` with no label above it: three lines or
        more in a row, each a doctor's name ("Prof. Dr. Fulano - Ifes"), and no committee
        read before them."""
        if any(g.members for g in self.found.groups) or self.found.unclear:
            return False
        if index and member_line(strip_bullet(self.lines[index - 1]).strip()):
            return False  # the start of such a run, not its middle
        run = 0
        for line in self.lines[index : index + _COMMITTEE_RUN]:
            text = strip_bullet(line).strip()
            if not text or is_label_line(text) or not split_honorific(text)[0]:
                break
            run += 1
        return run >= _COMMITTEE_RUN

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
                if members and taken and self._next_block(index + 1):
                    taken.append(index)  # one member's block after another's
                    index += 1
                    continue
                break
            bare_role = members and taken and ":" not in line and is_marker(strip_bullet(line))
            if (is_label_line(line) and not bare_role) or not _continues(
                kind, line, bool(value or taken)
            ):
                break
            taken.append(index)
            index += 1
            if kind not in ("title",) and not members:
                break  # a single value line
        return taken

    def _my_advisor(self) -> Person | None:
        """The advisor a student names in their own words ("minha orientadora, a Profa.
        Cristina Horta, pediu..."), as a committee member presiding it."""
        for line in self.lines:
            for match in _MY_ADVISOR_NAMED.finditer(line):
                name = clean_name(match["name"])
                if looks_like_name(name) and len(name.split()) >= 2:
                    return Person(name=name, roles=[ADVISOR])
        return None

    def _next_block(self, index: int) -> bool:
        """Whether a member's block starts at ``index``, after a blank line: a name on its
        line, then its institution, role or address on the next ("Fulano de Tal\nUFES\n
        fulano@ufes.br")."""
        lines = self.lines[index : index + 2]
        if len(lines) < 2 or not lines[1].strip() or is_label_line(lines[0]):
            return False
        first = strip_bullet(lines[0]).strip()
        return member_line(first) and not self.institutions.looks_like(first)

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
            text = _STUDENT_TAIL.sub("", _STUDENT_NOTE.sub("", text))
            if not is_empty(text):
                found.add("student", clean_name(text), LABELLED)
        elif kind == "title":
            title = clean_title(text)
            if title and not is_empty(title):
                found.add("title", title, SIDE if labelled.english_title else LABELLED)
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
        date, span, problem = read_date(text, self.reference)
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
        if any(not t.strip() for t in texts):
            texts = _blocks(texts)
        texts = _unwrapped(texts)
        people: list[Person] = []
        for text in texts:
            text = strip_bullet(text)
            if is_empty(text):
                continue
            for item in split_members(text, self.institutions):
                if _MY_ADVISOR.fullmatch(collapse(fold(item)).strip(" .,;")):
                    # "Banca: minha orientadora, o prof X e ...": the advisor named
                    # elsewhere ("minha orientadora, a Profa. Y, pediu..."), else nobody
                    person = self._my_advisor()
                else:
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


# "minha orientadora", "meu orientador", "my advisor" in a committee list (folded).
_MY_ADVISOR = LazyPattern(
    r"(?:(?:a|o|e)\s+)?(?:minha|meu|my)\s+(?:orientador(?:a)?|advisor|supervisor)"
    r"(?:\s*\((?:orientador(?:a)?|presidente|advisor|chair)\))?"
)
# ... and where the student names them: "minha orientadora, a Profa. Cristina Horta".
_MY_ADVISOR_NAMED = LazyPattern(
    r"(?i:\b(?:minha\s+orientadora|meu\s+orientador|my\s+(?:advisor|supervisor))\s*[,:(]?\s*"
    r"(?:(?:a|o)\s+)?(?:(?:prof(?:essora|essor|a|ª)?|dr(?:a|ª)?)\.?\s+){0,2})"
    r"(?P<name>[A-ZÀ-Þ][\w'’-]+(?:\s+(?:(?:d[aeo]s?|e)\s+)?[A-ZÀ-Þ][\w'’-]+){1,6})"
)
_ADDRESS_LINE = LazyPattern(r"^\s*(?:e-?mail\s*:\s*)?<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?\s*$", re.I)


# A list's line cut inside a name: "..., Prof. Dr. Otávio" / "Lemos Bittencourt (Ifes) e ...".
_CUT_NAME_END = LazyPattern(r",[^,]*\b[A-ZÀ-Þ][\w'’-]+\s*$")
_NAME_GOES_ON = LazyPattern(r"^\s*[A-ZÀ-Þ][\w'’-]+(?:\s+[A-ZÀ-Þ][\w'’-]+)*\s*(?:\(|,|\s+e\s)")


def _unwrapped(texts: list[str]) -> list[str]:
    """The lines of a committee written as one sentence and wrapped by the mail client,
    joined where the wrap cut a name."""
    joined: list[str] = []
    for text in texts:
        if (
            joined
            and _CUT_NAME_END.search(joined[-1])
            and _NAME_GOES_ON.match(text)
            and not split_honorific(text.strip() + " x")[0]
        ):
            joined[-1] = f"{joined[-1].rstrip()} {text.strip()}"
        else:
            joined.append(text)
    return joined


def _blocks(texts: list[str]) -> list[str]:
    """Members written one block each, blocks apart by blank lines: the block's first line
    is the person, the others (institution, role) annotate it; addresses are left out."""
    blocks: list[list[str]] = [[]]
    for text in texts:
        if not text.strip():
            blocks.append([])
        elif not _ADDRESS_LINE.match(text):
            blocks[-1].append(strip_bullet(text).strip())
    return [" – ".join(block) for block in blocks if block]


# "Maria Souza Matrícula 20231234" (a table's cell with two lines): the next field's.
_STUDENT_TAIL = LazyPattern(
    r"\s*[-–—,|]?\s+(?:matr[ií]cula|n[º°o]\.?\s+de\s+matr[ií]cula|ra|cpf|e-?mail|curso)\b.*$",
    re.IGNORECASE,
)
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
        # a member's block goes on with its role and its address ("Membro externo")
        return member_line(text) or is_marker(text) or bool(_ADDRESS_LINE.match(text))
    folded = fold(text)
    if has_value:
        # a long title wraps; other values fit on their line; a line with the date or the
        # time is the next piece of data ("Dia oito de julho, às 10 horas")
        spelled = spell_numbers(folded)
        return kind == "title" and not (
            find_date(spelled) or _DAY_MONTH.search(spelled) or TIME.search(spelled)
        )
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
