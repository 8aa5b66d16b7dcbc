"""django-q2 entry points: they take ids and call services."""

from emails import services, steps
from emails.models import Mailbox


def run_step(name: str, ids: list[int]) -> int:
    return steps.run_step(name, ids)


def run_steps(names: list[str], ids: list[int]) -> dict[str, int]:
    return {name: steps.run_step(name, ids) for name in names}


def run_due_steps(names: list[str]) -> dict[str, int]:
    return {name: steps.run_due(name) for name in names}


def collect_all() -> list[dict]:
    return [r.as_dict() for r in services.mailboxes_collect()]


def collect_mailbox(mailbox_id: int) -> dict:
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    return services.mailbox_collect(mailbox=mailbox).as_dict()
