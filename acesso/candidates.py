"""Who an access request is for, when none of acesso.extraction's rules names them: every
whole name in the request's words (and in its Subject) is a candidate, weighed by what
surrounds each time it is written, as a secretary reads it.

For: a student noun just before it ("meu aluno de IC (bolsa Fapes) Nome", "a estagiária
... Nome") or just after it ("Nome, pesquisador visitante"), a label on its line ("Nome
completo dele: Nome"), an address right after it that is nobody else's ("Nome
(nome@...)", "Nome\\nnome@gmail.com", "O e-mail dele é ..."), the account asked for in the
same sentence, the Subject naming them. A first name alone counts as a mention of the
whole name written elsewhere ("o Rafael, meu orientando novo" under the Subject "conta para
o Rafael Nogueira Bastos").

Against: being the writer (the sender, the forwarded message's writer, their signature),
a staff role beside the name ("prof.", "coordenadora", "o orientador"), a former student
("ex-orientando meu, já defendeu"), words that make it a place or a course ("Sistemas de
Informação").

The name found is marked for a look (it comes from prose); when two candidates weigh the
same, none is taken and the request is left to a person."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from acesso.extraction import (
    _ADDRESS,
    _LEADING_WORDS,
    _NOT_A_PERSON,
    _PROPER_NAME,
    Found,
    _clean,
    _fold,
    _Part,
    _plausible_name,
    _same_person,
)

_NAME = re.compile(r"(?<![\w'’.-])" + _PROPER_NAME)
# Who the account can be for, named just before or just after the name.
_STUDENT_NOUN = (
    r"(?:orientand[oa]s?|alun[oa]s?|aluno\(a\)|estagi[aá]ri[oa]s?|bolsistas?|mestrand[oa]s?|"
    r"doutorand[oa]s?|discentes?|estudantes?|intercambistas?|pesquisador(?:a)?(?:\s+visitante)?|"
    r"visitante|p[oó]s-?doc(?:torand[oa])?|ic|inicia[cç][aã]o\s+cient[ií]fica|intern|"
    r"student|advisee|visiting\s+(?:researcher|scholar)|researcher)"
)
_NOUN_BEFORE = re.compile(r"(?i:\b" + _STUDENT_NOUN + r"\b)")
_NOUN_AFTER = re.compile(
    r"^[ \t]*[,(–—-][ \t]*(?i:(?:(?:o|a|um|uma|meu|minha|nosso|nossa|my|our|the|an?)\s+)?"
    r"(?:nov[oa]\s+|new\s+)?" + _STUDENT_NOUN + r")\b"
)
# A staff role beside the name: not the one the account is for.
_STAFF = (
    r"(?:prof(?:essor|essora|a|ª)?|coordenador(?:a)?|coordinator|secret[aá]ri[oa]|"
    r"supervisor(?:a)?|co-?orientador(?:a)?|orientador(?:a)?|advisor|adviser|diretor(?:a)?|"
    r"chefe|t[eé]cnic[oa]|professor)"
)
_STAFF_BEFORE = re.compile(r"(?i:\b" + _STAFF + r"\.?[ \t]*[,:]?[ \t]*$)")
_STAFF_AFTER = re.compile(
    r"^[ \t]*[,(–—-][ \t]*(?i:(?:o|a|the|my|meu|minha|nosso|nossa)\s+)?(?i:" + _STAFF + r")\b"
)
# A former student: their account is not the one asked for.
_FORMER = re.compile(r"(?i:\bex-?(?:orientand|alun|alumn)|\bj[aá]\s+defendeu|\bformer\b)")
_ACCOUNT = re.compile(
    r"(?i:\b(?:conta|acesso|usu[aá]rio|login|cadastro|m[aá]quinas|computadores|pcs?|"
    r"laborat[oó]rio|lab|account|access)\b)"
)
_LABEL_BEFORE = re.compile(
    r"(?i:\b(?:nome(?:\s+completo)?(?:\s+(?:dele|dela|d[oa]\s+alun[oa]|d[oa]\s+estudante))?|"
    r"full\s+name|name|requerente|solicitante|requester|applicant)\s*[:–—-]\s*$)"
)
# "criar login para Nome", "a conta pro Nome": who the account is for.
_FOR_BEFORE = re.compile(r"(?i:\b(?:para|pra|pro|for)\s+(?:[oa]\s+)?$)")
# The line under a name says what they are: "Nome Sobrenome\nMestrando - PPComp".
_NOUN_NEXT_LINE = re.compile(r"^[ \t]*\n[ \t>]*(?i:" + _STUDENT_NOUN + r")\b")
# "O e-mail dele é ...", "her address is ...": the address of the one spoken of.
_HIS_ADDRESS = re.compile(
    r"(?i:\b(?:e-?mail|endere[cç]o|address)\s+(?:(?:dele|dela|his|her)\b|(?:[ée]|is)\s)"
    r"[^@\n]{0,30}?)"
    r"(?P<value>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
# Words that make a run of capitalised words a place, a course or an office, not a person.
_NOT_NAME_WORDS = frozenset(
    {"sistemas", "informacao", "informatica", "campus", "universidade", "instituto",
     "laboratorio", "programa", "engenharia", "ciencia", "ciencias", "computacao",
     "coordenadoria", "secretaria", "coordenacao", "departamento", "centro", "escola",
     "faculdade", "curso", "tecnico", "pos", "graduacao", "mestrado", "doutorado", "bloco",
     "sala", "predio", "projeto", "grupo", "federal", "estadual", "tecnologia", "integrado",
     "ensino", "medio", "reuniao", "colegiado", "topicos", "especiais", "pauta", "setor"}
)  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n\s*\n")
# Enough to be taken: a student noun beside it, or a label, and something more.
THRESHOLD = 4
# A request is written near the top: the names read, and how many (each is weighed at
# every mention: the work grows with both, and a hostile text holds thousands).
SCAN_CHARS = 20_000
MOST_CANDIDATES = 40
MOST_MENTIONS = 12


@dataclass
class _Candidate:
    value: str
    start: int | None = None  # the whole name's first place in the text
    in_subject: bool = False
    score: int = -100
    address: Found | None = None
    mentions: list[tuple[int, int, _Part]] = field(default_factory=list)


def _sentence(text: str, start: int, end: int, part: _Part) -> tuple[int, int]:
    """The bounds of the sentence around [start, end), within the part."""
    left = part.start
    for match in _SENTENCE_END.finditer(text, part.start, start):
        left = match.end()
    right = _SENTENCE_END.search(text, end, part.end)
    return left, right.start() + 1 if right else part.end


def _trimmed(value: str) -> str:
    """Without the capitalised word that opens a sentence: "Para Nome Sobrenome"."""
    words = value.split()
    while len(words) > 2 and (
        _fold(words[0]) in _LEADING_WORDS
        or _fold(words[0]) in _NOT_A_PERSON
        or (words[0].isupper() and len(words[0]) <= 5)  # an acronym: "IC Nome Sobrenome"
    ):
        words = words[1:]
    return " ".join(words)


def _is_name(value: str) -> bool:
    words = _fold(value).split()
    return (
        len(words) >= 2
        and not (value.split()[0].isupper() and len(value.split()[0]) > 1)  # "CTI Serra"
        and _plausible_name(value)
        and words[0] not in _NOT_A_PERSON
        and not any(w in _NOT_NAME_WORDS for w in words)
    )


def _weigh(
    text: str, start: int, end: int, part: _Part, excluded: set[str], names: list[int]
) -> tuple[int, Found | None]:
    """The weight of one mention [start, end) and the address written for it; `names`
    are where the other names of the text end (a noun before one of them is not this
    one's)."""
    before = text[max(part.start, start - 70) : start]
    after = text[end : min(part.end, end + 200)]
    if _STAFF_BEFORE.search(before[-30:]) or _STAFF_AFTER.match(after):
        return -100, None
    left, right = _sentence(text, start, end, part)
    score = 0
    floor = max((e for e in names if e <= start), default=0)
    if floor and (own := _NOUN_AFTER.match(text[floor:start])):
        floor += own.end()  # "Nome Um, estagiário, e Nome Dois": Nome Um's noun
    floor = max(floor, text.rfind(";", 0, start) + 1)
    sentence_before = text[max(left, start - 70, floor) : start]
    if _FORMER.search(text[max(left, start - 40) : min(right, end + 60)]):
        return -100, None
    line_start = text.rfind("\n", part.start, start) + 1
    if _LABEL_BEFORE.search(text[line_start:start]):
        score += 4
    if _NOUN_BEFORE.search(sentence_before):
        score += 3
    if _NOUN_AFTER.match(after) or _NOUN_NEXT_LINE.match(after):
        score += 3
    if _FOR_BEFORE.search(sentence_before):
        score += 1
    if _ACCOUNT.search(text, left, right):
        score += 1
    address = None
    # an address right after the name (same sentence or the next line), nobody else's
    window = after.split("\n\n", 1)[0][:160]
    for match in _ADDRESS.finditer(window):
        value = match.group(0).lower()
        if value in excluded:
            continue
        at = end + match.start()
        address = Found(value, at, at + len(value), "named")
        score += 2
        break
    if address is None:
        stated = _HIS_ADDRESS.search(text, end, part.end)
        if stated is not None and stated.group("value").lower() not in excluded:
            address = Found(stated.group("value").lower(), *stated.span("value"), rule="named")
            score += 2
    line_end = text.find("\n", end, part.end)
    alone = not text[line_start:start].strip(" \t>*-") and not text[
        end : line_end if line_end >= 0 else part.end
    ].strip(" \t.,;")
    if alone and address is not None and address.start - end < 80:
        score += 1  # "Nome Sobrenome\nnome@gmail.com"
    return score, address


def student_by_context(
    text: str,
    parts: tuple[_Part, _Part | None],
    subject: str,
    exclude: Iterable[str],
    writers: list[str],
) -> tuple[Found, Found | None] | None:
    """The one person the request's words point at as its student, with their address
    when one is written for them; None when nobody weighs enough or two weigh the same."""
    excluded = {a.lower() for a in exclude if a}
    candidates: dict[str, _Candidate] = {}
    text = text[:SCAN_CHARS]
    parts = tuple(None if p is None else replace(p, end=min(p.end, len(text))) for p in parts)

    def is_writer(value: str) -> bool:
        return any(_same_person(value, w) for w in writers if w)

    live = [p for p in parts if p is not None and p.end > p.start]
    ends = [m.end() for m in _NAME.finditer(text)]
    ends = ends[: MOST_CANDIDATES * 10]
    for part in live:
        for match in _NAME.finditer(text, part.start, part.end):
            value = _trimmed(_clean(match.group(0)))
            if not _is_name(value) or is_writer(value):
                continue
            start = match.start() + match.group(0).find(value.split()[0])
            key = _fold(value)
            if key not in candidates and len(candidates) >= MOST_CANDIDATES:
                continue
            candidate = candidates.setdefault(key, _Candidate(value, start))
            candidate.mentions.append((start, start + len(value), part))
    for match in _NAME.finditer(subject or ""):
        value = _trimmed(_clean(match.group(0)))
        if _is_name(value) and not is_writer(value):
            candidates.setdefault(_fold(value), _Candidate(value)).in_subject = True
    # the quoted history under a reply speaks of them too ("minha orientanda nova, a
    # Vanessa, precisa de acesso" under "Vanessa Cristina dos Reis Moraes\nvanessa@...")
    end = max((p.end for p in live), default=0)
    history = [_Part(end, len(text), "", "", "quoted")] if live and end < len(text) else []
    for candidate in candidates.values():
        first = candidate.value.split()[0]
        if any(_fold(first) == _fold(w).split()[0] for w in writers if w.strip()):
            pass  # the writer's first name: their own mentions only
        else:
            # a first name alone stands for the whole name written elsewhere
            pattern = re.compile(r"(?<![\w'’.-])" + re.escape(first) + r"(?![\w'’-])")
            whole = {(s, e) for s, e, _p in candidate.mentions}
            for part in live:
                for match in pattern.finditer(text, part.start, part.end):
                    if not any(s <= match.start() < e for s, e in whole):
                        candidate.mentions.append((match.start(), match.end(), part))
            if candidate.mentions:  # the history tells more of whom the request names
                for part in history:
                    for match in pattern.finditer(text, part.start, part.end):
                        candidate.mentions.append((match.start(), match.end(), part))
        said = -100  # the score of the mention the address was read beside
        for start, end, part in candidate.mentions[:MOST_MENTIONS]:
            score, address = _weigh(text, start, end, part, excluded, ends)
            candidate.score = max(candidate.score, score)
            if address is not None and score > said:
                candidate.address, said = address, score
        if candidate.in_subject and candidate.score > -100:
            candidate.score += 1
    ranked = sorted(candidates.values(), key=lambda c: c.score, reverse=True)
    if not ranked or ranked[0].score < THRESHOLD:
        return None
    if len(ranked) > 1 and ranked[1].score == ranked[0].score:
        return None
    best = ranked[0]
    start = best.start
    name = Found(
        best.value,
        start,
        start + len(best.value) if start is not None else None,
        "named" if start is not None else "subject",
        check="prose_named" if start is not None else "from_subject",
    )
    return name, best.address
