"""Reads of the emails app, with their joins applied so no page does N+1."""

from django.db.models import Prefetch, QuerySet

from emails.models import Attachment, Email, Mailbox

# Heavy columns a list never shows.
LIST_DEFERRED = ("raw", "body_text", "body_html", "references", "to", "cc", "reply_to")


def email_list() -> QuerySet[Email]:
    return (
        Email.objects.select_related("mailbox")
        .defer(*LIST_DEFERRED)
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )


def email_list_for_admin() -> QuerySet[Email]:
    return Email.objects.select_related("mailbox").defer(*LIST_DEFERRED)


def email_get(*, email_id: int) -> Email:
    return Email.objects.select_related("mailbox").defer("raw").get(pk=email_id)


def email_raw(*, email_id: int) -> bytes:
    return bytes(Email.objects.values_list("raw", flat=True).get(pk=email_id))


def attachment_get(*, email_id: int, attachment_id: int) -> Attachment:
    return Attachment.objects.get(pk=attachment_id, email_id=email_id)


def mailbox_list() -> QuerySet[Mailbox]:
    return Mailbox.objects.all()


def emails_awaiting_workflow(*, kind: str) -> QuerySet[Email]:
    """Received emails of a kind that joined no case: a workflow's new requests."""
    return Email.objects.filter(kind=kind, status=Email.Status.RECEIVED, case__isnull=True)


def replies_awaiting_workflow() -> QuerySet[Email]:
    """Received emails that joined a case (answers to our messages) and were not handled."""
    return Email.objects.filter(status=Email.Status.RECEIVED, case__isnull=False)


def unclassified_emails() -> QuerySet[Email]:
    """Received emails with no kind yet (the classifier's work), without their raw bytes."""
    return Email.objects.filter(status=Email.Status.RECEIVED, kind__isnull=True).defer(
        "raw", "body_html"
    )
