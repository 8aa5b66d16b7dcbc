"""What the rounds of unseen defence voices share (test_voices_round3/4): a voice (a whole
email and what a careful secretary reads in it), the email as it arrives, and every field
read differently. Values compare as the reading bench compares them: case, spacing and
surrounding punctuation do not matter, "Sala 206" and "206" are one room."""

from __future__ import annotations

import datetime
import email
import email.policy
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage

from defesa import reading
from emails.parsing import parse_email
from testing.mail import make_raw

OWN = ["Ifes", "Instituto Federal do Espírito Santo", "PPComp"]
REFERENCE = datetime.date(2027, 2, 1)

ADV, CO, INT, EXT = "advisor", "coadvisor", "internal", "external"


@dataclass
class Voice:
    subject: str
    from_: str
    body: str
    student: str
    title: str
    date: datetime.date | None
    time: datetime.time | None
    room: str
    members: list[tuple[str, str]]
    link: str = ""
    missing: list[str] = field(default_factory=list)
    promised: list[str] | None = None  # checked when given
    html: str | None = None
    html_only: bool = False
    attached: EmailMessage | None = None  # a forwarded message/rfc822 part
    attachments: list[tuple[str, str, bytes]] | None = None  # files (name, type, bytes)


def raw_message(voice: Voice) -> bytes:
    if voice.html_only:
        msg = EmailMessage()
        msg["Subject"] = voice.subject
        msg["From"] = voice.from_
        msg["To"] = "secretaria.ppcomp@ifes.edu.br"
        msg["Date"] = "Mon, 01 Feb 2027 10:00:00 -0300"
        msg["Message-ID"] = "<html-only-voice@test.example>"
        msg.set_content(voice.html, subtype="html")
        return msg.as_bytes()
    raw = make_raw(
        subject=voice.subject,
        from_=voice.from_,
        body=voice.body,
        html=voice.html,
        attachments=voice.attachments,
    )
    if voice.attached is None:
        return raw
    outer = email.message_from_bytes(raw, policy=email.policy.default)
    outer.add_attachment(voice.attached)
    return outer.as_bytes()


def _norm(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).replace("\u2019", "'")
    return " ".join(text.split()).casefold().strip(" .,;:\"'")


def _room(value) -> str:
    return re.sub(r"^(?:sala|room)\s+(?=\w*\d)", "", _norm(value))


def read(voice: Voice):
    parsed = parse_email(raw_message(voice))
    return reading.read_defense(
        body_text=parsed.body_text,
        body_html=parsed.body_html,
        writer=(parsed.original_from_name if parsed.forwarded else "") or parsed.from_name,
        forwarded=parsed.forwarded,
        subject=parsed.subject,
        own_institutions=OWN,
        reference=REFERENCE,
        # as defense_extract passes them: a form may be named after the student
        attachment_names=[a.filename for a in parsed.attachments],
    )


def mismatches(voice: Voice) -> list[str]:
    """Every field read differently from what a careful secretary reads, one line each."""
    found = read(voice)
    data = found.data
    wrong = []
    for name in ("student", "title", "link"):
        if _norm(getattr(data, name)) != _norm(getattr(voice, name)):
            wrong.append(f"{name}: {getattr(data, name)!r}, expected {getattr(voice, name)!r}")
    for name in ("date", "time"):
        if getattr(data, name) != getattr(voice, name):
            wrong.append(f"{name}: {getattr(data, name)!r}, expected {getattr(voice, name)!r}")
    if _room(data.room) != _room(voice.room):
        wrong.append(f"room: {data.room!r}, expected {voice.room!r}")
    want = {(role, _norm(person)) for role, person in voice.members}
    have = {(m.role, _norm(m.name)) for m in data.members}
    wrong += [f"member: {m} not found" for m in sorted(want - have)]
    wrong += [f"member: {m} is not in the committee" for m in sorted(have - want)]
    if sorted(data.missing_fields()) != sorted(voice.missing):
        wrong.append(f"missing: {data.missing_fields()}, expected {voice.missing}")
    if voice.promised is not None and list(found.promised) != voice.promised:
        wrong.append(f"promised: {found.promised}, expected {voice.promised}")
    return wrong
