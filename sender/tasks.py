"""django-q2 entry points of the outbox."""

from sender import services


def send_outbox() -> dict:
    report = services.outbox_send_due()
    return {
        "claimed": report.claimed,
        "sent": report.sent,
        "retrying": report.retrying,
        "failed": report.failed,
        "uncertain": report.uncertain,
    }


def sweep_outbox() -> int:
    return services.outbox_sweep()
