"""Who a lab-access email is about, and who asked: the student's name and address.

The requester is who wrote the request: the sender, or the original sender of a forward.
The student (the subject, who gets the account) is, in this order:
1. a labelled value ("Nome:", "Aluno(a):", "Discente:", a two-column table row);
2. a student someone names ("para a minha orientanda, Nome Sobrenome", "meu aluno de
   mestrado Nome Sobrenome", "my student Name Surname");
3. a person who introduces themself ("Sou Nome Sobrenome, aluna do mestrado", "me chamo
   ...", "my name is ...");
4. otherwise the writer of the request: the sender, or the forward's original sender;
   but when the forwarded message speaks of "minha orientanda" / "o aluno" without a
   name, the person who forwarded it is the student (a student forwarding the advisor's
   authorisation). The writer's fullest name is read from their signature.

Each value keeps where it was read (a character span in the email's text, or the header
it came from), and a value read from prose, or a guess between two names, is marked for
a person to check. Staff correct both before approving. Pure Python, no models.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from emails.forwards import forward_span, reply_start
from mailflow.text import cut_words

_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ'’.-]*[A-Za-zÀ-ÖØ-öø-ÿ]"
_PARTICLE = r"(?:d[aeo]s?|e|di|du|van|von|del|della|der|le|la|y)"
# Two to seven capitalised words, particles between them, on one line.
_PROPER_NAME = rf"{_NAME_WORD}(?:[ \u00a0]+(?:{_PARTICLE}[ \u00a0]+)?{_NAME_WORD}){{1,6}}"

_NAME_LABEL = re.compile(
    r"^[ \t>*]*(?:nome(?: completo)?(?: do\(?a?\)? alun[oa]\)?)?|alun[oa](?:\(a\))?|discente|"
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
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_EMAIL_LABEL = re.compile(
    r"^[ \t>*]*(?:e-?mail(?: pessoal| institucional)?)\s*[:\t ][ \t*<]*(?P<value>" + _EMAIL + ")",
    re.I | re.M,
)
_ADDRESS = re.compile(_EMAIL)
# Someone names the student: "para a minha orientanda, Nome", "o aluno de mestrado Nome".
_NAMED = re.compile(
    r"(?i:\b(?:(?:para\s+)?(?:[oa]|meu|minha|nosso|nossa|ao|à|do|da|seu|sua)\s+)"
    r"(?:novo\s+|nova\s+)?"
    r"(?:orientand[oa]|alun[oa]|discente|estudante|mestrand[oa]|bolsista|aluno\(a\)|"
    r"orientando\(a\))"
    r"(?:\s+(?:de|do)\s+(?:mestrado|doutorado|inicia[cç][aã]o\s+cient[ií]fica|ic|gradua[cç][aã]o))?"
    r"|\b(?:my|our|the)\s+(?:new\s+)?(?:master'?s\s+)?(?:student|advisee|intern))"
    r"\s*[,:–—-]?\s+(?P<name>" + _PROPER_NAME + ")"
)
# Several students named at once: "para os alunos Fulano de Tal e Beltrana Souza".
_NAMED_MANY = re.compile(
    r"(?i:\b(?:[oa]s|meus|minhas|nossos|nossas)\s+(?:alun[oa]s|orientand[oa]s|estudantes|"
    r"discentes|mestrand[oa]s|bolsistas|students|advisees))\s*[,:–—-]?\s+"
    r"(?P<name>" + _PROPER_NAME + r")(?P<more>(?:\s*(?:,|\se\s|\sand\s)\s*" + _PROPER_NAME + ")+)"
)
# Someone introduces themself: "Sou Nome Sobrenome", "me chamo ...", "my name is ...".
_SELF = re.compile(
    r"(?i:\b(?:sou\s+(?:[oa]\s+)?|me\s+chamo\s+|meu\s+nome\s+(?:completo\s+)?(?:é|e)\s+|"
    r"my\s+(?:full\s+)?name\s+is\s+|i\s+am\s+|i'm\s+|this\s+is\s+))"
    r"(?P<name>" + _PROPER_NAME + ")"
)
# The writer's own address: "meu e-mail institucional é fulana@...".
_OWN_ADDRESS = re.compile(
    r"(?i:\b(?:meu|my)\s+(?:e-?mail|endere[cç]o(?:\s+de\s+e-?mail)?|address)\b[^@\n]{0,60}?)"
    r"(?P<value>" + _EMAIL + ")"
)
# The forwarded message speaks of the student without naming them.
_UNNAMED_STUDENT = re.compile(
    r"\b(?:minha\s+orientanda|meu\s+orientando|meu\s+alun[oa]|minha\s+aluna|[oa]\s+alun[oa]|"
    r"o\s+seu\s+acesso|a\s+sua\s+conta|o\s+seu\s+usu[aá]rio|seu\s+acesso|"
    r"my\s+student|the\s+student|your\s+access)\b",
    re.I,
)
_CLOSINGS = re.compile(
    r"^\s*(?:atenciosamente|att\.?|atte\.?|abra[çc]os?|um abra[çc]o|abs\.?|obrigad[oa]|"
    r"muito obrigad[oa]|grat[oa]|agrade[çc]o(?: desde j[áa])?|desde j[áa] agrade[çc]o|"
    r"cordialmente|sauda[çc][õo]es|valeu|vlw|at[ée] mais|best regards|kind regards|regards|"
    r"best|cheers|thanks(?: a lot)?|thank you|sincerely|obg)\b[^\n]{0,30}$",
    re.I | re.M,
)
_HONORIFIC = re.compile(
    r"^(?:(?:prof(?:ª|a|essora|essor)?|dr(?:ª|a)?|me|msc|sr(?:ª|a)?|eng)\.?\s+)+", re.I
)
_LOOKS_LIKE_NAME = re.compile(rf"^{_PROPER_NAME}$")
_ANY_NAME_WORDS = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ'’.-]+(?: [A-Za-zÀ-ÖØ-öø-ÿ'’.-]+){1,6}$")


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
    return bool(_ANY_NAME_WORDS.fullmatch(value)) and any(c.isalpha() for c in value)


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
    text: str, from_name: str, from_address: str, forwarded: bool, original: tuple[str, str]
) -> tuple[_Part, _Part | None]:
    """The sender's own words and, for a forward, the forwarded message's."""
    own_end = min(reply_start(text), len(text))
    span = forward_span(text) if forwarded else None
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
    """The name under the writer's last closing formula ("Atenciosamente,\\nNome")."""
    region = text[part.start : part.end]
    closings = list(_CLOSINGS.finditer(region))
    if not closings:
        return None
    position = part.start + closings[-1].end()
    for line in text[position : part.end].split("\n")[1:6]:
        stripped = line.strip().lstrip(">").strip()
        if not stripped or stripped == "--":
            position += len(line) + 1
            continue
        value = _clean(_without_honorific(stripped))
        if _plausible_name(value):
            start = text.find(value.split(" ")[0], position)
            return Found(value, start, start + len(value) if start >= 0 else None, "signature")
        return None
    return None


def _last_lines_name(text: str, part: _Part, header: str) -> Found | None:
    """A signature without a closing formula: among the last lines of the writer's text,
    a whole name that begins with the header's first name ("Bruno" -> "Bruno Alves
    Teixeira")."""
    if not header:
        return None
    first = _fold(header).split()[0]
    lines = [line for line in text[part.start : part.end].split("\n") if line.strip()][-5:]
    for line in reversed(lines):
        value = _clean(_without_honorific(line.strip().lstrip(">").strip()))
        if " " in value and _plausible_name(value) and _fold(value).split()[0] == first:
            start = text.rfind(value, part.start, part.end)
            return Found(value, start if start >= 0 else None, start + len(value), "signature")
    return None


def _best_writer_name(text: str, part: _Part) -> Found:
    """The writer's fullest name: their signature when it is a whole name, else the
    display name of the header."""
    header = _clean(part.writer_name)
    signature = _signature(text, part) or _last_lines_name(text, part, header)
    if signature is not None and " " in signature.value:
        if not header or _fold(signature.value).startswith(_fold(header)):
            return signature
        first = _fold(header).split(" ")[0]
        if _fold(signature.value).split(" ")[0] == first:
            return signature
        signature.check = "names_differ"
        return signature
    return Found(header, rule=part.writer_rule)


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


def _address_near(text: str, start: int, end: int, exclude: Iterable[str]) -> Found | None:
    """The first address after a named student, in the same stretch of text."""
    excluded = {a.lower() for a in exclude if a}
    for match in _ADDRESS.finditer(text, start, min(end, start + 600)):
        if match.group(0).lower() not in excluded:
            return Found(match.group(0).lower(), match.start(), match.end(), "named")
    return None


def identify_student(
    *,
    body: str,
    from_name: str,
    from_address: str,
    forwarded: bool = False,
    original_from_name: str = "",
    original_from_address: str = "",
    program_addresses: Iterable[str] = (),
) -> Student:
    text = (body or "").replace("\r\n", "\n")
    own, inner = _parts(
        text, from_name, from_address, forwarded, (original_from_name, original_from_address)
    )
    writer = inner if inner is not None and (inner.writer_name or inner.writer_email) else own
    requester = _best_writer_name(text, writer)
    found: dict[str, Found] = {
        "requester_name": requester,
        "requester_email": Found(writer.writer_email.lower(), rule=writer.writer_rule),
    }
    exclude = [from_address, original_from_address, *program_addresses]

    name: Found | None = None
    email: Found | None = None
    email_label = _EMAIL_LABEL.search(text)
    if email_label:
        email = Found(email_label.group("value").lower(), *email_label.span("value"), rule="label")
    label, rule = _NAME_LABEL.search(text), "label"
    if not (label and _plausible_name(_clean(label.group("value")))):
        label, rule = _NAME_ROW.search(text), "table"
    if label and _plausible_name(_clean(label.group("value"))):
        value = _clean(label.group("value"))
        start = label.start("value") + label.group("value").find(value.split(" ")[0])
        name = Found(value, start, start + len(value), rule)
        email = email or _address_near(text, label.end(), len(text), exclude)
    else:
        # someone names the student, several students, or the writer introduces themself
        for pattern, rule, check in (
            (_NAMED, "named", "prose_named"),
            (_NAMED_MANY, "named", "several_students"),
            (_SELF, "self", "prose_self"),
        ):
            found_in = _in_sentences(pattern, text, (own, inner))
            if found_in is None:
                continue
            match, part = found_in
            value = _clean(match.group("name"))
            start = match.start("name")
            name = Found(value, start, start + len(value), rule, check=check)
            if rule == "self":
                email = email or _own_address(text, part)
            else:
                until = match.start("more") if "more" in pattern.groupindex else part.end
                email = email or _address_near(text, match.end("name"), until, exclude)
            break
    if name is not None and email is None:
        email = _writer_address_for(name.value, text, (own, inner))
    if name is None:
        subject = writer
        if inner is not None and _first(_UNNAMED_STUDENT, text, inner) and own.writer_email:
            # the forwarded message speaks of the student: who forwarded it is the student
            subject = own
        name = _best_writer_name(text, subject)
        if subject is own and writer is inner:
            name.check = name.check or "forwarder_assumed"
        email = email or _own_address(text, subject)
    return Student(
        name=name.value,
        email=email.value if email else "",
        source=name.rule,
        requester_name=requester.value,
        requester_email=writer.writer_email.lower(),
        found={"student_name": name, "student_email": email or Found(""), **found},
    )


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
    words = _fold(name).split()
    local = re.split(r"[._-]+", part.writer_email.split("@")[0].lower())
    return (
        bool(words)
        and words[0] in local
        and (len(local) == 1 or any(w in local for w in words[1:]))
    )


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
