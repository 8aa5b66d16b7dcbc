"""A message as it leaves: its headers and bytes, secrets filled in, and the task that
sends it. Shared by the services that compose and queue (sender/services.py) and the
worker that sends (sender/delivery.py), so neither imports the other."""

from __future__ import annotations

import json
import re
from email.utils import getaddresses

from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from mailflow import crypto
from sender import mime
from sender.models import OutboundAttachment, OutboundMessage

# What a stored body holds where a secret goes; replaced only in the bytes sent.
SECRET_TOKEN = "⟦secret:{name}⟧"  # noqa: S105 - a placeholder, not a password
SECRET_RE = re.compile(r"⟦secret:([a-z_][a-z0-9_]*)⟧")
MASK = "••••••••"


def split_addresses(value: str | list[str] | None) -> list[str]:
    """The plain addresses of a header value or a list of them."""
    if not value:
        return []
    if isinstance(value, str):
        plain = mime.plain_addresses(value)
        if plain is not None:
            return plain
    values = [value] if isinstance(value, str) else value
    return [addr for _name, addr in getaddresses(values) if "@" in addr]


def outgoing_fields(message: OutboundMessage, *, masked: bool = False) -> dict:
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
        "to": split_addresses(message.to),
        "cc": split_addresses(message.cc),
        "reply_to": split_addresses(message.reply_to),
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
    return _django_email(outgoing_fields(message), _attachments(message))


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
    fields = outgoing_fields(message, masked=masked)
    attachments = _attachments(message, attachments)
    data = mime.message_bytes(**fields, attachments=attachments)
    if data is None:
        data = _django_email(fields, attachments).message().as_bytes(linesep="\r\n")
    return fields["to"] + fields["cc"], data


def _queue_send_task() -> None:
    from django_q.tasks import async_task  # django-q2 loads its cluster machinery

    async_task("sender.tasks.send_outbox", task_name="send_outbox")


def trigger_send() -> None:
    """Send soon: a task queued once the transaction commits (call it once for all the
    messages a service queues)."""
    transaction.on_commit(_queue_send_task)
