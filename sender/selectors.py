"""Reads of the outbox."""

from django.db.models import Q, QuerySet

from sender.models import OutboundAttachment, OutboundMessage


def outbound_list() -> QuerySet[OutboundMessage]:
    return (
        OutboundMessage.objects.select_related("email")
        .defer(
            "body_text",
            "body_html",
            "secrets_encrypted",
            "email__raw",
            "email__body_text",
            "email__body_html",
        )
        .prefetch_related("attachments")
    )


def outbound_get(*, message_id: int) -> OutboundMessage:
    return (
        OutboundMessage.objects.select_related("email")
        .prefetch_related("attachments", "status_changes")
        .get(pk=message_id)
    )


def attachment_get(*, message_id: int, attachment_id: int) -> OutboundAttachment:
    """One of a message's attachments (DoesNotExist for another message's)."""
    return OutboundAttachment.objects.get(pk=attachment_id, message_id=message_id)


def case_replies(*, email_id: int | None, case_key: str | None = None) -> QuerySet[OutboundMessage]:
    """The messages composed for a case, oldest first: those of its email, and those
    composed under its case key ("access:7", say) when it has one."""
    condition = Q(pk__in=[])
    if email_id is not None:
        condition |= Q(email_id=email_id)
    if case_key:
        condition |= Q(case_key=case_key)
    return (
        OutboundMessage.objects.filter(condition)
        .only("pk", "purpose", "to", "subject", "status", "held_reason", "sent_at", "created_at")
        .order_by("created_at", "id")
    )


def case_messages(
    case_keys, purposes: list[str] | None = None, *, sent: bool = False
) -> QuerySet[OutboundMessage]:
    """The messages of these cases ("defense:12", "access:7"...), of these purposes when
    given, only those that left with `sent`. `case_keys` may hold an OuterRef, for a
    subquery that asks about each row of another table."""
    # "not blank" says what the index's condition says, so the database can use it
    messages = OutboundMessage.objects.filter(case_key__in=case_keys).exclude(case_key="")
    if purposes is not None:
        messages = messages.filter(purpose__in=purposes)
    if sent:
        messages = messages.filter(status=OutboundMessage.Status.SENT)
    return messages
