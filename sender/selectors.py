"""Reads of the outbox."""

from django.db.models import QuerySet

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
