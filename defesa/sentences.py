"""The defence data written in sentences, as a professor writes when not filling the form.

"Escrevo para solicitar o agendamento da defesa do meu orientando Tiago Falqueto. A
dissertação, intitulada Detecção de anomalias ..., será defendida no dia 3 de março
(terça), às 10 horas, no auditório do bloco B. A banca contará comigo na presidência, com
o colega Hélio Moura, do programa, e com a professora Juliana Rosa, da UFES."

Read here: the student, the title, the date, the time, the room (or "Virtual"), and the
committee: each person named in a sentence about the committee, with the role said in
words ("na presidência", "como membro interno", "(orientador)") or, failing that, from
their institution; the writer is a member when they write "comigo", "eu", "por mim".
A single first name ("a Adriana") stands for the full name written elsewhere in the text.

Everything read here is a guess from prose: each value carries its span in the text and
a reason for a person to check it. Values said to be unknown ("a definir", "a confirmar")
are reported as such. Pure Python; `own` tells whether an institution is the program's.
"""

from __future__ import annotations

import bisect
import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from defesa.data import ADVISOR, COADVISOR, EXTERNAL, INTERNAL, MONTHS, MONTHS_EN
from defesa.extraction.dates import spell_numbers, year_for
from defesa.extraction.people import is_lower_acronym

# A request is written near the top; a pasted log or a long thread below it is not read
# (the committee is matched sentence by sentence against every name: quadratic).
SCAN_LIMIT = 40_000

# --- text ----------------------------------------------------------------------------------


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char.lower()


# Each character's folded form, filled as characters are met (one translate call a text
# instead of one Python call a character: texts are folded many times while read).
_FOLDED: dict[int, str] = {}


def fold(text: str) -> str:
    """Lower case without accents, typographic forms made plain, as long as `text`."""
    missing = [c for c in set(text) if ord(c) not in _FOLDED]
    if len(_FOLDED) + len(missing) > 100_000:  # a hostile text of many symbols
        return "".join(_fold_char(c) for c in text.translate(_PLAIN))
    for char in missing:
        _FOLDED[ord(char)] = _fold_char(char.translate(_PLAIN))
    return text.translate(_FOLDED)


_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# a capitalised word, an initial, or a name after an elided particle ("d'Oliveira")
_WORD = (
    rf"(?:(?<![\w'’])(?:d|dall|dell|degli)['’])?[{_UPPER}][{_LOWER}{_UPPER}'’-]*[{_LOWER}{_UPPER}]"
    rf"|[{_UPPER}]\."
)
_PARTICLE = r"(?i:d[aeo]s?|e|di|du|van|von|der|del|della|la|le|y)"
# A person's name: two to eight capitalised words, particles between them.
NAME = rf"(?:{_WORD})(?:[ \u00a0]+(?:{_PARTICLE}[ \u00a0]+)?(?:{_WORD})){{1,7}}"
_NAME_RE = re.compile(NAME)
_FIRST_NAME_RE = re.compile(rf"(?<![\w.])({_WORD})(?![\w])")
_HONORIFIC = (
    r"(?:prof(?:essor(?:a)?|a|ª|\.?ª)?\.?|dr(?:a|ª)?\.?|doutor(?:a)?|me\.|ma\.|msc\.?|"
    r"sr(?:a|ª)?\.?|colega|pesquisador(?:a)?|examinador(?:a)?|avaliador(?:a)?)"
)
_HONORIFIC_RE = re.compile(rf"^(?:{_HONORIFIC}\s+)+", re.I)
# Words that start with a capital but do not begin a person's name.
_NOT_NAMES = {
    "a",
    "o",
    "as",
    "os",
    "ao",
    "na",
    "no",
    "em",
    "de",
    "da",
    "do",
    "e",
    "eu",
    "ele",
    "ela",
    "banca",
    "defesa",
    "sala",
    "campus",
    "programa",
    "universidade",
    "instituto",
    "federal",
    "faculdade",
    "escola",
    "centro",
    "departamento",
    "laboratorio",
    "auditorio",
    "bloco",
    "prof",
    "profa",
    "professor",
    "professora",
    "dr",
    "dra",
    "the",
    "room",
    "university",
    "universite",
    "universitat",
    "universita",
    "universidad",
    "facultad",
    "escuela",
    "college",
    "institute",
    "institut",
    "faculte",
    "school",
    "meet",
    "teams",
    "zoom",
    "google",
    "microsoft",
    "rnp",
    "segunda",
    "terca",
    "quarta",
    "quinta",
    "sexta",
    "sabado",
    "domingo",
    "mestrado",
    "dissertacao",
    "titulo",
    "obrigado",
    "obrigada",
    "prezados",
    "prezada",
    "prezado",
    "ola",
    "oi",
    "bom",
    "boa",
    "secretaria",
    "coordenacao",
    "ppcomp",
    "ifes",
    "ufes",
    # positions in signatures and sentences ("Coordenador de Extensão", "Chefe do ...")
    "coordenador",
    "coordenadora",
    "diretor",
    "diretora",
    "chefe",
    "vice",
    "reitor",
    "reitora",
    "membro",
    "presidente",
    "orientador",
    "orientadora",
    "coorientador",
    "coorientadora",
    "pesquisador",
    "pesquisadora",
    "colegiado",
    "projeto",
} | {fold(month) for month in MONTHS}
# Words of the form's labels: a "name" holding one is a label ("Membro Interno").
_LABEL_WORDS = {
    "membro",
    "membros",
    "interno",
    "interna",
    "externo",
    "externa",
    "orientador",
    "orientadora",
    "coorientador",
    "coorientadora",
    "co-orientador",
    "principal",
    "avaliador",
    "avaliadora",
    "examinador",
    "examinadora",
    "nome",
    "completo",
    "aluno",
    "aluna",
    "discente",
    "data",
    "horario",
    "hora",
    "local",
    "link",
    "virtual",
    "titulo",
    "banca",
    "presidente",
    "suplente",
    "student",
    "thesis",
    "title",
    "date",
    "time",
    "place",
    "committee",
    "supervisor",
    "chair",
}
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:prof|profa|profs|dr|dra|sr|sra|univ|fed|inst|dept|depto|ms|me|msc|ph\.d|"
    r"eng|av|n|no|obs|etc|p\.ex)|\b[A-Z])\.$",
    re.I,
)


@dataclass
class Value:
    """A value read from a sentence, with its span in the text."""

    value: object
    start: int
    end: int
    check: str = "prose"  # a mailflow.reading.CHECK_REASONS code


@dataclass
class Person:
    role: str
    name: str
    honorific: str
    institution: str
    start: int | None
    end: int | None
    check: str = "prose"
    writer: bool = False
    # what the role rests on: "said" (words next to the name), "institution", "listed"
    # (named in a committee list with nothing else), "writer"
    basis: str = "said"


@dataclass
class Reading:
    student: Value | None = None
    title: Value | None = None
    date: Value | None = None
    time: Value | None = None
    room: Value | None = None
    members: list[Person] = field(default_factory=list)
    # fields the text says are not known yet ("o horário ainda está a confirmar")
    unknown: set[str] = field(default_factory=set)


# A form's line: "Título: ...", "Data: 12/03" (a label, a colon, its value).
_LABEL_LINE = re.compile(r"[ \t>*•-]*[^\W\d_][\w ()/.-]{0,40}:[ \t]*\S[^\n]*$")


# ... when the next line starts anew: a capital or a digit, not a wrapped value's rest.
_NEW_LINE_STARTS = re.compile(r"[ \t>]*[^\W_a-zà-ÿ(]")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split at . ! ? followed by a space or a line end,
    and at blank lines; not after "Prof." or an initial."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in re.finditer(r"[.!?](?=\s)|\n\s*\n|\n", text):
        end = match.end()
        if match.group(0) == "." and _ABBREVIATIONS.search(text[max(start, end - 8) : end]):
            continue
        if match.group(0) == "\n" and not (
            _LABEL_LINE.match(text, text.rfind("\n", 0, match.start()) + 1, match.start())
            and _NEW_LINE_STARTS.match(text, end)
        ):
            continue  # a line break inside a sentence; a form's line ends its own
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


# --- the student, the title -----------------------------------------------------------------

_STUDENT = re.compile(
    r"(?i:\bdefesa\s+(?:p[uú]blica\s+)?(?:de\s+(?:mestrado|disserta[cç][aã]o)\s+){0,2}(?:(?:d[oa]|de)\s+)"
    r"(?:(?:meu|minha|nosso|nossa)\s+)?"
    r"(?:(?:orientand[oa]|alun[oa]|mestrand[oa]|discente|estudante|candidat[oa])\s+)?"
    r"|\b(?:meu|minha|d[oa]|nosso|nossa|[oa])\s+(?:orientand[oa]|mestrand[oa]|discente|"
    r"candidat[oa])(?:\s+(?:dele|dela))?\s*,?\s+"
    r"|\b(?:[oa])\s+alun[oa]\s+(?:de\s+mestrado\s+)?"
    r"|\bbanca\s+(?:examinadora\s+)?d[oa]\s+(?!prof|dr|orientador|coordena)"
    r"|\bdefen[cs]e\s+of\s+|\b(?:my\s+)?(?:co-?supervisee|supervisee|student|candidate)\s*,?\s+)"
    r"(?P<name>" + NAME + ")"
)
_STUDENT_AFTER_COLON = re.compile(
    rf"(?i:\bdefesa\s+d[oa]\s+)(?:{_WORD})\s*:\s*(?P<name>" + NAME + ")"
)
# "Defesa Nádia Campos Frisso 15/3, 15h, sala 110": a note that opens with the word, the
# student's name and the date
_STUDENT_NOTE = re.compile(
    r"(?m:^[ \t]*)(?i:defesa)[ \t]+(?P<name>" + NAME + r")(?=[ \t]*[,:–—-]?[ \t]*\d)"
)
# "Sou Maria Eduarda Nunes, aluna do mestrado": the student writes
_STUDENT_SELF = re.compile(
    r"(?i:\b(?:sou|me\s+chamo|meu\s+nome\s+(?:completo\s+)?[eé])\s+(?:[oa]\s+)?)"
    r"(?P<name>" + NAME + r")(?=\s*,?\s*(?i:alun[oa]|mestrand[oa]|orientand[oa]|discente))"
)
# "Otávio Bremenkamp Silva — “Segmentação de ...”": a name, a dash, the quoted title
# Defences counted in prose: "A primeira é a do Henrique X, ...", "A segunda, da Talita Y".
_STUDENT_ORDINAL = re.compile(
    r"(?i:\b(?:primeira|segunda|terceira|outra)(?:\s+defesa)?\s*,?\s*(?:[eé]\s+)?(?:a\s+)?"
    r"d[oa]\s+)(?P<name>" + NAME + ")"
)
# A heading: "Defesa de dissertação – Rodrigo Ítalo Cassaro".
_STUDENT_HEADING = re.compile(
    r"(?i:\bdefesa(?:\s+(?:de\s+)?(?:mestrado|disserta[cç][aã]o)){0,2})[ \t]*[-–—:][ \t]*"
    r"(?P<name>" + NAME + r")[ \t]*$",
    re.M,
)
# "Gabriel Antunes Köhler's master's project", "Ana Souza's defence".
_STUDENT_POSSESSIVE = re.compile(
    r"(?P<name>" + NAME + r")['’]s\s+(?i:(?:master'?s\s+|msc\s+)?(?:defen[cs]e|thesis|"
    r"dissertation|project|viva))\b"
)
_STUDENT_BEFORE_TITLE = re.compile(r"(?m:^[ \t]*)(?P<name>" + NAME + r")[ \t]*[-–—:][ \t]*[\"“«]")
# "O Renan Luchi Bonadiman concluiu a dissertação ... e vai defender no dia ...": the
# sentence's subject
_STUDENT_SUBJECT = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\n))[ \t]*(?:[OA][ \t]+)?(?P<name>" + NAME + r")(?=[^.\n]{0,200}?"
    r"\b(?:vai\s+defender|ir[aá]\s+defender|defender[aá]|defende\b|will\s+defend))"
)
_STUDENT_DEFENDS = re.compile(
    r"(?P<name>" + NAME + r")\)?(?:,\s+que)?\s+"
    r"(?i:(?:vai|ir[aá])\s+defender|defender[aá]|defende\b|will\s+defend)"
)

_TITLE_OPEN = re.compile(
    r"(?i:\bintitulad[ao](?:\s+como)?|\b(?:tem|ter[aá])\s+(?:como\s+)?(?:o\s+)?t[ií]tulo|"
    r"\bcom\s+o\s+t[ií]tulo|\bsob\s+o\s+t[ií]tulo|\b(?:o|cujo)\s+t[ií]tulo"
    r"(?:\s+(?:oficial|provis[oó]rio|definitivo|final))?\s+(?:da\s+disserta[cç][aã]o\s+|"
    r"do\s+trabalho\s+)?(?:[eé]|ser[aá])(?!\w)|\bentitled|\btitled|\bthesis\s+title\s+is|"
    r"\bse\s+chama|\bchama-se|\bdefesa\s+da\s+disserta[cç][aã]o\s+(?-i:(?=[A-ZÀ-Ý“\"«]))|\bt[ií]tulo(?:\s+(?:provis[oó]rio|definitivo|final|oficial))?"
    r"(?:\s+d[ao]\s+(?:disserta[cç][aã]o|trabalho))?\s*:|"
    r"\b(?:trabalho|disserta[cç][aã]o)\s*:|"
    r"\b(?:thesis\s+|dissertation\s+)?title\s*:|"
    # "titulo Um estudo sobre ..." (a phone's sentence, no colon)
    r"\bt[ií]tulo(?=\s+(?-i:[A-ZÀ-Ý])))"
    r"\s*:?\s*"
)
_TITLE_QUALIFIER = re.compile(
    r"\s*\(?(?i:provis[oó]ri[oa]|preliminar|definitiv[oa]|oficial)\)?\s*(?:[eé]\s+|[:,]\s*)?(?=\S)"
)
_QUOTED = re.compile(r"[\"“«']([^\"”»'\n]{12,300})[\"”»']")
# Where a title in running text ends when it is not quoted.
_TITLE_END = re.compile(
    r"(?:[.;](?=\s|$)|\n\s*\n|,\s+(?=(?:j[aá]|que|foi|ser[aá]|est[aá]|sendo|a\s+ser|cuja|vai|"
    r"sob|com\s+a|e\s+(?:ser|foi|est|[ao]s?\s)|para\s+o\s+dia|no\s+dia)\b)|"
    r"\s+(?=ser[aá]\s+(?:no|em|realizad[ao]|defendid[ao]|apresentad[ao])\b)|\s+\((?=[^)]*\b(?:orient|vers)))",
    re.I,
)
# A quoted title after the words that name the work.
_WORK = re.compile(r"(?i:\b(?:disserta[cç][aã]o|trabalho|thesis|t[ií]tulo)\b)")


_DEFENCE_ROOT = re.compile(r"defe[nsz]|defen[cs]e|banca", re.I)


def _student(text: str, spans: list[tuple[int, int]]) -> Value | None:
    """The student named in a sentence about the defence (the first one named in any
    sentence, when no sentence about the defence names one)."""
    candidates: list[Value] = []
    for pattern in (
        _STUDENT_AFTER_COLON,
        _STUDENT,
        _STUDENT_NOTE,
        _STUDENT_DEFENDS,
        _STUDENT_SUBJECT,
        _STUDENT_SELF,
        _STUDENT_BEFORE_TITLE,
        _STUDENT_POSSESSIVE,
        _STUDENT_HEADING,
        _STUDENT_ORDINAL,
    ):
        for match in pattern.finditer(text):
            name = _trim_name(match.group("name"))
            if name and fold(name.split()[0]) not in _NOT_NAMES:
                start = match.start("name")
                candidates.append(Value(name, start, start + len(name)))
    candidates.sort(key=lambda v: v.start)
    for value in candidates:
        sentence = next((text[s:e] for s, e in spans if s <= value.start < e), "")
        if _DEFENCE_ROOT.search(fold(sentence)):
            return value
    return candidates[0] if candidates else None


def _title(text: str, spans: list[tuple[int, int]]) -> Value | None:
    for match in _TITLE_OPEN.finditer(text):
        # "com o título provisório “...”": the word that qualifies the title is not in it
        skip = _TITLE_QUALIFIER.match(text, match.end())
        opened = skip.end() if skip else match.end()
        rest = text[opened : opened + 400]
        quoted = _QUOTED.match(rest)
        if quoted:
            start = opened + quoted.start(1)
            return Value(quoted.group(1).strip(), start, start + len(quoted.group(1).strip()))
        if match.group(0).rstrip().endswith(":"):  # "Título: ..." ends with its line
            rest = rest.split("\n", 1)[0]
        end = _TITLE_END.search(rest)
        value = rest[: end.start() if end else len(rest)].strip()
        if 12 <= len(value) <= 300 and "\n\n" not in value:
            start = opened + rest.find(value)
            return Value(value, start, start + len(value))
    # "O trabalho, “Predição de ...”, será defendido": a quotation near the work's name,
    # else a long quotation in a sentence about the defence
    quotations = [m for m in _QUOTED.finditer(text) if len(m.group(1).split()) >= 3]
    for match in quotations:
        before = fold(text[max(0, match.start() - 60) : match.start()])
        if _WORK.search(before):
            value = match.group(1).strip()
            return Value(value, match.start(1), match.start(1) + len(value))
    for match in quotations:
        # the sentence of the quotation, or the one before it ("Preciso marcar a defesa do
        # Otávio. Dados:\nOtávio Silva — “...”")
        at = next((i for i, (a, b) in enumerate(spans) if a <= match.start() < b), None)
        around = (
            "" if at is None else " ".join(text[a:b] for a, b in spans[max(0, at - 1) : at + 1])
        )
        if len(match.group(1).split()) >= 4 and _DEFENCE_ROOT.search(fold(around)):
            value = match.group(1).strip()
            return Value(value, match.start(1), match.start(1) + len(value))
    return None


# --- when and where -----------------------------------------------------------------------

_MONTHS = {
    **{fold(name): number for number, name in enumerate(MONTHS, 1)},
    **{name: number for number, name in enumerate(MONTHS_EN, 1)},
}
_MONTH = "|".join(_MONTHS)
_DATE_WORDS = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:º|o)?\s+(?:de\s+)?(?P<month>{_MONTH})(?:\s*(?:de|,)?\s*(?P<year>\d{{4}}))?\b"
    rf"|\b(?P<month2>{_MONTH})\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year2>\d{{4}})\b"
)
_DATE_NUMBERS = re.compile(
    r"(?<![\d/])(?P<day>\d{1,2})[/.](?P<month>\d{1,2})(?:[/.](?P<year>\d{2,4}))?(?![\d/])"
)
_TIME = re.compile(
    r"(?:\b[aà]s|\bat|\bhor[aá]rio:?|\btime:?|,|\bdas|\ba\s+partir\s+das|\bpelas|"
    r"\bpara(?:\s+[aà]s)?)\s+(?P<hour>\d{1,2})"
    r"(?:\s*(?::|h)\s*(?P<minute>\d{2}))?\s*(?P<unit>h(?:oras?|s|rs?)?\b|pm\b|am\b|min\b)?"
    # "às 14 horas e 30 minutos"
    r"(?:(?<=horas)\s+e\s+(?P<minutes>\d{1,2})\s+min(?:utos)?\b)?",
    re.I,
)
# A day without its month: "em abril, dia 20" (the month before it), "na próxima terça
# (dia 9)", "dia 20 às 10h" (the next such day from the email's date).
_MONTH_THEN_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\s*,?\s+dia\s+(?P<day>\d{{1,2}})(?!\d|\s*[/.]\s*\d)"
)
_DAY_ALONE = re.compile(r"\bdia\s+(?P<day>\d{1,2})(?!\d|\s*[/.]\s*\d)")
_WEEKDAYS = {
    "segunda": 0,
    "terca": 1,
    "quarta": 2,
    "quinta": 3,
    "sexta": 4,
    "sabado": 5,
    "domingo": 6,
}
_WEEKDAY = re.compile(r"\b(?P<weekday>" + "|".join(_WEEKDAYS) + r")(?:-feira)?\b")
# A time written right after the date ("dia 9/4 14h", "5/3 - 14h30").
_TIME_AFTER_DATE = re.compile(
    # (a weekday between them: "15/06 (seg.) 14:30hs")
    r"[ \t]*(?:\([^()\n\d]{1,15}\)[ \t]*)?(?:[-–—,][ \t]*)?"
    r"(?P<hour>\d{1,2})(?:[ \t]*:[ \t]*(?P<minute>\d{2})[ \t]*"
    r"(?:h(?:s|rs?|oras?)?)?|[ \t]*h(?:s|rs?|oras?)?[ \t]*(?P<minute2>\d{2})?|[ \t]+horas?)"
    r"(?![\w/:.])"
)
_TIME_ALONE = re.compile(
    r"\bhor[aá]rio\b|\bhora\b|\b(?:passa|passou|muda|mudou|fica|ficou)\s+para\s+[aà]s\b"
)
_DEFENCE_WORDS = re.compile(
    r"\b(?:defesa|defender|defende|defend|defendid[ao]|ocorrer[aá]|ser[aá]|acontecer[aá]|realizad[ao]|"
    r"marcad[ao]|agendad[ao]|defen[cs]e|will\s+be|held|banca)\b|\b(?:nova\s+)?(?:data|date)\s*:"
    # a reschedule ("a nova data é ...", "fica para 23/06"); a sentence that starts with
    # the day ("Dia 25/03, quinta, às 14h, na sala 207.")
    r"|\bnova\s+data\b|\bdata\s+(?:certa|correta)\b|\bfica(?:r[aá])?\s+para\b|\bremarca"
    r"|\badia(?:r|d[ao]|ntar|ntad[ao])\b"
    # a day and an hour in one sentence ("no dia 17/06 (quarta), às 14h, na sala 206")
    r"|\bno\s+dia\s+\d{1,2}\b[^.\n]{0,40}\b[aà]s\s+\d{1,2}\s*(?:h|:)"
    r"|^\s*(?:dia|data)\b",
    re.I,
)
_OTHER_CLOCK = re.compile(
    r"(?i:\b(?:hor[aá]rio\s+de\s+(?!bras[ií]lia)|in\s+(?!bras)|em\s+(?:lisboa|portugal|"
    r"edimburgo|edinburgh|londres|paris)|\(\s*\d{1,2}))"
)
_ROOM = re.compile(
    r"(?:(?i:\b(?:n[oa]|in|at)\s+)|(?i:\b(?:place|local|venue|where)\s*:\s*)|,\s*)(?P<room>(?i:sala|room)\s+(?P<number>[0-9]+[A-Za-z]?(?:-[A-Za-z0-9]+)?)"
    r"(?P<building>\s*(?:(?i:d[oa]|n[oa])\s+|[-–—,]\s*|(?=(?i:bloco)\s))(?i:bloco|pr[eé]dio|edif[ií]cio|andar)\b"
    r"[^,.;:()\n]{0,40})?"
    r"|(?i:audit[oó]rio|mini-?audit[oó]rio|anfiteatro|laborat[oó]rio|sala\s+de\s+(?:reuni[oõ]es|"
    r"videoconfer[eê]ncia|semin[aá]rios|aula))[^,.;:()\n]{0,60}"
    r"(?:\((?-i:[A-Z][\w-]{1,15})\))?"  # its acronym: "Laboratório de Robótica (LabRob)"
    # a lab known by its name ("no LabSiN", "no LABVIS")
    r"|(?<=n[oa]\s)(?:Lab[A-Z][\w-]*|LAB[A-Z0-9-]+)\b)"
)
_ROOM_CHANGE = re.compile(
    r"\bsala\s+(?:muda|mudou|passa|passou|vai)\s+(?:para|a\s+ser)\s+(?:a\s+(?:sala\s+)?)?"
    r"([0-9]+[a-z]?)\b"
)
_ROOM_TAIL = re.compile(
    r"\s+(?:e|com|para|que|onde|pelo|pela|por|via|às|as|no\s+dia|em\s+formato)\b.*$", re.I
)
_VIRTUAL = re.compile(
    r"\b(?:(?:de\s+forma|em\s+formato|formato|modalidade|totalmente|100%)\s+)?"
    r"(?:virtual|remot[ao]|online|on-line|a\s+dist[aâ]ncia|por\s+videoconfer[eê]ncia)\b",
    re.I,
)
_PLACE_WORDS = re.compile(r"\b(?:modalidade|formato|local|onde|where|place|format)\b")
_HYBRID = re.compile(r"\bh[ií]brid[ao]\b|\bpresencial", re.I)
_UNKNOWN = re.compile(
    r"\b(?:a\s+definir|a\s+confirmar|ainda\s+n[aã]o\s+(?:defin|confirm|fech|sei|tenho|temos)|"
    r"em\s+aberto|indefinid[ao]|tbd|to\s+be\s+(?:confirmed|defined))\b",
    re.I,
)
_FIELD_WORDS = {
    "time": re.compile(r"\b(?:hor[aá]rio|hora)\b", re.I),
    "date": re.compile(r"\b(?:data|dia)\b", re.I),
    "room": re.compile(r"\b(?:sala|local)\b", re.I),
    "title": re.compile(r"\bt[ií]tulo\b", re.I),
    EXTERNAL: re.compile(r"\bextern[oa]s?\b", re.I),
    INTERNAL: re.compile(r"\bintern[oa]s?\b", re.I),
}


def _date_from(match: re.Match, reference: datetime.date | None) -> datetime.date | None:
    groups = match.groupdict()
    day = groups.get("day") or groups.get("day2")
    month = groups.get("month") or groups.get("month2")
    year = groups.get("year") or groups.get("year2")
    try:
        day_n = int(day)
        month_n = int(month) if month.isdigit() else _MONTHS[month]
        if year:
            year_n = int(year) + (2000 if len(year) == 2 else 0)
        else:
            found = year_for(day_n, month_n, reference)
            if found is None:
                return None
            year_n = found
        return datetime.date(year_n, month_n, day_n)
    except (ValueError, KeyError, TypeError):
        return None


def _day_without_month(sentence: str, start: int, reference) -> Value | None:
    """A day written without its month ("em abril, dia 20", "próxima terça (dia 9)"): the
    month named just before it, else the next such day from the email's date (on the
    weekday the sentence names, if it names one)."""
    match = _MONTH_THEN_DAY.search(sentence)
    if match:
        date = _date_from(match, reference)
        return Value(date, start + match.start(), start + match.end()) if date else None
    match = _DAY_ALONE.search(sentence)
    if match is None:
        return None
    day = int(match.group("day"))
    base = reference or datetime.datetime.now(datetime.UTC).date()
    named = _WEEKDAY.search(sentence)
    weekday = _WEEKDAYS[fold(named.group("weekday"))] if named else None
    year, month = base.year, base.month
    for _step in range(4):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            candidate = None
        if (
            candidate is not None
            and candidate >= base
            and (weekday is None or candidate.weekday() == weekday)
        ):
            return Value(candidate, start + match.start(), start + match.end())
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


# Before the date a change sets ("passa para 17/06"), and before the one it replaces
# ("que estava marcada para 10/06", "em vez de 10/06").
_NEW_DATE_MARK = re.compile(
    r"\b(?:passa(?:r[aá])?|passou|fica(?:r[aá])?|ficou|muda(?:r[aá])?|mudou|vai|ser[aá]|"
    r"transferid[ao]|adiad[ao]|antecipad[ao]|remarcad[ao]|alterad[ao]|moved|postponed|"
    r"rescheduled)\s+(?:para|pra|to)\s+(?:(?:o\s+)?dia\s+|a\s+)?$"
    r"|\b(?:nova\s+data|data\s+(?:certa|correta)|(?:a\s+)?(?:certa|correta))\s*(?:[eé]|:)?\s*"
    r"(?:o\s+dia\s+|dia\s+)?$"
)
_OLD_DATE_MARK = re.compile(
    r"\b(?:estava|era|tinha\s+sido|foi|havia\s+sido)\s+(?:marcad[ao]|agendad[ao]|prevista?)"
    r"\s+(?:para|pra)\s+(?:o\s+dia\s+|dia\s+)?$|\b(?:em\s+vez\s+de|no\s+lugar\s+de|"
    r"ao\s+inv[eé]s\s+de|instead\s+of|,\s*n[aã]o|e\s+n[aã]o)\s+(?:(?:mais\s+)?(?:o\s+)?dia\s+|mais\s+)?$"
)


def _whole_date(sentence: str, start: int, reference) -> Value | None:
    """The sentence's date; of two, the one a change sets ("que estava marcada para
    10/06, passa para 17/06": 17/06)."""
    dates = sorted(
        (
            (match.start(), match.end(), date)
            for pattern in (_DATE_WORDS, _DATE_NUMBERS)
            for match in pattern.finditer(sentence)
            if (date := _date_from(match, reference)) is not None
        ),
        key=lambda item: item[0],
    )
    if not dates:
        return None
    chosen = dates[0]
    if len(dates) > 1:
        new = [d for d in dates if _NEW_DATE_MARK.search(sentence[max(0, d[0] - 40) : d[0]])]
        old = [d for d in dates if _OLD_DATE_MARK.search(sentence[max(0, d[0] - 40) : d[0]])]
        if new:
            chosen = new[0]
        elif old and chosen in old:
            chosen = next((d for d in dates if d not in old), chosen)
    return Value(chosen[2], start + chosen[0], start + chosen[1])


def _dated_sentence(
    folded: str, spans: list[tuple[int, int]], read: Callable[[str, int], Value | None]
) -> tuple[int, Value] | None:
    """The first sentence about the defence where `read` finds a date, and the date."""
    for index, (start, end) in enumerate(spans):
        sentence = folded[start:end]
        if _DEFENCE_WORDS.search(sentence) and (found := read(sentence, start)):
            return index, found
    return None


def _when(
    text: str, folded: str, spans: list[tuple[int, int]], reference
) -> tuple[Value | None, Value | None]:
    """The date and time of the defence: in the first sentence about the defence that
    has a date; the time in that sentence, else in the next one. A day without its month
    ("dia 9") only when no sentence about the defence has a whole date."""
    dated = _dated_sentence(
        folded, spans, lambda sentence, start: _whole_date(sentence, start, reference)
    ) or _dated_sentence(
        folded, spans, lambda sentence, start: _day_without_month(sentence, start, reference)
    )
    if dated is not None:
        index, found = dated
        end = spans[index][1]
        time = None
        right_after = _TIME_AFTER_DATE.match(folded, found.end, end)
        if right_after:
            hour = int(right_after.group("hour"))
            minute = int(right_after.group("minute") or right_after.group("minute2") or 0)
            if hour <= 23 and minute <= 59:
                time = Value(
                    datetime.time(hour, minute), right_after.start("hour"), right_after.end()
                )
                return found, time
        for s_start, s_end in spans[index : index + 2]:
            time = _time_in(folded, s_start, s_end, found)
            if time:
                break
        return found, time
    # no date: a sentence that changes or gives the time alone ("passa para as 16h",
    # "o horário é 10h")
    for start, end in spans:
        if _TIME_ALONE.search(folded, start, end):
            time = _time_in(folded, start, end, Value(None, -1, -1))
            if time:
                return None, time
    return None, None


def quotations(text: str) -> list[str]:
    """The quoted strings of `text` ("...", “...”, «...»)."""
    return [m.group(1).strip() for m in _QUOTED.finditer(text[:SCAN_LIMIT])]


def first_date(text: str, reference: datetime.date | None) -> datetime.date | None:
    """The first date written in `text`, in any sentence."""
    folded = spell_numbers(fold(text[:SCAN_LIMIT]))
    for pattern in (_DATE_WORDS, _DATE_NUMBERS):
        for match in pattern.finditer(folded):
            date = _date_from(match, reference)
            if date is not None:
                return date
    return None


def _time_in(folded: str, start: int, end: int, date: Value) -> Value | None:
    for match in _TIME.finditer(folded, start, end):
        if date.start <= match.start("hour") < date.end:
            continue
        after = folded[match.end() : match.end() + 30]
        if _OTHER_CLOCK.match(after.lstrip()) and not after.lstrip().startswith("("):
            continue
        if match.group(0).startswith(",") and not match.group("unit") and not match.group("minute"):
            continue
        hour = int(match.group("hour"))
        minute = int(match.group("minute") or match.group("minutes") or 0)
        unit = (match.group("unit") or "").lower()
        if not unit and not match.group("minute"):
            continue
        if unit == "pm" and hour < 12:
            hour += 12
        if hour > 23 or minute > 59:
            continue
        return Value(datetime.time(hour, minute), match.start("hour"), match.end())
    return None


def _where(text: str, folded: str, spans) -> Value | None:
    for start, end in spans:
        # a reschedule: "a sala muda para a 210", "a sala passa a ser a 112"
        match = _ROOM_CHANGE.search(folded, start, end)
        if match:
            return Value(text[match.start(1) : match.end(1)], match.start(1), match.end(1))
    for start, end in spans:
        sentence = text[start:end]
        if not _DEFENCE_WORDS.search(folded[start:end]) and not re.search(
            r"\b(?:sala|audit|local|room|place)", folded[start:end]
        ):
            continue
        match = _ROOM.search(sentence)
        if match:
            if match.group("building"):
                # "na sala 206 do Bloco C": the room with its building, as written
                room = _ROOM_TAIL.sub("", match.group("room")).strip(" ,")
                value = room[0].upper() + room[1:]
                offset = start + match.start("room")
            elif match.group("number"):
                value = match.group("number")
                offset = start + match.start("number")
            else:
                value = _ROOM_TAIL.sub("", match.group("room")).strip(" ,")
                offset = start + match.start("room")
            return Value(value, offset, offset + len(value))
    for start, end in spans:
        folded_sentence = folded[start:end]
        if (
            _DEFENCE_WORDS.search(folded_sentence)
            or "http" in folded_sentence
            or _PLACE_WORDS.search(folded_sentence)  # "Modalidade: online"
        ):
            match = _VIRTUAL.search(folded_sentence)
            if match and not _HYBRID.search(folded_sentence):
                return Value("Virtual", start + match.start(), start + match.end())
    return None


# --- the committee --------------------------------------------------------------------------

_COMMITTEE_WORDS = re.compile(
    r"\b(?:banca|avaliador|examinador|membros?\b|comigo|presidirei|presid[eê]ncia|presidente|"
    r"orientad[oa]\s+por|coorientad[oa]|co-orientad[oa]|orientador|"
    r"intern[oa]|extern[oa]|committee|examiner|supervisor|chair)",
    re.I,
)
_SUBSTITUTE = re.compile(r"\bsuplente|\bsubstitut|\breserva\b|\balternate\b", re.I)
# The committee enumerated after these words ("A banca: eu, o Alessandro e a Ana").
_LISTED = re.compile(r"\b(?:banca|committee|avaliadores|examinadores|membros)\b", re.I)
# "Eu não faço parte da banca": the writer says they are not on it
_NOT_ME = re.compile(
    r"\bn[aã]o\s+(?:fa[cç]o|farei|participo|participarei|sou|serei|estarei|integro|integrarei|"
    r"componho|comporei|presido|presidirei)\b|\b(?:I\s+am\s+not|I'm\s+not|I\s+will\s+not)\b",
    re.I,
)
_ME = re.compile(
    r"(?<![\w-])(?:comigo|mim|eu|myself|me(?=\s+as\b)|presido|presidirei|participarei)(?![\w-])",
    re.I,
)
_ROLE_WORDS = [
    (COADVISOR, re.compile(r"\bco-?orient|\bco-?supervis|\bco-?advis", re.I)),
    (
        ADVISOR,
        re.compile(
            r"\borientador|\borientadora|\borientad[oa]\s+por|\bpresid|\bmain\s+supervisor|"
            r"\bsupervisor\b|\badvisor\b|\bchair",
            re.I,
        ),
    ),
    (INTERNAL, re.compile(r"\bintern[oa]s?\b|\binternal\b", re.I)),
    (EXTERNAL, re.compile(r"\bextern[oa]s?\b|\bexternal\b", re.I)),
]
_OWN_PROGRAM = re.compile(
    r"^(?:,\s*|\s+)(?:d[oa]\s+(?:nosso\s+|pr[oó]prio\s+)?(?:programa|ppcomp|colegiado|"
    r"departamento|curso)|aqui\s+do\s+programa|da\s+casa|daqui)\b",
    re.I,
)
_INSTITUTION_AFTER = re.compile(
    r"^(?:\s*,\s*|\s+)(?:(?:pesquisador[a]?|professor[a]?|docente)\s+)?(?:d[oa]s?|de)\s+"
    r"(?P<inst>(?:[A-ZÀ-Þ][\w.'’-]*|d[aeo]s?|e|of|de|the)(?:[ \u00a0](?:[A-ZÀ-Þ][\w.'’-]*|"
    r"d[aeo]s?|e|of|de|the|[-–—]))*)"
)
# ", Ifes (orientador);" ", UFES;" ", Universidade Federal de Ouro Preto."
_INSTITUTION_COMMA = re.compile(
    r"^\s*,\s*(?P<inst>[A-ZÀ-Þ][\w.'’-]*(?:[ \u00a0](?:[A-ZÀ-Þ][\w.'’-]*|d[aeo]s?|de|of|the))*)"
    r"(?=\s*(?:\(|[;.]|$|\s+e\s))"
)
_INSTITUTION_LIKE = re.compile(
    r"^(?:[A-Z]{2,}[\w-]*|(?:Universidade|Universidad|Universit|Univ\.|Instituto|Institut|"
    r"Faculdade|Facultad|Centro|Escola|Escuela|Embrapa|Incaper|Fiocruz|Funda[cç][aã]o|"
    r"University|College|School)\b)"
)
# "da ufrn", "- ufes": an acronym as a phone writes it
_INSTITUTION_LOWER = re.compile(
    r"^(?:\s*,\s*|\s+)(?:(?:d[oa]s?|de)\s+|[-–—]\s*)(?P<inst>[a-z-]{2,10})\b"
)
_INSTITUTION_PAREN = re.compile(r"^\s*\((?P<inside>[^()\n]{1,120})\)")
_INSTITUTION_DASH = re.compile(
    r"^[ \t]*[-–—][ \t]*(?P<inst>[A-ZÀ-Þ][\w.'’ -]{1,80}?)(?=[,;.)\n]|$|\s+e\s|\s*\()"
)


def _trim_name(name: str) -> str:
    words = name.split()
    while words and fold(words[-1]) in _NOT_NAMES:
        words.pop()
    while words and re.fullmatch(_PARTICLE, words[-1]):
        words.pop()
    return " ".join(words) if len(words) >= 2 else ""


def _names(text: str) -> list[tuple[int, int, str]]:
    """Every full name in the text: (start, end, name)."""
    found = []
    for match in _NAME_RE.finditer(text):
        value = match.group(0)
        words = value.split()
        # drop leading words that are not names ("Banca Prof" / "Defesa da")
        skip = 0
        while skip < len(words) and (
            fold(words[skip]).strip(".") in _NOT_NAMES or re.fullmatch(_PARTICLE, words[skip])
        ):
            skip += 1
        name = _trim_name(" ".join(words[skip:]))
        if not name or any(fold(w).strip(".:") in _LABEL_WORDS for w in name.split()):
            continue
        kept = name.split()
        if len(kept) < 2:
            continue
        # "Júlia Batista Nunes da UFF": the institution after a particle is not the name
        if (
            len(kept) >= 4
            and re.fullmatch(_PARTICLE, kept[-2])
            and ((kept[-1].isupper() and len(kept[-1]) > 1) or _INSTITUTION_LIKE.match(kept[-1]))
        ):
            name = " ".join(kept[:-2])
        # "EDP Espírito Santo", "LES Ifes": an acronym among written-out words is no person
        if not name.isupper() and any(len(w) > 1 and w.isupper() for w in name.split()):
            continue
        start = match.start() + value.find(name.split()[0], len(" ".join(words[:skip])))
        found.append((start, start + len(name), name))
    return found


def _institution(after: str, own: Callable[[str], bool]) -> tuple[str, bool | None, int]:
    """(institution as written, whether it is the program's, characters used) from the
    text after a name: ", do programa", ", da UFES", " (UFSC)", " – Univ. do Porto"."""
    match = _OWN_PROGRAM.match(after)
    if match:
        return "", True, match.end()
    match = _INSTITUTION_PAREN.match(after)
    if match:
        inside = match.group("inside")
        parts = [p.strip() for p in re.split(r"[,;]", inside)]
        institutions = [
            p for p in parts if p and not _role_of(p) and (p[0].isupper() or is_lower_acronym(p))
        ]
        if institutions:
            return institutions[-1], own(institutions[-1]), match.end()
        return "", None, 0
    match = _INSTITUTION_AFTER.match(after)
    if match:
        inst = match.group("inst").strip(" -–—")
        if inst and not re.match(r"(?i)^(?:programa|ppcomp)$", inst):
            return inst, own(inst), match.end()
    match = _INSTITUTION_DASH.match(after)
    if match:
        inst = match.group("inst").strip()
        return inst, own(inst), match.end()
    match = _INSTITUTION_LOWER.match(after)
    if match and is_lower_acronym(match.group("inst")):
        return match.group("inst"), own(match.group("inst")), match.end()
    match = _INSTITUTION_COMMA.match(after)
    if match:
        inst = match.group("inst").strip()
        if own(inst) or _INSTITUTION_LIKE.match(inst):
            return inst, own(inst), match.end()
    return "", None, 0


def _role_of(context: str) -> str | None:
    for role, pattern in _ROLE_WORDS:
        if pattern.search(context):
            return role
    return None


@dataclass
class _Mention:
    start: int
    end: int
    name: str  # "" for the writer
    writer: bool = False


def _mentions(
    text: str,
    start: int,
    end: int,
    full_names: list[tuple[int, int, str]],
    firsts: dict[str, str],
    writer: str,
) -> list[_Mention]:
    """The people a sentence names: full names (`full_names`, in text order), a lone
    first name for a full name seen elsewhere (`firsts`), and the writer's "eu"."""
    mentions: list[_Mention] = []
    index = bisect.bisect_left(full_names, (start,))
    while index < len(full_names) and full_names[index][0] < end:
        s, e, name = full_names[index]
        if e <= end:
            mentions.append(_Mention(s, e, name))
        index += 1
    taken = [(m.start, m.end) for m in mentions]
    # a lone first name ("a Adriana", "Gustavo (orientador)") for a full name seen elsewhere
    for match in _FIRST_NAME_RE.finditer(text, start, end):
        if any(s <= match.start() < e for s, e in taken):
            continue
        full = firsts.get(fold(match.group(1)))
        if full and fold(match.group(1)) not in _NOT_NAMES:
            mentions.append(_Mention(match.start(), match.end(), full))
    if writer and not _NOT_ME.search(text, start, end):
        for match in _ME.finditer(text, start, end):
            mentions.append(_Mention(match.start(), match.end(), writer, writer=True))
    mentions.sort(key=lambda m: m.start)
    return mentions


def _committee(
    text: str,
    spans: list[tuple[int, int]],
    writer: str,
    own: Callable[[str], bool],
    student: str,
) -> list[Person]:
    full_names = sorted(_names(text))
    firsts: dict[str, str] = {}
    for _start, _end, name in full_names:
        firsts.setdefault(fold(name.split()[0]), name)
    people: dict[str, Person] = {}
    order: list[str] = []
    for start, end in spans:
        sentence = text[start:end]
        if not _COMMITTEE_WORDS.search(sentence):
            continue
        mentions = [
            m
            for m in _mentions(text, start, end, full_names, firsts, writer)
            if m.writer
            or not (
                _same_person(m.name, student)
                or _PLACE_BEFORE.search(text[max(start, m.start - 12) : m.start])
            )
        ]
        for index, mention in enumerate(mentions):
            following = mentions[index + 1].start if index + 1 < len(mentions) else end
            preceding = mentions[index - 1].end if index else start
            after = text[mention.end : following]
            before = text[preceding : mention.start]
            head = re.split(r"[,;\n]", after, maxsplit=1)[0]
            if _SUBSTITUTE.search(before[-30:]) or _SUBSTITUTE.search(head + _paren(after)):
                continue  # a substitute is not on the committee
            institution, is_own, used = _institution(after, own)
            role = _role_said(before, after, used)
            honorific = ""
            match = re.search(rf"(?:^|\s)((?:{_HONORIFIC}\s+)+)$", before, re.I)
            if match:
                honorific = " ".join(match.group(1).split())
            key = fold(mention.name)
            person = people.get(key)
            if person is None:
                person = Person(
                    role="",
                    name=mention.name,
                    honorific=honorific,
                    institution=institution,
                    start=None if mention.writer else mention.start,
                    end=None if mention.writer else mention.end,
                    writer=mention.writer,
                )
                people[key] = person
                order.append(key)
            if role and not person.role:
                person.role = role
            if institution and not person.institution:
                person.institution = institution
            if is_own is not None and not hasattr(person, "_own"):
                person._own = is_own  # type: ignore[attr-defined]
            if _LISTED.search(text[start : mention.start]) and not re.search(
                r"(?:\b(?:de|da|do|em|in|of|at)|[-–—])\s*$", before, re.I
            ):
                person._listed = True  # type: ignore[attr-defined]
    members = []
    has_advisor = any(people[k].role == ADVISOR for k in order)
    for key in order:
        person = people[key]
        if not person.role:
            own_flag = getattr(person, "_own", None)
            if person.writer and not has_advisor:
                # a professor listing a committee with themself in it: the advisor
                person.role, has_advisor, person.basis = ADVISOR, True, "writer"
            elif own_flag is None and person.writer:
                person.role, person.basis = INTERNAL, "writer"
            elif own_flag is None and getattr(person, "_listed", False):
                # listed after "a banca" without an institution: a colleague
                person.role, person.basis = INTERNAL, "listed"
            elif own_flag is None:
                continue  # named near the committee, with nothing saying they are in it
            else:
                person.role = INTERNAL if own_flag else EXTERNAL
                person.basis = "institution"
            person.check = "role_from_context"
        members.append(person)
    return members


# A capitalised phrase after these is a place or an institution, not a person.
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:campus|de|da|do|em|in|of|at|universidade|instituto|university)|[-–—])\s*$", re.I
)


def _same_person(name: str, other: str) -> bool:
    """ "Vitor Hugo" and "Vitor Hugo Sossai": one name's words begin the other's."""
    a, b = fold(name).split(), fold(other).split()
    if not a or not b:
        return False
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return long[: len(short)] == short


def _paren(after: str) -> str:
    match = _INSTITUTION_PAREN.match(after)
    return match.group("inside") if match else ""


_BY = re.compile(
    rf"\b(?P<what>(?:co-?)?orientad[oa]s?|presidid[ao]|supervised|co-?supervised)\s+"
    rf"(?:por|pel[oa]|by)\s*(?:(?:o|a)\s+)?(?:{_HONORIFIC}\s+)*$",
    re.I,
)
_JUST_BEFORE = re.compile(
    r"(?:^|[\s,;:(])(?P<what>(?:membro\s+|examinador[a]?\s+|avaliador[a]?\s+)?"
    r"(?:co-?orientador[a]?|orientador[a]?|intern[oa]|extern[oa]|presidente|"
    r"main\s+supervisor|co-?supervisor|supervisor|internal|external))\s*[:,–—-]?\s*"
    rf"(?:(?:o|a)\s+)?(?:{_HONORIFIC}\s+)*$",
    re.I,
)
_SAID_AFTER = re.compile(
    r"^\s*,?\s*(?:(?:que\s+)?(?:ser[aá]|[eé]|foi|atuar[aá]|atua|participa(?:r[aá])?|entra)\s+"
    r"(?:(?:o|a|como)\s+)?|como\s+|na\s+|no\s+|as\s+|acting\s+as\s+)[^,;\n]{0,40}",
    re.I,
)
# "eu como orientador, a professora X": the role after the previous person is theirs
# ("a prof X que é minha orientadora, o prof Y": the role is X's, not Y's)
_PREVIOUS_ROLE = re.compile(r"^\s*,?\s*(?:como|na|no|\(|que\s+(?:[eé]|ser[aá]|foi)\s)", re.I)


def _role_said(before: str, after: str, used: int) -> str | None:
    """The role the text gives a person: "orientado por mim", "Gustavo (orientador)",
    "eu como orientador", "comigo na presidência", "a Profa. X, da UFSC, como externa",
    "interno Wagner ..."; None when it says none (their institution decides)."""
    match = _BY.search(before[-60:])
    if match:
        return _role_of(match.group("what"))
    inside = _paren(after)
    if inside and (role := _role_of(inside)):
        return role
    head = re.split(r"[,;\n]|\s+e\s+|\s+and\s+", after, maxsplit=1)[0]
    if role := _role_of(head):
        return role
    inside = _paren(after[used:])
    if inside and (role := _role_of(inside)):
        return role
    match = _SAID_AFTER.match(after[used:])
    if match and (role := _role_of(match.group(0))):
        return role
    match = _JUST_BEFORE.search(before[-50:])
    if match and not _PREVIOUS_ROLE.match(before):
        return _role_of(match.group("what"))
    return None


# --- all of it ------------------------------------------------------------------------------


def read_prose(
    text: str,
    *,
    writer: str = "",
    own: Callable[[str], bool] = lambda _institution: False,
    reference: datetime.date | None = None,
    student: str = "",
) -> Reading:
    """What the sentences of `text` say of the defence. `writer` is who wrote it (their
    name stands for "eu", "comigo", "mim"); `reference` dates the email (for a date
    written without its year)."""
    reading = Reading()
    if not text:
        return reading
    text = text[:SCAN_LIMIT]
    folded = fold(text)
    spans = sentences(text)
    reading.student = _student(text, spans)
    reading.title = _title(text, spans)
    reading.date, reading.time = _when(text, spell_numbers(folded), spans, reference)
    reading.room = _where(text, folded, spans)
    student_name = student or (reading.student.value if reading.student else "")
    reading.members = _committee(text, spans, writer, own, str(student_name))
    for start, end in spans:
        for match in _UNKNOWN.finditer(folded, start, end):
            # the field named nearest before "a definir" ("o externo ainda a definir")
            window = folded[max(start, match.start() - 50) : match.start()]
            nearest = max(
                (
                    (found.start(), name)
                    for name, pattern in _FIELD_WORDS.items()
                    for found in pattern.finditer(window)
                ),
                default=None,
            )
            if nearest is not None:
                reading.unknown.add(nearest[1])
    return reading
