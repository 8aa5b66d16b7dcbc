"""django-q2 entry points of the outbox."""

from pipeline import steps
from sender import delivery


def send_outbox() -> dict:
    report = delivery.outbox_send_due()
    if report.sent:
        # Cases waiting for their messages to leave (e.g. a defence's chamado and reply).
        steps.enqueue_after_delivery()
    return {
        "claimed": report.claimed,
        "sent": report.sent,
        "retrying": report.retrying,
        "failed": report.failed,
        "uncertain": report.uncertain,
    }
