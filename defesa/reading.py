"""Reading a defence request email: the form reader (defesa.extraction) and the sentence
reader (defesa.sentences) together, and what a person must check.

1. The mail client's header blocks of forwarded and quoted messages are blanked first
   (their "Data:" is the forward's date, not the defence's).
2. The form reader reads labelled fields, tables and committee lists.
3. The sentence reader fills what the form reader left empty, in the words of the writer
   of the request (the original sender of a forward): "comigo", "eu", "por mim" are them.
4. What the writer calls "eu" in a committee list is the writer; a placeholder ("a
   definir", "xxx", "[preencher]", "—") is no value; a value the text says is unknown
   stays empty, so the request waits for data.
5. A reply ("Re: ...") with the earlier messages quoted below it: what the new text does
   not say is read from the quoted history (a reschedule gives the new date and leaves
   the title and the committee to the message it answers), marked for a person to check.
6. Each value keeps where it was read (a span of the email's text, when it can be found
   there) and a value read from a sentence is marked for a person to check.
"""

from __future__ import annotations

import copy
import datetime
import functools
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from defesa import extraction, sentences
from defesa.data import (
    ADVISOR,
    COADVISOR,
    EXTERNAL,
    INTERNAL,
    MONTHS,
    ROLES,
    DefenseData,
    Member,
)
from defesa.extraction.findings import GROUP_COMMITTEE, PROSE
from defesa.extraction.people import Institutions, split_honorific
from defesa.extraction.values import MEETING_HOST, urls
from emails.forwards import (
    forward_span,
    header_blocks,
    history_start,
    history_text,
    reply_start,
    split_sender,
)

SCALARS = ("student", "title", "date", "time", "room", "link")

_PLACEHOLDER = re.compile(
    r"^\s*(?:(?:sala|room|local)\s+)?(?:a\s+definir|a\s+confirmar|a\s+ser\s+(?:definid|confirmad)[oa]|"
    r"indefinid[oa]|tbd|tba|n/?d|xx+|\?+|[-–—_.]+|\[[^\]]*\]|\([^)]*\)|<[^>]*>|pendente|"
    r"em\s+aberto|ainda\s+n[aã]o\s+\w+.*|ainda\s+em\s+(?:ajuste|revis[aã]o|defini[cç][aã]o|"
    r"aberto|andamento|discuss[aã]o|elabora[cç][aã]o)\b.*)\s*$",
    re.I,
)
_ME = re.compile(r"^(?:eu|mim|comigo|eu\s+mesm[oa]|myself|me)$", re.I)
_SENTENCE_END = re.compile(r"\s*\.\s")
_PARTICLES = {"da", "de", "do", "das", "dos", "e", "di", "van", "von", "der", "del"}
# A remark after a value: "205 (mantida)", "10h (mantido)".
_REMARK = re.compile(r"\s*\([a-zà-ÿ ]+\)\s*$")


def _cut_run_on(name: str) -> str:
    """A name the form reader ran on into the next sentence ("Adriano Lacerda. O Adriano
    vem presencialmente") ends where that sentence starts."""
    for match in _SENTENCE_END.finditer(name):
        rest = name[match.end() :].split()
        if any(w[:1].islower() and w not in _PARTICLES for w in rest):
            return name[: match.start()].strip()
    return name


@dataclass
class Reading:
    data: DefenseData
    problems: list[str]
    # field -> {"start", "end", "rule", "check"}; members as "member:<index>"
    provenance: dict[str, dict] = field(default_factory=dict)
    # fields the writer says will come later ("Link: (envio depois)", "o link eu mando
    # depois"): the request waits for them even when they are not required
    promised: list[str] = field(default_factory=list)
    # how many defences the email asks for, and which of them this reading is (from 0)
    defences: int = 1
    part: int = 0
    # for staff, when the email asks for several: which one this is, and the others
    several: str = ""

    @property
    def missing(self) -> list[str]:
        return self.data.missing_fields()

    @property
    def checks(self) -> dict[str, str]:
        return {k: v["check"] for k, v in self.provenance.items() if v.get("check")}


# A student's label at the start of a line: a second one starts a second defence.
_STUDENT_LABEL = re.compile(
    r"^[ \t>*-]*(?:nome\s+completo\s+(?:d[oa]\s+)?alun[oa]|alun[oa]|discente|mestrand[oa]|"
    r"estudante|student|candidat[oa])\s*[:\t]\s*\S",
    re.I | re.M,
)


def defence_blocks(text: str) -> list[tuple[int, int]]:
    """Where each defence of an email starts and ends: one block, or one per student
    label when the email lists several defences ("DEFESA 1 ... DEFESA 2 ...")."""
    starts = [m.start() for m in _STUDENT_LABEL.finditer(text[: reply_start(text)])]
    if len(starts) < 2:
        return [(0, len(text))]
    # a block begins at the heading line above its student label, if any
    bounds = []
    for start in starts:
        previous = text.rfind("\n", 0, max(start - 1, 0))
        heading = text[previous + 1 : start].strip()
        bounds.append(previous + 1 if heading and len(heading) < 40 else start)
    bounds[0] = 0
    return [(a, b) for a, b in zip(bounds, [*bounds[1:], len(text)], strict=True)]


_QUOTED_LINE = re.compile(r"^[ \t]*>[ >\t]*(?P<content>.*?)[ \t]*$")
_QUESTION_END = re.compile(r"[?:]$")
# The field a question asks for: "Qual o título do trabalho?", "E a data da defesa?"
_ASKED_FIELD = re.compile(
    r"\b(?P<field>t[ií]tulo|data|hor[aá]rio|local|sala|link|banca|composi[cç][aã]o|"
    r"orientador|coorientador|membro)",
    re.I,
)
_ASKED_WHERE = re.compile(r"^(?:e\s+)?(?:onde|quando)\b", re.I)


def _answers_below_questions(text: str) -> str:
    """A reply that answers the quoted questions one by one, each answer unquoted below its
    question ("> 1) Título do trabalho" / "Detecção de ..."): every question joined to its
    answer as a label to its value ("> 1) Título do trabalho: Detecção de ..."; "> Qual o
    título?" as "> título: ..."), at the same offsets. Only when two questions or more are
    answered so."""
    start = reply_start(text)
    if start >= len(text):
        return text
    # (where the question's words that ask start and end, its end, the label it stands
    # for when it names no field, its answer's start)
    answered: list[tuple[int, int, int, int]] = []
    offset, question = start, None
    for line in text[start:].split("\n"):
        quoted = _QUOTED_LINE.match(line)
        if quoted:
            content, at = quoted.group("content"), offset + quoted.start("content")
            asked = _ASKED_FIELD.search(content) if content.endswith("?") else None
            ask_end = at + asked.start("field") if asked else at
            question = (at, ask_end, offset + len(line.rstrip()), "") if content else None
            where = _ASKED_WHERE.search(content) if content.endswith("?") else None
            if question and not asked and where and len(content) > 6:
                # "Onde será?", "Quando será?": the field the word asks for, as its label
                label = "Local" if "onde" in where.group(0).lower() else "Data"
                question = (at, at, offset + len(line.rstrip()), label)
        elif line.strip():
            if question is not None:
                answered.append((*question, offset + len(line) - len(line.lstrip())))
            question = None
        offset += len(line) + 1
    if len(answered) < 2:
        return text
    chars = list(text)
    for ask_start, ask_end, end, label, answer in answered:
        chars[ask_start:ask_end] = [" "] * (ask_end - ask_start)
        if label:
            chars[ask_start : end - 1] = list(label.rjust(end - 1 - ask_start))
        gap = [" "] * (answer - end)  # the line ends between them
        if _QUESTION_END.search(text[:end]):
            chars[end - 1] = ":"
        elif gap:
            gap[0] = ":"
        chars[end:answer] = gap
    return "".join(chars)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the spans made spaces (line ends kept, so offsets stay valid)."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


# "Defesa de mestrado – Laís Menegussi Crevelari", "FW: Master's defence of Yuri Tavares"
_SUBJECT_STUDENT = re.compile(
    r"(?i:defesa|defen[cs]e)\b[^-–—:]*?(?:\s*[-–—:]\s*|\s(?i:d[oa]|de|of)\s+|\s+(?=[A-ZÀ-Þ]))"
    r"(?P<name>" + sentences.NAME + r")\s*$"
)
# The writer is the student: "a minha defesa", "my thesis".
_MY_DEFENCE = re.compile(
    r"\b(?:(?:a\s+)?minha\s+(?:defesa|disserta[cç][aã]o)|my\s+(?:defen[cs]e|thesis|dissertation)"
    r"|(?:meu|minha)\s+(?:co-?)?orientador(?:a)?|my\s+(?:co-?)?(?:advisor|supervisor))\b",
    re.I,
)
# ... unless the writer speaks of their own students: then they are the advisor
_MY_STUDENT = re.compile(
    r"\b(?:meu|minha|nosso|nossa)\s+(?:orientand[oa]|alun[oa]|mestrand[oa])|\bmy\s+student\b", re.I
)


def _subject_student(subject: str) -> str:
    match = _SUBJECT_STUDENT.search(subject or "")
    return " ".join(match.group("name").split()) if match else ""


# "Link: (envio depois)", "o link eu mando depois", "mando o link assim que ..."
_PROMISED_LINK = re.compile(
    r"\b(?:link|url|sala\s+virtual|endere[cç]o\s+d[ao]\s+(?:sala|reuni[aã]o|videoconfer[eê]ncia|"
    r"transmiss[aã]o))\b[^\n.]{0,60}?(?:\bdepois\b|\bmais\s+tarde\b|\bem\s+breve\b|\bposteriormente\b|"
    r"\ba\s+(?:definir|confirmar|enviar)\b|\btb[da]\b|\[preencher\]|\b(?:envio|mando|enviarei|"
    r"mandarei|encaminho|encaminharei|passo|passarei)\b)"
    r"|\b(?:envio|mando|enviarei|mandarei|encaminharei|passarei)\s+o\s+(?:link|endere[cç]o)\b"
    # "I will send the video-conference link as soon as ..."
    r"|\b(?:will|'ll|shall)\s+(?:send|share|forward)\s+(?:you\s+)?the\s+[\w\s-]{0,25}?link\b",
    re.I,
)


# A value that only points elsewhere or promises itself: "o mesmo da qualificação",
# "mando depois", "envio o definitivo em breve".
_PROMISE = re.compile(
    r"^\s*(?:o\s+mesmo|a\s+mesma|igual\s+a[o]?|same\s+as)\b|\b(?:mando|envio|enviarei|mandarei|"
    r"passo|passarei|encaminho|encaminharei|informo|informarei|confirmo)\b(?:\s+\S+){0,3}?\s+"
    r"(?:depois|em\s+breve|mais\s+tarde|posteriormente|assim\s+que|at[eé]\s+(?:a\s+|o\s+)?"
    r"(?:segunda|ter[cç]a|quarta|quinta|sexta|s[aá]bado|domingo|amanh[aã]|fim|final|dia)|"
    r"na\s+(?:semana|pr[oó]xima))\b|^\s*(?:mando|envio)\s+depois\b",
    re.I,
)


def _is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value or "") or _PROMISE.search(value or ""))


def _writer_part(text: str, forwarded: bool, subject: str) -> tuple[int, int]:
    """The stretch the writer of the request wrote: the forwarded message of a forward,
    else the text above any quoted history (an attribution line or a quoted header
    block)."""
    if forwarded:
        span = forward_span(text, subject)
        if span is not None:
            end = span[1] + reply_start(text[span[1] :])
            return span[1], end
    return 0, history_start(text)


def _find_when(text: str, value) -> tuple[int, int] | None:
    """Where a date or a time is written: 15/10/2025, 15/10, 15 de outubro, 2025-10-15;
    14h, 14h30, 14:00, "14 horas"."""
    if isinstance(value, datetime.date):
        d, m = value.day, value.month
        month = MONTHS[m - 1]
        pattern = (
            rf"(?<!\d)0?{d}\s*[/.-]\s*0?{m}"
            rf"(?:\s*[/.-]\s*(?:{value.year}|{value.year % 100:02d}))?(?!\d)"
            rf"|(?<!\d)0?{d}(?:º|o)?\s+(?:de\s+)?{month}(?:\s+(?:de\s+)?{value.year})?"
            rf"|{value.year}-{m:02d}-{d:02d}"
        )
    elif isinstance(value, datetime.time):
        h, mi = value.hour, value.minute
        if mi:
            pattern = rf"(?<![\d:/])0?{h}\s*[:h]\s*{mi:02d}\s*(?:h(?:oras?|s|rs?)?\b|min\b)?"
        else:
            pattern = (
                rf"(?<![\d:/])0?{h}"
                r"(?:\s*[:h]\s*00(?:\s*h(?:s|rs?)?\b)?|\s*h(?:oras?|s)?\b|\s+horas?\b)"
            )
    else:
        return None
    match = re.search(pattern, text, re.I)
    return (match.start(), match.end()) if match else None


def _find(text: str, value: str, start: int = 0) -> tuple[int, int] | None:
    """Where a value is written in the text (case and spacing aside), if it is."""
    if not value:
        return None
    pattern = _value_pattern(value)
    match = pattern.search(text, start) if pattern is not None else None
    return (match.start(), match.end()) if match else None


@functools.lru_cache(maxsize=4096)
def _value_pattern(value: str) -> re.Pattern | None:
    """A value's words with any spacing between them (compiled once: a text is searched
    for each of its values many times while read)."""
    words = [re.escape(w) for w in value.split()]
    return re.compile(r"\s+".join(words), re.I) if words else None


# A whole name alone on a line (a signature): "Larissa Mendonça Toledo".
_SIGNED = re.compile(
    r"^[ \t>]*(?P<name>[A-ZÀ-Þ][\w'’-]+(?:[ \t]+(?:(?:d[aeo]s?|e)[ \t]+)?[A-ZÀ-Þ][\w'’-]+){1,6})"
    r"[ \t]*$"
)


# A signature's second line: what the writer is, not who ("Mestranda PPComp").
_SIGNATURE_ROLE = re.compile(
    r"\b(?:mestrand[oa]|doutorand[oa]|alun[oa]|discente|estudante|bolsista|professor(?:a)?|"
    r"coordenador(?:a)?|secret[aá]ri[oa]|ppcomp|ifes|programa|campus|universidade|instituto|"
    r"laborat[oó]rio|student|candidate)\b",
    re.I,
)


def _signed_name(words: str, writer: str) -> str:
    """The writer's whole name when the From header gives a nickname or an abridged one
    ("Lari Toledo", "Tiago B.", "Duda") and their signature the whole ("Larissa Mendonça
    Toledo"), or the same name without its accents ("Silvia" signing "Sílvia"): the
    signature's, among the last lines of their words, if it fits the header (the same first
    name or its start, the initials, the family names); else the header's."""
    parts = writer.split()
    if not parts:
        return writer
    initials = [p.rstrip(".") for p in parts[1:] if re.fullmatch(r"[A-ZÀ-Þ]\.?", p)]
    lines = [line for line in words.split("\n") if line.strip(" \t>")][-6:]
    first = _key(parts[0])
    for line in reversed(lines):
        match = _SIGNED.match(line)
        if match is None:
            continue
        name = " ".join(match["name"].split())
        names = _key(name).split()
        if _key(name) == _key(writer) and len(names) > 1:
            return name  # the header without its accents: "Silvia" signs "Sílvia"
        if len(names) <= len(parts) or _SIGNATURE_ROLE.search(name):
            continue
        if len(parts) > 1 and not names[0].startswith(first):
            continue
        family = [_key(p) for p in parts[1:] if p.rstrip(".") not in initials]
        if all(any(n.startswith(_key(i)) for n in names[1:]) for i in initials) and all(
            f in names for f in family
        ):
            return name
    return writer


def read_defense(
    *,
    body_text: str,
    body_html: str = "",
    writer: str = "",
    forwarded: bool = False,
    subject: str = "",
    own_institutions=("Ifes",),
    reference=None,
    answer: bool = False,
    attachment_names=(),
    part: int = 0,
) -> Reading:
    """`answer`: the email answers our own message (the form sent to the professor): only
    what its writer wrote counts, not the quoted form nor our subject line.
    `attachment_names`: the file names of the email's attachments (a form named after the
    student: "Formulario_Defesa_Mariana_Falqueto.pdf")."""
    text = _answers_below_questions((body_text or "").replace("\r\n", "\n"))
    if writer:
        writer = split_honorific(writer)[1] or writer  # "Profa. Renata Quintão"
        start, end = _writer_part(text, forwarded, subject)
        writer = _signed_name(text[start:end], writer)
    blanked = _blank(text, header_blocks(text))
    blocks = defence_blocks(blanked)
    students = [_block_student(text, b) for b in blocks]
    if len(blocks) == 1 and not answer:
        own_part = blanked[: history_start(text)] if not forwarded else blanked
        blocks, students = _prose_defences(own_part, writer, reference) or (blocks, students)
    part = min(max(part, 0), len(blocks) - 1)
    if len(blocks) > 1:
        # several defences in one email: this reading is the `part`th one's (each has its
        # own request); nothing of the others is mixed in
        start, end = blocks[part]
        blanked = _blank(blanked, [(end, len(blanked)), *([(0, start)] if start else [])])
        body_html = ""
    history = len(text) if forwarded or answer or len(blocks) > 1 else history_start(text)
    if history < len(text) and blanked[:history].strip():
        # a reply: the form reader reads what its writer wrote; the quoted history fills
        # what that leaves empty, below (the HTML holds the history too)
        found = extraction.extract_defense(
            body_text=blanked[:history], own_institutions=own_institutions, reference=reference
        )
    else:
        history = len(text)
        found = extraction.extract_defense(
            body_text=blanked,
            body_html=body_html,
            own_institutions=own_institutions,
            reference=reference,
        )
    data = copy.deepcopy(found.data)
    problems = list(found.problems)
    provenance: dict[str, dict] = {}
    institutions = Institutions(own_institutions)
    start, end = _writer_part(text, forwarded, subject)
    if (
        not data.student
        and writer
        and _MY_DEFENCE.search(blanked, start, end)
        and not _MY_STUDENT.search(blanked, start, end)
        # "my co-advisor (in copy)" from the advisor listed on the committee
        and not any(_key(m.name) == _key(writer) for m in data.members)
    ):
        # the student writes about their own defence (their advisor asked them to)
        data.student = writer
        provenance["student"] = {**_source(None, "sender"), "check": "prose"}
    prose = sentences.read_prose(
        blanked[:end] if start == 0 else _blank(blanked, [(0, start)])[:end],
        student=data.student,
        writer=writer,
        own=institutions.own,
        reference=reference,
    )

    # the form reader's values: placeholders are no value
    for name in SCALARS:
        value = getattr(data, name)
        if isinstance(value, str) and value and _is_placeholder(value):
            setattr(data, name, "")
            continue
        if name == "room" and value and _REMARK.search(value) and _REMARK.sub("", value):
            value = _REMARK.sub("", value)
            data.room = value
        if value and name not in provenance:  # (the writer as the student is set already)
            where = _find(blanked, value) if isinstance(value, str) else _find_when(blanked, value)
            provenance[name] = _source(where, "label")
            if found.read_from.get(name) == PROSE:
                provenance[name].update(rule="prose", check="prose")
    members: list[Member] = []
    for member in data.members:
        name = _cut_run_on(member.name)
        if _ME.match(name) and writer:
            name = writer
        if not name or _is_placeholder(name) or _is_placeholder(member.name):
            continue
        name, said = _name_and_institution(name)
        member.name = name
        if said and not member.institution:
            member.institution = said
        members.append(member)
    data.members = members

    # a member the form reader knows by a first name only ("Gustavo (orientador)") is the
    # person the sentences name in full, with the role they give
    people = {_key(p.name).split()[0]: p for p in prose.members if p.name}
    for member in data.members:
        if len(member.name.split()) == 1 and (person := people.get(_key(member.name))):
            member.name = person.name
            if person.check != "role_from_context":
                member.role = person.role
            member.institution = member.institution or person.institution
    # a role the sentences state next to a person's name beats the form reader's guess
    # from a committee list
    # (and internal or external as the sentences read the institution: "da casa")
    stated = {_key(p.name): p for p in prose.members if not p.writer}
    for member in data.members:
        person = stated.get(_key(member.name))
        if person is None or person.role == member.role or member.role == ADVISOR:
            continue
        if person.role == ADVISOR and any(m.role == ADVISOR for m in data.members):
            continue  # one advisor: "minha orientadora, o prof X e ..." lists two people
        if person.basis == "said" or (
            person.basis == "institution" and {person.role, member.role} <= {INTERNAL, EXTERNAL}
        ):
            member.role = person.role
    # the form reader's own guess from running text yields to the sentence reader's, which
    # reads the time and the place of the sentence about the defence ("terças, das 8h às
    # 12h" in a course offer is no defence time; "na sala de videoconferência" is a room)
    for name in ("time", "room"):
        said = getattr(prose, name)
        if name == "room" and data.room != "Virtual":
            continue  # only "Virtual" read from a word yields to a room the sentence names
        if (
            found.read_from.get(name) == PROSE
            and said is not None
            and said.value != getattr(data, name)
            and name not in prose.unknown
            and not (isinstance(said.value, str) and _is_placeholder(said.value))
        ):
            setattr(data, name, said.value)
            provenance[name] = _said(said, default="prose")
    # a room the sentences give more fully ("auditório" / "auditório do bloco B")
    if (
        prose.room is not None
        and data.room
        and re.sub(r"^(?:sala|room)\s+", "", _key(str(prose.room.value))).startswith(
            re.sub(r"^(?:sala|room)\s+", "", _key(data.room))
        )
        and len(str(prose.room.value)) > len(data.room)
    ):
        data.room = prose.room.value
        provenance["room"] = _said(prose.room)

    # what the sentences say fills what the form reader left empty
    for name in ("student", "title", "date", "time", "room"):
        value = getattr(prose, name)
        if (
            value is not None
            and not getattr(data, name)
            and name not in prose.unknown
            and not (isinstance(value.value, str) and _is_placeholder(value.value))
        ):
            setattr(data, name, value.value)
            provenance[name] = _said(value)
    if not data.link and "link" not in prose.unknown:
        # a meeting's address in the writer's sentences ("vai ser online: https://meet...")
        meetings = {u: None for u in urls(blanked[start:end]) if MEETING_HOST.search(u)}
        if len(meetings) == 1:
            data.link = next(iter(meetings))
            provenance["link"] = {**_source(_find(text, data.link), "prose"), "check": "prose"}
    if data.link and "link" not in provenance:
        provenance["link"] = _source(_find(text, data.link), "label")
    known = {_key(m.name) for m in data.members}
    roles = {m.role for m in data.members}
    # an institution written next to a member ("(Itaú Unibanco)") is no other member
    affiliations = "".join(f" {_key(m.institution)} |" for m in data.members if m.institution)
    for person in prose.members:
        if _key(person.name) in known or _first_name_known(person.name, data.members):
            continue
        if not person.honorific and f" {_key(person.name)} " in affiliations:
            continue
        if data.members and person.role in roles and person.role == ADVISOR:
            continue  # one advisor
        if person.role in prose.unknown:
            continue
        data.members.append(
            Member(
                role=person.role,
                name=person.name,
                honorific=person.honorific,
                institution=person.institution,
            )
        )
        known.add(_key(person.name))
    internal_listed = {_key(m.name) for m in data.members if m.role == INTERNAL}
    if (
        writer
        and found.read_from.get(INTERNAL) == GROUP_COMMITTEE
        and not any(m.role == ADVISOR for m in data.members)
    ):
        # a professor who sends the request and lists themself, unlabelled, among the
        # committee is its advisor (a co-advisor or a member says what they are)
        for member in data.members:
            if member.role == INTERNAL and _key(member.name) == _key(writer):
                member.role = ADVISOR
    if found.read_from.get(INTERNAL) == GROUP_COMMITTEE and not any(
        m.role == ADVISOR for m in data.members
    ):
        # a committee listed with no roles at all: its president, the advisor, heads it
        _first_listed_presides(data.members, blanked)
    # the advisor found by those two rules, from a list with no roles: a person checks
    presiding = {_key(m.name) for m in data.members if m.role == ADVISOR} & internal_listed
    data.members.sort(key=lambda m: ROLES.index(m.role))
    # each member's source, in their final order: a sentence, or the form
    prose_people = {_key(p.name): p for p in prose.members}
    for index, member in enumerate(data.members):
        person = prose_people.get(_key(member.name))
        if person is not None and _key(member.name) not in _form_names(found.data):
            provenance[f"member:{index}"] = {
                "start": person.start,
                "end": person.end,
                "rule": "sender" if person.writer else "prose",
                "check": person.check or "prose",
            }
        else:
            provenance[f"member:{index}"] = _source(_find(text, member.name), "label")
            if found.read_from.get(member.role) == GROUP_COMMITTEE:
                # a committee list: the role came from "(orientador)" or the institution
                provenance[f"member:{index}"]["rule"] = "committee"
                if member.role in (INTERNAL, EXTERNAL):
                    provenance[f"member:{index}"]["check"] = "role_from_context"
            elif _key(member.name) in presiding:
                provenance[f"member:{index}"].update(rule="committee", check="role_from_context")
    for name in prose.unknown & set(SCALARS):
        if provenance.get(name, {}).get("rule") == "prose":
            setattr(data, name, "" if name not in ("date", "time") else None)
            provenance.pop(name, None)
    if not answer and not data.student and (named := _subject_student(subject)):
        data.student = named
        provenance["student"] = {**_source(None, "subject"), "check": "from_subject"}
    if not answer and not data.student and (named := _attachment_student(attachment_names)):
        data.student = named
        provenance["student"] = {**_source(None, "attachment"), "check": "from_attachment"}
    if history < len(text):
        _fill_from_history(
            data,
            provenance,
            history_text(blanked, history),
            writer=writer,
            institutions=institutions,
            own_institutions=own_institutions,
            reference=reference,
            unknown=prose.unknown,
        )
    if not answer and not data.student and len(blocks) == 1:
        sender = _sender_student(text, blanked, data, writer=writer, forwarded=forwarded)
        if sender:
            data.student = sender
            provenance["student"] = {**_source(None, "sender"), "check": "sender_assumed"}
    _replaced_member(data, provenance, text, forwarded=forwarded, subject=subject)
    _fuller_student(data, provenance, text)
    _drop_the_student(data, provenance)
    promised = ["link"] if not data.link and _PROMISED_LINK.search(blanked[:end]) else []
    several = ""
    if len(blocks) > 1:
        several = _(
            "this email asks for %(count)d defences, each with its own request: this is "
            "defence %(number)d (the others: %(others)s)"
        ) % {
            "count": len(blocks),
            "number": part + 1,
            "others": "; ".join(s for i, s in enumerate(students) if i != part),
        }
        provenance.setdefault("student", _source(None, "label"))
        provenance["student"]["check"] = "several_defences"
    return Reading(
        data=data,
        problems=problems,
        provenance=provenance,
        promised=promised,
        defences=len(blocks),
        part=part,
        several=several,
    )


# A sender that is an office, not a person: "Secretaria PPComp", "Coordenação".
_OFFICE = re.compile(
    r"\b(?:secretaria|coordena[cç][aã]o|coordenadoria|programa|ppcomp|ifes|"
    r"p[oó]s-?gradua[cç][aã]o|no-?reply|office)\b",
    re.I,
)
_HEADER_FROM = re.compile(r"^[ \t>*]*(?:de|from)[ \t]*\**[ \t]*:(?P<value>.*)$", re.I | re.M)


# The words of a form's file name that are not the student's name.
_FILE_WORDS = re.compile(
    r"^(?:formul[aá]rio|form|defesa|solicita[cç][aã]o|requerimento|pedido|agendamento|"
    r"disserta[cç][aã]o|mestrado|banca|ata|anexo|ppcomp|ifes|final|vers[aã]o|v\d+|"
    r"assinad[oa]|modelo|termo|ficha|cadastro|proposta|documento|digitalizad[oa]|arquivo|"
    r"scan|imagem|image|comprovante|declara[cç][aã]o|resumo|abstract|capa|relat[oó]rio|carta|"
    r"convite|folha|aprova[cç][aã]o|catalogr[aá]fica|errata|apresenta[cç][aã]o|slides|artigo|"
    r"trabalho|texto|c[oó]pia|\d+)$",
    re.I,
)


def _attachment_student(names) -> str:
    """The student named in an attached form's file name ("Formulario_Defesa_Mariana_
    Cordeiro_Falqueto.pdf" -> "Mariana Cordeiro Falqueto"): two or more capitalised words
    (particles between them) that are no form's words; only when the files name one."""
    found: dict[str, str] = {}
    for name in names or ():
        stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name or "")
        run: list[str] = []
        runs: list[list[str]] = []
        for word in [*re.split(r"[\s_.+-]+", stem), ""]:
            capital = word[:1].isupper() and word[1:2].islower() and not _FILE_WORDS.match(word)
            if capital or (run and word.lower() in _PARTICLES - {"e"}):
                run.append(word)
                continue
            runs.append(run)
            run = []
        for words in runs:
            while words and words[-1].lower() in _PARTICLES:
                words.pop()
            if len(words) >= 2:
                found.setdefault(_key(" ".join(words)), " ".join(words))
    return next(iter(found.values())) if len(found) == 1 else ""


_STAFF_TITLE = r"(?:prof(?:essor)?a?|prof\.?ª|dra?|drª|coordenador(?:a)?)\.?"


def _signs_as_staff(words: str, sender: str) -> bool:
    """Whether the sender signs as a professor or the coordinator ("Prof. Gustavo",
    "Profa. Dra. Larissa Gama", "Coordenador do PPComp"): no student does."""
    first = re.escape(sender.split()[0])
    return bool(
        re.search(rf"\b{_STAFF_TITLE}(?:\s+{_STAFF_TITLE})*\s+{first}\b", words, re.I)
        or re.search(r"^\s*coordena(?:dor|dora|[cç][aã]o)\b", words, re.I | re.M)
    )


def _sender_student(
    text: str, blanked: str, data: DefenseData, *, writer: str, forwarded: bool
) -> str:
    """Who sent the request, when nobody else is named as the student: the person who
    wrote the message holding the data (the innermost one of a chain of forwards) and is
    not on the committee, nor speaks of their students ("meu orientando"), nor is an
    office. A request is written by the student, their advisor or the coordination."""
    # each sender with the words they wrote themself
    senders = [(writer, blanked[: history_start(text)])]
    if forwarded:
        blocks = header_blocks(text)
        ends = [start for start, _end in blocks[1:]] + [len(text)]
        senders = []
        for (start, end), next_start in zip(blocks, ends, strict=True):
            match = _HEADER_FROM.search(text, start, end)
            if match:
                senders.append((split_sender(match.group("value"))[0], blanked[end:next_start]))
    for sender, own_words in reversed(senders):
        sender = " ".join(sender.split())
        if len(sender.split()) < 2 or _OFFICE.search(sender) or "@" in sender:
            continue
        if _key(sender) in _form_names(data) or _first_name_known(sender, data.members):
            continue
        if _MY_STUDENT.search(own_words) or _signs_as_staff(own_words, sender):
            continue
        return sender
    return ""


def _first_listed_presides(members: list[Member], text: str) -> None:
    """The first of three or more members listed without roles is the advisor (the
    committee's president heads its list), when they are of the program's own."""
    if len(members) < 3 or any(m.role == COADVISOR for m in members):
        return
    written = [(where[0], m) for m in members if (where := _find(text, m.name))]
    if len(written) != len(members):
        return
    first = min(written, key=lambda item: item[0])[1]
    if first.role == INTERNAL:
        first.role = ADVISOR


def _drop_the_student(data: DefenseData, provenance: dict[str, dict]) -> None:
    """The student is never on their own committee (a student who writes for their
    advisor says "eu" about sending, not about the committee)."""
    if not data.student:
        return
    student = _key(data.student).split()
    kept = [
        (i, m)
        for i, m in enumerate(data.members)
        # the student's name, or a shorter form of it ("Yuri Zorzal" for Yuri Zorzal Pimentel)
        if not (len(_key(m.name).split()) >= 2 and _in_order(_key(m.name).split(), student))
    ]
    if len(kept) == len(data.members):
        return
    sources = {i: provenance.pop(f"member:{i}", None) for i in range(len(data.members))}
    data.members = [m for _i, m in kept]
    for index, (old, _member) in enumerate(kept):
        if sources[old] is not None:
            provenance[f"member:{index}"] = sources[old]


def _fill_from_history(
    data: DefenseData,
    provenance: dict[str, dict],
    history: str,
    *,
    writer: str,
    institutions: Institutions,
    own_institutions,
    reference,
    unknown: set[str],
) -> None:
    """What the new text of a reply leaves empty, read from the quoted history: each
    scalar the reply does not give, and the committee when it names nobody. Every value
    taken from there is marked: the reply may have changed it in words ("mesma sala",
    "adiantar uma semana")."""
    earlier = extraction.extract_defense(
        body_text=history, own_institutions=own_institutions, reference=reference
    ).data
    said = sentences.read_prose(
        history,
        student=data.student or earlier.student,
        writer=writer,
        own=institutions.own,
        reference=reference,
    )
    fuller = earlier.student or (str(said.student.value) if said.student else "")
    if data.student and fuller and _key(fuller).startswith(_key(data.student) + " "):
        # "a defesa do Pedro Arthur" in the reply, the full name in the request it answers
        data.student = fuller
        provenance["student"] = {**_source(_find(history, fuller), "quoted"), "check": "quoted"}
    for name in SCALARS:
        if getattr(data, name) or name in unknown:
            continue
        value = getattr(earlier, name)
        if isinstance(value, str) and _is_placeholder(value):
            value = ""
        where = None
        if value:
            where = _find(history, value) if isinstance(value, str) else _find_when(history, value)
        elif (
            name != "link"
            and (found := getattr(said, name)) is not None
            and not (isinstance(found.value, str) and _is_placeholder(found.value))
        ):
            value, where = found.value, (found.start, found.end)
        if value:
            setattr(data, name, value)
            provenance[name] = {**_source(where, "quoted"), "check": "quoted"}
    if any(m.role == ADVISOR for m in data.members):
        return  # the reply gives the committee
    # a reply that names a member or two ("o membro externo será ...") leaves the other
    # roles to the request it answers
    given = {m.role for m in data.members}
    members = [
        m for m in earlier.members if m.name and not _is_placeholder(m.name) and m.role not in given
    ]
    known = {_key(m.name) for m in [*members, *data.members]}
    for person in said.members:
        if _key(person.name) not in known and person.role not in unknown | given:
            members.append(
                Member(
                    role=person.role,
                    name=person.name,
                    honorific=person.honorific,
                    institution=person.institution,
                )
            )
            known.add(_key(person.name))
    if not members:
        return
    members = [*data.members, *members]
    members.sort(key=lambda m: ROLES.index(m.role))
    sources = {id(m): provenance.pop(f"member:{i}", None) for i, m in enumerate(data.members)}
    for index, member in enumerate(members):
        provenance[f"member:{index}"] = sources.get(id(member)) or {
            **_source(_find(history, member.name), "quoted"),
            "check": "quoted",
        }
    data.members = members


def _prose_defences(
    text: str, writer: str, reference
) -> tuple[list[tuple[int, int]], list[str]] | None:
    """Several defences told in prose, a paragraph each ("A primeira é a X, que defende
    ... dia 27/10 ..." / "O segundo é o Y, ... 30/10"): the blocks from each such paragraph
    to the next, and their students; None when the text tells one defence."""
    found: list[tuple[int, str, object]] = []  # (start, student or title, date)
    for match in re.finditer(r"(?:^|\n[ \t]*\n)(?P<para>.+?)(?=\n[ \t]*\n|$)", text[:20_000], re.S):
        paragraph = match.group("para")
        if len(paragraph) > 3_000:
            continue
        said = sentences.read_prose(paragraph, writer=writer, reference=reference)
        quoted = [q for q in sentences.quotations(paragraph) if len(q.split()) >= 4]
        named = str((said.student or said.title).value) if said.student or said.title else ""
        name = named or (quoted[0] if quoted else "")
        when = said.date.value if said.date else sentences.first_date(paragraph, reference)
        if not name or when is None:
            continue
        if all(when != date and not _same_student(name, other) for _start, other, date in found):
            found.append((match.start("para"), name, when))
    if len(found) < 2:
        return None
    starts = [0, *(start for start, _name, _date in found[1:])]
    return (
        [(a, b) for a, b in zip(starts, [*starts[1:], len(text)], strict=True)],
        [name for _start, name, _date in found],
    )


def _same_student(one: str, other: str) -> bool:
    """ "Pedro Arthur" and "Pedro Arthur Sechim Barbosa" are one student."""
    a, b = _key(one).split(), _key(other).split()
    shorter, longer = sorted((a, b), key=len)
    return longer[: len(shorter)] == shorter


def _block_student(text: str, block: tuple[int, int]) -> str:
    match = _STUDENT_LABEL.search(text, block[0], block[1])
    if match is None:
        return "?"
    line_end = text.find("\n", match.start())
    line = text[match.start() : line_end if line_end != -1 else block[1]]
    return line.split(":", 1)[-1].strip() or "?"


_NAME_COMMA = re.compile(r"^(?P<name>[^,]+),\s*(?:d[aeo]s?\s+)?(?P<rest>.+)$")


def _name_and_institution(name: str) -> tuple[str, str]:
    """ "Rodrigo Tessarolo, da casa" -> ("Rodrigo Tessarolo", "da casa")."""
    match = _NAME_COMMA.match(name)
    if match and len(match.group("name").split()) >= 2:
        return match.group("name").strip(), match.group("rest").strip(" .")
    return name, ""


def _form_names(data: DefenseData) -> set[str]:
    return {_key(m.name) for m in data.members}


def _said(value, default: str = "") -> dict:
    """The provenance of a value the sentence reader found (a sentences.Value)."""
    check = value.check or default
    return {"start": value.start, "end": value.end, "rule": "prose", "check": check}


# "o Prof. Heitor não vai poder, no lugar dele entra o Prof. Dr. Caio Albuquerque, da UFES",
# "o externo será substituído pela Profa. Y".
_REPLACED = re.compile(
    r"(?i:\bno\s+lugar\s+d(?:ele|ela|[oa]\s+(?:prof(?:essor|essora|a)?\.?\s+)?\w+)\s*,?\s*"
    r"(?:entra|fica|vem|participa|ser[aá])?"
    r"|\bsubstitu[ií]d[oa]\s+(?:pel[oa]|por)"
    r"|\bsubstitui(?:ndo)?\s+[oa]\s+\w+\s*,?\s*(?:entra)?)"
    r"\s*(?i:[oa]\s+)?(?i:(?:prof(?:essor|essora|a|ª)?|dr(?:a|ª)?)\.?\s+){0,3}"
    r"(?P<name>" + sentences.NAME + r")"
)
_ROLE_IN_SENTENCE = (
    (EXTERNAL, re.compile(r"\bextern[oa]\b", re.I)),
    (INTERNAL, re.compile(r"\bintern[oa]\b", re.I)),
    (COADVISOR, re.compile(r"\bco-?orientador", re.I)),
)


def _replaced_member(
    data: DefenseData, provenance: dict[str, dict], text: str, *, forwarded: bool, subject: str
) -> None:
    """A member the sender replaces in their own words, above the request they forward or
    answer: "exceto o avaliador externo: ... no lugar dele entra o Prof. Y, da UFES". The
    new member takes the role the sentence names (marked for a look)."""
    if forwarded and (span := forward_span(text, subject)) is not None:
        own = text[: span[0]]
    else:
        own = text[: history_start(text)]
    if own.strip() == text.strip():
        return  # nothing forwarded or quoted: the request itself says who is on it
    for match in _REPLACED.finditer(own):
        # the role named before it in the paragraph, the nearest
        start = max(own.rfind("\n\n", 0, match.start()) + 1, match.start() - 200)
        before = own[start : match.start()]
        said = [
            (m.start(), r) for r, pattern in _ROLE_IN_SENTENCE for m in pattern.finditer(before)
        ]
        role = max(said)[1] if said else None
        if role is None:
            continue
        name = " ".join(match["name"].split())
        kept = [m for m in data.members if m.role != role]
        if len(kept) == len(data.members) - 1 or not any(m.role == role for m in data.members):
            data.members = [*kept, Member(role=role, name=name)]
            data.members.sort(key=lambda m: ROLES.index(m.role))
            for key in [k for k in provenance if k.startswith("member:")]:
                provenance.pop(key)
            for index, member in enumerate(data.members):
                where = _find(text, member.name)
                provenance[f"member:{index}"] = _source(
                    where, "prose" if member.name == name else "label"
                )
                if member.name == name:
                    provenance[f"member:{index}"]["check"] = "prose"
        return


def _fuller_student(data: DefenseData, provenance: dict[str, dict], text: str) -> None:
    """The student's whole name when the one read is short ("Júlia Sant'Anna" from the
    subject, "Yuri Zorzal" from the header) and the text writes it whole ("Júlia Marchiori
    Sant'Anna", "sou o Yuri Zorzal Pimentel"): the short one's names in order, more
    among them."""
    words = data.student.split()
    if len(words) < 2:
        return
    pattern = re.compile(
        rf"(?<![\w'’]){re.escape(words[0])}"
        rf"(?:[ \t]+(?:(?:d[aeo]s?|e)[ \t]+)?[A-ZÀ-Þ][\w'’-]+){{1,5}}"
    )
    short = [_key(w) for w in words]
    for match in pattern.finditer(text):
        whole = " ".join(match[0].split())
        found = [_key(w) for w in whole.split()]
        while found and found[-1] in _NOT_A_NAME_END:  # "Nome Sobrenome Mestranda"
            whole, found = " ".join(whole.split()[:-1]), found[:-1]
        if any(_SIGNATURE_ROLE.fullmatch(w) for w in found):
            continue
        if len(found) <= len(short) or not _in_order(short, found):
            continue
        data.student = whole
        provenance["student"] = {
            "start": match.start(),
            "end": match.end(),
            "rule": "prose",
            "check": "prose",  # two forms of the name: a person looks
        }
        return


# Capitalised words that may follow a name on its line and are none of it.
_NOT_A_NAME_END = frozenset(
    {"ifes", "ppcomp", "ufes", "mestrando", "mestranda", "aluno", "aluna", "discente",
     "matricula", "titulo", "data", "horario", "local", "banca", "email", "curso"}
)  # fmt: skip


def _in_order(short: list[str], whole: list[str]) -> bool:
    """Whether every word of `short` is in `whole`, in the same order."""
    at = 0
    for word in short:
        try:
            at = whole.index(word, at) + 1
        except ValueError:
            return False
    return True


def _source(where: tuple[int, int] | None, rule: str) -> dict:
    return {
        "start": where[0] if where else None,
        "end": where[1] if where else None,
        "rule": rule,
        "check": "",
    }


def _key(name: str) -> str:
    return " ".join(sentences.fold(name).split())


def _first_name_known(name: str, members: list[Member]) -> bool:
    """ "Adriano" when "Adriano Simões Lacerda" is already a member (or the reverse)."""
    words = _key(name).split()
    for member in members:
        other = _key(member.name).split()
        if not words or not other:
            continue
        if words[0] == other[0] and (len(words) == 1 or len(other) == 1 or words[-1] == other[-1]):
            return True
    return False
