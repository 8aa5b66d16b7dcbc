"""Writes of the outbox: composing replies, approving, sending, retrying, sweeping."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import socket
from datetime import timedelta
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from emails.models import Email, Mailbox
from emails.storage import attachment_path
from mailflow import crypto, tokens
from mailflow.errors import DomainError
from sender import mime
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
# What a stored body holds where a secret goes; replaced only in the bytes sent.
SECRET_TOKEN = "⟦secret:{name}⟧"  # noqa: S105 - a placeholder, not a password
SECRET_RE = re.compile(r"⟦secret:([a-z_][a-z0-9_]*)⟧")
MASK = "••••••••"
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


def _split_addresses(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        plain = mime.plain_addresses(value)
        if plain is not None:
            return plain
    values = [value] if isinstance(value, str) else value
    return [addr for _name, addr in getaddresses(values) if "@" in addr]


def _references(email: Email) -> str:
    ids = [i for i in (email.references or "").split() if i]
    if email.message_id and email.message_id not in ids:
        ids.append(email.message_id)
    # Long threads: keep the first and the last ones, as RFC 5322 suggests.
    if len(ids) > 20:
        ids = ids[:1] + ids[-19:]
    return " ".join(f"<{i}>" for i in ids)


def _audit(message, from_status, to_status, *, actor=None, actor_label="", note=""):
    OutboundStatusChange.objects.create(
        message=message,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_label="" if actor else (actor_label or "system"),
        note=note,
    )


@transaction.atomic
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
    """
    if case_key is None:
        if email is None:
            raise OutboxError("a message needs a case email or a case_key")
        case_key = f"email:{email.pk}"
    key = f"{case_key}:{purpose}"
    existing = OutboundMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if (template is None) == (body_text is None):
        raise OutboxError("give either a template or a body_text")
    secret_names = sorted((secrets or {}).keys())
    for name in secret_names:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise OutboxError(f"invalid secret name {name!r}")
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
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        # composed concurrently by another worker: that one is the message
        return OutboundMessage.objects.get(idempotency_key=key)
    for filename, content_type, payload in attachments or []:
        OutboundAttachment.objects.create(
            message=message,
            filename=filename,
            content_type=content_type,
            file=ContentFile(payload, name=attachment_path(filename, content_type)),
            size=len(payload),
        )
    labels = dict(OutboundMessage.Purpose.choices)
    note = _("composed (%(purpose)s)") % {"purpose": labels.get(purpose, purpose)}
    if ignored_reply_to:
        note += "; " + _(
            "Reply-To not used (%(count)d address(es) outside the trusted domains): "
            "the answer goes to the sender"
        ) % {"count": len(ignored_reply_to)}
    _audit(message, "", S.DRAFT, actor=actor, note=note)
    if queue:
        outbound_queue(message=message, actor=actor)
    return message


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
    from django.template import Context
    from django.template.loader import get_template

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


def _transition(
    message: OutboundMessage, to_status: str, *, actor=None, actor_label="", note="", **fields
) -> OutboundMessage:
    locked = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if to_status not in ALLOWED_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed(
            _("a message in status “%(current)s” cannot become “%(target)s”")
            % {"current": locked.get_status_display(), "target": S(to_status).label}
        )
    fields["status"] = to_status
    OutboundMessage.objects.filter(pk=message.pk).update(**fields)
    _audit(message, locked.status, to_status, actor=actor, actor_label=actor_label, note=note)
    for name, value in fields.items():
        setattr(message, name, value)
    return message


def _trigger_send() -> None:
    """Send soon: a task queued once the transaction commits."""

    def send() -> None:
        from django_q.tasks import async_task

        async_task("sender.tasks.send_outbox", task_name="send_outbox")

    transaction.on_commit(send)


@transaction.atomic
def outbound_queue(
    *, message: OutboundMessage, actor=None, actor_label: str = "", note: str = ""
) -> OutboundMessage:
    """Move a draft to the queue. An automatic message (no person acting) is checked
    against loop protection, who it may go to and the hourly caps; when held it stays a
    draft, with why."""
    if actor is None and message.automatic:
        reason = Truncator(protection_reason(message)).chars(HELD_REASON_MAX)
        if reason:
            OutboundMessage.objects.filter(pk=message.pk).update(held_reason=reason)
            message.held_reason = reason
            _audit(
                message, message.status, message.status, actor_label="loop protection", note=reason
            )
            return message
    _transition(
        message,
        S.QUEUED,
        actor=actor,
        actor_label=actor_label,
        note=note,
        held_reason="",
        next_attempt_at=timezone.now(),
    )
    _trigger_send()
    return message


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
    _transition(
        message,
        S.QUEUED,
        actor=actor,
        note=_("retry requested"),
        attempts=0,
        next_attempt_at=timezone.now(),
        last_error="",
        claimed_by="",
        claimed_at=None,
    )
    _trigger_send()
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
    return _transition(
        message,
        S.DISCARDED,
        actor=actor,
        note=reason or _("discarded"),
        secrets_encrypted="",
        next_attempt_at=None,
        claimed_by="",
        claimed_at=None,
    )


@transaction.atomic
def outbound_resolve_uncertain(
    *, message: OutboundMessage, actor, was_sent: bool
) -> OutboundMessage:
    """A person decides an uncertain message: it did arrive (sent), or send it again."""
    if message.status != S.UNCERTAIN:
        raise TransitionNotAllowed(_("only an uncertain message can be resolved"))
    if was_sent:
        return _transition(
            message,
            S.SENT,
            actor=actor,
            note=_("marked as sent by a person"),
            sent_at=timezone.now(),
            secrets_encrypted="",
        )
    # a fresh start: the dead worker's claim is not waited for, and the attempts it
    # used do not count against this one
    _transition(
        message,
        S.QUEUED,
        actor=actor,
        note=_("sent again after confirmation"),
        next_attempt_at=timezone.now(),
        attempts=0,
        claimed_by="",
        claimed_at=None,
        last_error="",
    )
    _trigger_send()
    return message


# --- sending -----------------------------------------------------------------------------


def _outgoing(message: OutboundMessage, *, masked: bool = False) -> dict:
    """The message as it leaves: secrets filled in (`masked`: shown as the mask, for a copy
    we keep), threading and robot headers set."""
    secrets = (
        json.loads(crypto.decrypt(message.secrets_encrypted))
        if message.secrets_encrypted and not masked
        else {}
    )

    def fill(text: str) -> str:
        if "⟦" not in text:
            return text
        return SECRET_RE.sub(lambda m: secrets.get(m.group(1), MASK), text)

    headers = {
        "Message-ID": f"<{message.message_id}>",
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
    }
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = message.references
    return {
        "subject": message.subject,
        "body": fill(message.body_text),
        "from_email": message.from_email,
        "to": _split_addresses(message.to),
        "cc": _split_addresses(message.cc),
        "reply_to": _split_addresses(message.reply_to),
        "headers": headers,
        "html": fill(message.body_html) if message.body_html else "",
    }


def _attachments(
    message: OutboundMessage, attachments: list[OutboundAttachment] | None = None
) -> list[tuple[str, bytes, str]]:
    contents = []
    for att in message.attachments.all() if attachments is None else attachments:
        with att.file.open("rb") as handle:
            contents.append((att.filename, handle.read(), att.content_type))
    return contents


def _django_email(fields: dict, attachments) -> EmailMultiAlternatives:
    fields = dict(fields)
    html = fields.pop("html")
    mail = EmailMultiAlternatives(**fields)
    if html:
        mail.attach_alternative(html, "text/html")
    for filename, content, content_type in attachments:
        mail.attach(filename, content, content_type)
    return mail


def build_email(message: OutboundMessage) -> EmailMultiAlternatives:
    """The message as it leaves, as a Django email (for the console and file backends)."""
    return _django_email(_outgoing(message), _attachments(message))


def build_message(
    message: OutboundMessage,
    *,
    attachments: list[OutboundAttachment] | None = None,
    masked: bool = False,
) -> tuple[list[str], bytes]:
    """The recipients and the bytes that leave: what build_email(message) writes, built
    without Django's MIME objects when sender.mime covers the message's shape.
    `attachments`: the message's, when the caller has them already. `masked`: secrets
    shown as the mask (the copy kept in a Sent folder)."""
    fields = _outgoing(message, masked=masked)
    attachments = _attachments(message, attachments)
    data = mime.message_bytes(**fields, attachments=attachments)
    if data is None:
        data = _django_email(fields, attachments).message().as_bytes(linesep="\r\n")
    return fields["to"] + fields["cc"], data


# --- sending (the worker lives in sender/delivery.py) ----------------------------------


def outbox_send_due(**kwargs):
    from sender.delivery import outbox_send_due as send_due

    return send_due(**kwargs)


def outbox_sweep(**kwargs) -> int:
    from sender.delivery import outbox_sweep as sweep

    return sweep(**kwargs)


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
                _link(email, case_id)
                break
        else:
            if email.from_address and REPLY_PREFIX_RE.match(email.subject or ""):
                unlinked.append(email)
    if unlinked:
        _link_by_subject(unlinked)


REPLY_SUBJECT_DAYS = 60


def _link(email: Email, case_id: int) -> None:
    Email.objects.filter(pk=email.pk).update(case_id=case_id)
    email.case_id = case_id


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
            _link(email, case_id)
