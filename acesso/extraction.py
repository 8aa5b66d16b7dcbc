"""Who a lab-access email is about, and who asked: the student's name and address.

The requester is who wrote the request: the sender, or the original sender of a forward.
The student (the subject, who gets the account) is, in this order:
1. a table's row under its header row ("Nome\tE-mail" / "Fulano\tfulano@..."), else a
   labelled value ("Nome:", "Aluno(a):", "Discente:", a two-column table row, a form's
   label on the line above its answer), never a header's or a label's words;
2. a student someone names ("para a minha orientanda, Nome Sobrenome", "meu aluno de
   mestrado Nome Sobrenome", "o aluno em cópia, Nome", "o pesquisador visitante Dr. Nome",
   "my PhD student Name Surname"), several students in a sentence, or a list of students
   one a line ("1. Nome – nome@..."): the first, marked;
3. a person who introduces themself ("Sou Nome Sobrenome, aluna do mestrado", "me chamo
   ...", "aqui é a ...", "my name is ...");
4. a student the Subject names ("Conta para orientando: Nome Sobrenome");
4b. "a aluna em cópia" with no name in the text: the one person copied in, marked (with
   several or none, no one: a person picks, never the writer);
5. otherwise the writer of the request: the sender, or the forward's original sender;
   but when the forwarded message speaks of "minha orientanda" / "sua conta" without a
   name, is addressed to who forwarded it, or they speak of "meu acesso", the person who
   forwarded it is the student (a student forwarding the advisor's authorisation). The
   writer's fullest name is read from their signature (a phone's "Enviado do meu iPhone"
   is none); with no whole name anywhere in the text or the From header, their own
   introduction in lower case ("aqui é a bianca esteves do carmo") when their address is
   made of it (capitalised, marked), else the Subject's ("Acesso ao laboratório - Nome
   Sobrenome") when the sender's address is made of it.

A named student's address is the one written after their name (never the program's, the
writer's, or another person's copied in), else theirs if they wrote the email, else
theirs in Cc. Each value keeps where it was read (a character span in the email's text,
or the header it came from), and a value read from prose, the Subject, or a guess between
two names, is marked for a person to check. Staff correct both before approving. Pure
Python, no models.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import getaddresses
from functools import cache

from emails.forwards import forward_span, reply_start
from mailflow.text import cut_words

# Letters of Latin names, the Central European ones too (Łukasz Wiśniewski, Dvořáková).
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿĀ-ɏ"
_NAME_WORD = rf"[A-ZÀ-ÖØ-ÞĀ-ɏ][{_LETTER}'’.-]*[{_LETTER}]"
_PARTICLES = frozenset(
    {"da", "de", "do", "das", "des", "dos", "e", "di", "du", "van", "von", "del", "della", "der",
     "le", "la", "y"}
)  # fmt: skip
_PARTICLE = r"(?:d[aeo]s?|e|di|du|van|von|del|della|der|le|la|y)"
# Two to seven capitalised words, particles between them, on one line.
_PROPER_NAME = rf"{_NAME_WORD}(?:[ \u00a0]+(?:{_PARTICLE}[ \u00a0]+)?{_NAME_WORD}){{1,6}}"

_NAME_LABEL = re.compile(
    r"^[ \t>*•-]*(?:nome(?: completo)?(?: do\(?a?\)? alun[oa]\)?)?|alun[oa](?:\(a\))?|discente|"
    r"estudante|student(?: name)?|full name|name)\s*[:\t][ \t*]*(?P<value>[^\n]+)$",
    re.I | re.M,
)
# A table row read as text ("Nome  Fulano de Tal", cells side by side): the label, then
# nothing but a name on the line.
_NAME_ROW = re.compile(
    r"^[ \t>*]*(?:Nome(?: completo)?|NOME(?: COMPLETO)?|Alun[oa]|Discente|Estudante|Student)"
    r"[ \t\u00a0]+(?P<value>" + _PROPER_NAME + r")[ \t]*$",
    re.M,
)
# A form's label on its own line, the answer on the next (Google Forms, Microsoft Forms):
# "Nome completo\nFulana de Tal".
_NAME_LABEL_ABOVE = re.compile(
    r"^[ \t>*]*(?i:nome(?: completo)?(?: do\(?a?\)? alun[oa]\)?)?|alun[oa](?:\(a\))?|discente|"
    r"estudante|student(?: name)?|full name|name)[ \t*]*:?[ \t]*\n[ \t>*]*"
    r"(?P<value>" + _PROPER_NAME + r")[ \t]*$",
    re.M,
)
# The words of a table's header row or of a form's labels: never a name ("Nome\tE-mail").
_FIELD_WORDS = frozenset(
    {"e-mail", "email", "matricula", "orientador", "orientadora", "curso", "cpf", "telefone",
     "vinculo", "nivel", "programa", "login", "usuario", "periodo", "situacao", "name"}
)  # fmt: skip
# The cells of a table read as text: tabs, pipes, or wide gaps between them.
_CELLS = re.compile(r"\t+|[ \t]*\|[ \t]*|[ \u00a0]{3,}")
_NAME_HEADERS = frozenset(
    {"nome", "nome completo", "aluno", "aluna", "aluno(a)", "discente", "estudante", "student",
     "name", "full name", "student name"}
)  # fmt: skip
_EMAIL_HEADERS = frozenset({"e-mail", "email", "e-mail institucional", "e-mail pessoal"})
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_EMAIL_LABEL = re.compile(
    r"^[ \t>*•-]*(?:e-?mail(?: pessoal| institucional)?)\s*[:\t ][ \t*<]*(?P<value>" + _EMAIL + ")",
    re.I | re.M,
)
_ADDRESS = re.compile(_EMAIL)
# The writer points at someone copied in: "o aluno em cópia", "my student (cc'd)".
_IN_COPY = r"(?i:em\s+c[oó]pia|copiad[oa]|em\s+cc|in\s+cc|cc'?e?d|copied(?:\s+in)?)"
# The student is the person copied in: "para a aluna em cópia", "the student in cc".
_STUDENT_IN_COPY = re.compile(
    r"(?i:\b(?:alun[oa]|orientand[oa]|discente|estudante|mestrand[oa]|doutorand[oa]|bolsista|"
    r"pesquisador(?:a)?|visitante|student|advisee|researcher|visitor))\s*(?:\(\s*"
    + _IN_COPY
    + r"\s*\)|"
    + _IN_COPY
    + r"\b)"
)
# Someone names the student: "para a minha orientanda, Nome", "o aluno de mestrado Nome".
_NAMED = re.compile(
    r"(?i:\b(?:(?:para\s+)?(?:o\(a\)|[oa]|meu|minha|nosso|nossa|ao|à|do|da|seu|sua)\s+)"
    r"(?:novo\s+|nova\s+)?"
    r"(?:orientand[oa]|alun[oa]|discente|estudante|mestrand[oa]|doutorand[oa]|bolsista|"
    r"aluno\(a\)|orientando\(a\)|p[oó]s-?doutorand[oa]|intercambista|"
    r"(?:pesquisador|professor)(?:a|\(a\))?\s+visitante)"
    r"(?:\s+(?:visitante|estrangeir[oa]|especial|de\s+interc[aâ]mbio))?"
    r"(?:\s+(?:de|do)\s+(?:mestrado|doutorado|inicia[cç][aã]o\s+cient[ií]fica|ic|gradua[cç][aã]o))?"
    r"|\b(?:my|our|the)\s+(?:new\s+)?"
    r"(?:(?:ph\.?\s?d\.?|doctoral|master'?s|msc|graduate|undergraduate|visiting|exchange|"
    r"research)\s+)*(?:student|advisee|intern|supervisee|postdoc|"
    r"visiting\s+(?:researcher|scholar|professor)))"
    r"(?:\s*(?:\(\s*" + _IN_COPY + r"\s*\)|" + _IN_COPY + r"))?"
    r"\s*[,:–—-]?\s+(?:(?i:dr|dra|drª|prof|profa|profª)\.?\s+)?"
    r"(?P<name>" + _PROPER_NAME + ")"
)
# The name, then the role: "para Nome Sobrenome, meu orientando", "Name (my PhD student)".
_NAMED_BEFORE = re.compile(
    r"(?<![\w'’.-])(?P<name>" + _PROPER_NAME + r")[ \t]*[,(–—-][ \t]*"
    r"(?i:(?:(?:meu|minha|nosso|nossa|my|our)\s+)?(?:nov[oa]\s+|new\s+)?"
    r"(?:orientand[oa]|alun[oa]|mestrand[oa]|doutorand[oa]|bolsista|discente|"
    r"(?:(?:ph\.?\s?d\.?|doctoral|master'?s|msc|graduate|undergraduate|visiting|exchange)\s+)*"
    r"(?:student|advisee))\b)"
)
# Words that open a greeting or name an office: "Prezada Secretaria, minha orientanda...".
_NOT_A_PERSON = frozenset(
    {
        "prezado", "prezada", "prezados", "prezadas", "caro", "cara", "caros", "ola", "oi",
        "bom", "boa", "dear", "hi", "hello", "secretaria", "coordenacao", "senhor", "senhora",
        "sr", "sra", "ilmo", "ilma", "universidade", "programa", "laboratorio",
    }
)  # fmt: skip
# Words that open a sentence before a name: "Para Nome Sobrenome, meu orientando...".
_LEADING_WORDS = frozenset({"para", "sou", "eu", "o", "a", "ao", "e", "for", "and", "segue"})
# Several students named at once: "para os alunos Fulano de Tal e Beltrana Souza".
_NAMED_MANY = re.compile(
    r"(?i:\b(?:[oa]s|meus|minhas|nossos|nossas)\s+(?:alun[oa]s|orientand[oa]s|estudantes|"
    r"discentes|mestrand[oa]s|bolsistas|students|advisees))\s*[,:–—-]?\s+"
    r"(?P<name>" + _PROPER_NAME + r")(?P<more>(?:\s*(?:,|\se\s|\sand\s)\s*" + _PROPER_NAME + ")+)"
)
# Someone introduces themself: "Sou Nome Sobrenome", "me chamo ...", "my name is ...".
_SELF = re.compile(
    r"(?i:\b(?:sou\s+(?:[oa]\s+)?|me\s+chamo\s+|chamo-me\s+|(?m:^)eu\s*,\s*|"
    r"meu\s+nome\s+(?:completo\s+)?(?:é|e)\s+|aqui\s+(?:é|e)\s+(?:[oa]\s+)?|"
    r"quem\s+(?:fala|escreve)\s+(?:é|e)\s+(?:[oa]\s+)?|"
    r"my\s+(?:full\s+)?name\s+is\s+|i\s+am\s+|i'm\s+|this\s+is\s+))"
    r"(?P<name>" + _PROPER_NAME + ")"
)
# The writer's own address: "meu e-mail institucional é fulana@...".
_OWN_ADDRESS = re.compile(
    r"(?i:\b(?:meu|my)\s+(?:e-?mail|endere[cç]o(?:\s+de\s+e-?mail)?|address)\b[^@\n]{0,60}?)"
    r"(?P<value>" + _EMAIL + ")"
)
# The forwarded message speaks of the student without naming them, or of "your account".
_UNNAMED_STUDENT = re.compile(
    r"\b(?:minha\s+orientanda|meu\s+orientando|meu\s+alun[oa]|minha\s+aluna|[oa]\s+alun[oa]|"
    r"(?:seu|sua)\s+(?:acesso|conta|usu[aá]rio|login|cadastro)|"
    r"my\s+student|the\s+student|your\s+(?:access|account|user|login))\b",
    re.I,
)
# The writer speaks of a student of theirs without naming them: "minha orientanda
# precisa de acesso", "o aluno novo do grupo", "my student needs an account".
_UNNAMED_OWN = re.compile(
    r"\b(?:(?:meu|minha|meus|minhas|nosso|nossa|nossos|nossas)\s+(?:nov[oa]s?\s+)?"
    r"(?:orientand[oa]s?|alun[oa]s?|bolsistas?|mestrand[oa]s?|doutorand[oa]s?|estudantes?)|"
    r"(?:[oa]|um|uma)\s+(?:nov[oa]\s+)?(?:alun[oa]|bolsista|orientand[oa]|estudante|"
    r"mestrand[oa]|doutorand[oa])\s+(?:nov[oa]\s+)?(?:d[oa]|de)\s+(?:(?:meu|minha|nosso|nossa)\s+)?"
    r"(?:grupo|laborat[oó]rio|lab|projeto|equipe)|"
    r"(?:my|our)\s+(?:new\s+)?(?:(?:ph\.?\s?d\.?|doctoral|master'?s|msc|graduate|undergraduate|"
    r"visiting|exchange|research)\s+)?(?:students?|advisees?|interns?|supervisees?)"
    r"(?!\s+(?:account|e-?mail|id|card|login|number|user|portal|visa)))\b",
    re.I,
)
# The writer says what they are: "Sou um aluno novo do grupo", "I am a new student".
_SELF_BEFORE = re.compile(r"(?i:\b(?:sou|i\s+am|i'm)\s+(?:\w+\s+)?)$")
# Who forwards speaks of their own access: "segue a autorização para o meu acesso".
_OWN_ACCESS = re.compile(
    r"\b(?:meu\s+(?:acesso|usu[aá]rio|login|cadastro)|minha\s+conta|para\s+mim|"
    r"my\s+(?:access|account|user|login))\b",
    re.I,
)
# The forwarded note lets who forwarded it ask: "pode pedir o acesso", "you may request".
_PERMISSION = re.compile(
    r"\b(?:(?:voc[eê]\s+)?pode(?:s|m)?\s+(?:pedir|solicitar|requerer|fazer\s+o\s+pedido)|"
    r"(?:you\s+)?(?:can|may)\s+(?:request|ask\s+for|apply\s+for)|go\s+ahead)\b",
    re.I,
)
# Who forwards speaks of their own advisor: a student ("a autorização do meu orientador").
_OWN_ADVISOR = re.compile(
    r"\b(?:meu\s+orientador|minha\s+orientadora|meu\s+co-?orientador|minha\s+co-?orientadora|"
    r"my\s+(?:advisor|adviser|supervisor))\b",
    re.I,
)
# A note's first line greets one person: "Jefferson,", "Olá, Bia!", "Dear Tom,".
_GREETING = re.compile(
    r"^(?:(?:oi|ol[aá]|ei|caro|cara|prezad[oa]|querid[oa]|bom\s+dia|boa\s+tarde|boa\s+noite|"
    r"hi|hello|dear)[ ,]+)?(?P<name>[^\W\d_][\w'’-]*)\s*[,!:]?$",
    re.I,
)
# What a phone's or a webmail's client writes under a message: never a name.
_CLIENT_LINE = re.compile(
    r"^\s*(?:enviad[oa]\s+(?:d[oe]|pel[oa]|via|a\s+partir\s+d[oe]|com)\b|"
    r"sent\s+(?:from|via|with|using)\b|get\s+outlook\b|obter\s+o\s+outlook\b|"
    r"baixe\s+o\s+outlook\b|download\s+outlook\b)[^\n]{0,70}$",
    re.I,
)
# A signature on the text's last line after a dash: "... do laboratório. — Nome Sobrenome".
_DASH_SIGNATURE = re.compile(r"(?:^|\s)(?:—|–|--?)[ \t]*(?P<name>" + _PROPER_NAME + r")[ \t]*$")
# One student a line: "1. Nome Sobrenome – nome@...", "- Nome (nome@...)".
_LIST_ITEM = re.compile(
    r"^[ \t>]*(?P<mark>\d{1,2}[.)]|[a-z]\)|[-•*–·])[ \t]+"
    r"(?:(?:prof(?:ª|a|essora|essor)?|dr(?:ª|a)?)\.?[ \t]+)?"
    r"(?P<name>" + _PROPER_NAME + r")(?P<rest>[^\n]*)$",
    re.M,
)
# A student named in the Subject: "Conta para orientando: Nome", "Acesso - aluna Nome".
_SUBJECT_NAMED = re.compile(
    r"(?i:\b(?:alun[oa]|orientand[oa]|discente|estudante|mestrand[oa]|doutorand[oa]|"
    r"bolsista|student|advisee))\s*[:–—-]?\s+(?P<name>" + _PROPER_NAME + r")\s*$"
)
# The Subject's last part, after a separator: "Acesso ao laboratório - Nome Sobrenome".
_SUBJECT_TAIL = re.compile(r"(?:\s[-–—|]\s*|:\s*|\()(?P<name>" + _PROPER_NAME + r")\)?\s*$")
_CLOSINGS = re.compile(
    r"^\s*(?:atenciosamente|att\.?|atte\.?|abra[çc]os?|um abra[çc]o|abs\.?|obrigad[oa]|"
    r"muito obrigad[oa]|grat[oa]|agrade[çc]o(?: desde j[áa])?|desde j[áa] agrade[çc]o|"
    r"cordialmente|sauda[çc][õo]es|valeu|vlw|at[ée] mais|best regards|kind regards|regards|"
    r"best|cheers|thanks(?: a lot)?|thank you|sincerely|obg)\b[^\n]{0,30}$",
    re.I | re.M,
)
# Between the name and the role on a signature's line: "Nome | Mestrando", "Nome - Ifes".
_SIGNATURE_ROLE = re.compile(r"\s+[|–—-]\s+|\s*[,|(]\s*")
_HONORIFIC = re.compile(
    r"^(?:(?:prof(?:ª|a|essora|essor)?|dr(?:ª|a)?|me|msc|sr(?:ª|a)?|eng)\.?\s+)+", re.I
)
_LOOKS_LIKE_NAME = re.compile(rf"^{_PROPER_NAME}$")
_ANY_NAME_WORDS = re.compile(rf"^[{_LETTER}'’.-]+(?: [{_LETTER}'’.-]+){{1,6}}$")


@dataclass
class Found:
    """A value and where it was read: a span of the email's text, or a header."""

    value: str
    start: int | None = None
    end: int | None = None
    rule: str = ""  # a mailflow.reading.RULES code: "label", "named", "self", "sender"...
    check: str = ""  # why a person should look at it: a mailflow.reading.CHECK_REASONS code

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "rule": self.rule,
            "check": self.check,
        }


@dataclass
class Student:
    name: str
    email: str
    source: str  # the rule that found the name (see Found.rule)
    requester_name: str = ""
    requester_email: str = ""
    # field -> Found (student_name, student_email, requester_name, requester_email)
    found: dict[str, Found] = field(default_factory=dict)

    @property
    def checks(self) -> dict[str, str]:
        """field -> why a person should check it."""
        return {name: f.check for name, f in self.found.items() if f.check}

    def provenance(self) -> dict[str, dict]:
        return {name: f.as_dict() for name, f in self.found.items()}


def _clean(value: str) -> str:
    value = re.sub(r"\s+", " ", value.replace("*", " ")).strip(" .,;:")
    return cut_words(value, 200)


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _plausible_name(value: str) -> bool:
    value = _nfc(value)
    return (
        bool(_ANY_NAME_WORDS.fullmatch(value))
        and any(c.isalpha() for c in value)
        and not _CLIENT_LINE.match(value)
    )


def _without_honorific(value: str) -> str:
    return _HONORIFIC.sub("", value).strip()


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class _Part:
    """A stretch of the text written by one person."""

    start: int
    end: int
    writer_name: str
    writer_email: str
    writer_rule: str


def _parts(
    text: str,
    from_name: str,
    from_address: str,
    forwarded: bool,
    original: tuple[str, str],
    subject: str = "",
) -> tuple[_Part, _Part | None]:
    """The sender's own words and, for a forward, the forwarded message's (an Outlook
    header block is a forward's only under a "FW:"/"ENC:" Subject, as intake reads it)."""
    own_end = min(reply_start(text), len(text))
    span = forward_span(text, subject) if forwarded else None
    inner = None
    if span is not None and span[0] < own_end:
        own_end = span[0]
        inner_end = reply_start(text[span[1] :])
        inner = _Part(span[1], span[1] + inner_end, original[0], original[1], "forward")
    elif forwarded and (original[0] or original[1]):
        # no block in the text (a forward told by headers only): the text is theirs
        inner = _Part(own_end, own_end, original[0], original[1], "forward")
    return _Part(0, own_end, from_name, from_address, "sender"), inner


def _signature(text: str, part: _Part) -> Found | None:
    """The name under the writer's last closing formula ("Atenciosamente,\\nNome"); under
    a nickname alone on its line, the whole name of the next line when it is the writer's
    ("Abs,\\nBia\\nBeatriz Helena Falqueto" from bia.falqueto@...)."""
    region = text[part.start : part.end]
    closings = list(_CLOSINGS.finditer(region))
    if not closings:
        return None
    position = part.start + closings[-1].end()
    nickname = False
    for line in text[position : part.end].split("\n")[1:6]:
        stripped = line.strip().lstrip(">").strip()
        if not stripped or stripped == "--" or _CLIENT_LINE.match(stripped):
            position += len(line) + 1
            continue
        value = _clean(_without_honorific(stripped))
        head = _clean(_SIGNATURE_ROLE.split(value, maxsplit=1)[0])
        if head != value and " " in head and _plausible_name(head):
            value = head  # "Nome Sobrenome | Mestrando PPComp"
        if _plausible_name(value) and (not nickname or _is_writer(value, part)):
            start = text.find(value.split(" ")[0], position)
            return Found(value, start, start + len(value) if start >= 0 else None, "signature")
        if nickname or not re.fullmatch(rf"[{_LETTER}]+", value):
            return None
        nickname = True
        position += len(line) + 1
    return None


def _signature_start(text: str, part: _Part) -> int:
    """Where the writer's signature begins: after their last closing formula (the end of
    their text when there is none)."""
    closings = list(_CLOSINGS.finditer(text, part.start, part.end))
    return closings[-1].end() if closings else part.end


def _is_writer(name: str, part: _Part) -> bool:
    """Whether a whole name read near the end of the writer's text is theirs: it begins
    with the first name of their From header, or their address is made of it (of their
    names, or of the nickname and a family name: see _address_is_of)."""
    header = _fold(_clean(part.writer_name)).split()
    if header and _fold(name).split()[0] == header[0]:
        return True
    return _address_is_of(name, part)


def _address_is_of(name: str, part: _Part) -> bool:
    """Whether the writer's address is made of `name`: of their names, or of the From
    header's nickname and a family name ("duda.zanon@" from "Duda", Maria Eduarda Zanon)."""
    if _address_fits(name, part.writer_email):
        return True
    header = _fold(_clean(part.writer_name)).split()
    local = re.split(r"[._-]+", part.writer_email.split("@")[0].lower())
    family = [w for w in _fold(name).split()[1:] if len(w) >= 3 and w not in _PARTICLES]
    return len(header) == 1 and header[0] in local and any(w in local for w in family)


def _last_lines_name(text: str, part: _Part) -> Found | None:
    """A signature without a closing formula: among the last lines of the writer's text,
    a whole name that is the writer's (see _is_writer: "Bruno" -> "Bruno Alves Teixeira"),
    alone on its line or after a dash at the end of the text ("... — Bruno Alves
    Teixeira")."""
    lines = [
        line
        for line in text[part.start : part.end].split("\n")
        if line.strip() and not _CLIENT_LINE.match(line)
    ][-5:]
    dash = _DASH_SIGNATURE.search(lines[-1]) if lines else None
    if dash is not None and _is_writer(dash.group("name"), part):
        value = _clean(dash.group("name"))
        start = text.rfind(value, part.start, part.end)
        if start >= 0:
            return Found(value, start, start + len(value), "signature")
    for line in reversed(lines):
        value = _clean(_without_honorific(line.strip().lstrip(">").strip()))
        if " " in value and _plausible_name(value) and _is_writer(value, part):
            start = text.rfind(value, part.start, part.end)
            return Found(value, start if start >= 0 else None, start + len(value), "signature")
    return None


def _best_writer_name(text: str, part: _Part) -> Found:
    """The writer's fullest name: their signature when it is a whole name, else the
    display name of the header. A name written all in lower (or upper) case is
    capitalised and marked."""
    found = _writer_name(text, part)
    letters = [c for c in found.value if c.isalpha()]
    if " " in found.value.strip() and (
        not any(c.isupper() for c in letters) or all(c.isupper() for c in letters)
    ):
        found.value = _capitalised(found.value)
        found.check = "name_case"
    return found


def _capitalised(name: str) -> str:
    """ "maria das dores lyrio", "MARIA DAS DORES LYRIO" -> "Maria das Dores Lyrio"."""
    words = name.lower().split()
    return " ".join(
        word
        if i and word in _PARTICLES
        else "-".join(w[:1].upper() + w[1:] for w in word.split("-"))
        for i, word in enumerate(words)
    )


def _writer_name(text: str, part: _Part) -> Found:
    header = _clean(_without_honorific(part.writer_name))
    signature = _signature(text, part) or _last_lines_name(text, part)
    if signature is not None and " " in signature.value:
        if not header or _fold(signature.value).startswith(_fold(header)):
            return signature
        if _abridges(signature.value, header):
            # "Heitor Lage" or "Heitor L. Souto" signs for "Heitor Lage Souto": the fuller
            return Found(header, rule=part.writer_rule)
        first = _fold(header).split(" ")[0]
        if _fold(signature.value).split(" ")[0] == first:
            return signature
        signature.check = "names_differ"
        return signature
    return Found(header, rule=part.writer_rule)


def _abridges(short: str, full: str) -> bool:
    """Whether `short` is `full` with names left out or cut to initials ("Ulisses P.
    Caliman" for "Ulisses Pretti Caliman")."""
    words, whole = _fold(short).replace(".", " ").split(), _fold(full).split()
    if not words or words == whole or len(words) > len(whole):
        return False
    at = 0
    for word in words:
        while at < len(whole) and not (
            whole[at] == word or (len(word) == 1 and whole[at].startswith(word))
        ):
            at += 1
        if at == len(whole):
            return False
        at += 1
    return True


def _within(found: Found, part: _Part) -> bool:
    return found.start is not None and part.start <= found.start < part.end


def _first(pattern: re.Pattern, text: str, part: _Part | None) -> re.Match | None:
    if part is None or part.end <= part.start:
        return None
    return pattern.search(text, part.start, part.end)


def _in_sentences(
    pattern: re.Pattern, text: str, parts: tuple[_Part, _Part | None]
) -> tuple[re.Match, _Part] | None:
    """The first match in the sender's words, else in the forwarded message's."""
    for part in parts:
        match = _first(pattern, text, part)
        if match is not None:
            return match, part
    return None


def _address_near(
    text: str,
    start: int,
    end: int,
    exclude: Iterable[str],
    copied: list[tuple[str, str]],
    student: str,
) -> Found | None:
    """The first address after a named student, in the same stretch of text: never an
    excluded one, nor the address of another person copied in (the host professor)."""
    excluded = {a.lower() for a in exclude if a}
    for match in _ADDRESS.finditer(text, start, min(end, start + 600)):
        address = match.group(0).lower()
        if address not in excluded and not _someone_else(address, copied, student):
            return Found(match.group(0).lower(), match.start(), match.end(), "named")
    return None


def identify_student(
    *,
    body: str,
    from_name: str,
    from_address: str,
    subject: str = "",
    cc: str = "",
    forwarded: bool = False,
    original_from_name: str = "",
    original_from_address: str = "",
    program_addresses: Iterable[str] = (),
) -> Student:
    text = (body or "").replace("\r\n", "\n")
    own, inner = _parts(
        text,
        from_name,
        from_address,
        forwarded,
        (original_from_name, original_from_address),
        subject,
    )
    writer = inner if inner is not None and (inner.writer_name or inner.writer_email) else own
    requester = _best_writer_name(text, writer)
    found: dict[str, Found] = {
        "requester_name": requester,
        "requester_email": Found(writer.writer_email.lower(), rule=writer.writer_rule),
    }
    copied = _addresses(cc)
    exclude = [from_address, original_from_address, *program_addresses]
    writers = [p.writer_name for p in (own, inner) if p is not None and p.writer_name]

    name: Found | None = None
    email: Found | None = None
    email_label = _EMAIL_LABEL.search(text)
    if email_label:
        email = Found(email_label.group("value").lower(), *email_label.span("value"), rule="label")
    label, rule = _NAME_LABEL.search(text), "label"
    if not (label and _labelled_name(label.group("value"))):
        label, rule = _NAME_ROW.search(text), "table"
    if not (label and _labelled_name(label.group("value"))):
        label, rule = _NAME_LABEL_ABOVE.search(text), "label"
    listed = _listed_students(text, (own, inner), exclude, writers)
    table = _column_table(text)
    if table is not None:
        name, email = table[0], email or table[1]
        email = email or _address_near(text, name.end or 0, len(text), exclude, copied, name.value)
    elif label and _labelled_name(label.group("value")):
        value = _clean(label.group("value"))
        start = label.start("value") + label.group("value").find(value.split(" ")[0])
        name = Found(value, start, start + len(value), rule)
        email = email or _address_near(text, label.end(), len(text), exclude, copied, value)
    else:
        name, near = _named_in_text(text, (own, inner), listed, exclude, copied)
        email = email or near
        if name is not None and name.rule == "self" and _within(name, writer):
            # who introduces themself in the request's words wrote it: their whole name,
            # not the shorter one of the From header ("Anne V." for Anneliese Vogt)
            requester = found["requester_name"] = Found(name.value, name.start, name.end, "self")
    if name is None:
        # no rule names them: the one person the request's words point at, if any
        from acesso.candidates import student_by_context

        picked = student_by_context(
            text,
            (own, inner),
            subject,
            [*exclude, own.writer_email, inner.writer_email if inner else ""],
            [_without_honorific(w) for w in (*writers, requester.value)],
        )
        if picked is not None:
            name, email = picked[0], email or picked[1]
    if name is not None and len(listed) > 1 and not name.check:
        name.check = "several_students"
    if name is None and (match := _SUBJECT_NAMED.search(subject or "")):
        # the Subject names the student the text speaks of ("Conta para orientando: Nome")
        name = Found(_clean(match.group("name")), rule="subject", check="from_subject")
    if name is not None and email is None:
        email = _writer_address_for(name.value, text, (own, inner))
        if not email.value:
            email = _copied_address_for(name.value, copied, exclude) or email
    forwarder_is_student = (
        name is None
        and inner is not None
        and bool(own.writer_email)
        and _forwarder_is_student(text, own, inner)
    )
    if name is None and (in_copy := _copied_student(text, writer, copied, exclude)):
        # "para a aluna em cópia": the one person copied in, never the writer
        name, email = in_copy[0], email or in_copy[1]
    if name is None and not forwarder_is_student and _speaks_of_a_student(text, writer):
        # the writer asks for a student they never name ("minha orientanda precisa de
        # acesso"): never the writer; the Subject's name, else none (a person fills it in)
        tail = _SUBJECT_TAIL.search(subject or "")
        value = _clean(tail.group("name")) if tail else ""
        if value and not _writes_as(value, writer):
            name = Found(value, rule="subject", check="from_subject")
            email = email or _copied_address_for(value, copied, exclude)
        else:
            name = Found("", check="student_not_named")
        email = email or Found("", check="no_address")
    if name is None:
        # the forwarded message speaks of the student, or to the person who forwarded it:
        # who forwarded it is the student
        subject_of = own if forwarder_is_student else writer
        name = _best_writer_name(text, subject_of)
        if subject_of is own and writer is inner:
            name.check = name.check or "forwarder_assumed"
        email = email or _own_address(text, subject_of)
        if " " not in name.value.strip() and (lower := _lower_case_self(text, subject_of)):
            # "aqui é a bianca esteves do carmo" from bianca.esteves@...: capitalised, marked
            name = lower
            if subject_of is writer and " " not in requester.value.strip():
                requester = found["requester_name"] = Found(lower.value, rule="self")
        if " " not in name.value.strip():
            # no whole name in the text nor in the From header: the Subject's, when it is
            # the writer's ("Acesso ao laboratório - Nome Sobrenome" from nsobrenome@...)
            tail = _SUBJECT_TAIL.search(subject or "")
            value = _clean(tail.group("name")) if tail else ""
            if value and _writes_as(value, subject_of):
                name = Found(value, rule="subject", check="from_subject")
                if subject_of is writer and " " not in requester.value.strip():
                    requester = found["requester_name"] = Found(value, rule="subject")
    return Student(
        name=name.value,
        email=email.value if email else "",
        source=name.rule,
        requester_name=requester.value,
        requester_email=writer.writer_email.lower(),
        found={"student_name": name, "student_email": email or Found(""), **found},
    )


def _named_in_text(
    text: str,
    parts: tuple[_Part, _Part | None],
    listed: list[tuple[Found, Found]],
    exclude: Iterable[str],
    copied: list[tuple[str, str]],
) -> tuple[Found | None, Found | None]:
    """The student and their address as the sentences give them: someone names the
    student, several students (in a sentence or a list, one a line), or the writer
    introduces themself."""
    for pattern, check in ((_NAMED, "prose_named"), (_NAMED_MANY, "several_students")):
        found_in = _in_sentences(pattern, text, parts)
        if found_in is not None:
            match, part = found_in
            value = _clean(match.group("name"))
            start = match.start("name")
            until = match.start("more") if "more" in pattern.groupindex else part.end
            near = _address_near(text, match.end("name"), until, exclude, copied, value)
            return Found(value, start, start + len(value), "named", check=check), near
    introduced = _in_sentences(_SELF, text, parts)
    for part in parts:
        if part is None or part.end <= part.start:
            continue
        for match in _NAMED_BEFORE.finditer(text, part.start, part.end):
            value, start = _clean(match.group("name")), match.start("name")
            while _fold(value).split()[0] in _LEADING_WORDS and value.count(" ") > 1:
                # a capitalised word opening the sentence: "Para Nome Sobrenome, ..."
                value = value[value.index(" ") + 1 :]
                start = max(text.find(value, start), start)
            if (
                _fold(value).split()[0] in _NOT_A_PERSON
                or (introduced and introduced[0].start("name") <= start < introduced[0].end("name"))
                or (start >= _signature_start(text, part) and _is_writer(value, part))
            ):
                # a greeting, or the writer: "Sou Nome Sobrenome, aluna do...", a signature
                # "Nome Sobrenome - Mestrando PPComp"
                continue
            near = _address_near(text, match.end(), part.end, exclude, copied, value)
            return Found(value, start, start + len(value), "named", check="prose_named"), near
    if listed:
        name, address = listed[0]
        if len(listed) == 1:
            name.check = "prose_named"
        return name, address
    if introduced is not None:
        match, part = introduced
        value = _clean(match.group("name"))
        start = match.start("name")
        name = Found(value, start, start + len(value), "self", check="prose_self")
        return name, _own_address(text, part)
    return None, None


def _addresses(header: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) of each address in a To/Cc header value."""
    return [
        (_clean(name), address.lower())
        for name, address in getaddresses([header or ""])
        if "@" in address
    ]


def _someone_else(address: str, copied: list[tuple[str, str]], student: str) -> bool:
    """Whether a copied address is another named person's (the host professor in Cc)."""
    return any(a == address and n and " " in n and not _same_person(student, n) for n, a in copied)


def _copied_address_for(
    name: str, copied: list[tuple[str, str]], exclude: Iterable[str]
) -> Found | None:
    """A named student's address in Cc: by their display name, or an address made of
    their names (the professor copies the student in)."""
    excluded = {a.lower() for a in exclude if a}
    for display, address in copied:
        if address in excluded:
            continue
        if (display and _same_person(name, display)) or _address_fits(name, address):
            return Found(address, rule="cc")
    return None


def _speaks_of_a_student(text: str, part: _Part) -> bool:
    """Whether the writer speaks of a student of theirs ("minha orientanda", "o aluno novo
    do grupo", "my student"), not of themself ("sou um aluno novo do grupo")."""
    if part.end <= part.start:
        return False
    for match in _UNNAMED_OWN.finditer(text, part.start, part.end):
        if not _SELF_BEFORE.search(text[max(part.start, match.start() - 20) : match.start()]):
            return True
    return False


def _forwarder_is_student(text: str, own: _Part, inner: _Part) -> bool:
    """A forward whose student is who forwarded it: the forwarded note speaks of "my
    student" or "your account" without a name, lets them ask ("pode pedir o acesso"), or
    greets who forwarded it by their first name; or who forwarded it speaks of "my access"
    or of their own advisor."""
    if _first(_UNNAMED_STUDENT, text, inner) or _first(_PERMISSION, text, inner):
        return True
    if _first(_OWN_ACCESS, text, own) or _first(_OWN_ADVISOR, text, own):
        return True
    if not own.writer_name.strip():
        return False
    lines = text[inner.start : inner.end].split("\n")[:8]
    greeting = _GREETING.fullmatch(next((ln.strip() for ln in lines if ln.strip()), ""))
    return bool(greeting) and _fold(greeting.group("name")) == _fold(own.writer_name).split()[0]


def _listed_students(
    text: str, parts: tuple[_Part, _Part | None], exclude: Iterable[str], writers: list[str]
) -> list[tuple[Found, Found]]:
    """The students of a list, one a line ("1. Nome – nome@..."): (name, address) in the
    order written. Lines with an address count; numbered lines without one only when there
    are two or more. The writers and the excluded addresses are no students."""
    excluded = {a.lower() for a in exclude if a}
    with_address, numbered = [], []
    for part in parts:
        if part is None or part.end <= part.start:
            continue
        # a list under the closing formula is the signature's ("- Grupo X (grupo@...)")
        closings = list(_CLOSINGS.finditer(text, part.start, part.end))
        end = closings[-1].start() if closings else part.end
        for match in _LIST_ITEM.finditer(text, part.start, end):
            value = _clean(match.group("name"))
            if any(_same_person(value, w) for w in writers):
                continue
            address = _ADDRESS.search(match.group("rest"))
            name = Found(
                value,
                match.start("name"),
                match.start("name") + len(value),
                "named",
                check="several_students",
            )
            if address is not None:
                if address.group(0).lower() in excluded:
                    continue
                start = match.start("rest") + address.start()
                email = Found(
                    address.group(0).lower(), start, start + len(address.group(0)), "named"
                )
                with_address.append((name, email))
            elif match.group("mark")[0].isdigit():
                numbered.append((name, Found("", check="no_address")))
        if with_address or numbered:
            break
    if with_address:
        return with_address
    return numbered if len(numbered) > 1 else []


def _same_person(name: str, other: str) -> bool:
    a, b = _fold(name).split(), _fold(other).split()
    return (
        bool(a and b) and a[0] == b[0] and (len(a) == 1 or len(b) == 1 or a[-1] in b or b[-1] in a)
    )


def _writes_as(name: str, part: _Part) -> bool:
    """Whether `name` is the writer of `part`: by their display name, or by an address
    made of their names (maria.souza@...)."""
    if part.writer_name and _same_person(name, part.writer_name):
        return True
    return _address_is_of(name, part)


def _address_fits(name: str, address: str) -> bool:
    """Whether an address is made of a person's names: "maria.souza@", "maria@", or two
    or more of their names or initials in order with a whole name among them
    ("tcbraganca@" for Tainá Coutinho Bragança, "jpmvello@")."""
    words = [w for w in re.split(r"[^a-z]+", _fold(name).replace("'", "")) if w]
    local = re.split(r"[._-]+", (address or "").split("@")[0].lower())
    if not words or not local[0]:
        return False
    if words[0] in local and (len(local) == 1 or any(w in local for w in words[1:])):
        return True
    joined = re.sub(r"[^a-z]", "", "".join(local))

    @cache
    def fits(at: int, word: int, used: int, whole: bool) -> bool:
        if at == len(joined):
            return whole and used >= 2
        if word == len(words):
            return False
        current = words[word]
        return (
            fits(at, word + 1, used, whole)
            or (joined[at] == current[0] and fits(at + 1, word + 1, used + 1, whole))
            or (
                len(current) >= 3
                and joined.startswith(current, at)
                and fits(at + len(current), word + 1, used + 1, True)
            )
        )

    return len(joined) <= 64 and len(words) <= 12 and fits(0, 0, 0, False)


def _writer_address_for(name: str, text: str, parts) -> Found:
    """A named or labelled student's address when no address is written for them: theirs
    if they wrote (a part of) the email, else none (a person fills it in)."""
    for part in parts:
        if part is not None and part.writer_email and _writes_as(name, part):
            return _own_address(text, part)
    return Found("", check="no_address")


def _own_address(text: str, part: _Part) -> Found:
    stated = _first(_OWN_ADDRESS, text, part)
    if stated is not None:
        return Found(stated.group("value").lower(), *stated.span("value"), rule="self")
    return Found(part.writer_email.lower(), rule=part.writer_rule)


def _labelled_name(value: str) -> bool:
    value = _clean(value)
    return _plausible_name(value) and not _is_field_name(value)


def _is_field_name(value: str) -> bool:
    """Whether a labelled value is a table's header row or a form's next label ("E-mail
    Matrícula" after "Nome\\t"), not a name."""
    return any(word in _FIELD_WORDS for word in _fold(value).replace(":", " ").split())


def _cells(line: str) -> list[str]:
    return [cell.strip(" \t\u00a0*>") for cell in _CELLS.split(line.strip(" \t>"))]


def _column_table(text: str) -> tuple[Found, Found | None] | None:
    """A table read as text, its header row over the students' rows ("Nome\\tE-mail\\t
    Matrícula" / "Fulano de Tal\\tfulano@...\\t2025..."): the name and the address under
    their headers in the first row (marked when more rows follow)."""
    lines = list(re.finditer(r"[^\n]*", text))
    lines = [m for m in lines if m.group(0).strip()]
    for index, header in enumerate(lines[:-1]):
        heads = [_fold(cell) for cell in _cells(header.group(0))]
        if len(heads) < 2 or not (_NAME_HEADERS & set(heads)):
            continue
        column = next(i for i, head in enumerate(heads) if head in _NAME_HEADERS)
        rows = []
        for line in lines[index + 1 :]:
            cells = _cells(line.group(0))
            if len(cells) != len(heads) or not _LOOKS_LIKE_NAME.fullmatch(_nfc(cells[column])):
                break
            rows.append((line, cells))
        if not rows:
            continue
        line, cells = rows[0]
        value = _clean(cells[column])
        start = text.find(value, line.start())
        name = Found(value, start, start + len(value), "table")
        if len(rows) > 1:
            name.check = "several_students"
        email = None
        for head, cell in zip(heads, cells, strict=True):
            if head in _EMAIL_HEADERS and _ADDRESS.fullmatch(cell):
                at = text.find(cell, line.start())
                email = Found(cell.lower(), at, at + len(cell), "table")
        return name, email
    return None


def _copied_student(
    text: str, writer: _Part, copied: list[tuple[str, str]], exclude: Iterable[str]
) -> tuple[Found, Found] | None:
    """The one person copied in when the writer asks for "o aluno em cópia" / "the
    student in cc" without naming them in the text: their display name and address,
    marked for a person to check."""
    match = _first(_STUDENT_IN_COPY, text, writer)
    if match is None or _SELF_BEFORE.search(
        text[max(writer.start, match.start() - 20) : match.start()]
    ):
        return None  # none, or the writer's own words: "sou aluno em cópia de..."
    excluded = {a.lower() for a in exclude if a} | {writer.writer_email.lower()}
    others = [(n, a) for n, a in copied if a not in excluded]
    if len(others) != 1:
        # several people copied in, or none: a person picks the student, never the writer
        return Found("", rule="cc", check="student_not_named"), Found("", check="no_address")
    display, address = others[0]
    display = _clean(_without_honorific(display))
    value = display if " " in display and _plausible_name(display) else ""
    return (
        Found(value, rule="cc", check="copied_student" if value else "student_not_named"),
        Found(address, rule="cc"),
    )


# A writer who introduces themself in lower case: "aqui é a bianca esteves do carmo".
_SELF_LOWER = re.compile(
    r"(?i:\b(?:sou\s+(?:[oa]\s+)?|me\s+chamo\s+|meu\s+nome\s+(?:completo\s+)?(?:é|e)\s+|"
    r"aqui\s+(?:é|e)\s+(?:[oa]\s+)?|my\s+name\s+is\s+))"
    r"(?P<name>[a-zà-öø-ÿ'’-]+(?:[ \t]+[a-zà-öø-ÿ'’-]+){1,6})"
)


# Words that end a name written in lower case: "sou a bia lima e preciso de...".
_AFTER_A_NAME = frozenset(
    {"aluno", "aluna", "mestrando", "mestranda", "doutorando", "doutoranda", "estudante",
     "preciso", "gostaria", "queria", "venho", "sou", "estou", "tenho", "que", "com", "para",
     "pra", "no", "na", "em", "ao", "a", "o", "mestrado", "doutorado", "ppcomp", "ifes",
     "turma", "laboratorio", "lab", "grupo", "curso", "student", "and", "i", "from"}
)  # fmt: skip


def _lower_case_self(text: str, part: _Part) -> Found | None:
    """The writer's whole name from a self-introduction written in lower case, when their
    address is made of it: capitalised and marked ("name_case")."""
    match = _first(_SELF_LOWER, text, part)
    if match is None:
        return None
    words = []
    for word in match.group("name").split():
        if _fold(word) in _AFTER_A_NAME or _fold(word) in _FIELD_WORDS:
            break
        words.append(word)
    while words and words[-1] in _PARTICLES:
        words.pop()
    value = " ".join(words)
    if len(words) < 2 or not _address_fits(value, part.writer_email):
        return None
    start = match.start("name")
    return Found(_capitalised(value), start, start + len(value), "self", check="name_case")
