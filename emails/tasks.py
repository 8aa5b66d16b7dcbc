"""django-q2 entry points: they take ids and call services."""

from emails import services
from emails.models import Mailbox


def collect_all() -> list[dict]:
    return [r.as_dict() for r in services.mailboxes_collect()]


def collect_mailbox(mailbox_id: int) -> dict:
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    return services.mailbox_collect(mailbox=mailbox).as_dict()
