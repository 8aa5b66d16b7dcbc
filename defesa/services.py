"""Writes of the defence workflow: from the professor's email to the documents, the
chamado and the reply.

    email (kind defesa) -> defense_open: extraction
        missing data -> awaiting_data, the form goes to the professor (no one waits)
            the threaded answer -> defense_merge_answer -> complete? -> awaiting_review
        complete -> documents generated -> awaiting_review
    a secretary reviews (edits, regenerates) -> defense_approve: chamado + reply queued
    both sent -> defense_finish: sent, the email is done
    or defense_reject: the reason goes to the professor
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import mimetypes
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from defesa import KIND, documents, extraction
from defesa.data import ADVISOR, COADVISOR, EXTERNAL, INTERNAL, ROLES, DefenseData, Member
from defesa.models import (
    CommitteeMember,
    DefenseRequest,
    DocumentTemplate,
    GeneratedDocument,
)
from emails import services as email_services
from emails.models import Email
from mailflow import policy
from mailflow import reading as mailflow_reading
from mailflow.audit import TransitionRules, status_note, status_transition
from mailflow.errors import DomainError
from mailflow.text import cut_words
from sender import services as outbox
from sender.selectors import case_messages

if TYPE_CHECKING:
    from defesa.reading import Reading

logger = logging.getLogger(__name__)
D = DefenseRequest.Status

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    D.AWAITING_DATA: {D.AWAITING_REVIEW, D.REJECTED},
    D.AWAITING_REVIEW: {D.APPROVED, D.REJECTED, D.AWAITING_DATA},
    D.APPROVED: {D.SENT},
    D.SENT: set(),
    D.REJECTED: set(),
}
# Statuses in which the data may still change.
EDITABLE = {D.AWAITING_DATA, D.AWAITING_REVIEW}

# What each missing-field code asks for, in the form's words.
FIELD_LABELS = {
    "student": gettext_lazy("the student's full name"),
    "title": gettext_lazy("the title"),
    "date": gettext_lazy("the date"),
    "time": gettext_lazy("the time"),
    "room": gettext_lazy("the room (or “Virtual” and the link)"),
    "advisor": gettext_lazy("the main advisor"),
    "internal": gettext_lazy("at least one internal member"),
    "external": gettext_lazy("at least one external member, with the institution"),
    # not required, but awaited when the email says it will come ("Link: envio depois")
    "link": gettext_lazy("the virtual room link, which the email says will be sent"),
}
# Names of the values that history notes show.
_VALUE_LABELS = {
    "student": gettext_lazy("student"),
    "title": gettext_lazy("title"),
    "date": gettext_lazy("date"),
    "time": gettext_lazy("time"),
    "room": gettext_lazy("room"),
    "link": gettext_lazy("link"),
    "advisor": gettext_lazy("main advisor"),
    "coadvisor": gettext_lazy("co-advisor"),
    "internal": gettext_lazy("internal members"),
    "external": gettext_lazy("external members"),
}


class DefenseError(DomainError):
    """A request the defence workflow cannot honour; the message says why."""


# A defence request changes status only through status_transition(**DEFENSE_TRANSITIONS).
DEFENSE_TRANSITIONS = TransitionRules(
    allowed=ALLOWED_TRANSITIONS,
    refused=gettext_lazy("a defence request in status “%(current)s” cannot become “%(target)s”"),
    error=DefenseError,
)


# --- configuration -----------------------------------------------------------------------


def program_config() -> documents.ProgramConfig:
    return documents.ProgramConfig.from_settings()


def own_institutions() -> list[str]:
    """The institution's names, and the program's: a member "do PPComp" is internal."""
    names = [
        settings.MAILFLOW_INSTITUTION_ACRONYM,
        settings.MAILFLOW_INSTITUTION,
        *settings.MAILFLOW_INSTITUTION_ALIASES,
        settings.MAILFLOW_PROGRAM_ACRONYM,
        settings.MAILFLOW_PROGRAM_NAME,
    ]
    return [n for n in names if n]


# --- data <-> rows -----------------------------------------------------------------------


def defense_data(defense: DefenseRequest) -> DefenseData:
    return DefenseData(
        student=defense.student,
        title=defense.title,
        date=defense.date,
        time=defense.time,
        room=defense.room,
        link=defense.link,
        members=[
            Member(role=m.role, name=m.name, honorific=m.honorific, institution=m.institution)
            for m in defense.members.all()
        ],
    )


def _data_fingerprint(data: DefenseData) -> str:
    return hashlib.sha256(
        json.dumps(dataclasses.asdict(data), default=str, sort_keys=True).encode()
    ).hexdigest()


def _describe(data: DefenseData, name: str) -> str:
    if name in (ADVISOR, COADVISOR, INTERNAL, EXTERNAL):
        members = data.by_role(name)
        return "; ".join(_member_text(m) for m in members) or "—"
    value = getattr(data, name)
    if value in (None, ""):
        return "—"
    if name == "date":
        return value.strftime("%d/%m/%Y")
    if name == "time":
        return value.strftime("%H:%M")
    return str(value)


def _member_text(member: Member) -> str:
    text = f"{member.honorific} {member.name}".strip()
    return f"{text} ({member.institution})" if member.institution else text


def _changed_fields(before: DefenseData, after: DefenseData) -> list[str]:
    changed = []
    for name in ("student", "title", "date", "time", "room", "link"):
        if getattr(before, name) != getattr(after, name):
            changed.append(name)
    for role in (ADVISOR, COADVISOR, INTERNAL, EXTERNAL):
        if before.by_role(role) != after.by_role(role):
            changed.append(role)
    return changed


def _change_note(before: DefenseData, after: DefenseData, fields: list[str]) -> str:
    return "\n".join(
        f"{_VALUE_LABELS[name]}: {_describe(before, name)} → {_describe(after, name)}"
        for name in fields
    )


def defense_data_write(*, defense: DefenseRequest, data: DefenseData) -> None:
    """Store `data` on the request and its committee rows (replacing them)."""
    defense.student = cut_words(data.student, 200)
    defense.title = data.title
    defense.date = data.date
    defense.time = data.time
    defense.room = cut_words(data.room, 100)
    defense.link = data.link[:500]
    defense.missing_fields = data.missing_fields()
    defense.save(
        update_fields=[
            "student",
            "title",
            "date",
            "time",
            "room",
            "link",
            "missing_fields",
            "updated_at",
        ]
    )
    defense.members.all().delete()
    CommitteeMember.objects.bulk_create(
        CommitteeMember(
            defense=defense,
            role=m.role,
            name=cut_words(m.name, 200),
            honorific=cut_words(m.honorific, 40),
            institution=cut_words(m.institution, 200),
            order=i,
        )
        for i, m in enumerate(data.members)
    )


# --- opening a request -------------------------------------------------------------------


def defense_extract(email, *, answer: bool = False, part: int = 0) -> Reading:
    """What the readers find in a request email (defesa.reading), with the program's own
    institutions, its writer (the original sender of a forward) and its date. `answer`: the
    email answers our form (its quoted history and subject are ours). `part`: which of the
    email's defences, when it asks for several."""
    from defesa import reading  # its sentence reader's patterns: only when a request is read

    forwarded = bool(email.forwarded)
    return reading.read_defense(
        body_text=email.body_text or "",
        body_html=email.body_html or "",
        writer=(email.original_from_name if forwarded else "") or email.from_name,
        forwarded=forwarded,
        subject=email.subject or "",
        own_institutions=own_institutions(),
        reference=(email.date or email.received_at).date()
        if (email.date or email.received_at)
        else None,
        answer=answer,
        attachment_names=[a.filename for a in email.attachments.all()] if email.pk else [],
        part=part,
    )


# A qualification exam is scheduled with a student, a title, a date and a committee too: the
# reader finds them all, yet it is not a defence (the exam's own words are the difference).
QUALIFICATION_RE = re.compile(r"\bqualifica[cç][aã]o\b|\bqualifying exam", re.I)
DEFENCE_WORD_RE = re.compile(r"\bdefe(?:sa|nd|ns|nc)", re.I)
# A defence's whole data in mail that asks nothing of its registration: an announcement of
# one already arranged, a committee member's certificate for one already held, its signed
# ata. ("A declaração de participação" alone is one of a request's own documents.)
NOT_A_REQUEST_RE = re.compile(
    r"\bpara\s+(?:conhecimento\s+e\s+)?divulga[cç][aã]o|"
    r"\b(?:convidamos|convida)\s+(?:(?:toda|todos|todas)\s+)?(?:a\s+|os\s+|as\s+)?"
    r"(?:comunidade|todos|todas|voc[eê]s|interessad[oa]s)\b|"
    r"\byou\s+are\s+(?:cordially\s+)?invited\b|\bata\s+assinada\b|"
    r"\b(?:participei|fui|served)\s+(?:como\s+(?:membro\s+)?\w+\s+|as\s+\w+\s+\w+\s+)?"
    r"(?:da\s+banca|d[ao]\s+comit[eê]|at\s+the)\b|"
    r"\bcertificate\s+of\s+(?:participation|attendance)",
    re.I,
)
# Where the words are looked for: the subject and the start of the body (the request).
RECOGNISE_CHARS = 4000


def defense_doubts(email) -> str:
    """Why an email the classifier takes for a defence request is perhaps none: it asks
    for a member's certificate, announces a defence, or returns the documents of one
    already held (its words, in the subject and the start of the body)."""
    text = f"{email.subject}\n{(email.body_text or '')[:RECOGNISE_CHARS]}"
    if NOT_A_REQUEST_RE.search(text):
        return str(_("it reads like a certificate, an announcement or a defence already held"))
    return ""


def defense_recognised(email) -> bool:
    """Whether the email holds a defence request whole: the student, the title (or, when
    it is still to come, the time and the place), the date and the main advisor with at
    least one other member (the classifier's second opinion when it is not sure; see
    pipeline.kinds). An email about a qualification exam that never names a defence is
    not one, however whole its data, nor a reply whose request is in the message it
    quotes, nor a look-alike (see NOT_A_REQUEST_RE)."""
    text = f"{email.subject}\n{(email.body_text or '')[:RECOGNISE_CHARS]}"
    if QUALIFICATION_RE.search(text) and not DEFENCE_WORD_RE.search(text):
        return False
    if NOT_A_REQUEST_RE.search(text):
        return False  # the classifier was unsure: a person decides
    found = defense_extract(email)
    data = found.data
    # what a reply quotes is an earlier message's: its writer must say something of the
    # defence themself ("a nova data é ..."); "obrigado!" above a quoted request is none
    own = [
        name
        for name in ("date", "time", "room", "link", "title")
        if getattr(data, name) and found.provenance.get(name, {}).get("rule") != "quoted"
    ]
    # the title may be the one thing still to come ("mando depois"): the rest is whole
    return bool(
        own
        and data.student
        and (data.title or (data.time and (data.room or data.link)))
        and data.date
        and data.advisor
        and len(data.members) >= 2
    )


def defense_open(email_id: int) -> DefenseRequest | None:
    """A defesa email becomes a defence request (once per email), one for each defence it
    asks for: complete data gets its documents and waits for review; missing data sends
    the professor the form. Returns the first request."""

    with transaction.atomic():
        email = Email.objects.select_for_update().get(pk=email_id)
        if email.status != Email.Status.RECEIVED or email.kind != KIND:
            return None
        existing = DefenseRequest.objects.filter(email=email).order_by("part").first()
        if existing is not None:
            return existing
        first = defense_extract(email)
        readings = [first]
        for k in range(1, first.defences):
            found = defense_extract(email, part=k)
            data = found.data
            student = " ".join(data.student.casefold().split())
            if not (data.student or data.title or data.date) or any(
                student and student == " ".join(r.data.student.casefold().split()) for r in readings
            ):
                continue  # the same student again, or nothing of a defence: no request
            readings.append(found)
        defenses = [_open_part(email, found, several=len(readings) > 1) for found in readings]
        status_transition(
            obj=email,
            status=Email.Status.PROCESSING,
            **email_services.EMAIL_TRANSITIONS,
            actor_label="defesa",
            note=", ".join(
                _("defence request #%(id)d") % {"id": defense.pk} for defense in defenses
            ),
        )
        complete = []
        for defense, found in zip(defenses, readings, strict=True):
            if defense.missing_fields:
                _ask_for_data(defense, found.data)
            else:
                complete.append(defense)
    # Complete: documents, then review. Outside the first transaction so the request
    # exists even if generation fails (the error is in its history; regenerate retries).
    for defense in complete:
        _complete(defense, actor=None, actor_label="defesa")
    return defenses[0]


def _open_part(email: Email, found, *, several: bool) -> DefenseRequest:
    """One defence of the email (`found`: its reading) as a request awaiting data;
    `several`: the email's other defences have requests too (staff are told which)."""
    defense = DefenseRequest.objects.create(
        email=email,
        part=found.part,
        status=D.AWAITING_DATA,
        problems=[found.several, *found.problems] if several else found.problems,
        provenance=found.provenance,
        checks=found.checks,
    )
    defense_data_write(defense=defense, data=found.data)
    if "link" in found.promised and not defense.link:
        defense.missing_fields = [*defense.missing_fields, "link"]
        defense.save(update_fields=["missing_fields", "updated_at"])
    status_note(
        obj=defense,
        from_status="",
        actor_label="defesa",
        note=_("data read from the email; missing: %(missing)s")
        % {"missing": _missing_text(defense.missing_fields)}
        + (
            "\n"
            + _("to check: %(fields)s")
            % {
                "fields": "; ".join(
                    f"{field_label(f)} ({mailflow_reading.check_label(r)})"
                    for f, r in found.checks.items()
                )
            }
            if found.checks
            else ""
        ),
    )
    return defense


def _missing_text(codes: list[str]) -> str:
    return ", ".join(str(FIELD_LABELS[c]) for c in codes) or "—"


def _ask_for_data(defense: DefenseRequest, data: DefenseData) -> None:
    """The form, pre-filled with what was found, to the professor (sent without waiting
    for a person; loop protection still applies)."""

    outbox.outbound_compose(
        email=defense.email,
        case_key=f"defense:{defense.pk}",
        purpose="form_request",
        template="defesa/form_request.txt",
        context={
            "missing": [str(FIELD_LABELS[c]) for c in defense.missing_fields],
            "form": extraction.blank_form(data),
        },
        queue=policy.is_automatic("MAILFLOW_FORM_REQUEST_APPROVAL"),
    )


def _complete(defense: DefenseRequest, *, actor, actor_label: str = "") -> None:
    """Complete data: generate the documents and wait for a secretary's review (or, when
    the policy says so, approve at once)."""
    try:
        defense_generate_documents(defense=defense, actor=actor, actor_label=actor_label)
    except DefenseError as exc:
        status_note(obj=defense, actor=actor, actor_label=actor_label, note=str(exc))
    if defense.status == D.AWAITING_DATA:
        status_transition(
            obj=defense,
            status=D.AWAITING_REVIEW,
            **DEFENSE_TRANSITIONS,
            actor=actor,
            actor_label=actor_label,
            note=_("data complete"),
        )
    _approve_if_automatic(defense)


def _approve_if_automatic(defense: DefenseRequest) -> None:
    if (
        defense.status == D.AWAITING_REVIEW
        and policy.is_automatic("MAILFLOW_DEFENSE_APPROVAL")
        # a value read from a sentence (or a guess) waits for a person whatever the policy
        and not defense.checks
    ):
        try:
            defense_approve(defense=defense, actor=None, actor_label="policy")
        except DefenseError as exc:
            # e.g. no chamado address: it waits for a person, who sees why.
            last = defense.status_changes.order_by("-at", "-id").first()
            if last is None or last.note != str(exc):
                status_note(obj=defense, actor_label="policy", note=str(exc))


def defense_advance(defense_id: int) -> DefenseRequest | None:
    defense = DefenseRequest.objects.filter(pk=defense_id).first()
    if defense is None or defense.missing_fields:
        return defense
    if defense.status == D.AWAITING_DATA:
        _complete(defense, actor=None, actor_label="sweeper")
    else:
        _approve_if_automatic(defense)
    return defense


# --- the professor's answer --------------------------------------------------------------


def _answered(email: Email, defenses: list[DefenseRequest]) -> DefenseRequest | None:
    """The request an answer is for: the only one of its case, or the one whose message it
    replies to (In-Reply-To names one of that request's messages; else References names
    messages of one request only); None when it does not say."""
    if len(defenses) == 1:
        return defenses[0]
    keys = {f"defense:{d.pk}": d for d in defenses}
    # the message it answers (In-Reply-To), else the thread it names (References)
    for ids in ([email.in_reply_to], (email.references or "").split()):
        replied = (
            case_messages(list(keys))
            .filter(message_id__in=[i for i in ids if i])
            .values_list("case_key", flat=True)
        )
        found = {keys[key] for key in replied}
        if found:
            return found.pop() if len(found) == 1 else None
    return None


def defense_merge_answer(email_id: int) -> DefenseRequest | None:
    """The professor's threaded answer: the values it gives win; the change goes to the
    history; a request that becomes complete moves on to review."""

    with transaction.atomic():
        email = Email.objects.select_for_update().get(pk=email_id)
        if email.status != Email.Status.RECEIVED or email.case_id is None:
            return None
        defenses = list(
            DefenseRequest.objects.select_for_update()
            .filter(email_id=email.case_id)
            .order_by("part")
        )
        if not defenses:
            return None
        defense = _answered(email, defenses)
        if defense is None:
            # an email with several defences, answered without saying which
            status_transition(
                obj=email,
                status=Email.Status.NEEDS_REVIEW,
                **email_services.EMAIL_TRANSITIONS,
                actor_label="defesa",
                note=_(
                    "an answer in the case of defence requests %(ids)s: which one it is for "
                    "is not clear"
                )
                % {"ids": ", ".join(f"#{d.pk}" for d in defenses)},
            )
            return defenses[0]
        if defense.status not in EDITABLE:
            # e.g. the coordination answering the chamado: a person reads it.
            status_transition(
                obj=email,
                status=Email.Status.NEEDS_REVIEW,
                **email_services.EMAIL_TRANSITIONS,
                actor_label="defesa",
                note=_("a later email in the case of defence request #%(id)d (%(status)s)")
                % {"id": defense.pk, "status": defense.get_status_display()},
            )
            return defense
        found = defense_extract(email, answer=True)
        answer = found.data
        given = [answer.student, answer.title, answer.date, answer.time, answer.room]
        if not any([*given, answer.link, answer.members]):
            status_transition(
                obj=email,
                status=Email.Status.NEEDS_REVIEW,
                **email_services.EMAIL_TRANSITIONS,
                actor_label="defesa",
                note=_("an answer in the case of defence request #%(id)d without its data")
                % {"id": defense.pk},
            )
            return defense
        before = defense_data(defense)
        merged, _fields = extraction.merge_defense(before, answer)
        changed = _changed_fields(before, merged)
        defense_data_write(defense=defense, data=merged)
        provenance, checks = _answer_sources(defense, found, changed, email.pk, before, merged)
        DefenseRequest.objects.filter(pk=defense.pk).update(
            problems=found.problems, provenance=provenance, checks=checks
        )
        defense.provenance, defense.checks = provenance, checks
        status_note(
            obj=defense,
            actor_label=email.from_address or "defesa",
            note=_("answer merged (email #%(email)d)\n%(changes)s")
            % {"email": email.pk, "changes": _change_note(before, merged, changed) or "—"},
        )
        status_transition(
            obj=email,
            status=Email.Status.DONE,
            **email_services.EMAIL_TRANSITIONS,
            actor_label="defesa",
            note=_("merged into defence request #%(id)d") % {"id": defense.pk},
        )
        if defense.missing_fields:
            if defense.status == D.AWAITING_REVIEW:
                status_transition(
                    obj=defense,
                    status=D.AWAITING_DATA,
                    **DEFENSE_TRANSITIONS,
                    actor_label="defesa",
                    note=_("missing: %(missing)s")
                    % {"missing": _missing_text(defense.missing_fields)},
                )
            return defense
        if not changed and defense.status == D.AWAITING_REVIEW:
            return defense
    if defense.status == D.AWAITING_REVIEW:
        defense_generate_documents(defense=defense, actor=None, actor_label="defesa")
    else:
        _complete(defense, actor=None, actor_label="defesa")
    return defense


# --- edits by staff ----------------------------------------------------------------------


def defense_edited(
    *, defense: DefenseRequest, before: DefenseData, actor, data: DefenseData | None = None
) -> list[str]:
    """After staff changed the data (admin form, API): `data`, when given, is written;
    the change is recorded, missing fields recomputed and the status follows. The
    documents are regenerated on request (or before approval), not on every keystroke."""
    if defense.status not in EDITABLE:
        raise DefenseError(
            _("a defence request in status “%(status)s” can no longer be changed")
            % {"status": defense.get_status_display()}
        )
    with transaction.atomic():
        if data is not None:
            defense_data_write(defense=defense, data=data)
        after = defense_data(defense)
        missing = after.missing_fields()
        DefenseRequest.objects.filter(pk=defense.pk).update(missing_fields=missing)
        defense.missing_fields = missing
        changed = _changed_fields(before, after)
        if changed:
            status_note(obj=defense, actor=actor, note=_change_note(before, after, changed))
            _checked_by_a_person(defense, changed)
        if missing and defense.status == D.AWAITING_REVIEW:
            status_transition(
                obj=defense,
                status=D.AWAITING_DATA,
                **DEFENSE_TRANSITIONS,
                actor=actor,
                note=_("missing: %(missing)s") % {"missing": _missing_text(missing)},
            )
    if not missing and defense.status == D.AWAITING_DATA:
        _complete(defense, actor=actor)
    return changed


def _member_index(members: list, member) -> int | None:
    """Where `member` (same role and name) stands in `members`."""
    for index, other in enumerate(members):
        if (other.role, other.name) == (member.role, member.name):
            return index
    return None


def _answer_sources(
    defense: DefenseRequest,
    found: Reading,
    changed: list[str],
    email_id: int,
    before: DefenseData,
    merged: DefenseData,
) -> tuple[dict, dict]:
    """The sources after an answer was merged: a changed value was read in the answer
    (its span indexes that email, named by "email"); when the committee changed, each
    member keeps the source and mark of where it came from: the answer's members theirs
    (with "email"), the others the request's own (the members are renumbered)."""
    provenance, checks = dict(defense.provenance), dict(defense.checks)
    if any(name in ROLES for name in changed):
        old = {k: v for k, v in provenance.items() if k.startswith("member:")}
        old_checks = {k: v for k, v in checks.items() if k.startswith("member:")}
        provenance = {k: v for k, v in provenance.items() if not k.startswith("member:")}
        checks = {k: v for k, v in checks.items() if not k.startswith("member:")}
        for index, member in enumerate(merged.members):
            key = f"member:{index}"
            if member.role in changed:
                source = _member_index(found.data.members, member)
                if source is not None and f"member:{source}" in found.provenance:
                    provenance[key] = {**found.provenance[f"member:{source}"], "email": email_id}
                if source is not None and f"member:{source}" in found.checks:
                    checks[key] = found.checks[f"member:{source}"]
            else:
                source = _member_index(before.members, member)
                if source is not None and f"member:{source}" in old:
                    provenance[key] = old[f"member:{source}"]
                if source is not None and f"member:{source}" in old_checks:
                    checks[key] = old_checks[f"member:{source}"]
    for name in changed:
        if name in ROLES:
            continue
        checks.pop(name, None)
        if name in found.provenance:
            provenance[name] = {**found.provenance[name], "email": email_id}
        if name in found.checks:
            checks[name] = found.checks[name]
    return provenance, checks


def _checked_by_a_person(defense: DefenseRequest, changed: list[str]) -> None:
    """Staff changed these fields (a role: its members): what they typed is theirs, with
    no mark left and no span in the email. A committee change renumbers the members, so
    every member's source is dropped then."""
    provenance, checks = dict(defense.provenance), dict(defense.checks)
    members_changed = any(name in ROLES for name in changed)
    for name in list(provenance) + list(checks):
        if name in changed or (members_changed and name.startswith("member:")):
            provenance.pop(name, None)
            checks.pop(name, None)
    for name in changed:
        if name not in ROLES:
            provenance[name] = {"start": None, "end": None, "rule": "staff", "check": ""}
    defense.provenance, defense.checks = provenance, checks
    DefenseRequest.objects.filter(pk=defense.pk).update(provenance=provenance, checks=checks)


def defense_checked(*, defense: DefenseRequest, actor) -> DefenseRequest:
    """A person looked at every marked value and found it right: no mark is left."""
    if defense.checks:
        DefenseRequest.objects.filter(pk=defense.pk).update(checks={})
        status_note(
            obj=defense,
            actor=actor,
            note=_("values read from sentences checked: %(fields)s")
            % {"fields": ", ".join(field_label(f) for f in defense.checks)},
        )
        defense.checks = {}
    return defense


def field_label(name: str) -> str:
    """A field or "member:<i>" as staff call it."""
    if name.startswith("member:"):
        return _("committee member %(n)s") % {"n": int(name.split(":")[1]) + 1}
    return str(_VALUE_LABELS.get(name, name))


def defense_update(*, defense: DefenseRequest, changes: dict, actor) -> DefenseRequest:
    """A partial update (API): plain fields by name, and the committee as advisor,
    coadvisor (names), internal_members (names), external_members ({name, institution})."""
    before = defense_data(defense)
    data = dataclasses.replace(before, members=list(before.members))
    for name in ("student", "title", "date", "time", "room", "link"):
        if name in changes:
            value = changes[name]
            if value is None and name not in ("date", "time"):
                value = ""
            setattr(data, name, value.strip() if isinstance(value, str) else value)
    role_fields = {
        "advisor": ADVISOR,
        "coadvisor": COADVISOR,
        "internal_members": INTERNAL,
        "external_members": EXTERNAL,
    }
    for key, role in role_fields.items():
        if key not in changes:
            continue
        value = changes[key]
        items = value if isinstance(value, list) else ([value] if value else [])
        new = []
        for item in items:
            if isinstance(item, dict):
                new.append(
                    Member(
                        role=role,
                        name=item.get("name", "").strip(),
                        honorific=item.get("honorific", "").strip(),
                        institution=item.get("institution", "").strip(),
                    )
                )
            elif str(item).strip():
                new.append(_member_from_text(role, str(item)))
        data.members = [m for m in data.members if m.role != role] + new
    data.members.sort(key=lambda m: [ADVISOR, COADVISOR, INTERNAL, EXTERNAL].index(m.role))
    defense_edited(defense=defense, before=before, actor=actor, data=data)
    defense.refresh_from_db()
    return defense


def _member_from_text(role: str, text: str) -> Member:
    """ "Prof. Dr. Fulano (UFES)" as the extraction reads a committee line."""
    found = extraction.extract_defense(
        body_text=f"{_ROLE_LABELS[role]}: {text}", own_institutions=own_institutions()
    ).data.by_role(role)
    if found:
        return found[0]
    return Member(role=role, name=text.strip())


_ROLE_LABELS = {
    ADVISOR: "Orientador Principal",
    COADVISOR: "Coorientador",
    INTERNAL: "Membro Interno",
    EXTERNAL: "Membro Externo",
}


# --- documents ---------------------------------------------------------------------------


def templates_in_use() -> dict[str, tuple[DocumentTemplate, bytes]]:
    """The uploaded templates, by document kind (the rest use the shipped defaults)."""
    found = {}
    for template in DocumentTemplate.objects.all():
        with template.file.open("rb") as f:
            found[template.kind] = (template, f.read())
    return found


@transaction.atomic
def document_template_upload(*, kind: str, content: bytes, actor) -> DocumentTemplate:
    """Replace the template of one document kind; refused (TemplateInvalid) when it is
    not a .docx or names an unknown or malformed placeholder."""
    if kind not in documents.DOCUMENT_KINDS:
        raise DefenseError(_("unknown document: %(kind)s") % {"kind": kind})
    documents.validate_template(content, kind=kind)
    template, _created = DocumentTemplate.objects.get_or_create(
        kind=kind, defaults={"uploaded_by": actor}
    )
    if template.file:
        template.file.delete(save=False)
    template.file.save(f"{kind}.docx", ContentFile(content), save=False)
    template.uploaded_by = actor
    template.save()
    return template


def defense_generate_documents(
    *, defense: DefenseRequest, actor=None, actor_label: str = ""
) -> list[GeneratedDocument]:
    """One document set for the request's current data (replacing the previous one)."""
    data = defense_data(defense)
    if data.missing_fields():
        raise DefenseError(
            _("the documents need %(missing)s") % {"missing": _missing_text(data.missing_fields())}
        )
    uploaded = templates_in_use()
    try:
        files = documents.generate_set(
            data, program_config(), {kind: content for kind, (_t, content) in uploaded.items()}
        )
    except (documents.TemplateInvalid, documents.IncompleteDefenseData) as exc:
        raise DefenseError(_("a document template is broken: %(error)s") % {"error": exc}) from exc
    extra = []
    if settings.MAILFLOW_DEFENSE_PDF:
        try:
            pdfs = documents.docx_to_pdfs([generated.content for generated in files])
        except (documents.PdfConversionError, OSError) as exc:
            raise DefenseError(_("PDF conversion failed: %(error)s") % {"error": exc}) from exc
        for generated, pdf in zip(files, pdfs, strict=True):
            extra.append(
                documents.GeneratedFile(
                    kind=generated.kind,
                    filename=generated.filename.rsplit(".", 1)[0] + ".pdf",
                    content=pdf,
                    member=generated.member,
                )
            )
    with transaction.atomic():
        old = list(defense.documents.all())
        for document in old:
            document.file.delete(save=False)
        GeneratedDocument.objects.filter(pk__in=[d.pk for d in old]).delete()
        rows = []
        for generated in [*files, *extra]:
            row = GeneratedDocument(
                defense=defense,
                kind=generated.kind,
                template=uploaded.get(generated.kind, (None, b""))[0],
                member_name=generated.member.name if generated.member else "",
                filename=generated.filename,
                size=len(generated.content),
                checksum=hashlib.sha256(generated.content).hexdigest(),
            )
            row.file.save(generated.filename, ContentFile(generated.content), save=False)
            row.save()
            rows.append(row)
        DefenseRequest.objects.filter(pk=defense.pk).update(
            documents_fingerprint=_data_fingerprint(data)
        )
        defense.documents_fingerprint = _data_fingerprint(data)
        status_note(
            obj=defense,
            actor=actor,
            actor_label=actor_label,
            note=_("%(count)d documents generated") % {"count": len(rows)},
        )
    return rows


def documents_current(defense: DefenseRequest) -> bool:
    return bool(defense.documents_fingerprint) and defense.documents_fingerprint == (
        _data_fingerprint(defense_data(defense))
    )


def _attachments(defense: DefenseRequest) -> list[tuple[str, str, bytes]]:
    found = []
    for document in defense.documents.all():
        with document.file.open("rb") as f:
            content = f.read()
        content_type = mimetypes.guess_type(document.filename)[0] or "application/octet-stream"
        found.append((document.filename, content_type, content))
    return found


# --- review --------------------------------------------------------------------------------


def _announcement_context(defense: DefenseRequest) -> dict:
    data = defense_data(defense)
    return {
        "defense": defense,
        "student": data.student,
        "title": data.title,
        "date": formats.date_format(data.date, "d/m/Y") if data.date else "",
        "date_long": documents.portuguese_date(data.date) if data.date else "",
        "time": data.time.strftime("%H:%M") if data.time else "",
        "room": data.room,
        "link": data.link,
        "members": [
            {"role": CommitteeMember.Role(m.role).label, "text": _member_text(m)}
            for m in data.members
        ],
    }


def defense_approve(*, defense: DefenseRequest, actor, actor_label: str = "") -> DefenseRequest:
    """A secretary approves: the chamado goes to the coordination and the documents to
    the professor (both through the outbox, threaded, with the documents attached)."""

    if defense.status != D.AWAITING_REVIEW:
        raise DefenseError(
            _("only a request awaiting review can be approved (this one is “%(status)s”)")
            % {"status": defense.get_status_display()}
        )
    if defense.missing_fields:
        raise DefenseError(
            _("the request still lacks %(missing)s")
            % {"missing": _missing_text(defense.missing_fields)}
        )
    if not settings.MAILFLOW_CHAMADO_TO:
        raise DefenseError(
            _("MAILFLOW_CHAMADO_TO is not set: there is no address to send the chamado to")
        )
    if not documents_current(defense):
        defense_generate_documents(defense=defense, actor=actor)
    attachments = _attachments(defense)
    context = _announcement_context(defense)
    with transaction.atomic():
        status_transition(
            obj=defense,
            status=D.APPROVED,
            **DEFENSE_TRANSITIONS,
            actor=actor,
            actor_label=actor_label,
            note=_("approved"),
            fields={"approved_by": actor, "approved_at": timezone.now()},
        )
        outbox.outbound_compose(
            email=defense.email,
            case_key=f"defense:{defense.pk}",
            purpose="chamado",
            template="defesa/chamado.txt",
            to=settings.MAILFLOW_CHAMADO_TO,
            subject=_("Chamado: master's defence of %(student)s") % {"student": defense.student},
            context=context,
            attachments=attachments,
            automatic=False,  # to our own coordination: no loop or rate protection
            queue=True,
            actor=actor,
        )
        outbox.outbound_compose(
            email=defense.email,
            case_key=f"defense:{defense.pk}",
            purpose="documents",
            template="defesa/documents.txt",
            context=context,
            attachments=attachments,
            automatic=actor is None,
            queue=True,
            actor=actor,
        )
    return defense


def defense_reject(*, defense: DefenseRequest, actor, reason: str) -> DefenseRequest:
    """A secretary refuses the request; the reason goes to the professor."""

    reason = (reason or "").strip()
    if not reason:
        raise DefenseError(_("a rejection needs a reason: it is sent to the professor"))
    if defense.status not in EDITABLE:
        raise DefenseError(
            _("only a request awaiting data or review can be rejected (this one is “%(status)s”)")
            % {"status": defense.get_status_display()}
        )
    with transaction.atomic():
        status_transition(
            obj=defense,
            status=D.REJECTED,
            **DEFENSE_TRANSITIONS,
            actor=actor,
            note=reason,
            fields={"rejection_reason": reason},
        )
        outbox.outbound_compose(
            email=defense.email,
            case_key=f"defense:{defense.pk}",
            purpose="rejection",
            template="defesa/rejection.txt",
            context={**_announcement_context(defense), "reason": reason},
            automatic=False,
            queue=True,
            actor=actor,
        )
        _close_case(defense, _("rejection sent"))
    return defense


# --- the end of a case -------------------------------------------------------------------


def defense_finish(defense_id: int) -> DefenseRequest | None:
    """Both messages left: the request is sent and its email done."""
    with transaction.atomic():
        defense = DefenseRequest.objects.select_for_update().get(pk=defense_id)
        if defense.status != D.APPROVED:
            return None
        sent = case_messages([f"defense:{defense.pk}"], ["chamado", "documents"], sent=True)
        if sent.count() != 2:
            return None
        status_transition(
            obj=defense,
            status=D.SENT,
            **DEFENSE_TRANSITIONS,
            actor_label="outbox",
            note=_("chamado and reply sent"),
        )
        _close_case(defense, _("chamado and documents sent"))
    return defense


def _close_case(defense: DefenseRequest, note: str) -> None:
    """The email is done when every defence it asks for is (sent or rejected)."""
    if defense.email_id is None:
        return
    # the email's row first: two of its defences finishing at once see each other's end
    email = Email.objects.select_for_update().get(pk=defense.email_id)
    pending = (
        DefenseRequest.objects.filter(email_id=defense.email_id)
        .exclude(pk=defense.pk)
        .exclude(status__in=[D.SENT, D.REJECTED])
    )
    if pending.exists():
        return  # another defence of the same email is still on its way
    if email.status == Email.Status.PROCESSING:
        status_transition(
            obj=email,
            status=Email.Status.DONE,
            **email_services.EMAIL_TRANSITIONS,
            actor_label="defesa",
            note=note,
        )
