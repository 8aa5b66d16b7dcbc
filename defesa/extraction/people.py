"""People in a defence request: honorifics, names, institutions, and committee members.

A member as written: "Prof. Dr. Fulano de Tal (UFES)", "Dra. Y – Ifes", "Fulano
(orientador, Ifes)", "Dr. Z, da UFRJ"; several in one text: "A; B", "A, B e C". In a
committee list ("Banca: ..."), roles are implicit: marked orientador(a) or presidente ->
advisor, coorientador(a) -> co-advisor, the program's own institution -> internal,
another -> external; a substitute (suplente) is left out, with a problem for staff.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from defesa.data import ADVISOR, COADVISOR, EXTERNAL, INTERNAL, Member
from defesa.extraction.findings import GROUP_COMMITTEE, Findings, Group
from defesa.extraction.text import LazyPattern, collapse, fold, is_empty, paren_groups, split_top

# --- honorifics, names, institutions ---------------------------------------------------------

_HONORIFIC_WORD = (
    r"(?:professora|professor|doutora|doutor|prof(?:\(a\)|a|\.?\s?ª)?\.?|profs?\."
    r"|dr(?:\(a\)|a|\.?\s?ª)?\.?|m[ea]\.|ms\.?c\.?|m\.\s?sc\.|d\.\s?sc\.|ph\.?\s?d\.?"
    r"|sr(?:a|ª)?\.|eng(?:a|º|ª)?\.|mestre|mestra)"
)
_HONORIFICS = LazyPattern(rf"^\s*((?:{_HONORIFIC_WORD}(?:\s+|$))+)", re.IGNORECASE)
_STARTS_WITH_HONORIFIC = LazyPattern(rf"^{_HONORIFIC_WORD}\s", re.IGNORECASE)
_HONORIFIC_INSIDE = LazyPattern(rf"(?:^|(?<=[\s,;(])){_HONORIFIC_WORD}\s", re.IGNORECASE)


def split_honorific(text: str) -> tuple[str, str]:
    """("Prof. Dr.", "Maria Souza") from "Prof. Dr. Maria Souza": leading honorifics as
    written (spaces collapsed), case-insensitive; ("", text) when there is none."""
    text = text.strip()
    match = _HONORIFICS.match(text)
    if match is None or not text[match.end() :].strip():
        return "", text
    return collapse(match[1]), text[match.end() :].strip()


_PARTICLES = frozenset(
    {"da", "de", "do", "das", "dos", "e", "di", "du", "van", "von", "der", "del", "la", "le"}
)
_NAME_EDGES = " \t*_\"'“”‘’«».,;:!-–—•·"
_UPPER_START = LazyPattern(r"^[\"“'‘(]?[A-ZÀ-ÖØ-Þ]")


def clean_name(text: str) -> str:
    return collapse(text.replace("*", " ")).strip(_NAME_EDGES)


# An elided particle joined to the name it precedes: "d'Oliveira", "dell'Orto".
_ELIDED = LazyPattern(r"^(?:d|dall|dell|degli)['’][A-ZÀ-ÖØ-Þ]")


def _is_name_word(word: str) -> bool:
    return (
        bool(_UPPER_START.match(word))
        or bool(re.fullmatch(r"[A-Z]\.", word))
        or bool(_ELIDED.match(word))
    )


def looks_like_name(text: str, *, max_words: int = 8) -> bool:
    words = text.split()
    if not 1 <= len(words) <= max_words or not _is_name_word(words[0]):
        return False
    return all(_is_name_word(w) or fold(w) in _PARTICLES for w in words)


def leading_name(text: str, *, min_words: int = 1) -> str:
    """The capitalised name that starts ``text`` ("Maria da Souza, intitulada" -> "Maria da
    Souza"), or "" when it does not start with one."""
    words: list[str] = []
    for raw in text.split()[:12]:
        word = raw.rstrip(",;:.!?)”\"'")
        if not word:
            break
        if (_is_name_word(word) and not word.startswith(("(", "“", '"'))) or (
            fold(word) in _PARTICLES and words
        ):
            words.append(word)
        else:
            break
        if word != raw and not re.fullmatch(r"[A-Z]", word):
            break  # punctuation ends the name
    while words and fold(words[-1]) in _PARTICLES:
        words.pop()
    capitalised = [w for w in words if fold(w) not in _PARTICLES]
    return " ".join(words) if len(capitalised) >= min_words else ""


_INSTITUTION_WORDS = LazyPattern(
    r"^(?:universidade|univ\.|instituto|faculdade|centro|escola|fundacao|campus|departamento"
    r"|programa|laboratorio|embrapa|petrobras|empresa|hospital|secretaria|colegio|ppg"
    r"|university|universite|universitat|universita|college|school|institute|institut"
    r"|universidad|facultad|escuela|politecnico|ecole|hochschule)\b"
)
_ACRONYM = LazyPattern(r"^[A-Za-z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*$")
# Universities' acronyms as a phone writes them, in lower case: "(ufes)", "da ufrj", "usp".
_LOWER_ACRONYM = LazyPattern(
    r"^(?:uf[a-z]{1,4}|unifes?p|unb|usp|unicamp|unesp|uvv|ufscar|utfpr|unirio|uerj|uenf|"
    r"if[a-z]{1,3}|cefet(?:-[a-z]{2})?|puc(?:-?[a-z]{2,4})?|ita|fgv)$"
)


def is_lower_acronym(text: str) -> bool:
    """A university's acronym written in lower case ("ufes", "unicamp")."""
    return bool(_LOWER_ACRONYM.match(text.strip()))


class Institutions:
    """Is an institution the program's own? Case- and accent-insensitive, by words, with
    the acronym of a long name ("Instituto Federal do Espírito Santo" -> "ifes")."""

    def __init__(self, names: Iterable[str]) -> None:
        self.phrases: set[tuple[str, ...]] = set()
        for name in names:
            words = tuple(re.findall(r"[a-z0-9]+", fold(name)))
            if not words:
                continue
            self.phrases.add(words)
            significant = [w for w in words if w not in _PARTICLES]
            if len(significant) > 1:
                self.phrases.add(("".join(w[0] for w in significant),))

    def own(self, institution: str) -> bool:
        words = tuple(re.findall(r"[a-z0-9]+", fold(institution)))
        return any(
            words[i : i + len(phrase)] == phrase
            for phrase in self.phrases
            for i in range(len(words) - len(phrase) + 1)
        )

    def looks_like(self, text: str) -> bool:
        """Could ``text`` alone name an institution (not a person)?"""
        text = text.strip(_NAME_EDGES)
        if not text:
            return False
        return bool(
            self.own(text)
            or _INSTITUTION_WORDS.match(fold(text))
            or (" " not in text and _ACRONYM.match(text) and sum(c.isupper() for c in text) >= 2)
            or (" " not in text and is_lower_acronym(text))
        )


# --- committee members -----------------------------------------------------------------------

_ROLE_MARKERS = (
    (
        COADVISOR,
        LazyPattern(
            r"co-?\s?orientador(?:a|\(a\))?|co-?\s?orientacao|co-?\s?(?:advisor|supervisor)"
        ),
    ),
    (
        ADVISOR,
        LazyPattern(
            r"(?:professor(?:a)?\s+)?orientador(?:a|\(a\))?(?:\s+principal)?"
            r"(?:\s*(?:e|/)\s*presidente(?:\s+da\s+banca)?)?|orientacao"
            r"|presidente(?:\s+da\s+banca)?(?:\s*(?:e|/)\s*orientador(?:a|\(a\))?)?"
            r"|(?:main\s+)?(?:advisor|supervisor)|(?:committee\s+)?chair"
        ),
    ),
    (
        INTERNAL,
        LazyPattern(
            r"(?:(?:membro|avaliador(?:a|\(a\))?|examinador(?:a|\(a\))?)\s+)?(?:titular\s+)?"
            r"intern[oa](?:\s+ao\s+programa)?|internal(?:\s+(?:member|examiner))?"
        ),
    ),
    (
        EXTERNAL,
        LazyPattern(
            r"(?:(?:membro|avaliador(?:a|\(a\))?|examinador(?:a|\(a\))?)\s+)?(?:titular\s+)?"
            r"extern[oa](?:\s+ao\s+programa)?|external(?:\s+(?:member|examiner))?"
        ),
    ),
)
_SUBSTITUTE = LazyPattern(
    r"(?:(?:membro|avaliador(?:a)?)\s+)?suplente(?:\s+(?:intern|extern)[oa])?"
    r"|(?:substitute|alternate)(?:\s+member)?"
)
_SUBSTITUTE_HEAD = LazyPattern(
    r"^(?:(?:(?:membro|avaliador(?:a)?)\s+)?suplente(?:s)?(?:\s+(?:intern|extern)[oa])?"
    r"|(?:substitute|alternate)s?(?:\s+members?)?)\s*[:\-–—]?\s+",
    re.IGNORECASE,
)
_NOTE = LazyPattern(
    r".*\b(?:a\s+confirmar|confirmad[oa]|remot[oa]|remotamente|virtual|online|on-line|"
    r"videoconferencia|participacao|a\s+distancia|lattes|https?|www)\b.*"
)
_OF = LazyPattern(r"^(?:d[aeo]s?)\s+(?=\S)", re.IGNORECASE)  # "Fulano, da UFRJ"
_PART_SEPARATOR = LazyPattern(r"\s*[,;/]\s*|\s+[-–—]\s+")
_TAIL_SEPARATOR = LazyPattern(r"\s+[-–—]\s+|\s*[-–—]\s*(?=\()|\s*,\s*")  # "Fulano – UFES"
# An address's closing parenthesis, bracket or punctuation is the text's, not the address's:
# "(Ifes, http://lattes.cnpq.br/123)".
_URL_OR_EMAIL = LazyPattern(
    r"(?:https?://|www\.)[^\s()<>\[\]]+(?<![.,;:])|<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?",
    re.IGNORECASE,
)


@dataclass
class Person:
    name: str
    honorific: str = ""
    institution: str = ""
    roles: list[str] = field(default_factory=list)  # from markers: "(orientador)", "– externo"
    substitute: bool = False


def _marker_role(part: str) -> str | None:
    folded = collapse(fold(part)).strip(_NAME_EDGES)
    for role, pattern in _ROLE_MARKERS:
        if pattern.fullmatch(folded):
            return role
    return None


def is_marker(text: str) -> bool:
    """A role, "suplente" or a note ("a confirmar", "participação remota"): not an institution."""
    folded = collapse(fold(text)).strip(_NAME_EDGES)
    return bool(_marker_role(folded) or _SUBSTITUTE.fullmatch(folded) or _NOTE.fullmatch(folded))


def _read_annotation(text: str, person: Person) -> None:
    """What is written next to a name ("orientador, Ifes"): roles, "suplente", notes, and
    the rest as the institution."""
    pieces = split_top(text, _PART_SEPARATOR, keep=True)
    kept: list[str] = []
    for index in range(0, len(pieces), 2):
        piece = pieces[index]
        folded = collapse(fold(piece)).strip(_NAME_EDGES)
        if not folded:
            continue
        role = _marker_role(piece)
        if role is not None:
            person.roles.append(role)
        elif _SUBSTITUTE.fullmatch(folded):
            person.substitute = True
        elif not _NOTE.fullmatch(folded):
            if kept:
                kept.append(pieces[index - 1])
            kept.append(piece)
    institution = _OF.sub("", "".join(kept).strip(_NAME_EDGES))
    if institution and not person.institution:
        person.institution = collapse(institution)


def _read_tail(tail: str, person: Person) -> None:
    """What follows a dash: a marker ("– orientador"), or an institution that keeps its own
    parentheses ("– Universidade Federal do Espírito Santo (UFES)")."""
    bare, groups = paren_groups(tail)
    if is_marker(bare):
        for text in (bare, *groups):
            _read_annotation(text, person)
        return
    for group in groups:
        if is_marker(group):
            _read_annotation(group, person)
            tail = tail.replace(f"({group})", " ")
    _read_annotation(tail, person)


def parse_person(text: str, institutions: Institutions) -> Person | None:
    """A committee member as written: "Prof. Dr. Fulano de Tal (UFES)", "Dra. Y – Ifes",
    "Fulano (orientador, Ifes)", "Fulano - UFES - membro externo", "Dr. Z, da UFRJ"."""
    text = _URL_OR_EMAIL.sub(" ", text.replace("*", " "))
    text = collapse(_without_joining_words(text)).strip(" \t.,;:•·-–—")
    if not text or is_empty(text):
        return None
    pieces = split_top(text, _TAIL_SEPARATOR, keep=True)
    head, tails = pieces[0], []
    for index in range(1, len(pieces), 2):
        separator, tail = pieces[index], pieces[index + 1]
        bare = _OF.sub("", paren_groups(tail)[0].strip(_NAME_EDGES))
        if (
            "," in separator
            and not tails
            and not (is_marker(bare) or institutions.looks_like(bare))
        ):
            head += separator + tail  # a comma inside the name: "Silva, João", "Souza, Jr."
        else:
            tails.append(tail)
    head, groups = paren_groups(head)
    person = Person(name="")
    for group in groups:
        _read_annotation(group, person)
    for tail in tails:
        _read_tail(tail, person)
    leading = _SUBSTITUTE_HEAD.match(head)
    if leading:  # "Suplente: Prof. Fulano" in a table row or a list
        person.substitute = True
        head = head[leading.end() :]
    honorific, name = split_honorific(head)
    if not person.institution:
        # "Dra. Y do Ifes"
        match = re.search(r",?\s+(?:d[aeo]s?)\s+(\S+(?:\s+\S+){0,5})$", name)
        if match and institutions.looks_like(match[1]) and looks_like_name(name[: match.start()]):
            person.institution = match[1].strip(_NAME_EDGES)
            name = name[: match.start()]
    person.name = clean_name(name)
    person.honorific = honorific
    if not person.name or is_empty(person.name):
        return None
    return person


_NAME_SUFFIXES = frozenset({"jr", "junior", "filho", "neto", "sobrinho"})
_ITEM_SEMICOLON = LazyPattern(r"\s*;\s*")
_ITEM_COMMA = LazyPattern(r"\s*,\s*")
_ITEM_AND = LazyPattern(r"\s+e\s+")
# "pelo Prof. X, pela Profa. Y e pelo Dr. Z": the words that join names in a sentence.
_JOINING_WORDS = LazyPattern(r"^(?:(?:e|pel[oa]s?|com|o|a|os|as)\s+)+(?=[^\W\d_])", re.IGNORECASE)


def _without_joining_words(text: str) -> str:
    stripped = _JOINING_WORDS.sub("", text.lstrip())
    if not stripped.strip():
        return text.lstrip()
    return (
        stripped
        if _is_name_word(stripped.split()[0]) or _STARTS_WITH_HONORIFIC.match(stripped + " ")
        else text.lstrip()
    )


def split_members(text: str, institutions: Institutions) -> list[str]:
    """One text per person: "A; B", "A, B e C"; a part that is only an institution or a role
    ("Fulano, UFES") goes back to the person before it."""
    text = text.strip()
    if not text:
        return []
    parts = split_top(text, _ITEM_SEMICOLON)
    if len(parts) == 1:
        with_honorifics = bool(_HONORIFIC_INSIDE.search(text))
        parts = []
        for chunk in split_top(text, _ITEM_COMMA):
            pieces = split_top(chunk, _ITEM_AND, keep=True)
            current = pieces[0]
            for index in range(1, len(pieces), 2):
                following = pieces[index + 1]
                following_person = _without_joining_words(following) + " "
                if not with_honorifics or _STARTS_WITH_HONORIFIC.match(following_person):
                    parts.append(current)
                    current = following
                else:
                    current = current + pieces[index] + following
            parts.append(current)
    items: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        bare = _OF.sub("", paren_groups(part)[0].strip(_NAME_EDGES))
        extra = not split_honorific(part + " x")[0] and (
            institutions.looks_like(bare) or _marker_role(bare) is not None
        )
        if items and fold(bare) in _NAME_SUFFIXES:
            items[-1] = f"{items[-1]}, {part}"  # "José Souza, Jr."
        elif items and extra and not _looks_like_person_words(bare, institutions):
            items[-1] = f"{items[-1]} – {part}"
        else:
            items.append(part)
    return items


def _looks_like_person_words(text: str, institutions: Institutions) -> bool:
    """Two or more capitalised words that are not an institution: a person's name."""
    return len(text.split()) >= 2 and looks_like_name(text) and not institutions.looks_like(text)


def as_member(person: Person, role: str) -> Member:
    """``person`` as a committee member in ``role``."""
    return Member(
        role=role, name=person.name, honorific=person.honorific, institution=person.institution
    )


def member_line(text: str) -> bool:
    """Could ``text`` (a line) name a committee member?"""
    if len(text) > 250 or text.endswith((":", "?")):
        return False
    honorific, rest = split_honorific(text)
    if honorific:
        return True
    name = re.split(r"\s*\(|\s+[-–—]\s+|\s*[,;]\s*", rest, maxsplit=1)[0]
    return looks_like_name(name)


def substitute_problem(person: Person) -> str:
    return _("%(name)s is listed as a substitute (suplente) and was left out") % {
        "name": person.name
    }


def add_committee(people: list[Person], found: Findings, institutions: Institutions) -> None:
    """A list of everyone with implicit roles: marked orientador(a)/presidente -> advisor,
    coorientador(a) -> co-advisor, own institution -> internal, another -> external."""
    by_role: dict[str, list[Member]] = {}
    for person in people:
        if person.substitute:
            found.problem(substitute_problem(person))
            continue
        role = next(
            (r for r in (ADVISOR, COADVISOR, EXTERNAL, INTERNAL) if r in person.roles), None
        )
        if role is None and person.institution:
            role = INTERNAL if institutions.own(person.institution) else EXTERNAL
        if role is None:
            found.unclear.append(person.name)
            continue
        by_role.setdefault(role, []).append(as_member(person, role))
    for role, members in by_role.items():
        found.groups.append(Group(role, GROUP_COMMITTEE, members))
