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
