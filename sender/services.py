"""Writes of the outbox: composing replies (one or many at a time), approving, retrying,
discarding. Sending is the worker's (sender/delivery.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import socket
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emails import services as email_services
from emails.models import Email, Mailbox
from emails.storage import attachment_path
from mailflow import crypto, tokens
from mailflow.audit import status_transition, status_transition_bulk
from mailflow.errors import DomainError
from sender.compose import MASK, SECRET_RE, SECRET_TOKEN, trigger_send
from sender.compose import split_addresses as _split_addresses
from sender.models import OutboundAttachment, OutboundMessage, OutboundStatusChange

logger = logging.getLogger(__name__)

S = OutboundMessage.Status
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.QUEUED, S.DISCARDED},
    # a queued message a worker has reserved but not started can still be discarded: the
    # worker's mark to "sending" requires "queued", so it skips the message
    S.QUEUED: {S.SENDING, S.DRAFT, S.DISCARDED},
    S.SENDING: {S.SENT, S.QUEUED, S.FAILED, S.UNCERTAIN},
    S.FAILED: {S.QUEUED, S.DISCARDED},
    S.UNCERTAIN: {S.SENT, S.QUEUED, S.DISCARDED},
    S.SENT: set(),
    S.DISCARDED: set(),
}
DISCARD_REASON_MAX = 1000
HELD_REASON_MAX = OutboundMessage._meta.get_field("held_reason").max_length
ROBOT_LOCAL_PARTS = {
    "mailer-daemon",
    "postmaster",
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "bounce",
    "bounces",
}
REPLY_PREFIX_RE = re.compile(r"^\s*((re|res|resp|aw|sv|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)


class OutboxError(DomainError):
    """A request the outbox cannot honour; the message says why."""

    status_code = 400


class TransitionNotAllowed(OutboxError):
    status_code = 409


# What status_transition needs to know of the outbox's statuses.
TRANSITIONS = {
    "allowed": ALLOWED_TRANSITIONS,
    "history": OutboundStatusChange,
    "link": "message",
    "error": TransitionNotAllowed,
    "refused": gettext_lazy("a message in status “%(current)s” cannot become “%(target)s”"),
}


# --- composing ---------------------------------------------------------------------------


def reply_subject(original: str) -> str:
    """ "Re: " + the original subject, never "Re: Re:" (nor "Re: RES:")."""
    stripped = REPLY_PREFIX_RE.sub("", original or "").strip()
    return f"Re: {stripped}" if stripped else "Re:"


def message_id_domain() -> str:
    if settings.MAILFLOW_MESSAGE_ID_DOMAIN:
        return settings.MAILFLOW_MESSAGE_ID_DOMAIN
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or socket.getfqdn()


def new_message_id(*, key: str) -> str:
    """The Message-ID of a new message (without angle brackets): 128 bits from `secrets`,
    signed for its idempotency key (case and purpose) so that a reply can prove it answers
    this very message (mailflow/tokens.py)."""
    return tokens.message_id(domain=message_id_domain(), signed_for=key)


def masked(text: str) -> str:
    """The text as staff may see it: secrets replaced by a mask."""
    return SECRET_RE.sub(MASK, text)


def _references(email: Email) -> str:
    ids = [i for i in (email.references or "").split() if i]
    if email.message_id and email.message_id not in ids:
        ids.append(email.message_id)
    # Long threads: keep the first and the last ones, as RFC 5322 suggests.
    if len(ids) > 20:
        ids = ids[:1] + ids[-19:]
    return " ".join(f"<{i}>" for i in ids)


def outbound_compose(
    *,
    email: Email | None,
    purpose: str,
    template: str | None = None,
    context: dict | None = None,
    body_text: str | None = None,
    body_html_template: str | None = None,
    to: str | list[str] | None = None,
    cc: str | list[str] | None = None,
    reply_to: str | list[str] | None = None,
    subject: str | None = None,
    secrets: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    automatic: bool = True,
    case_key: str | None = None,
    signed_for: str | None = None,
    queue: bool = False,
    actor=None,
) -> OutboundMessage:
    """Compose a reply (a draft, or queued with queue=True) for a case and a purpose.

    Idempotent: the same case and purpose yield the same message. The body comes from a
    template (rendered in pt-BR with the program's configuration and `context`) or is
    given; a secret is written into the template as {{ secret.name }} and stored masked.
    The Message-ID is signed for the case and purpose, or for `signed_for` when a reply
    must also prove what the message said (an authorisation request: the student asked for).
    The case is `case_key` ("defense:12"), by default the email's ("email:5").
    """
    [message] = outbound_compose_many(
        [
            {
                "email": email,
                "purpose": purpose,
                "template": template,
                "context": context,
                "body_text": body_text,
                "body_html_template": body_html_template,
                "to": to,
                "cc": cc,
                "reply_to": reply_to,
                "subject": subject,
                "secrets": secrets,
                "attachments": attachments,
                "automatic": automatic,
                "case_key": case_key,
                "signed_for": signed_for,
                "queue": queue,
                "actor": actor,
            }
        ]
    )
    return message


@dataclass
class _Composed:
    """A message built from one spec, not stored yet."""

    message: OutboundMessage
    note: str  # the first history row's
    attachments: list[tuple[str, str, bytes]]
    queue: bool
    actor: object


@transaction.atomic
def outbound_compose_many(specs: list[dict]) -> list[OutboundMessage]:
    """Compose many messages at once: each spec holds outbound_compose's keyword
    arguments; the messages come back in the order of the specs.

    The new ones are stored with one INSERT, their history with another, and those to
    queue are queued together (automatic ones each checked against loop protection and
    the hourly caps in turn, so every one of them counts for the next); the transaction
    asks for one delivery, once committed. Idempotent as outbound_compose: a spec whose
    case and purpose already have a message (stored before, composed by a concurrent
    transaction, or earlier in the same list) gets that message.
    """
    keys = [_idempotency_key(spec) for spec in specs]
    found = OutboundMessage.objects.in_bulk(set(keys), field_name="idempotency_key")
    composed: dict[str, _Composed] = {}
    for key, spec in zip(keys, specs, strict=True):
        if key not in found and key not in composed:
            composed[key] = _build(key, **spec)
    if composed:
        # A message composed meanwhile by another transaction wins (the unique key): the
        # stored row is ours only when it carries the Message-ID made here.
        OutboundMessage.objects.bulk_create(
            [c.message for c in composed.values()], ignore_conflicts=True, batch_size=500
        )
        stored = OutboundMessage.objects.in_bulk(list(composed), field_name="idempotency_key")
        ours = []
        for key, draft in composed.items():
            if key not in stored:
                raise OutboxError(f"the message {key} could not be stored")
            if stored[key].message_id == draft.message.message_id:
                stored[key].email = draft.message.email  # already loaded
                draft.message = stored[key]
                ours.append(draft)
        _store_new(ours)
        found.update(stored)
    return [found[key] for key in keys]


def _idempotency_key(spec: dict) -> str:
    case_key = spec.get("case_key")
    if case_key is None:
        if spec.get("email") is None:
            raise OutboxError("a message needs a case email or a case_key")
        case_key = f"email:{spec['email'].pk}"
    return f"{case_key}:{spec['purpose']}"


def _build(
    key: str,
    *,
    email: Email | None,
    purpose: str,
    template: str | None = None,
    context: dict | None = None,
    body_text: str | None = None,
    body_html_template: str | None = None,
    to: str | list[str] | None = None,
    cc: str | list[str] | None = None,
    reply_to: str | list[str] | None = None,
    subject: str | None = None,
    secrets: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    automatic: bool = True,
    case_key: str | None = None,
    signed_for: str | None = None,
    queue: bool = False,
    actor=None,
) -> _Composed:
    """One message as outbound_compose describes it, not stored yet."""
    if (template is None) == (body_text is None):
        raise OutboxError("give either a template or a body_text")
    secret_names = sorted((secrets or {}).keys())
    for name in secret_names:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise OutboxError(f"invalid secret name {name!r}")
    if template or body_html_template:
        full_context = {
            "email": email,
            "program_name": settings.MAILFLOW_PROGRAM_NAME,
            "program_acronym": settings.MAILFLOW_PROGRAM_ACRONYM,
            "institution": settings.MAILFLOW_INSTITUTION,
            "campus": settings.MAILFLOW_CAMPUS,
            "coordinator_name": settings.MAILFLOW_COORDINATOR_NAME,
            "signature": settings.MAILFLOW_SIGNATURE,
            **(context or {}),
            # Templates see tokens, never the secrets themselves.
            "secret": {name: SECRET_TOKEN.format(name=name) for name in secret_names},
        }
    text = render_text(template, full_context) if template else body_text
    html = render_to_string(body_html_template, full_context) if body_html_template else ""
    recipients = _split_addresses(to)
    ignored_reply_to: list[str] = []
    if not recipients and email is not None:
        recipients, ignored_reply_to = answer_recipients(email)
    if not recipients:
        raise OutboxError("no recipient: the email has no usable sender address")
    message = OutboundMessage(
        email=email,
        purpose=purpose,
        idempotency_key=key,
        case_key=key.rpartition(":")[0],
        automatic=automatic,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=", ".join(recipients),
        cc=", ".join(_split_addresses(cc)),
        reply_to=", ".join(_split_addresses(reply_to)),
        subject=subject if subject is not None else reply_subject(email.subject if email else ""),
        body_text=text,
        body_html=html,
        secrets_encrypted=crypto.encrypt(json.dumps(secrets)) if secrets else "",
        message_id=new_message_id(key=signed_for or key),
        in_reply_to=f"<{email.message_id}>" if email is not None and email.message_id else "",
        references=_references(email) if email is not None else "",
    )
    labels = dict(OutboundMessage.Purpose.choices)
    note = _("composed (%(purpose)s)") % {"purpose": labels.get(purpose, purpose)}
    if ignored_reply_to:
        note += "; " + _(
            "Reply-To not used (%(count)d address(es) outside the trusted domains): "
            "the answer goes to the sender"
        ) % {"count": len(ignored_reply_to)}
    return _Composed(message, note, attachments or [], queue, actor)


def _store_new(composed: list[_Composed]) -> None:
    """The attachments and first history row of messages just stored, then the queuing
    of those asked to be queued."""
    for c in composed:
        for filename, content_type, payload in c.attachments:
            OutboundAttachment.objects.create(
                message=c.message,
                filename=filename,
                content_type=content_type,
                file=ContentFile(payload, name=attachment_path(filename, content_type)),
                size=len(payload),
            )
    OutboundStatusChange.objects.bulk_create(
        (
            OutboundStatusChange(
                message=c.message,
                from_status="",
                to_status=S.DRAFT,
                actor=c.actor,
                actor_label="" if c.actor else "system",
                note=c.note,
            )
            for c in composed
        ),
        batch_size=1000,
    )
    # What a person queues, or what is not automatic, needs no check: queued together,
    # one UPDATE per person acting. Automatic messages are checked one after the other,
    # each counting for the caps of the next.
    queued = False
    unchecked: dict[object, list[OutboundMessage]] = defaultdict(list)
    for c in composed:
        if not c.queue:
            continue
        if c.actor is None and c.message.automatic:
            queued |= _queue(c.message)
        else:
            unchecked[c.actor].append(c.message)
    for actor, messages in unchecked.items():
        now = timezone.now()
        status_transition_bulk(
            queryset=OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]),
            from_status=S.DRAFT,
            to_status=S.QUEUED,
            history=OutboundStatusChange,
            link="message",
            actor=actor,
            held_reason="",
            next_attempt_at=now,
        )
        for message in messages:
            message.status, message.held_reason, message.next_attempt_at = S.QUEUED, "", now
        queued = True
    if queued:
        trigger_send()  # one delivery for the whole batch


def trusted_domains() -> set[str]:
    """MAILFLOW_TRUSTED_DOMAINS, lower case; by default the domain of DEFAULT_FROM_EMAIL."""
    domains = {d.strip().lower().lstrip("@") for d in settings.MAILFLOW_TRUSTED_DOMAINS}
    domains.discard("")
    if not domains:
        _name, default = parseaddr(settings.DEFAULT_FROM_EMAIL)
        if "@" in default:
            domains.add(default.rpartition("@")[2].lower())
    return domains


def in_trusted_domain(address: str) -> bool:
    """Whether the address is in one of the trusted domains: the exact domain, never a
    subdomain (mail for x.ifes.edu.br may go to a machine ifes.edu.br does not run)."""
    domain = address.strip().rpartition("@")[2].lower().rstrip(".")
    return bool(domain) and domain in trusted_domains()


def answer_recipients(email: Email) -> tuple[list[str], list[str]]:
    """Who an answer to `email` goes to, and the Reply-To addresses left out: its sender
    (From). A Reply-To is used only when it names one address in a trusted domain:
    anyone may write any Reply-To, and we would be writing in the secretariat's name to
    whoever it lists."""
    reply_to = _split_addresses(email.reply_to)
    if len(reply_to) == 1 and in_trusted_domain(reply_to[0]):
        return reply_to, []
    sender = _split_addresses(email.from_address)
    ignored = [a for a in reply_to if a.lower() not in {s.lower() for s in sender}]
    return sender, ignored


def render_text(template: str, context: dict) -> str:
    """A plain-text template: no HTML escaping ("D'Ávila" stays "D'Ávila")."""
    return get_template(template).template.render(Context(context, autoescape=False))


# --- loop and abuse protection ---------------------------------------------------------


def own_addresses() -> set[str]:
    own = {a.lower() for a in settings.MAILFLOW_OWN_ADDRESSES}
    _name, default = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if default:
        own.add(default.lower())
    for username in Mailbox.objects.exclude(username="").values_list("username", flat=True):
        if "@" in username:
            own.add(username.lower())
    return own


def staff_addresses() -> set[str]:
    """The program's own people configured by the operator (the coordinator, the
    chamado's address): always answerable, and exempt from the per-recipient cap."""
    return {
        address.lower()
        for value in (settings.MAILFLOW_COORDINATOR_EMAIL, settings.MAILFLOW_CHAMADO_TO)
        for address in _split_addresses(value)
    }


def may_answer_on_its_own(address: str, *, email: Email | None) -> bool:
    """Whether an automatic message to `address`, answering `email`, may leave without a
    person (the recipient rule of protection_reason; the caps aside)."""
    sender = (email.from_address if email is not None else "").lower()
    return _may_write_to(address, sender=sender, staff=staff_addresses())


def _may_write_to(address: str, *, sender: str, staff: set[str]) -> bool:
    """An automatic message may go to the sender of the request it answers (From), to an
    address in a trusted domain, or to the program's staff; never, on its own, to an
    address someone else chose (a Reply-To, an "E-mail:" line in the body)."""
    address = address.lower()
    return address == sender or address in staff or in_trusted_domain(address)


def protection_reason(message: OutboundMessage) -> str:
    """Why an automatic message must not go out on its own ("" when it may)."""
    email = message.email if message.email_id is not None else None
    if email is not None and email.auto_generated:
        return _("the request was automatic mail (%(reason)s)") % {"reason": email.auto_reason}
    addresses = [*_split_addresses(message.to), *_split_addresses(message.cc)]
    recipients = sorted({address.lower() for address in message.recipients()})
    if len(recipients) > 1 or len(addresses) > 1:
        return _("an automatic message goes to one recipient only, and this one has %(count)d") % {
            "count": max(len(recipients), len({a.lower() for a in addresses}))
        }
    own = own_addresses()
    staff = staff_addresses()
    sender = email.from_address.strip().lower() if email is not None else ""
    for address in message.recipients():
        local = address.partition("@")[0].lower()
        if address.lower() in own:
            return _("%(address)s is one of our own addresses") % {"address": address}
        if local in ROBOT_LOCAL_PARTS:
            return _("%(address)s is a robot address") % {"address": address}
        if not _may_write_to(address, sender=sender, staff=staff):
            return _(
                "%(address)s is neither the sender of the request nor in a trusted domain: "
                "check the address before sending"
            ) % {"address": address}
    _lock_caps()
    since = timezone.now() - timedelta(hours=1)
    global_cap = settings.MAILFLOW_OUTBOX_GLOBAL_HOURLY_CAP
    if _automatic_this_hour_count(since, exclude=message.pk) >= global_cap:
        return _("%(count)d automatic messages already went out this hour (the limit for all)") % {
            "count": global_cap
        }
    sender_cap = settings.MAILFLOW_OUTBOX_SENDER_HOURLY_CAP
    if sender and _requests_answered_this_hour(sender, since, exclude_email=email.pk) >= sender_cap:
        return _("%(address)s already had %(count)d requests answered automatically this hour") % {
            "address": email.from_address,
            "count": sender_cap,
        }
    cap = settings.MAILFLOW_OUTBOX_HOURLY_CAP
    capped = [address for address in recipients if address not in staff]
    for address, count in _automatic_this_hour(capped, exclude=message.pk).items():
        if count >= cap:
            return _("%(address)s already got %(count)d automatic messages this hour") % {
                "address": address,
                "count": count,
            }
    return ""


def _on_their_way_or_sent_since(since) -> Q:
    return Q(status__in=[S.QUEUED, S.SENDING]) | Q(status=S.SENT, sent_at__gte=since)


def _automatic_this_hour_count(since, *, exclude: int | None) -> int:
    """Automatic messages that went out in the last hour or are on their way."""
    return (
        OutboundMessage.objects.filter(automatic=True)
        .filter(_on_their_way_or_sent_since(since))
        .exclude(pk=exclude)
        .count()
    )


def _requests_answered_this_hour(sender: str, since, *, exclude_email: int) -> int:
    """Other requests from this sender answered by automatic messages that went out in the
    last hour or are on their way (a request answered twice counts once)."""
    return (
        OutboundMessage.objects.filter(automatic=True, email__from_address__iexact=sender)
        .filter(_on_their_way_or_sent_since(since))
        .exclude(email_id=exclude_email)
        .values("email_id")
        .distinct()
        .count()
    )


def _automatic_this_hour(addresses: list[str], *, exclude: int | None) -> dict[str, int]:
    """Automatic messages to each address that went out in the last hour or are on their
    way (queued or sending), counting an address only where it is a whole recipient."""
    if not addresses:
        return {}
    since = timezone.now() - timedelta(hours=1)
    candidates = (
        OutboundMessage.objects.filter(automatic=True)
        .filter(_on_their_way_or_sent_since(since))
        .filter(Q(*[Q(to__icontains=a) | Q(cc__icontains=a) for a in addresses], _connector=Q.OR))
        .exclude(pk=exclude)
        .only("to", "cc")
    )
    counts = dict.fromkeys(addresses, 0)
    for other in candidates:
        for address in {a.lower() for a in other.recipients()}:
            if address in counts:
                counts[address] += 1
    return counts


OUTBOX_CAP_LOCK = int.from_bytes(hashlib.sha256(b"outbox-cap").digest()[:8], "big", signed=True)


def _lock_caps() -> None:
    """On PostgreSQL, until the transaction ends, one automatic message at a time is
    checked against the caps: two workflows queuing at the same moment would both see a
    cap not yet reached. One lock for all (the global cap counts every message anyway),
    so two of them never wait for each other."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [OUTBOX_CAP_LOCK])


# --- transitions -------------------------------------------------------------------------


def _set_fields(message: OutboundMessage, **fields) -> None:
    """Fields that change with a status (before the status itself: the database refuses
    a sent message without sent_at, a discarded one that keeps a secret). Inside the
    transition's transaction, so a refused transition leaves them as they were."""
    OutboundMessage.objects.filter(pk=message.pk).update(**fields)


def _fields_changed(message: OutboundMessage, **fields) -> None:
    for name, value in fields.items():
        setattr(message, name, value)


@transaction.atomic
def outbound_queue(
    *, message: OutboundMessage, actor=None, actor_label: str = "", note: str = ""
) -> OutboundMessage:
    """Move a draft to the queue. An automatic message (no person acting) is checked
    against loop protection, who it may go to and the hourly caps; when held it stays a
    draft, with why."""
    if _queue(message, actor=actor, actor_label=actor_label, note=note):
        trigger_send()
    return message


def _queue(message: OutboundMessage, *, actor=None, actor_label: str = "", note: str = "") -> bool:
    """outbound_queue without asking for a delivery; whether the message was queued."""
    if actor is None and message.automatic:
        reason = Truncator(protection_reason(message)).chars(HELD_REASON_MAX)
        if reason:
            status_transition_bulk(
                queryset=OutboundMessage.objects.filter(pk=message.pk),
                from_status=message.status,
                to_status=message.status,
                history=OutboundStatusChange,
                link="message",
                actor_label="loop protection",
                note=reason,
                held_reason=reason,
            )
            message.held_reason = reason
            return False
    fields = {"held_reason": "", "next_attempt_at": timezone.now()}
    _set_fields(message, **fields)
    status_transition(
        obj=message, status=S.QUEUED, actor=actor, actor_label=actor_label, note=note, **TRANSITIONS
    )
    _fields_changed(message, **fields)
    return True


def outbound_approve(*, message: OutboundMessage, actor) -> OutboundMessage:
    """A person approves a draft: it is queued, even if loop protection held it."""
    if message.status != S.DRAFT:
        raise TransitionNotAllowed(_("only a draft can be approved"))
    return outbound_queue(message=message, actor=actor, note=_("approved"))


@transaction.atomic
def outbound_retry(*, message: OutboundMessage, actor) -> OutboundMessage:
    """A person sends a failed message again."""
    if message.status != S.FAILED:
        raise TransitionNotAllowed(_("only a failed message can be retried"))
    fields = {
        "attempts": 0,
        "next_attempt_at": timezone.now(),
        "last_error": "",
        "claimed_by": "",
        "claimed_at": None,
    }
    _set_fields(message, **fields)
    status_transition(
        obj=message, status=S.QUEUED, actor=actor, note=_("retry requested"), **TRANSITIONS
    )
    _fields_changed(message, **fields)
    trigger_send()
    return message


@transaction.atomic
def outbound_discard(*, message: OutboundMessage, actor, reason: str = "") -> OutboundMessage:
    """A person decides a message will not be sent: a draft (one loop protection held,
    say), a queued one no worker has started, a failed or an uncertain one. Its secrets
    are erased; the message stays, with its history, and composing the same reply again
    gives it back rather than a new one."""
    reason = (reason or "").strip()
    if len(reason) > DISCARD_REASON_MAX:
        raise OutboxError(
            _("the reason is too long (at most %(max)d characters)") % {"max": DISCARD_REASON_MAX}
        )
    fields = {
        "secrets_encrypted": "",
        "next_attempt_at": None,
        "claimed_by": "",
        "claimed_at": None,
    }
    _set_fields(message, **fields)
    status_transition(
        obj=message, status=S.DISCARDED, actor=actor, note=reason or _("discarded"), **TRANSITIONS
    )
    _fields_changed(message, **fields)
    return message


@transaction.atomic
def outbound_resolve_uncertain(
    *, message: OutboundMessage, actor, was_sent: bool
) -> OutboundMessage:
    """A person decides an uncertain message: it did arrive (sent), or send it again."""
    if message.status != S.UNCERTAIN:
        raise TransitionNotAllowed(_("only an uncertain message can be resolved"))
    if was_sent:
        fields = {"sent_at": timezone.now(), "secrets_encrypted": ""}
        _set_fields(message, **fields)
        status_transition(
            obj=message,
            status=S.SENT,
            actor=actor,
            note=_("marked as sent by a person"),
            **TRANSITIONS,
        )
        _fields_changed(message, **fields)
        return message
    # a fresh start: the dead worker's claim is not waited for, and the attempts it
    # used do not count against this one
    fields = {
        "next_attempt_at": timezone.now(),
        "attempts": 0,
        "claimed_by": "",
        "claimed_at": None,
        "last_error": "",
    }
    _set_fields(message, **fields)
    status_transition(
        obj=message,
        status=S.QUEUED,
        actor=actor,
        note=_("sent again after confirmation"),
        **TRANSITIONS,
    )
    _fields_changed(message, **fields)
    trigger_send()
    return message


# --- replies to our messages -------------------------------------------------------------


def link_replies(emails: list[Email]) -> None:
    """Intake hook: an email answering one of our messages joins that message's case, by
    In-Reply-To/References; failing that (a client that drops them), by the same subject
    from the address we wrote to, within REPLY_SUBJECT_DAYS."""
    wanted: dict[str, list[Email]] = {}
    for email in emails:
        for ref in {email.in_reply_to, *email.references.split()}:
            ref = ref.strip().strip("<>")
            if ref:
                wanted.setdefault(ref, []).append(email)
    found = (
        dict(
            OutboundMessage.objects.filter(
                message_id__in=list(wanted), email__isnull=False
            ).values_list("message_id", "email_id")
        )
        if wanted
        else {}
    )
    unlinked = []
    for email in emails:
        # In-Reply-To first (the message answered), then the newest reference.
        refs = [email.in_reply_to.strip("<> "), *reversed(email.references.split())]
        for ref in refs:
            case_id = found.get(ref.strip().strip("<>"))
            if case_id and case_id != email.pk:
                email_services.email_link_to_case(email=email, case_id=case_id)
                break
        else:
            if email.from_address and REPLY_PREFIX_RE.match(email.subject or ""):
                unlinked.append(email)
    if unlinked:
        _link_by_subject(unlinked)


REPLY_SUBJECT_DAYS = 60


def _link_by_subject(emails: list[Email]) -> None:
    since = timezone.now() - timedelta(days=REPLY_SUBJECT_DAYS)
    senders = {e.from_address.lower() for e in emails}
    candidates = (
        OutboundMessage.objects.filter(status=S.SENT, email__isnull=False, sent_at__gte=since)
        .filter(Q(*[Q(to__icontains=a) for a in senders], _connector=Q.OR))
        .order_by("-sent_at")
        .values_list("to", "subject", "email_id")
    )
    by_key: dict[tuple[str, str], int] = {}
    for to, subject, case_id in candidates:
        topic = REPLY_PREFIX_RE.sub("", subject).strip().lower()
        for address in _split_addresses(to):
            by_key.setdefault((address.lower(), topic), case_id)  # the newest wins
    for email in emails:
        topic = REPLY_PREFIX_RE.sub("", email.subject).strip().lower()
        case_id = by_key.get((email.from_address.lower(), topic))
        if case_id and case_id != email.pk:
            email_services.email_link_to_case(email=email, case_id=case_id)
