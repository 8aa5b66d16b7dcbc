"""The labelled fields of the secretariat's form, and the blank form itself.

Which labels (the form's exact ones and their everyday variants) name which field, a label
at the start of a line or a second one inside it ("Data: 15/10/2025; Horário: 14h"), and
HTML tables that lay labels out in columns ("Aluno | Título | Data" over the values, or
"Nome | Instituição | Função" for the committee), turned into "Label: value" lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from defesa.data import ADVISOR, COADVISOR, EXTERNAL, INTERNAL, ROLES, DefenseData, Member
from defesa.extraction.text import LazyPattern, collapse, fold

# The blank form as the secretariat mails it (DOMAIN.md), label by field.
FORM_LABELS = {
    "student": "Nome Completo Aluno:",
    "title": "Título:",
    "date": "Data:",
    "time": "Horário:",
    "room": "Sala:",
    "link": "Link Sala Virtual(Se n houver, deixar em branco):",
    ADVISOR: "Orientador Principal:",
    COADVISOR: "Coorientador:",
    INTERNAL: "Membro Interno:",
    EXTERNAL: "Membro Externo:",
}
_DATE_PLACEHOLDER = "dd/mm/aaaa"
_TIME_PLACEHOLDER = "00:00h"
_ROOM_PLACEHOLDER = '(N° da Sala ou "Virtual")'

# What a label names: a single value, one role's members, a whole committee ("Banca:"),
# or the date and the time together.
SCALARS = ("student", "title", "date", "time", "room", "link")
MEMBER_KINDS = frozenset(ROLES)
COMMITTEE = "committee"
DATETIME = "datetime"


# --- labels ----------------------------------------------------------------------------------

_G = r"(?:\s?\((?:a|as|o|os|s|es)\)|/a|/as)?"  # "aluno(a)", "orientador/a", "membro(s)"
_MEMBER_WORD = (
    rf"(?:membros?{_G}|avaliador(?:a|es|as)?{_G}|examinador(?:a|es|as)?{_G}"
    rf"|professor(?:a|es|as)?{_G}|docentes?)"
)
_LABEL_PATTERNS = (
    (
        DATETIME,
        r"data\s*(?:e|/|&)\s*(?:hora(?:rio)?s?|local)(?:\s+d[ae]\s+defesa)?|quando"
        r"|dia\s*(?:e|/|&)\s*hora(?:rio)?|date\s*(?:and|/|&)\s*time|when",
    ),
    (
        "student",
        rf"(?:nome\s+(?:completo\s+)?(?:d[oa]{_G}\s+)?)?(?:alun[oa]{_G}|discente|mestrand[oa]{_G}"
        rf"|estudante|candidat[oa]{_G}|orientand[oa]{_G}|defendente)(?:\s+\(?nome\s+completo\)?)?"
        r"|nome(?:\s+completo)?|(?:master'?s\s+)?student(?:'?s)?(?:\s+(?:full\s+)?name)?"
        r"|candidate",
    ),
    (
        "title",
        r"titulo(?:\s+(?:provisorio|definitivo|final|oficial))?"
        r"(?:\s+d[ao]\s+(?:dissertacao|trabalho|defesa|tese|projeto|pesquisa))?|tema|trabalho"
        r"|tit\.?"
        r"|(?:thesis|dissertation)(?:\s+title)?|title(?:\s+of\s+the\s+(?:thesis|dissertation))?",
    ),
    (
        "date",
        r"data(?:\s+prevista)?(?:\s+d[ae]\s+defesa)?|dia(?:\s+da\s+defesa)?"
        r"|date(?:\s+of\s+(?:the\s+)?defen[cs]e)?",
    ),
    (
        "time",
        r"hor(?:ario|a)s?(?:\s+previst[oa])?(?:\s+d[ae]\s+(?:inicio|defesa))?|inicio"
        r"|(?:start(?:ing)?\s+)?time",
    ),
    (
        "link",
        r"link(?:\s+(?:d[ae]\s+|para\s+(?:a\s+)?|de\s+acesso\s+(?:a\s+|para\s+)?)?"
        r"(?:sala\s+virtual|videoconferencia|webconferencia|reuniao|transmissao|acesso|defesa"
        r"|sala))?|(?:endereco\s+d[ae]\s+)?sala\s+virtual|url|(?:meeting|video\s?call)\s+link",
    ),
    (
        "room",
        r"(?:sala|local)(?:\s*/\s*(?:sala|local))?(?:\s+d[ae]\s+defesa)?|sala\s+n[o.º°]*"
        r"|local\s+de\s+realizacao|onde|room|location|venue",
    ),
    (COADVISOR, rf"co-?\s?orientador(?:a|es|as)?{_G}|co-?\s?(?:advisor|supervisor)s?"),
    (
        ADVISOR,
        rf"(?:professor(?:a)?{_G}\s+)?orientador(?:a)?{_G}(?:\s+principal)?"
        rf"(?:\s*/\s*presidente(?:\s+da\s+banca)?)?"
        rf"|presidente(?:\s+da\s+banca)?(?:\s*/\s*orientador(?:a)?{_G})?"
        r"|(?:main\s+)?(?:advisor|supervisor)",
    ),
    (
        INTERNAL,
        rf"{_MEMBER_WORD}(?:\s+titular(?:es)?)?\s+intern[oa]s?{_G}|internal\s+(?:member|examiner)s?",
    ),
    (
        EXTERNAL,
        rf"{_MEMBER_WORD}(?:\s+titular(?:es)?)?\s+extern[oa]s?{_G}|external\s+(?:member|examiner)s?",
    ),
    (
        COMMITTEE,
        r"(?:membros\s+d[ae]\s+|composicao\s+d[ae]\s+)?banca(?:\s+(?:examinadora|avaliadora"
        r"|de\s+defesa|julgadora))?|membros(?:\s+titulares)?"
        r"|(?:comissao\s+)?(?:avaliador|examinador)(?:es|as|a)|comissao\s+(?:examinadora|avaliadora)"
        r"|(?:examining\s+|examination\s+|thesis\s+|defen[cs]e\s+)?(?:committee|board)|examiners",
    ),
)
# A tab separates table cells: never part of a label ("Sala<TAB>Virtual" is no "sala virtual").
_LABEL_ALTERNATIVES = "|".join(f"(?:{p})" for _, p in _LABEL_PATTERNS).replace(r"\s", r"[^\S\t\n]")
_KIND_OF = [(kind, LazyPattern(rf"(?:{p})")) for kind, p in _LABEL_PATTERNS]
# "Membro Externo 2", "Link Sala Virtual(Se n houver, deixar em branco)"
_LABEL_TAIL = r"(?P<number>\s*(?:n[º°o]\.?\s*)?\d{1,2}[º°ª]?)?(?:\s*\([^)\n]{0,80}\))?"
_LABEL_LINE = LazyPattern(
    rf"^(?:[\s*_•·◦▪►‣⁃-]*|\s*(?:\d{{1,2}}|[a-z])[.)]\s+)[*_\s]*(?P<label>{_LABEL_ALTERNATIVES})"
    rf"{_LABEL_TAIL}[\s*_]*(?P<sep>[:：\t|]|[-–—](?=\s|$)|$)"
)
# A second label later on the same line: "Data: 15/10/2025;  Horário: 14h".
# After a single space only the labels unlikely in a title ("Big Data: ...", "Busca Local: ...").
_INLINE_SAFE = "|".join(
    [f"(?:{p})" for kind, p in _LABEL_PATTERNS if kind in ("time", "link", *ROLES)] + ["sala"]
).replace(r"\s", r"[^\S\t\n]")
_INNER_LABEL = LazyPattern(
    rf"(?:(?:[;|\t]|\s{{2,}}|[.,]\s)[\s*_]*(?P<label>{_LABEL_ALTERNATIVES})"
    rf"|\s(?P<inline>{_INLINE_SAFE})){_LABEL_TAIL}[\s*_]*[:：]"
)
# Any "Label:" (Curso:, Matrícula:, E-mail:): ends a value that runs over several lines.
_ANY_LABEL = LazyPattern(r"^[\s*•·-]*[^\W\d_][^:\n]{0,40}:(?:\s|$)")
COMMITTEE_INTRO = LazyPattern(r"^[^:\n]{0,60}\bbanca\b[^:\n]{0,120}:(?!//)(?P<rest>.*)$")


def _label_kind(label: str) -> str:
    label = collapse(label)
    for kind, pattern in _KIND_OF:
        if pattern.fullmatch(label):
            return kind
    raise AssertionError(label)  # the alternation and the patterns are the same list


@dataclass
class Labelled:
    kind: str
    value: str
    # "Title:" beside "Título:": a bilingual request gives the title in both languages, and
    # the documents are in Portuguese
    english_title: bool = False


def match_label(line: str) -> Labelled | None:
    """ "Label: value" (or "Label - value", "Label<TAB>value", a label alone) at the start
    of ``line``; None when the line does not start with a form label."""
    folded = fold(line)
    match = _LABEL_LINE.match(folded)
    if match is None:
        return None
    kind = _label_kind(match["label"])
    if match["number"] and kind not in MEMBER_KINDS:
        return None  # "Sala 12" is a room, not the twelfth room label
    english = kind == "title" and match["label"].lstrip(" *").startswith("title")
    return Labelled(kind, line[match.end() :], english_title=english)


def split_inner_labels(labelled: Labelled) -> list[Labelled]:
    folded = fold(labelled.value)
    found = [
        m
        for m in _INNER_LABEL.finditer(folded)
        if not re.search(r"https?://\S*$", folded[: m.start()])
    ]
    if not found:
        return [labelled]
    out = [Labelled(labelled.kind, labelled.value[: found[0].start()])]
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(labelled.value)
        label = match["label"] or match["inline"]
        out.append(Labelled(_label_kind(label), labelled.value[match.end() : end]))
    return out


def is_label_line(line: str) -> bool:
    return match_label(line) is not None or bool(_ANY_LABEL.match(line))


# How many lines a label's value may run over; how far a closing looks for form lines.
CONTINUATION_LINES = 30


# --- HTML tables written as text -------------------------------------------------------------

_NAME_COLUMN = LazyPattern(
    r"(?:nome|membros?|professor(?:es|a|as)?|avaliador(?:es|a|as)?|docentes?|banca"
    r"|examinador(?:es|a|as)?)(?:\s+d[ao]s?\s+\w+)?"
)
_INSTITUTION_COLUMN = LazyPattern(
    r"instituicao|ies|afiliacao|origem|vinculo|instituicao\s+de\s+origem"
)
_ROLE_COLUMN = LazyPattern(r"funcao|papel|participacao|tipo|cargo|condicao|atuacao")


def _whole_label(cell: str) -> str | None:
    cell = cell.strip()
    match = _LABEL_LINE.match(fold(cell))
    if match is None or cell[match.end() :].strip(" :*_"):
        return None
    return _label_kind(match["label"])


def expand_tables(lines: list[str]) -> list[str]:
    """Tables whose first row holds the labels ("Aluno | Título | Data" over the values),
    and committee tables ("Nome | Instituição | Função"), as "Label: value" lines."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        cells = [c.strip() for c in lines[index].split("\t")]
        width = len(cells)
        if width >= 2 and all(cells):
            rows = []
            following = index + 1
            while following < len(lines) and lines[following].count("\t") == width - 1:
                rows.append([c.strip() for c in lines[following].split("\t")])
                following += 1
            if rows and all(_whole_label(c) for c in cells):
                for row in rows:
                    out.extend(
                        f"{label.rstrip(' :*')}: {value}"
                        for label, value in zip(cells, row, strict=True)
                    )
                index = following
                continue
            columns = [collapse(fold(c)).strip(" :*") for c in cells]
            name_col = next((i for i, c in enumerate(columns) if _NAME_COLUMN.fullmatch(c)), None)
            inst_col = next(
                (i for i, c in enumerate(columns) if _INSTITUTION_COLUMN.fullmatch(c)), None
            )
            role_col = next((i for i, c in enumerate(columns) if _ROLE_COLUMN.fullmatch(c)), None)
            if rows and name_col is not None and (inst_col is not None or role_col is not None):
                out.append("Banca:")
                for row in rows:
                    notes = [row[i] for i in (inst_col, role_col) if i is not None and row[i]]
                    out.append(row[name_col] + (f" ({', '.join(notes)})" if notes else ""))
                out.append("")
                index = following
                continue
        out.append(lines[index])
        index += 1
    return out


# --- the blank form, pre-filled --------------------------------------------------------------


def _member_text(member: Member) -> str:
    text = " ".join(part for part in (member.honorific, member.name) if part)
    return f"{text} ({member.institution})" if member.institution else text


def blank_form(data: DefenseData | None = None) -> str:
    """The secretariat's form, pre-filled with what ``data`` knows; the blank form's hints
    (dd/mm/aaaa, 00:00h, the room's) stay where nothing is known, and read back as empty."""
    data = data or DefenseData()

    def line(name: str, value: str) -> str:
        return f"{FORM_LABELS[name]} {value}".rstrip()

    def members(role: str) -> str:
        return "; ".join(_member_text(m) for m in data.by_role(role))

    return "\n".join(
        [
            line("student", data.student),
            line("title", data.title),
            line("date", data.date.strftime("%d/%m/%Y") if data.date else _DATE_PLACEHOLDER),
            line("time", data.time.strftime("%H:%Mh") if data.time else _TIME_PLACEHOLDER),
            line("room", data.room or _ROOM_PLACEHOLDER),
            line("link", data.link),
            "",
            line(ADVISOR, members(ADVISOR)),
            line(COADVISOR, members(COADVISOR)),
            line(INTERNAL, members(INTERNAL)),
            line(EXTERNAL, members(EXTERNAL)),
        ]
    )
