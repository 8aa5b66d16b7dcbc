from django.core.management.base import BaseCommand, CommandError

from mailflow import checks
from sender import delivery


class Command(BaseCommand):
    # Run from cron: only the project's own checks (mailflow/checks.py says why).
    requires_system_checks = [checks.MAILFLOW]
    help = "Send every queued message that is due, then turn stale sends into uncertain."

    def handle(self, *args, **options):
        swept = delivery.outbox_sweep()
        if swept:
            self.stdout.write(f"{swept} interrupted sends marked uncertain (a person decides)")
        report = delivery.outbox_send_due()
        self.stdout.write(
            f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}, "
            f"uncertain {report.uncertain}"
        )
        for error in report.errors[:20]:
            self.stderr.write(f"  {error}")
        if report.claimed and not report.sent and report.errors:
            raise CommandError("nothing could be sent; see the errors above")
