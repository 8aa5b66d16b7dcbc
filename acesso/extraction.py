"""Who is asking for lab access: the student's name and address from an email.

Labels in the body first ("Nome:", "Nome completo:", "Aluno(a):", ...), then the signature,
then the original sender of a forward, then the sender. Staff correct both before approving.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from mailflow.text import cut_words

_NAME_LABEL = re.compile(
    r"^[ \t>*]*(?:nome(?: completo)?(?: do\(?a?\)? alun[oa]\)?)?|alun[oa](?:\(a\))?|discente|"
    r"estudante|student(?: name)?|name)\s*:[ \t*]*(?P<value>[^\n]+)$",
    re.I | re.M,
)
_EMAIL_LABEL = re.compile(
    r"^[ \t>*]*(?:e-?mail(?: pessoal| institucional)?)\s*:[ \t*<]*"
    r"(?P<value>[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})",
    re.I | re.M,
)
_CLOSINGS = re.compile(
    r"^\s*(?:atenciosamente|att\.?|atte\.?|abra[çc]os?|obrigad[oa]|grat[oa]|"
    r"cordialmente|sauda[çc][õo]es|best regards|regards|thanks|obg)[,.!]*\s*$",
    re.I | re.M,
)
_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ'’.-]+"
_LOOKS_LIKE_NAME = re.compile(rf"^{_NAME_WORD}(?: {_NAME_WORD}){{1,6}}$")


@dataclass
class Student:
    name: str
    email: str
    source: str  # "label", "signature", "forward", "sender"


def _clean(value: str) -> str:
    value = re.sub(r"\s+", " ", value.replace("*", " ")).strip(" .,;")
    return cut_words(value, 200)


def _plausible_name(value: str) -> bool:
    value = unicodedata.normalize("NFC", value)
    return bool(_LOOKS_LIKE_NAME.fullmatch(value)) and any(c.isalpha() for c in value)


def _signature_name(body: str) -> str:
    closings = list(_CLOSINGS.finditer(body))
    if not closings:
        return ""
    closing = closings[-1]  # the last closing formula
    for line in body[closing.end() :].splitlines():
        line = _clean(line)
        if not line:
            continue
        return line if _plausible_name(line) else ""
    return ""


def identify_student(
    *,
    body: str,
    from_name: str,
    from_address: str,
    forwarded: bool = False,
    original_from_name: str = "",
    original_from_address: str = "",
) -> Student:
    text = body or ""
    label = _NAME_LABEL.search(text)
    email_label = _EMAIL_LABEL.search(text)
    sender_name = original_from_name if forwarded and original_from_name else from_name
    sender_email = original_from_address if forwarded and original_from_address else from_address
    email = email_label.group("value").lower() if email_label else sender_email
    if label and _plausible_name(_clean(label.group("value"))):
        return Student(_clean(label.group("value")), email, "label")
    signature = _signature_name(text)
    if signature:
        return Student(signature, email, "signature")
    source = "forward" if forwarded and original_from_name else "sender"
    return Student(_clean(sender_name), email, source)
